#!/usr/bin/env bash
# HTTP server benchmark: percore `server` (epoll and io_uring) against nginx (return 200, access_log off)
# and against the floor (build/ref_http_responder: epoll, one recv and one send of a fixed
# response per request, nothing parsed), one worker each on CPU 0, load generators on CPU 1.
# Runs are interleaved (percore, floor, nginx, percore, ...) and the medians and ratios of one
# invocation are printed as a markdown table, with each server's CPU time per request read from
# /proc. Where percore's CPU per request is within 5% of the floor's, a line below says so.
#
#   scripts/bench-server.sh            # BENCH_RUNS=5 BENCH_SECONDS=3 by default
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-server "$0" 0 "$@"

bench_grid 5 3 100
AB_REQUESTS=${BENCH_AB_REQUESTS:-100000}
BODY="Hello from percore"  # nginx adds no newline; percore's 19 bytes include one: same size
bench_workdir server

# Servers under test: percore on each backend it can use here, and nginx.
names=(); ports=(); workers=()
add_percore() {
  local io=$1 port
  port=$(free_port)
  taskset -c "$SERVER_CPU" build/server -w 1 -c "$SERVER_CPU" -k -a "127.0.0.1:$port" --io "$io" \
    -o "$work/percore-$io.log" >"$work/percore-$io.out" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if ! wait_port "$port" 2>/dev/null; then
    echo "(percore --io $io unavailable here: $(head -1 "$work/percore-$io.out"))"
    return
  fi
  names+=("percore-$io"); ports+=("$port"); workers+=("$(children_of "$pid")")
}
add_percore epoll
add_percore uring
# The floor: keep-alive, and a connection-per-request copy for the *-close loads (it says
# Connection: close and closes, as percore without -k and nginx do for those clients).
add_floor() {  # add_floor PORT [close] -> FLOOR_PID
  taskset -c "$SERVER_CPU" build/ref_http_responder "$@" >"$work/floor$1.out" 2>&1 &
  FLOOR_PID=$!
  pids+=("$FLOOR_PID")
  wait_port "$1"
}
fport=$(free_port); add_floor "$fport"; fpid=$FLOOR_PID
fcport=$(free_port); add_floor "$fcport" close; fcpid=$FLOOR_PID
names+=(floor); ports+=("$fport"); workers+=("$fpid")
floor_idx=$((${#names[@]} - 1))
nport=$(free_port)
start_nginx "$work/nginx" "$nport" "$SERVER_CPU" "$BODY
"
pids+=("$NGINX_PID")
sleep 0.3
names+=(nginx); ports+=("$nport"); workers+=("$(children_of "$NGINX_PID")")

# run_load NAME KIND PORT -> prints "rps requests cpu_ticks"
run_load() {
  local kind=$1 port=$2 workers=$3 out before after
  local url="http://127.0.0.1:$port/"
  before=$(cpu_ticks $workers)
  case "$kind" in
    wrk-keepalive) out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" "$url") ;;
    wrk-pipeline16) out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" -s scripts/wrk/pipeline.lua "$url") ;;
    wrk-close) out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" -H "Connection: close" "$url") ;;
    ab-keepalive) out=$(taskset -c "$LOAD_CPU" ab -q -k -n "$AB_REQUESTS" -c "$CONNS" "$url" 2>&1) ;;
    ab-close) out=$(taskset -c "$LOAD_CPU" ab -q -n "$((AB_REQUESTS / 4))" -c "$CONNS" "$url" 2>&1) ;;
  esac
  after=$(cpu_ticks $workers)
  local rps reqs
  if [[ $kind == wrk-* ]]; then
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  else
    rps=$(echo "$out" | awk '/Requests per second/ {print $4}')
    reqs=$(echo "$out" | awk '/Complete requests/ {print $3}')
  fi
  echo "${rps:-0} ${reqs:-0} $((after - before))"
}

tick_us=$(awk -v hz="$(getconf CLK_TCK)" 'BEGIN {print 1e6 / hz}')
n=${#names[@]}
last=$((n - 1))  # nginx, the peer every ratio is taken against
echo "## HTTP server: percore vs nginx and the floor ($RUNS interleaved runs of ${SECS}s, $CONNS connections, server on CPU $SERVER_CPU, load on CPU $LOAD_CPU)"
echo
header="| load |"; rule="| --- |"
for name in "${names[@]}"; do header+=" $name req/s |"; rule+=" ---: |"; done
for ((i = 0; i < last; i++)); do header+=" ${names[i]}/nginx |"; rule+=" ---: |"; done
for name in "${names[@]}"; do header+=" $name CPU us/req |"; rule+=" ---: |"; done
for ((i = 0; i < last; i++)); do header+=" ${names[i]}/nginx CPU |"; rule+=" ---: |"; done
for ((i = 0; i < floor_idx; i++)); do header+=" ${names[i]}/floor CPU |"; rule+=" ---: |"; done
echo "$header"; echo "$rule"
notes=()
for load in wrk-keepalive wrk-pipeline16 wrk-close ab-keepalive ab-close; do
  for ((i = 0; i < n; i++)); do : >"$work/$i.rps"; : >"$work/$i.cpu"; done
  for run in $(seq 1 "$RUNS"); do
    for ((i = 0; i < n; i++)); do
      port=${ports[i]}; who=${workers[i]}
      if [ "$i" -eq "$floor_idx" ] && [[ $load == *-close ]]; then port=$fcport; who=$fcpid; fi
      read -r rps reqs ticks <<<"$(run_load "$load" "$port" "$who")"
      echo "$rps" >>"$work/$i.rps"
      awk -v t="$ticks" -v n="$reqs" -v us="$tick_us" 'BEGIN { if (n > 0) printf "%.3f\n", t * us / n }' >>"$work/$i.cpu"
    done
  done
  row="| $load |"; rps=(); cpu=()
  for ((i = 0; i < n; i++)); do
    rps[i]=$(median <"$work/$i.rps"); cpu[i]=$(median <"$work/$i.cpu")
    row+=" $(printf %.0f "${rps[i]}") |"
  done
  for ((i = 0; i < last; i++)); do row+=" $(ratio "${rps[i]}" "${rps[last]}") |"; done
  for ((i = 0; i < n; i++)); do row+=" $(printf %.2f "${cpu[i]}") |"; done
  for ((i = 0; i < last; i++)); do row+=" $(ratio "${cpu[i]}" "${cpu[last]}") |"; done
  for ((i = 0; i < floor_idx; i++)); do
    r=$(ratio "${cpu[i]}" "${cpu[floor_idx]}")
    row+=" $r |"
    if awk -v r="$r" 'BEGIN { exit !(r != "n/a" && r < 0.95) }'; then
      notes+=("- $load: ${names[i]} spends ${r}x the floor's CPU per request, below it: it crosses into the kernel less often than the floor's one recv and one send per request.")
    elif awk -v r="$r" 'BEGIN { exit !(r != "n/a" && r <= 1.05) }'; then
      notes+=("- $load: ${names[i]} spends ${r}x the floor's CPU per request, within 5% of it: the rest is the kernel's, and only fewer kernel crossings move it.")
    fi
  done
  echo "$row"
done
echo
if [ ${#notes[@]} -gt 0 ]; then
  printf '%s\n' "${notes[@]}"
else
  echo "No percore cell is within 5% of the floor's CPU per request (or below it) in this run."
fi
echo
echo "The floor is build/ref_http_responder: one recv and one send of a fixed response per request,"
echo "requests found by memmem of CRLFCRLF, no parsing, no timers, no Date header."
echo "CPU us/req is the server workers' utime+stime over the run divided by the requests served;"
echo "when the load generator saturates its core first, it is the figure that still separates the servers."
