# Shared helpers for the benchmark scripts: process CPU accounting, medians, private nginx.
# Sourced, not run.

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

# A free TCP port on 127.0.0.1.
free_port() {
  local port
  while :; do
    port=$(shuf -i 20000-45000 -n 1)  # not $RANDOM: it repeats across $(...) subshells
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return; }
  done
}

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
