// Micro-benchmarks of the pieces every request goes through, to catch a regression in one of
// them before it hides in an end-to-end figure.
#include <benchmark/benchmark.h>
#include <http_parser.h>

#include "core/http/response_cache.h"
#include "core/io/send_queue.h"
#include "core/util/deadline_list.h"
#include "core/util/slab.h"

namespace percore {
namespace {

void BM_ParseWrkRequest(benchmark::State& state) {
  static const char kRequest[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  for (auto _ : state) {
    size_t n = http_parser_execute(&parser, &settings, kRequest, sizeof(kRequest) - 1);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseWrkRequest);

void BM_QueueAndSendOneResponse(benchmark::State& state) {
  http::ResponseCache cache(-1);
  io::SendQueue q;
  for (auto _ : state) {
    q.append_copy(cache.head(http::Reply::kOk));
    q.append_copy(cache.body(http::Reply::kOk));
    int n = 0;
    benchmark::DoNotOptimize(q.start_send(&n));
    q.finish_send();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueueAndSendOneResponse);

void BM_RearmIdleTimer(benchmark::State& state) {
  util::DeadlineList list(1000);
  std::vector<util::DeadlineLink> links(1024);
  int64_t now = 0;
  for (auto& l : links) list.arm(&l, now);
  size_t i = 0;
  for (auto _ : state) {
    list.arm(&links[i++ & 1023], ++now);
  }
}
BENCHMARK(BM_RearmIdleTimer);

struct Item : util::SlabEntry {};

void BM_SlabLookup(benchmark::State& state) {
  util::Slab<Item> slab;
  std::vector<uint64_t> tokens;
  for (int i = 0; i < 4096; ++i) tokens.push_back(util::Slab<Item>::token(slab.acquire()));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(slab.lookup(tokens[i++ & 4095]));
}
BENCHMARK(BM_SlabLookup);

}  // namespace
}  // namespace percore
