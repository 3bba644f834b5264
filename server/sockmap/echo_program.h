// One loaded copy of the in-kernel echo (echo.bpf.c): its SOCKHASH and the sk_skb programs
// attached to it. Each worker loads its own, so no map is shared between workers.
#pragma once

#include <memory>
#include <string>

#include "server/sockmap/sock_key.h"

struct bpf_object;

namespace percore::server::sockmap {

class EchoProgram {
 public:
  // Loads the embedded object and attaches its programs to its map. Returns nullptr and sets
  // *error to a one-line reason (no permission, kernel without sockmap ...) on failure.
  static std::unique_ptr<EchoProgram> load(std::string* error);
  ~EchoProgram();
  EchoProgram(const EchoProgram&) = delete;
  EchoProgram& operator=(const EchoProgram&) = delete;

  // Puts a connected TCP socket under the echo program; returns 0 or -errno. From then on
  // every byte the socket receives goes back out of it inside the kernel.
  int insert(int fd, const SockKey& key);
  // Takes the socket out (closing it does the same; this is for sockets kept open).
  void remove(const SockKey& key);
  // "verdict" (sk_skb verdict only, kernel >= 5.13) or "parser+verdict" (strparser).
  const char* attach_kind() const { return attach_kind_; }

 private:
  EchoProgram() = default;
  bpf_object* obj_ = nullptr;
  int map_fd_ = -1;
  const char* attach_kind_ = "";
};

// Empty when the in-kernel echo can run here, else why not (one line). Loads and unloads the
// program once, so the master can refuse `--io sockmap` before forking any worker.
std::string unavailable_reason();

}  // namespace percore::server::sockmap
