// `server doctor` runs on this machine, exits 0 whatever it finds, and its JSON parses and lists
// every item the issue names, each with a value and an advice.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/doctor_check_names.h"
#include "tests/support/process.h"

namespace percore::test {
namespace {

const std::vector<std::string>& kItems = doctor_check_names();

std::string doctor(const std::string& args, int* status) {
  // stderr goes away so that the JSON on stdout parses on its own.
  return run_command(std::string(PERCORE_SERVER_BIN) + " " + args + " 2>/dev/null", 60, status);
}

nlohmann::json item(const nlohmann::json& doc, const std::string& name) {
  for (const auto& c : doc["checks"]) {
    if (c["name"] == name) return c;
  }
  return {};
}

TEST(ServerDoctor, JsonListsEveryItem) {
  int status = -1;
  std::string out = doctor("doctor --json", &status);
  ASSERT_EQ(status, 0) << out;
  nlohmann::json doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
  ASSERT_EQ(doc["checks"].size(), kItems.size()) << out;
  for (size_t i = 0; i < kItems.size(); ++i) {
    const auto& c = doc["checks"][i];
    EXPECT_EQ(c["name"], kItems[i]);
    std::string verdict = c["status"];
    EXPECT_TRUE(verdict == "ok" || verdict == "tune" || verdict == "missing" ||
                verdict == "unknown")
        << verdict;
    EXPECT_FALSE(c["value"].get<std::string>().empty()) << kItems[i];
    EXPECT_FALSE(c["advice"].get<std::string>().empty()) << kItems[i];
  }
  // Facts this test can check independently of the doctor.
  int st = 0;
  std::string release = run_command("uname -r", 5, &st);
  release.erase(release.find_last_not_of('\n') + 1);
  EXPECT_EQ(item(doc, "kernel")["value"], release);
  std::string somaxconn = run_command("cat /proc/sys/net/core/somaxconn", 5, &st);
  EXPECT_EQ(item(doc, "somaxconn")["value"], somaxconn.substr(0, somaxconn.find('\n')));
  EXPECT_EQ(item(doc, "so_reuseport")["status"], "ok");  // percore's own tests depend on it
}

TEST(ServerDoctor, TextHasOneLinePerItemBothSpellings) {
  for (const char* spelling : {"doctor", "--doctor"}) {
    int status = -1;
    std::string out = doctor(spelling, &status);
    ASSERT_EQ(status, 0) << out;
    size_t lines = std::count(out.begin(), out.end(), '\n');
    EXPECT_EQ(lines, kItems.size()) << out;
    for (const std::string& name : kItems) {
      EXPECT_NE(out.find(" " + name + " "), std::string::npos) << name << "\n" << out;
    }
  }
}

TEST(ServerDoctor, ForLoopbackNamesLo) {
  int status = -1;
  std::string out = doctor("doctor --json --for 127.0.0.1", &status);
  ASSERT_EQ(status, 0) << out;
  nlohmann::json nic = item(nlohmann::json::parse(out), "nic_queues");
  EXPECT_EQ(nic["value"].get<std::string>().rfind("lo rx=", 0), 0u) << nic.dump();
  EXPECT_NE(nic["advice"].get<std::string>().find("routes 127.0.0.1"), std::string::npos);
}

TEST(ServerDoctor, BadAddressIsReportedAndStillExitsZero) {
  int status = -1;
  std::string out = doctor("--doctor --json --for not-an-ip", &status);
  ASSERT_EQ(status, 0) << out;
  nlohmann::json nic = item(nlohmann::json::parse(out), "nic_queues");
  EXPECT_EQ(nic["status"], "unknown");
  EXPECT_NE(nic["advice"].get<std::string>().find("not an IPv4 or IPv6 address"),
            std::string::npos);
}

TEST(ServerDoctor, UnknownFlagIsAUsageError) {
  int status = -1;
  std::string out = run_command(std::string(PERCORE_SERVER_BIN) + " doctor --bogus", 10, &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("server doctor:"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

}  // namespace
}  // namespace percore::test
