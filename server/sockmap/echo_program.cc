#include "server/sockmap/echo_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

// Generated at build time from echo.bpf.c (server/CMakeLists.txt): the BPF object's bytes.
extern const unsigned char percore_sockmap_echo_bpf[];
extern const unsigned long percore_sockmap_echo_bpf_size;

namespace percore::server::sockmap {
namespace {

// libbpf writes its diagnostics to stderr by default; they belong in the log.
int log_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  int n = vsnprintf(line, sizeof(line), format, args);
  if (n > 0 && line[std::min<size_t>(n, sizeof(line) - 1) - 1] == '\n') {
    line[std::min<size_t>(n, sizeof(line) - 1) - 1] = '\0';
  }
  spdlog::debug("libbpf: {}", line);
  return 0;
}

std::string with_hint(const std::string& what, int err) {
  std::string reason = what + ": " + strerror(err);
  if (err == EPERM || err == EACCES) {
    reason += " (needs CAP_BPF and CAP_NET_ADMIN, or root)";
  } else if (err == EINVAL || err == EOPNOTSUPP || err == ENOENT) {
    reason += " (kernel without BPF sockmap support?)";
  }
  return reason;
}

}  // namespace

std::unique_ptr<EchoProgram> EchoProgram::load(std::string* error) {
  libbpf_set_print(log_libbpf);
  std::unique_ptr<EchoProgram> p(new EchoProgram());
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "percore_sockmap_echo");
  p->obj_ = bpf_object__open_mem(percore_sockmap_echo_bpf, percore_sockmap_echo_bpf_size, &opts);
  if (p->obj_ == nullptr) {
    *error = with_hint("cannot open the BPF object", errno);
    return nullptr;
  }
  if (int rc = bpf_object__load(p->obj_); rc != 0) {
    *error = with_hint("cannot load the BPF program", -rc);
    return nullptr;
  }
  p->map_fd_ = bpf_object__find_map_fd_by_name(p->obj_, "echo_socks");
  bpf_program* parser = bpf_object__find_program_by_name(p->obj_, "echo_parser");
  bpf_program* verdict = bpf_object__find_program_by_name(p->obj_, "echo_verdict");
  if (p->map_fd_ < 0 || parser == nullptr || verdict == nullptr) {
    *error = "the BPF object lacks its map or programs (build problem)";
    return nullptr;
  }
  // A verdict program on its own (5.13+) reads each skb straight off the receive queue; older
  // kernels need a stream parser in front of it, which frames every skb as one message.
  if (bpf_prog_attach(bpf_program__fd(verdict), p->map_fd_, BPF_SK_SKB_VERDICT, 0) == 0) {
    p->attach_kind_ = "verdict";
    return p;
  }
  int verdict_err = errno;
  if (bpf_prog_attach(bpf_program__fd(parser), p->map_fd_, BPF_SK_SKB_STREAM_PARSER, 0) != 0 ||
      bpf_prog_attach(bpf_program__fd(verdict), p->map_fd_, BPF_SK_SKB_STREAM_VERDICT, 0) != 0) {
    *error = with_hint("cannot attach the sk_skb programs", verdict_err);
    return nullptr;
  }
  p->attach_kind_ = "parser+verdict";
  return p;
}

EchoProgram::~EchoProgram() {
  // Closing the object closes the map, which detaches the programs and frees every psock.
  bpf_object__close(obj_);
}

int EchoProgram::insert(int fd, const SockKey& key) {
  uint64_t value = static_cast<uint64_t>(fd);
  if (bpf_map_update_elem(map_fd_, &key, &value, BPF_NOEXIST) != 0) return -errno;
  // Bytes that arrived before the socket joined the map wait in its receive queue, and the
  // verdict program only runs when the socket is next told data is ready. Setting SO_RCVLOWAT
  // makes TCP signal that at once (tcp_set_rcvlowat -> tcp_data_ready), so an early request is
  // echoed now instead of when the client sends again (a request-response client never would).
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof(one)) != 0) return -errno;
  return 0;
}

void EchoProgram::remove(const SockKey& key) {
  bpf_map_delete_elem(map_fd_, &key);
}

std::string unavailable_reason() {
  std::string error;
  std::unique_ptr<EchoProgram> probe = EchoProgram::load(&error);
  return probe ? std::string() : error;
}

}  // namespace percore::server::sockmap
