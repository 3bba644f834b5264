# shellcheck shell=bash
# Shared helpers for the benchmark scripts: the prologue (usage, the grid's environment
# variables), process CPU accounting, medians, private nginx, work dirs and cleanup.
# Sourced, not run.
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "${BASH_SOURCE[0]}")/usage.sh"

# bench_start NAME FILE MAX ARG...: check_plain_args (--help prints FILE's header), then the
# repository root as the working directory: the scripts run build/server and write docs/.
bench_start() {
  check_plain_args "$@"
  cd "$(dirname "$2")/.." || exit 1
}

# bench_counts NAME ARG...: every positional argument must be a positive whole number.
bench_counts() {
  local name=$1 arg
  shift
  for arg in "$@"; do
    [[ $arg =~ ^[1-9][0-9]*$ ]] || { echo "$name: $arg is not a positive number (see --help)" >&2; exit 2; }
  done
}

# bench_grid RUNS SECONDS [CONNS]: the defaults of the variables every grid benchmark reads,
# each overridable from the environment: RUNS (BENCH_RUNS) interleaved runs per cell of SECS
# (BENCH_SECONDS) seconds, CONNS (BENCH_CONNS) connections, the server pinned to SERVER_CPU and
# the load to LOAD_CPU.
# shellcheck disable=SC2034  # the variables are read by the script that sources this file
bench_grid() {
  RUNS=${BENCH_RUNS:-$1}
  SECS=${BENCH_SECONDS:-$2}
  CONNS=${BENCH_CONNS:-${3:-}}
  SERVER_CPU=${SERVER_CPU:-0}
  LOAD_CPU=${LOAD_CPU:-1}
}

# bench_echo_grid: bench_grid for the echo grids (pattern x payload x connections), with
# BENCH_PATTERNS and BENCH_PAYLOADS.
# shellcheck disable=SC2034  # the variables are read by the script that sources this file
bench_echo_grid() {
  bench_grid 3 2 "1 8 64 512"
  PATTERNS=${BENCH_PATTERNS:-"rr stream"}
  PAYLOADS=${BENCH_PAYLOADS:-"64 1024 16384"}
}

# bench_fd_limit NEED: at least NEED open files for this script and its children (raises the
# hard limit too where allowed, as root).
bench_fd_limit() {
  local need=$1
  if [ "$(ulimit -Hn)" -lt "$need" ]; then
    ulimit -Hn "$need" 2>/dev/null || { echo "fd hard limit $(ulimit -Hn) < $need: run as root or lower CONNS" >&2; exit 1; }
  fi
  ulimit -Sn "$need"
}

# bench_server_workdir NAME: a temp dir in $work, and an EXIT trap that kills the load generator
# ($load_pid, at once), stops the server ($server_pid, master and workers) and removes the dir.
bench_server_workdir() {
  work=$(mktemp -d "/tmp/percore-$1.XXXXXX")
  server_pid=
  load_pid=
  trap bench_server_cleanup EXIT
}

bench_server_cleanup() {
  if [ -n "$load_pid" ]; then kill -9 "$load_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then stop_server_tree "$server_pid"; fi
  rm -rf "$work"
}

# Sum of utime+stime (clock ticks) of the given pids.
cpu_ticks() {
  local total=0 pid f
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    f=$(sed 's/^.*) //' "/proc/$pid/stat")
    total=$((total + $(echo "$f" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

children_of() { cat "/proc/$1/task/$1/children" 2>/dev/null; }

# tree_pids PID: PID and all its descendants (a master with its workers), one a line. Read once the
# tree has started: processes forked later are not in the list.
tree_pids() {
  local c
  echo "$1"
  # every thread's children file: a child forked by another thread is listed only there
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print 0} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# pick_port SS_FLAGS [RANGE]: a random port in RANGE (default 20000-45000) on which
# `ss SS_FLAGS` lists no socket.
pick_port() {
  local port
  while :; do
    port=$(shuf -i "${2:-20000-45000}" -n 1)  # not $RANDOM: it repeats across $(...) subshells
    ss "$1" "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return; }
  done
}

# A free TCP port on 127.0.0.1.
free_port() { pick_port -Htln; }

wait_port() {
  local port=$1 i
  for i in $(seq 1 100); do
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . && return 0
    sleep 0.05
  done
  echo "port $port never opened" >&2
  return 1
}

# start_nginx DIR PORT CPU BODY [EXTRA_HTTP_CONFIG] [LOCATION_BODY]: a private nginx, one worker
# pinned to CPU, answering 200 with BODY (or running LOCATION_BODY).
start_nginx() {
  local dir=$1 port=$2 cpu=$3 body=$4 extra=${5:-} location=${6:-}
  mkdir -p "$dir/logs"
  [ -n "$location" ] || location="default_type text/plain; return 200 \"$body\";"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 20000; multi_accept on; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  $extra
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    location / { $location }
  }
}
CONF
  taskset -c "$cpu" nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  wait_port "$port"
}

# bench_workdir NAME: a private temp dir in $work, and an EXIT trap that kills every pid added to
# the pids array and removes the dir (also when the script is interrupted; KEEP=1 keeps the dir).
bench_workdir() {
  work=$(mktemp -d "/tmp/percore-bench-$1.XXXXXX")
  chmod 755 "$work"  # nginx/haproxy workers may run as another user
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 1' INT TERM PIPE HUP
}

# Stops a percore master and its workers: TERM first (a clean drain), then KILL whatever a second
# later has not gone, so a wedged worker never outlives the benchmark.
stop_server_tree() {
  local workers
  workers=$(children_of "$1")
  kill -TERM "$1" 2>/dev/null || true
  sleep 1
  for p in $workers $1; do kill -9 "$p" 2>/dev/null || true; done
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
