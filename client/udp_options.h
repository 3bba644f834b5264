// What `client udp` was asked to do, after flag parsing. Seed 000's client flags keep their
// meaning: -l datagram size, -d duration, -R total rate, -k sockets per worker, -t threads,
// --rcvbuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/udp_fail_if.h"
#include "core/io/factory.h"
#include "core/net/address.h"

namespace percore::client {

struct UdpOptions {
  std::string target_text;
  net::Address target;
  uint32_t length = 64;  // bytes per datagram; from 16 on they carry the header
  int64_t duration_ns = int64_t{10} * 1'000'000'000;
  double rate = 10000;  // datagrams per second in total; 0: as fast as possible
  int sockets = 1;      // per thread, each its own ephemeral port
  int threads = 1;
  int start_core = 0;
  bool pin = true;
  int rcvbuf = 4 << 20;
  int sndbuf = 4 << 20;
  // A datagram whose round trip exceeds this is late; after the sending ends, the client waits
  // up to this long for the last answers.
  int64_t timeout_ns = 1'000'000'000;
  bool sink = false;  // receive only: count what a relay delivers to target
  std::string json_path;
  std::vector<UdpThreshold> fail_if;
  bool quiet = false;
  io::BackendKind io = io::BackendKind::kAuto;
};

}  // namespace percore::client
