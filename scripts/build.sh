#!/usr/bin/env bash
# Configures and builds one build tree with Ninja. Usage: scripts/build.sh [build-dir] [cmake args...]
# Default tree: build/ (RelWithDebInfo, warnings as errors). Incremental: re-running is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$dir" -G Ninja -DSTRATA_WERROR=ON "$@" >/dev/null
fi
ninja -C "$dir" --quiet -j "${BUILD_JOBS:-$(nproc)}"
