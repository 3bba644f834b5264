// What `client udp` was asked to do, after flag parsing. Seed 000's client flags keep their
// meaning: -l datagram size, -d duration, -R total rate, -k sockets per worker, -t threads,
// --rcvbuf. --json, --fail-if, -q, --segment, --start-at and --hdr-log are the RunOptions base.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/result/run_identity.h"
#include "core/io/factory.h"
#include "core/net/address.h"

namespace percore::client {

struct UdpOptions : RunOptions {
  std::string target_text;
  net::Address target;
  uint32_t length = 64;  // bytes per datagram; from 16 on they carry the header
  int64_t duration_ns = int64_t{10} * 1'000'000'000;
  // Datagrams per second in total (this segment's share), on the one grid the threads share
  // (client/run/rate_scheduler.h); 0, the default as in http and echo: unpaced, as fast as the
  // backend takes them.
  double rate = 0;
  int sockets = 1;  // -k as given: per thread, each its own ephemeral port
  int threads = 1;  // never more than total_sockets
  // The sockets this client opens: -t x -k, or this segment's share of it, spread over the
  // threads (remainders to the first ones). Their stream numbers (in every datagram) are
  // first_stream + 0, 1, ...: unique over all the segments of a run, so a sink can take them all.
  int total_sockets = 1;
  uint32_t first_stream = 0;
  int start_core = 0;
  bool pin = true;
  int rcvbuf = 4 << 20;
  int sndbuf = 4 << 20;
  // A datagram whose round trip exceeds this is late; after the sending ends, the client waits
  // up to this long for the last answers.
  int64_t timeout_ns = 1'000'000'000;
  bool sink = false;  // receive only: count what a relay delivers to target
  io::BackendKind io = io::BackendKind::kAuto;
};

}  // namespace percore::client
