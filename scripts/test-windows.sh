#!/usr/bin/env bash
# `make test-windows`: runs the cross-built Windows binaries under Wine on this Linux machine.
#   1. unit_tests.exe (the IOCP backend's contract tests and the portable unit tests);
#   2. server.exe http (-k and not) answering Linux curl and ab over loopback;
#   3. server.exe echo returning random bytes byte for byte on several connections;
#   4. server.exe udp-echo returning every datagram at a fixed rate (0 lost);
#   5. client.exe http/echo/udp (IOCP) driving the Linux server: http counts what the Linux
#      server's /metrics and the Linux client count, echo verifies every byte and agrees with the
#      server's byte counters, udp at 500/s loses nothing.
# Headless: WINEDEBUG=-all, no DISPLAY, a Wine prefix of its own under the build folder. Every
# step is bounded; every process started here (and wineserver) is ended on exit. Where Wine cannot
# start (a sandbox without the syscalls it needs), the suite prints why and skips.
#
#   scripts/test-windows.sh [WIN_BUILD_DIR=build-win] [LINUX_BUILD_DIR=build]
set -uo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
check_plain_args test-windows "$0" 2 "$@"
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
  await_ready "$srv_pid" "$out" 300
}

# await_ready PID OUT TRIES: ends PID with the suite; waits up to TRIES x 0.1 s for the server's
# ready line in OUT, and prints OUT when it does not come (or the server exits first).
await_ready() {
  local pid=$1 out=$2 tries=$3
  pids+=("$pid")
  for _ in $(seq 1 "$tries"); do
    grep -q 'percore: ready' "$out" && return 0
    kill -0 "$pid" 2>/dev/null || break
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

# 5. client.exe (IOCP) against the Linux server: its counts must equal the Linux server's own
# /metrics counters and what the Linux client counts for the same run.
# Starts build/server with the given flags plus --metrics; sets $lsrv_pid and $metrics_port.
start_linux_server() {
  local out=$1
  shift
  metrics_port=$(free_port)
  "$linux/server" -o "$tmp/linux-server.log" --metrics "127.0.0.1:$metrics_port" "$@" >"$out" 2>&1 &
  lsrv_pid=$!
  await_ready "$lsrv_pid" "$out" 100
}
# The sum of one counter over the Linux server's workers, once it stops moving (the server's
# send completions can trail the client's last read).
metric() {
  local last=-1 now
  for _ in $(seq 1 40); do
    now=$(curl -s -m 5 "http://127.0.0.1:$metrics_port/metrics" |
      awk -v m="$1" 'index($0, m) == 1 {s += $NF} END {printf "%d", s}')
    [ "$now" = "$last" ] && break
    last=$now
    sleep 0.05
  done
  echo "$now"
}
# client.exe under Wine with the given arguments; its JSON goes to $tmp/$1.json.
run_win_client() {
  local name=$1
  shift
  timeout 120 "$WINE" "$win/client.exe" "$@" --json "$tmp/$name.json" -q >"$tmp/$name.txt" 2>&1
}
# Prints the named JSON fields ("a.b" for nested ones) of a client report, space-separated.
json_fields() {
  python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
out = []
for path in sys.argv[2:]:
    v = j
    for k in path.split("."):
        v = v[k]
    out.append(str(v))
print(" ".join(out))
' "$@"
}

if [ ! -f "$win/client.exe" ]; then
  fail "client.exe is not built ($win/client.exe)"
elif [ ! -x "$linux/server" ] || [ ! -x "$linux/client" ]; then
  fail "the client.exe comparison needs $linux/server and $linux/client (make build)"
else
  # 5a. HTTP keep-alive, -n 2000 over 4 connections.
  port=$(free_port)
  if start_linux_server "$tmp/lsrv-http.out" -a "127.0.0.1:$port" -w 1 -k; then
    url="http://127.0.0.1:$port/"
    before=$(metric percore_requests_total)
    run_win_client win-http http -c 4 -t 1 --no-pin -n 2000 "$url"
    wrc=$?
    server_count=$(($(metric percore_requests_total) - before))
    timeout 120 "$linux/client" http -c 4 -t 1 --no-pin -n 2000 --json "$tmp/linux-http.json" -q \
      "$url" >"$tmp/linux-http.txt" 2>&1
    fields="requests errors.total non2xx status.200"
    w=$([ $wrc -eq 0 ] && json_fields "$tmp/win-http.json" $fields)
    l=$(json_fields "$tmp/linux-http.json" $fields 2>/dev/null)
    echo "test-windows: client.exe http: $w; Linux client: $l; Linux server counted $server_count"
    if [ "$w" = "2000 0 0 2000" ] && [ "$l" = "$w" ] && [ "$server_count" = 2000 ]; then
      pass "client.exe http -n 2000: 2000 requests, 0 errors, as the Linux server and the Linux client count"
    else
      cat "$tmp/win-http.txt" >&2
      fail "client.exe http"
    fi
    stop_pid "$lsrv_pid"
  else
    fail "Linux server (http) did not become ready"
  fi

  # 5b. Echo: every message's echo is compared byte for byte by the client (a difference is a
  # verify/mismatch error); the bytes must match the Linux server's own byte counters.
  port=$(free_port)
  if start_linux_server "$tmp/lsrv-echo.out" -a "127.0.0.1:$port" -w 1 --mode echo; then
    for pattern in rr stream; do
      in0=$(metric percore_bytes_in_total)
      out0=$(metric percore_bytes_out_total)
      run_win_client "win-echo-$pattern" echo -c 4 -t 1 --no-pin -n 2000 -l 1k \
        --pattern "$pattern" "127.0.0.1:$port"
      wrc=$?
      sin=$(($(metric percore_bytes_in_total) - in0))
      sout=$(($(metric percore_bytes_out_total) - out0))
      w=$([ $wrc -eq 0 ] && json_fields "$tmp/win-echo-$pattern.json" requests errors.total bytes.out bytes.in)
      echo "test-windows: client.exe echo --pattern $pattern: requests errors out in = ${w:-none}; Linux server in $sin out $sout"
      read -r req errs bout bin <<<"${w:-x x 0 0}"
      # rr: exactly 2000 messages of 1 KiB each way. stream: messages sent beyond the 2000th may
      # be in flight when the client stops, so the server may count more than the client (never
      # less), and what the client read is at least 2000 messages.
      ok=0
      if [ "$req" = 2000 ] && [ "$errs" = 0 ] && [ "$bin" -ge $((2000 * 1024)) ] &&
        [ "$sin" -ge "$bout" ] && [ "$sout" -ge "$bin" ]; then
        ok=1
        if [ "$pattern" = rr ] && { [ "$bout" != $((2000 * 1024)) ] || [ "$sin" != "$bout" ] ||
          [ "$sout" != "$bin" ]; }; then
          ok=0
        fi
      fi
      if [ $ok = 1 ]; then
        pass "client.exe echo --pattern $pattern -n 2000 -l 1k: every echo verified, bytes agree with the Linux server"
      else
        cat "$tmp/win-echo-$pattern.txt" >&2
        fail "client.exe echo --pattern $pattern"
      fi
    done
    stop_pid "$lsrv_pid"
  else
    fail "Linux server (echo) did not become ready"
  fi

  # 5c. UDP at a fixed low rate against the Linux udp-echo server: every datagram back, intact.
  port=$(free_port)
  if start_linux_server "$tmp/lsrv-udp.out" -a "127.0.0.1:$port" -w 1 --mode udp-echo; then
    run_win_client win-udp udp -l 200 -R 500 -d 2s -t 1 --no-pin "127.0.0.1:$port"
    wrc=$?
    w=$([ $wrc -eq 0 ] && json_fields "$tmp/win-udp.json" sent unique lost corrupt malformed)
    echo "test-windows: client.exe udp: sent unique lost corrupt malformed = ${w:-none}"
    if [ "$w" = "1000 1000 0 0 0" ]; then
      pass "client.exe udp -l 200 -R 500 -d 2s: 1000 datagrams, 0 lost, 0 corrupt"
    else
      cat "$tmp/win-udp.txt" >&2
      fail "client.exe udp"
    fi
    stop_pid "$lsrv_pid"
  else
    fail "Linux server (udp-echo) did not become ready"
  fi

  # 5d. Usage errors: sweep is not on Windows, and an unreachable target is refused before the
  # run; both one line on stderr and exit 2.
  timeout 60 "$WINE" "$win/client.exe" sweep 127.0.0.1:9 >"$tmp/sweep.txt" 2>&1
  src=$?
  timeout 60 "$WINE" "$win/client.exe" http -n 1 "http://127.0.0.1:$(free_port)/" >"$tmp/refused.txt" 2>&1
  rrc=$?
  if [ $src = 2 ] && grep -q 'sweep is not available on Windows' "$tmp/sweep.txt" &&
    [ $rrc = 2 ] && grep -q 'cannot connect to 127.0.0.1:[0-9]*: ECONNREFUSED' "$tmp/refused.txt"; then
    pass "client.exe sweep and an unreachable target: one-line usage errors, exit 2"
  else
    cat "$tmp/sweep.txt" "$tmp/refused.txt" >&2
    fail "client.exe usage errors (sweep exit $src, refused exit $rrc)"
  fi
fi

if [ $failures -ne 0 ]; then
  echo "test-windows: $failures failed" >&2
  exit 1
fi
echo "test-windows: all passed"
