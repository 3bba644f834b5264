#include "client/protocols.h"

#include <array>

#include "client/echo/echo_worker.h"
#include "client/http/http_worker.h"

namespace percore::client {
namespace {

void describe_http(const Options&, RunResult*) {
  // method, pipeline and keep-alive are in every result (report_json.cc writes them always).
}

void describe_echo(const Options& o, RunResult* r) {
  r->pattern = o.echo.pattern == EchoPattern::kStream ? "stream" : "rr";
  r->payload = o.echo.payload;
  r->window = o.echo.window;
}

// In Protocol order.
constexpr std::array<LoadProtocol, 2> kProtocols{{
    {Protocol::kHttp, "req/s", http_worker_factory, describe_http},
    {Protocol::kEcho, "msg/s", echo_worker_factory, describe_echo},
}};

}  // namespace

const LoadProtocol& load_protocol(Protocol protocol) {
  return kProtocols[static_cast<size_t>(protocol)];
}

}  // namespace percore::client
