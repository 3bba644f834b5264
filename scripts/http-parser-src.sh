#!/usr/bin/env bash
# Puts Debian's http-parser source (the package libhttp-parser-dev is built from, with Debian's
# patches applied) into DIR, so that the Windows cross build compiles the same http_parser.c the
# Linux build links. Uses the deb-src entry `scripts/deps.sh windows` adds; fetched once.
set -euo pipefail
dir=${1:?usage: http-parser-src.sh DIR}
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
