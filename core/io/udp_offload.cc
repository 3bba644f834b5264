#include "core/io/udp_offload.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/net/udp_offload_opts.h"

namespace percore::io {
namespace {

bool turned_off(const char* env) {
  const char* v = std::getenv(env);
  return v != nullptr && std::string_view(v) == "0";
}

UdpOffload probe() {
  UdpOffload o;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return o;
  int seg = 1000;
  o.gso = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)) == 0;
  int on = 1;
  o.gro = setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0;
  ::close(fd);
  bool gso_off = o.gso && turned_off("PERCORE_UDP_GSO");
  bool gro_off = o.gro && turned_off("PERCORE_UDP_GRO");
  if (gso_off) o.gso = false;
  if (gro_off) o.gro = false;
  spdlog::info("UDP offloads: GSO {}, GRO {}",
               o.gso ? "on" : (gso_off ? "off (PERCORE_UDP_GSO=0)" : "unavailable"),
               o.gro ? "on" : (gro_off ? "off (PERCORE_UDP_GRO=0)" : "unavailable"));
  return o;
}

}  // namespace

const UdpOffload& udp_offload() {
  static const UdpOffload offload = probe();
  return offload;
}

int prepare_datagram_socket(int fd) {
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) < 0) return -errno;
  if (udp_offload().gro && setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) < 0) return -errno;
  return 0;
}

void read_control_message(const cmsghdr* c, DatagramControl* out) {
  if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
      c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
    std::memcpy(&out->drops, CMSG_DATA(c), sizeof(uint32_t));
    out->has_drops = true;
  } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
             c->cmsg_len >= CMSG_LEN(sizeof(int))) {
    int seg = 0;
    std::memcpy(&seg, CMSG_DATA(c), sizeof(int));
    out->segment = seg > 0 && seg < 65536 ? static_cast<uint16_t>(seg) : 0;
  }
}

}  // namespace percore::io
