#!/usr/bin/env bash
# Side-by-side benchmark of the strata node against redis-server 7.0 (a benchmark, not a
# pass/fail test). Both servers run pinned to CPU $SERVER_CPU, redis-benchmark to $CLIENT_CPU:
#   - SET and GET at -c 50 with -P 1 and -P 16, $ROUNDS rounds (default 3) alternating which
#     server goes first: the median ops/s and p50 of each, the median of the per-round ratios, and
#     the server's CPU time per request (user+sys of its process over the run, from /proc, and
#     the two parts). At -P 1 both servers wait on redis-benchmark (one process on one CPU does
#     as many syscalls per request as the server), so ops/s ratios there are client-bound and
#     noisy; CPU per request is the server's own cost, mostly the kernel's read/write/epoll;
#   - memory for 1M keys of 16 bytes with 100-byte values, loaded with `redis-cli --pipe`
#     (used_memory and RSS from INFO memory, after the load).
# Prints a markdown table with node/redis ratios (the node issue's goal: memory <= 0.9x Redis).
# --cluster runs both as one-node clusters owning all 16384 slots (cluster-enabled: Redis's slot
# lists and the node's slot index, 16 B per key each).
#
#   tests/bench/node_bench.sh [--requests N] [--keys N] [--node-bin build/node/node] [--cluster]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
requests=${REQUESTS:-200000}
rounds=${ROUNDS:-3}
keys=${KEYS_COUNT:-1000000}
node_bin=$root/build/node/node
cluster=0
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --node-bin) node_bin=$2; shift 2 ;;
    --cluster) cluster=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
base=${BENCH_PORT_BASE:-10500}  # below the integration tests' 12000-19999 and the ephemeral range
redis_port=$base
node_port=$((base + 1))
. "$root/tests/bench/lib.sh"
bench_init node-bench

node_bin=$(realpath -m "$node_bin")  # the servers run in their own dirs
[ -x "$node_bin" ] || { echo "node binary not found: $node_bin (build first)" >&2; exit 1; }

start() {  # name port binary: a server, and with --cluster all 16384 slots on it
  local name=$1 port=$2 bin=$3
  if [ "$cluster" = 0 ]; then
    start_server "$name" "$port" "$SERVER_CPU" "$bin"
    return 0
  fi
  start_server "$name" "$port" "$SERVER_CPU" "$bin" --cluster-enabled yes \
    --cluster-config-file nodes.conf
  redis-cli -p "$port" cluster addslotsrange 0 16383 >/dev/null
  for _ in $(seq 100); do
    redis-cli -p "$port" cluster info | grep -q cluster_state:ok && return 0
    sleep 0.1
  done
  echo "$name: cluster_state not ok on $port" >&2
  cat "$work/$name.log" >&2
  exit 1
}

bench() {  # port test pipeline -> "rps p50"
  taskset -c "$CLIENT_CPU" redis-benchmark -p "$1" -t "$2" -c 50 -P "$3" -n "$requests" \
    -r 100000 -d 100 --csv 2>/dev/null | awk -F, 'NR==2 {gsub(/"/,""); print $2, $5}'
}

cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }  # pid -> "user sys" clock ticks

# measure pid port test pipeline -> "rps p50 cpu_us_per_request user_us sys_us"
measure() {
  local u0 s0 u1 s1 rps p50
  read -r u0 s0 <<<"$(cpu_ticks "$1")"
  read -r rps p50 <<<"$(bench "$2" "$3" "$4")"
  read -r u1 s1 <<<"$(cpu_ticks "$1")"
  echo "$rps $p50 $(awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n="$requests" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN {k = 1e6 / hz / n; printf "%.2f %.2f %.2f", (u + s) * k, u * k, s * k}')"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

mem() { info_field "$1" memory "$2"; }  # port field

start redis "$redis_port" "$(command -v redis-server)"
redis_pid=${pids[-1]}
start node "$node_port" "$node_bin"
node_pid=${pids[-1]}

echo "| metric | redis-server 7.0 | strata node | node/redis |"
echo "|---|---|---|---|"
for p in 1 16; do
  for t in set get; do
    r_rps=() n_rps=() r_p50=() n_p50=() r_cpu=() n_cpu=() ratios=()
    r_usr=() r_sys=() n_usr=() n_sys=()
    for ((i = 0; i < rounds; i++)); do
      if ((i % 2 == 0)); then
        read -r a b c ru rs <<<"$(measure "$redis_pid" "$redis_port" "$t" "$p")"
        read -r d e f nu ns <<<"$(measure "$node_pid" "$node_port" "$t" "$p")"
      else
        read -r d e f nu ns <<<"$(measure "$node_pid" "$node_port" "$t" "$p")"
        read -r a b c ru rs <<<"$(measure "$redis_pid" "$redis_port" "$t" "$p")"
      fi
      r_rps+=("$a") r_p50+=("$b") r_cpu+=("$c") n_rps+=("$d") n_p50+=("$e") n_cpu+=("$f")
      r_usr+=("$ru") r_sys+=("$rs") n_usr+=("$nu") n_sys+=("$ns")
      ratios+=("$(awk -v a="$d" -v b="$a" 'BEGIN {printf "%.3f", a / b}')")
    done
    rr=$(echo "${r_rps[*]}" | median) nr=$(echo "${n_rps[*]}" | median)
    echo "| ${t^^} -c 50 -P $p ops/s, median of $rounds (p50 ms) | $rr ($(echo "${r_p50[*]}" | median)) |" \
      "$nr ($(echo "${n_p50[*]}" | median)) |" \
      "$(echo "${ratios[*]}" | median | awk '{printf "%.2fx", $1}') (rounds: ${ratios[*]}) |"
    rc=$(echo "${r_cpu[*]}" | median) nc=$(echo "${n_cpu[*]}" | median)
    echo "| ${t^^} -P $p server CPU us/request (user + sys) | $rc ($(echo "${r_usr[*]}" | median) +" \
      "$(echo "${r_sys[*]}" | median)) | $nc ($(echo "${n_usr[*]}" | median) +" \
      "$(echo "${n_sys[*]}" | median)) | $(ratio "$nc" "$rc") |"
  done
done

# Memory: the same 1M SETs (16-byte keys, 100-byte values) into freshly flushed servers.
write_set_load "$keys" >"$work/load.resp"
for port in "$redis_port" "$node_port"; do
  redis-cli -p "$port" flushall >/dev/null
  taskset -c "$CLIENT_CPU" redis-cli -p "$port" --pipe <"$work/load.resp" >/dev/null
done
r_keys=$(redis-cli -p "$redis_port" dbsize)
n_keys=$(redis-cli -p "$node_port" dbsize)
r_used=$(mem "$redis_port" used_memory)
n_used=$(mem "$node_port" used_memory)
r_rss=$(mem "$redis_port" used_memory_rss)
n_rss=$(mem "$node_port" used_memory_rss)
mb() { awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1048576}'; }
echo "| keys loaded | $r_keys | $n_keys | |"
echo "| used_memory, $keys keys | $(mb "$r_used") | $(mb "$n_used") | $(ratio "$n_used" "$r_used") |"
echo "| RSS, $keys keys | $(mb "$r_rss") | $(mb "$n_rss") | $(ratio "$n_rss" "$r_rss") |"
