#!/usr/bin/env python3
# Cluster-level benchmarks, side by side for each engine given (redis-server 7.0 and, when it
# can, our node), in one run (a benchmark, not a pass/fail test):
#   failover  kill -9 of a master of a 3+3 cluster formed with the real redis-cli: seconds until
#             its replica says ROLE master, and until every live node reports cluster_state:ok
#             with one slot map, at each node timeout given (default 1000 and 5000 ms);
#   reshard   `redis-cli --cluster reshard` of 4096 slots holding --keys keys (loaded through
#             a pipelined client) from one master to another: seconds and keys moved per second.
# Prints one markdown table per benchmark. Run with Debian's /usr/bin/python3:
#   tests/bench/cluster_bench.py [--engines redis-server,build/node/node] [--timeouts 1000,5000]
#                                [--keys 100000] [--only failover|reshard]
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from harness import RedisCluster, key_slot, wait_until  # noqa: E402


def engine_name(binary: str) -> str:
    return "redis-server 7.0" if os.path.basename(binary) == "redis-server" else "strata node"


def failover_once(binary: str, timeout_ms: int):
    cluster = RedisCluster(binary=binary, node_timeout_ms=timeout_ms).start()
    try:
        master = cluster.masters()[0]
        replica = cluster.replicas_of(master.port)[0]
        t0 = time.monotonic()
        cluster.kill9(master.port)
        wait_until(lambda: replica.client(socket_timeout=1).execute_command("ROLE")[0] == "master",
                   timeout_ms / 1000 * 10 + 30, "promotion", interval=0.02)
        promoted = time.monotonic() - t0
        wait_until(lambda: cluster.converged(), timeout_ms / 1000 * 10 + 30, "cluster ok",
                   interval=0.05)
        ok = time.monotonic() - t0
        return promoted, ok
    finally:
        cluster.stop()


def load_keys(node_of_slot, keys: int):
    """Writes `keys` keys through per-master pipelines (direct, no redirections)."""
    pipes = {}
    for i in range(keys):
        k = f"bench:{i}"
        n = node_of_slot(key_slot(k))
        p = pipes.get(n.port)
        if p is None:
            p = pipes[n.port] = (n.client().pipeline(transaction=False), [0])
        p[0].set(k, "v" * 32)
        p[1][0] += 1
        if p[1][0] % 1000 == 0:
            p[0].execute()
    for p, _ in pipes.values():
        p.execute()


def reshard_once(binary: str, keys: int):
    cluster = RedisCluster(binary=binary, node_timeout_ms=5000).start()
    try:
        masters = cluster.masters()
        slot_owner = {}
        for start, end, master, _ in cluster.slot_map(masters[0]):
            node = cluster.node(int(master.rsplit(":", 1)[1]))
            for s in range(start, end + 1):
                slot_owner[s] = node
        load_keys(lambda s: slot_owner[s], keys)
        src, dst = masters[0], masters[1]
        ids = {n.port: n.client().execute_command("CLUSTER", "MYID") for n in (src, dst)}
        before = sum(n.client().dbsize() for n in (dst,))
        t0 = time.monotonic()
        subprocess.run(["redis-cli", "--cluster", "reshard", src.addr, "--cluster-from",
                        ids[src.port], "--cluster-to", ids[dst.port], "--cluster-slots", "4096",
                        "--cluster-yes", "--cluster-pipeline", "100"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=600)
        seconds = time.monotonic() - t0
        moved = dst.client().dbsize() - before
        return seconds, moved
    finally:
        cluster.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="redis-server")
    ap.add_argument("--timeouts", default="1000,5000")
    ap.add_argument("--keys", type=int, default=100000)
    ap.add_argument("--only", choices=["failover", "reshard"])
    a = ap.parse_args()
    engines = [shutil.which(e) or os.path.abspath(e) for e in a.engines.split(",") if e]
    if a.only in (None, "failover"):
        print("| engine | node timeout ms | replica promoted s | cluster_state ok s |")
        print("|---|---|---|---|")
        for binary in engines:
            for t in (int(x) for x in a.timeouts.split(",")):
                try:
                    promoted, ok = failover_once(binary, t)
                    print(f"| {engine_name(binary)} | {t} | {promoted:.2f} | {ok:.2f} |")
                except Exception as e:  # noqa: BLE001 - a failed engine is a row, not a crash
                    print(f"| {engine_name(binary)} | {t} | failed: {e} | |")
                sys.stdout.flush()
        print()
    if a.only in (None, "reshard"):
        print("| engine | keys in the cluster | slots moved | seconds | keys moved | slots/s |"
              " keys/s |")
        print("|---|---|---|---|---|---|---|")
        for binary in engines:
            try:
                seconds, moved = reshard_once(binary, a.keys)
                print(f"| {engine_name(binary)} | {a.keys} | 4096 | {seconds:.2f} | {moved} | "
                      f"{4096 / seconds:.0f} | {moved / seconds:.0f} |")
            except Exception as e:  # noqa: BLE001
                print(f"| {engine_name(binary)} | {a.keys} | 4096 | failed: {e} | | | |")
            sys.stdout.flush()
        print()


if __name__ == "__main__":
    main()
