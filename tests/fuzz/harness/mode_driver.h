// Runs one server mode (HTTP or proxy) over the fake backend with one accepted client, turning a
// fuzz input into the events a real event loop would deliver: bytes from the client or from a
// backend, send and connect completions, EOFs and the passing of time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/mode.h"
#include "tests/fuzz/harness/fake_backend.h"

namespace percore::fuzz {

class ModeDriver {
 public:
  explicit ModeDriver(server::ServerMode mode);
  ~ModeDriver();

  // Bytes arriving from the client (dropped while the mode has paused reading it).
  void client_bytes(std::string_view bytes);
  // Bytes arriving on the most recently connected backend socket that is open.
  void upstream_bytes(std::string_view bytes);
  void client_eof();
  void upstream_eof();
  void upstream_connect_fails();
  // Completes every connect and send in flight.
  void complete_io();
  void advance_ms(int64_t ms);
  // Completes I/O until nothing is in flight, then closes everything.
  void finish();

  // Complete requests the mode sent to backends and not yet answered here, per open backend
  // socket; answer_upstreams() answers each with a small 200.
  void answer_upstreams();
  // Per connection, in closing order: what the mode sent on it.
  std::vector<std::string> client_output() const { return output(false); }
  std::vector<std::string> upstream_output() const { return output(true); }

 private:
  FakeSocket* client();
  int newest_upstream();
  void deliver(int fd, io::Op op, int32_t result, const char* data);
  std::vector<std::string> output(bool upstream) const;

  server::ServerOptions options_;
  FakeBackend backend_;
  std::unique_ptr<stats::WorkerSlot> slot_;
  server::WorkerContext ctx_;
  std::unique_ptr<server::Mode> mode_;
  int64_t now_ns_ = 1'000'000'000;
  std::string scratch_;
  std::map<uint64_t, size_t> answered_;  // backend socket token -> requests answered
};

// Responses and requests as a peer's http-parser reads them: true when `bytes` is a sequence of
// well-formed messages, the last possibly incomplete.
bool parses_as(std::string_view bytes, bool responses);

}  // namespace percore::fuzz
