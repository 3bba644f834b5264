// Helpers shared by the proxy end-to-end tests: starting `server` as a proxy or as a plain HTTP
// backend on a chosen port, and reading per-backend metrics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/server_process.h"

namespace percore::test {

// `server` in proxy mode: -x for each backend, then `extra`.
ServerProcess start_proxy(const std::string& io, const std::vector<std::string>& backends,
                          std::vector<std::string> extra);

// `server` in HTTP mode on 127.0.0.1:port (one worker, keep-alive), for use as a backend.
std::unique_ptr<Process> start_http_backend(int port, const std::vector<std::string>& extra = {});

// The sum over workers of a per-backend series, e.g.
// backend_metric(text, "percore_backend_requests_total", "127.0.0.1:8080"); -1 if missing.
long long backend_metric(const std::string& metrics_text, const std::string& name,
                         const std::string& backend);

// Resident-set high-water mark of the server's workers in KiB (0 when unknown).
long worker_peak_rss_kib(const Process& master);

}  // namespace percore::test
