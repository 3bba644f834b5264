#!/usr/bin/env bash
# Runs one percore client load from several hosts at once and prints one merged report.
#
#   scripts/multi-host.sh --hosts h1,h2,h3 [options] -- CLIENT http|echo|udp [client options] TARGET
#
# CLIENT is the client binary's path on the load hosts. Host i of N runs it with
# `--segment i/N --start-at T --json FILE`, so -c (udp: -t x -k), -R and -n are split exactly
# between the hosts and every host starts at the same wall-clock instant T (now + --lead). pdsh
# fans the hosts out in parallel and ssh carries each one; the results are copied back with scp
# and merged with `client merge`. A host that cannot be reached or whose client fails is
# reported, and the others are still merged (exit code 1 then).
#
# Options:
#   --hosts LIST        comma-separated ssh destinations ([user@]host), in segment order
#   --ssh-config FILE   ssh/scp configuration (keys, users, known hosts), passed as -F FILE
#   --lead SECONDS      time between launching and the common start (default 5): enough for
#                       ssh to reach every host and the clients to connect
#   --out DIR           where the results land (default ./multi-host-YYYYmmdd-HHMMSS)
#   --merge-client P    the local client binary used for `client merge` (default: CLIENT if it
#                       exists here, else `client` on PATH)
#   --connect-timeout S ssh connect timeout in seconds (default 5)
#
# The hosts' clocks must agree (NTP/PTP) to well under the run time; a host that starts more
# than 100 ms after the common start says so in its result and the merge warns.
# shellcheck disable=SC2029  # remote commands are built here on purpose, each word quoted with printf %q
set -euo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"

usage() { print_usage "$0"; }

die() {
  echo "multi-host: $*" >&2
  exit 2
}

# --- one host (run by pdsh through the exec module, once per host, %h substituted) ----------
if [ "${1:-}" = "--one-host" ]; then
  host=$2
  shift 2
  index=0
  i=0
  IFS=, read -r -a all_hosts <<<"$MH_HOSTS"
  for h in "${all_hosts[@]}"; do
    i=$((i + 1))
    [ "$h" = "$host" ] && index=$i
  done
  [ "$index" -gt 0 ] || {
    echo "not in the host list" >&2
    exit 1
  }
  ssh_opts=(-o BatchMode=yes -o ConnectTimeout="$MH_CONNECT_TIMEOUT")
  [ -n "$MH_SSH_CONFIG" ] && ssh_opts=(-F "$MH_SSH_CONFIG" "${ssh_opts[@]}")
  remote_dir="/tmp/percore-multi-host-$MH_RUN_ID-$index"
  remote_json="$remote_dir/result.json"
  # The client command, each word quoted for the remote shell.
  cmd=""
  for word in "$@" --segment "$index/$MH_COUNT" --start-at "$MH_START_AT" --json "$remote_json" -q; do
    cmd+=" $(printf '%q' "$word")"
  done
  rc=0
  # The host's own report is shown only when it failed: the merged report says the rest.
  ssh "${ssh_opts[@]}" "$host" "mkdir -p $remote_dir && $cmd >$remote_dir/report.txt 2>&1; rc=\$?; [ \$rc -eq 0 ] || [ \$rc -eq 3 ] || tail -n 20 $remote_dir/report.txt >&2; exit \$rc" || rc=$?
  # Exit code 3 is a crossed --fail-if: the run itself is complete and merges.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo "segment $index/$MH_COUNT failed (exit code $rc)" >&2
    ssh "${ssh_opts[@]}" "$host" "rm -rf $remote_dir" >/dev/null 2>&1 || true
    exit 1
  fi
  scp -q "${ssh_opts[@]}" "$host:$remote_json" "$MH_OUT/result-$index.json"
  ssh "${ssh_opts[@]}" "$host" "rm -rf $remote_dir" >/dev/null 2>&1 || true
  echo "segment $index/$MH_COUNT done"
  exit 0
fi

# --- the launcher ---------------------------------------------------------------------------
hosts="" ssh_config="" lead=5 out="" merge_client="" connect_timeout=5
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) [ $# -ge 2 ] || die "--hosts needs a list"; hosts=$2; shift 2 ;;
    --ssh-config) [ $# -ge 2 ] || die "--ssh-config needs a file"; ssh_config=$2; shift 2 ;;
    --lead) [ $# -ge 2 ] || die "--lead needs seconds"; lead=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
    --merge-client) [ $# -ge 2 ] || die "--merge-client needs a path"; merge_client=$2; shift 2 ;;
    --connect-timeout) [ $# -ge 2 ] || die "--connect-timeout needs seconds"; connect_timeout=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ -n "$hosts" ] || die "--hosts is required (see --help)"
[ $# -ge 2 ] || die "expected '-- CLIENT http|echo|udp [options] TARGET' after the options"
case "$2" in
  http | echo | udp) ;;
  *) die "the client mode must be http, echo or udp, not '$2'" ;;
esac
for word in "$@"; do
  case "$word" in
    --segment* | --start-at* | --json*) die "$word is set by multi-host.sh itself" ;;
  esac
done
[[ "$lead" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--lead '$lead': expected seconds"
[[ "$connect_timeout" =~ ^[0-9]+$ ]] || die "--connect-timeout '$connect_timeout': expected seconds"
[ -z "$ssh_config" ] || [ -r "$ssh_config" ] || die "--ssh-config $ssh_config: cannot read it"
command -v pdsh >/dev/null || die "pdsh is not installed (Debian package pdsh; scripts/deps.sh)"
command -v ssh >/dev/null || die "ssh is not installed (Debian package openssh-client)"

IFS=, read -r -a host_list <<<"$hosts"
count=${#host_list[@]}
declare -A seen=()
for h in "${host_list[@]}"; do
  [ -n "$h" ] || die "--hosts has an empty entry"
  [ -z "${seen[$h]:-}" ] || die "--hosts names $h twice"
  seen[$h]=1
done
if [ -z "$merge_client" ]; then
  if [ -x "$1" ]; then merge_client=$1; else merge_client=client; fi
fi
command -v "$merge_client" >/dev/null || die "no local client for the merge ($merge_client); use --merge-client"
out=${out:-./multi-host-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/result-*.json

# The common start: now + lead, in epoch seconds with milliseconds.
now_ms=$(($(date +%s%N) / 1000000))
lead_ms=$(awk -v l="$lead" 'BEGIN { printf "%d", l * 1000 }')
start_ms=$((now_ms + lead_ms))
start_at=$(printf '%d.%03d' $((start_ms / 1000)) $((start_ms % 1000)))

export MH_HOSTS=$hosts MH_COUNT=$count MH_START_AT=$start_at MH_OUT=$out
export MH_SSH_CONFIG=$ssh_config MH_CONNECT_TIMEOUT=$connect_timeout MH_RUN_ID="$$-$now_ms"
echo "multi-host: $count hosts, segments 1..$count/$count, start at $start_at (in ${lead}s), results in $out" >&2
pdsh_rc=0
pdsh -S -R exec -f "$count" -w "$hosts" "$(readlink -f "$0")" --one-host %h "$@" || pdsh_rc=$?

results=()
failed=0
for i in $(seq 1 "$count"); do
  if [ -s "$out/result-$i.json" ]; then
    results+=("$out/result-$i.json")
  else
    echo "multi-host: host ${host_list[$((i - 1))]} (segment $i/$count) gave no result: unreachable or its client failed (see above)" >&2
    failed=$((failed + 1))
  fi
done
[ ${#results[@]} -gt 0 ] || {
  echo "multi-host: no host gave a result" >&2
  exit 1
}
merge_rc=0
"$merge_client" merge --json "$out/merged.json" "${results[@]}" | tee "$out/merged.txt" || merge_rc=$?
if [ "$failed" -gt 0 ]; then
  echo "multi-host: merged ${#results[@]} of $count hosts; $failed failed" >&2
  exit 1
fi
[ "$pdsh_rc" -eq 0 ] || [ "$merge_rc" -ne 0 ] || exit 1
exit "$merge_rc"
