#!/usr/bin/env bash
# One command for every side-by-side benchmark, in one run with fixed CPU pinning (servers on
# cpu 0, load generators on cpu 1): node vs redis-server 7.0 (node_bench.sh), proxy vs
# nutcracker vs direct cluster (proxy_bench.sh), replication (repl_bench.sh, when present),
# failover time and reshard throughput for redis-server and our node (cluster_bench.py). Writes
# each output and REPORT.md with tables and PNG plots (report.py) into the output directory.
# Benchmarks, not tests: run on a quiet machine and compare ratios, not absolute numbers.
#   tests/bench/report.sh [out-dir]        (default: build/bench-report)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$root/build/bench-report}")
mkdir -p "$out"
"$root/scripts/install-deps.sh"
if ! /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-matplotlib >/dev/null
fi
"$root/scripts/build.sh" build
{
  echo "Run on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cpus, $(uname -r), commit $(git -C "$root" rev-parse --short HEAD)."
  echo "Servers pinned to cpu ${SERVER_CPU:-0}, clients to cpu ${CLIENT_CPU:-1}."
} >"$out/meta.txt"
run() {  # name command...
  local name=$1
  shift
  echo "== $name" >&2
  if ! "$@" >"$out/$name.md" 2>"$out/$name.log"; then
    echo "$name failed (see $out/$name.log)" >&2
    echo "benchmark failed: see $name.log" >>"$out/$name.md"
  fi
}
run node "$root/tests/bench/node_bench.sh"
run proxy "$root/tests/bench/proxy_bench.sh"
[ -x "$root/tests/bench/repl_bench.sh" ] && run repl "$root/tests/bench/repl_bench.sh"
# Both engines; one that cannot do a benchmark (no automatic failover yet) gets a "failed" row.
run cluster /usr/bin/python3 "$root/tests/bench/cluster_bench.py" \
  --engines "redis-server,$root/build/node/node"
/usr/bin/python3 "$root/tests/bench/report.py" "$out"
