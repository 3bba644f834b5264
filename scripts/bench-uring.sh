#!/usr/bin/env bash
# io_uring techniques of kernel 6.x, measured against epoll and against the same backend with them
# turned off (PERCORE_URING_OFF=lend,bundle,link-close,recv-limit: what an older kernel gets);
# "uring" is the server as it starts by default, every technique the kernel has. One server worker
# on CPU 0, load on CPU 1, every cell interleaved (rotating order), medians and ratios of this one
# invocation.
#
# 1. Echo: `client echo -t 1` rr and stream over payloads x connections, msg/s of
#    epoll, uring-off, uring (echo's own 128 x 64 KiB ring) and uring-16k (the ring HTTP gets).
# 2. Connection per request: wrk -H "Connection: close" against percore (epoll, uring-off,
#    uring) and nginx, server CPU per connection from /proc/PID/stat.
# 3. Syscalls per connection (strace -c -f on the worker during a fixed `ab` run, no keep-alive).
#
#   scripts/bench-uring.sh   # BENCH_RUNS=3 BENCH_SECONDS=2; BENCH_PAYLOADS, BENCH_CONNS,
#                            # BENCH_PATTERNS; BENCH_PARTS="echo close syscalls"
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-uring "$0" 0 "$@"

bench_echo_grid
PARTS=${BENCH_PARTS:-"echo close syscalls"}
OFF="lend,bundle,link-close,recv-limit"
SMALL=${BENCH_SMALL_BUFFERS:-256x16k}  # the uring-16k column's PERCORE_URING_BUFFERS (HTTP's ring)
BODY="Hello from percore"
bench_workdir uring

# start_percore NAME MODE IO OFF PORT [extra...]: prints nothing; records pid in pidof[NAME].
declare -A port pidof
start_percore() {
  local name=$1 mode=$2 io=$3 off=$4 buffers=${BUFFERS:-}
  shift 4
  port[$name]=$(free_port)
  PERCORE_URING_BUFFERS=$buffers PERCORE_URING_OFF=$off taskset -c "$SERVER_CPU" build/server --mode "$mode" -w 1 \
    -c "$SERVER_CPU" --io "$io" "$@" -a "127.0.0.1:${port[$name]}" -o "$work/$name.log" \
    >"$work/$name.out" 2>&1 &
  pids+=($!)
  pidof[$name]=$!
  wait_port "${port[$name]}"
}

if [[ " $PARTS " == *" echo "* ]]; then
  start_percore epoll echo epoll ""
  start_percore uring-off echo uring "$OFF"
  start_percore uring echo uring ""
  BUFFERS=$SMALL start_percore uring-16k echo uring ""
  sleep 0.3
  tick_us=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN {print 1e6 / hz}')
  declare -A ewpid
  for who in epoll uring-off uring uring-16k; do ewpid[$who]=$(children_of "${pidof[$who]}"); done
  run_echo() {  # WHO PATTERN PAYLOAD CONNS -> "msg/s server_cpu_us_per_msg"
    local json="$work/run.json" before after
    before=$(cpu_ticks ${ewpid[$1]})
    taskset -c "$LOAD_CPU" build/client echo -q -t 1 --start-core "$LOAD_CPU" --io epoll \
      --pattern "$2" -l "$3" -c "$4" -d "${SECS}s" --warmup 300ms --json "$json" \
      "127.0.0.1:${port[$1]}" >/dev/null 2>"$work/client.err" || true
    after=$(cpu_ticks ${ewpid[$1]})
    if [ -s "$json" ]; then
      jq -r '.rps' "$json" |
        awk -v t="$((after - before))" -v us="$tick_us" -v s="$SECS" \
          '{ n = $1 * (s + 0.3); printf "%s %.4f\n", $1, (n > 0 ? t * us / n : 0) }'
    else
      echo "0 0"
    fi
    rm -f "$json"
  }
  echo "## io_uring echo: epoll vs uring with the 6.x techniques off and on ($RUNS interleaved runs of ${SECS}s, server on CPU $SERVER_CPU, \`client echo -t 1\` on CPU $LOAD_CPU)"
  echo
  echo "uring-off: PERCORE_URING_OFF=$OFF (one buffer per completion, echo copies into its send"
  echo "queue). uring: receive bundles, echo sent straight out of the lent receive buffers."
  echo "uring runs echo's own receive ring (128 x 64 KiB); uring-16k the ring HTTP modes get (PERCORE_URING_BUFFERS=$SMALL)."
  echo "msg/s and server CPU us/msg (worker utime+stime over the run, warm-up included) are medians."
  echo
  echo "| pattern | payload | conns | epoll msg/s | uring-off msg/s | uring msg/s | uring-16k msg/s | uring-off/epoll | uring/epoll | uring-16k/epoll | epoll CPU us/msg | uring-off CPU us/msg | uring CPU us/msg | uring-16k CPU us/msg | uring/epoll CPU | uring/uring-16k CPU |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for pattern in $PATTERNS; do
    for payload in $PAYLOADS; do
      for c in $CONNS; do
        for who in epoll uring-off uring uring-16k; do : >"$work/$who.rate"; : >"$work/$who.cpu"; done
        for i in $(seq 1 "$RUNS"); do
          case $((i % 4)) in
            1) order="epoll uring-off uring uring-16k" ;;
            2) order="uring-16k epoll uring-off uring" ;;
            3) order="uring uring-16k epoll uring-off" ;;
            0) order="uring-off uring uring-16k epoll" ;;
          esac
          for who in $order; do
            read -r rate cpu <<<"$(run_echo "$who" "$pattern" "$payload" "$c")"
            echo "$rate" >>"$work/$who.rate"; echo "$cpu" >>"$work/$who.cpu"
          done
        done
        e=$(median <"$work/epoll.rate"); o=$(median <"$work/uring-off.rate"); u=$(median <"$work/uring.rate")
        b=$(median <"$work/uring-16k.rate")
        ec=$(median <"$work/epoll.cpu"); oc=$(median <"$work/uring-off.cpu"); uc=$(median <"$work/uring.cpu")
        bc=$(median <"$work/uring-16k.cpu")
        printf "| %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %s | %s |\n" \
          "$pattern" "$payload" "$c" "$e" "$o" "$u" "$b" "$(ratio "$o" "$e")" "$(ratio "$u" "$e")" \
          "$(ratio "$b" "$e")" "$ec" "$oc" "$uc" "$bc" "$(ratio "$uc" "$ec")" "$(ratio "$uc" "$bc")"
      done
    done
  done
  echo
  # Kernel crossings do not depend on the machine's load: they show what each backend asks of
  # the kernel per message where the rates above are the client's, not the server's.
  echo "### System calls per echoed message (strace -c -f on the worker, \`client echo -t 1 -d 1s\`)"
  echo
  echo "| pattern | payload | conns | epoll | uring-off | uring | top calls (uring, per message) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
  echo_syscalls() {  # WHO PATTERN PAYLOAD CONNS -> "syscalls_per_msg top_calls"
    local json="$work/st.json" spid
    strace -c -f -p "${ewpid[$1]}" -o "$work/$1.strace" 2>/dev/null &
    spid=$!
    sleep 0.5
    taskset -c "$LOAD_CPU" build/client echo -q -t 1 --start-core "$LOAD_CPU" --io epoll \
      --pattern "$2" -l "$3" -c "$4" -d 1s --json "$json" "127.0.0.1:${port[$1]}" \
      >/dev/null 2>&1 || true
    sleep 0.3
    kill -INT "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    awk -v n="$(jq -r '.requests' "$json" 2>/dev/null || echo 0)" '
      $1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { calls = $4; total += calls; per[$NF] = calls }
      END {
        top = ""
        for (k in per) if (n > 0 && per[k] / n >= 0.01) top = top sprintf("%s %.3f, ", k, per[k] / n)
        printf "%.3f %s\n", (n > 0 ? total / n : 0), substr(top, 1, length(top) - 2)
      }' "$work/$1.strace"
    rm -f "$json"
  }
  for cell in "rr 64 8" "rr 64 64" "rr 1024 512" "stream 1024 8" "stream 1024 64"; do
    read -r pattern payload c <<<"$cell"
    read -r e _ <<<"$(echo_syscalls epoll $cell)"
    read -r o _ <<<"$(echo_syscalls uring-off $cell)"
    read -r u top <<<"$(echo_syscalls uring $cell)"
    echo "| $pattern | $payload | $c | $e | $o | $u | $top |"
  done
  echo
fi

if [[ " $PARTS " == *" close "* || " $PARTS " == *" syscalls "* ]]; then
  start_percore h-epoll http epoll ""
  start_percore h-uring-off http uring "$OFF"
  start_percore h-uring http uring ""
  nport=$(free_port)
  start_nginx "$work/nginx" "$nport" "$SERVER_CPU" "$BODY
"
  pids+=("$NGINX_PID")
  port[nginx]=$nport
  pidof[nginx]=$NGINX_PID
  sleep 0.3
  declare -A wpid
  for who in h-epoll h-uring-off h-uring nginx; do wpid[$who]=$(children_of "${pidof[$who]}"); done
fi

if [[ " $PARTS " == *" close "* ]]; then
  tick_us=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN {print 1e6 / hz}')
  run_close() {  # WHO -> "rps cpu_us_per_conn"
    local before after out reqs rps
    before=$(cpu_ticks ${wpid[$1]})
    out=$(taskset -c "$LOAD_CPU" wrk -t1 -c100 -d"${SECS}s" -H "Connection: close" \
      "http://127.0.0.1:${port[$1]}/")
    after=$(cpu_ticks ${wpid[$1]})
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    awk -v r="${rps:-0}" -v t="$((after - before))" -v n="${reqs:-0}" -v us="$tick_us" \
      'BEGIN { printf "%s %.3f\n", r, (n > 0 ? t * us / n : 0) }'
  }
  who_all="h-epoll h-uring-off h-uring nginx"
  for who in $who_all; do : >"$work/$who.rps"; : >"$work/$who.cpu"; done
  for i in $(seq 1 "$RUNS"); do
    case $((i % 4)) in
      1) order="h-epoll h-uring-off h-uring nginx" ;;
      2) order="nginx h-epoll h-uring-off h-uring" ;;
      3) order="h-uring nginx h-epoll h-uring-off" ;;
      0) order="h-uring-off h-uring nginx h-epoll" ;;
    esac
    for who in $order; do
      read -r r cpu <<<"$(run_close "$who")"
      echo "$r" >>"$work/$who.rps"; echo "$cpu" >>"$work/$who.cpu"
    done
  done
  echo "## Connection per request: wrk -t1 -c100 -H \"Connection: close\" ($RUNS interleaved runs of ${SECS}s)"
  echo
  echo "| server | req/s | server CPU us/conn | CPU/nginx |"
  echo "| --- | ---: | ---: | ---: |"
  ncpu=$(median <"$work/nginx.cpu")
  for who in $who_all; do
    r=$(median <"$work/$who.rps"); cpu=$(median <"$work/$who.cpu")
    printf "| %s | %.0f | %.2f | %s |\n" "${who#h-}" "$r" "$cpu" "$(ratio "$cpu" "$ncpu")"
  done
  echo
fi

if [[ " $PARTS " == *" syscalls "* ]]; then
  N=${BENCH_STRACE_CONNS:-2000}
  echo "## Syscalls per connection (strace -c -f on the worker, \`ab -n $N -c 10\`, no keep-alive)"
  echo
  echo "| server | syscalls/conn | top calls (per conn) |"
  echo "| --- | ---: | --- |"
  for who in h-epoll h-uring-off h-uring nginx; do
    strace -c -f -p "${wpid[$who]}" -o "$work/$who.strace" 2>/dev/null &
    spid=$!
    sleep 0.5
    taskset -c "$LOAD_CPU" ab -q -n "$N" -c 10 "http://127.0.0.1:${port[$who]}/" >/dev/null 2>&1 || true
    sleep 0.3
    kill -INT "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    awk -v n="$N" -v who="${who#h-}" '
      $1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { name = $NF; calls = $4; total += calls; per[name] = calls }
      END {
        top = ""
        for (k in per) if (per[k] / n >= 0.05) top = top sprintf("%s %.2f, ", k, per[k] / n)
        printf "| %s | %.2f | %s |\n", who, total / n, substr(top, 1, length(top) - 2)
      }' "$work/$who.strace"
  done
  echo
fi
