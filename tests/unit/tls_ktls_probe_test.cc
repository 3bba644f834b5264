// The kTLS probe and its `server doctor` line.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/tls/ktls_probe.h"
#include "server/doctor/assess.h"

namespace percore::tls {
namespace {

TEST(TlsKtlsProbe, AgreesWithTheKernelsTlsStatistics) {
  std::string reason = ktls_unavailable_reason();
  // The tls module (loaded on demand by TCP_ULP) publishes /proc/net/tls_stat; a kernel without
  // CONFIG_TLS has neither.
  bool kernel_has_tls = std::filesystem::exists("/proc/net/tls_stat");
  EXPECT_EQ(reason.empty(), kernel_has_tls) << reason;
  if (!reason.empty()) {
    EXPECT_EQ(reason.rfind("TCP_ULP", 0), 0u) << reason;
  }
}

const server::doctor::Check* find(const std::vector<server::doctor::Check>& checks,
                                  const std::string& name) {
  for (const auto& c : checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TEST(TlsKtlsProbe, DoctorReportsIt) {
  server::doctor::Facts facts;
  facts.ktls = "TCP_ULP \"tls\": no such upper-layer protocol";
  auto checks = server::doctor::assess(facts);
  const auto* missing = find(checks, "ktls");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->verdict, server::doctor::Verdict::kMissing);
  EXPECT_NE(missing->advice.find("TCP_ULP"), std::string::npos);
  EXPECT_NE(missing->advice.find("docs/tls.md"), std::string::npos);
  facts.ktls = "";
  auto rechecked = server::doctor::assess(facts);
  const auto* present = find(rechecked, "ktls");
  ASSERT_NE(present, nullptr);
  EXPECT_EQ(present->verdict, server::doctor::Verdict::kOk);
}

}  // namespace
}  // namespace percore::tls
