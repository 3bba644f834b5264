# CPU mask arithmetic for sysfs and procfs (smp_affinity, rps_cpus, xps_cpus), sourced by
# nic-rss.sh. The kernel writes and reads these masks as hexadecimal 32-bit groups separated by
# commas, most significant group first ("1,00000000" is CPU 32), so a machine with more than
# 32 or 64 CPUs needs more than one shell integer: each group is computed on its own.

# cpu_mask NCPUS CPU...  prints the mask of the given CPUs for a machine with NCPUS CPU ids,
# formatted as the kernel prints it: the first group as wide as its bits need, the others 8 digits.
cpu_mask() {
  local ncpus=$1
  shift
  local groups=$(((ncpus + 31) / 32)) g cpu out="" width
  local -a value=()
  for ((g = 0; g < groups; g++)); do value[g]=0; done
  for cpu in "$@"; do
    if ((cpu < 0 || cpu >= ncpus)); then
      echo "cpu_mask: CPU $cpu outside 0..$((ncpus - 1))" >&2
      return 1
    fi
    value[cpu / 32]=$((value[cpu / 32] | (1 << (cpu % 32))))
  done
  for ((g = groups - 1; g >= 0; g--)); do
    if ((g == groups - 1)); then
      width=$((((ncpus - 32 * g) + 3) / 4))
      out+=$(printf '%0*x' "$width" "${value[g]}")
    else
      out+=$(printf ',%08x' "${value[g]}")
    fi
  done
  echo "$out"
}

# mask_equal A B  succeeds when two masks name the same CPUs, whatever their widths and commas
# ("00000002" and "0,00000002" and "2" are equal).
mask_equal() {
  local a=${1//,/} b=${2//,/}
  a=$(echo "$a" | sed 's/^0*//')
  b=$(echo "$b" | sed 's/^0*//')
  [ "$a" = "$b" ]
}

# cpu_ids_count prints how many CPU ids the kernel has (the width of its masks): the last id in
# /sys/devices/system/cpu/possible, plus one.
cpu_ids_count() {
  local possible last
  possible=$(cat /sys/devices/system/cpu/possible)
  last=${possible##*[-,]}
  echo $((last + 1))
}

# expand_cpu_list "0-3,8" prints 0 1 2 3 8, one per line.
expand_cpu_list() {
  local part
  local -a parts
  IFS=',' read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}
