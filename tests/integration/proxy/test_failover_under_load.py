# Master failover under write load through the proxy, against a real 6-node Redis 7 cluster:
# writer threads (plain redis-py clients of the proxy) SET keys across every slot, some writes
# acknowledged with `WAIT 1 <ms>` (through the proxy, on the write's connection) before the kill;
# then `kill -9` of one master. Measures, from the kill: when its replica is promoted (ROLE polled
# on the replica directly, not through the proxy), the first and last client-visible error, and
# the first success through the proxy on a key of the dead master's slots after the promotion.
# Asserts: errors only between the kill and the promotion (+ GRACE), the proxy serving that slot
# range again within SERVE_WITHIN after the promotion (the acceptance criterion), and every
# WAIT-acknowledged write readable afterwards (lost-write checker). Runs at node-timeout 2000 ms
# and 5000 ms and prints the measured times.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_failover_under_load.py
# ctest-targets: proxy
# ctest-timeout: 300
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import Proxy, RedisCluster, key_slot  # noqa: E402
from harness.runner import main  # noqa: E402

KEYS = 3000
WRITERS = 4
WAIT_EVERY = 4        # every 4th write is SET + WAIT 1 WAIT_MS (only before the kill)
WAIT_MS = 1000
LOAD_BEFORE_KILL = 2.0
LOAD_AFTER_PROMOTION = 3.0
PROMOTION_TIMEOUT = 40.0
GRACE = 1.0           # errors may end this long after the promotion is observed
SERVE_WITHIN = 1.0    # acceptance criterion: the slot range is served again this soon


def log(msg: str):
    print(f"  {msg}", file=sys.stderr, flush=True)


class Writer(threading.Thread):
    """SETs "<index>:<seq>" (seq increasing) to the keys i % WRITERS == index, records every op
    as (start, end, slot, error or None) and, per key, the highest seq acknowledged by WAIT."""

    def __init__(self, index: int, port: int, keys: list, state: dict):
        super().__init__(daemon=True, name=f"writer-{index}")
        self.index, self.keys, self.state = index, keys, state
        self.r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True,
                             socket_timeout=20, socket_connect_timeout=5)
        self.ops = []
        self.waited = {}  # key -> seq acknowledged by WAIT 1 before the kill
        self.wait_short = 0  # WAITs that returned 0 (replica slower than WAIT_MS)

    def run(self):
        seq, i = 0, 0
        while not self.state["stop"].is_set():
            key = self.keys[i % len(self.keys)]
            i += 1
            seq += 1
            value = f"{self.index}:{seq}"
            use_wait = seq % WAIT_EVERY == 0 and not self.state["killed"].is_set()
            start = time.monotonic()
            err = None
            try:
                if use_wait:
                    pipe = self.r.pipeline(transaction=False)
                    pipe.set(key, value)
                    pipe.execute_command("WAIT", 1, WAIT_MS)
                    ok, replicas = pipe.execute()
                else:
                    ok, replicas = self.r.set(key, value), None
                if ok is not True:
                    err = f"SET answered {ok!r}"
            except redis.RedisError as e:
                err = repr(e)
            end = time.monotonic()
            self.ops.append((start, end, key_slot(key), err))
            if err is None and use_wait:
                # Acknowledged by the replica, and sent before the kill (the kill happens after
                # `killed` is set).
                if replicas == 1:
                    self.waited[key] = seq
                else:
                    self.wait_short += 1
        self.r.close()


class FailoverUnderLoad(unittest.TestCase):
    def run_failover(self, node_timeout_ms: int):
        Proxy.check_binary()
        cluster = RedisCluster(node_timeout_ms=node_timeout_ms).start()
        self.addCleanup(cluster.stop)
        seeds = [n.addr for n in cluster.masters()]
        proxy = Proxy(seeds).start()
        self.addCleanup(proxy.stop)

        victim = cluster.masters()[0]
        (replica,) = cluster.replicas_of(victim.port)
        victim_slots = {s for start, end, m, _ in cluster.slot_map(victim) if m == victim.addr
                        for s in range(start, end + 1)}
        keys = [f"fk:{i}" for i in range(KEYS)]
        state = {"stop": threading.Event(), "killed": threading.Event()}
        writers = [Writer(t, proxy.port, keys[t::WRITERS], state) for t in range(WRITERS)]
        rc = replica.client(socket_timeout=2)
        self.addCleanup(rc.close)
        load_start = time.monotonic()
        for w in writers:
            w.start()
        try:
            time.sleep(LOAD_BEFORE_KILL)
            state["killed"].set()
            time.sleep(WAIT_MS / 1000 + 0.2)  # let the last SET+WAIT pairs finish
            kill_t = time.monotonic()
            cluster.kill9(victim.port)
            killed_t = time.monotonic()  # every op started from now on needs the new master
            promoted_t = None
            deadline = kill_t + PROMOTION_TIMEOUT
            while time.monotonic() < deadline:
                try:
                    if rc.execute_command("ROLE")[0] == "master":
                        promoted_t = time.monotonic()
                        break
                except redis.RedisError:
                    pass
                time.sleep(0.02)
            if promoted_t is None:
                views = []
                for n in cluster.nodes:
                    if n.alive():
                        try:
                            views.append(f"--- CLUSTER NODES on {n.addr}:\n"
                                         + n.client().execute_command("CLUSTER", "NODES"))
                        except redis.RedisError as e:
                            views.append(f"--- {n.addr}: {e!r}")
                        views.append(f"--- log tail {n.addr}:\n{n.proc.log_tail(15)}")
                self.fail(f"{replica.addr} not promoted in {PROMOTION_TIMEOUT}s\n" + "\n".join(views))
            time.sleep(LOAD_AFTER_PROMOTION)
        finally:
            state["stop"].set()
            for w in writers:
                w.join(30)
        self.assertFalse(any(w.is_alive() for w in writers), "a writer thread is stuck")

        ops = sorted(op for w in writers for op in w.ops)
        errors = [op for op in ops if op[3] is not None]
        rel = lambda t: t - kill_t  # noqa: E731
        served = [end for start, end, slot, err in ops
                  if err is None and slot in victim_slots and start >= killed_t]
        first_served = min(served) if served else None
        log(f"node-timeout {node_timeout_ms} ms: {len(ops)} writes in "
            f"{time.monotonic() - load_start:.1f}s by {WRITERS} writers; "
            f"{sum(len(w.waited) for w in writers)} keys acknowledged by WAIT 1 before the kill "
            f"({sum(w.wait_short for w in writers)} WAITs returned 0)")
        log(f"replica {replica.addr} promoted {rel(promoted_t):.2f}s after kill -9 of {victim.addr}")
        if errors:
            kinds = {}
            for _, end, slot, err in errors:
                where = "failed" if slot in victim_slots else "other"
                kinds.setdefault(f"{err[:90]} [{where} slots]", []).append(end)
            log(f"{len(errors)} client errors from {rel(errors[0][1]):.2f}s to "
                f"{rel(max(e[1] for e in errors)):.2f}s after the kill:")
            for k, ts in sorted(kinds.items()):
                log(f"    {len(ts)} x {k} ({rel(min(ts)):.2f}s .. {rel(max(ts)):.2f}s)")
        else:
            log("no client error")
        log("first success on the failed slot range: " + (
            f"{rel(first_served):.2f}s after the kill, {first_served - promoted_t:+.2f}s from the "
            "promotion" if first_served else "never"))

        # Errors only in [kill, promotion + GRACE].
        outside = [(round(rel(s), 2), round(rel(e), 2), err) for s, e, _, err in errors
                   if e < kill_t or e > promoted_t + GRACE]
        self.assertEqual(outside[:10], [], f"{len(outside)} errors outside the failover window "
                         f"(kill .. promotion at {rel(promoted_t):.2f}s + {GRACE}s)")
        # The failed slot range is served again within SERVE_WITHIN of the promotion.
        self.assertIsNotNone(first_served, "no write on the failed slot range ever succeeded")
        self.assertLessEqual(first_served - promoted_t, SERVE_WITHIN)

        # Lost-write checker: each WAIT-acknowledged write (or a later one) is there.
        cluster.wait_converged(60)
        r = proxy.client(decode_responses=True, socket_timeout=20)
        self.addCleanup(r.close)
        lost = []
        for w in writers:
            names = sorted(w.waited)
            for i in range(0, len(names), 500):
                batch = names[i:i + 500]
                for k, got in zip(batch, r.mget(batch)):
                    owner, _, seq = (got or "-:0").partition(":")
                    if owner != str(w.index) or int(seq) < w.waited[k]:
                        lost.append((k, got, f"{w.index}:{w.waited[k]}"))
        checked = sum(len(w.waited) for w in writers)
        self.assertGreater(checked, 0, "no write was acknowledged by WAIT before the kill")
        self.assertEqual(lost[:10], [], f"{len(lost)} of {checked} WAIT-acknowledged writes lost")
        log(f"lost-write check: all {checked} WAIT-acknowledged writes readable")

    def test_failover_node_timeout_2000(self):
        self.run_failover(2000)

    def test_failover_node_timeout_5000(self):
        self.run_failover(5000)


if __name__ == "__main__":
    sys.exit(main())
