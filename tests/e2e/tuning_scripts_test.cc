// scripts/nic-rss.sh and scripts/tune-sysctl.sh on a multiqueue veth in network namespaces the
// test creates: --apply sets every value it prints, --undo puts every one back, and nothing
// outside the namespaces changes; a limit the namespace already has higher is kept, and a NIC
// with fewer queues than workers gets RPS over every worker's core. The CPU mask arithmetic is
// checked past 32 and 64 CPUs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/netns.h"
#include "tests/support/netns_pair.h"
#include "tests/support/process.h"

namespace percore::test {
namespace {

const std::string kScripts = std::string(PERCORE_SOURCE_DIR) + "/scripts/";

// "0,00000002" and "2" name the same CPUs; "0" and "00000000" name none.
std::string normalized_mask(std::string mask) {
  std::string out;
  for (char c : mask) {
    if (c == ',' || c == '\n') continue;
    if (out.empty() && c == '0') continue;
    out += c;
  }
  return out;
}

// The normalized mask of one CPU: hex digit 1<<(cpu%4) followed by cpu/4 zeros.
std::string mask_of(int cpu) {
  return std::string(1, "1248"[cpu % 4]) + std::string(cpu / 4, '0');
}

// The normalized mask of a set of CPUs (repeats allowed).
std::string mask_of_set(const std::vector<int>& cpus) {
  std::vector<int> nibbles;
  for (int cpu : cpus) {
    if (static_cast<int>(nibbles.size()) <= cpu / 4) nibbles.resize(cpu / 4 + 1, 0);
    nibbles[cpu / 4] |= 1 << (cpu % 4);
  }
  std::string out;
  for (auto it = nibbles.rbegin(); it != nibbles.rend(); ++it) {
    if (out.empty() && *it == 0) continue;
    out += "0123456789abcdef"[*it];
  }
  return out;
}

std::vector<int> online_cpus() {
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string list;
  std::getline(in, list);
  std::vector<int> cpus;
  std::stringstream ss(list);
  std::string part;
  while (std::getline(ss, part, ',')) {
    size_t dash = part.find('-');
    int lo = std::stoi(part.substr(0, dash));
    int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  return cpus;
}

TEST(CpuMask, GroupsOf32BitsPast32And64Cpus) {
  struct Case {
    std::string args, want;
  };
  const Case cases[] = {
      {"1 0", "1"},
      {"2 1", "2"},
      {"33 32", "1,00000000"},
      {"33 0", "0,00000001"},
      {"64 63", "80000000,00000000"},
      {"65 64", "1,00000000,00000000"},
      {"65 3 35", "0,00000008,00000008"},
      {"130 129", "2,00000000,00000000,00000000,00000000"},
      {"130 0 31 32 63 64 127 128 129", "3,80000000,00000001,80000001,80000001"},
  };
  for (const Case& c : cases) {
    int status = -1;
    std::string out = run_command(
        "bash -c 'source " + kScripts + "lib/cpumask.sh && cpu_mask " + c.args + "'", 10, &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(out, c.want + "\n") << "cpu_mask " << c.args;
  }
  int status = -1;
  run_command("bash -c 'source " + kScripts + "lib/cpumask.sh && cpu_mask 33 33'", 10, &status);
  EXPECT_NE(status, 0) << "a CPU past the count is refused";
  run_command("bash -c 'source " + kScripts + "lib/cpumask.sh && mask_equal 0,00000002 2'", 10,
              &status);
  EXPECT_EQ(status, 0);
  run_command("bash -c 'source " + kScripts + "lib/cpumask.sh && mask_equal 1,00000000 1'", 10,
              &status);
  EXPECT_NE(status, 0);
}

class TuningScripts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("ip")) GTEST_SKIP() << "needs iproute2";
    pair_ = std::make_unique<NetnsPair>(4, 3);
    PERCORE_REQUIRE_NETNS(*pair_);
  }
  std::string in_a(const std::string& command, int* status) {
    return pair_->in_a(command, 60, status);
  }
  // Every steering value of every queue of the veth, and its channel counts, as text.
  std::string queue_state() {
    int status = 0;
    std::string link = pair_->link_a();
    return in_a("cd /sys/class/net/" + link +
                    "/queues && grep -H . */rps_cpus */rps_flow_cnt */xps_cpus; "
                    "ethtool -l " +
                    link + " 2>/dev/null | sed -n \"/Current/,\\$p\"",
                &status);
  }
  std::string value(const std::string& path) {
    int status = 0;
    std::string v = in_a("cat " + path, &status);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }
  std::unique_ptr<NetnsPair> pair_;
};

TEST_F(TuningScripts, NicRssAppliesEveryValueAndUndoRestoresThem) {
  if (!have_program("ethtool")) GTEST_SKIP() << "needs ethtool (scripts/deps.sh installs it)";
  const std::string link = pair_->link_a();
  const std::string q = "/sys/class/net/" + link + "/queues/";
  int status = 0;
  // Values that are not the defaults, on queues that the channel change will remove.
  in_a("echo 2 > " + q + "rx-3/rps_cpus; echo 128 > " + q + "rx-3/rps_flow_cnt; echo 1 > " + q +
           "tx-2/xps_cpus",
       &status);
  ASSERT_EQ(status, 0);
  // veth has no interrupts: a made-up /proc tree stands in for the IRQ part.
  std::string fake = "/tmp/percore-fakeproc-" + std::to_string(getpid());
  std::string setup = "rm -rf " + fake + " && mkdir -p " + fake +
                      " && printf '           CPU0       CPU1\\n' > " + fake + "/interrupts";
  const std::vector<std::pair<int, std::string>> irq_names = {
      {40, link + "-TxRx-0"}, {41, link + "-TxRx-1"}, {50, "eth9"}, {51, link + "x-rx-0"}};
  for (const auto& [irq, name] : irq_names) {
    std::string n = std::to_string(irq);
    setup += " && printf ' " + n + ":  0  0  PCI-MSI " + n + "-edge      " + name + "\\n' >> " +
             fake + "/interrupts && mkdir -p " + fake + "/irq/" + n + " && echo 3 > " + fake +
             "/irq/" + n + "/smp_affinity";
  }
  std::string out = run_command(setup, 10, &status);
  ASSERT_EQ(status, 0) << out;

  const std::string before = queue_state();
  ASSERT_NE(before.find("rx-3/rps_flow_cnt:128"), std::string::npos) << before;
  std::string record = fake + "/nic.record";
  std::string script =
      "NIC_RSS_PROC=" + fake + " " + kScripts + "nic-rss.sh " + link + " -w 2 --record " + record;

  out = in_a(script + " --dry-run", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("would set  channels of " + link + ": rx 4 tx 4 -> rx 2 tx 2"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("would set  " + q + "rx-0/rps_flow_cnt: 0 -> 4096"), std::string::npos) << out;
  EXPECT_NE(out.find("would set  " + fake + "/irq/40/smp_affinity: 3 -> "), std::string::npos)
      << out;
  EXPECT_EQ(queue_state(), before) << "--dry-run changed something";
  EXPECT_EQ(value(fake + "/irq/40/smp_affinity"), "3");

  out = in_a(script + " --apply", &status);
  ASSERT_EQ(status, 0) << out;
  std::vector<int> cpus = online_cpus();
  ASSERT_FALSE(cpus.empty());
  auto core_of_queue = [&](int i) { return cpus[(i % 2) % cpus.size()]; };
  EXPECT_EQ(in_a("ls " + q, &status), "rx-0\nrx-1\ntx-0\ntx-1\n") << "channels not reduced to 2";
  for (int i = 0; i < 2; ++i) {
    std::string n = std::to_string(i);
    std::string want = mask_of(core_of_queue(i));
    EXPECT_EQ(normalized_mask(value(q + "rx-" + n + "/rps_cpus")), want) << "rx-" << n;
    EXPECT_EQ(value(q + "rx-" + n + "/rps_flow_cnt"), "4096") << "rx-" << n;
    EXPECT_EQ(normalized_mask(value(q + "tx-" + n + "/xps_cpus")), want) << "tx-" << n;
    EXPECT_EQ(normalized_mask(value(fake + "/irq/4" + n + "/smp_affinity")), want) << "irq 4" << n;
  }
  EXPECT_EQ(value(fake + "/irq/50/smp_affinity"), "3") << "another NIC's interrupt was moved";
  EXPECT_EQ(value(fake + "/irq/51/smp_affinity"), "3") << "a longer name sharing the prefix";

  out = in_a(script + " --apply", &status);
  EXPECT_EQ(status, 2) << "a second --apply would overwrite the record\n" << out;

  out = in_a(script + " --undo", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(queue_state(), before);
  EXPECT_EQ(value(fake + "/irq/40/smp_affinity"), "3");
  EXPECT_EQ(value(fake + "/irq/41/smp_affinity"), "3");
  EXPECT_NE(access(record.c_str(), F_OK), 0) << "the record outlives a complete undo";

  // Coalescing the veth cannot do is reported as a failure, not skipped in silence.
  out = in_a(script + " --dry-run --coalesce rx-usecs=10", &status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("has no interrupt coalescing"), std::string::npos) << out;
  run_command("rm -rf " + fake, 10, &status);
}

// Fewer queues than workers (a single-queue virtual NIC): the interrupt stays on one core, and
// each queue's RPS (and XPS) covers the cores of its share of the workers, so packet processing
// still reaches every worker's core. Veths made with 1 and 2 queues, spread over 2 and 4 workers.
TEST_F(TuningScripts, NicRssSpreadsRpsOverTheWorkersWhenQueuesAreFewer) {
  if (!have_program("ethtool")) GTEST_SKIP() << "needs ethtool (scripts/deps.sh installs it)";
  std::vector<int> cpus = online_cpus();
  ASSERT_FALSE(cpus.empty());
  auto core_of_worker = [&](int w) { return cpus[w % cpus.size()]; };
  struct Case {
    int queues, workers;
  };
  for (const Case c : {Case{1, 2}, Case{2, 4}}) {
    SCOPED_TRACE(std::to_string(c.queues) + " queue(s), " + std::to_string(c.workers) + " workers");
    const std::string link = "pcq" + std::to_string(c.queues) + "x";
    const std::string nq = std::to_string(c.queues);
    int status = 0;
    std::string out = in_a("ip link add " + link + " numrxqueues " + nq + " numtxqueues " + nq +
                               " type veth peer name pcq" + nq + "y numrxqueues " + nq +
                               " numtxqueues " + nq + " && ip link set " + link + " up",
                           &status);
    ASSERT_EQ(status, 0) << out;
    // A made-up interrupt per queue, as in the test above.
    std::string fake = "/tmp/percore-fakeproc-q" + nq + "-" + std::to_string(getpid());
    std::string setup = "rm -rf " + fake + " && mkdir -p " + fake +
                        " && printf '           CPU0       CPU1\\n' > " + fake + "/interrupts";
    for (int i = 0; i < c.queues; ++i) {
      std::string n = std::to_string(60 + i);
      setup += " && printf ' " + n + ":  0  0  PCI-MSI " + n + "-edge      " + link + "-TxRx-" +
               std::to_string(i) + "\\n' >> " + fake + "/interrupts && mkdir -p " + fake + "/irq/" +
               n + " && echo 3 > " + fake + "/irq/" + n + "/smp_affinity";
    }
    out = run_command(setup, 10, &status);
    ASSERT_EQ(status, 0) << out;
    const std::string q = "/sys/class/net/" + link + "/queues/";
    const std::string script = "NIC_RSS_PROC=" + fake + " " + kScripts + "nic-rss.sh " + link +
                               " -w " + std::to_string(c.workers) + " --record " + fake +
                               "/nic.record";
    const std::string rx_before = value(q + "rx-0/rps_cpus");

    out = in_a(script + " --dry-run", &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find(nq + " receive queue(s) for " + std::to_string(c.workers) + " workers"),
              std::string::npos)
        << out;
    out = in_a(script + " --apply", &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(in_a("ls " + q + " | grep -c rx-", &status), nq + "\n") << "channels changed";
    for (int i = 0; i < c.queues; ++i) {
      std::vector<int> share;
      for (int w = i; w < c.workers; w += c.queues) share.push_back(core_of_worker(w));
      const std::string n = std::to_string(i);
      EXPECT_EQ(normalized_mask(value(q + "rx-" + n + "/rps_cpus")), mask_of_set(share))
          << "rx-" << n << "\n"
          << out;
      if (c.queues > 1) {
        EXPECT_EQ(normalized_mask(value(q + "tx-" + n + "/xps_cpus")), mask_of_set(share))
            << "tx-" << n;
      }
      EXPECT_EQ(normalized_mask(value(fake + "/irq/" + std::to_string(60 + i) + "/smp_affinity")),
                mask_of(core_of_worker(i)))
          << "queue " << n << "'s interrupt stays on one core";
    }
    out = in_a(script + " --undo", &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(value(q + "rx-0/rps_cpus"), rx_before);
    EXPECT_EQ(value(fake + "/irq/60/smp_affinity"), "3");
    run_command("rm -rf " + fake, 10, &status);
  }
}

TEST_F(TuningScripts, TuneSysctlSetsNamespaceKeysAndUndoRestoresThem) {
  const std::string conf = std::string(PERCORE_SOURCE_DIR) + "/conf/sysctl-percore.conf";
  std::ifstream in(conf);
  std::map<std::string, std::string> wanted;  // net.* key -> value, single-spaced
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      std::string out;
      std::stringstream ss(s);
      std::string word;
      while (ss >> word) out += (out.empty() ? "" : " ") + word;
      return out;
    };
    std::string key = trim(line.substr(0, eq));
    if (key.rfind("net.", 0) == 0) wanted[key] = trim(line.substr(eq + 1));
  }
  ASSERT_GE(wanted.size(), 5u);
  auto path_of = [](std::string key) {
    for (char& c : key) c = c == '.' ? '/' : c;
    return "/proc/sys/" + key;
  };
  int status = 0;
  // Each key's value in the namespace and whether root may write it there.
  auto snapshot = [&]() {
    std::map<std::string, std::string> values;
    for (const auto& [key, want] : wanted) {
      values[key] = in_a("p=" + path_of(key) +
                             "; if [ -e $p ]; then tr -s \"\\t \" \"  \" < $p; "
                             "[ -w $p ] && echo writable; else echo absent; fi",
                         &status);
    }
    return values;
  };
  std::string host_before = run_command(
      "cat /proc/sys/fs/file-max /proc/sys/fs/nr_open /proc/sys/net/ipv4/tcp_tw_reuse", 5, &status);
  // Values above the conf's, as a well-tuned host may have: a limit is never lowered, the
  // three-number keys keep their higher fields, the port range is only widened.
  ASSERT_EQ(wanted.at("net.core.somaxconn"), "65535");
  ASSERT_EQ(wanted.at("net.ipv4.tcp_wmem"), "4096 131072 16777216");
  ASSERT_EQ(wanted.at("net.ipv4.ip_local_port_range"), "1024 65000");
  std::string out = in_a(
      "echo 100000 > /proc/sys/net/core/somaxconn && "
      "echo \"8192 65536 33554432\" > /proc/sys/net/ipv4/tcp_wmem && "
      "echo \"1024 65535\" > /proc/sys/net/ipv4/ip_local_port_range",
      &status);
  ASSERT_EQ(status, 0) << out;
  const auto before = snapshot();
  // What --apply must leave: for the limits and sizes the higher of the running and the conf's
  // value, field by field; for the port range the wider; for the other keys the conf's value.
  // (A new namespace copies some of them from the host, which may have more than the conf.)
  auto expected_of = [&](const std::string& key, const std::string& conf_value) {
    static const std::set<std::string> floors = {"net.core.somaxconn",
                                                 "net.ipv4.tcp_max_syn_backlog",
                                                 "net.core.netdev_max_backlog",
                                                 "net.core.rmem_max",
                                                 "net.core.wmem_max",
                                                 "net.ipv4.tcp_rmem",
                                                 "net.ipv4.tcp_wmem"};
    const bool range = key == "net.ipv4.ip_local_port_range";
    if (!floors.count(key) && !range) return conf_value;
    std::stringstream was(before.at(key).substr(0, before.at(key).find('\n')));
    std::stringstream conf_fields(conf_value);
    std::string out;
    long long a = 0, b = 0;
    for (int i = 0; was >> a && conf_fields >> b; ++i) {
      long long v = range && i == 0 ? std::min(a, b) : std::max(a, b);
      out += (out.empty() ? "" : " ") + std::to_string(v);
    }
    return out;
  };
  EXPECT_EQ(expected_of("net.core.somaxconn", "65535"), "100000");
  EXPECT_EQ(expected_of("net.ipv4.tcp_wmem", "4096 131072 16777216"), "8192 131072 33554432");
  EXPECT_EQ(expected_of("net.ipv4.ip_local_port_range", "1024 65000"), "1024 65535");
  std::string record = "/tmp/percore-sysctl-test-" + std::to_string(getpid()) + ".record";
  std::string script = kScripts + "tune-sysctl.sh --record " + record;

  out = in_a(script + " --dry-run", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("(conf 65535: already higher, kept)"), std::string::npos) << out;
  EXPECT_NE(out.find("(conf 1024 65000: already higher, kept)"), std::string::npos) << out;
  EXPECT_NE(out.find("-> 8192 131072 33554432 (conf 4096 131072 16777216: fields already "
                     "higher kept)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("net.ipv4.tcp_fin_timeout"), std::string::npos) << out;
  EXPECT_EQ(snapshot(), before) << "--dry-run changed something";

  out = in_a(script + " --apply", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("only net.* keys"), std::string::npos) << out;
  int changed = 0;
  const auto after = snapshot();
  for (const auto& [key, conf_value] : wanted) {
    const std::string& was = before.at(key);
    const std::string& now = after.at(key);
    const std::string want = expected_of(key, conf_value);
    if (was.find("writable") != std::string::npos) {
      EXPECT_EQ(now, want + "\nwritable\n") << key;
      changed += was != now;
    } else {
      EXPECT_EQ(now, was) << key << " is read-only or absent here and must stay as it was";
    }
  }
  EXPECT_GE(changed, 5) << out;
  EXPECT_EQ(run_command("cat /proc/sys/fs/file-max /proc/sys/fs/nr_open "
                        "/proc/sys/net/ipv4/tcp_tw_reuse",
                        5, &status),
            host_before)
      << "the host's settings changed";

  out = in_a(script + " --undo", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(snapshot(), before);
  EXPECT_NE(access(record.c_str(), F_OK), 0);
}

TEST_F(TuningScripts, DoctorFindsTheVethQueuesForAnAddress) {
  int status = 0;
  std::string out = in_a(std::string(PERCORE_SERVER_BIN) + " doctor --json --for " +
                             pair_->address_b() + " 2>/dev/null",
                         &status);
  ASSERT_EQ(status, 0) << out;
  nlohmann::json doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
  std::string nic;
  for (const auto& c : doc["checks"]) {
    if (c["name"] == "nic_queues") nic = c["value"];
  }
  EXPECT_EQ(nic.rfind(pair_->link_a() + " rx=4 tx=4", 0), 0u) << nic;
}

}  // namespace
}  // namespace percore::test
