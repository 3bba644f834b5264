// What is wrong with a request a proxy was asked to forward: the answer of the head checks
// (request_checks.h) and of the target's parsing (request_target.h). A leaf, so that neither
// reaches the other through MessageHead.
#pragma once

#include <cstdint>

namespace percore::http {

enum class RequestProblem : uint8_t {
  kNone,
  kContentLengthAndTransferEncoding,
  kDuplicateContentLength,
  kInvalidContentLength,
  kBadTransferEncoding,
  kBadHeaderName,
  kBadHeaderValue,
  kMissingOrDuplicateHost,
  kBadRequestTarget,
};

const char* request_problem_text(RequestProblem p);

}  // namespace percore::http
