#!/usr/bin/env bash
# Slowloris at scale against server mode (one worker): CONNS (default 2000) connections each
# sending one header byte a second (tests/tools/slowloris.cc, built as build/slowloris, which
# replaces every connection the server cuts, so CONNS stay open), while `client http -R RATE --no-keepalive` measures p99 on
# fresh connections. Runs without and with the attack interleaved (without, with, without, with
# ... RUNS pairs), prints each run's p99 and errors, the medians and their ratio, and what the
# attacker saw (408s, how long the server held a connection).
#
# The server's --header-timeout (HEADER_TIMEOUT, default: the server's default, 10 s) runs from a
# request's first byte, so a slowloris connection is cut with 408 after it however slowly it
# sends: the attack costs the server CONNS connections held at once and CONNS/HEADER_TIMEOUT
# replacements a second.
#
# CPUs: the server's worker on core 0, the client on core 1, the attacker on ATTACK_CPU (default
# 0: with the server) at nice ATTACK_NICE (default 0). On loopback the kernel's TCP work for the
# attack's packets (2,000 connects and closes per wave) runs on the attacker's core; on the
# client's core it delays the measuring client itself (ATTACK_CPU=1 shows that), on the server's
# it is load the server has to bear, which is the point.
#   RUNS=3 SECONDS_PER_RUN=15 scripts/bench-slowloris.sh
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-slowloris "$0" 0 "$@"
conns=${CONNS:-2000}
rate=${RATE:-500}
runs=${RUNS:-3}
secs=${SECONDS_PER_RUN:-15}
header_timeout=${HEADER_TIMEOUT:-}
attack_cpu=${ATTACK_CPU:-0}
attack_nice=${ATTACK_NICE:-0}
server_bin=${SERVER:-build/server}
client_bin=${CLIENT:-build/client}
attacker_bin=${ATTACKER:-build/slowloris}
[ -x "$attacker_bin" ] || { echo "bench-slowloris: no $attacker_bin (cmake --build build --target slowloris)" >&2; exit 1; }
bench_fd_limit $((conns * 2 + 1000))
bench_server_workdir slowloris  # the attacker is $load_pid

port=$(free_port)
server_args=(-a "127.0.0.1:$port" -w 1 --backlog 4096 -o "$work/server.log")
[ -z "$header_timeout" ] || server_args+=(--header-timeout "$header_timeout")
taskset -c 0 "$server_bin" "${server_args[@]}" >/dev/null 2>&1 &
server_pid=$!
wait_port "$port"

# One measured client run; prints "p99_us errors requests".
measure() {
  local out=$work/client-$1.json
  taskset -c 1 "$client_bin" http -q -c 32 -t 1 --no-pin --no-keepalive -R "$rate" -d "${secs}s" \
    --json "$out" "http://127.0.0.1:$port/" >"$work/client-$1.txt" 2>&1 || true
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["latency_us"]["p99"], j["errors"]["total"], j["requests"])' "$out"
}

printf '%-8s %-4s %12s %8s %9s  %s\n' run pass p99_us errors requests attacker
without=() with=()
for i in $(seq 1 "$runs"); do
  read -r p99 errors reqs < <(measure "without-$i")
  without+=("$p99")
  printf '%-8s %-4s %12s %8s %9s\n' without "$i" "$p99" "$errors" "$reqs"
  # The attack runs for the whole measured run; the client starts once every connection is open.
  taskset -c "$attack_cpu" nice -n "$attack_nice" "$attacker_bin" 127.0.0.1 "$port" --connections "$conns" \
    --duration "$((secs + 60))" >"$work/attack-$i.out" 2>&1 &
  load_pid=$!
  for _ in $(seq 1 600); do grep -q '^ready' "$work/attack-$i.out" && break; sleep 0.1; done
  grep -q '^ready' "$work/attack-$i.out" || { echo "the attacker never held $conns connections" >&2; cat "$work/attack-$i.out" >&2; exit 1; }
  read -r p99 errors reqs < <(measure "with-$i")
  kill -TERM "$load_pid"
  wait "$load_pid" || true
  load_pid=
  with+=("$p99")
  printf '%-8s %-4s %12s %8s %9s  %s\n' with "$i" "$p99" "$errors" "$reqs" "$(tail -n 1 "$work/attack-$i.out")"
done
m_without=$(printf '%s\n' "${without[@]}" | median)
m_with=$(printf '%s\n' "${with[@]}" | median)
echo "median p99 without the attack: ${m_without} us"
echo "median p99 with $conns slowloris connections: ${m_with} us"
echo "ratio with/without: $(ratio "$m_with" "$m_without") (criterion: <= 2)"
