# Shared shell helpers of the side-by-side benchmarks (node_bench.sh, repl_bench.sh,
# proxy_bench.sh; report.sh runs them all). Sourced, never run: `. "$root/tests/bench/lib.sh"`.
# bench_init makes the work dir and installs the EXIT trap that stops every process started
# through bench_spawn (or appended to $pids) and removes the dir; start_server starts one
# redis-server-compatible binary pinned to a CPU and waits for PING; the rest read INFO fields,
# compute ratios and write the standard SET load (16-byte keys, 100-byte values) as RESP.

# bench_init name: $work (a fresh /tmp/strata-<name>.XXXXXX) and the cleanup trap.
bench_init() {
  work=$(mktemp -d "/tmp/strata-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

# wait_ping port: up to 10 s for PONG; exits the script otherwise.
wait_ping() {
  local _
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "port $1 did not answer" >&2
  exit 1
}

# start_server name port cpu binary [args...]: runs `binary --port P --bind 127.0.0.1 --save ""
# --appendonly no args...` in $work/<name> (log: $work/<name>.log) pinned to `cpu`, waits for
# PING; on failure prints the log and exits.
start_server() {
  local name=$1 port=$2 cpu=$3 bin=$4
  shift 4
  mkdir -p "$work/$name"
  (cd "$work/$name" && exec taskset -c "$cpu" "$bin" --port "$port" --bind 127.0.0.1 \
    --save "" --appendonly no "$@" >"$work/$name.log" 2>&1) &
  pids+=($!)
  local _
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$name did not start on $port" >&2
  cat "$work/$name.log" >&2
  exit 1
}

# info_field port section field: one INFO field's value (empty if absent).
info_field() {
  redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v f="$3" '$1==f {print $2}'
}

# ratio a b: "a/b" with two decimals and an "x", "-" when b is 0 or empty.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}'
}

now_ms() { date +%s%3N; }

# write_set_load n > file: n SETs of key:%012d (16 bytes) to a 100-byte value, as one RESP
# stream for `redis-cli --pipe`.
write_set_load() {
  /usr/bin/python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
value = b"v" * 100
chunk = []
for i in range(n):
    key = b"key:%012d" % i
    chunk.append(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$100\r\n%s\r\n" % (key, value))
    if len(chunk) == 10000:
        out.write(b"".join(chunk))
        chunk = []
out.write(b"".join(chunk))
PY
}
