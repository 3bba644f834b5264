# Step timing for .ci/run: every step's wall time goes to one file, printed as a Markdown table
# on exit, also when a step fails. Background steps run at nice 19 so the tests in the
# foreground keep the CPU whenever they want it; their output is printed when they are awaited.
ci_origin=$(date +%s)
ci_times=$(mktemp)
ci_logs=$(mktemp -d)
ci_background_pids=()

# Runs one step and records its start, wall time and exit status; returns that status.
ci_step() {
  local name=$1 start rc=0
  shift
  start=$(date +%s)
  echo "=== $name: $*" >&2
  "$@" || rc=$?
  printf '%s|%s|%s|%s\n' "$name" "$start" "$(($(date +%s) - start))" "$rc" >>"$ci_times"
  return "$rc"
}

# Starts a chain of steps in the background, at low priority: ci_background CHAIN 'NAME CMD...'...
# (each argument is one step, its first word the name; a failed step ends the chain).
ci_background() {
  local chain=$1
  shift
  set -m # a process group of its own, so that a failure elsewhere ends the whole chain
  (
    renice -n 19 -p "$BASHPID" >/dev/null
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
  local status=$? name start seconds rc
  for pid in "${ci_background_pids[@]}"; do kill -- -"$pid" 2>/dev/null || true; done
  echo
  echo "| step | started | wall | result |"
  echo "| --- | ---: | ---: | --- |"
  sort -t'|' -k2,2n "$ci_times" | while IFS='|' read -r name start seconds rc; do
    echo "| $name | +$(ci_minutes $((start - ci_origin))) | $(ci_minutes "$seconds") |" \
      "$([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)") |"
  done
  echo "| **total** | | **$(ci_minutes $(($(date +%s) - ci_origin)))** |" \
    "$([ "$status" = 0 ] && echo ok || echo FAILED) |"
  rm -rf "$ci_times" "$ci_logs"
}
trap ci_table EXIT
