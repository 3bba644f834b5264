// Windows: the modes built there (http, echo, udp-echo). Proxy and udp-relay are refused by
// flag parsing (server/platform_win.cc) before a worker starts.
#include "server/http_server.h"
#include "server/mode.h"
#include "server/tcp_echo.h"
#include "server/udp_echo.h"

namespace percore::server {

std::unique_ptr<Mode> make_mode(WorkerContext& ctx) {
  switch (ctx.options->mode) {
    case ServerMode::kEcho:
      return std::make_unique<TcpEcho>(ctx);
    case ServerMode::kUdpEcho:
      return std::make_unique<UdpEcho>(ctx);
    case ServerMode::kHttp:
    case ServerMode::kProxy:
    case ServerMode::kUdpRelay:
      break;
  }
  return std::make_unique<HttpServer>(ctx);
}

}  // namespace percore::server
