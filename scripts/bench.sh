#!/usr/bin/env bash
# `make bench`: every benchmark section in one run. Each section interleaves percore with its peer
# (nginx, HAProxy, wrk, ab ...) and prints medians and ratios from this one invocation: on a
# machine whose speed swings, only figures taken side by side compare.
#
#   scripts/bench.sh [section...]      sections: micro server proxy client echo uring programmable udp preload
#                                      (default: all of those); tw-reuse (root) on request
set -euo pipefail
cd "$(dirname "$0")/.."
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(micro server proxy client echo uring programmable udp preload)
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
    *)
      if [ -x "scripts/bench-$s.sh" ]; then
        "scripts/bench-$s.sh"
      else
        echo "(section $s: scripts/bench-$s.sh not present in this build)"
      fi
      ;;
  esac
  echo
done
