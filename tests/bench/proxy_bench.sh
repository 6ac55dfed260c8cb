#!/usr/bin/env bash
# Side-by-side proxy benchmark, one run, fixed CPU pinning (a benchmark, not a pass/fail test):
#   strata proxy (--threads 1) in front of a 3-master Redis 7 cluster
#   nutcracker (twemproxy) in front of 3 standalone redis-servers
#   redis-benchmark talking to one redis-server directly
# for SET and GET at -c 50 with -P 1 and -P 16. Servers and proxies run on CPU $SERVER_CPUS,
# redis-benchmark on CPU $CLIENT_CPU. Prints a markdown table with ops/s, p50 and p99 and the
# ratios the proxy issue sets as goals (>= 2x nutcracker at -P 16; >= 0.95x direct at -P 1).
#
#   tests/bench/proxy_bench.sh [--requests N] [--proxy-bin build/proxy/proxy]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
requests=${REQUESTS:-300000}
proxy_bin=$root/build/proxy/proxy
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2 ;;
    --proxy-bin) proxy_bin=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SERVER_CPUS=${SERVER_CPUS:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
base=${BENCH_PORT_BASE:-11000}  # below the integration tests' 12000-19999 and the ephemeral range
. "$root/tests/bench/lib.sh"
bench_init bench

[ -x "$proxy_bin" ] || { echo "proxy binary not found: $proxy_bin (build first)" >&2; exit 1; }

start_redis() {  # port [extra args]
  local port=$1; shift
  mkdir -p "$work/$port"
  (cd "$work/$port" && exec taskset -c "$SERVER_CPUS" redis-server --port "$port" --bind 127.0.0.1 \
    --save "" --appendonly no --daemonize no --logfile "$work/$port/log" "$@") &
  pids+=($!)
}

# 3-master cluster + proxy.
for i in 0 1 2; do start_redis $((base + i)) --cluster-enabled yes --cluster-config-file nodes.conf; done
for i in 0 1 2; do wait_ping $((base + i)); done
redis-cli --cluster create 127.0.0.1:$base 127.0.0.1:$((base + 1)) 127.0.0.1:$((base + 2)) \
  --cluster-yes >"$work/create.log" 2>&1
for _ in $(seq 100); do
  redis-cli -p $base cluster info | grep -q cluster_state:ok && break; sleep 0.1
done
proxy_port=$((base + 10))
taskset -c "$SERVER_CPUS" "$proxy_bin" --port $proxy_port --nodes 127.0.0.1:$base --threads 1 \
  --metrics-port 0 --loglevel warning >"$work/proxy.log" 2>&1 &
pids+=($!)
wait_ping $proxy_port

# 3 standalone servers + nutcracker.
for i in 3 4 5; do start_redis $((base + i)); done
for i in 3 4 5; do wait_ping $((base + i)); done
twem_port=$((base + 11))
cat >"$work/nutcracker.yml" <<YML
pool:
  listen: 127.0.0.1:$twem_port
  hash: fnv1a_64
  distribution: ketama
  redis: true
  auto_eject_hosts: false
  servers:
   - 127.0.0.1:$((base + 3)):1
   - 127.0.0.1:$((base + 4)):1
   - 127.0.0.1:$((base + 5)):1
YML
taskset -c "$SERVER_CPUS" nutcracker -c "$work/nutcracker.yml" -s $((base + 12)) -o "$work/nutcracker.log" &
pids+=($!)
wait_ping $twem_port

# Direct: one standalone server.
direct_port=$((base + 6))
start_redis $direct_port
wait_ping $direct_port

run() {  # port pipeline test -> "rps p50 p99"
  taskset -c "$CLIENT_CPU" redis-benchmark -h 127.0.0.1 -p "$1" -t "$3" -n "$requests" -c 50 \
    -P "$2" -r 100000 -d 16 --csv 2>/dev/null | tail -1 |
    awk -F',' '{ for (i = 1; i <= NF; i++) gsub(/"/, "", $i); print $2, $5, $7 }'
}

printf '\n| test | pipeline | strata proxy ops/s | nutcracker ops/s | direct ops/s | proxy/nutcracker | proxy/direct | p50 ms (proxy / twem / direct) | p99 ms (proxy / twem / direct) |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for pipe in 1 16; do
  for t in set get; do
    read -r prps pp50 pp99 <<<"$(run $proxy_port $pipe $t)"
    read -r trps tp50 tp99 <<<"$(run $twem_port $pipe $t)"
    read -r drps dp50 dp99 <<<"$(run $direct_port $pipe $t)"
    awk -v t="$t" -v p="$pipe" -v pr="$prps" -v tr="$trps" -v dr="$drps" \
      -v pp50="$pp50" -v tp50="$tp50" -v dp50="$dp50" -v pp99="$pp99" -v tp99="$tp99" -v dp99="$dp99" \
      'BEGIN { printf "| %s | %s | %.0f | %.0f | %.0f | %.2fx | %.2fx | %s / %s / %s | %s / %s / %s |\n",
               toupper(t), p, pr, tr, dr, pr / tr, pr / dr, pp50, tp50, dp50, pp99, tp99, dp99 }'
  done
done
echo
echo "requests per run: $requests, -c 50, -r 100000, -d 16; servers on cpu $SERVER_CPUS, client on cpu $CLIENT_CPU"
