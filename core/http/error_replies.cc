#include "core/http/error_replies.h"

#include <array>
#include <string>

namespace percore::http {
namespace {

struct Table {
  static constexpr int kCount = 6;
  std::array<std::string, kCount> keep, close, body;
  std::array<ErrorReply, kCount> replies;

  Table() {
    static const struct {
      int status;
      const char* line;
      const char* body;
    } kDefs[kCount] = {
        {400, "HTTP/1.1 400 Bad Request\r\n", "bad request\n"},
        {408, "HTTP/1.1 408 Request Timeout\r\n", "request timeout\n"},
        {431, "HTTP/1.1 431 Request Header Fields Too Large\r\n",
         "request header fields too large\n"},
        {502, "HTTP/1.1 502 Bad Gateway\r\n", "bad gateway\n"},
        {504, "HTTP/1.1 504 Gateway Timeout\r\n", "gateway timeout\n"},
        {505, "HTTP/1.1 505 HTTP Version Not Supported\r\n", "http version not supported\n"},
    };
    for (int i = 0; i < kCount; ++i) {
      body[i] = kDefs[i].body;
      std::string common = std::string(kDefs[i].line) +
                           "Server: percore\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(body[i].size()) + "\r\nConnection: ";
      keep[i] = common + "keep-alive\r\n\r\n";
      close[i] = common + "close\r\n\r\n";
      replies[i] = ErrorReply{kDefs[i].status, keep[i], close[i], body[i]};
    }
  }
};

}  // namespace

const ErrorReply* error_reply(int status) {
  static const Table table;
  for (const ErrorReply& r : table.replies) {
    if (r.status == status) return &r;
  }
  return error_reply(502);
}

}  // namespace percore::http
