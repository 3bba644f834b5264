// scripts/multi-host.sh on a lab of network namespaces: one server host (which also runs the
// launcher) and three load hosts on one bridge, 198.18.0.0/24. Each load host runs its own sshd,
// started here with keys made here in a temp dir; pdsh and ssh drive the segments, scp brings
// the results back, `client merge` joins them: client http (exact request counts, rates, merged
// p99, an unreachable fourth host), then client udp against a udp-echo server (exact datagram
// counts equal to the server's, rates, merged p99). Nothing outside the namespaces and the temp dir
// is touched (sshd's /run/sshd is a tmpfs in its own mount namespace).
// Needs root (namespaces, sshd), pdsh, ssh, sshd and ssh-keygen; skipped with the reason if not.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/stats/histogram_json.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace percore::test {
namespace {

constexpr int kLoadHosts = 3;
const char* const kServerAddress = "198.18.0.1";
// A bridge address nobody answers on: the unreachable host.
const char* const kUnreachable = "198.18.0.14";

std::string load_address(int k) {
  return "198.18.0.1" + std::to_string(k + 1);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The namespaces, the bridge and the veths; all deleted on destruction.
class Lab {
 public:
  Lab() {
    std::string id = std::to_string(getpid() % 100000);
    server_ = "pc-mh-srv-" + id;
    for (int k = 0; k < kLoadHosts; ++k) hosts_.push_back("pc-mh-h" + std::to_string(k) + "-" + id);
    int status = 0;
    for (const std::string& ns : all()) {
      error_ = run_command("ip netns add " + ns, 10, &status);
      if (status != 0) return;
      created_.push_back(ns);
    }
    std::string script = "set -e\nip -n " + server_ + " link add br0 type bridge\n";
    script += "ip -n " + server_ + " addr add " + kServerAddress + "/24 dev br0\n";
    script += "ip -n " + server_ + " link set br0 up\nip -n " + server_ + " link set lo up\n";
    for (int k = 0; k < kLoadHosts; ++k) {
      std::string a = "pm" + id + "h" + std::to_string(k), b = a + "b";
      script += "ip link add " + a + " netns " + hosts_[k] + " type veth peer name " + b +
                " netns " + server_ + "\n";
      script += "ip -n " + server_ + " link set " + b + " master br0 up\n";
      script += "ip -n " + hosts_[k] + " addr add " + load_address(k) + "/24 dev " + a + "\n";
      script += "ip -n " + hosts_[k] + " link set " + a + " up\n";
      script += "ip -n " + hosts_[k] + " link set lo up\n";
    }
    error_ = run_command(script, 20, &status);
    ok_ = status == 0;
  }
  ~Lab() {
    int status = 0;
    for (const std::string& ns : created_) run_command("ip netns del " + ns, 10, &status);
  }
  std::vector<std::string> all() const {
    std::vector<std::string> v = {server_};
    v.insert(v.end(), hosts_.begin(), hosts_.end());
    return v;
  }
  bool ok() const { return ok_; }
  bool created() const { return !created_.empty(); }
  const std::string& error() const { return error_; }
  std::string server_;
  std::vector<std::string> hosts_;

 private:
  std::vector<std::string> created_;
  std::string error_;
  bool ok_ = false;
};

class MultiHostNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : {"ip", "pdsh", "ssh", "scp", "ssh-keygen"}) {
      if (!have_program(program)) GTEST_SKIP() << "needs " << program;
    }
    if (access("/usr/sbin/sshd", X_OK) != 0) GTEST_SKIP() << "needs sshd (openssh-server)";
    if (geteuid() != 0) GTEST_SKIP() << "needs root: network namespaces and sshd";
    char pattern[] = "/tmp/percore-multi-host-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (auto& p : sshd_) p->kill_all();
    if (server_) server_->kill_all();
    if (udp_server_) udp_server_->kill_all();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Host and client keys, one sshd per load host, an ssh config for the launcher.
  void start_sshds(const Lab& lab) {
    int status = 0;
    std::string out =
        run_command("ssh-keygen -q -t ed25519 -N '' -f " + dir_ + "/host_key && " +
                        "ssh-keygen -q -t ed25519 -N '' -f " + dir_ + "/client_key && cp " + dir_ +
                        "/client_key.pub " + dir_ + "/authorized_keys",
                    20, &status);
    ASSERT_EQ(status, 0) << out;
    for (int k = 0; k < kLoadHosts; ++k) {
      std::string config = dir_ + "/sshd_config_" + std::to_string(k);
      std::ofstream(config) << "ListenAddress " << load_address(k) << "\n"
                            << "HostKey " << dir_ << "/host_key\n"
                            << "AuthorizedKeysFile " << dir_ << "/authorized_keys\n"
                            << "PidFile " << dir_ << "/sshd_" << k << ".pid\n"
                            << "PermitRootLogin prohibit-password\n"
                            << "PasswordAuthentication no\n"
                            << "KbdInteractiveAuthentication no\n"
                            << "UsePAM no\n"
                            << "StrictModes no\n"
                            // scp speaks SFTP since OpenSSH 9, as stock sshd configs allow.
                            << "Subsystem sftp internal-sftp\n";
      // sshd insists on its privilege-separation directory /run/sshd: give it a private tmpfs
      // /run in the mount namespace `ip netns exec` makes, so the real /run stays untouched.
      sshd_.push_back(std::make_unique<Process>(std::vector<std::string>{
          "ip", "netns", "exec", lab.hosts_[k], "sh", "-c",
          "mount -t tmpfs percore-sshd /run && mkdir /run/sshd && exec /usr/sbin/sshd -D -e -f " +
              config}));
    }
    std::ofstream(ssh_config()) << "Host *\n"
                                << "  User root\n"
                                << "  IdentityFile " << dir_ << "/client_key\n"
                                << "  IdentitiesOnly yes\n"
                                << "  UserKnownHostsFile " << dir_ << "/known_hosts\n"
                                << "  GlobalKnownHostsFile /dev/null\n"
                                << "  StrictHostKeyChecking accept-new\n"
                                << "  LogLevel ERROR\n";
    for (int k = 0; k < kLoadHosts; ++k) {
      bool up = false;
      for (int attempt = 0; attempt < 50 && !up; ++attempt) {
        run_command("ip netns exec " + lab.server_ + " ssh -F " + ssh_config() +
                        " -o BatchMode=yes -o ConnectTimeout=2 " + load_address(k) + " true",
                    10, &status);
        up = status == 0;
        if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ASSERT_TRUE(up) << "sshd on " << load_address(k)
                      << " never answered: " << sshd_[k]->stderr_text();
    }
  }

  void start_server(const Lab& lab) {
    server_ = std::make_unique<Process>(std::vector<std::string>{
        "ip", "netns", "exec", lab.server_, PERCORE_SERVER_BIN, "-w", "1", "-k", "-a",
        std::string(kServerAddress) + ":8080", "--metrics", std::string(kServerAddress) + ":9100",
        "-o", dir_ + "/server.log"});
    ASSERT_NE(server_->wait_for_line("percore: ready", 10000), "") << server_->stderr_text();
  }

  long long server_metric(const Lab& lab, const std::string& port, const char* name) {
    int status = 0;
    std::string metrics =
        run_command("ip netns exec " + lab.server_ + " curl -s --max-time 5 http://" +
                        kServerAddress + ":" + port + "/metrics",
                    10, &status);
    return metric_sum(metrics, name);
  }
  long long server_requests(const Lab& lab) {
    return server_metric(lab, "9100", "percore_requests_total");
  }

  void start_udp_server(const Lab& lab) {
    udp_server_ = std::make_unique<Process>(std::vector<std::string>{
        "ip", "netns", "exec", lab.server_, PERCORE_SERVER_BIN, "--mode", "udp-echo", "-w", "1",
        "-a", std::string(kServerAddress) + ":9000", "--metrics",
        std::string(kServerAddress) + ":9101", "-o", dir_ + "/udp-server.log"});
    ASSERT_NE(udp_server_->wait_for_line("percore: ready", 10000), "")
        << udp_server_->stderr_text();
  }

  // Runs the launcher on the server host; returns its output and sets *status.
  std::string launch(const Lab& lab, const std::string& hosts, const std::string& out,
                     const std::string& client_args, int* status, const std::string& mode = "http",
                     const std::string& target = std::string("http://") + kServerAddress +
                                                 ":8080/") {
    return run_command(
        "ip netns exec " + lab.server_ + " " PERCORE_SOURCE_DIR "/scripts/multi-host.sh --hosts " +
            hosts + " --ssh-config " + ssh_config() + " --lead 5 --connect-timeout 3 --out " + out +
            " -- " + PERCORE_CLIENT_BIN + " " + mode + " " + client_args + " " + target,
        60, status);
  }

  std::string ssh_config() const { return dir_ + "/ssh_config"; }

  std::string dir_;
  std::vector<std::unique_ptr<Process>> sshd_;
  std::unique_ptr<Process> server_;
  std::unique_ptr<Process> udp_server_;
};

TEST_F(MultiHostNetns, ThreeHostsMergeExactlyAndAnUnreachableOneIsReported) {
  Lab lab;
  if (!lab.created()) {
    GTEST_SKIP() << "cannot create network namespaces here (needs CAP_NET_ADMIN): " << lab.error();
  }
  ASSERT_TRUE(lab.ok()) << lab.error();
  ASSERT_NO_FATAL_FAILURE(start_sshds(lab));
  ASSERT_NO_FATAL_FAILURE(start_server(lab));
  std::string hosts = load_address(0) + "," + load_address(1) + "," + load_address(2);

  // 1. Three hosts, 15000 requests at 3000/s in all: 5000 at 1000/s each. Five seconds, so
  // that the tail of the last responses (the measured time runs to the last one) stays well
  // inside the 1% the rates must add up to.
  int status = 0;
  std::string out_a = dir_ + "/run-a";
  std::string out = launch(lab, hosts, out_a, "-c 30 -t 1 -n 15000 -R 3000", &status);
  ASSERT_EQ(status, 0) << out;
  auto merged = nlohmann::json::parse(read_file(out_a + "/merged.json"));
  EXPECT_EQ(merged["requests"].get<uint64_t>(), 15000u) << out;
  EXPECT_EQ(server_requests(lab), 15000) << out;
  ASSERT_EQ(merged["hosts"].size(), 3u);
  double target_sum = 0;
  for (const auto& h : merged["hosts"]) target_sum += h["target_rate"].get<double>();
  EXPECT_DOUBLE_EQ(target_sum, 3000);
  EXPECT_DOUBLE_EQ(merged["target_rate"].get<double>(), 3000);
  // The merge is exact: the achieved rate is the sum of what each host achieved. How close that
  // comes to the target depends on the machine (each host's measured time runs to its last
  // response, tens of milliseconds past the 5 s on a loaded sanitizer build).
  double achieved_sum = 0;
  for (const auto& h : merged["hosts"]) achieved_sum += h["achieved_rate"].get<double>();
  EXPECT_NEAR(merged["achieved_rate"].get<double>(), achieved_sum, 1e-6) << out;
  EXPECT_NEAR(merged["achieved_rate"].get<double>(), 3000, 90) << out;
  // (A late start may be reported on a busy machine; falling behind the rate may not.)
  EXPECT_EQ(merged["warnings"].dump().find("could not keep up"), std::string::npos)
      << merged["warnings"].dump();
  // The merged p99 is that of one histogram holding every host's samples.
  stats::Histogram all;
  for (int i = 1; i <= kLoadHosts; ++i) {
    auto host = nlohmann::json::parse(read_file(out_a + "/result-" + std::to_string(i) + ".json"));
    EXPECT_EQ(host["run"]["segment"]["index"], i);
    EXPECT_EQ(host["run"]["segment"]["count"], kLoadHosts);
    std::string error;
    auto h = stats::histogram_from_json(host["histograms"]["corrected"], &error);
    ASSERT_NE(h, nullptr) << error;
    all.merge(*h);
  }
  EXPECT_EQ(all.count(), 15000u);
  EXPECT_DOUBLE_EQ(merged["latency_us"]["p99"].get<double>(),
                   static_cast<double>(all.value_at_percentile(99)) / 1e3);
  EXPECT_NE(out.find("hosts       3 merged"), std::string::npos) << out;

  // 2. A fourth host that does not exist: reported, the other three still merged.
  std::string out_b = dir_ + "/run-b";
  out = launch(lab, hosts + "," + kUnreachable, out_b, "-c 40 -t 1 -n 4000 -R 2000", &status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find(std::string("host ") + kUnreachable + " (segment 4/4) gave no result"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("merged 3 of 4 segments: missing 4/4"), std::string::npos) << out;
  merged = nlohmann::json::parse(read_file(out_b + "/merged.json"));
  EXPECT_EQ(merged["requests"].get<uint64_t>(), 3000u) << out;
  EXPECT_EQ(server_requests(lab), 15000 + 3000) << out;

  // 3. client udp from the three hosts against a udp-echo server: 3000 datagrams/s in all over
  // 9 sockets for 2 s; counts merge exactly and equal the server's, the rates add up.
  ASSERT_NO_FATAL_FAILURE(start_udp_server(lab));
  std::string out_c = dir_ + "/run-c";
  out = launch(lab, hosts, out_c, "-l 200 -R 3000 -d 2s -t 1 -k 9 --no-pin", &status, "udp",
               std::string(kServerAddress) + ":9000");
  ASSERT_EQ(status, 0) << out;
  merged = nlohmann::json::parse(read_file(out_c + "/merged.json"));
  EXPECT_EQ(merged["mode"], "udp");
  ASSERT_EQ(merged["hosts"].size(), 3u);
  uint64_t sent = 0, unique = 0;
  stats::Histogram rtts;
  for (int i = 1; i <= kLoadHosts; ++i) {
    auto host = nlohmann::json::parse(read_file(out_c + "/result-" + std::to_string(i) + ".json"));
    EXPECT_EQ(host["run"]["segment"]["index"], i);
    EXPECT_EQ(host["sockets"], 3);
    EXPECT_DOUBLE_EQ(host["rate"].get<double>(), 1000);
    sent += host["sent"].get<uint64_t>();
    unique += host["unique"].get<uint64_t>();
    std::string error;
    auto h = stats::histogram_from_json(host["histograms"]["rtt"], &error);
    ASSERT_NE(h, nullptr) << error;
    rtts.merge(*h);
  }
  EXPECT_EQ(merged["sent"].get<uint64_t>(), sent);
  EXPECT_EQ(merged["unique"].get<uint64_t>(), unique);
  EXPECT_DOUBLE_EQ(merged["rate"].get<double>(), 3000);
  EXPECT_NEAR(static_cast<double>(sent), 6000, 60) << out;
  // Each of the three clients' pre-run probes is one more datagram at the server.
  EXPECT_EQ(server_metric(lab, "9101", "percore_udp_packets_in_total"),
            static_cast<long long>(sent) + 3)
      << out;
  EXPECT_DOUBLE_EQ(merged["rtt_us"]["p99"].get<double>(),
                   static_cast<double>(rtts.value_at_percentile(99)) / 1e3);
  EXPECT_NE(out.find("hosts       3 merged"), std::string::npos) << out;
}

}  // namespace
}  // namespace percore::test
