// Fastsocket's proxy example on three "hosts": client, proxy and backend each in a network
// namespace the test creates, joined by veth pairs with 198.18.0.0/15 (benchmarking) addresses.
// Needs CAP_NET_ADMIN; skipped with a message where namespaces cannot be created.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "tests/support/backend_test.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// Creates the namespaces and links; deletes them (and with them the veths) on destruction, so
// a failing test leaves nothing behind.
class ThreeHosts {
 public:
  ThreeHosts() {
    std::string id = std::to_string(getpid() % 100000);
    client_ = "pc-cli-" + id;
    proxy_ = "pc-prx-" + id;
    backend_ = "pc-bck-" + id;
    int status = 0;
    error_ = run_command("ip netns add " + client_, 10, &status);
    if (status != 0) return;
    created_.push_back(client_);
    for (const std::string& ns : {proxy_, backend_}) {
      error_ = run_command("ip netns add " + ns, 10, &status);
      if (status != 0) return;
      created_.push_back(ns);
    }
    std::string a = "pc" + id + "a", b = "pc" + id + "b", c = "pc" + id + "c", d = "pc" + id + "d";
    const std::string script =
        "set -e\n"
        "ip link add " +
        a + " netns " + client_ + " type veth peer name " + b + " netns " + proxy_ +
        "\n"
        "ip link add " +
        c + " netns " + proxy_ + " type veth peer name " + d + " netns " + backend_ +
        "\n"
        "ip -n " +
        client_ + " addr add 198.18.0.1/30 dev " + a +
        "\n"
        "ip -n " +
        proxy_ + " addr add 198.18.0.2/30 dev " + b +
        "\n"
        "ip -n " +
        proxy_ + " addr add 198.18.0.5/30 dev " + c +
        "\n"
        "ip -n " +
        backend_ + " addr add 198.18.0.6/30 dev " + d +
        "\n"
        "for ns in " +
        client_ + " " + proxy_ + " " + backend_ +
        "; do ip -n $ns link set lo up; done\n"
        "ip -n " +
        client_ + " link set " + a +
        " up\n"
        "ip -n " +
        proxy_ + " link set " + b +
        " up\n"
        "ip -n " +
        proxy_ + " link set " + c +
        " up\n"
        "ip -n " +
        backend_ + " link set " + d + " up\n";
    error_ = run_command(script, 20, &status);
    ok_ = status == 0;
  }
  ~ThreeHosts() {
    int status = 0;
    for (const std::string& ns : created_) run_command("ip netns del " + ns, 10, &status);
  }
  bool ok() const { return ok_; }
  bool created() const { return !created_.empty(); }
  const std::string& error() const { return error_; }
  std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
    return argv;
  }
  std::string client_, proxy_, backend_;

 private:
  std::vector<std::string> created_;
  std::string error_;
  bool ok_ = false;
};

class ServerProxyNetns : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
    if (!have_program("ip") || !have_program("ab")) GTEST_SKIP() << "needs iproute2 and ab";
  }
};

TEST_P(ServerProxyNetns, ClientProxyBackendOnThreeHosts) {
  ThreeHosts hosts;
  PERCORE_REQUIRE_NETNS(hosts);
  std::string tag = std::to_string(getpid());
  Process backend(hosts.in(hosts.backend_,
                           {PERCORE_SERVER_BIN, "-a", "198.18.0.6:8080", "-w", "1", "-k", "--io",
                            GetParam(), "-o", "/tmp/percore-netns-backend-" + tag + ".log"}));
  ASSERT_NE(backend.wait_for_line("percore: ready", 10000), "") << backend.stderr_text();
  Process proxy(hosts.in(hosts.proxy_, {PERCORE_SERVER_BIN, "-a", "198.18.0.2:8080", "-x",
                                        "198.18.0.6:8080", "-w", "1", "-k", "--io", GetParam(),
                                        "-o", "/tmp/percore-netns-proxy-" + tag + ".log"}));
  ASSERT_NE(proxy.wait_for_line("percore: ready", 10000), "") << proxy.stderr_text();

  int status = 0;
  // The client cannot reach the backend directly: only through the proxy.
  std::string out =
      run_command("ip netns exec " + hosts.client_ +
                      " curl -s --max-time 2 http://198.18.0.6:8080/ || echo unreachable",
                  10, &status);
  EXPECT_NE(out.find("unreachable"), std::string::npos) << out;
  out = run_command("ip netns exec " + hosts.client_ +
                        " curl -s -D - --max-time 5 http://198.18.0.2:8080/fastsocket",
                    10, &status);
  EXPECT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << out;
  EXPECT_NE(out.find("Hello from percore"), std::string::npos) << out;
  out =
      run_command("ip netns exec " + hosts.client_ + " ab -k -n 5000 -c 20 http://198.18.0.2:8080/",
                  60, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Complete requests:      5000"), std::string::npos) << out;
  EXPECT_NE(out.find("Failed requests:        0"), std::string::npos) << out;
  proxy.kill_all();
  backend.kill_all();
}

PERCORE_ON_EVERY_BACKEND(ServerProxyNetns);

}  // namespace
}  // namespace percore::test
