#!/usr/bin/env bash
# Drives a target with several ApacheBench processes at once, as Fastsocket drove its demo: one
# ab per core, each pinned with taskset, so that the load generator is not the single-threaded
# bottleneck ab alone would be. Prints one summed report; each instance's own output is kept.
#
#   scripts/ab-swarm.sh -n N -c C [-i INSTANCES] [-k] [--start-core K] [-o DIR] URL
#
# -n and -c are per instance (as in Fastsocket's loop of `ab -n N -c C`), so the swarm sends
# INSTANCES*N requests over INSTANCES*C connections. Exit 0 when every instance completed all its
# requests without a failure, 1 when an instance failed or reported failed requests, 2 on a usage
# error. A URL without a path (http://host:port) gets the "/" ab needs; an instance that fails
# is reported with ab's first error line.
set -euo pipefail

die_usage() {
  echo "ab-swarm: $1" >&2
  exit 2
}
# wants_value OPTION ARGS...: an option that takes a value must have one.
wants_value() { [ $# -ge 3 ] || die_usage "$1 wants a value (see --help)"; }
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

# shellcheck source=scripts/lib/cpumask.sh
source "$(dirname "$0")/lib/cpumask.sh"
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"

requests="" conns="" instances="" keepalive=0 start_core=0 outdir="" url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) wants_value "$1" "$@"; requests=$2; shift 2 ;;
    -c) wants_value "$1" "$@"; conns=$2; shift 2 ;;
    -i) wants_value "$1" "$@"; instances=$2; shift 2 ;;
    -k) keepalive=1; shift ;;
    --start-core) wants_value "$1" "$@"; start_core=$2; shift 2 ;;
    -o) wants_value "$1" "$@"; outdir=$2; shift 2 ;;
    -h | --help) print_usage "$0"; exit 0 ;;
    -*) die_usage "unknown option $1 (see --help)" ;;
    *) [ -z "$url" ] || die_usage "more than one URL"; url=$1; shift ;;
  esac
done
[ -n "$url" ] || die_usage "URL is missing, e.g. http://127.0.0.1:8080/ (see --help)"
is_count "${requests:-x}" || die_usage "-n wants a positive request count per instance"
is_count "${conns:-x}" || die_usage "-c wants a positive concurrency per instance"
[ "$conns" -le "$requests" ] || die_usage "-c ($conns) cannot exceed -n ($requests): ab refuses"
[[ $start_core =~ ^[0-9]+$ ]] || die_usage "--start-core wants a CPU number"
# ab needs a path: http://host:port means http://host:port/.
if [[ $url =~ ^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+$ ]]; then
  url+=/
  echo "ab-swarm: using $url (ab needs a path)" >&2
fi
command -v ab >/dev/null || { echo "ab-swarm: ab not found (apt-get install apache2-utils)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "ab-swarm: taskset not found (util-linux)" >&2; exit 1; }

# The CPUs this process may run on, in order; instance i runs on the (start+i)-th of them.
mapfile -t cpus < <(expand_cpu_list "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)")
[ -n "$instances" ] || instances=${#cpus[@]}
is_count "$instances" || die_usage "-i wants a positive instance count"

if [ -z "$outdir" ]; then outdir=$(mktemp -d /tmp/ab-swarm.XXXXXX); fi
mkdir -p "$outdir"

ab_args=(-n "$requests" -c "$conns")
[ $keepalive -eq 1 ] && ab_args+=(-k)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup INT TERM
for ((i = 0; i < instances; i++)); do
  cpu=${cpus[$(((start_core + i) % ${#cpus[@]}))]}
  echo "$cpu" >"$outdir/instance-$i.cpu"
  taskset -c "$cpu" ab "${ab_args[@]}" "$url" >"$outdir/instance-$i.txt" 2>"$outdir/instance-$i.err" &
  pids+=($!)
done
codes=()
for p in "${pids[@]}"; do
  if wait "$p"; then codes+=(0); else codes+=($?); fi
done
trap - INT TERM

# field FILE LABEL: the first number after "LABEL:" in an ab report, empty when absent.
field() { awk -F: -v label="$2" '$1 == label { split($2, v, " "); print v[1]; exit }' "$1"; }
# percentile FILE P: ab's "  P%   MS" line of the served-within table.
percentile() { awk -v p="$2%" '$1 == p { print $2; exit }' "$1"; }

total_complete=0 total_failed=0 total_non2xx=0 total_rps=0 bad=0 slowest=-1 slowest_time=0
printf '%-9s %-4s %10s %8s %8s %12s %9s\n' instance cpu complete failed non-2xx req/s seconds
for ((i = 0; i < instances; i++)); do
  f="$outdir/instance-$i.txt"
  complete=$(field "$f" "Complete requests")
  if [ "${codes[$i]}" -ne 0 ] || [ -z "$complete" ]; then
    bad=$((bad + 1))
    # ab's own error comes first ("ab: invalid URL"); its usage text, when it prints one, after.
    printf '%-9s %-4s FAILED (exit %s): %s\n' "$i" "$(cat "$outdir/instance-$i.cpu")" "${codes[$i]}" \
      "$(grep -v '^$' "$outdir/instance-$i.err" | head -1)"
    continue
  fi
  failed=$(field "$f" "Failed requests")
  non2xx=$(field "$f" "Non-2xx responses")
  non2xx=${non2xx:-0}
  rps=$(field "$f" "Requests per second")
  secs=$(field "$f" "Time taken for tests")
  printf '%-9s %-4s %10s %8s %8s %12s %9s\n' "$i" "$(cat "$outdir/instance-$i.cpu")" "$complete" \
    "$failed" "$non2xx" "$rps" "$secs"
  total_complete=$((total_complete + complete))
  total_failed=$((total_failed + failed))
  total_non2xx=$((total_non2xx + non2xx))
  [ "$failed" -eq 0 ] && [ "$complete" -eq "$requests" ] || bad=$((bad + 1))
  total_rps=$(awk -v a="$total_rps" -v b="$rps" 'BEGIN { printf "%.2f", a + b }')
  if awk -v a="$secs" -v b="$slowest_time" 'BEGIN { exit !(a > b) }'; then
    slowest=$i
    slowest_time=$secs
  fi
done

echo
echo "instances:          $instances ($((instances - bad)) clean, $bad failed or with failures)"
echo "complete requests:  $total_complete of $((instances * requests))"
echo "failed requests:    $total_failed"
echo "non-2xx responses:  $total_non2xx"
echo "requests/s total:   $total_rps"
if [ "$slowest" -ge 0 ]; then
  f="$outdir/instance-$slowest.txt"
  line="slowest instance:   $slowest (${slowest_time}s) latency ms:"
  for p in 50 90 99 100; do line+=" p$p=$(percentile "$f" "$p")"; done
  echo "$line"
fi
echo "per-instance output: $outdir"
[ $bad -eq 0 ]
