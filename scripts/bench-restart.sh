#!/usr/bin/env bash
# What a restart loses with and without net.ipv4.tcp_migrate_req, interleaved A B A B: in a
# private network namespace, wrk runs against `server` on 127.0.0.1:8080; a second server starts
# on the same port, the old workers are held for 300 ms (a busy server: connections queue on
# their listeners), then the old server gets SIGTERM. Prints wrk's socket errors and non-2xx per
# run. Needs root (ip netns).  RUNS=5 WRK_ARGS="-H 'Connection: close'" scripts/bench-restart.sh
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-restart "$0" 0 "$@"
server=${SERVER:-build/server}
runs=${RUNS:-5}
ns=pc-restart-bench-$$
[ -x "$server" ] || { echo "build first: $server missing" >&2; exit 1; }
ip netns add "$ns"
cleanup() {
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip -n "$ns" link set lo up
work=$(mktemp -d)

one_run() {  # $1: tcp_migrate_req value; prints "socket_errors non2xx requests"
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_migrate_req="$1"
  ip netns exec "$ns" "$server" -a 127.0.0.1:8080 -w 2 -k -o "$work/old.log" >/dev/null 2>&1 &
  local old=$!
  sleep 0.5
  eval "ip netns exec $ns wrk -t1 -c50 -d4s ${WRK_ARGS:-} http://127.0.0.1:8080/" >"$work/wrk" 2>&1 &
  local wrk=$!
  sleep 1
  ip netns exec "$ns" "$server" -a 127.0.0.1:8080 -w 2 -k --join-running -o "$work/new.log" >/dev/null 2>&1 &
  local new=$!
  sleep 0.5
  local workers
  workers=$(cat "/proc/$old/task/$old/children")
  # shellcheck disable=SC2086
  kill -STOP $workers
  sleep 0.3
  kill -TERM "$old"
  sleep 0.1
  # shellcheck disable=SC2086
  kill -CONT $workers
  wait "$wrk"
  wait "$old" || true
  kill -TERM "$new"
  wait "$new" || true
  local errors non2xx requests
  errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk")
  requests=$(awk '/requests in/ {print $1}' "$work/wrk")
  echo "${errors:-0} ${non2xx:-0} ${requests:-0}"
}

printf '%-4s %-20s %14s %8s %10s\n' run tcp_migrate_req socket_errors non2xx requests
for ((r = 1; r <= runs; r++)); do
  for m in 0 1; do
    read -r e n q < <(one_run "$m")
    printf '%-4s %-20s %14s %8s %10s\n' "$r" "$m" "$e" "$n" "$q"
  done
done
rm -rf "$work"
