// Two network namespaces joined by one veth pair with several queues, for tests of the tuning
// scripts and the doctor: "a" holds <prefix>a (198.18.<subnet>.1/30), "b" holds <prefix>b
// (.2/30). Both namespaces, and with them the veths, are deleted on destruction.
#pragma once

#include <string>
#include <vector>

namespace percore::test {

class NetnsPair {
 public:
  explicit NetnsPair(int queues, int subnet = 0);
  ~NetnsPair();
  NetnsPair(const NetnsPair&) = delete;
  NetnsPair& operator=(const NetnsPair&) = delete;

  // False when namespaces cannot be created here (no CAP_NET_ADMIN); error() says why.
  bool created() const { return !created_.empty(); }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  const std::string& ns_a() const { return ns_a_; }
  const std::string& ns_b() const { return ns_b_; }
  const std::string& link_a() const { return link_a_; }
  std::string address_b() const { return "198.18." + std::to_string(subnet_) + ".2"; }

  // Runs a shell command inside namespace "a" (or "b"); see run_command.
  std::string in_a(const std::string& command, int timeout_s, int* status) const;
  std::string in_b(const std::string& command, int timeout_s, int* status) const;

 private:
  std::string ns_a_, ns_b_, link_a_, link_b_, error_;
  std::vector<std::string> created_;
  int subnet_ = 0;
  bool ok_ = false;
};

}  // namespace percore::test
