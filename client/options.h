// Everything `client http` was asked to do, after flag parsing and validation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/fail_if.h"
#include "client/url.h"
#include "core/io/factory.h"

namespace percore::client {

struct Options {
  std::string url_text;
  Url url;
  int connections = 10;
  int threads = 0;  // 0: one per online CPU (never more than connections)
  int start_core = 0;
  bool pin = true;
  int64_t duration_ns = 0;  // 0: no time limit (only with requests > 0)
  uint64_t requests = 0;    // 0: no count limit
  int64_t warmup_ns = 0;
  bool keepalive = true;
  uint64_t reconnect_every = 0;  // 0: never
  int pipeline = 1;
  double rate = 0;  // total requests per second; 0: closed loop (as fast as responses come)
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  int64_t timeout_ns = int64_t{5} * 1'000'000'000;
  std::string json_path;
  std::vector<Threshold> fail_if;
  bool quiet = false;
  io::BackendKind io = io::BackendKind::kAuto;
};

}  // namespace percore::client
