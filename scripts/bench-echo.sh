#!/usr/bin/env bash
# Echo benchmark: percore `server --mode echo` with --io sockmap (the echo inside the kernel: a
# BPF sk_skb program, no byte in user space), --io epoll and --io uring against the reference
# loop tests/bench/ref_epoll_echo.cc, each one worker on CPU 0, `client echo -t 1` on CPU 1.
# Every cell of the grid (pattern x payload x connections) runs the servers in turn,
# BENCH_RUNS times, and reports medians and ratios; then HTTP keep-alive and 16-deep pipelining
# under wrk against the two percore backends. Prints markdown; renders docs/echo-bench.png.
#
#   scripts/bench-echo.sh     # BENCH_RUNS=3 BENCH_SECONDS=2; BENCH_PAYLOADS, BENCH_CONNS, BENCH_PATTERNS
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-echo "$0" 0 "$@"

bench_echo_grid
PNG=${BENCH_PNG:-docs/echo-bench.png}
bench_workdir echo

start_percore() {  # MODE IO PORT [extra...]
  local mode=$1 io=$2 port=$3
  shift 3
  taskset -c "$SERVER_CPU" build/server --mode "$mode" -w 1 -c "$SERVER_CPU" --io "$io" "$@" \
    -a "127.0.0.1:$port" -o "$work/$mode-$io.log" >"$work/$mode-$io.out" 2>&1 &
  pids+=($!)
  wait_port "$port"
}

declare -A port
for io in epoll uring; do
  port[$io]=$(free_port)
  start_percore echo "$io" "${port[$io]}"
done
# The kernel floor: only where BPF sockmap can be loaded (root or CAP_BPF+CAP_NET_ADMIN).
servers="kernel epoll uring ref"
port[kernel]=$(free_port)
if ! start_percore echo sockmap "${port[kernel]}" 2>/dev/null; then
  echo "(--io sockmap unavailable here: $(head -1 "$work/echo-sockmap.out"); kernel column left empty)"
  servers="epoll uring ref"
fi
port[ref]=$(free_port)
taskset -c "$SERVER_CPU" build/ref_epoll_echo "${port[ref]}" >"$work/ref.out" &
pids+=($!)
wait_port "${port[ref]}"
sleep 0.3

# run_echo WHO PATTERN PAYLOAD CONNS -> "msg_per_s p99_us errors"
run_echo() {
  local json="$work/run.json"
  taskset -c "$LOAD_CPU" build/client echo -q -t 1 --start-core "$LOAD_CPU" --io epoll \
    --pattern "$2" -l "$3" -c "$4" -d "${SECS}s" --warmup 300ms --json "$json" \
    "127.0.0.1:${port[$1]}" >/dev/null 2>"$work/client.err" || true
  if [ -s "$json" ]; then
    jq -r '"\(.rps) \(.latency_us.p99) \(.errors.total)"' "$json"
  else
    echo "0 0 1"
  fi
  rm -f "$json"
}

echo "## Echo server: in the kernel (sockmap) vs epoll vs io_uring vs a minimal epoll loop ($RUNS interleaved runs of ${SECS}s, server on CPU $SERVER_CPU, \`client echo -t 1\` on CPU $LOAD_CPU)"
echo
echo "rr: round trips/s (one message in flight per connection); stream: echoed messages/s with a"
echo "64 KiB window per connection. Medians; p99 is the median of the runs' p99 round-trip (rr)"
echo "or send-to-echo (stream) latency. kernel: \`--io sockmap\`, the bytes never reach user space."
echo
echo "| pattern | payload | conns | kernel msg/s | epoll msg/s | uring msg/s | ref msg/s | uring/epoll | epoll/ref | epoll/kernel | kernel p99 | epoll p99 | uring p99 | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
: >"$work/plot.dat"
for pattern in $PATTERNS; do
  for payload in $PAYLOADS; do
    for c in $CONNS; do
      for who in kernel epoll uring ref; do : >"$work/$who.rate"; : >"$work/$who.p99"; done
      errors=0
      for i in $(seq 1 "$RUNS"); do
        # Rotate the order so no server always runs first (or right after the same one).
        read -ra list <<<"$servers"
        k=$((i % ${#list[@]}))
        order="${list[*]:k} ${list[*]:0:k}"
        for who in $order; do
          read -r rate p99 err <<<"$(run_echo "$who" "$pattern" "$payload" "$c")"
          echo "$rate" >>"$work/$who.rate"
          echo "$p99" >>"$work/$who.p99"
          errors=$((errors + ${err%.*}))
        done
      done
      e=$(median <"$work/epoll.rate"); u=$(median <"$work/uring.rate"); r=$(median <"$work/ref.rate")
      ep99=$(median <"$work/epoll.p99"); up99=$(median <"$work/uring.p99")
      if [ -s "$work/kernel.rate" ]; then
        kr=$(median <"$work/kernel.rate"); kp99=$(median <"$work/kernel.p99")
        kcol=$(printf %.0f "$kr"); kp99col=$(printf %.0fus "$kp99"); ek=$(ratio "$e" "$kr")
      else
        kr="?"; kcol="n/a"; kp99col="n/a"; ek="n/a"
      fi
      printf "| %s | %s | %s | %s | %.0f | %.0f | %.0f | %s | %s | %s | %s | %.0fus | %.0fus | %s |\n" \
        "$pattern" "$payload" "$c" "$kcol" "$e" "$u" "$r" "$(ratio "$u" "$e")" "$(ratio "$e" "$r")" \
        "$ek" "$kp99col" "$ep99" "$up99" "$errors"
      echo "$pattern/$payload/$c $kr $e $u $r" >>"$work/plot.dat"
    done
  done
done
echo
if command -v gnuplot >/dev/null; then
  gnuplot -e "datafile='$work/plot.dat'; pngfile='$PNG'" scripts/plot-echo-bench.gp &&
    echo "Plot: \`$PNG\` (msg/s per cell, log scale: kernel, epoll, io_uring, minimal loop)."
  echo
fi

# HTTP: the same worker on the two backends under wrk.
declare -A hport
for io in epoll uring; do
  hport[$io]=$(free_port)
  start_percore http "$io" "${hport[$io]}" -k
done
sleep 0.3
run_wrk() {  # IO LOAD -> rps
  local extra=()
  [ "$2" = pipeline16 ] && extra=(-s scripts/wrk/pipeline.lua)
  taskset -c "$LOAD_CPU" wrk -t1 -c100 -d"${SECS}s" "${extra[@]}" "http://127.0.0.1:${hport[$1]}/" |
    awk '/Requests\/sec/ {print $2}'
}
echo "## HTTP server: epoll vs io_uring ($RUNS interleaved runs of ${SECS}s, \`wrk -t1 -c100\` on CPU $LOAD_CPU)"
echo
echo "| load | epoll req/s | uring req/s | uring/epoll |"
echo "| --- | ---: | ---: | ---: |"
for load in keepalive pipeline16; do
  : >"$work/he"; : >"$work/hu"
  for i in $(seq 1 "$RUNS"); do
    if [ $((i % 2)) = 1 ]; then order="epoll uring"; else order="uring epoll"; fi
    for io in $order; do
      r=$(run_wrk "$io" "$load")
      if [ "$io" = epoll ]; then echo "${r:-0}" >>"$work/he"; else echo "${r:-0}" >>"$work/hu"; fi
    done
  done
  he=$(median <"$work/he"); hu=$(median <"$work/hu")
  printf "| wrk %s | %.0f | %.0f | %s |\n" "$load" "$he" "$hu" "$(ratio "$hu" "$he")"
done
