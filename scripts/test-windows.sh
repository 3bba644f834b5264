#!/usr/bin/env bash
# `make test-windows`: runs the cross-built Windows binaries under Wine on this Linux machine.
#   1. unit_tests.exe (the IOCP backend's contract tests and the portable unit tests);
#   2. server.exe http (-k and not) answering Linux curl and ab over loopback;
#   3. server.exe echo returning random bytes byte for byte on several connections;
#   4. server.exe udp-echo returning every datagram at a fixed rate (0 lost);
#   5. client.exe http/echo/udp driving the Linux server, counting what the Linux client counts.
# Headless: WINEDEBUG=-all, no DISPLAY, a Wine prefix of its own under the build folder. Every
# step is bounded; every process started here (and wineserver) is ended on exit. Where Wine cannot
# start (a sandbox without the syscalls it needs), the suite prints why and skips.
set -uo pipefail
win=${1:-build-win}
linux=${2:-build}
cd "$(dirname "$0")/.."
win=$(realpath "$win")
linux=$(realpath "$linux")

WINE=${WINE:-/usr/lib/wine/wine64}
[ -x "$WINE" ] || WINE=$(command -v wine64 || true)
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver}
export WINEPREFIX="$win/wineprefix" WINEDEBUG=-all DISPLAY= WINEDLLOVERRIDES="mscoree,mshtml="
export WINESERVER

failures=0
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  "$WINESERVER" -k 2>/dev/null
  rm -rf "$tmp"
}
tmp=$(mktemp -d)
trap cleanup EXIT

pass() { echo "test-windows: PASS $*"; }
fail() {
  echo "test-windows: FAIL $*" >&2
  failures=$((failures + 1))
}

if [ -z "$WINE" ]; then
  echo "test-windows: SKIPPED: wine64 is not installed (scripts/deps.sh windows installs it)" >&2
  exit 0
fi
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "test-windows: creating the Wine prefix $WINEPREFIX (once)"
  timeout 180 "$WINE" wineboot --init >"$tmp/wineboot.log" 2>&1
fi
if ! timeout 60 "$WINE" "$win/server.exe" --help >"$tmp/help.txt" 2>&1 ||
  ! grep -q 'On Windows' "$tmp/help.txt"; then
  echo "test-windows: SKIPPED: Wine cannot run programs here:" >&2
  tail -5 "$tmp/wineboot.log" "$tmp/help.txt" 2>/dev/null >&2
  exit 0
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts server.exe with the given flags and waits (bounded) for its ready line; sets $srv_pid.
start_win_server() {
  local out=$1
  shift
  timeout 300 "$WINE" "$win/server.exe" -o "$tmp/server.log" "$@" >"$out" 2>&1 &
  srv_pid=$!
  pids+=("$srv_pid")
  for _ in $(seq 1 300); do
    grep -q 'percore: ready' "$out" && return 0
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$out" >&2
  return 1
}

stop_pid() {
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# 1. Unit tests.
if timeout 300 "$WINE" "$win/unit_tests.exe" --gtest_brief=1 >"$tmp/unit.txt" 2>&1; then
  pass "unit_tests.exe: $(grep -E '^\[==========\].*ran' "$tmp/unit.txt" | tail -1)"
else
  cat "$tmp/unit.txt" >&2
  fail "unit_tests.exe"
fi

# 2. HTTP under Wine, driven by Linux curl and ab.
port=$(free_port)
if start_win_server "$tmp/http.out" -a "127.0.0.1:$port" -w 2 -k; then
  body=$(curl -s -m 10 "http://127.0.0.1:$port/")
  [ "$body" = "Hello from percore" ] && pass "curl got the body" || fail "curl got '$body'"
  for args in "-k -n 4000 -c 16" "-n 1000 -c 8"; do
    # shellcheck disable=SC2086
    timeout 120 ab -q $args "http://127.0.0.1:$port/" >"$tmp/ab.txt" 2>&1
    complete=$(awk '/^Complete requests/ {print $3}' "$tmp/ab.txt")
    failed=$(awk '/^Failed requests/ {print $3}' "$tmp/ab.txt")
    n=$(echo "$args" | awk '{for (i=1;i<=NF;i++) if ($i=="-n") print $(i+1)}')
    if [ "$complete" = "$n" ] && [ "$failed" = 0 ] && ! grep -q 'Non-2xx' "$tmp/ab.txt"; then
      pass "ab $args: $complete complete, 0 failed, $(awk '/^Requests per second/ {print $4}' "$tmp/ab.txt") req/s"
    else
      cat "$tmp/ab.txt" >&2
      fail "ab $args"
    fi
  done
  stop_pid "$srv_pid"
else
  fail "server.exe http did not become ready"
fi

# 3. TCP echo, byte for byte, several connections at once.
port=$(free_port)
if start_win_server "$tmp/echo.out" -a "127.0.0.1:$port" -w 2 --mode echo; then
  if timeout 120 python3 - "$port" <<'EOF'; then
import os, socket, sys, threading
port = int(sys.argv[1])
errors = []
def one(i):
    data = os.urandom(256 * 1024 + i * 977)
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    got = bytearray()
    def reader():
        while len(got) < len(data):
            b = s.recv(65536)
            if not b:
                break
            got.extend(b)
    t = threading.Thread(target=reader)
    t.start()
    for off in range(0, len(data), 10000):
        s.sendall(data[off:off + 10000])
    t.join(60)
    s.close()
    if bytes(got) != data:
        errors.append(f"connection {i}: {len(got)} of {len(data)} bytes, equal={bytes(got) == data}")
threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
    pass "echo: 8 connections, about 2 MiB returned byte for byte"
  else
    fail "echo"
  fi
  stop_pid "$srv_pid"
else
  fail "server.exe echo did not become ready"
fi

# 4. UDP echo at a fixed rate: every datagram comes back.
port=$(free_port)
if start_win_server "$tmp/udp.out" -a "127.0.0.1:$port" -w 2 --mode udp-echo; then
  if timeout 60 python3 - "$port" <<'EOF'; then
import socket, sys, time
port = int(sys.argv[1])
rate, seconds, size = 500, 2, 200
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.connect(("127.0.0.1", port))
s.setblocking(False)
sent, seen = rate * seconds, set()
start = time.monotonic()
for i in range(sent):
    due = start + i / rate
    while time.monotonic() < due:
        try:
            seen.add(int.from_bytes(s.recv(2048)[:8], "little"))
        except BlockingIOError:
            time.sleep(0.0002)
    s.send(i.to_bytes(8, "little") + b"x" * (size - 8))
deadline = time.monotonic() + 2
while len(seen) < sent and time.monotonic() < deadline:
    try:
        seen.add(int.from_bytes(s.recv(2048)[:8], "little"))
    except BlockingIOError:
        time.sleep(0.001)
print(f"udp-echo: sent {sent} at {rate}/s, received {len(seen)}, lost {sent - len(seen)}")
sys.exit(0 if len(seen) == sent else 1)
EOF
    pass "udp-echo: 1000 datagrams at 500/s, 0 lost"
  else
    fail "udp-echo"
  fi
  stop_pid "$srv_pid"
else
  fail "server.exe udp-echo did not become ready"
fi

# 5. client.exe against the Linux server, compared with the Linux client.
if [ -x "$linux/server" ] && [ -x "$linux/client" ] && [ -f "$win/client.exe" ]; then
  port=$(free_port)
  "$linux/server" -a "127.0.0.1:$port" -w 1 -k -o "$tmp/linux-server.log" >"$tmp/lsrv.out" 2>&1 &
  lsrv=$!
  pids+=("$lsrv")
  for _ in $(seq 1 100); do grep -q 'percore: ready' "$tmp/lsrv.out" && break; sleep 0.1; done
  timeout 120 "$WINE" "$win/client.exe" http -c 4 -t 1 -n 2000 --json "$tmp/win-http.json" -q \
    "http://127.0.0.1:$port/" >"$tmp/win-client.txt" 2>&1
  wrc=$?
  timeout 120 "$linux/client" http -c 4 -t 1 -n 2000 --json "$tmp/linux-http.json" -q \
    "http://127.0.0.1:$port/" >"$tmp/linux-client.txt" 2>&1
  if [ $wrc -eq 0 ] && python3 - "$tmp/win-http.json" "$tmp/linux-http.json" <<'EOF'; then
import json, sys
w, l = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["requests", "responses", "errors"]
def pick(d):
    out = {}
    for k in keys:
        v = d.get(k, d.get("totals", {}).get(k))
        out[k] = v
    return out
print("windows", pick(w), "linux", pick(l))
sys.exit(0 if pick(w) == pick(l) and pick(w)["requests"] else 1)
EOF
    pass "client.exe http counts what the Linux client counts"
  else
    cat "$tmp/win-client.txt" >&2
    fail "client.exe http"
  fi
  stop_pid "$lsrv"
elif [ ! -f "$win/client.exe" ]; then
  echo "test-windows: NOT RUN client.exe comparison: client.exe is not built for Windows yet (docs/windows.md)" >&2
else
  fail "client.exe comparison needs $linux/server and $linux/client (make build)"
fi

if [ $failures -ne 0 ]; then
  echo "test-windows: $failures failed" >&2
  exit 1
fi
echo "test-windows: all passed"
