#!/usr/bin/python3
# Memory of small containers, the strata node side by side with redis-server 7.0 (a benchmark,
# not a pass/fail test; the node issue's goal is <= 1.3x Redis per small container). For each
# shape it starts a fresh node and a fresh redis-server (ports from the integration harness),
# writes the same N keys to both through pipelines, and reports the growth of INFO used_memory
# and used_memory_rss per key, plus MEMORY USAGE and OBJECT ENCODING of one key:
#
#   hash5      5 fields f0..f4 of 10-byte values         (listpack in Redis)
#   setint10   10 small integers                         (intset)
#   setstr10   10 strings of 8 bytes                     (hashtable in Redis 7.0)
#   list10     10 elements of 10 bytes                   (quicklist of one listpack node)
#   zset5      5 members of 8 bytes with integer scores  (listpack)
#
#   tests/bench/container_memory.py [--keys N] [--node-bin build/node/node] [--shapes a,b]
# Every server it starts is stopped on exit.
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import redis  # noqa: E402

from harness.ports import allocate_ports, release_ports  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def fill_hash5(p, i):
    p.hset(f"h:{i}", mapping={f"f{j}": f"v{i:09d}"[:10] for j in range(5)})


def fill_setint10(p, i):
    p.sadd(f"si:{i}", *[i * 10 + j for j in range(10)])


def fill_setstr10(p, i):
    p.sadd(f"ss:{i}", *[f"m{i % 1000:03d}-{j:03d}" for j in range(10)])


def fill_list10(p, i):
    p.rpush(f"l:{i}", *[f"e{j}-{i:07d}"[:10] for j in range(10)])


def fill_zset5(p, i):
    p.zadd(f"z:{i}", {f"m{j}-{i % 10000:04d}"[:8]: i + j for j in range(5)})


SHAPES = {
    "hash5": (fill_hash5, "h:0"),
    "setint10": (fill_setint10, "si:0"),
    "setstr10": (fill_setstr10, "ss:0"),
    "list10": (fill_list10, "l:0"),
    "zset5": (fill_zset5, "z:0"),
}


def start(argv, port):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = redis.Redis(port=port, decode_responses=True)
    for _ in range(200):  # bounded: 10 s
        try:
            c.ping()
            return proc, c
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{argv[0]} did not start on {port}")


def measure(kind, argv, port, fill, sample, n):
    proc, c = start(argv, port)
    try:
        before = c.info("memory")
        p = c.pipeline(transaction=False)
        for i in range(n):
            fill(p, i)
            if i % 1000 == 999:
                p.execute()
        p.execute()
        time.sleep(0.2)
        after = c.info("memory")
        return {
            "used": (after["used_memory"] - before["used_memory"]) / n,
            "rss": (after["used_memory_rss"] - before["used_memory_rss"]) / n,
            "usage": c.memory_usage(sample),
            "enc": c.object("encoding", sample),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=100000)
    ap.add_argument("--node-bin", default=os.path.join(ROOT, "build", "node", "node"))
    ap.add_argument("--shapes", default=",".join(SHAPES))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="strata-cmem.")
    ports = allocate_ports(2)
    try:
        common = ["--save", "", "--appendonly", "no", "--dir", work]
        rows = []
        for shape in a.shapes.split(","):
            fill, sample = SHAPES[shape]
            r = measure("redis", ["redis-server", "--port", str(ports[0])] + common, ports[0],
                        fill, sample, a.keys)
            s = measure("node", [a.node_bin, "--port", str(ports[1])] + common, ports[1], fill,
                        sample, a.keys)
            rows.append((shape, r, s))
        print(f"keys per shape: {a.keys}")
        print("| shape | redis used/key | node used/key | ratio | redis rss/key | node rss/key "
              "| ratio | MEMORY USAGE redis/node | encoding redis/node |")
        print("|---|---|---|---|---|---|---|---|---|")
        for shape, r, s in rows:
            print(f"| {shape} | {r['used']:.0f} | {s['used']:.0f} | {s['used'] / r['used']:.2f} "
                  f"| {r['rss']:.0f} | {s['rss']:.0f} | {s['rss'] / max(r['rss'], 1):.2f} "
                  f"| {r['usage']}/{s['usage']} | {r['enc']}/{s['enc']} |")
    finally:
        release_ports(ports)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
