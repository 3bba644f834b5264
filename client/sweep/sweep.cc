// The sweep loop, its CSV, and the gnuplot call. Each step is a complete `client echo` run
// through run_load, so a step measures exactly what `client echo -c N` would.
#include "client/sweep/sweep.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "client/result/report_json.h"
#include "client/result/report_text.h"
#include "client/run/runner.h"

extern char** environ;

namespace percore::client {
namespace {

bool file_exists(const std::string& path) {
  return access(path.c_str(), R_OK) == 0;
}

// The plot script: --plot-script, else scripts/plot-sweep.gp beside the build directory that
// holds this binary, else in the source tree it was built from.
std::string find_plot_script(const std::string& flag) {
  if (!flag.empty()) return flag;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    std::string candidate = dir + "/../scripts/plot-sweep.gp";
    if (file_exists(candidate)) return candidate;
  }
#ifdef PERCORE_SOURCE_DIR
  std::string source = std::string(PERCORE_SOURCE_DIR) + "/scripts/plot-sweep.gp";
  if (file_exists(source)) return source;
#endif
  return "scripts/plot-sweep.gp";
}

// gnuplot string literals are single-quoted; a quote inside one is doubled.
std::string gp_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Runs gnuplot; returns its exit status, or -1 when it could not be started (not installed).
int render_png(const std::string& script, const std::string& csv, const std::string& png,
               const std::string& title) {
  std::string vars = fmt::format("csvfile={}; pngfile={}; plottitle={}", gp_quote(csv),
                                 gp_quote(png), gp_quote(title));
  std::vector<std::string> args = {"gnuplot", "-e", vars, script};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

std::vector<int> sweep_steps(int max_connections) {
  std::vector<int> steps;
  for (int c = 1; c < max_connections; c *= 2) steps.push_back(c);
  steps.push_back(max_connections);
  return steps;
}

SweepRow sweep_row(const RunResult& r) {
  const stats::Histogram& h = r.latency();
  return SweepRow{r.connections, r.rps, static_cast<double>(h.value_at_percentile(50)) / 1e3,
                  static_cast<double>(h.value_at_percentile(99)) / 1e3, r.stats.error_total()};
}

std::string sweep_csv(const std::vector<SweepRow>& rows) {
  std::string out = "connections,rate,p50_us,p99_us,errors\n";
  for (const SweepRow& r : rows) {
    out += fmt::format("{},{:.1f},{:.2f},{:.2f},{}\n", r.connections, r.rate, r.p50_us, r.p99_us,
                       r.errors);
  }
  return out;
}

int run_sweep(const Options& options, const std::atomic<bool>* stop) {
  std::vector<SweepRow> rows;
  std::string json = "[\n";
  bool crossed = false;
  std::string backend;
  // --json -: stdout carries only the JSON, so that it can be piped into a JSON reader.
  std::FILE* text_out = options.json_path == "-" ? stderr : stdout;
  for (int c : sweep_steps(options.sweep.max_connections)) {
    if (stop->load()) break;
    Options step = options;
    step.command = Command::kEcho;
    step.connections = c;
    step.threads = std::min(options.threads, c);
    step.quiet = true;  // one line per step instead of one per second
    RunResult result;
    std::string error;
    if (!run_load(step, stop, &result, &error)) {
      fmt::print(stderr, "client: {}\n", error);
      return 1;
    }
    for (const std::string& w : result.warnings) fmt::print(stderr, "client: WARNING: {}\n", w);
    backend = result.backend;
    rows.push_back(sweep_row(result));
    const SweepRow& row = rows.back();
    fmt::print(text_out, "connections {:>6}  {:>10.0f} msg/s  p50 {:>8}  p99 {:>8}  errors {}\n", c,
               row.rate, format_latency(static_cast<int64_t>(row.p50_us * 1e3)),
               format_latency(static_cast<int64_t>(row.p99_us * 1e3)), row.errors);
    std::fflush(text_out);
    json += (rows.size() > 1 ? ",\n" : "") + render_json(result);
    for (const std::string& line : crossed_thresholds(result, options.fail_if)) {
      fmt::print(stderr, "client: connections {}: {}\n", c, line);
      crossed = true;
    }
  }
  json += "]\n";
  if (!options.json_path.empty()) {
    if (options.json_path == "-") {
      fmt::print("{}", json);
    } else if (!write_file(options.json_path, json)) {
      fmt::print(stderr, "client: cannot write --json {}\n", options.json_path);
      return 1;
    }
  }
  std::string csv = sweep_csv(rows);
  std::string csv_path = options.sweep.csv_path;
  if (csv_path.empty() && !options.sweep.png_path.empty()) {
    csv_path = options.sweep.png_path + ".csv";  // gnuplot reads the data from a file
  }
  if (!csv_path.empty() && !write_file(csv_path, csv)) {
    fmt::print(stderr, "client: cannot write --csv {}\n", csv_path);
    return 1;
  }
  if (csv_path.empty()) fmt::print(text_out, "{}", csv);
  if (!options.sweep.png_path.empty()) {
    std::string title = fmt::format("echo {} {} B, {}, {}",
                                    options.echo.pattern == EchoPattern::kStream ? "stream" : "rr",
                                    options.echo.payload, options.url_text, backend);
    int rc = render_png(find_plot_script(options.sweep.plot_script), csv_path,
                        options.sweep.png_path, title);
    if (rc == -1) {
      fmt::print(stderr, "client: gnuplot is not installed: no --png (the CSV is in {})\n",
                 csv_path);
    } else if (rc != 0) {
      fmt::print(stderr, "client: gnuplot failed (exit {}): no --png\n", rc);
      return 1;
    }
  }
  return crossed ? 3 : 0;
}

}  // namespace percore::client
