#!/usr/bin/env bash
# Installs every Debian package the build, tests and local cluster need. Idempotent and quiet:
# when everything is already installed it prints nothing and touches no package list.
# Called by scripts/test.sh and deploy/local/cluster.sh; safe to run by hand as root.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config clang-14 libclang-rt-14-dev
  libevent-dev libssl-dev libspdlog-dev libtoml11-dev prometheus-cpp-dev doctest-dev
  libbenchmark-dev libhiredis-dev
  # tests and benchmarks: the real ecosystem tools
  redis-server redis-tools python3-redis nutcracker prometheus openssl procps psmisc iproute2
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's redis-server package may start a system instance on 6379; tests start their own.
if pgrep -x redis-server >/dev/null 2>&1 && [ -x /etc/init.d/redis-server ]; then
  $SUDO /etc/init.d/redis-server stop >/dev/null 2>&1 || true
fi
