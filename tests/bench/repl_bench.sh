#!/usr/bin/env bash
# Side-by-side replication benchmark of the strata node against redis-server 7.0 (a benchmark,
# not a pass/fail test), one master + one replica of each engine, in one run:
#   - full-sync time for $KEYS_COUNT keys (16-byte keys, 100-byte values, loaded with
#     `redis-cli --pipe`): from REPLICAOF to master_link_status:up with the replica's offset equal
#     to the master's (both engines stream diskless; Redis with repl-diskless-sync-delay 0);
#   - replication lag under `redis-benchmark -t set -P 16 -c 50`: master_repl_offset minus the
#     replica's slave_repl_offset, sampled every 100 ms during the load (mean and max bytes), the
#     time the replica needs to catch up after the load, and the SET rate with a replica attached.
# Pinning: masters on $SERVER_CPU, replicas on $REPLICA_CPU, redis-benchmark/redis-cli on
# $CLIENT_CPU (defaults 0, 1, 1: the machine has 2 cpus). Prints a markdown table.
#
#   tests/bench/repl_bench.sh [--keys N] [--requests N] [--node-bin build/node/node]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
keys=${KEYS_COUNT:-1000000}
requests=${REQUESTS:-1000000}
node_bin=$root/build/node/node
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) keys=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --node-bin) node_bin=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
REPLICA_CPU=${REPLICA_CPU:-$CLIENT_CPU}
base=${BENCH_PORT_BASE:-10600}  # below the integration tests' 12000-19999, apart from node_bench
. "$root/tests/bench/lib.sh"
bench_init repl-bench

node_bin=$(realpath -m "$node_bin")
[ -x "$node_bin" ] || { echo "node binary not found: $node_bin (build first)" >&2; exit 1; }
redis_bin=$(command -v redis-server)

start() {  # name port cpu binary extra-args... (--dir: the replica's sync files)
  local name=$1 port=$2 cpu=$3 bin=$4
  shift 4
  start_server "$name" "$port" "$cpu" "$bin" --dir "$work/$name" "$@"
}

field() { info_field "$@"; }  # port section field

# The load: $keys SETs as one RESP stream.
write_set_load "$keys" >"$work/load.resp"

# full_sync master_port replica_port -> "ms"
full_sync() {
  local m=$1 r=$2
  redis-cli -p "$m" flushall >/dev/null
  taskset -c "$CLIENT_CPU" redis-cli -p "$m" --pipe <"$work/load.resp" >/dev/null
  local t0
  t0=$(now_ms)
  redis-cli -p "$r" replicaof 127.0.0.1 "$m" >/dev/null
  for _ in $(seq 6000); do
    if [ "$(field "$r" replication master_link_status)" = up ] &&
      [ "$(field "$r" replication slave_repl_offset)" = "$(field "$m" replication master_repl_offset)" ] &&
      [ "$(redis-cli -p "$r" dbsize)" = "$keys" ]; then
      echo $(($(now_ms) - t0))
      return 0
    fi
    sleep 0.02
  done
  echo "timeout"
}

# lag master_port replica_port -> "mean_bytes max_bytes catchup_ms set_rps"
lag() {
  local m=$1 r=$2
  taskset -c "$CLIENT_CPU" redis-benchmark -p "$m" -t set -c 50 -P 16 -n "$requests" \
    -r 1000000 -d 100 --csv >"$work/bench.csv" 2>/dev/null &
  local bench=$!
  local sum=0 n=0 max=0
  while kill -0 "$bench" 2>/dev/null; do
    local mo ro d
    # The replica first: the master's offset read just after can only be later (an upper bound).
    ro=$(field "$r" replication slave_repl_offset)
    mo=$(field "$m" replication master_repl_offset)
    if [ -n "$mo" ] && [ -n "$ro" ]; then
      d=$((mo - ro))
      [ "$d" -lt 0 ] && d=0
      sum=$((sum + d))
      n=$((n + 1))
      [ "$d" -gt "$max" ] && max=$d
    fi
    sleep 0.1
  done
  wait "$bench" || true
  local t0
  t0=$(now_ms)
  for _ in $(seq 3000); do
    [ "$(field "$r" replication slave_repl_offset)" = "$(field "$m" replication master_repl_offset)" ] && break
    sleep 0.01
  done
  local catchup=$(($(now_ms) - t0))
  local rps
  rps=$(awk -F, 'NR==2 {gsub(/"/,""); print $2}' "$work/bench.csv")
  echo "$((n > 0 ? sum / n : 0)) $max $catchup $rps"
}

start redis-master "$base" "$SERVER_CPU" "$redis_bin" --repl-diskless-sync yes \
  --repl-diskless-sync-delay 0
start redis-replica "$((base + 1))" "$REPLICA_CPU" "$redis_bin"
start node-master "$((base + 2))" "$SERVER_CPU" "$node_bin"
start node-replica "$((base + 3))" "$REPLICA_CPU" "$node_bin"

r_sync=$(full_sync "$base" "$((base + 1))")
n_sync=$(full_sync "$((base + 2))" "$((base + 3))")
read -r r_mean r_max r_catch r_rps <<<"$(lag "$base" "$((base + 1))")"
read -r n_mean n_max n_catch n_rps <<<"$(lag "$((base + 2))" "$((base + 3))")"

echo "| metric | redis-server 7.0 | strata node | node/redis |"
echo "|---|---|---|---|"
echo "| full sync, $keys keys (ms) | $r_sync | $n_sync | $(ratio "$n_sync" "$r_sync") |"
echo "| SET -c 50 -P 16 ops/s with a replica | $r_rps | $n_rps | $(ratio "$n_rps" "$r_rps") |"
echo "| replication lag during the load, mean (bytes) | $r_mean | $n_mean | $(ratio "$n_mean" "$r_mean") |"
echo "| replication lag during the load, max (bytes) | $r_max | $n_max | $(ratio "$n_max" "$r_max") |"
echo "| catch-up after the load (ms) | $r_catch | $n_catch | $(ratio "$n_catch" "$r_catch") |"
