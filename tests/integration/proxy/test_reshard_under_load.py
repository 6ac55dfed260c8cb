# Resharding under load through the proxy, against a real 6-node Redis 7 cluster: preloads 20k
# keys through the proxy, then runs the real `redis-cli --cluster reshard` (4096 slots from master
# A to master B, keys moved with MIGRATE, clients redirected with ASK/MOVED/TRYAGAIN) while client
# threads (plain single-node redis-py clients of the proxy) do SET/GET/INCR/MGET, recording every
# operation. Asserts zero client-visible errors, no stale read, every key reading back its last
# acknowledged value afterwards (zero lost keys), and every node's CLUSTER SLOTS showing the moved
# slots at B. Prints the ops count, ops/s and durations.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_reshard_under_load.py
# ctest-targets: proxy
# ctest-timeout: 420
import os
import random
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import Proxy, RedisCluster, key_slot  # noqa: E402
from harness.runner import main  # noqa: E402

PRELOAD = 20000
SLOTS_TO_MOVE = 4096
THREADS = 3
COUNTERS_PER_THREAD = 200
HOT_TAGS, HOT_KEYS = 6, 40
RESHARD_TIMEOUT = 240.0  # bound of the redis-cli run
LOAD_CAP = RESHARD_TIMEOUT + 20  # client threads never run longer than this


def log(msg: str):
    print(f"  {msg}", file=sys.stderr, flush=True)


class Client(threading.Thread):
    """One client of the proxy. Owns the keys i % THREADS == index of the preload and its own
    counters, so it knows the exact value each of them must have; checks every read against it."""

    def __init__(self, index: int, port: int, keys: list, tags: list, stop: threading.Event):
        super().__init__(daemon=True, name=f"client-{index}")
        self.index, self.keys, self.tags, self.stop = index, keys, tags, stop
        self.hot = [k for tag in tags for k in tag]
        self.expected = {k: "0" for k in keys + self.hot}
        self.counters = [f"rc:{index}:{j}" for j in range(COUNTERS_PER_THREAD)]
        self.r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True,
                             socket_timeout=20, socket_connect_timeout=5)
        self.rng = random.Random(index)
        self.ops = 0
        self.errors = []      # (monotonic time, op, repr(exception))
        self.mismatches = []  # (op, key, got, want)
        self.uncertain = {}   # key -> values it may hold after a failed write
        self.seq = 0

    def _check(self, op, key, got):
        want = self.expected.get(key)
        if got != want and got not in self.uncertain.get(key, ()):
            self.mismatches.append((op, key, got, want))

    def step(self):
        rng, r = self.rng, self.r
        p = rng.random()
        pick = lambda: rng.choice(self.hot if rng.random() < 0.3 else self.keys)  # noqa: E731
        if p < 0.35:
            key = pick()
            self.seq += 1
            value = f"{self.index}:{self.seq}"
            try:
                ok = r.set(key, value)
            except redis.RedisError:
                self.uncertain.setdefault(key, set()).update((self.expected.get(key), value))
                raise
            if ok is not True:
                raise AssertionError(f"SET {key} answered {ok!r}")
            self.expected[key] = value
        elif p < 0.65:
            key = pick()
            self._check("GET", key, r.get(key))
        elif p < 0.80:
            key = rng.choice(self.counters)
            old = int(self.expected.get(key) or 0)
            try:
                got = r.incr(key)
            except redis.RedisError:
                self.uncertain.setdefault(key, set()).update((str(old), str(old + 1)))
                raise
            self.expected[key] = str(old + 1)
            if got != old + 1:
                self.mismatches.append(("INCR", key, got, old + 1))
        elif p < 0.92:
            keys = rng.sample(self.keys, 6) + [rng.choice(self.counters)]
            for key, got in zip(keys, r.mget(keys)):
                self._check("MGET", key, got)
        else:
            # Same-slot multi-key: not split by the proxy, so a migrating slot answers TRYAGAIN.
            tagged = rng.sample(rng.choice(self.tags), 4)
            self.seq += 1
            pairs = {k: f"{self.index}:{self.seq}" for k in tagged}
            try:
                ok = r.mset(pairs)
            except redis.RedisError:
                for k, v in pairs.items():
                    self.uncertain.setdefault(k, set()).update((self.expected.get(k), v))
                raise
            if ok is not True:
                raise AssertionError(f"MSET answered {ok!r}")
            self.expected.update(pairs)
            for key, got in zip(tagged, r.mget(tagged)):
                self._check("MGET-tag", key, got)

    def run(self):
        deadline = time.monotonic() + LOAD_CAP
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                self.step()
            except (redis.RedisError, AssertionError) as e:
                self.errors.append((time.monotonic(), repr(e)))
            self.ops += 1
        self.r.close()


def redirections(metrics_port: int) -> str:
    """The proxy's strata_proxy_redirections_total samples, e.g. 'ask=12 moved=3 tryagain=1'."""
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    except OSError as e:
        return f"(metrics unavailable: {e})"
    out = []
    for line in body.decode().splitlines():
        if line.startswith("strata_proxy_redirections_total{"):
            labels, value = line.rsplit(" ", 1)
            out.append(f"{labels[labels.index('{') + 1:-1]}={float(value):.0f}")
    return " ".join(out) or "(none)"


class ReshardUnderLoad(unittest.TestCase):
    def setUp(self):
        Proxy.check_binary()
        self.cluster = RedisCluster().start()
        self.addCleanup(self.cluster.stop)
        seeds = [n.addr for n in self.cluster.masters()[:2]]
        self.proxy = Proxy(seeds).start()
        self.addCleanup(self.proxy.stop)

    def node_id(self, node) -> str:
        return node.client().execute_command("CLUSTER", "MYID")

    def owned(self, slot_map, addr) -> set:
        return {s for start, end, m, _ in slot_map if m == addr for s in range(start, end + 1)}

    def test_reshard_4096_slots_under_load(self):
        c = self.cluster
        a, b = c.masters()[:2]
        a_slots_before = self.owned(c.slot_map(a), a.addr)
        self.assertGreater(len(a_slots_before), SLOTS_TO_MOVE)

        # Preload through the proxy (pipelined SETs).
        r = self.proxy.client(decode_responses=True, socket_timeout=30)
        self.addCleanup(r.close)
        keys = [f"rk:{i}" for i in range(PRELOAD)]
        # Hot slots: per client, HOT_TAGS hash tags of A with HOT_KEYS keys each, so slots holding
        # many keys are moved (several MIGRATE batches) while clients hit them: ASK and TRYAGAIN.
        tags = [[] for _ in range(THREADS)]
        for j in range(100000):
            t = len([x for x in tags if len(x) >= HOT_TAGS])
            if t == THREADS:
                break
            if key_slot(f"rt:{j}") in a_slots_before:
                tags[t].append([f"{{rt:{j}}}:{m}" for m in range(HOT_KEYS)])
        preload = keys + [k for per in tags for tag in per for k in tag]
        t0 = time.monotonic()
        for i in range(0, len(preload), 1000):
            pipe = r.pipeline(transaction=False)
            for k in preload[i:i + 1000]:
                pipe.set(k, "0")
            self.assertTrue(all(x is True for x in pipe.execute()))
        log(f"preloaded {len(preload)} keys through the proxy in {time.monotonic() - t0:.1f}s")
        on_a = sum(1 for k in keys if c.master_for_key(k) is a)

        stop = threading.Event()
        clients = []
        for t in range(THREADS):
            clients.append(Client(t, self.proxy.port, keys[t::THREADS], tags[t], stop))
        load_start = time.monotonic()
        for cl in clients:
            cl.start()
        try:
            time.sleep(1.0)  # load before, during and after the move
            cmd = ["redis-cli", "--cluster", "reshard", a.addr, "--cluster-from", self.node_id(a),
                   "--cluster-to", self.node_id(b), "--cluster-slots", str(SLOTS_TO_MOVE),
                   "--cluster-yes"]
            reshard_start = time.monotonic()
            out = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                 timeout=RESHARD_TIMEOUT)
            reshard_end = time.monotonic()
            ops_at_end = sum(cl.ops for cl in clients)
            time.sleep(1.0)
        finally:
            stop.set()
            for cl in clients:
                cl.join(30)
        load_end = time.monotonic()
        self.assertFalse(any(cl.is_alive() for cl in clients), "a client thread is stuck")
        text = out.stdout + out.stderr
        self.assertEqual(out.returncode, 0, text[-3000:])
        self.assertNotIn("[ERR]", text, text[-3000:])

        ops = sum(cl.ops for cl in clients)
        errors = sorted(e for cl in clients for e in cl.errors)
        mismatches = [m for cl in clients for m in cl.mismatches]
        reshard_s = reshard_end - reshard_start
        log(f"reshard of {SLOTS_TO_MOVE} slots (~{on_a * SLOTS_TO_MOVE // len(a_slots_before)} "
            f"keys) {a.addr} -> {b.addr} took {reshard_s:.1f}s")
        log(f"{ops} client ops in {load_end - load_start:.1f}s "
            f"({ops / (load_end - load_start):.0f} ops/s) by {THREADS} clients; "
            f"{ops_at_end} by the end of the reshard; {len(errors)} errors, "
            f"{len(mismatches)} wrong reads")
        log(f"proxy redirections: {redirections(self.proxy.metrics_port)}")
        self.assertEqual([(round(t - reshard_start, 2), e) for t, e in errors[:10]], [],
                         f"{len(errors)} client-visible errors (times relative to the reshard start)")
        self.assertEqual(mismatches[:10], [], f"{len(mismatches)} reads returned a wrong value")

        # The new slot map, as every node reports it.
        c.wait_converged(60)
        moved = a_slots_before - self.owned(c.slot_map(a), a.addr)
        self.assertEqual(len(moved), SLOTS_TO_MOVE)
        for n in c.nodes:
            self.assertTrue(moved <= self.owned(c.slot_map(n), b.addr),
                            f"{n.addr} does not show every moved slot at {b.addr}")

        # Zero lost keys: every key reads back its last acknowledged value, through the proxy.
        expected = {}
        for cl in clients:
            expected.update(cl.expected)
        names = sorted(expected)
        lost = []
        for i in range(0, len(names), 500):
            batch = names[i:i + 500]
            for k, got in zip(batch, r.mget(batch)):
                if got != expected[k]:
                    lost.append((k, got, expected[k]))
        self.assertEqual(lost[:10], [], f"{len(lost)} of {len(names)} keys lost or wrong")
        self.assertEqual(r.dbsize(), len(names))
        log(f"verified {len(names)} keys after the reshard: none lost")


if __name__ == "__main__":
    sys.exit(main())
