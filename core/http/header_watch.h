// The request headers HTTP server mode acts on, read from http-parser's header callbacks as they
// come, in fragments, without copying the head: how many Host fields there are (RFC 9112 3.2:
// exactly one in HTTP/1.1) and what Expect asks for (RFC 9110 10.1.1). The proxy collects whole
// heads instead (MessageHead, check_request); a server that keeps nothing of the head needs no
// copy of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace percore::http {

class HeaderWatch {
 public:
  enum class Expect : uint8_t { kNone, kContinue, kOther };

  // Call at the start of every request.
  void reset() { *this = HeaderWatch{}; }
  // http-parser's on_header_field and on_header_value fragments, in order.
  void on_field(const char* at, size_t len);
  void on_value(const char* at, size_t len);
  // on_headers_complete: ends the last field.
  void finish() { end_field(); }

  int hosts() const { return hosts_; }
  Expect expect() const { return expect_; }

 private:
  enum class Name : uint8_t { kHost, kExpect, kOther };
  void end_field();

  uint32_t name_len_ = 0;   // bytes of the current name so far
  uint32_t value_len_ = 0;  // bytes of the current value so far, trailing whitespace included
  uint32_t value_ws_ = 0;   // trailing SP/HTAB at the end of the value so far
  bool in_value_ = false;
  bool value_matches_ = true;  // the Expect value so far is a prefix of "100-continue"
  Name name_ = Name::kOther;
  bool name_host_ = true;  // the name so far is a prefix of "host"
  bool name_expect_ = true;
  uint8_t hosts_ = 0;
  Expect expect_ = Expect::kNone;
};

}  // namespace percore::http
