#!/usr/bin/env bash
# The programmable target's promise: a response chosen by the query string (`?size=1024`) is
# built once and cached, so it costs what the prebuilt default body costs. Three servers, one
# worker each on CPU 0, wrk on CPU 1, interleaved runs, medians and ratios from this invocation:
#   default   server --body-size 1024                   GET /
#   prog      server --programmable                     GET /?size=1024
#   prog-hdr  server --programmable                     GET /?size=1024&headers=4&status=201
#
#   scripts/bench-programmable.sh      # BENCH_RUNS=5 BENCH_SECONDS=3 by default
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-programmable "$0" 0 "$@"

bench_grid 5 3 100
bench_workdir programmable

names=() urls=() workers=()
add_server() {
  local name=$1 path=$2 port pid
  shift 2
  port=$(free_port)
  taskset -c "$SERVER_CPU" build/server -w 1 -c "$SERVER_CPU" -k -a "127.0.0.1:$port" \
    -o "$work/$name.log" "$@" >"$work/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_port "$port"
  names+=("$name")
  urls+=("http://127.0.0.1:$port$path")
  workers+=("$(children_of "$pid")")
}
add_server default / --body-size 1024
add_server prog "/?size=1024" --programmable
add_server prog-hdr "/?size=1024&headers=4&status=201" --programmable
sleep 0.3

tick_us=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN {print 1e6 / hz}')
n=${#names[@]}
for ((i = 0; i < n; i++)); do : >"$work/$i.rps"; : >"$work/$i.cpu"; done
for run in $(seq 1 "$RUNS"); do
  for ((i = 0; i < n; i++)); do
    before=$(cpu_ticks ${workers[i]})
    out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" "${urls[i]}")
    after=$(cpu_ticks ${workers[i]})
    echo "$out" | awk '/Requests\/sec/ {print $2}' >>"$work/$i.rps"
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    awk -v t="$((after - before))" -v n="${reqs:-0}" -v us="$tick_us" \
      'BEGIN { if (n > 0) printf "%.3f\n", t * us / n }' >>"$work/$i.cpu"
    if echo "$out" | grep -q "Non-2xx\|Socket errors"; then
      echo "(${names[i]}: wrk reported errors: $(echo "$out" | grep 'Non-2xx\|Socket errors'))"
    fi
  done
done

echo "## Programmable target: ?size=1024 against the prebuilt 1024-byte default body"
echo "($RUNS interleaved runs of ${SECS}s, wrk -t1 -c$CONNS keep-alive, server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU)"
echo
echo "| server | request | req/s | /default | CPU us/req | /default |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
base_rps=$(median <"$work/0.rps")
base_cpu=$(median <"$work/0.cpu")
for ((i = 0; i < n; i++)); do
  rps=$(median <"$work/$i.rps")
  cpu=$(median <"$work/$i.cpu")
  echo "| ${names[i]} | \`/${urls[i]#http://127.0.0.1:*/}\` | $(printf %.0f "$rps") | $(ratio "$rps" "$base_rps") | $(printf %.2f "$cpu") | $(ratio "$cpu" "$base_cpu") |"
done
