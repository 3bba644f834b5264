// Every script in scripts/ answers --help with its whole header comment (no line of code, no line
// missing) and exit 0, and an unknown option with one line and exit 2, before it does anything.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/support/process.h"

namespace percore::test {
namespace {

const std::string kScripts = std::string(PERCORE_SOURCE_DIR) + "/scripts/";

std::vector<std::string> scripts() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(kScripts)) {
    if (e.is_regular_file() && e.path().extension() == ".sh") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The leading comment block after the shebang, "# " stripped, shellcheck directives left out.
std::string header_of(const std::string& path) {
  std::ifstream in(path);
  std::string line, out;
  bool first = true;
  while (std::getline(in, line)) {
    if (first && line.rfind("#!", 0) == 0) {
      first = false;
      continue;
    }
    first = false;
    if (line.empty() || line[0] != '#') break;
    std::string text = line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1);
    if (text.rfind("shellcheck ", 0) == 0) continue;
    out += text + "\n";
  }
  return out;
}

TEST(ScriptsUsage, HelpPrintsTheWholeHeaderAndBadOptionsAreOneLineExit2) {
  const auto all = scripts();
  ASSERT_GE(all.size(), 10u);
  for (const std::string& script : all) {
    SCOPED_TRACE(script);
    std::string header = header_of(script);
    ASSERT_GE(std::count(header.begin(), header.end(), '\n'), 2) << "no header to print";
    int status = -1;
    // A script that ignored --help would start its work: the timeout bounds that regression.
    std::string help = run_command(script + " --help", 10, &status);
    EXPECT_EQ(status, 0) << help;
    EXPECT_EQ(help, header);
    EXPECT_EQ(help.find("set -euo"), std::string::npos) << help;
    EXPECT_EQ(run_command(script + " -h", 10, &status), header);
    std::string bad = run_command(script + " --no-such-option", 10, &status);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_EQ(std::count(bad.begin(), bad.end(), '\n'), 1) << bad;
    EXPECT_NE(bad.find("--no-such-option"), std::string::npos) << bad;
  }
}

TEST(ScriptsUsage, MissingArgumentsAreNamed) {
  const std::pair<std::string, std::string> cases[] = {
      {"nic-rss.sh", "nic-rss: IFACE is missing"},
      {"nic-rss.sh lo -w", "nic-rss: -w wants a value"},
      {"ab-swarm.sh -n 10 -c 1", "ab-swarm: URL is missing"},
      {"ab-swarm.sh -n", "ab-swarm: -n wants a value"},
      {"http-parser-src.sh", "http-parser-src: DIR is missing"},
      {"soak.sh 10", "soak: takes no arguments"},
      {"bench-client.sh 3 x", "bench-client: x is not a positive number"},
      {"bench.sh nosuchsection", "bench: unknown section nosuchsection"},
      {"deps.sh nosuchextra", "deps: unknown extra 'nosuchextra'"},
  };
  for (const auto& [args, expected] : cases) {
    int status = -1;
    std::string out = run_command(kScripts + args, 10, &status);
    EXPECT_EQ(status, 2) << args << ": " << out;
    EXPECT_EQ(out.rfind(expected, 0), 0u) << args << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << args << ": " << out;
  }
}

}  // namespace
}  // namespace percore::test
