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
  # RDB/DUMP strings: LZF compression, the library Debian's redis-server links
  liblzf-dev
  # node scripting: Lua 5.1 (what Redis embeds) and its cjson / bit libraries
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  # tests and benchmarks: the real ecosystem tools
  redis-server redis-tools python3-redis nutcracker prometheus openssl procps psmisc iproute2
  # deploy tests: the Helm chart's offline renderer (Go text/template + sprig + gojsonschema, as
  # Helm); shellcheck; systemd-analyze (unit files)
  golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev golang-github-xeipuuv-gojsonschema-dev
  shellcheck systemd
)

# Node.js runs the ioredis client tests; the machine image ships it, Debian's is the fallback.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
install_npm_packages() {  # ioredis, kubernetes-models (chart validation); pinned by tests/package-lock.json
  local root
  root=$(cd "$(dirname "$0")/.." && pwd)
  if [ ! -d "$root/tests/node_modules/ioredis" ] || [ ! -d "$root/tests/node_modules/kubernetes-models" ] || [ "$root/tests/package-lock.json" -nt "$root/tests/node_modules" ]; then
    npm ci --prefix "$root/tests" --no-audit --no-fund --loglevel=error >/dev/null
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_npm_packages
  exit 0
fi

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
install_npm_packages
