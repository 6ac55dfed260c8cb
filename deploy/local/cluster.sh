#!/usr/bin/env bash
# One-command local cluster: six cluster nodes on 127.0.0.1 (3 masters + 3 replicas) formed
# with the real `redis-cli --cluster create`, and the strata proxy in front of them.
#
#   deploy/local/cluster.sh up       [--dir D] [--base-port 7000] [--proxy-port 6380]
#                                    [--metrics-port 9121] [--engine auto|strata|redis]
#                                    [--build-dir build] [--no-build]
#   deploy/local/cluster.sh add-node [--dir D] [--with-replica]
#   deploy/local/cluster.sh failover [--dir D] [--port P]
#   deploy/local/cluster.sh status   [--dir D]
#   deploy/local/cluster.sh down     [--dir D]
#
# `up` installs missing packages, builds, starts everything, waits until the proxy serves and
# prints how to connect. `add-node` starts one more master (and a replica of it with
# --with-replica), joins it with `redis-cli --cluster add-node` and moves its share of the slots
# onto it with `redis-cli --cluster reshard`, showing progress. `failover` promotes a replica of
# the shard whose master listens on P (default: the first master) with CLUSTER FAILOVER.
# `down` stops every process it started (pid files under D).
# Engine: `auto` (default) runs our `node` when it passes a short self-test of what this script
# needs (cluster bus, replication, slot migration; manual failover when the node has it), else
# Debian's redis-server. Node ports: base-port, base-port+1, ...; with the strata engine each
# node serves /metrics on its port + 20 (--node-metrics-offset).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

cmd=${1:-}
shift || true
dir="$root/.run/local"
base_port=7000
proxy_port=6380
metrics_port=9121
metrics_offset=20
engine=auto
build_dir="$root/build"
build=1
with_replica=0
failover_port=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --proxy-port) proxy_port=$2; shift 2 ;;
    --metrics-port) metrics_port=$2; shift 2 ;;
    --node-metrics-offset) metrics_offset=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --with-replica) with_replica=1; shift ;;
    --port) failover_port=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
state="$dir/cluster.env"

# `up` records its choices; the other commands act on the cluster it started.
if [ "$cmd" != up ] && [ -f "$state" ]; then
  # shellcheck disable=SC1090
  . "$state"
fi

node_ports() {  # ports of every node started here, ascending
  local f
  for f in "$dir"/node-*/port; do [ -e "$f" ] && cat "$f"; done | sort -n
}

wait_for_ping() {  # port, seconds
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt "$deadline" ]; do
    if [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

cluster_field() {  # port field
  redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

node_failed() {  # port: why a node did not start
  echo "node $1 did not start:" >&2
  tail -n 5 "$dir/node-$1/stderr.log" "$dir/node-$1/node.log" >&2 2>/dev/null || true
}

node_bin() {
  case "$engine" in
    redis) command -v redis-server ;;
    strata) echo "$build_dir/node/node" ;;
    *) echo "unknown engine $engine" >&2; exit 2 ;;
  esac
}

start_node() {  # port
  local p=$1 d="$dir/node-$1" bin extra=()
  mkdir -p "$d"
  bin=$(node_bin)
  if [ "$engine" = strata ]; then
    extra=(--metrics-port $((p + metrics_offset)) --metrics-bind 127.0.0.1)
  fi
  (cd "$d" && exec "$bin" --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 --appendonly yes \
      --daemonize no --logfile "$d/node.log" "${extra[@]}" >"$d/stderr.log" 2>&1) &
  echo $! >"$d/pid"
  echo "$p" >"$d/port"
}

# Self-test of our node for `--engine auto`: three nodes on base-port..+2 do in miniature what
# this script needs: cluster mode and the bus (CLUSTER MEET), replication (CLUSTER REPLICATE),
# slot migration (SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE) and, if the node has it,
# manual failover (an error reply to CLUSTER FAILOVER only sets `note`). Sets `why` to the first
# step that failed.
self_test() {  # node binary
  local bin=$1 probe="$dir/probe" pids=() p
  rm -rf "$probe"
  for p in "$base_port" $((base_port + 1)) $((base_port + 2)); do
    mkdir -p "$probe/$p"
    (cd "$probe/$p" && exec "$bin" --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file nodes.conf --cluster-node-timeout 2000 --daemonize no \
        >/dev/null 2>&1) &
    pids+=($!)
  done
  local rc=0
  self_test_steps || rc=1
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  rm -rf "$probe"
  return $rc
}

self_test_steps() {  # the nodes of self_test, which sets why on the way
  local p ids=() s deadline a=$base_port b=$((base_port + 1)) c=$((base_port + 2))
  for p in $a $b $c; do wait_for_ping "$p" 5 || { why="node did not start"; return 1; }; done
  for p in $a $b $c; do
    ids+=("$(redis-cli -p "$p" cluster myid 2>/dev/null | tr -d '\r')")
    [[ "${ids[-1]}" =~ ^[0-9a-f]{40}$ ]] || { why="no CLUSTER MYID"; return 1; }
  done
  q() { local r; r=$(redis-cli -p "$@" 2>&1 | tr -d '\r'); echo "$r"; }
  [ "$(q "$a" cluster addslotsrange 0 16383)" = OK ] || { why="CLUSTER ADDSLOTSRANGE"; return 1; }
  [ "$(q "$a" cluster meet 127.0.0.1 "$b")" = OK ] && [ "$(q "$a" cluster meet 127.0.0.1 "$c")" = OK ] ||
    { why="CLUSTER MEET"; return 1; }
  deadline=$((SECONDS + 10))
  until [ "$(cluster_field "$b" cluster_known_nodes)" = 3 ] && [ "$(cluster_field "$c" cluster_known_nodes)" = 3 ]; do
    [ $SECONDS -lt $deadline ] || { why="cluster bus (nodes did not meet)"; return 1; }
    sleep 0.1
  done
  [ "$(q "$c" cluster replicate "${ids[0]}")" = OK ] || { why="CLUSTER REPLICATE"; return 1; }
  [ "$(q "$a" set probe:key 1)" = OK ] || { why="SET"; return 1; }
  s=$(q "$a" cluster keyslot probe:key)
  [ "$(q "$b" cluster setslot "$s" importing "${ids[0]}")" = OK ] &&
    [ "$(q "$a" cluster setslot "$s" migrating "${ids[1]}")" = OK ] || { why="CLUSTER SETSLOT IMPORTING/MIGRATING"; return 1; }
  [ "$(q "$a" migrate 127.0.0.1 "$b" "" 0 5000 KEYS probe:key)" = OK ] || { why="MIGRATE"; return 1; }
  [ "$(q "$b" cluster setslot "$s" node "${ids[1]}")" = OK ] &&
    [ "$(q "$a" cluster setslot "$s" node "${ids[1]}")" = OK ] || { why="CLUSTER SETSLOT NODE"; return 1; }
  [ "$(q "$b" get probe:key)" = 1 ] || { why="the migrated key"; return 1; }
  deadline=$((SECONDS + 10))
  until redis-cli -p "$c" info replication 2>/dev/null | grep -q 'master_link_status:up'; do
    [ $SECONDS -lt $deadline ] || { why="replication link"; return 1; }
    sleep 0.1
  done
  # Manual failover is optional: without it only `failover` is unavailable (noted at `up`).
  local reply
  reply=$(q "$c" cluster failover)
  if [ "$reply" != OK ]; then note="no manual failover yet: $reply"; return 0; fi
  deadline=$((SECONDS + 10))
  until [ "$(role_of "$c")" = master ]; do
    [ $SECONDS -lt $deadline ] || { why="manual failover (no promotion)"; return 1; }
    sleep 0.1
  done
  return 0
}

# auto: our node when it is built and passes the self-test, else Debian's redis-server.
resolve_engine() {
  [ "$engine" = auto ] || return 0
  engine=redis
  local bin="$build_dir/node/node" why="" note=""
  [ -x "$bin" ] || return 0
  if self_test "$bin"; then
    engine=strata
    [ -z "$note" ] || echo "engine: strata ($note)"
  else
    echo "engine: redis-server ($bin is not cluster-ready yet: $why)"
  fi
}

stop_pidfile() {  # pidfile
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

all_know_all() {  # every node started here knows every other one and sees the cluster ok
  local n p
  n=$(node_ports | wc -l)
  for p in $(node_ports); do
    [ "$(cluster_field "$p" cluster_known_nodes)" = "$n" ] || return 1
    [ "$(cluster_field "$p" cluster_state)" = ok ] || return 1
  done
}

wait_cluster_ok() {  # port seconds: all nodes joined and in state ok, all agree on the configuration
  local deadline=$((SECONDS + $2))
  until [ "$(cluster_field "$1" cluster_state)" = ok ] && all_know_all &&
      redis-cli --cluster check "127.0.0.1:$1" >/dev/null 2>&1; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

up() {
  if [ "$build" = 1 ]; then
    "$root/scripts/install-deps.sh"
    "$root/scripts/build.sh" "$build_dir"
  fi
  if [ -f "$dir/proxy.pid" ] || ls "$dir"/node-*/pid >/dev/null 2>&1; then
    echo "already running in $dir (run: $0 down --dir $dir)" >&2; exit 1
  fi
  local p ports=()
  for i in 0 1 2 3 4 5; do ports+=($((base_port + i))); done
  for p in "${ports[@]}"; do
    if redis-cli -p "$p" ping >/dev/null 2>&1; then echo "port $p is busy" >&2; exit 1; fi
  done
  resolve_engine
  cat >"$state" <<EOF
engine=$engine
base_port=$base_port
proxy_port=$proxy_port
metrics_port=$metrics_port
metrics_offset=$metrics_offset
build_dir=$build_dir
EOF
  rm -rf "$dir"/node-*
  # A failed `up` stops whatever it started (the logs stay in $dir).
  trap 'echo "up failed: stopping what it started (logs in $dir)" >&2; down >/dev/null' EXIT
  for p in "${ports[@]}"; do start_node "$p"; done
  for p in "${ports[@]}"; do wait_for_ping "$p" 10 || { node_failed "$p"; exit 1; }; done
  echo "forming the cluster with redis-cli --cluster create ($engine nodes) ..."
  local addrs=()
  for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
  redis-cli --cluster create "${addrs[@]}" \
    --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 || { cat "$dir/create.log"; exit 1; }
  wait_cluster_ok "$base_port" 30 || { echo "cluster did not reach state ok" >&2; exit 1; }
  local proxy_bin="$build_dir/proxy/proxy"
  if [ -x "$proxy_bin" ]; then
    local nodes
    nodes=$(for p in "${ports[@]}"; do printf '127.0.0.1:%s,' "$p"; done)
    "$proxy_bin" --port "$proxy_port" --bind 127.0.0.1 --nodes "${nodes%,}" \
      --metrics-port "$metrics_port" --logfile "$dir/proxy.log" >/dev/null 2>&1 &
    echo $! >"$dir/proxy.pid"
    wait_for_ping "$proxy_port" 15 || { echo "proxy did not start: see $dir/proxy.log" >&2; exit 1; }
    echo
    echo "cluster up: 3 masters + 3 replicas on 127.0.0.1:${base_port}-$((base_port + 5)) ($engine)"
    echo "proxy:      redis-cli -p $proxy_port"
    echo "metrics:    http://127.0.0.1:$metrics_port/metrics (proxy)"
    [ "$engine" = strata ] &&
      echo "            http://127.0.0.1:$((base_port + metrics_offset))/metrics ... (nodes: port + $metrics_offset)"
  else
    echo
    echo "cluster up: 3 masters + 3 replicas on 127.0.0.1:${base_port}-$((base_port + 5)) ($engine)"
    echo "missing:    the proxy binary ($proxy_bin) is not built;"
    echo "            connect with a cluster client: redis-cli -c -p $base_port"
  fi
  echo "grow it:    $0 add-node --dir $dir"
  echo "stop with:  $0 down --dir $dir"
  trap - EXIT
}

require_running() {
  [ -f "$state" ] && [ -n "$(node_ports)" ] || { echo "no cluster in $dir (run: $0 up)" >&2; exit 1; }
  local p
  for p in $(node_ports); do
    if [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ]; then seed=$p; return 0; fi
  done
  echo "no node of $dir answers" >&2
  exit 1
}

slots_of() {  # port node-id: number of slots the node serves
  redis-cli -p "$1" cluster nodes | awk -v id="$2" '$1 == id {
    n = 0
    for (i = 9; i <= NF; i++) { if ($i ~ /^\[/) continue; k = split($i, r, "-"); n += (k == 2 ? r[2] - r[1] + 1 : 1) }
    print n }'
}

launch() {  # port: start one more node and wait for it
  rm -rf "$dir/node-$1"
  start_node "$1"
  wait_for_ping "$1" 10 || { node_failed "$1"; exit 1; }
}

add_node() {
  require_running
  local last new replica="" id masters slots
  last=$(node_ports | tail -1)
  new=$((last + 1))
  [ "$with_replica" = 1 ] && replica=$((last + 2))
  for p in $new $replica; do
    if redis-cli -p "$p" ping >/dev/null 2>&1; then echo "port $p is busy" >&2; exit 1; fi
  done
  launch "$new"
  echo "adding 127.0.0.1:$new as a master (redis-cli --cluster add-node) ..."
  redis-cli --cluster add-node "127.0.0.1:$new" "127.0.0.1:$seed" >"$dir/add-node-$new.log" 2>&1 ||
    { cat "$dir/add-node-$new.log"; exit 1; }
  wait_cluster_ok "$seed" 30 || { echo "the cluster did not agree on the new node" >&2; exit 1; }
  id=$(redis-cli -p "$new" cluster myid | tr -d '\r')
  masters=$(redis-cli -p "$seed" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/' | wc -l)
  slots=$((16384 / masters))
  echo "resharding $slots slots onto it from the other $((masters - 1)) masters (redis-cli --cluster reshard) ..."
  # redis-cli prints one "Moving slot" line per slot: shown as a progress counter, logged whole.
  if ! redis-cli --cluster reshard "127.0.0.1:$seed" --cluster-from all --cluster-to "$id" \
      --cluster-slots "$slots" --cluster-yes 2>&1 | tee "$dir/reshard-$new.log" |
    awk -v total="$slots" -v tty="$([ -t 1 ] && echo 1 || echo 0)" '
      /^Moving slot/ {
        n++
        if (tty && (n % 64 == 0 || n == total)) printf "\r  moved %d/%d slots (%d%%)", n, total, 100 * n / total
        else if (!tty && (n % 1024 == 0 || n == total)) printf "  moved %d/%d slots (%d%%)\n", n, total, 100 * n / total
        fflush()
      }
      /ERR/ { print "\n" $0 }
      END { print "" }'; then
    echo "reshard failed: see $dir/reshard-$new.log" >&2
    exit 1
  fi
  if [ -n "$replica" ]; then
    echo "adding 127.0.0.1:$replica as its replica ..."
    launch "$replica"
    redis-cli --cluster add-node "127.0.0.1:$replica" "127.0.0.1:$seed" --cluster-slave \
      --cluster-master-id "$id" >"$dir/add-node-$replica.log" 2>&1 ||
      { cat "$dir/add-node-$replica.log"; exit 1; }
  fi
  wait_cluster_ok "$seed" 30 || { echo "cluster not ok after the reshard" >&2; exit 1; }
  echo "added 127.0.0.1:$new: it serves $(slots_of "$seed" "$id") slots"
  echo "cluster: $(cluster_field "$seed" cluster_size) masters, $(cluster_field "$seed" cluster_known_nodes) nodes, state $(cluster_field "$seed" cluster_state)"
}

role_of() {  # port: master, slave or nothing (INFO replication: every engine has it)
  redis-cli -p "$1" info replication 2>/dev/null | tr -d '\r' | sed -n 's/^role://p' || true
}

failover() {
  require_running
  local master="" replica p deadline
  if [ -n "$failover_port" ]; then
    master=$failover_port
  else
    for p in $(node_ports); do
      if [ "$(role_of "$p")" = master ]; then master=$p; break; fi
    done
  fi
  [ -n "$master" ] && [ "$(role_of "$master")" = master ] ||
    { echo "127.0.0.1:${master:-?} is not a master" >&2; exit 1; }
  # The replica's own view (INFO replication) rather than the master's table, which gossip
  # updates later.
  replica=""
  for p in $(node_ports); do
    if redis-cli -p "$p" info replication 2>/dev/null | tr -d '\r' | grep -q "^master_port:$master$"; then
      replica=$p; break
    fi
  done
  [ -n "$replica" ] || { echo "master 127.0.0.1:$master has no replica" >&2; exit 1; }
  echo "failing over the shard of 127.0.0.1:$master: CLUSTER FAILOVER on its replica 127.0.0.1:$replica ..."
  # A manual failover needs the replica in sync (it waits for the master's offset): wait for the
  # replication link first, and ask again if one attempt timed out.
  deadline=$((SECONDS + 30))
  until redis-cli -p "$replica" info replication | grep -q 'master_link_status:up'; do
    [ $SECONDS -lt $deadline ] || { echo "replica 127.0.0.1:$replica is not in sync" >&2; exit 1; }
    sleep 0.1
  done
  local attempt next reply
  for attempt in 1 2 3; do
    reply=$(redis-cli -p "$replica" cluster failover 2>&1 | tr -d '\r')
    [ "$reply" = OK ] || { echo "CLUSTER FAILOVER on 127.0.0.1:$replica: $reply" >&2; exit 1; }
    next=$((SECONDS + 10))
    while [ $SECONDS -lt $next ]; do
      if [ "$(role_of "$replica")" = master ] && [ "$(role_of "$master")" = slave ]; then break 2; fi
      sleep 0.1
    done
    [ "$attempt" = 3 ] && { echo "failover did not complete in 3 attempts" >&2; exit 1; }
    echo "  no promotion after 10 s, asking again"
  done
  wait_cluster_ok "$replica" 30 || { echo "cluster not ok after the failover" >&2; exit 1; }
  echo "done: 127.0.0.1:$replica is the master of the shard, 127.0.0.1:$master its replica"
}

down() {
  stop_pidfile "$dir/proxy.pid"
  for f in "$dir"/node-*/pid; do [ -e "$f" ] && stop_pidfile "$f"; done
  rm -f "$state"
  echo "stopped (data left in $dir)"
}

status() {
  local f pid p
  for f in "$dir"/proxy.pid "$dir"/node-*/pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then echo "running  $f ($pid)"; else echo "dead     $f ($pid)"; fi
  done
  for p in $(node_ports); do
    if [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ]; then
      echo "engine: ${engine}"
      redis-cli -p "$p" cluster info 2>/dev/null | grep -E 'cluster_state|slots_ok|known_nodes|cluster_size' || true
      break
    fi
  done
}

case "$cmd" in
  up) up ;;
  add-node) add_node ;;
  failover) failover ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
