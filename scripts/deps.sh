#!/usr/bin/env bash
# Installs the Debian 12 packages that percore's build, tests and benchmarks need.
# As root it runs apt-get itself; otherwise it prints the exact command and stops.
#
#   scripts/deps.sh [fuzz | bpf | windows]   (each extra adds the packages its comment below names)
set -euo pipefail
# shellcheck source=scripts/lib/usage.sh
source "$(dirname "$0")/lib/usage.sh"
check_plain_args deps "$0" 1 "$@"
case "${1:-}" in "" | fuzz | bpf | windows) ;; *)
  echo "deps: unknown extra '$1': fuzz, bpf or windows (see --help)" >&2
  exit 2
  ;;
esac

packages=(
  build-essential cmake pkg-config git ccache clang-format
  libspdlog-dev libfmt-dev libcxxopts-dev libhttp-parser-dev liburing-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # TLS (OpenSSL 3), and HTTP/2 with its reference client and Python peer for the tests.
  libssl-dev libnghttp2-dev nghttp2-client python3-h2
  curl apache2-utils wrk nginx-light haproxy lighttpd gnuplot-nox iproute2 procps time python3 ethtool
  # Multi-host runs: the launcher and the transport it drives (the e2e test runs its own sshd).
  pdsh openssh-client openssh-server python3-yaml
  # HdrHistogram's own library, to check percore's interval logs both ways in the tests.
  libhdrhistogram-java openjdk-17-jdk-headless
)

# `scripts/deps.sh fuzz` (run by `make fuzz`) adds clang and its libFuzzer runtime.
if [ "${1:-}" = fuzz ]; then
  packages+=(clang libclang-rt-dev)
fi
# `scripts/deps.sh bpf` adds what `server --io sockmap` is built from: libbpf and clang to compile
# the BPF program (without them the server is built without the in-kernel echo).
if [ "${1:-}" = bpf ]; then
  packages+=(clang libbpf-dev libcap2-bin)  # capsh: the e2e test drops the BPF capabilities
fi

# `scripts/deps.sh windows` (run by `make windows` / `make test-windows`) adds the mingw-w64 cross
# compiler, its zlib, and Wine to run the .exe files; http-parser's source comes from Debian's
# source package (scripts/http-parser-src.sh), which needs a deb-src entry.
deb_src=/etc/apt/sources.list.d/percore-deb-src.sources
if [ "${1:-}" = windows ]; then
  packages+=(g++-mingw-w64-x86-64-posix libz-mingw-w64-dev wine64)
  if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "percore: add a deb-src entry for bookworm main (as root: scripts/deps.sh windows)" >&2
      exit 1
    fi
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$deb_src"
    apt-get update -qq </dev/null
  fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "percore: missing packages; run as root:" >&2
  echo "  apt-get update && $cmd" >&2
  exit 1
fi
echo "percore: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
# The nginx, haproxy and lighttpd packages start system services; percore's tests run their own copies.
for svc in nginx haproxy lighttpd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
