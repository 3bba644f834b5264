#!/usr/bin/env bash
# Listener steering benchmark: accept balance (per-worker accepted connections, max/min) and
# connections/s with `Connection: close`, for nginx as Debian ships it (one shared listener,
# EPOLLEXCLUSIVE), nginx with `reuseport`, the same stock nginx under libpercore_preload.so
# (hash and cpu steering), and percore's four --listen-mode choices. Then keep-alive req/s for
# stock nginx with and without the library. Every configuration starts fresh for each run; runs
# are interleaved (A B C ... A B C ...) and medians and ratios come from this one invocation.
# Finally the cost of an intercepted call, from the micro-benchmark.
#
#   scripts/bench-preload.sh       # BENCH_RUNS=3 BENCH_SECONDS=3 BENCH_WORKERS=$(nproc)
#   SERVER_CPUS=0-15 LOAD_CPUS=16-31 BENCH_WORKERS=16 scripts/bench-preload.sh   # larger host
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-preload "$0" 0 "$@"

bench_grid 3 3 16
WORKERS=${BENCH_WORKERS:-$(nproc)}
SERVER_CPUS=${SERVER_CPUS:-0-$(($(nproc) - 1))}
LOAD_CPUS=${LOAD_CPUS:-0-$(($(nproc) - 1))}
LIB=build/libpercore_preload.so
[ -r "$LIB" ] || { echo "build first: $LIB missing" >&2; exit 1; }
bench_workdir preload

# nginx_conf NAME LISTEN_EXTRA -> config path; access log of "$pid" lines counts accepts per
# worker (one request per connection with Connection: close).
nginx_conf() {
  local dir="$work/$1"
  mkdir -p "$dir"
  chmod 777 "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes $WORKERS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  log_format pidonly '\$pid';
  access_log $dir/access.log pidonly;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:PORT$2 backlog=4096;
    location / { return 200 "hello\n"; }
  }
}
CONF
  echo "$dir/nginx.conf"
}

# A port below the ephemeral range that no socket uses in any state: wrk's closed connections
# leave TIME_WAIT sockets on ephemeral ports, where nginx's bind() would then fail.
bench_port() { pick_port -Htan 20000-32000; }

configs=(nginx-default nginx-reuseport nginx-preload nginx-preload-cpu
  percore-reuseport percore-cpu percore-shared percore-shared-exclusive)

# start CONFIG PORT -> sets SRV_PID and SRV_DIR
start() {
  local c=$1 port=$2 conf
  SRV_DIR="$work/$c"
  case "$c" in
    nginx-*)
      [ "$c" = nginx-reuseport ] && conf=$(nginx_conf "$c" " reuseport") || conf=$(nginx_conf "$c" "")
      sed -i "s/PORT/$port/" "$conf"
      : >"$SRV_DIR/access.log"
      local pre=()
      case "$c" in
        nginx-preload) pre=(build/server preload --log "$SRV_DIR/preload.log" --) ;;
        nginx-preload-cpu) pre=(build/server preload --steer cpu --log "$SRV_DIR/preload.log" --) ;;
      esac
      taskset -c "$SERVER_CPUS" "${pre[@]}" nginx -p "$SRV_DIR" -c "$conf" -g 'daemon off;' \
        2>"$SRV_DIR/stderr" &
      ;;
    percore-*)
      mkdir -p "$SRV_DIR"
      SRV_METRICS=$(bench_port)
      taskset -c "$SERVER_CPUS" build/server -w "$WORKERS" -a "127.0.0.1:$port" \
        --listen-mode "${c#percore-}" --metrics "127.0.0.1:$SRV_METRICS" \
        -o "$SRV_DIR/server.log" >"$SRV_DIR/stdout" 2>&1 &
      ;;
  esac
  SRV_PID=$!
  pids+=("$SRV_PID")
  wait_port "$port"
  sleep 0.3
}

stop() {
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
}

# balance CONFIG -> max/min of per-worker accepted connections in the run just finished
balance() {
  case "$1" in
    nginx-*)
      sort "$SRV_DIR/access.log" | uniq -c | awk -v w="$WORKERS" '
        { n[NR] = $1 } END {
          if (NR < w) { print "inf"; exit }
          lo = n[1]; hi = n[1]
          for (i in n) { if (n[i] < lo) lo = n[i]; if (n[i] > hi) hi = n[i] }
          printf "%.2f", hi / lo }'
      ;;
    percore-*)
      curl -s "http://127.0.0.1:$SRV_METRICS/metrics" |
        awk '/^percore_accept_balance_ratio/ { v = $2 } END { if (v == "+Inf") print "inf"; else printf "%.2f", v }'
      ;;
  esac
}

# wrk_rate PORT close|keepalive -> requests/s
wrk_rate() {
  local hdr=()
  [ "$2" = close ] && hdr=(-H "Connection: close")
  taskset -c "$LOAD_CPUS" wrk -t2 -c"$CONNS" -d"${SECS}s" "${hdr[@]}" "http://127.0.0.1:$1/" |
    awk '/^Requests\/sec/ { print $2 }'
}

declare -A rate bal ka
for run in $(seq 1 "$RUNS"); do
  for c in "${configs[@]}"; do
    port=$(bench_port)
    start "$c" "$port"
    rate[$c]+="$(wrk_rate "$port" close) "
    bal[$c]+="$(balance "$c") "
    stop
  done
  for c in nginx-default nginx-preload; do
    port=$(bench_port)
    start "$c" "$port"
    ka[$c]+="$(wrk_rate "$port" keepalive) "
    stop
  done
done

med() { tr ' ' '\n' | grep -v '^$' | sed 's/^inf$/1e9/' | median | sed 's/^1e+09$/inf/'; }
base=$(echo "${rate[nginx-default]}" | med)
reuse=$(echo "${rate[nginx-reuseport]}" | med)
echo "## Listener steering ($(nproc) CPUs; $WORKERS workers; server CPUs $SERVER_CPUS, wrk CPUs $LOAD_CPUS; $RUNS interleaved runs of ${SECS}s, $CONNS connections, Connection: close)"
echo
echo "| configuration | conn/s (median) | vs nginx default | vs nginx reuseport | accept max/min (median) | runs: max/min |"
echo "|---|---:|---:|---:|---:|---|"
for c in "${configs[@]}"; do
  r=$(echo "${rate[$c]}" | med)
  echo "| $c | $r | $(ratio "$r" "$base") | $(ratio "$r" "$reuse") | $(echo "${bal[$c]}" | med) | ${bal[$c]}|"
done
echo
kd=$(echo "${ka[nginx-default]}" | med)
kp=$(echo "${ka[nginx-preload]}" | med)
echo "Keep-alive req/s (median): nginx default $kd, nginx under the library $kp (ratio $(ratio "$kp" "$kd"))."
echo
echo "Cost of an intercepted call that is not about a split listener (hook minus direct call):"
echo '```'
build/micro_bench --benchmark_filter=Preload --benchmark_min_time=0.2 2>&1 | grep -E '^(BM_|Benchmark|-)'
echo '```'
