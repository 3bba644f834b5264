// A byte-level pass over an HTTP/1 message head that rejects what http-parser lets through but a
// smuggling-safe proxy must not: bare LF or CR line endings, obsolete line folding and whitespace
// between a header name and its colon. It runs on the same bytes just before the parser does.
#pragma once

#include <cstddef>
#include <cstdint>

namespace percore::http {

enum class HeadError : uint8_t { kNone, kBadLineEnding, kObsFold, kSpaceBeforeColon };

const char* head_error_text(HeadError e);

class HeadScanner {
 public:
  // Call at the start of every message.
  void reset() {
    state_ = State::kStart;
    cr_ = false;
  }
  // Scans the next bytes of the head. Bytes after the blank line that ends the head are not
  // looked at (they are body or the next message): feed() may be called with them freely.
  HeadError feed(const char* data, size_t len);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State : uint8_t { kStart, kFirstLine, kLineStart, kName, kValue, kDone };
  State state_ = State::kStart;
  bool cr_ = false;  // the previous byte was CR
};

}  // namespace percore::http
