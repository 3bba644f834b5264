#include "server/doctor/probes.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/sockios.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/io/factory.h"
#include "core/net/udp_offload_opts.h"
#include "core/tls/ktls_probe.h"
#include "server/doctor/proc_values.h"

namespace percore::server::doctor {
namespace {

std::string read_file(const std::string& path, bool* ok = nullptr) {
  std::ifstream in(path);
  std::stringstream ss;
  if (in) ss << in.rdbuf();
  if (ok != nullptr) *ok = static_cast<bool>(in);
  return ss.str();
}

std::optional<long long> sysctl_integer(const std::string& path) {
  bool ok = false;
  std::string text = read_file(path, &ok);
  return ok ? parse_integer(text) : std::nullopt;
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Closes a descriptor on every return path of the small probes below.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string probe_reuseport(bool with_cbpf) {
  Fd a(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  Fd b(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (a.fd < 0 || b.fd < 0) return errno_text("socket");
  int one = 1;
  if (setsockopt(a.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
      setsockopt(b.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
    return errno_text("setsockopt SO_REUSEPORT");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(a.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 ||
      getsockname(a.fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
    return errno_text("bind 127.0.0.1:0");
  }
  // The second socket on the same port is the point of SO_REUSEPORT.
  if (bind(b.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    return errno_text("second bind to the same port");
  }
  if (!with_cbpf) return "";
  // Pick the listener by the CPU the packet arrived on, modulo the group size.
  sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_CPU)},
      {BPF_ALU | BPF_MOD | BPF_K, 0, 0, 2},
      {BPF_RET | BPF_A, 0, 0, 0},
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof(code) / sizeof(code[0])), code};
  if (setsockopt(a.fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0) {
    return errno_text("setsockopt SO_ATTACH_REUSEPORT_CBPF");
  }
  return "";
}

std::string probe_udp_option(int option, int value, const char* name) {
  Fd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) return errno_text("socket");
  if (setsockopt(fd.fd, IPPROTO_UDP, option, &value, sizeof(value)) < 0) {
    return std::string("setsockopt ") + name + ": " + std::strerror(errno);
  }
  return "";
}

bool process_running(const std::string& comm) {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return false;
  bool found = false;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string name = read_file(std::string("/proc/") + e->d_name + "/comm");
    if (!name.empty() && name.back() == '\n') name.pop_back();
    if (name == comm) {
      found = true;
      break;
    }
  }
  closedir(dir);
  return found;
}

std::vector<std::string> cpu_governors() {
  std::vector<std::string> out;
  for (int cpu = 0; cpu < 4096; ++cpu) {
    std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu);
    if (access(base.c_str(), F_OK) != 0) break;
    bool ok = false;
    std::string g = read_file(base + "/cpufreq/scaling_governor", &ok);
    if (ok && !g.empty()) out.push_back(g);
  }
  return out;
}

int count_queues(const std::string& iface, const char* prefix) {
  DIR* dir = opendir(("/sys/class/net/" + iface + "/queues").c_str());
  if (dir == nullptr) return 0;
  int n = 0;
  while (dirent* e = readdir(dir)) {
    if (std::strncmp(e->d_name, prefix, std::strlen(prefix)) == 0) ++n;
  }
  closedir(dir);
  return n;
}

void read_channels(NicFacts* nic) {
  Fd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) return;
  ethtool_channels ch{};
  ch.cmd = ETHTOOL_GCHANNELS;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, nic->interface.c_str(), IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&ch);
  if (ioctl(fd.fd, SIOCETHTOOL, &ifr) < 0) return;  // driver without channels: queues only
  if (ch.max_combined > 0) {
    nic->channels = static_cast<int>(ch.combined_count);
    nic->max_channels = static_cast<int>(ch.max_combined);
  } else {
    nic->channels = static_cast<int>(ch.rx_count);
    nic->max_channels = static_cast<int>(ch.max_rx);
  }
}

void fill_queues(NicFacts* nic) {
  nic->rx_queues = count_queues(nic->interface, "rx-");
  nic->tx_queues = count_queues(nic->interface, "tx-");
  read_channels(nic);
}

// The interface holding `local`, by address.
std::string interface_with_address(const sockaddr_storage& local) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) < 0) return "";
  std::string name;
  for (ifaddrs* i = list; i != nullptr && name.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != local.ss_family) continue;
    if (local.ss_family == AF_INET) {
      auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      auto* b = reinterpret_cast<const sockaddr_in*>(&local);
      if (a->sin_addr.s_addr == b->sin_addr.s_addr) name = i->ifa_name;
    } else {
      auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      auto* b = reinterpret_cast<const sockaddr_in6*>(&local);
      if (std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0) name = i->ifa_name;
    }
  }
  freeifaddrs(list);
  return name;
}

}  // namespace

NicFacts nic_facts_for(const std::string& address) {
  NicFacts nic;
  nic.target = address;
  sockaddr_storage dest{};
  socklen_t dest_len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&dest);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&dest);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(9);
    dest_len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(9);
    dest_len = sizeof(*v6);
  } else {
    nic.error = "not an IPv4 or IPv6 address";
    return nic;
  }
  // Connecting a UDP socket only asks the routing table; nothing goes on the wire.
  Fd fd(socket(dest.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0 || connect(fd.fd, reinterpret_cast<sockaddr*>(&dest), dest_len) < 0) {
    nic.error = errno_text("no route");
    return nic;
  }
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  getsockname(fd.fd, reinterpret_cast<sockaddr*>(&local), &len);
  nic.interface = interface_with_address(local);
  if (nic.interface.empty()) {
    nic.error = "the route's source address is on no interface";
    return nic;
  }
  fill_queues(&nic);
  return nic;
}

Facts gather_facts(const std::string& for_address) {
  Facts f;
  utsname u{};
  if (uname(&u) == 0) f.kernel_release = u.release;
  f.uring_backend = io::uring_unavailable_reason();
  f.uring = io::probe_uring_facts();
  f.reuseport = probe_reuseport(false);
  f.reuseport_cbpf = f.reuseport.empty() ? probe_reuseport(true) : "no SO_REUSEPORT";
  f.tcp_migrate_req = sysctl_integer("/proc/sys/net/ipv4/tcp_migrate_req");
  f.udp_gso = probe_udp_option(UDP_SEGMENT, 1400, "UDP_SEGMENT");
  f.udp_gro = probe_udp_option(UDP_GRO, 1, "UDP_GRO");
  f.ktls = tls::ktls_unavailable_reason();
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    f.nofile_soft = rl.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long long>(rl.rlim_cur);
    f.nofile_hard = rl.rlim_max == RLIM_INFINITY ? -1 : static_cast<long long>(rl.rlim_max);
  }
  f.somaxconn = sysctl_integer("/proc/sys/net/core/somaxconn");
  bool ok = false;
  std::string range = read_file("/proc/sys/net/ipv4/ip_local_port_range", &ok);
  if (ok) f.port_range = parse_port_range(range);
  f.tcp_tw_reuse = sysctl_integer("/proc/sys/net/ipv4/tcp_tw_reuse");
  f.busy_poll = sysctl_integer("/proc/sys/net/core/busy_poll");
  f.busy_read = sysctl_integer("/proc/sys/net/core/busy_read");
  f.irqbalance_running = process_running("irqbalance");
  f.governors = cpu_governors();
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  f.online_cpus = cpus > 0 ? static_cast<int>(cpus) : 1;
  if (!for_address.empty()) {
    f.nic = nic_facts_for(for_address);
  } else {
    f.nic.target = "default route";
    f.nic.interface = default_route_interface(read_file("/proc/net/route"));
    if (f.nic.interface.empty()) {
      f.nic.error = "no default IPv4 route (give --for ADDRESS)";
    } else {
      fill_queues(&f.nic);
    }
  }
  return f;
}

}  // namespace percore::server::doctor
