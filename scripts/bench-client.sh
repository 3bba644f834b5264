#!/usr/bin/env bash
# Benchmarks `client http` against wrk -t1 and ab -k (and all three without keep-alive): a private
# nginx pinned to core 0 is the target, each load generator runs alone on core 1, runs are
# interleaved (A B C A B C ...), and the medians of req/s and of the generator's own CPU time per
# request (user+sys from /usr/bin/time) are printed with the client/wrk ratios. The floor
# (build/ref_http_load: epoll, one send and one recv per request, responses counted by length,
# nothing parsed or timed) runs beside them, so the ratios say how much of a generator's CPU is
# the kernel's: client/floor near 1 means only fewer kernel crossings can lower it further.
# Usage: scripts/bench-client.sh [runs=5] [seconds=3] [connections=50]
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-client "$0" 3 "$@"
bench_counts bench-client "$@"
RUNS=${1:-5} SECS=${2:-3} CONNS=${3:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENT=${CLIENT:-$ROOT/build/client}
FLOOR=${FLOOR:-$ROOT/build/ref_http_load}
TARGET_CORE=${TARGET_CORE:-0}
GEN_CORE=${GEN_CORE:-1}
for p in nginx wrk ab taskset /usr/bin/time; do
  command -v "$p" >/dev/null || { echo "bench-client: $p is missing" >&2; exit 2; }
done
for b in "$CLIENT" "$FLOOR"; do
  [ -x "$b" ] || { echo "bench-client: build first (make build): $b" >&2; exit 2; }
done

DIR=$(mktemp -d /tmp/percore-bench-XXXXXX)
PORT=$(free_port)
cat >"$DIR/nginx.conf" <<CONF
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $DIR/body;
  server {
    listen 127.0.0.1:$PORT;
    keepalive_requests 100000000;
    location / { return 200 "hello\n"; }
  }
}
CONF
taskset -c "$TARGET_CORE" nginx -p "$DIR" -c "$DIR/nginx.conf" -g 'daemon off;' &
NGINX=$!
cleanup() { kill "$NGINX" 2>/dev/null || true; wait "$NGINX" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/"

# Each runner prints "requests cpu_seconds".
timed() { /usr/bin/time -f '%U %S' -o "$DIR/time" taskset -c "$GEN_CORE" "$@" >"$DIR/out" 2>"$DIR/err" || true; }
cpu() { awk '{print $1 + $2}' "$DIR/time"; }
run_client() {
  timed "$CLIENT" http -q -t 1 --start-core "$GEN_CORE" -c "$CONNS" -d "${SECS}s" --json "$DIR/json" "$@" "$URL"
  echo "$(python3 -c "import json; print(json.load(open('$DIR/json'))['requests'])") $(cpu)"
}
run_floor() {
  timed "$FLOOR" "$PORT" "$CONNS" "$SECS" "$@"
  echo "$(awk '/^requests/ {print $2}' "$DIR/out") $(cpu)"
}
run_wrk() {
  timed wrk -t1 -c "$CONNS" -d "${SECS}s" "$@" "$URL"
  echo "$(awk '/requests in/ {print $1}' "$DIR/out") $(cpu)"
}
run_ab() {
  timed ab -q -c "$CONNS" -t "$SECS" -n 100000000 "$@" "$URL"
  echo "$(awk '/Complete requests:/ {print $3}' "$DIR/out") $(cpu)"
}

declare -A RPS CPR
record() {  # name "requests cpu"
  read -r req cpu <<<"$2"
  RPS[$1]+="$(python3 -c "print($req / $SECS)") "
  CPR[$1]+="$(python3 -c "print($cpu * 1e6 / max($req, 1))") "
}
for i in $(seq "$RUNS"); do
  echo "run $i/$RUNS ..." >&2
  record client-ka "$(run_client)"
  record floor-ka "$(run_floor)"
  record wrk-ka "$(run_wrk)"
  record ab-ka "$(run_ab -k)"
  record client-close "$(run_client --no-keepalive)"
  record floor-close "$(run_floor close)"
  record wrk-close "$(run_wrk -H 'Connection: close')"
  record ab-close "$(run_ab)"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "## \`client\` against wrk, ab and the floor (a private nginx as the target)"
echo
echo '```'
echo "nginx on core $TARGET_CORE, generators on core $GEN_CORE, -c $CONNS, ${SECS}s x $RUNS runs, medians"
printf '%-14s %12s %16s\n' generator req/s "cpu us/request"
for name in client-ka floor-ka wrk-ka ab-ka client-close floor-close wrk-close ab-close; do
  printf '%-14s %12.0f %16.2f\n' "$name" "$(echo "${RPS[$name]}" | median)" "$(echo "${CPR[$name]}" | median)"
done
for mode in ka close; do
  c=$(echo "${CPR[client-$mode]}" | median); w=$(echo "${CPR[wrk-$mode]}" | median)
  f=$(echo "${CPR[floor-$mode]}" | median)
  cr=$(echo "${RPS[client-$mode]}" | median); wr=$(echo "${RPS[wrk-$mode]}" | median)
  printf 'client/wrk (%s): cpu per request %.2fx, req/s %.2fx\n' "$mode" \
    "$(python3 -c "print($c / $w)")" "$(python3 -c "print($cr / $wr)")"
  printf 'client/floor (%s): cpu per request %.2fx; floor/wrk %.2fx\n' "$mode" \
    "$(python3 -c "print($c / $f)")" "$(python3 -c "print($f / $w)")"
done
echo "floor: build/ref_http_load, one send and one recv per request, nothing parsed or timed;"
echo "client/floor near 1.00x: what client does beyond that (parsing, latency histograms) costs little;"
echo "below 1.00x: it crosses into the kernel less often than once per send and recv."
echo '```'
