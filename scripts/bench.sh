#!/usr/bin/env bash
# `make bench`: every benchmark section in one run. Each section interleaves percore with its peer
# (nginx, HAProxy, wrk, ab ...) and prints medians and ratios from this one invocation: on a
# machine whose speed swings, only figures taken side by side compare.
#
#   scripts/bench.sh [section...]      sections: micro server proxy client echo uring programmable udp preload
#                                      (default: all of those); tw-reuse (root) on request
set -euo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
check_plain_args bench "$0" 1000 "$@"
cd "$(dirname "$0")/.."
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(micro server proxy client echo uring programmable udp preload)
for s in "${sections[@]}"; do
  [ "$s" = micro ] || [ -x "scripts/bench-$s.sh" ] ||
    { echo "bench: unknown section $s (see --help)" >&2; exit 2; }
done
echo "# percore benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r)"
echo
for s in "${sections[@]}"; do
  case "$s" in
    micro)
      echo "## Micro-benchmarks (hot-path pieces)"
      echo '```'
      build/micro_bench --benchmark_min_time=0.2 2>&1 | grep -E '^(BM_|Benchmark|-)'
      echo '```'
      ;;
    *) "scripts/bench-$s.sh" ;;
  esac
  echo
done
