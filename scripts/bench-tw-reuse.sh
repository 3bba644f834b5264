#!/usr/bin/env bash
# What net.ipv4.tcp_tw_reuse does for a load generator that opens a connection per request from
# one source address and closes first (so its ports sit in TIME_WAIT for 60 s): percore's client
# in one network namespace, percore's server in another, joined by a veth (198.18.0.0/15). The
# client namespace gets a small local port range so that running out of ports shows within
# seconds rather than minutes. Runs alternate reuse=0 and reuse=1, each in fresh namespaces
# (no TIME_WAIT left over), and the medians of one invocation are printed. Needs root.
#
#   scripts/bench-tw-reuse.sh     # BENCH_RUNS=3 BENCH_SECONDS=3 BENCH_PORTS=1000 by default
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-tw-reuse "$0" 0 "$@"

bench_grid 3 3 10
PORTS=${BENCH_PORTS:-1000}
[ "$(id -u)" -eq 0 ] || { echo "bench-tw-reuse: needs root (network namespaces)" >&2; exit 2; }
bench_workdir tw-reuse

id=$$
cli=pc-twc-$id srv=pc-tws-$id server_pid=""
teardown() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || wait "$server_pid" 2>/dev/null || true
  server_pid=""
  ip netns del "$cli" 2>/dev/null || true
  ip netns del "$srv" 2>/dev/null || true
}
trap 'teardown; bench_cleanup' EXIT

# one_run REUSE -> prints "rps eaddrnotavail"
one_run() {
  local reuse=$1 json
  ip netns add "$cli"
  ip netns add "$srv"
  ip link add "twc$id" netns "$cli" type veth peer name "tws$id" netns "$srv"
  ip -n "$cli" addr add 198.18.7.1/30 dev "twc$id"
  ip -n "$srv" addr add 198.18.7.2/30 dev "tws$id"
  ip -n "$cli" link set "twc$id" up
  ip -n "$srv" link set "tws$id" up
  ip netns exec "$cli" sysctl -q -w net.ipv4.ip_local_port_range="40000 $((40000 + PORTS - 1))"
  ip netns exec "$cli" sysctl -q -w net.ipv4.tcp_tw_reuse="$reuse"
  ip netns exec "$srv" taskset -c "$SERVER_CPU" build/server -w 1 -c "$SERVER_CPU" -k \
    -a 198.18.7.2:8080 -o "$work/server.log" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do grep -q "percore: ready" "$work/server.out" && break; sleep 0.05; done
  # --reconnect-every 1: the client closes after each answer, so TIME_WAIT lands on its ports.
  json=$(ip netns exec "$cli" taskset -c "$LOAD_CPU" build/client http -t 1 -c "$CONNS" \
    --start-core "$LOAD_CPU" --reconnect-every 1 -d "${SECS}s" -q --json - \
    http://198.18.7.2:8080/ 2>/dev/null | sed -n '/^{/,$p')
  teardown
  echo "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
refused = sum(n for k, n in r["errors"]["by_kind"].items() if "EADDRNOTAVAIL" in k)
print(round(r["achieved_rate"]), refused)'
}

: >"$work/reuse0" && : >"$work/reuse1"
for ((run = 1; run <= RUNS; run++)); do
  for reuse in 0 1; do
    one_run "$reuse" >>"$work/reuse$reuse"
  done
done
rps0=$(awk '{print $1}' "$work/reuse0" | median)
rps1=$(awk '{print $1}' "$work/reuse1" | median)
err0=$(awk '{print $2}' "$work/reuse0" | median)
err1=$(awk '{print $2}' "$work/reuse1" | median)
echo "connection per request, client closes first, $PORTS local ports, $CONNS connections, ${SECS}s, median of $RUNS"
echo
echo "| tcp_tw_reuse | req/s | connects refused locally (EADDRNOTAVAIL) |"
echo "| --- | ---: | ---: |"
echo "| 0 | $rps0 | $err0 |"
echo "| 1 | $rps1 | $err1 |"
echo
echo "reuse=1 / reuse=0: $(ratio "$rps1" "$rps0")x"
