#!/usr/bin/env bash
# Spreads one NIC's receive/transmit queues over the cores the way percore spreads its workers:
# queue i's interrupt goes to core START+i, RPS/XPS steer that queue to the same core, and
# irqbalance (which would undo it) is reported. Fastsocket's nic.sh did the same by hand.
#
#   scripts/nic-rss.sh IFACE [START_CORE] [--apply]     (without --apply it only prints)
set -euo pipefail
iface=${1:?usage: nic-rss.sh IFACE [START_CORE] [--apply]}
start=${2:-0}
apply=0
for a in "$@"; do [ "$a" = "--apply" ] && apply=1; done
[ "$start" = "--apply" ] && start=0
[ -d "/sys/class/net/$iface" ] || { echo "nic-rss: no interface $iface" >&2; exit 2; }
if [ $apply -eq 1 ] && [ "$(id -u)" -ne 0 ]; then echo "nic-rss: --apply needs root" >&2; exit 2; fi
ncpu=$(nproc)

run() { if [ $apply -eq 1 ]; then eval "$1"; else echo "would run: $1"; fi; }
hexmask() { printf '%x' $((1 << $1)); }

if pgrep -x irqbalance >/dev/null; then
  echo "note: irqbalance is running and will move these interrupts again; stop it first"
fi
command -v ethtool >/dev/null && ethtool -l "$iface" 2>/dev/null | sed -n '/Current/,$p' || true

irqs=$(grep -E "$iface(-|:|$)" /proc/interrupts | awk -F: '{print $1}' | xargs || true)
i=0
for irq in $irqs; do
  core=$(( (start + i) % ncpu ))
  run "echo $(hexmask $core) > /proc/irq/$irq/smp_affinity"
  i=$((i + 1))
done
[ $i -eq 0 ] && echo "no per-queue interrupts found for $iface (virtual NIC?): using RPS only"

i=0
for q in /sys/class/net/"$iface"/queues/rx-*; do
  core=$(( (start + i) % ncpu ))
  run "echo $(hexmask $core) > $q/rps_cpus"
  run "echo 4096 > $q/rps_flow_cnt"
  i=$((i + 1))
done
i=0
for q in /sys/class/net/"$iface"/queues/tx-*; do
  core=$(( (start + i) % ncpu ))
  [ -e "$q/xps_cpus" ] && run "echo $(hexmask $core) > $q/xps_cpus"
  i=$((i + 1))
done
run "sysctl -q -w net.core.rps_sock_flow_entries=$((4096 * ncpu))"
