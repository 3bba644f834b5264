// One `client http` worker: LoadWorker's loop and lifecycle with HTTP/1.1 on top: --pipeline
// requests in flight per connection, responses parsed by http-parser, keep-alive, reconnects
// every N requests, and the wait for the server's FIN after a "Connection: close".
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "client/http/http_conn.h"
#include "client/options.h"
#include "client/run/load_worker.h"

namespace percore::client {

class HttpWorker final : public LoadWorker, public ResponseSink {
 public:
  // `requests` holds --pipeline copies of the request, each `request_len` bytes; both outlive
  // the worker.
  HttpWorker(const Options& options, const std::string& requests, size_t request_len,
             WorkerPlan plan, const std::atomic<bool>* stop);

  void on_response(HttpConn& conn, int status, bool keep_alive) override;

 private:
  void make_slots() override;
  void on_new_socket(Slot& slot) override;
  uint32_t room(const Slot& slot) const override;
  void prepare_send(Slot& slot, uint32_t count) override;
  void on_data(Slot& slot, const char* data, size_t len, int64_t now) override;
  void on_eof(Slot& slot, int64_t now) override;

  void after_responses(HttpConn& conn, int64_t now);
  void retire(HttpConn& conn, int64_t now);

  const std::string& requests_;
  size_t request_len_;
  std::vector<HttpConn> conns_;
};

// Builds the request bytes once for the run; the workers it makes share them.
WorkerFactory http_worker_factory(const Options& options);

}  // namespace percore::client
