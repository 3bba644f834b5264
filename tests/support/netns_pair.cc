#include "tests/support/netns_pair.h"

#include <unistd.h>

#include "tests/support/process.h"

namespace percore::test {
namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

NetnsPair::NetnsPair(int queues, int subnet) : subnet_(subnet) {
  std::string id = std::to_string(getpid() % 100000);
  ns_a_ = "pc-tna-" + id;
  ns_b_ = "pc-tnb-" + id;
  link_a_ = "pct" + id + "a";
  link_b_ = "pct" + id + "b";
  int status = 0;
  for (const std::string& ns : {ns_a_, ns_b_}) {
    error_ = run_command("ip netns add " + ns, 10, &status);
    if (status != 0) return;
    created_.push_back(ns);
  }
  std::string q = std::to_string(queues);
  std::string net = "198.18." + std::to_string(subnet) + ".";
  error_ = run_command(
      "set -e\nip -n " + ns_a_ + " link add " + link_a_ + " numrxqueues " + q + " numtxqueues " +
          q + " type veth peer name " + link_b_ + " numrxqueues " + q + " numtxqueues " + q +
          " netns " + ns_b_ + "\nip -n " + ns_a_ + " addr add " + net + "1/30 dev " + link_a_ +
          "\nip -n " + ns_b_ + " addr add " + net + "2/30 dev " + link_b_ + "\nip -n " + ns_a_ +
          " link set " + link_a_ + " up\nip -n " + ns_b_ + " link set " + link_b_ + " up\n",
      20, &status);
  ok_ = status == 0;
}

NetnsPair::~NetnsPair() {
  int status = 0;
  for (const std::string& ns : created_) run_command("ip netns del " + ns, 10, &status);
}

std::string NetnsPair::in_a(const std::string& command, int timeout_s, int* status) const {
  return run_command("ip netns exec " + ns_a_ + " sh -c " + quote(command), timeout_s, status);
}

std::string NetnsPair::in_b(const std::string& command, int timeout_s, int* status) const {
  return run_command("ip netns exec " + ns_b_ + " sh -c " + quote(command), timeout_s, status);
}

}  // namespace percore::test
