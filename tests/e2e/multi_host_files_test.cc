// The multi-host launcher's usage errors, and the Kubernetes manifest's syntax and the
// invariants the docs promise (completion index -> segment, N in step with the completions).
#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace percore::test {
namespace {

const std::string kScript = PERCORE_SOURCE_DIR "/scripts/multi-host.sh";

TEST(MultiHostScript, BadUsageIsOneLineAndExitCode2) {
  const std::pair<std::string, std::string> cases[] = {
      {"-- client http http://198.18.0.1/", "--hosts is required"},
      {"--hosts a,b", "expected '-- CLIENT http|echo"},
      {"--hosts a,b -- client sweep x", "must be http, echo or udp"},
      {"--hosts a,a -- client http x", "names a twice"},
      {"--hosts a -- client http --segment 1/2 x", "--segment is set by multi-host.sh"},
      {"--hosts a --lead soon -- client http x", "--lead 'soon'"},
      {"--hosts a --bogus -- client http x", "unknown option '--bogus'"},
  };
  for (const auto& [args, expected] : cases) {
    int status = 0;
    std::string out = run_command(kScript + " " + args, 10, &status);
    EXPECT_EQ(status, 2) << args << ": " << out;
    EXPECT_NE(out.find(expected), std::string::npos) << args << ": " << out;
  }
  int status = 0;
  std::string help = run_command(kScript + " --help", 10, &status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(help.find("--ssh-config FILE"), std::string::npos) << help;
}

TEST(MultiHostKubernetes, IndexedJobParsesAndMapsTheIndexToTheSegment) {
  int status = 0;
  run_command("python3 -c 'import yaml'", 10, &status);
  if (status != 0) GTEST_SKIP() << "needs python3 with PyYAML (Debian python3-yaml)";
  const std::string check =
      "import yaml\n"
      "docs = list(yaml.safe_load_all(open('" PERCORE_SOURCE_DIR
      "/conf/k8s/percore-load-job.yaml')))\n"
      "load = [d for d in docs if d['metadata']['name'] == 'percore-load'][0]\n"
      "spec = load['spec']\n"
      "assert spec['completionMode'] == 'Indexed'\n"
      "c = spec['template']['spec']['containers'][0]\n"
      "env = {e['name']: e['value'] for e in c['env']}\n"
      "assert spec['completions'] == spec['parallelism'] == int(env['SEGMENTS'])\n"
      "cmd = ' '.join(c['args'])\n"
      "assert 'JOB_COMPLETION_INDEX + 1' in cmd and '--segment \"$i/$SEGMENTS\"' in cmd\n"
      "assert '--start-at \"$START_AT\"' in cmd and '--json' in cmd\n"
      "print('ok', len(docs))\n";
  std::string out = run_command("python3 -c \"$(cat <<'PY'\n" + check + "PY\n)\"", 20, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("ok 3"), std::string::npos) << out;
}

}  // namespace
}  // namespace percore::test
