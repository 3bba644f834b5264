#!/usr/bin/env bash
# Puts Debian's http-parser source (the package libhttp-parser-dev is built from, with Debian's
# patches applied) into DIR, so that the Windows cross build compiles the same http_parser.c the
# Linux build links. Uses the deb-src entry `scripts/deps.sh windows` adds; fetched once.
#
#   scripts/http-parser-src.sh DIR
set -euo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
check_plain_args http-parser-src "$0" 1 "$@"
[ $# -eq 1 ] || { echo "http-parser-src: DIR is missing (see --help)" >&2; exit 2; }
dir=$1
[ -f "$dir/http_parser.c" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source --download-only -qq http-parser >/dev/null 2>&1) || {
  echo "percore: cannot fetch the http-parser source package (run scripts/deps.sh windows as root)" >&2
  exit 1
}
tar xzf "$work"/http-parser_*.orig.tar.gz -C "$work"
tar xJf "$work"/http-parser_*.debian.tar.xz -C "$work"/http-parser-*/
src=$(echo "$work"/http-parser-*/)
grep -v '^#' "$src/debian/patches/series" | grep -v '^$' | while read -r p; do
  patch -s -p1 -d "$src" <"$src/debian/patches/$p"
done
mkdir -p "$dir"
cp "$src/http_parser.c" "$src/http_parser.h" "$src/LICENSE-MIT" "$dir/"
