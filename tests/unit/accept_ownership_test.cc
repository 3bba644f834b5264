// Who closes an accepted socket the backend never took: every server mode, when open() fails
// (and echo mode when it is draining), must close the fd itself, because a backend's close()
// only closes sockets it registered. Counts /proc/self/fd to prove nothing leaks.
#include <dirent.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <ostream>
#include <set>
#include <string>

#include "core/io/backend.h"
#include "server/mode.h"
#include "tests/support/quiet_backend.h"

namespace percore::server {

// Test names and failure messages show the mode by name.
void PrintTo(ServerMode mode, std::ostream* os) {
  *os << mode_name(mode);
}

namespace {

int open_fd_count() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n;
}

// A backend that refuses every open() and, like the real ones, answers close() with -EBADF for
// an fd it never registered.
class RefusingBackend final : public test::QuietBackend {
 public:
  const char* name() const override { return "refusing"; }
  int start_accept(int, uint64_t, io::AcceptWake) override { return -ENOSYS; }
  int stop_accept(int) override { return -EBADF; }
  int open(int, uint64_t) override {
    ++opens;
    return -ENOMEM;
  }
  int connect(int, uint64_t, const sockaddr*, socklen_t) override { return -ENOSYS; }
  int pause_recv(int) override { return -EBADF; }
  int resume_recv(int) override { return -EBADF; }
  int send(int, iovec*, int) override { return -EBADF; }
  int close(int fd) override { return registered.count(fd) != 0 ? ::close(fd) : -EBADF; }

  std::set<int> registered;  // stays empty: open() never succeeds
  int opens = 0;
};

class AcceptOwnership : public ::testing::TestWithParam<ServerMode> {
 protected:
  void SetUp() override {
    options_.mode = GetParam();
    net::Address upstream;
    std::string error;
    ASSERT_TRUE(net::parse_address("127.0.0.1:9", &upstream, &error)) << error;
    options_.upstreams.push_back(upstream);
    ctx_.backend = &backend_;
    ctx_.slot = &slot_;
    ctx_.options = &options_;
    mode_ = make_mode(ctx_);
  }

  // One end of a fresh socket pair, standing in for an accepted connection.
  int accepted_fd() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    ::close(sv[1]);
    return sv[0];
  }

  RefusingBackend backend_;
  stats::WorkerSlot slot_{};
  ServerOptions options_;
  WorkerContext ctx_;
  std::unique_ptr<Mode> mode_;
};

TEST_P(AcceptOwnership, SocketThatOpenRefusedIsClosed) {
  int before = open_fd_count();
  ASSERT_GT(before, 0);
  for (int i = 0; i < 8; ++i) {
    int fd = accepted_fd();
    ASSERT_GE(fd, 0);
    mode_->on_accept(fd, 1);
  }
  EXPECT_EQ(backend_.opens, 8);
  EXPECT_EQ(open_fd_count(), before);
  EXPECT_TRUE(mode_->drained());
  EXPECT_EQ(slot_.active.load(), 0);
}

TEST_P(AcceptOwnership, SocketAcceptedWhileDrainingIsClosed) {
  int before = open_fd_count();
  mode_->begin_drain(1);
  int fd = accepted_fd();
  ASSERT_GE(fd, 0);
  mode_->on_accept(fd, 2);
  EXPECT_EQ(open_fd_count(), before);
  EXPECT_TRUE(mode_->drained());
}

INSTANTIATE_TEST_SUITE_P(Modes, AcceptOwnership,
                         ::testing::Values(ServerMode::kHttp, ServerMode::kProxy,
                                           ServerMode::kEcho),
                         [](const ::testing::TestParamInfo<ServerMode>& info) {
                           return std::string(mode_name(info.param));
                         });

}  // namespace
}  // namespace percore::server
