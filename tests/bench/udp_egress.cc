// The egress study of seed 004 as one command: how many datagrams per second one core hands to
// the kernel, and how many system calls that takes per datagram, for
//   sendto   one sendto() per datagram (the baseline)
//   sendmmsg percore's epoll backend: sendmmsg() batches
//   uring    percore's io_uring backend: one sendmsg SQE per datagram, one submit per batch
//   gso      either backend with UDP GSO on: a batch of equal datagrams to one destination
//            leaves as one send of up to 64 segments (--io gso-epoll / gso-uring)
// The datagrams go to a socket on 127.0.0.1 that never reads (the kernel drops them there), so
// only the sending side is measured. System calls are counted by the program itself.
//
//   udp_egress --io sendto|sendmmsg|uring|gso-epoll|gso-uring --batch N --payload BYTES --ms MS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/io/backend.h"
#include "core/io/epoll_backend.h"
#include "core/io/uring_backend.h"
#include "core/util/clock.h"

namespace {

using percore::io::Backend;
using percore::io::Completion;
using percore::io::OutDatagram;
using percore::io::PeerAddress;

int usage() {
  std::fprintf(stderr,
               "usage: udp_egress --io sendto|sendmmsg|uring|gso-epoll|gso-uring --batch N "
               "--payload BYTES --ms MS\n");
  return 2;
}

int bound_socket(PeerAddress* addr, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
  int snd = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  addr->addr.v4 = a;
  addr->len = sizeof(a);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string io;
  int batch = 0, payload = -1, ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--io") io = argv[i + 1];
    if (k == "--batch") batch = std::atoi(argv[i + 1]);
    if (k == "--payload") payload = std::atoi(argv[i + 1]);
    if (k == "--ms") ms = std::atoi(argv[i + 1]);
  }
  if (io.empty() || batch < 1 || batch > 1024 || payload < 0 || payload > 65507 || ms < 1) {
    return usage();
  }
  bool gso = io.rfind("gso-", 0) == 0;
  setenv("PERCORE_UDP_GSO", gso ? "1" : "0", 1);
  PeerAddress sink_addr, src_addr;
  int sink = bound_socket(&sink_addr, 4096);
  int src = bound_socket(&src_addr, 4096);
  std::vector<char> data(static_cast<size_t>(payload), 'x');
  uint64_t packets = 0, syscalls = 0, errors = 0;
  int64_t start = percore::util::now_ns(), end = start + int64_t{ms} * 1'000'000;

  if (io == "sendto") {
    while (percore::util::now_ns() < end) {
      for (int i = 0; i < batch; ++i) {
        ssize_t n = sendto(src, data.data(), data.size(), 0, &sink_addr.addr.sa, sink_addr.len);
        ++syscalls;
        (n >= 0 ? packets : errors) += 1;
      }
    }
  } else {
    std::string error;
    std::unique_ptr<Backend> b;
    if (io == "sendmmsg" || io == "gso-epoll") {
      b = percore::io::make_epoll_backend(&error);
    } else if (io == "uring" || io == "gso-uring") {
      b = percore::io::make_uring_backend(&error);
    } else {
      return usage();
    }
    if (!b || b->open_datagram(src, 1) < 0) {
      std::fprintf(stderr, "udp_egress: %s\n", error.c_str());
      return 1;
    }
    std::vector<OutDatagram> out(
        static_cast<size_t>(batch),
        OutDatagram{data.data(), static_cast<uint32_t>(payload), &sink_addr, 0});
    Completion comps[1024];
    while (percore::util::now_ns() < end) {
      b->send_datagrams(src, out.data(), batch);
      int n = b->wait(comps, 1024, 0);
      for (int i = 0; i < n; ++i) {
        if (comps[i].op != percore::io::Op::kSendTo) continue;
        if (comps[i].result > 0) {
          packets += static_cast<uint64_t>(comps[i].result);
        } else {
          errors += comps[i].count;
        }
      }
    }
    for (int i = 0; i < 10; ++i) {  // the last batch's completions
      int n = b->wait(comps, 1024, 1000);
      for (int k = 0; k < n; ++k) {
        if (comps[k].op == percore::io::Op::kSendTo && comps[k].result > 0) {
          packets += static_cast<uint64_t>(comps[k].result);
        }
      }
    }
    percore::io::DatagramStats st = b->datagram_stats();
    syscalls = st.syscalls;
    b.reset();
    src = -1;  // closed by the backend
  }
  double secs = static_cast<double>(percore::util::now_ns() - start) / 1e9;
  std::printf("io=%s batch=%d payload=%d pps=%.0f syscalls_per_packet=%.4f errors=%llu\n",
              io.c_str(), batch, payload, static_cast<double>(packets) / secs,
              packets > 0 ? static_cast<double>(syscalls) / static_cast<double>(packets) : 0.0,
              static_cast<unsigned long long>(errors));
  if (src >= 0) close(src);
  close(sink);
  return 0;
}
