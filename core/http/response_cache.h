// The fixed responses of HTTP server mode, built once at start-up so that answering a request is
// a memcpy of a ready head (plus a reference to an immutable body). Only the Date header changes,
// once a second, in refresh().
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace percore::http {

enum class Reply : uint8_t {
  kOk,
  kOkClose,
  kHeadOk,
  kHeadOkClose,
  kBadRequest,
  kHeadersTooLarge,
  kBadVersion,
  kRequestTimeout,
  kMethodNotAllowed,
  kUriTooLong,
  kExpectationFailed,
  kCount
};

// The interim answer to `Expect: 100-continue`: no Date, nothing to refresh.
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// True for the replies after which the connection closes.
bool closes_connection(Reply r);

class ResponseCache {
 public:
  // body_size < 0 selects the default small body.
  explicit ResponseCache(long body_size);

  // Rebuilds the heads when the wall-clock second differs from the last build.
  void refresh(time_t now);

  std::string_view head(Reply r) const { return heads_[static_cast<int>(r)]; }
  std::string_view body(Reply r) const;
  int status(Reply r) const;

 private:
  std::string ok_body_;
  std::string heads_[static_cast<int>(Reply::kCount)];
  time_t built_for_ = -1;
};

}  // namespace percore::http
