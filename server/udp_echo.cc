#include "server/udp_echo.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "core/io/udp_offload.h"

namespace percore::server {

UdpEcho::UdpEcho(WorkerContext& ctx) : UdpMode(ctx) {
  for (int fd : ctx.datagram_fds) {
    if (int rc = add_socket(fd); rc < 0 && startup_error_.empty()) {
      startup_error_ = std::string("udp-echo: cannot register socket: ") + strerror(-rc);
    }
  }
}

void UdpEcho::on_datagrams(int index, const io::Completion& c) {
  io::OutDatagram out[io::kMaxGsoSegments];
  int n = 0;
  uint64_t packets = 0, bytes = 0;
  io::for_each_datagram(c, [&](const char* data, uint32_t len) {
    if (n == io::kMaxGsoSegments) {
      send(index, out, n);
      n = 0;
    }
    out[n++] = io::OutDatagram{data, len, c.peer, 0};
    ++packets;
    bytes += len;
  });
  slot_.add(stats::kUdpPacketsIn, packets);
  slot_.add(stats::kUdpBytesIn, bytes);
  send(index, out, n);
}

}  // namespace percore::server
