#!/usr/bin/env bash
# Wine figures beside the Linux backends, from one invocation: the same HTTP keep-alive load
# (ab -k) against server.exe under Wine (IOCP) and the Linux server on epoll and io_uring, one
# worker each, rounds interleaved (A B C A B C ...), medians printed. Wine translates every
# Winsock call into Linux system calls through wineserver, so these are figures for Wine on this
# machine, not for Windows. Usage: scripts/bench-windows.sh [ROUNDS] [REQUESTS]
set -uo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-windows "$0" 2 "$@"
bench_counts bench-windows "$@"
rounds=${1:-3}
requests=${2:-5000}
win=$(realpath build-win)
WINE=/usr/lib/wine/wine64
export WINEPREFIX="$win/wineprefix" WINEDEBUG=-all DISPLAY= WINEDLLOVERRIDES="mscoree,mshtml="
tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  /usr/lib/wine/wineserver -k 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
run_one() {
  local name=$1 port
  port=$(free_port)
  : >"$tmp/out"
  case $name in
    wine-iocp) taskset -c 1 timeout 120 "$WINE" "$win/server.exe" -a "127.0.0.1:$port" -w 1 -k \
      -o "$tmp/log" >"$tmp/out" 2>&1 & ;;
    linux-epoll) taskset -c 1 build/server -a "127.0.0.1:$port" -w 1 -c 1 -k --io epoll \
      -o "$tmp/log" >"$tmp/out" 2>&1 & ;;
    linux-uring) taskset -c 1 build/server -a "127.0.0.1:$port" -w 1 -c 1 -k --io uring \
      -o "$tmp/log" >"$tmp/out" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 1 300); do grep -q 'percore: ready' "$tmp/out" && break; sleep 0.1; done
  taskset -c 0 ab -q -k -n "$requests" -c 16 "http://127.0.0.1:$port/" 2>/dev/null |
    awk '/^Requests per second/ {print $4}' >>"$tmp/$name"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
}
backends=(wine-iocp linux-epoll linux-uring)
for r in $(seq 1 "$rounds"); do
  for b in "${backends[@]}"; do run_one "$b"; done
done
echo "# ab -k -c 16 -n $requests, 1 server worker on CPU 1, ab on CPU 0, $rounds interleaved rounds"
printf '%-12s %12s   %s\n' backend median_req_s rounds
for b in "${backends[@]}"; do
  sort -n "$tmp/$b" | awk -v b="$b" '{v[NR]=$1; all=all" "$1} END {printf "%-12s %12.0f  %s\n", b, v[int((NR+1)/2)], all}'
done
