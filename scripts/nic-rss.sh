#!/usr/bin/env bash
# Spreads one NIC's queues over the cores the way percore spreads its workers, as Fastsocket's
# nic.sh did by hand: as many channels as workers (ethtool -L) where the NIC allows, queue i's
# interrupt on worker i's core, RPS/RFS and XPS steering each queue to that same core, optional
# interrupt coalescing, and irqbalance (which would move the interrupts again) reported. A NIC
# with fewer queues (Q) than workers, such as a single-queue virtual NIC, keeps each interrupt on
# one core, and RPS spreads the packet processing: queue i's rps_cpus (and xps_cpus) cover its
# share of the worker cores, those of workers i, i+Q, i+2Q ... (one queue: every worker's core).
#
#   scripts/nic-rss.sh IFACE [options] [--dry-run | --apply | --undo]
#
#   -w, --workers N       worker count to spread over (default: online CPUs)
#   -c, --start-core K    worker i sits on online CPU K+i, as server -c K (default 0)
#   --channels N|auto|keep  queue count to ask the NIC for (auto: the worker count)
#   --no-rps              leave RPS/RFS alone (a NIC with a queue per core needs none)
#   --flow-cnt N          RFS flow table entries per receive queue (default 4096)
#   --coalesce K=V[,K=V]  interrupt coalescing, ethtool -C names (rx-usecs=50,tx-usecs=50)
#   --record FILE         where --apply records previous values for --undo
#                         (default /var/tmp/percore-nic-rss-IFACE.record)
#
# --dry-run (the default) prints every change with the current value and changes nothing.
# --apply makes the changes and records each previous value before changing it; --undo writes
# the recorded values back, newest first, and removes the record. Exit 0 when every change was
# made, 1 when one failed (each failure is printed), 2 on a usage error.
set -euo pipefail
# shellcheck source=scripts/lib/cpumask.sh
source "$(dirname "$0")/lib/cpumask.sh"
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
# The procfs root for interrupts: tests point it at a made-up tree, since veth has no IRQs.
PROC=${NIC_RSS_PROC:-/proc}

die_usage() {
  echo "nic-rss: $1" >&2
  exit 2
}
# wants_value OPTION ARGS...: an option that takes a value must have one.
wants_value() { [ $# -ge 3 ] || die_usage "$1 wants a value"; }

iface="" mode=dry-run workers="" start=0 channels=auto rps=1 flow_cnt=4096 coalesce="" record=""
sock_flow_per_cpu=4096
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) mode=dry-run; shift ;;
    --apply) mode=apply; shift ;;
    --undo) mode=undo; shift ;;
    -w | --workers) wants_value "$1" "$@"; workers=$2; shift 2 ;;
    -c | --start-core) wants_value "$1" "$@"; start=$2; shift 2 ;;
    --channels) wants_value "$1" "$@"; channels=$2; shift 2 ;;
    --no-rps) rps=0; shift ;;
    --flow-cnt) wants_value "$1" "$@"; flow_cnt=$2; shift 2 ;;
    --coalesce) wants_value "$1" "$@"; coalesce=$2; shift 2 ;;
    --record) wants_value "$1" "$@"; record=$2; shift 2 ;;
    -h | --help) print_usage "$0"; exit 0 ;;
    -*) die_usage "unknown option $1 (see --help)" ;;
    *)
      if [ -z "$iface" ]; then
        iface=$1
      elif [[ $1 =~ ^[0-9]+$ ]]; then
        start=$1  # the older form: nic-rss.sh IFACE START_CORE
      else
        die_usage "unexpected argument $1 (see --help)"
      fi
      shift
      ;;
  esac
done
[ -n "$iface" ] || die_usage "IFACE is missing: the interface to spread, e.g. eth0 (see --help)"
[ -d "/sys/class/net/$iface" ] || die_usage "no interface $iface"
[[ $start =~ ^[0-9]+$ ]] || die_usage "--start-core wants a CPU number"
[[ $flow_cnt =~ ^[0-9]+$ ]] || die_usage "--flow-cnt wants a number"
[[ $channels =~ ^([1-9][0-9]*|auto|keep)$ ]] || die_usage "--channels wants N, auto or keep"
[ -z "$coalesce" ] || [[ $coalesce =~ ^[a-z-]+=[0-9]+(,[a-z-]+=[0-9]+)*$ ]] ||
  die_usage "--coalesce wants key=value[,key=value], e.g. rx-usecs=50"
record=${record:-/var/tmp/percore-nic-rss-$iface.record}
if [ "$mode" != dry-run ] && [ "$(id -u)" -ne 0 ]; then die_usage "--$mode needs root"; fi

failures=0
fail() {
  echo "fail       $1" >&2
  failures=$((failures + 1))
}
have_ethtool() { command -v ethtool >/dev/null; }

# ---------------------------------------------------------------------------------------------
# --undo: write back what the record says, newest change first.
if [ "$mode" = undo ]; then
  [ -f "$record" ] || { echo "nic-rss: nothing to undo ($record not found)" >&2; exit 1; }
  while IFS=$'\t' read -r kind target old; do
    case "$kind" in
      file)
        if [ ! -e "$target" ]; then
          fail "$target is gone; cannot restore $old"
        elif echo "$old" 2>/dev/null >"$target"; then
          echo "restored   $target: $old"
        else
          fail "$target: cannot write $old"
        fi
        ;;
      channels | coalesce)
        flag=-L
        [ "$kind" = coalesce ] && flag=-C
        # shellcheck disable=SC2086  # $old holds "key value ..." pairs for ethtool
        if out=$(ethtool $flag "$target" $old 2>&1); then
          echo "restored   $kind of $target: $old"
        else
          fail "ethtool $flag $target $old: $out"
        fi
        ;;
    esac
  done < <(grep -v '^#' "$record" | tac)
  if [ $failures -eq 0 ]; then
    rm -f "$record"
    echo "undone; removed $record"
    exit 0
  fi
  echo "nic-rss: $failures value(s) not restored; record kept at $record" >&2
  exit 1
fi

# ---------------------------------------------------------------------------------------------
# Which core each queue goes to: worker w sits on online CPU (start + w), like server -w/-c.
mapfile -t online < <(expand_cpu_list "$(cat /sys/devices/system/cpu/online)")
workers=${workers:-${#online[@]}}
[[ $workers =~ ^[1-9][0-9]*$ ]] || die_usage "--workers wants a positive number"
ncpu_ids=$(cpu_ids_count)
core_of_queue() { echo "${online[$(((start + $1 % workers) % ${#online[@]}))]}"; }
# queue_mask I COUNT: the steering mask of queue I of COUNT queues: worker I's core when there are
# at least as many queues as workers, else the cores of every worker w with w % COUNT == I.
queue_mask() {
  local i=$1 count=$2 w
  local -a cores=()
  if [ "$count" -ge "$workers" ]; then
    cores=("$(core_of_queue "$i")")
  else
    for ((w = i; w < workers; w += count)); do cores+=("$(core_of_queue "$w")"); done
  fi
  cpu_mask "$ncpu_ids" "${cores[@]}"
}

if [ "$mode" = apply ]; then
  [ ! -e "$record" ] || die_usage "$record exists: a previous --apply is not undone (--undo first)"
  mkdir -p "$(dirname "$record")"
  printf '# percore nic-rss record for %s, %s\n' "$iface" "$(date -u +%FT%TZ)" >"$record"
fi
remember() { [ "$mode" = apply ] && printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$record" || true; }

# set_value PATH NEW: one sysfs/procfs value, shown with its current value, recorded, written.
set_value() {
  local path=$1 new=$2 cur
  if ! cur=$(cat "$path" 2>/dev/null); then
    fail "$path: cannot read"
    return
  fi
  if mask_equal "$cur" "$new"; then
    echo "same       $path: $cur"
  elif [ "$mode" = dry-run ]; then
    echo "would set  $path: $cur -> $new"
  else
    remember file "$path" "$cur"
    if echo "$new" 2>/dev/null >"$path"; then
      echo "set        $path: $cur -> $new"
    else
      fail "$path: cannot write $new (still $cur)"
    fi
  fi
}

# ethtool_field SECTION KEY: a number from `ethtool -l` ("Pre-set maximums" or "Current
# hardware settings"), 0 for n/a or absent.
ethtool_field() {
  echo "$channel_text" | awk -v section="$1" -v key="$2:" '
    /^[A-Z].*:$/ { in_section = ($0 ~ section) }
    in_section && $1 == key { print ($2 ~ /^[0-9]+$/) ? $2 : 0; found = 1; exit }
    END { if (!found) print 0 }'
}

# Queues at or past `keep` vanish when the channel count drops; record their values first so
# that --undo, after restoring the channel count, restores them too.
remember_queues_from() {
  local kind=$1 keep=$2 q idx f
  for q in /sys/class/net/"$iface"/queues/"$kind"-*; do
    idx=${q##*-}
    [ "$idx" -ge "$keep" ] || continue
    for f in rps_cpus rps_flow_cnt xps_cpus; do
      if [ -r "$q/$f" ]; then remember file "$q/$f" "$(cat "$q/$f" 2>/dev/null || true)"; fi
    done
  done
}

# --- channels --------------------------------------------------------------------------------
if [ "$channels" = keep ]; then
  echo "skip       channels: --channels keep"
elif ! have_ethtool; then
  echo "skip       channels: ethtool not installed (apt-get install ethtool)"
elif ! channel_text=$(ethtool -l "$iface" 2>/dev/null); then
  echo "skip       channels: $iface does not report channels (ethtool -l)"
else
  want=$workers
  [ "$channels" = auto ] || want=$channels
  max_combined=$(ethtool_field "Pre-set" Combined)
  if [ "$max_combined" -gt 0 ]; then
    cur=$(ethtool_field "Current" Combined)
    new=$((want < max_combined ? want : max_combined))
    old_args="combined $cur" new_args="combined $new" keep_rx=$new keep_tx=$new
  else
    max_rx=$(ethtool_field "Pre-set" RX) max_tx=$(ethtool_field "Pre-set" TX)
    cur_rx=$(ethtool_field "Current" RX) cur_tx=$(ethtool_field "Current" TX)
    new_rx=$((want < max_rx ? want : max_rx)) new_tx=$((want < max_tx ? want : max_tx))
    old_args="rx $cur_rx tx $cur_tx" new_args="rx $new_rx tx $new_tx"
    keep_rx=$new_rx keep_tx=$new_tx
  fi
  if [ "$old_args" = "$new_args" ]; then
    echo "same       channels of $iface: $old_args"
  elif [ "$mode" = dry-run ]; then
    echo "would set  channels of $iface: $old_args -> $new_args (ethtool -L)"
  else
    remember_queues_from rx "$keep_rx"
    remember_queues_from tx "$keep_tx"
    remember channels "$iface" "$old_args"
    # shellcheck disable=SC2086
    if out=$(ethtool -L "$iface" $new_args 2>&1); then
      echo "set        channels of $iface: $old_args -> $new_args"
    else
      fail "ethtool -L $iface $new_args: $out"
    fi
  fi
fi

# --- interrupts ------------------------------------------------------------------------------
if pgrep -x irqbalance >/dev/null 2>&1; then
  echo "warning    irqbalance is running and will move these interrupts: systemctl stop irqbalance"
else
  echo "ok         irqbalance is not running"
fi
# Per-queue interrupts are named after the interface (eth0-TxRx-3, eth0-rx-0, eth0:q1 ...) or,
# for virtio-net, after its device with one receive interrupt per queue (virtio0-input.2).
mapfile -t irqs < <(awk -v ifc="$iface" '
  NR > 1 { name = $NF; irq = $1; sub(":", "", irq)
           if (name == ifc || index(name, ifc "-") == 1 || index(name, ifc ":") == 1 ||
               index(name, ifc ".") == 1) print irq }' "$PROC/interrupts")
device=$(basename "$(readlink "/sys/class/net/$iface/device" 2>/dev/null || true)")
if [ ${#irqs[@]} -eq 0 ] && [[ $device == virtio* ]]; then
  mapfile -t irqs < <(awk -v dev="$device-input." '
    NR > 1 { name = $NF; irq = $1; sub(":", "", irq)
             if (index(name, dev) == 1) print substr(name, length(dev) + 1), irq }' \
    "$PROC/interrupts" | sort -n | awk '{print $2}')
fi
if [ ${#irqs[@]} -eq 0 ]; then
  echo "skip       interrupts: none named after $iface (virtual NIC?); RPS does the spreading"
fi
for i in "${!irqs[@]}"; do
  set_value "$PROC/irq/${irqs[$i]}/smp_affinity" "$(cpu_mask "$ncpu_ids" "$(core_of_queue "$i")")"
done

# --- RPS, RFS and XPS ------------------------------------------------------------------------
# Counted now: --apply has changed the channel count above (--dry-run shows today's queues).
shopt -s nullglob
rx_queues=(/sys/class/net/"$iface"/queues/rx-*)
tx_queues=(/sys/class/net/"$iface"/queues/tx-*)
shopt -u nullglob
if [ "$rps" -eq 1 ] && [ ${#rx_queues[@]} -gt 0 ] && [ ${#rx_queues[@]} -lt "$workers" ]; then
  echo "note       ${#rx_queues[@]} receive queue(s) for $workers workers: RPS spreads each" \
    "queue over its share of the workers' cores"
fi
for q in "${rx_queues[@]}"; do
  [ "$rps" -eq 1 ] || break
  i=${q##*-}
  set_value "$q/rps_cpus" "$(queue_mask "$i" ${#rx_queues[@]})"
  set_value "$q/rps_flow_cnt" "$flow_cnt"
done
if [ "$rps" -eq 1 ]; then
  sock_flow=/proc/sys/net/core/rps_sock_flow_entries
  if [ -e "$sock_flow" ]; then
    set_value "$sock_flow" "$((sock_flow_per_cpu * ${#online[@]}))"
  else
    echo "skip       net.core.rps_sock_flow_entries: not in this network namespace (set it on the host)"
  fi
fi
for q in "${tx_queues[@]}"; do
  i=${q##*-}
  # A single-queue device has the file but refuses to read or write it: nothing to steer.
  if [ -e "$q/xps_cpus" ] && cat "$q/xps_cpus" >/dev/null 2>&1; then
    set_value "$q/xps_cpus" "$(queue_mask "$i" ${#tx_queues[@]})"
  elif [ -e "$q/xps_cpus" ]; then
    echo "skip       $q/xps_cpus: not readable on this device (single transmit queue?)"
  fi
done

# --- interrupt coalescing --------------------------------------------------------------------
if [ -n "$coalesce" ]; then
  if ! have_ethtool; then
    fail "coalescing: ethtool not installed (apt-get install ethtool)"
  elif ! coalesce_text=$(ethtool -c "$iface" 2>/dev/null); then
    fail "coalescing: $iface has no interrupt coalescing (ethtool -c $iface fails)"
  else
    IFS=',' read -ra pairs <<<"$coalesce"
    for pair in "${pairs[@]}"; do
      key=${pair%%=*} new=${pair#*=}
      cur=$(echo "$coalesce_text" | awk -v key="$key:" '$1 == key { print $2; exit }')
      if [ -z "$cur" ] || [ "$cur" = "n/a" ]; then
        fail "coalescing: $iface has no $key"
      elif [ "$cur" = "$new" ]; then
        echo "same       $key of $iface: $cur"
      elif [ "$mode" = dry-run ]; then
        echo "would set  $key of $iface: $cur -> $new (ethtool -C)"
      else
        remember coalesce "$iface" "$key $cur"
        if out=$(ethtool -C "$iface" "$key" "$new" 2>&1); then
          echo "set        $key of $iface: $cur -> $new"
        else
          fail "ethtool -C $iface $key $new: $out"
        fi
      fi
    done
  fi
fi

if [ "$mode" = apply ]; then
  echo "recorded previous values in $record (undo: $0 $iface --undo --record $record)"
fi
[ $failures -eq 0 ]
