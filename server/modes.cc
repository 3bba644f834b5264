// The one place that maps a ServerMode to the class implementing it.
#include "server/http_server.h"
#include "server/mode.h"
#include "server/proxy/http_proxy.h"
#include "server/tcp_echo.h"

namespace percore::server {

std::unique_ptr<Mode> make_mode(WorkerContext& ctx) {
  switch (ctx.options->mode) {
    case ServerMode::kEcho:
      return std::make_unique<TcpEcho>(ctx);
    case ServerMode::kProxy:
      return std::make_unique<HttpProxy>(ctx);
    case ServerMode::kHttp:
      break;
  }
  return std::make_unique<HttpServer>(ctx);
}

}  // namespace percore::server
