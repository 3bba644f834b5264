#!/usr/bin/env bash
# Many idle keep-alive connections on one server worker: `client http --source` spreads CONNS
# (default 100,000) connections over 127.0.0.2-127.0.0.40 (39 source addresses, so past the 64k
# ports one source address allows) while sending a slow open-loop trickle (RATE req/s, default
# 200) for HOLD seconds. Reports the time to open them all, the worker's resident memory per
# connection (user memory; socket buffers are the kernel's), and the trickle's latency and errors
# while every connection is held. Needs a descriptor hard limit above CONNS (raised when root).
#   CONNS=100000 scripts/bench-idle-conns.sh
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-idle-conns "$0" 0 "$@"
conns=${CONNS:-100000}
rate=${RATE:-200}
hold=${HOLD:-20}
server_bin=${SERVER:-build/server}
client_bin=${CLIENT:-build/client}
bench_fd_limit $((conns + 1000))
bench_server_workdir idle  # the client is $load_pid

port=$(free_port)
mport=$(free_port)
taskset -c 0 "$server_bin" -a "127.0.0.1:$port" --metrics "127.0.0.1:$mport" -w 1 -k \
  --idle-timeout 600 --backlog 65535 -o "$work/server.log" >/dev/null 2>&1 &
server_pid=$!
wait_port "$port"
sleep 0.3
worker=$(children_of "$server_pid" | awk '{print $1}')
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
active() {
  curl -s "http://127.0.0.1:$mport/metrics" | awk '/^percore_active_connections/ {s += $2} END {print s + 0}'
}
rss_before=$(rss "$worker")

start=$(date +%s.%N)
taskset -c 1 "$client_bin" http -c "$conns" -t 1 --no-pin -R "$rate" -d "$((hold + 60))s" -q \
  --timeout 30s --source 127.0.0.2-127.0.0.40 --json "$work/client.json" \
  "http://127.0.0.1:$port/" >"$work/client.out" 2>&1 &
load_pid=$!
open=0
while [ "$(active)" -lt "$conns" ]; do
  sleep 0.2
  open=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
  if awk -v o="$open" 'BEGIN { exit !(o > 120) }'; then
    echo "only $(active) of $conns connections after 120 s" >&2
    break
  fi
done
held=$(active)
sleep "$hold"
rss_held=$(rss "$worker")
client_rss=$(rss "$load_pid")
kill -INT "$load_pid"
wait "$load_pid" || true
load_pid=

read -r answered p50 p99 errs < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["requests"], j["latency_us"]["p50"], j["latency_us"]["p99"], j["errors"]["total"])' "$work/client.json")
echo "connections held:       $held of $conns (one worker, one client thread, 39 source addresses)"
echo "time to open them:      ${open} s"
echo "worker RSS:             ${rss_before} kB -> ${rss_held} kB = $(( (rss_held - rss_before) * 1024 / (held > 0 ? held : 1) )) bytes per connection"
echo "client RSS:             ${client_rss} kB = $(( client_rss * 1024 / (held > 0 ? held : 1) )) bytes per connection"
echo "trickle at ${rate} req/s:  ${answered} answered, p50 ${p50} us, p99 ${p99} us, errors ${errs}"
