#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build directory (the main g++ build is
# untouched) and runs each for FUZZ_SECONDS (default 60), starting from the checked-in seeds.
# New inputs go to a scratch corpus; a crash leaves its reproducer in build-fuzz/findings/ and
# fails the run. Prints executions and coverage per target (docs/reliability.md quotes them).
#   FUZZ_SECONDS=10 scripts/fuzz.sh              # every target
#   FUZZ_SECONDS=600 scripts/fuzz.sh proxy_request
#   FUZZ_SECONDS=0 scripts/fuzz.sh               # only builds (CI builds while other steps run)
set -euo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
check_plain_args fuzz "$0" 1000 "$@"
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(server_request proxy_request proxy_response client_response url flags tls_server)

scripts/deps.sh fuzz
if [ ! -f "$build/CMakeCache.txt" ]; then
  CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERCORE_FUZZ=ON \
    -DPERCORE_TESTS=OFF -DPERCORE_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}" >/dev/null
[ "$seconds" = 0 ] && exit 0

mkdir -p "$build/findings"
status=0
printf '%-16s %10s %8s %8s %s\n' target execs cov ft result
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work"
  log="$build/fuzz-$t.log"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds a runaway allocation.
  if "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$build/findings/$t-" "$work" "tests/fuzz/corpus/$t" \
    >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-16s %10s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit $status
