#include "core/http/request_problem.h"

namespace percore::http {

const char* request_problem_text(RequestProblem p) {
  switch (p) {
    case RequestProblem::kNone:
      return "ok";
    case RequestProblem::kContentLengthAndTransferEncoding:
      return "both Content-Length and Transfer-Encoding";
    case RequestProblem::kDuplicateContentLength:
      return "more than one Content-Length";
    case RequestProblem::kInvalidContentLength:
      return "invalid Content-Length";
    case RequestProblem::kBadTransferEncoding:
      return "Transfer-Encoding other than exactly chunked";
    case RequestProblem::kBadHeaderName:
      return "invalid header name";
    case RequestProblem::kBadHeaderValue:
      return "control character in header value";
    case RequestProblem::kMissingOrDuplicateHost:
      return "missing or repeated Host";
    case RequestProblem::kBadRequestTarget:
      return "absolute-form target that is not http(s)://host[:port]/...";
  }
  return "?";
}

}  // namespace percore::http
