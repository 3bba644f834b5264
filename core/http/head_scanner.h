// The one byte-level check of an HTTP/1 message head against RFC 9112's grammar, shared by
// server mode and proxy mode (and the proxy's backend side): it rejects what http-parser lets
// through but a strict server must not: bare LF or CR line endings, obsolete line folding,
// whitespace between a header name and its colon, header names that are not tokens, control
// characters in header values and, for requests, a request line other than
// `token SP request-target SP HTTP/d.d`. It runs on the same bytes just before the parser does,
// keeps no copy of them, and a violation means 400 and close.
#pragma once

#include <cstddef>
#include <cstdint>

namespace percore::http {

enum class HeadError : uint8_t {
  kNone,
  kBadLineEnding,
  kObsFold,
  kSpaceBeforeColon,
  kBadRequestLine,
  kBadHeaderName,
  kBadHeaderValue,
};

const char* head_error_text(HeadError e);

// RFC 9110 5.6.2 tchar.
bool is_tchar(unsigned char c);

class HeadScanner {
 public:
  // Which start line the messages have: requests get their request line checked; a status
  // line is left to http-parser.
  enum class StartLine : uint8_t { kUnchecked, kRequest };
  explicit HeadScanner(StartLine start = StartLine::kUnchecked) : start_(start) {}

  // Call at the start of every message.
  void reset() {
    state_ = State::kStart;
    cr_ = false;
    pos_ = 0;
    major_ = -1;
    start_bytes_ = 0;
  }
  // Scans the next bytes of the head. Bytes after the blank line that ends the head are not
  // looked at (they are body or the next message): feed() may be called with them freely.
  HeadError feed(const char* data, size_t len);
  bool done() const { return state_ == State::kDone; }
  // True once any byte of the message (other than empty lines before it) arrived.
  bool started() const { return state_ != State::kStart; }
  // The request line's major version digit once it was scanned (-1 before): lets a server say
  // 505 to a line http-parser refuses outright, such as HTTP/2's "PRI * HTTP/2.0" preface.
  int version_major() const { return major_; }
  // Bytes of the request line scanned so far, without its CRLF: tells a request line too long
  // (414) from a header block too large (431).
  uint32_t start_line_bytes() const { return start_bytes_; }

 private:
  enum class State : uint8_t {
    kStart,
    kFirstLine,  // unchecked start line
    kMethod,
    kTarget,
    kVersion,
    kLineStart,
    kName,
    kValue,
    kDone
  };
  HeadError start_line_byte(unsigned char c);
  HeadError end_of_line();

  State state_ = State::kStart;
  StartLine start_;
  bool cr_ = false;  // the previous byte was CR
  uint8_t pos_ = 0;  // bytes of the current request-line element seen so far
  int8_t major_ = -1;
  uint32_t start_bytes_ = 0;
};

}  // namespace percore::http
