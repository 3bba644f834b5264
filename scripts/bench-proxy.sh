#!/usr/bin/env bash
# Proxy benchmark: percore `server -x` against HAProxy and nginx proxy_pass, all three with
# upstream keep-alive, one worker pinned to CPU 0, in front of the same backend (percore HTTP
# mode, or nginx with BACKEND=nginx) on CPU 1, with wrk on CPU 1. Runs are interleaved
# (percore, haproxy, nginx, percore, ...) and the medians and ratios of this one invocation are
# printed as a markdown table.
#
#   scripts/bench-proxy.sh          # BENCH_RUNS=5 BENCH_SECONDS=5 BENCH_CONNS=50 BACKEND=percore
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench_common.sh

RUNS=${BENCH_RUNS:-5}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-50}
BACKEND=${BACKEND:-percore}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
bench_workdir proxy

to_us() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); print v} else if (v ~ /ms$/) {sub(/ms/,"",v); print v*1000} else {sub(/s/,"",v); print v*1000000}}'; }

bport=$(free_port)
if [ "$BACKEND" = nginx ]; then
  mkdir -p "$work/backend"
  cat >"$work/backend/nginx.conf" <<CONF
worker_processes 1;
error_log $work/backend/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  server { listen 127.0.0.1:$bport; location / { return 200 "Hello from percore\n"; } }
}
CONF
  taskset -c "$LOAD_CPU" nginx -p "$work/backend" -c "$work/backend/nginx.conf" \
    -g "daemon off; pid $work/backend/nginx.pid;" &
else
  taskset -c "$LOAD_CPU" build/server -w 1 -c "$LOAD_CPU" -k -a "127.0.0.1:$bport" \
    -o "$work/backend.log" >"$work/backend.out" &
fi
pids+=($!)
wait_port "$bport"

# percore
pport=$(free_port)
taskset -c "$PROXY_CPU" build/server -w 1 -c "$PROXY_CPU" -k -a "127.0.0.1:$pport" \
  -x "127.0.0.1:$bport" -o "$work/percore.log" >"$work/percore.out" &
pids+=($!)

# HAProxy: one thread, keep-alive on both sides, idle upstream connections always reused.
hport=$(free_port)
cat >"$work/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4000
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 30s
frontend fe
  bind 127.0.0.1:$hport
  default_backend be
backend be
  server s1 127.0.0.1:$bport pool-max-conn 1000
CONF
taskset -c "$PROXY_CPU" haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.out" 2>&1 &
pids+=($!)

# nginx proxy_pass with an upstream keepalive pool.
nport=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  upstream be { server 127.0.0.1:$bport; keepalive 256; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$nport;
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
taskset -c "$PROXY_CPU" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" \
  -g "daemon off; pid $work/nginx/nginx.pid;" &
pids+=($!)
wait_port "$pport"
wait_port "$hport"
wait_port "$nport"

declare -A port=([percore]=$pport [haproxy]=$hport [nginx]=$nport)
names=(percore haproxy nginx)
for n in "${names[@]}"; do  # warm-up, and a check that each one proxies
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$n]}/")
  [ "$code" = 200 ] || { echo "$n answered $code" >&2; exit 1; }
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:${port[$n]}/" >/dev/null
done

for run in $(seq "$RUNS"); do
  for n in "${names[@]}"; do
    out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:${port[$n]}/")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out" | to_us)
    errs=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | paste -sd';' || true)
    echo "$rps" >>"$work/$n.rps"
    echo "$p99" >>"$work/$n.p99"
    echo "run $run $n: ${rps} req/s, p99 ${p99} us${errs:+, error lines: $errs}" >&2
  done
done

echo "## Proxy: percore vs HAProxy vs nginx proxy_pass (upstream keep-alive)"
echo
echo "Backend: $BACKEND HTTP on CPU $LOAD_CPU; each proxy 1 worker on CPU $PROXY_CPU; wrk -t1 -c$CONNS -d${SECS}s on CPU $LOAD_CPU; $RUNS interleaved runs, medians."
echo
echo "| proxy | req/s (median) | p99 latency (median) | req/s vs percore |"
echo "|---|---:|---:|---:|"
prps=$(median <"$work/percore.rps")
for n in "${names[@]}"; do
  rps=$(median <"$work/$n.rps")
  p99=$(median <"$work/$n.p99")
  echo "| $n | $(printf '%.0f' "$rps") | $(printf '%.0f' "$p99") us | $(awk -v a="$rps" -v b="$prps" 'BEGIN {printf "%.2f", a/b}') |"
done
echo
hrps=$(median <"$work/haproxy.rps")
nrps=$(median <"$work/nginx.rps")
echo "percore / HAProxy: $(awk -v a="$prps" -v b="$hrps" 'BEGIN {printf "%.2fx", a/b}') req/s, p99 $(median <"$work/percore.p99") us vs $(median <"$work/haproxy.p99") us"
echo "percore / nginx:   $(awk -v a="$prps" -v b="$nrps" 'BEGIN {printf "%.2fx", a/b}') req/s, p99 $(median <"$work/percore.p99") us vs $(median <"$work/nginx.p99") us"
