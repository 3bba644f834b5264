#!/usr/bin/env bash
# Applies the kernel settings of conf/sysctl-percore.conf and can take them back.
#
#   scripts/tune-sysctl.sh [--dry-run | --apply | --undo] [--net-only] [--conf FILE] [--record FILE]
#
# --dry-run (the default) prints each key with its current and proposed value. --apply sets
# them, recording each previous value first (default record: /var/tmp/percore-sysctl.record);
# --undo writes the recorded values back and removes the record. Keys the running kernel (or this
# network namespace) does not have are reported and skipped. --net-only limits the run to net.*
# keys; inside a network namespace other than the host's it is implied, because fs.* and the
# like are machine-wide and a namespace experiment must not change the host.
# Exit 0 when every change was made, 1 when one failed, 2 on a usage error.
set -euo pipefail
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
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
  if [ "$current" = "$value" ]; then
    printf 'same     %-32s %s\n' "$key" "$current"
  elif [ "$(id -u)" -eq 0 ] && [ ! -w "$path" ]; then
    printf 'skip     %-32s (read-only here: set it on the host)\n' "$key"
  elif [ "$mode" = dry-run ]; then
    printf 'would    %-32s %-24s -> %s\n' "$key" "$current" "$value"
  else
    printf '%s\t%s\n' "$key" "$current" >>"$record"
    if echo "$value" 2>/dev/null >"$path"; then
      printf 'set      %-32s %-24s -> %s\n' "$key" "$current" "$value"
    else
      printf 'fail     %-32s cannot write %s (read-only here?)\n' "$key" "$value" >&2
      failures=$((failures + 1))
    fi
  fi
done < <(grep -Ev '^\s*(#|$)' "$conf")
if [ "$mode" = apply ]; then echo "recorded previous values in $record (undo: $0 --undo --record $record)"; fi
[ $failures -eq 0 ]
