#include "core/http/head_scanner.h"

namespace percore::http {

const char* head_error_text(HeadError e) {
  switch (e) {
    case HeadError::kNone:
      return "ok";
    case HeadError::kBadLineEnding:
      return "line ending other than CRLF";
    case HeadError::kObsFold:
      return "obsolete line folding";
    case HeadError::kSpaceBeforeColon:
      return "whitespace between header name and colon";
  }
  return "?";
}

HeadError HeadScanner::feed(const char* data, size_t len) {
  for (size_t i = 0; i < len && state_ != State::kDone; ++i) {
    char ch = data[i];
    if (ch == '\r') {
      if (cr_) return HeadError::kBadLineEnding;
      cr_ = true;
      continue;
    }
    if (cr_ != (ch == '\n')) return HeadError::kBadLineEnding;  // CR alone, or LF alone
    if (ch == '\n') {
      cr_ = false;
      switch (state_) {
        case State::kStart:
          break;  // empty lines before the start line are tolerated (RFC 9112 2.2)
        case State::kLineStart:
          state_ = State::kDone;
          break;
        default:
          state_ = State::kLineStart;
      }
      continue;
    }
    switch (state_) {
      case State::kStart:
        state_ = State::kFirstLine;
        break;
      case State::kLineStart:
        if (ch == ' ' || ch == '\t') return HeadError::kObsFold;
        state_ = ch == ':' ? State::kValue : State::kName;
        break;
      case State::kName:
        if (ch == ' ' || ch == '\t') return HeadError::kSpaceBeforeColon;
        if (ch == ':') state_ = State::kValue;
        break;
      default:
        break;
    }
  }
  return HeadError::kNone;
}

}  // namespace percore::http
