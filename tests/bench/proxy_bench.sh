#!/usr/bin/env bash
# Side-by-side proxy benchmark, fixed CPU pinning (a benchmark, not a pass/fail test):
#   strata proxy (--threads 1) in front of a 3-master Redis 7 cluster        ("proxy→redis")
#   strata proxy (--threads 1) in front of a 3-master cluster of strata node ("proxy→node")
#   nutcracker (twemproxy) in front of 3 standalone redis-servers
#   redis-benchmark talking to one redis-server directly
# for SET and GET at -c 50 with -P 1 and -P 16, $ROUNDS rounds (default 3) rotating which target
# goes first. Servers and proxies run on CPU $SERVER_CPUS, redis-benchmark on CPU $CLIENT_CPU.
# Prints the median ops/s, p50 and p99 of each target and the medians of the per-round ratios the
# proxy issue sets as goals (>= 2x nutcracker at -P 16; >= 0.95x direct and <= +0.05 ms p50 at
# -P 1), with every round's value. The machine is shared: single runs vary by +-15%, so only
# alternating rounds compare. Without a node binary the proxy→node column is left out.
# Each run also records the CPU time of the target's processes per request (all their threads,
# from /proc/<pid>/task/*/schedstat): the front (proxy, nutcracker or the direct server) and its
# backends. With everything on one CPU, that CPU saturates at about 1 / total us per request, so
# the columns show which process bounds a target's ops/s. The read+write columns count those
# syscalls per request (/proc/<pid>/io syscr + syscw): how well each hop batches.
# PIPELINES="16" and TESTS="set" narrow a run to some of the cases.
#
#   tests/bench/proxy_bench.sh [--requests N] [--proxy-bin build/proxy/proxy] [--node-bin build/node/node]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
requests=${REQUESTS:-300000}
rounds=${ROUNDS:-3}
proxy_bin=$root/build/proxy/proxy
node_bin=$root/build/node/node
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2 ;;
    --proxy-bin) proxy_bin=$2; shift 2 ;;
    --node-bin) node_bin=$2; shift 2 ;;
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

# CPU accounting: the front (proxy or nutcracker) and the backends of each target, by PID.
declare -A front_pids=() back_pids=()

# 3-master cluster + proxy.
for i in 0 1 2; do
  start_redis $((base + i)) --cluster-enabled yes --cluster-config-file nodes.conf
  back_pids[proxy_redis]+="${pids[-1]} "
done
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
front_pids[proxy_redis]=$!
wait_ping $proxy_port

# 3 standalone servers + nutcracker.
for i in 3 4 5; do
  start_redis $((base + i))
  back_pids[twem]+="${pids[-1]} "
done
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
front_pids[twem]=$!
wait_ping $twem_port

# Direct: one standalone server.
direct_port=$((base + 6))
start_redis $direct_port
front_pids[direct]=${pids[-1]}
wait_ping $direct_port

# 3-master cluster of strata node + a second proxy (when the node is built).
node_proxy_port=
node_bin=$(realpath -m "$node_bin")  # the nodes run in their own dirs
if [ -x "$node_bin" ]; then
  for i in 20 21 22; do
    start_server "node$i" $((base + i)) "$SERVER_CPUS" "$node_bin" --cluster-enabled yes \
      --cluster-config-file nodes.conf
    back_pids[proxy_node]+="${pids[-1]} "
  done
  redis-cli --cluster create 127.0.0.1:$((base + 20)) 127.0.0.1:$((base + 21)) \
    127.0.0.1:$((base + 22)) --cluster-yes >"$work/create-node.log" 2>&1
  for _ in $(seq 100); do
    redis-cli -p $((base + 20)) cluster info | grep -q cluster_state:ok && break; sleep 0.1
  done
  node_proxy_port=$((base + 13))
  taskset -c "$SERVER_CPUS" "$proxy_bin" --port $node_proxy_port --nodes 127.0.0.1:$((base + 20)) \
    --threads 1 --metrics-port 0 --loglevel warning >"$work/proxy-node.log" 2>&1 &
  pids+=($!)
  front_pids[proxy_node]=$!
  wait_ping $node_proxy_port
fi

syscalls() {  # pids... -> read + write syscalls on record of all their threads (/proc/*/io)
  local p sum=0 k v
  for p in "$@"; do
    while read -r k v; do
      case "$k" in syscr: | syscw:) sum=$((sum + v)) ;; esac
    done <"/proc/$p/io" 2>/dev/null || true
  done
  echo $sum
}

cpu_ns() {  # pids... -> CPU time on record of all their threads, ns (/proc/*/task/*/schedstat)
  local p sum=0 t
  for p in "$@"; do
    for t in /proc/"$p"/task/*/schedstat; do
      read -r ns _ <"$t" 2>/dev/null && sum=$((sum + ns))
    done
  done
  echo $sum
}

run() {  # target port pipeline test -> "rps p50 p99 front_us back_us front_sys back_sys"
  local f0 b0 f1 b1 fs0 bs0 fs1 bs1 out
  fs0=$(syscalls ${front_pids[$1]}) bs0=$(syscalls ${back_pids[$1]:-})
  f0=$(cpu_ns ${front_pids[$1]}) b0=$(cpu_ns ${back_pids[$1]:-})
  out=$(taskset -c "$CLIENT_CPU" redis-benchmark -h 127.0.0.1 -p "$2" -t "$4" -n "$requests" -c 50 \
    -P "$3" -r 100000 -d 16 --csv 2>/dev/null | tail -1 |
    awk -F',' '{ for (i = 1; i <= NF; i++) gsub(/"/, "", $i); print $2, $5, $7 }')
  f1=$(cpu_ns ${front_pids[$1]}) b1=$(cpu_ns ${back_pids[$1]:-})
  fs1=$(syscalls ${front_pids[$1]}) bs1=$(syscalls ${back_pids[$1]:-})
  echo "$out $(awk -v f=$((f1 - f0)) -v b=$((b1 - b0)) -v fs=$((fs1 - fs0)) -v bs=$((bs1 - bs0)) \
    -v n="$requests" 'BEGIN {printf "%.3f %.3f %.3f %.3f", f / n / 1000, b / n / 1000, fs / n, bs / n}')"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a - b}'; }

names=(proxy_redis twem direct)
ports=("$proxy_port" "$twem_port" "$direct_port")
if [ -n "$node_proxy_port" ]; then names+=(proxy_node); ports+=("$node_proxy_port"); fi
n=${#names[@]}

printf '\n| test | -P | target | ops/s | p50 ms | p99 ms | CPU us/request: front | backends | total | read+write calls/request: front | backends |\n|---|---|---|---|---|---|---|---|---|---|---|\n'
ratio_rows=()
for pipe in ${PIPELINES:-1 16}; do
  for t in ${TESTS:-set get}; do
    declare -A rps=() p50=() p99=() fus=() bus=() tus=() fsc=() bsc=()
    for ((r = 0; r < rounds; r++)); do
      for ((k = 0; k < n; k++)); do  # rotate the order each round
        j=$(((k + r) % n))
        read -r a b c f g fs bs <<<"$(run "${names[$j]}" "${ports[$j]}" "$pipe" "$t")"
        rps[${names[$j]},$r]=$a p50[${names[$j]},$r]=$b p99[${names[$j]},$r]=$c
        fus[${names[$j]},$r]=$f bus[${names[$j]},$r]=$g
        fsc[${names[$j]},$r]=$fs bsc[${names[$j]},$r]=$bs
        tus[${names[$j]},$r]=$(awk -v f="$f" -v g="$g" 'BEGIN {printf "%.3f", f + g}')
      done
    done
    col() {  # array name target -> values of all rounds
      local -n arr=$1
      local r out=()
      for ((r = 0; r < rounds; r++)); do out+=("${arr[$2,$r]}"); done
      echo "${out[*]}"
    }
    for name in "${names[@]}"; do
      printf '| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n' "${t^^}" "$pipe" "$name" \
        "$(col rps "$name" | median)" "$(col p50 "$name" | median)" "$(col p99 "$name" | median)" \
        "$(col fus "$name" | median)" "$(col bus "$name" | median)" "$(col tus "$name" | median)" \
        "$(col fsc "$name" | median)" "$(col bsc "$name" | median)"
    done
    for name in proxy_redis proxy_node; do
      [ -n "${rps[$name,0]:-}" ] || continue
      vs_twem=() vs_direct=() added=()
      for ((r = 0; r < rounds; r++)); do
        vs_twem+=("$(div "${rps[$name,$r]}" "${rps[twem,$r]}")")
        vs_direct+=("$(div "${rps[$name,$r]}" "${rps[direct,$r]}")")
        added+=("$(sub "${p50[$name,$r]}" "${p50[direct,$r]}")")
      done
      ratio_rows+=("| ${t^^} | $pipe | $name | $(echo "${vs_twem[*]}" | median)x (${vs_twem[*]}) | $(echo "${vs_direct[*]}" | median)x (${vs_direct[*]}) | $(echo "${added[*]}" | median) (${added[*]}) |")
    done
  done
done
printf '\nMedians of the per-round ratios (each round in brackets):\n\n'
printf '| test | -P | target | /nutcracker ops/s | /direct ops/s | added p50 ms vs direct |\n|---|---|---|---|---|---|\n'
printf '%s\n' "${ratio_rows[@]}"
echo
echo "requests per run: $requests, $rounds rounds, -c 50, -r 100000, -d 16; servers and proxies on cpu $SERVER_CPUS, client on cpu $CLIENT_CPU"
