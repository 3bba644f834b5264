// Fuzz target over the TLS server engine's state machine: bytes from one client, before the
// handshake (ClientHello parsing, plain HTTP, garbage) or, when the first byte's high bit is
// set, after a real in-memory handshake (records under the negotiated keys, which the fuzzer can
// only forge badly: the point is the failure paths). The engine must never crash, must always
// end in a state that says why, and must only ever emit whole TLS records.
#include <memory>
#include <string_view>

#include "core/tls/client_context.h"
#include "core/tls/connection.h"
#include "core/tls/server_context.h"
#include "tests/fuzz/harness/targets.h"

namespace percore::fuzz {
namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Contexts made once per process, as a worker makes them once: the certificate is expensive.
struct Contexts {
  std::unique_ptr<tls::ServerContext> server;
  std::unique_ptr<tls::ClientContext> client;
  Contexts() {
    std::string error;
    server = tls::ServerContext::create({}, &error);
    client = tls::ClientContext::create({}, &error);
    check(server != nullptr && client != nullptr);
  }
};

Contexts& contexts() {
  static Contexts c;
  return c;
}

// The output must be a run of whole records with a TLS content type.
void check_records(std::string_view out) {
  while (!out.empty()) {
    check(out.size() >= 5);
    auto type = static_cast<unsigned char>(out[0]);
    check(type >= 20 && type <= 23);
    size_t len =
        (size_t{static_cast<unsigned char>(out[3])} << 8) | static_cast<unsigned char>(out[4]);
    check(out.size() >= 5 + len);
    out.remove_prefix(5 + len);
  }
}

void drain_output(tls::Connection& c, tls::Connection* peer) {
  std::string_view out = c.take_output();
  check_records(out);
  if (peer != nullptr && !out.empty()) peer->feed(out.data(), out.size());
  c.output_sent();
}

void check_state(tls::Connection& c, tls::Step step) {
  bool failed = c.state() == tls::State::kFailed;
  check(failed == (step == tls::Step::kFailed));
  check(failed == (c.failure() != tls::Failure::kNone));
}

bool in_memory_handshake(tls::Connection& server, tls::Connection& client) {
  for (int round = 0; round < 10; ++round) {
    drain_output(client, &server);
    drain_output(server, &client);
  }
  char sink[256];
  while (client.read(sink, sizeof(sink)) > 0) {
  }
  drain_output(client, nullptr);
  return server.state() == tls::State::kOpen;
}

}  // namespace

// First byte: bits 0-6 choose the read size (1..128), bit 7 a handshake first.
int tls_server(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Contexts& ctx = contexts();
  tls::Connection server, client;
  check(server.accept(*ctx.server));
  if ((data[0] & 0x80) != 0) {
    check(client.connect(*ctx.client, "localhost"));
    check(in_memory_handshake(server, client));
  }
  size_t chunk = (data[0] & 0x7f) + 1u;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  char plain[4096];
  while (!rest.empty()) {
    std::string_view piece = rest.substr(0, chunk);
    rest.remove_prefix(piece.size());
    tls::Step step = server.feed(piece.data(), piece.size());
    if (step == tls::Step::kReadable || step == tls::Step::kHandshakeDone) {
      long n = 0;
      while ((n = server.read(plain, sizeof(plain))) > 0)
        check(static_cast<size_t>(n) <= sizeof(plain));
      step = n < 0
                 ? (server.state() == tls::State::kFailed ? tls::Step::kFailed : tls::Step::kClosed)
                 : step;
    }
    check_state(server, step);
    drain_output(server, nullptr);
    if (step == tls::Step::kFailed || step == tls::Step::kClosed) return 0;
  }
  tls::Step end = server.feed_eof();
  check_state(server, end);
  drain_output(server, nullptr);
  return 0;
}

}  // namespace percore::fuzz
