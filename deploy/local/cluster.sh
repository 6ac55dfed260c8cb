#!/usr/bin/env bash
# One-command local cluster: six cluster nodes on 127.0.0.1 (3 masters + 3 replicas) formed
# with the real `redis-cli --cluster create`, and the strata proxy in front of them.
#
#   deploy/local/cluster.sh up     [--dir D] [--base-port 7000] [--proxy-port 6380]
#                                  [--metrics-port 9121] [--engine redis|strata]
#   deploy/local/cluster.sh status [--dir D]
#   deploy/local/cluster.sh down   [--dir D]
#
# `up` installs missing packages, builds, starts everything, waits until the proxy serves and
# prints how to connect. `down` stops every process it started (pid files under D).
# Engine: Debian's redis-server until our `node` has cluster mode (issue: node cluster mode).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

cmd=${1:-}
shift || true
dir="$root/.run/local"
base_port=7000
proxy_port=6380
metrics_port=9121
engine=redis
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --proxy-port) proxy_port=$2; shift 2 ;;
    --metrics-port) metrics_port=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

ports() { for i in 0 1 2 3 4 5; do echo $((base_port + i)); done; }

wait_for_ping() {  # port, seconds
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt "$deadline" ]; do
    if [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

start_node() {  # port
  local p=$1 d="$dir/node-$1"
  mkdir -p "$d"
  local bin
  case "$engine" in
    redis) bin=$(command -v redis-server) ;;
    strata) bin="$root/build/node/node" ;;
    *) echo "unknown engine $engine" >&2; exit 2 ;;
  esac
  (cd "$d" && exec "$bin" --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 --appendonly yes \
      --daemonize no --logfile "$d/node.log" >/dev/null 2>&1) &
  echo $! >"$d/pid"
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

up() {
  "$root/scripts/install-deps.sh"
  "$root/scripts/build.sh" build
  if [ -f "$dir/proxy.pid" ] || ls "$dir"/node-*/pid >/dev/null 2>&1; then
    echo "already running in $dir (run: $0 down --dir $dir)" >&2; exit 1
  fi
  for p in $(ports); do
    if redis-cli -p "$p" ping >/dev/null 2>&1; then echo "port $p is busy" >&2; exit 1; fi
    rm -rf "$dir/node-$p"
    start_node "$p"
  done
  for p in $(ports); do wait_for_ping "$p" 10 || { echo "node $p did not start" >&2; exit 1; }; done
  echo "forming the cluster with redis-cli --cluster create ..."
  redis-cli --cluster create $(for p in $(ports); do printf '127.0.0.1:%s ' "$p"; done) \
    --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 || { cat "$dir/create.log"; exit 1; }
  local deadline=$((SECONDS + 30))
  until redis-cli -p "$base_port" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; do
    [ $SECONDS -lt $deadline ] || { echo "cluster did not reach state ok" >&2; exit 1; }
    sleep 0.2
  done
  local proxy_bin="$root/build/proxy/proxy"
  if [ -x "$proxy_bin" ]; then
    local nodes
    nodes=$(for p in $(ports); do printf '127.0.0.1:%s,' "$p"; done)
    "$proxy_bin" --port "$proxy_port" --bind 127.0.0.1 --nodes "${nodes%,}" \
      --metrics-port "$metrics_port" --logfile "$dir/proxy.log" >/dev/null 2>&1 &
    echo $! >"$dir/proxy.pid"
    wait_for_ping "$proxy_port" 15 || { echo "proxy did not start: see $dir/proxy.log" >&2; exit 1; }
    echo
    echo "cluster up: 3 masters + 3 replicas on 127.0.0.1:${base_port}-$((base_port + 5)) ($engine)"
    echo "proxy:      redis-cli -p $proxy_port"
    echo "metrics:    http://127.0.0.1:$metrics_port/metrics"
  else
    echo
    echo "cluster up: 3 masters + 3 replicas on 127.0.0.1:${base_port}-$((base_port + 5)) ($engine)"
    echo "missing:    the proxy binary ($proxy_bin) is not built yet (issue: proxy);"
    echo "            connect with a cluster client: redis-cli -c -p $base_port"
  fi
  echo "stop with:  $0 down --dir $dir"
}

down() {
  stop_pidfile "$dir/proxy.pid"
  for f in "$dir"/node-*/pid; do [ -e "$f" ] && stop_pidfile "$f"; done
  echo "stopped (data left in $dir)"
}

status() {
  local f pid
  for f in "$dir"/proxy.pid "$dir"/node-*/pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then echo "running  $f ($pid)"; else echo "dead     $f ($pid)"; fi
  done
  redis-cli -p "$base_port" cluster info 2>/dev/null | grep -E 'cluster_state|slots_ok' || true
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
