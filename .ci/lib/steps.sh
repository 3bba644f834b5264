# shellcheck shell=bash
# Step timing for .ci/run: every step's wall time goes to one file, printed as a Markdown table
# on exit, also when a step fails. Background steps run at nice 19 so the tests in the
# foreground keep the CPU whenever they want it; their output is printed when they are awaited.
ci_origin=$(date +%s)
ci_times=$(mktemp)
ci_logs=$(mktemp -d)
ci_background_pids=()

# Sets ci_cpu_now to the CPU seconds (user + system) of this shell's finished children so far.
# `times` must run in this shell: a subshell (as in $(...)) starts counting from zero.
ci_cpu() {
  local file=$ci_logs/times.$BASHPID line
  times >"$file"
  line=$(tail -1 "$file")
  ci_cpu_now=$(echo "$line" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/);
                                     printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}

# Runs one step and records its start, wall time, CPU time and exit status; returns that status.
# CPU time does not depend on what else the machine runs: on a quiet 2-core machine a parallel
# build takes about half its CPU time.
ci_step() {
  local name=$1 start cpu rc=0
  shift
  start=$(date +%s)
  ci_cpu
  cpu=$ci_cpu_now
  echo "=== $name: $*" >&2
  ci_running="$name|$start"
  "$@" || rc=$?
  ci_running=
  ci_cpu
  printf '%s|%s|%s|%s|%s\n' "$name" "$start" "$(($(date +%s) - start))" "$((ci_cpu_now - cpu))" \
    "$rc" >>"$ci_times"
  return "$rc"
}

# Starts a chain of steps in the background, at low priority: ci_background CHAIN 'NAME CMD...'...
# (each argument is one step, its first word the name; a failed step ends the chain).
ci_background() {
  local chain=$1
  shift
  set -m # a process group of its own, so that a failure elsewhere ends the whole chain
  (
    renice -n "${CI_NICE:-19}" -p "$BASHPID" >/dev/null
    for step in "$@"; do
      # shellcheck disable=SC2086  # a step is a name and a command split on spaces
      ci_step $step >"$ci_logs/${step%% *}.log" 2>&1 || exit 1
    done
  ) &
  set +m
  ci_background_pids+=($!)
  echo "=== $chain in the background (pid $!): ${*%% *}" >&2
}

# Waits until the named background step has finished, prints its output, fails if it did.
ci_await() {
  local name=$1 row
  while ! row=$(grep "^$name|" "$ci_times"); do
    if ! jobs -r | grep -q .; then
      echo "=== $name never ran: a step before it in its chain failed" >&2
      grep -v '|0$' "$ci_times" | cut -d'|' -f1 | while read -r failed; do
        [ -f "$ci_logs/$failed.log" ] && cat "$ci_logs/$failed.log" >&2
      done
      return 1
    fi
    sleep 2
  done
  cat "$ci_logs/$name.log" >&2
  [ "${row##*|}" = 0 ]
}

ci_minutes() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

ci_table() {
  local status=$? name start seconds cpu rc
  for pid in "${ci_background_pids[@]}"; do kill -- -"$pid" 2>/dev/null || true; done
  echo
  echo "| step | started | wall | CPU | result |"
  echo "| --- | ---: | ---: | ---: | --- |"
  sort -t'|' -k2,2n "$ci_times" | while IFS='|' read -r name start seconds cpu rc; do
    echo "| $name | +$(ci_minutes $((start - ci_origin))) | $(ci_minutes "$seconds") |" \
      "$(ci_minutes "$cpu") | $([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)") |"
  done
  if [ -n "${ci_running:-}" ]; then
    echo "| ${ci_running%%|*} | +$(ci_minutes $((${ci_running#*|} - ci_origin))) |" \
      "$(ci_minutes $(($(date +%s) - ${ci_running#*|}))) | | stopped |"
  fi
  echo "| **total** | | **$(ci_minutes $(($(date +%s) - ci_origin)))** | |" \
    "$([ "$status" = 0 ] && echo ok || echo FAILED) |"
  rm -rf "$ci_times" "$ci_logs"
}
trap ci_table EXIT
# Stopped from outside (a CI timeout), the table is still printed.
trap 'exit 143' TERM
trap 'exit 130' INT
