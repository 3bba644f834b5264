// Backend selection (factory) and the token map the io_uring backend uses to find sockets.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/io/factory.h"
#include "core/io/token_map.h"
#include "core/io/uring_backend.h"
#include "core/io/uring_facts.h"

namespace percore::io {
namespace {

TEST(Factory, ParsesBackendKinds) {
  BackendKind k = BackendKind::kAuto;
  EXPECT_TRUE(parse_backend_kind("epoll", &k));
  EXPECT_EQ(k, BackendKind::kEpoll);
  EXPECT_TRUE(parse_backend_kind("uring", &k));
  EXPECT_EQ(k, BackendKind::kUring);
  EXPECT_TRUE(parse_backend_kind("io_uring", &k));
  EXPECT_EQ(k, BackendKind::kUring);
  EXPECT_TRUE(parse_backend_kind("auto", &k));
  EXPECT_EQ(k, BackendKind::kAuto);
  k = BackendKind::kEpoll;
  EXPECT_FALSE(parse_backend_kind("kqueue", &k));
  EXPECT_FALSE(parse_backend_kind("", &k));
  EXPECT_EQ(k, BackendKind::kEpoll);
  EXPECT_STREQ(backend_kind_name(BackendKind::kUring), "uring");
}

TEST(Factory, EnvironmentForcesEpoll) {
  setenv("PERCORE_IO", "epoll", 1);
  std::string note, error;
  EXPECT_EQ(resolve_backend_kind(BackendKind::kAuto, &note, &error), BackendKind::kEpoll);
  EXPECT_FALSE(note.empty());
  EXPECT_TRUE(error.empty());
  note.clear();
  EXPECT_EQ(resolve_backend_kind(BackendKind::kEpoll, &note, &error), BackendKind::kEpoll);
  EXPECT_TRUE(note.empty());
  unsetenv("PERCORE_IO");
}

TEST(Factory, ExplicitUringWhenUnavailableIsAnError) {
  setenv("PERCORE_NO_URING", "1", 1);
  EXPECT_FALSE(uring_unavailable_reason().empty());
  std::string note, error;
  EXPECT_EQ(resolve_backend_kind(BackendKind::kUring, &note, &error), BackendKind::kAuto);
  EXPECT_NE(error.find("PERCORE_NO_URING"), std::string::npos) << error;
  error.clear();
  EXPECT_EQ(resolve_backend_kind(BackendKind::kAuto, &note, &error), BackendKind::kEpoll);
  EXPECT_TRUE(error.empty());
  EXPECT_FALSE(note.empty());
  unsetenv("PERCORE_NO_URING");
}

// A ring closed on a thread makes that thread's next recv under SO_RCVTIMEO fail with EINTR (the
// kernel's teardown work is pending there). The probes run before a server or a test goes on to
// such calls, so they must leave the caller's thread as they found it.
TEST(UringProbe, LeavesTheCallersThreadUninterrupted) {
  if (!uring_unavailable_reason().empty()) GTEST_SKIP() << uring_unavailable_reason();
  // On a thread of its own: the rings earlier tests closed on the main thread may interrupt it
  // for a while yet, and they are not what is under test.
  std::string failures;
  std::thread([&] {
    for (int i = 0; i < 10; ++i) {
      for (bool facts : {false, true}) {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return;
        bool probed = facts ? probe_uring_facts().ring.empty() : probe_uring().empty();
        timeval wait{0, 20000};
        setsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
        char byte;
        errno = 0;
        ssize_t n = recv(pair[0], &byte, 1, 0);
        int err = errno;
        if (!probed || n != -1 || (err != EAGAIN && err != EWOULDBLOCK)) {
          failures += "round " + std::to_string(i) + (facts ? " (facts)" : "") + ": recv " +
                      std::to_string(n) + ", " + strerror(err) + "\n";
        }
        close(pair[0]);
        close(pair[1]);
      }
    }
  }).join();
  EXPECT_EQ(failures, "");
}

TEST(Factory, BuildsWhatItResolves) {
  std::string note, error;
  BackendKind kind = resolve_backend_kind(BackendKind::kAuto, &note, &error);
  ASSERT_TRUE(error.empty()) << error;
  std::string why = uring_unavailable_reason();
  EXPECT_EQ(kind, why.empty() ? BackendKind::kUring : BackendKind::kEpoll) << why;
  auto backend = make_backend(kind, &error);
  ASSERT_NE(backend, nullptr) << error;
  EXPECT_STREQ(backend->name(), backend_kind_name(kind));
  auto epoll = make_backend(BackendKind::kEpoll, &error);
  ASSERT_NE(epoll, nullptr) << error;
  EXPECT_STREQ(epoll->name(), "epoll");
  EXPECT_EQ(make_backend(BackendKind::kAuto, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(TokenMap, MatchesAReferenceMap) {
  TokenMap map(16);
  std::unordered_map<uint64_t, int> ref;
  std::mt19937_64 rng(42);
  for (int step = 0; step < 200000; ++step) {
    uint64_t token = rng() % 5000;  // small key space: lots of collisions and re-inserts
    int op = static_cast<int>(rng() % 3);
    if (op == 0) {
      bool fresh = ref.emplace(token, step).second;
      ASSERT_EQ(map.insert(token, step), fresh);
    } else if (op == 1) {
      ref.erase(token);
      map.erase(token);
    } else {
      auto it = ref.find(token);
      ASSERT_EQ(map.find(token), it == ref.end() ? -1 : it->second);
    }
    ASSERT_EQ(map.size(), ref.size());
  }
  for (const auto& [token, fd] : ref) ASSERT_EQ(map.find(token), fd);
}

}  // namespace
}  // namespace percore::io
