#!/usr/bin/env bash
# UDP benchmarks (issue 9), both as markdown:
#  1. Egress study (seed 004's questions): datagrams per second one core hands to the kernel, and
#     system calls per datagram, for plain sendto() per datagram, percore's epoll backend
#     (sendmmsg batches), its io_uring backend (one sendmsg SQE per datagram, one submit per
#     batch) and both with UDP GSO, at batch sizes 1 16 32 64 128 and payloads 64 1000 1400.
#     tests/bench/udp_egress.cc sends to a 127.0.0.1 socket that never reads; it counts its own
#     system calls (sendto / sendmmsg / io_uring_enter / epoll_wait calls it made).
#  2. Echo: packets per second per server core of `server --mode udp-echo` (epoll, uring) against
#     the minimal recvfrom/sendto loop tests/bench/ref_udp_echo.cc, each on CPU 0, loaded by
#     `client udp -R 0` on CPU 1; the servers take turns (A B C A B C ...), medians and ratios.
#
#   scripts/bench-udp.sh    # BENCH_RUNS=3 BENCH_MS=300 BENCH_SECONDS=2; BENCH_SECTIONS="egress echo"
set -euo pipefail
# shellcheck source=scripts/lib/bench_common.sh
source "$(dirname "$0")/lib/bench_common.sh"
bench_start bench-udp "$0" 0 "$@"

bench_grid 3 2
MS=${BENCH_MS:-300}
SECTIONS=${BENCH_SECTIONS:-"egress echo"}
BATCHES=${BENCH_BATCHES:-"1 16 32 64 128"}
PAYLOADS=${BENCH_PAYLOADS:-"64 1000 1400"}
ECHO_PAYLOADS=${BENCH_ECHO_PAYLOADS:-"64 1000"}
IOS="sendto sendmmsg uring gso-epoll gso-uring"
bench_workdir udp

echo "## UDP (issue 9)"
echo
echo "$(nproc) CPUs, kernel $(uname -r); $RUNS interleaved runs per cell, medians."
echo

egress() {
  echo "### Egress: datagrams/s on one core (CPU $LOAD_CPU), syscalls per datagram"
  echo
  echo "System calls are counted by udp_egress itself. sendto: one per datagram. sendmmsg/uring:"
  echo "the backend's sendmmsg, epoll_wait and io_uring_enter calls. gso-*: the same backends"
  echo "with UDP_SEGMENT runs of up to 64 datagrams."
  echo
  local run payload batch io line
  for run in $(seq 1 "$RUNS"); do
    for payload in $PAYLOADS; do
      for batch in $BATCHES; do
        for io in $IOS; do
          line=$(taskset -c "$LOAD_CPU" build/udp_egress --io "$io" --batch "$batch" \
            --payload "$payload" --ms "$MS" 2>/dev/null | grep '^io=')
          echo "$payload $batch $io $(echo "$line" | sed 's/.*pps=\([0-9.]*\).*syscalls_per_packet=\([0-9.]*\).*/\1 \2/')" \
            >>"$work/egress.txt"
        done
      done
    done
  done
  echo "| payload | batch | sendto pps | sendmmsg pps | uring pps | gso-epoll pps | gso-uring pps | gso-uring / sendto | syscalls/pkt sendmmsg | uring | gso-uring |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for payload in $PAYLOADS; do
    for batch in $BATCHES; do
      declare -A pps=() sys=()
      for io in $IOS; do
        pps[$io]=$(awk -v p="$payload" -v b="$batch" -v i="$io" '$1==p && $2==b && $3==i {print $4}' "$work/egress.txt" | median)
        sys[$io]=$(awk -v p="$payload" -v b="$batch" -v i="$io" '$1==p && $2==b && $3==i {print $5}' "$work/egress.txt" | median)
      done
      printf "| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %.4f | %.4f | %.4f |\n" "$payload" "$batch" \
        "${pps[sendto]}" "${pps[sendmmsg]}" "${pps[uring]}" "${pps[gso-epoll]}" "${pps[gso-uring]}" \
        "$(ratio "${pps[gso-uring]}" "${pps[sendto]}")" "${sys[sendmmsg]}" "${sys[uring]}" "${sys[gso-uring]}"
    done
  done
  echo
}

free_udp_port() { pick_port -Huln; }

echo_section() {
  echo "### Echo: packets/s per server core (server on CPU $SERVER_CPU, client udp -R 0 -t 1 -k 4 on CPU $LOAD_CPU, ${SECS}s)"
  echo
  declare -A port
  local io
  for io in epoll uring; do
    port[$io]=$(free_udp_port)
    taskset -c "$SERVER_CPU" build/server --mode udp-echo -w 1 -c "$SERVER_CPU" --io "$io" \
      -a "127.0.0.1:${port[$io]}" -o "$work/udp-$io.log" >"$work/udp-$io.out" 2>&1 &
    pids+=($!)
  done
  port[ref]=$(free_udp_port)
  taskset -c "$SERVER_CPU" build/ref_udp_echo "${port[ref]}" >"$work/ref.out" &
  pids+=($!)
  sleep 1
  local run payload srv out
  for run in $(seq 1 "$RUNS"); do
    for payload in $ECHO_PAYLOADS; do
      for srv in epoll uring ref; do
        out=$(taskset -c "$LOAD_CPU" build/client udp "127.0.0.1:${port[$srv]}" -R 0 -t 1 -k 4 \
          --start-core "$LOAD_CPU" -l "$payload" -d "${SECS}s" --timeout 200ms -q --json - 2>/dev/null)
        echo "$payload $srv $(echo "$out" | awk -F': ' '/"pps_received"/ {gsub(",","",$2); print $2}')" >>"$work/echo.txt"
      done
    done
  done
  echo "| payload | percore epoll pps | percore uring pps | recvfrom/sendto loop pps | epoll / loop | uring / loop |"
  echo "|---|---|---|---|---|---|"
  for payload in $ECHO_PAYLOADS; do
    declare -A m=()
    for srv in epoll uring ref; do
      m[$srv]=$(awk -v p="$payload" -v s="$srv" '$1==p && $2==s {print $3}' "$work/echo.txt" | median)
    done
    printf "| %s | %.0f | %.0f | %.0f | %s | %s |\n" "$payload" "${m[epoll]}" "${m[uring]}" "${m[ref]}" \
      "$(ratio "${m[epoll]}" "${m[ref]}")" "$(ratio "${m[uring]}" "${m[ref]}")"
  done
  echo
}

for s in $SECTIONS; do
  case "$s" in
    egress) egress ;;
    echo) echo_section ;;
    *) echo "unknown section $s" >&2 ;;
  esac
done
