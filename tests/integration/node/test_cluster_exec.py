# EXEC's slot re-check in cluster mode, side by side with redis-server 7.0: Redis runs
# getNodeByQuery over the queued commands when EXEC arrives, so a slot that moved away, started
# migrating or lost its owner while the transaction was queued answers EXEC with -MOVED / -ASK /
# -TRYAGAIN / -CLUSTERDOWN (not EXECABORT) and discards the transaction; queued commands whose
# keys are in different slots of the same node answer -CROSSSLOT at EXEC. ASKING before MULTI
# lasts until EXEC on an importing node (served for one key, -TRYAGAIN for several with one
# missing). Slot changes go over separate admin connections (on the MULTI one they would queue).
# Two 3-master clusters (ours and redis-server, each node started as `--cluster-enabled yes
# --cluster-config-file nodes.conf --cluster-node-timeout 5000 --appendonly yes`) run the same
# scenarios; replies are compared with addresses turned into node indexes, and the Redis replies
# are also pinned so the test cannot pass vacuously.
# Needs STRATA_NODE_BIN (CTest sets it); every process is stopped.
# ctest-timeout: 120
import os
import re
import shutil
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness.cluster import HOST, RedisCluster  # noqa: E402
from harness.resp import RespConn, RespError  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.slots import key_slot  # noqa: E402
from harness.differential import node_bin  # noqa: E402


class Runner:
    """Scenario helpers over one 3-master cluster; replies normalized (addresses -> nodeN)."""

    def __init__(self, cluster):
        self.c = cluster
        self.ids = {n.port: n.client().execute_command("CLUSTER", "MYID") for n in cluster.nodes}
        self.index = {n.port: n.index for n in cluster.nodes}
        self.conns = []

    def conn(self, node):
        """A raw RESP connection (one socket: MULTI state and ASKING stay on it)."""
        c = RespConn(HOST, node.port)
        self.conns.append(c)
        return c

    def close(self):
        for c in self.conns:
            c.close()

    def norm(self, v):
        if isinstance(v, list):
            return [self.norm(x) for x in v]
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, RespError):
            v = "-" + v
        elif isinstance(v, str):
            v = "+" + v
        if isinstance(v, str):
            return re.sub(r"127\.0\.0\.1:(\d+)",
                          lambda m: f"node{self.index[int(m.group(1))]}", v)
        return v

    def r(self, conn, *args):
        if isinstance(conn, redis.Redis):
            conn = self.conn(self.c.node(conn.connection_pool.connection_kwargs["port"]))
        return self.norm(conn.call(*args))

    def owner(self, key):
        return self.c.master_for_key(key)

    def other(self, n):
        return next(m for m in self.c.nodes if m.port != n.port)

    def assign(self, slot, node):
        for n in self.c.nodes:
            n.client().execute_command("CLUSTER", "SETSLOT", slot, "NODE", self.ids[node.port])


def scenarios(run: Runner) -> dict:
    out = {}
    r = run.r
    # Slot changes are made on separate admin connections: a CLUSTER command sent on the
    # connection in MULTI would only be queued.
    # Slot moved away while SET was queued: -MOVED, transaction gone, key not written anywhere.
    k = "akey"
    slot, src = key_slot(k), run.owner(k)
    dst = run.other(src)
    a = run.conn(src)
    out["moved.queue"] = [r(a, "MULTI"), r(a, "SET", k, "v"), r(a, "GET", k)]
    run.assign(slot, dst)
    out["moved.exec"] = [r(a, "EXEC"), r(a, "EXEC"), r(dst.client(), "GET", k)]
    run.assign(slot, src)
    # WATCH + MULTI, then the slot moves: -MOVED as well (not a nil abort).
    out["watch.moved"] = [r(a, "WATCH", k), r(a, "MULTI"), r(a, "SET", k, "v")]
    run.assign(slot, dst)
    out["watch.moved"] += [r(a, "EXEC"), r(a, "EXEC")]
    run.assign(slot, src)
    # The slot starts migrating while two transactions are queued: one whose only key is
    # missing here (-ASK at EXEC), one with a key here and one missing.
    k = "bkey"
    slot, src = key_slot(k), run.owner(k)
    dst = run.other(src)
    a, a2, sa = run.conn(src), run.conn(src), run.conn(src)
    d, sd = run.conn(dst), run.conn(dst)
    try:
        r(sa, "SET", "{bkey}x", "1")
        out["ask.queue"] = [r(a, "MULTI"), r(a, "GET", k), r(a, "SET", k, "1")]
        out["split.queue"] = [r(a2, "MULTI"), r(a2, "GET", "{bkey}x"), r(a2, "GET", "{bkey}y")]
        r(sd, "CLUSTER", "SETSLOT", slot, "IMPORTING", run.ids[src.port])
        r(sa, "CLUSTER", "SETSLOT", slot, "MIGRATING", run.ids[dst.port])
        out["ask.exec"] = [r(a, "EXEC"), r(a, "EXEC"), r(sa, "EXISTS", k)]
        out["split.exec"] = [r(a2, "EXEC"), r(a2, "EXEC")]
        # Queued while migrating: a missing key is redirected at once (-ASK, then EXECABORT).
        out["migrating.queue"] = [r(a, "MULTI"), r(a, "GET", "{bkey}x"), r(a, "GET", "{bkey}y"),
                                  r(a, "EXEC"), r(a, "EXEC")]
        out["all.here"] = [r(a, "MULTI"), r(a, "GET", "{bkey}x"), r(a, "INCR", "{bkey}x"),
                           r(a, "EXEC")]
        # Importing side: ASKING before MULTI holds up to EXEC (one key: served; several with
        # one missing: TRYAGAIN); without it, MOVED while queueing.
        out["asking.multi"] = [r(d, "ASKING"), r(d, "MULTI"), r(d, "GET", "{bkey}q"),
                               r(d, "SET", "{bkey}q", "1"), r(d, "EXEC"), r(d, "ASKING"),
                               r(d, "GET", "{bkey}q")]
        out["asking.tryagain"] = [r(d, "ASKING"), r(d, "MULTI"), r(d, "GET", "{bkey}y"),
                                  r(d, "SET", "{bkey}q", "2"), r(d, "EXEC"), r(d, "ASKING"),
                                  r(d, "GET", "{bkey}q")]
        out["noasking"] = [r(d, "MULTI"), r(d, "GET", "{bkey}y"), r(d, "EXEC")]
    finally:
        r(sa, "DEL", "{bkey}x")
        r(sd, "ASKING")
        r(sd, "DEL", "{bkey}q")
        r(sd, "CLUSTER", "SETSLOT", slot, "STABLE")
        r(sa, "CLUSTER", "SETSLOT", slot, "STABLE")
    # Two queued commands on two slots of this node: CROSSSLOT at EXEC, nothing written.
    n0 = run.c.nodes[0]
    keys = [f"k{i}" for i in range(300) if run.owner(f"k{i}").port == n0.port][:2]
    c0 = run.conn(n0)
    out["crossslot"] = [r(c0, "MULTI"), r(c0, "SET", keys[0], 1), r(c0, "SET", keys[1], 1),
                        r(c0, "EXEC"), r(c0, "EXEC"), r(c0, "EXISTS", keys[0]),
                        r(c0, "EXISTS", keys[1])]
    # The slot loses its owner while queued.
    k = "fkey"
    slot, src = key_slot(k), run.owner(k)
    a, sa = run.conn(src), run.conn(src)
    out["unbound"] = [r(a, "MULTI"), r(a, "SET", k, 1)]
    r(sa, "CLUSTER", "DELSLOTS", slot)
    out["unbound"] += [r(a, "EXEC"), r(a, "EXEC")]
    r(sa, "CLUSTER", "ADDSLOTS", slot)
    # Keyless and empty transactions; a queue-time redirection still gives EXECABORT.
    out["keyless"] = [r(a, "MULTI"), r(a, "PING"), r(a, "EXEC"), r(a, "MULTI"), r(a, "EXEC")]
    elsewhere = next(f"x{i}" for i in range(100) if run.owner(f"x{i}").port != src.port)
    out["queue.moved"] = [r(a, "MULTI"), r(a, "GET", elsewhere), r(a, "SET", k, 1), r(a, "EXEC"),
                          r(a, "GET", k)]
    r(a, "DEL", k)
    return out


@unittest.skipUnless(shutil.which("redis-server"), "redis-server 7.0 is not installed")
class ExecSlotRecheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ours = RedisCluster(binary=node_bin(), masters=3, replicas=0).start(timeout=60)
        try:
            cls.redis = RedisCluster(binary=shutil.which("redis-server"), masters=3,
                                     replicas=0).start(timeout=60)
        except BaseException:
            cls.ours.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.ours.stop()
        cls.redis.stop()

    def test_side_by_side(self):
        run = Runner(self.redis)
        try:
            want = scenarios(run)
        finally:
            run.close()
        # Redis 7.0's replies, pinned (so a broken reference run cannot make this pass).
        self.assertRegex(want["moved.exec"][0], r"^-MOVED \d+ node\d$")
        self.assertEqual(want["moved.exec"][1:], ["-ERR EXEC without MULTI", None])
        self.assertRegex(want["watch.moved"][3], r"^-MOVED ")
        self.assertRegex(want["ask.exec"][0], r"^-ASK \d+ node\d$")
        self.assertEqual(want["ask.exec"][1], "-ERR EXEC without MULTI")
        tryagain = "-TRYAGAIN Multiple keys request during rehashing of slot"
        self.assertEqual(want["split.exec"], [tryagain, "-ERR EXEC without MULTI"])
        self.assertRegex(want["migrating.queue"][2], r"^-ASK ")
        self.assertEqual(want["all.here"][3], ["1", 2])
        self.assertEqual(want["asking.multi"][4:], [[None, "+OK"], "+OK", "1"])
        self.assertEqual(want["asking.tryagain"][4:], [tryagain, "+OK", "1"])
        self.assertRegex(want["noasking"][1], r"^-MOVED ")
        self.assertEqual(want["crossslot"][3:], ["-CROSSSLOT Keys in request don't hash to the "
                                                 "same slot", "-ERR EXEC without MULTI", 0, 0])
        self.assertEqual(want["unbound"][2:], ["-CLUSTERDOWN Hash slot not served",
                                               "-ERR EXEC without MULTI"])
        self.assertEqual(want["keyless"][2], ["+PONG"])
        self.assertEqual(want["queue.moved"][3:], ["-EXECABORT Transaction discarded because of "
                                                   "previous errors.", None])
        run = Runner(self.ours)
        try:
            got = scenarios(run)
        finally:
            run.close()
        for name in want:
            self.assertEqual(got[name], want[name], name)
        self.assertEqual(set(got), set(want))


if __name__ == "__main__":
    sys.exit(main())
