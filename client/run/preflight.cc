// The pre-run reachability check.
#include "client/run/preflight.h"

#include <errno.h>

#include <fmt/format.h>

#include "client/os/connect_probe.h"
#include "client/os/errno_name.h"
#include "client/run/fd_budget.h"
#include "client/run/source_addresses.h"
#include "core/net/socket.h"
#include "core/net/sys.h"

namespace percore::client {

int preflight_connect(const net::Address& addr, int64_t timeout_ns, std::string* error) {
  int fd = net::stream_socket(addr);
  int err = fd < 0 ? -fd : connect_within(fd, addr, timeout_ns);
  if (fd >= 0) net::close_socket(fd);
  if (err == 0) return 0;
  *error = fmt::format("cannot connect to {}: {}", addr.to_string(), errno_text(err));
  return -err;
}

bool check_sources(const std::vector<net::Address>& sources, std::string* message) {
  for (const net::Address& source : sources) {
    int fd = net::stream_socket(source);
    int rc = fd < 0 ? fd : bind_source(fd, source);
    if (fd >= 0) net::close_socket(fd);
    if (rc < 0) {
      std::string name = source.to_string();
      name = name.substr(0, name.rfind(':'));  // the port is 0
      *message = fmt::format("--source {}: cannot bind to it: {}{}", name, errno_text(-rc),
                             -rc == EADDRNOTAVAIL ? " (not an address of this host)" : "");
      return false;
    }
  }
  return true;
}

bool connect_first(Url* url, const std::vector<net::Address>& sources, int64_t timeout_ns,
                   std::string* message) {
  std::vector<net::Address> candidates = {url->address};
  candidates.insert(candidates.end(), url->alternatives.begin(), url->alternatives.end());
  std::string first_error;
  for (const net::Address& a : candidates) {
    // --source addresses were parsed for the target's family: only that family can use them.
    if (!sources.empty() && a.family() != sources.front().family()) continue;
    std::string why;
    if (preflight_connect(a, timeout_ns, &why) >= 0) {
      url->address = a;
      return true;
    }
    if (first_error.empty())
      first_error = why;
    else
      first_error += fmt::format(", nor to {}", a.to_string());
  }
  *message = first_error;
  return false;
}

bool connection_preflight(Options* o, std::string* message) {
  return check_fd_budget(o->connections, o->threads, message) &&
         check_sources(o->sources, message) &&
         connect_first(&o->url, o->sources, o->timeout_ns, message);
}

}  // namespace percore::client
