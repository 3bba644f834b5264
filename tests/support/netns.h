// A private network namespace for one test: its own loopback (up), so servers can use fixed
// ports and namespace-wide sysctls (net.ipv4.tcp_migrate_req) without touching the host.
// Deleted when the object goes away; ok() is false (with error()) where it cannot be created.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

// In a test body or SetUp(): skips the test where this machine cannot make network namespaces
// (not root, no CAP_NET_ADMIN), fails it where it could but setting `hosts` up went wrong.
// `hosts` is any set of namespaces with created(), ok() and error().
#define PERCORE_REQUIRE_NETNS(hosts)                                                          \
  do {                                                                                        \
    if (!(hosts).created()) {                                                                 \
      GTEST_SKIP() << "cannot create network namespaces here (needs root or CAP_NET_ADMIN): " \
                   << (hosts).error();                                                        \
    }                                                                                         \
    ASSERT_TRUE((hosts).ok()) << (hosts).error();                                             \
  } while (0)

namespace percore::test {

class Netns {
 public:
  explicit Netns(const std::string& tag);
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  // argv prefixed to run inside the namespace.
  std::vector<std::string> in(std::vector<std::string> argv) const;
  // Runs a shell command inside the namespace (see run_command).
  std::string run(const std::string& command, int timeout_s, int* status) const;

 private:
  std::string name_;
  std::string error_;
  bool created_ = false;
  bool ok_ = false;
};

}  // namespace percore::test
