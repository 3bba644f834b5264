# shellcheck shell=bash
# Usage text and argument checks shared by the scripts in scripts/. A script's usage is its
# leading comment block, so --help always prints the whole header and never a line of code.

# print_usage FILE  prints FILE's leading comment block without the "# ": every line after the
# shebang up to the first line that is not a comment (shellcheck directives are left out).
print_usage() {
  awk 'NR == 1 && /^#!/ { next }
       /^#/ { if ($0 ~ /^# *shellcheck /) next; sub(/^# ?/, ""); print; next }
       { exit }' "$1"
}

# check_plain_args NAME FILE MAX ARG...  for a script configured by environment variables and
# at most MAX positional arguments: -h or --help prints the usage and exits 0; an option (a word
# starting with -) or more than MAX positional arguments is one line on stderr and exit 2.
check_plain_args() {
  local name=$1 file=$2 max=$3 count=0 arg
  shift 3
  for arg in "$@"; do
    case "$arg" in
      -h | --help)
        print_usage "$file"
        exit 0
        ;;
      -*)
        echo "$name: unknown option $arg (see --help)" >&2
        exit 2
        ;;
      *) count=$((count + 1)) ;;
    esac
  done
  if [ "$count" -gt "$max" ]; then
    if [ "$max" -eq 0 ]; then
      echo "$name: takes no arguments, only environment variables (see --help): $*" >&2
    else
      echo "$name: at most $max argument(s), got $count (see --help): $*" >&2
    fi
    exit 2
  fi
}
