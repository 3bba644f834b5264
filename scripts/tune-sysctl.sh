#!/usr/bin/env bash
# Applies the kernel settings of conf/sysctl-percore.conf and can take them back.
#
#   scripts/tune-sysctl.sh [--dry-run | --apply | --undo] [--net-only] [--conf FILE] [--record FILE]
#
# A limit or size the host already has higher is never lowered: for a single number (somaxconn,
# fs.file-max, rmem_max ...) the higher value stays; for the three numbers of tcp_rmem/tcp_wmem
# (and tcp_mem) each field keeps the higher of the two; ip_local_port_range is only widened.
# Those keys print "kept" (or "fields already higher kept"). Other keys (tcp_fin_timeout,
# tcp_tw_reuse ...) are set to the conf's value either way.
#
# --dry-run (the default) prints each key with its current and proposed value. --apply sets
# them, recording each previous value first (default record: /var/tmp/percore-sysctl.record);
# --undo writes the recorded values back and removes the record. Keys the running kernel (or this
# network namespace) does not have are reported and skipped. --net-only limits the run to net.*
# keys; inside a network namespace other than the host's it is implied, because fs.* and the
# like are machine-wide and a namespace experiment must not change the host.
# Exit 0 when every change was made, 1 when one failed, 2 on a usage error.
set -euo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
conf="$(dirname "$0")/../conf/sysctl-percore.conf"
mode=dry-run net_only=0 record=/var/tmp/percore-sysctl.record
die_usage() {
  echo "tune-sysctl: $1" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) mode=dry-run; shift ;;
    --apply) mode=apply; shift ;;
    --undo) mode=undo; shift ;;
    --net-only) net_only=1; shift ;;
    --conf) [ $# -ge 2 ] || die_usage "--conf wants a file"; conf=$2; shift 2 ;;
    --record) [ $# -ge 2 ] || die_usage "--record wants a file"; record=$2; shift 2 ;;
    -h | --help) print_usage "$0"; exit 0 ;;
    *) die_usage "unknown argument $1 (see --help)" ;;
  esac
done
if [ "$mode" != dry-run ] && [ "$(id -u)" -ne 0 ]; then die_usage "--$mode needs root"; fi
[ -r "$conf" ] || die_usage "cannot read $conf"

# True in a network namespace other than the host's. The machine-wide net.core keys (such as
# netdev_max_backlog) exist only in the initial namespace; PID 1's namespace link, where it is
# readable, says the same directly.
in_child_netns() {
  local init mine
  init=$(readlink /proc/1/ns/net 2>/dev/null || true)
  mine=$(readlink /proc/self/ns/net 2>/dev/null || true)
  if [ -n "$init" ] && [ -n "$mine" ]; then [ "$init" != "$mine" ]; return; fi
  [ -d /proc/sys/net/core ] && [ ! -e /proc/sys/net/core/netdev_max_backlog ]
}
if [ "$net_only" -eq 0 ] && in_child_netns; then
  net_only=1
  echo "note  inside a network namespace: only net.* keys (the others are machine-wide)"
fi

path_of() { echo "/proc/sys/${1//.//}"; }
# Values such as tcp_rmem print with tabs; compare them with single spaces.
current_of() { tr -s '\t ' '  ' <"$1"; }
failures=0

# How a key's conf value combines with the running one: "floor" for limits and sizes (the conf's
# value is a minimum, never a cap), "range" for a port range (only widened), "exact" otherwise.
kind_of() {
  case "${1##*.}" in
    ip_local_port_range) echo range ;;
    somaxconn | nr_open | *max | max_* | *_max_* | *backlog | [rw]mem_* | tcp_[rw]mem | tcp_mem | udp_mem)
      echo floor ;;
    *) echo exact ;;
  esac
}
# num_gt A B: A > B for decimal integers of any length (fs.file-max can be 2^63-1 and some
# unsigned keys print past what shell arithmetic holds).
num_gt() {
  local a=${1#"${1%%[!0]*}"} b=${2#"${2%%[!0]*}"}
  if [ ${#a} -ne ${#b} ]; then [ ${#a} -gt ${#b} ]; else [[ $a > $b ]]; fi
}
# effective_of KEY CURRENT TARGET: the value to write. For a floor, field by field the higher of
# the two; for a range the lower start and the higher end; else (or when the fields are not all
# numbers, or their counts differ) the target.
effective_of() {
  local kind cur_f tgt_f i out=()
  kind=$(kind_of "$1")
  read -ra cur_f <<<"$2"
  read -ra tgt_f <<<"$3"
  if [ "$kind" = exact ] || [ ${#cur_f[@]} -ne ${#tgt_f[@]} ] ||
    [[ ! "${cur_f[*]} ${tgt_f[*]}" =~ ^[0-9]+( [0-9]+)*$ ]]; then
    echo "$3"
    return
  fi
  for i in "${!tgt_f[@]}"; do
    if [ "$kind" = range ] && [ "$i" -eq 0 ]; then
      if num_gt "${tgt_f[i]}" "${cur_f[i]}"; then out+=("${cur_f[i]}"); else out+=("${tgt_f[i]}"); fi
    else
      if num_gt "${cur_f[i]}" "${tgt_f[i]}"; then out+=("${cur_f[i]}"); else out+=("${tgt_f[i]}"); fi
    fi
  done
  echo "${out[*]}"
}

if [ "$mode" = undo ]; then
  [ -f "$record" ] || { echo "tune-sysctl: nothing to undo ($record not found)" >&2; exit 1; }
  while IFS=$'\t' read -r key old; do
    if echo "$old" 2>/dev/null >"$(path_of "$key")"; then
      printf 'restored %-32s %s\n' "$key" "$old"
    else
      printf 'fail     %-32s cannot write back %s\n' "$key" "$old" >&2
      failures=$((failures + 1))
    fi
  done < <(grep -v '^#' "$record" | tac)
  if [ $failures -eq 0 ]; then rm -f "$record"; fi
  [ $failures -eq 0 ]
  exit
fi

if [ "$mode" = apply ]; then
  [ ! -e "$record" ] || die_usage "$record exists: a previous --apply is not undone (--undo first)"
  printf '# percore tune-sysctl record, %s\n' "$(date -u +%FT%TZ)" >"$record"
fi
while IFS='=' read -r key value; do
  key=$(echo "$key" | xargs)
  value=$(echo "$value" | xargs)
  path=$(path_of "$key")
  if [ "$net_only" -eq 1 ] && [[ $key != net.* ]]; then
    printf 'skip     %-32s (not a network namespace setting)\n' "$key"
    continue
  fi
  if [ ! -e "$path" ]; then
    printf 'skip     %-32s (not in this kernel or namespace)\n' "$key"
    continue
  fi
  current=$(current_of "$path")
  target=$value
  value=$(effective_of "$key" "$current" "$target")
  note=""
  if [ "$value" != "$target" ]; then note=" (conf $target: fields already higher kept)"; fi
  if [ "$current" = "$target" ]; then
    printf 'same     %-32s %s\n' "$key" "$current"
  elif [ "$current" = "$value" ]; then
    printf 'kept     %-32s %-24s (conf %s: already higher, kept)\n' "$key" "$current" "$target"
  elif [ "$(id -u)" -eq 0 ] && [ ! -w "$path" ]; then
    printf 'skip     %-32s (read-only here: set it on the host)\n' "$key"
  elif [ "$mode" = dry-run ]; then
    printf 'would    %-32s %-24s -> %s%s\n' "$key" "$current" "$value" "$note"
  else
    printf '%s\t%s\n' "$key" "$current" >>"$record"
    if echo "$value" 2>/dev/null >"$path"; then
      printf 'set      %-32s %-24s -> %s%s\n' "$key" "$current" "$value" "$note"
    else
      printf 'fail     %-32s cannot write %s (read-only here?)\n' "$key" "$value" >&2
      failures=$((failures + 1))
    fi
  fi
done < <(grep -Ev '^\s*(#|$)' "$conf")
if [ "$mode" = apply ]; then echo "recorded previous values in $record (undo: $0 --undo --record $record)"; fi
[ $failures -eq 0 ]
