// The client runner shared by the client e2e tests.
#include "tests/support/client_run.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace percore::test {

ClientRun run_client_mode(const std::string& mode, const std::string& args, int timeout_s) {
  char tmpl[] = "/tmp/percore-client-json-XXXXXX";
  int fd = mkstemp(tmpl);
  close(fd);
  std::string path = tmpl;
  ClientRun run;
  run.output =
      run_command(std::string(PERCORE_CLIENT_BIN) + " " + mode + " -q --json " + path + " " + args,
                  timeout_s, &run.status);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!ss.str().empty()) run.json = nlohmann::json::parse(ss.str(), nullptr, false);
  unlink(path.c_str());
  return run;
}

void expect_intervals_add_up(const std::map<size_t, uint64_t>& summed,
                             const stats::Histogram& whole) {
  size_t occupied = 0;
  for (size_t i = 0; i < whole.bucket_slots(); ++i) {
    if (whole.count_at_index(i) == 0) continue;
    ++occupied;
    auto it = summed.find(i);
    ASSERT_EQ(it == summed.end() ? 0 : it->second, whole.count_at_index(i)) << "slot " << i;
  }
  EXPECT_EQ(summed.size(), occupied);
}

}  // namespace percore::test
