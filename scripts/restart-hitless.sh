#!/usr/bin/env bash
# Restarts the percore systemd unit (conf/percore.service) without refusing or resetting a
# connection. systemd runs one process per unit, so the hand-over takes two steps, each of which
# keeps a server listening on the port the whole time:
#   1. start a stand-in with the unit's own command line as a transient unit (percore-standby);
#      both listen on the port with SO_REUSEPORT and share the new connections;
#   2. stop the unit: SIGTERM makes the old server close its listeners (the kernel moves their
#      queued connections to the stand-in, net.ipv4.tcp_migrate_req=1) and finish the requests it
#      already read, answering them with Connection: close;
#   3. start the unit again (the new binary/config) and wait until it listens;
#   4. stop the stand-in the same way.
# Usage: scripts/restart-hitless.sh [unit]        (default unit: percore; run as root)
set -euo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
check_plain_args restart-hitless "$0" 1 "$@"
unit=${1:-percore}
standby=${unit}-standby
timeout_s=${READY_TIMEOUT:-20}

die() {
  echo "restart-hitless: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (it starts and stops systemd units)"
systemctl is-active --quiet "$unit" || die "$unit is not running: use systemctl start $unit"
if [ "$(sysctl -n net.ipv4.tcp_migrate_req 2>/dev/null || echo 0)" != 1 ]; then
  die "net.ipv4.tcp_migrate_req is not 1: connections queued on the old listeners would be reset." \
    "Set it (conf/sysctl-percore.conf, scripts/tune-sysctl.sh) and run again"
fi

# The unit's command line: systemctl shows "{ path=... ; argv[]=ARGS ; ignore_errors=... }".
execstart=$(systemctl show -p ExecStart --value "$unit" | sed -n 's/.*argv\[\]=\(.*\) ; ignore_errors=.*/\1/p')
[ -n "$execstart" ] || die "cannot read ExecStart of $unit"
read -r -a argv <<<"$execstart"
# Both the stand-in and the restarted unit start while another server listens on the port, which
# the server refuses unless told to join it.
[[ " ${argv[*]} " == *" --join-running "* ]] ||
  die "$unit's ExecStart lacks --join-running (conf/percore.service): add it and daemon-reload"
# The port of the first -a/--listen (default 8080), to count listeners on it.
port=8080
for ((i = 0; i < ${#argv[@]}; i++)); do
  case ${argv[i]} in
    -a | --listen) port=${argv[i + 1]##*:} && break ;;
    --listen=*) port=${argv[i]##*:} && break ;;
  esac
done

listeners() { ss -Hltn "sport = :$port" | wc -l; }

# Waits until more than $1 sockets listen on the port.
wait_listeners_above() {
  local deadline=$((SECONDS + timeout_s))
  while [ "$(listeners)" -le "$1" ]; do
    [ $SECONDS -lt $deadline ] || die "no new listener on port $port after ${timeout_s}s"
    sleep 0.1
  done
}

before=$(listeners)
echo "restart-hitless: $unit has $before listener(s) on port $port; starting $standby"
systemctl reset-failed "$standby" 2>/dev/null || true
systemd-run --quiet --unit="$standby" --property=KillSignal=SIGTERM --property=TimeoutStopSec=15 \
  --property=LimitNOFILE=1048576 "${argv[@]}"
wait_listeners_above "$before"

echo "restart-hitless: stopping the old $unit (drains, its queued connections move over)"
systemctl stop "$unit"
standby_only=$(listeners)
echo "restart-hitless: starting the new $unit"
systemctl start "$unit"
wait_listeners_above "$standby_only"

echo "restart-hitless: stopping $standby"
systemctl stop "$standby"
echo "restart-hitless: done; $(listeners) listener(s) on port $port"
