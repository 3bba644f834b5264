#!/usr/bin/env bash
# Applies conf/sysctl-percore.conf (root), or with --dry-run shows current and proposed values.
# Settings the running kernel does not know are reported and skipped.
set -euo pipefail
conf="$(dirname "$0")/../conf/sysctl-percore.conf"
dry=0
[ "${1:-}" = "--dry-run" ] && dry=1
if [ $dry -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "tune-sysctl: run as root, or with --dry-run to only look" >&2
  exit 2
fi
grep -Ev '^\s*(#|$)' "$conf" | while IFS='=' read -r key value; do
  key=$(echo "$key" | xargs); value=$(echo "$value" | xargs)
  path="/proc/sys/${key//.//}"
  if [ ! -e "$path" ]; then
    echo "skip  $key (not in this kernel)"
    continue
  fi
  current=$(tr '\t' ' ' <"$path")
  if [ $dry -eq 1 ]; then
    printf '%-32s %-24s -> %s\n' "$key" "$current" "$value"
  elif sysctl -q -w "$key=$value" 2>/dev/null; then
    printf 'set   %-32s %s\n' "$key" "$value"
  else
    printf 'fail  %-32s (read-only here?)\n' "$key"
  fi
done
