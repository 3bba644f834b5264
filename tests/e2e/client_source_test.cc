// client --source: connections leave from every listed local address (IPv4 range and list,
// IPv6), as the server side of the sockets shows.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <thread>

#include "tests/support/nginx_process.h"
#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

// Established connections to 127.0.0.1:port or [::1]:port, counted by local (source) address.
std::map<std::string, int> sources_towards(const std::string& server, int port) {
  int status = 0;
  std::istringstream in(run_command(
      "ss -Htn state established '( dport = :" + std::to_string(port) + " )'", 5, &status));
  std::map<std::string, int> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string recvq, sendq, local, peer;
    f >> recvq >> sendq >> local >> peer;
    if (peer.rfind(server, 0) != 0) continue;
    ++out[local.substr(0, local.rfind(':'))];
  }
  return out;
}

// The server also listens on url_host (start_server's own listener is 127.0.0.1:0).
void expect_spread(const std::string& url_host, const std::string& sources,
                   const std::vector<std::string>& expected) {
  if (!have_program("ss")) GTEST_SKIP() << "needs ss (iproute2)";
  int port = free_port();
  ServerProcess server =
      start_server("epoll", {"-k", "-w", "1", "-a", url_host + ":" + std::to_string(port)});
  ASSERT_TRUE(server.ok()) << server.process->stderr_text();
  std::string url = "http://" + url_host + ":" + std::to_string(port) + "/";
  Process client({PERCORE_CLIENT_BIN, "http", "-c", std::to_string(3 * expected.size()), "-t", "1",
                  "-d", "3s", "-q", "--source", sources, url});
  std::map<std::string, int> seen;
  for (int i = 0; i < 20 && seen.size() < expected.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    seen = sources_towards(url_host, port);
  }
  for (const std::string& src : expected) {
    EXPECT_EQ(seen[src], 3) << "source " << src;
  }
  EXPECT_EQ(client.wait_exit(20000), 0) << client.stderr_text();
  EXPECT_NE(client.stdout_text().find("errors      0"), std::string::npos) << client.stdout_text();
}

TEST(ClientSource, SpreadsOverAnIpv4RangeAndList) {
  expect_spread("127.0.0.1", "127.0.0.2-127.0.0.4,127.0.0.9",
                {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.9"});
}

TEST(ClientSource, Ipv6) {
  int status = 0;
  run_command("python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind((\"::1\", 0))'",
              5, &status);
  if (status != 0) GTEST_SKIP() << "no IPv6 loopback here";
  expect_spread("[::1]", "::1", {"[::1]"});
}

}  // namespace
}  // namespace percore::test
