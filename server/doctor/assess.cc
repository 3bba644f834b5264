#include "server/doctor/assess.h"

#include <fmt/format.h>

#include "server/doctor/proc_values.h"

namespace percore::server::doctor {
namespace {

// percore's default listen backlog; the kernel silently caps it at somaxconn.
constexpr long long kBacklog = 4096;
// A test host may hold this many descriptors (connections) without a second thought.
constexpr long long kWantedFiles = 65536;
// Seconds a closed connection's local port stays in TIME_WAIT (TCP_TIMEWAIT_LEN).
constexpr int kTimeWaitSeconds = 60;

Check feature(const char* name, const std::string& why_not, const char* yes,
              const std::string& then) {
  if (why_not.empty()) return {name, Verdict::kOk, "yes", yes};
  return {name, Verdict::kMissing, "no", why_not + "; " + then};
}

Check kernel(const Facts& f) {
  Check c{"kernel", Verdict::kOk, f.kernel_release, ""};
  auto v = parse_kernel_release(f.kernel_release);
  if (!v) {
    c.verdict = Verdict::kUnknown;
    c.advice = "unrecognised release string";
  } else if (v->at_least(6, 0)) {
    c.advice = "new enough for every percore feature (io_uring backend needs 6.0)";
  } else if (v->at_least(5, 19)) {
    c.verdict = Verdict::kTune;
    c.advice = "io_uring backend needs 6.0 (multishot receive): --io epoll, or upgrade";
  } else {
    c.verdict = Verdict::kMissing;
    c.advice = "older than 5.19: epoll only; upgrade for the io_uring backend";
  }
  return c;
}

Check sysctl_missing(const char* name, const char* key) {
  return {name, Verdict::kUnknown, "n/a", fmt::format("{} not readable here", key)};
}

Check migrate_req(const Facts& f) {
  if (!f.tcp_migrate_req) {
    return {"tcp_migrate_req", Verdict::kMissing, "n/a",
            "kernel lacks net.ipv4.tcp_migrate_req (5.14+): a restarted worker drops the "
            "connections queued on its listener"};
  }
  if (*f.tcp_migrate_req == 1) {
    return {"tcp_migrate_req", Verdict::kOk, "1",
            "connections queued on a dying worker's listener move to a sibling"};
  }
  return {"tcp_migrate_req", Verdict::kTune, std::to_string(*f.tcp_migrate_req),
          "sysctl -w net.ipv4.tcp_migrate_req=1 so a worker restart drops no queued connection"};
}

Check nofile(const Facts& f) {
  auto text = [](long long v) { return v < 0 ? std::string("unlimited") : std::to_string(v); };
  Check c{"RLIMIT_NOFILE", Verdict::kOk, text(f.nofile_soft) + "/" + text(f.nofile_hard), ""};
  if (f.nofile_hard >= 0 && f.nofile_hard < kWantedFiles) {
    c.verdict = Verdict::kTune;
    c.advice = fmt::format(
        "hard limit caps connections per process near {}: raise it (limits.conf nofile, "
        "systemd LimitNOFILE=, or ulimit -Hn as root)",
        f.nofile_hard);
  } else {
    c.advice = "server and client raise the soft limit to the hard limit at start";
  }
  return c;
}

Check somaxconn(const Facts& f) {
  if (!f.somaxconn) return sysctl_missing("somaxconn", "net.core.somaxconn");
  Check c{"somaxconn", Verdict::kOk, std::to_string(*f.somaxconn), ""};
  if (*f.somaxconn < kBacklog) {
    c.verdict = Verdict::kTune;
    c.advice = fmt::format(
        "caps the listen backlog ({} by default): sysctl -w net.core.somaxconn={} "
        "(scripts/tune-sysctl.sh)",
        kBacklog, kBacklog);
  } else {
    c.advice = fmt::format("allows percore's backlog of {}", kBacklog);
  }
  return c;
}

Check port_range(const Facts& f) {
  if (!f.port_range) return sysctl_missing("ip_local_port_range", "net.ipv4.ip_local_port_range");
  int ports = f.port_range->second - f.port_range->first + 1;
  Check c{"ip_local_port_range", Verdict::kOk,
          fmt::format("{}-{} ({} ports)", f.port_range->first, f.port_range->second, ports), ""};
  std::string rate = fmt::format(
      "a client closing first sustains about {} new connections/s to one ip:port without "
      "tcp_tw_reuse",
      ports / kTimeWaitSeconds);
  if (ports < 50000) {
    c.verdict = Verdict::kTune;
    c.advice = rate + "; widen: sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"";
  } else {
    c.advice = rate;
  }
  return c;
}

Check tw_reuse(const Facts& f) {
  if (!f.tcp_tw_reuse) return sysctl_missing("tcp_tw_reuse", "net.ipv4.tcp_tw_reuse");
  Check c{"tcp_tw_reuse", Verdict::kOk, std::to_string(*f.tcp_tw_reuse), ""};
  switch (*f.tcp_tw_reuse) {
    case 1:
      c.advice = "new outgoing connections may reuse ports in TIME_WAIT (timestamps make it safe)";
      break;
    case 2:
      c.verdict = Verdict::kTune;
      c.advice =
          "reuse on loopback only: a client on another host doing connection-per-request runs "
          "out of ports; sysctl -w net.ipv4.tcp_tw_reuse=1 there";
      break;
    default:
      c.verdict = Verdict::kTune;
      c.advice =
          "TIME_WAIT ports are never reused: connection-per-request clients stall; sysctl -w "
          "net.ipv4.tcp_tw_reuse=1 on the client";
  }
  return c;
}

Check busy_poll(const Facts& f) {
  if (!f.busy_poll && !f.busy_read) return sysctl_missing("busy_poll", "net.core.busy_poll");
  long long poll = f.busy_poll.value_or(0), read = f.busy_read.value_or(0);
  Check c{"busy_poll", Verdict::kOk, fmt::format("busy_poll={} busy_read={}", poll, read), ""};
  if (poll == 0 && read == 0) {
    c.advice =
        "off (interrupt driven): fine for throughput; for lowest latency at the cost of CPU: "
        "sysctl -w net.core.busy_poll=50 net.core.busy_read=50";
  } else {
    c.advice = "on: sockets spin on the NIC queue for up to that many us before sleeping";
  }
  return c;
}

Check irqbalance(const Facts& f) {
  if (f.irqbalance_running) {
    return {"irqbalance", Verdict::kTune, "running",
            "it moves NIC interrupts away from the pinned workers: systemctl stop irqbalance "
            "before scripts/nic-rss.sh --apply"};
  }
  return {"irqbalance", Verdict::kOk, "not running",
          "interrupt affinity stays where scripts/nic-rss.sh puts it"};
}

Check governor(const Facts& f) {
  if (f.governors.empty()) {
    return {"cpu_governor", Verdict::kUnknown, "not exposed",
            "no cpufreq here (VM or fixed clock): nothing to set"};
  }
  std::string summary = summarize_governors(f.governors);
  if (summary == "performance") {
    return {"cpu_governor", Verdict::kOk, summary, "clock stays high: benchmark runs compare"};
  }
  return {"cpu_governor", Verdict::kTune, summary,
          "clock follows load, so runs vary: cpupower frequency-set -g performance"};
}

Check nic(const Facts& f) {
  const NicFacts& n = f.nic;
  Check c{"nic_queues", Verdict::kOk, "", ""};
  if (n.interface.empty()) {
    c.verdict = Verdict::kUnknown;
    c.value = "n/a";
    c.advice = fmt::format("no interface for {}: {}", n.target, n.error);
    return c;
  }
  c.value = fmt::format("{} rx={} tx={}", n.interface, n.rx_queues, n.tx_queues);
  if (n.channels >= 0) c.value += fmt::format(" channels={}/{}", n.channels, n.max_channels);
  std::string where = n.target == "default route"
                          ? fmt::format("{} carries the default route", n.interface)
                          : fmt::format("{} routes {}", n.interface, n.target);
  if (n.interface == "lo") {
    c.advice = where + ": loopback, no NIC queues to spread";
  } else if (n.channels >= 0 && n.channels < n.max_channels && n.channels < f.online_cpus) {
    c.verdict = Verdict::kTune;
    c.advice =
        fmt::format("{}: ethtool -L {} combined {} (or scripts/nic-rss.sh {} --apply)", where,
                    n.interface, std::min(n.max_channels, f.online_cpus), n.interface);
  } else if (n.rx_queues < f.online_cpus) {
    c.verdict = Verdict::kTune;
    c.advice = fmt::format(
        "{}: fewer receive queues than the {} CPUs; RPS spreads the rest "
        "(scripts/nic-rss.sh {} --apply)",
        where, f.online_cpus, n.interface);
  } else {
    c.advice = where + ": a receive queue per CPU; pin them with scripts/nic-rss.sh";
  }
  return c;
}

}  // namespace

std::vector<Check> assess(const Facts& f) {
  const std::string epoll = "percore uses epoll instead (--io epoll)";
  std::vector<Check> out;
  out.push_back(kernel(f));
  out.push_back(feature("io_uring", f.uring_backend, "--io uring and --io auto use io_uring here",
                        "--io auto falls back to epoll"));
  out.push_back(feature("multishot_accept", f.uring.multishot_accept,
                        "one accept submission serves every connection", epoll));
  out.push_back(feature("multishot_recv", f.uring.multishot_recv,
                        "one receive submission per connection", epoll));
  out.push_back(feature("buffer_rings", f.uring.buffer_rings,
                        "receive buffers are picked by the kernel, not held per connection",
                        epoll));
  out.push_back(feature("recv_bundles", f.uring.recv_bundles,
                        "one receive completion fills several buffers",
                        "io_uring receives one buffer per completion"));
  out.push_back(feature("recv_limit", f.uring.recv_limit,
                        "a connection's receive takes at most its share of the buffers",
                        "the io_uring backend cancels a receive that holds its share"));
  out.push_back(feature("so_reuseport", f.reuseport, "every worker has its own listener",
                        "percore's per-worker listeners cannot work here"));
  out.push_back(feature("reuseport_cbpf", f.reuseport_cbpf,
                        "a classic BPF program may steer connections among the listeners",
                        "the kernel's hash alone spreads connections"));
  out.push_back(migrate_req(f));
  out.push_back(feature("udp_gso", f.udp_gso, "UDP_SEGMENT: one send carries many datagrams",
                        "UDP senders pay a syscall per datagram"));
  out.push_back(feature("udp_gro", f.udp_gro, "UDP_GRO: one receive may carry many datagrams",
                        "UDP receivers pay a syscall per datagram"));
  out.push_back(feature("ktls", f.ktls,
                        "the kernel could encrypt TLS records (percore's TLS is in user space)",
                        "TLS records are encrypted in user space by OpenSSL, as percore does "
                        "anyway (docs/tls.md: what kTLS would change)"));
  out.push_back(nofile(f));
  out.push_back(somaxconn(f));
  out.push_back(port_range(f));
  out.push_back(tw_reuse(f));
  out.push_back(busy_poll(f));
  out.push_back(irqbalance(f));
  out.push_back(governor(f));
  out.push_back(nic(f));
  return out;
}

}  // namespace percore::server::doctor
