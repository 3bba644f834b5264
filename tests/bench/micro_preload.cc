// What libpercore_preload.so adds to each intercepted call that is not about a split listener
// (the common case: close() of a connection, epoll_ctl() of a client socket). The "real" call is
// replaced by a stub so only the hook's own work is timed; BM_PreloadBaseline is the stub called
// directly, and the difference is the hook's cost (target < 50 ns).
#include <benchmark/benchmark.h>
#include <sys/epoll.h>

#include "preload/splitter.h"

namespace percore::preload {
namespace {

int stub_close(int fd) {
  benchmark::DoNotOptimize(fd);
  return 0;
}
int stub_epoll_ctl(int, int, int fd, epoll_event*) {
  benchmark::DoNotOptimize(fd);
  return 0;
}
int stub_listen(int fd, int) {
  benchmark::DoNotOptimize(fd);
  return 0;
}

void use_stubs() {
  load_once();
  g_real.close = stub_close;
  g_real.epoll_ctl = stub_epoll_ctl;
  g_real.listen = stub_listen;
}

void BM_PreloadBaseline(benchmark::State& state) {
  use_stubs();
  int (*volatile call)(int) = g_real.close;
  for (auto _ : state) benchmark::DoNotOptimize(call(700));
}
BENCHMARK(BM_PreloadBaseline);

void BM_PreloadCloseHook(benchmark::State& state) {
  use_stubs();
  for (auto _ : state) benchmark::DoNotOptimize(on_close(700));
}
BENCHMARK(BM_PreloadCloseHook);

void BM_PreloadEpollCtlHook(benchmark::State& state) {
  use_stubs();
  epoll_event ev{};
  for (auto _ : state) benchmark::DoNotOptimize(on_epoll_ctl(5, EPOLL_CTL_ADD, 700, &ev));
}
BENCHMARK(BM_PreloadEpollCtlHook);

}  // namespace
}  // namespace percore::preload
