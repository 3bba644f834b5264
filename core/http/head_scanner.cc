#include "core/http/head_scanner.h"

#include <string_view>

namespace percore::http {
namespace {

constexpr std::string_view kVersionPrefix = "HTTP/";  // then DIGIT "." DIGIT

bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// A field value may hold visible characters, SP, HTAB and obs-text; no other control byte.
bool is_value_byte(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

// Request-target bytes: visible ASCII. Spaces, controls and raw non-ASCII must be %-encoded.
bool is_target_byte(unsigned char c) {
  return c > 0x20 && c < 0x7f;
}

}  // namespace

bool is_tchar(unsigned char c) {
  if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

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
    case HeadError::kBadRequestLine:
      return "malformed request line";
    case HeadError::kBadHeaderName:
      return "header name is not a token";
    case HeadError::kBadHeaderValue:
      return "control character in header value";
  }
  return "?";
}

// One byte of the request line, other than CR and LF.
HeadError HeadScanner::start_line_byte(unsigned char c) {
  ++start_bytes_;
  switch (state_) {
    case State::kMethod:
      if (c == ' ' && pos_ > 0) {
        state_ = State::kTarget;
        pos_ = 0;
        return HeadError::kNone;
      }
      if (!is_tchar(c)) return HeadError::kBadRequestLine;
      pos_ = 1;
      return HeadError::kNone;
    case State::kTarget:
      if (c == ' ' && pos_ > 0) {
        state_ = State::kVersion;
        pos_ = 0;
        return HeadError::kNone;
      }
      if (!is_target_byte(c)) return HeadError::kBadRequestLine;
      pos_ = 1;
      return HeadError::kNone;
    default: {  // kVersion: exactly HTTP/d.d
      size_t i = pos_++;
      if (i == kVersionPrefix.size() && is_digit(c)) major_ = static_cast<int8_t>(c - '0');
      bool ok = i < kVersionPrefix.size() ? c == static_cast<unsigned char>(kVersionPrefix[i])
                                          : (i == kVersionPrefix.size() + 1
                                                 ? c == '.'
                                                 : i <= kVersionPrefix.size() + 2 && is_digit(c));
      return ok ? HeadError::kNone : HeadError::kBadRequestLine;
    }
  }
}

HeadError HeadScanner::end_of_line() {
  switch (state_) {
    case State::kStart:
      return HeadError::kNone;  // empty lines before the start line are tolerated (RFC 9112 2.2)
    case State::kLineStart:
      state_ = State::kDone;
      return HeadError::kNone;
    case State::kMethod:
    case State::kTarget:
      return HeadError::kBadRequestLine;
    case State::kVersion:
      if (pos_ != kVersionPrefix.size() + 3) return HeadError::kBadRequestLine;
      break;
    case State::kName:
      return HeadError::kBadHeaderName;  // a field line without a colon
    default:
      break;
  }
  state_ = State::kLineStart;
  return HeadError::kNone;
}

HeadError HeadScanner::feed(const char* data, size_t len) {
  for (size_t i = 0; i < len && state_ != State::kDone; ++i) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    if (c == '\r') {
      if (cr_) return HeadError::kBadLineEnding;
      cr_ = true;
      continue;
    }
    if (cr_ != (c == '\n')) return HeadError::kBadLineEnding;  // CR alone, or LF alone
    if (c == '\n') {
      cr_ = false;
      if (HeadError e = end_of_line(); e != HeadError::kNone) return e;
      continue;
    }
    HeadError e = HeadError::kNone;
    switch (state_) {
      case State::kStart:
        if (start_ == StartLine::kRequest) {
          state_ = State::kMethod;
          e = start_line_byte(c);
        } else {
          state_ = State::kFirstLine;
        }
        break;
      case State::kMethod:
      case State::kTarget:
      case State::kVersion:
        e = start_line_byte(c);
        break;
      case State::kLineStart:
        if (c == ' ' || c == '\t') return HeadError::kObsFold;
        if (!is_tchar(c)) return HeadError::kBadHeaderName;  // ":x" (empty name) included
        state_ = State::kName;
        break;
      case State::kName:
        if (c == ':') {
          state_ = State::kValue;
        } else if (c == ' ' || c == '\t') {
          return HeadError::kSpaceBeforeColon;
        } else if (!is_tchar(c)) {
          return HeadError::kBadHeaderName;
        }
        break;
      case State::kValue:
        if (!is_value_byte(c)) return HeadError::kBadHeaderValue;
        break;
      default:
        break;
    }
    if (e != HeadError::kNone) return e;
  }
  return HeadError::kNone;
}

}  // namespace percore::http
