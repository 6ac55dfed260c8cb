# Master/replica replication between two of our nodes over real connections: a full sync copies
# the data written before the attach (strings, hashes, lists, sets, expiries), later writes
# stream, WAIT 1 returns 1 and what it acknowledged is readable on the replica, writes on the
# replica get -READONLY, min-replicas-to-write refuses with -NOREPLICAS, INFO replication carries
# the same field names as redis-server 7.0's (checked against a real Redis master/replica pair),
# a replica restarted within the backlog (its data back from the AOF) resyncs partially
# (sync_partial_ok + 1, sync_full unchanged), and REPLICAOF NO ONE keeps the data and the old
# history as replid2. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import shutil
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness.differential import node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir, wait_until  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"


class Server:
    """One server process (our node or redis-server) in its own dir; restartable in place."""

    def __init__(self, binary, *args, prefix="repl"):
        self.binary, self.args = binary, list(args)
        (self.port,) = allocate_ports(1)
        self.dir = make_temp_dir(prefix)
        self.proc = None

    def start(self):
        argv = [self.binary, "--port", self.port, "--bind", HOST, "--save", "", "--dir", self.dir,
                *self.args]
        self.proc = Proc(f"{os.path.basename(self.binary)}:{self.port}", argv, self.dir,
                         os.path.join(self.dir, "server.log")).start()
        wait_until(lambda: self.client().ping(), 15, f"server on {self.port} to answer PING",
                   fail_if=lambda: None if self.proc.alive() else "the server exited")
        return self

    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(host=HOST, port=self.port, **kw)

    def info(self, section="replication"):
        return self.client().info(section)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc = None

    def close(self):
        self.stop()
        release_ports([self.port])


def wait_link_up(replica, master, timeout=15):
    def synced():
        r, m = replica.info(), master.info()
        return (r.get("master_link_status") == "up" and
                r.get("slave_repl_offset") == m.get("master_repl_offset"))
    wait_until(synced, timeout, f"replica {replica.port} in sync with {master.port}")


def dump(client):
    """Every key with its type, value and whether it has an expiry."""
    out = {}
    for k in client.keys("*"):
        t = client.type(k).decode()
        if t == "string":
            v = client.get(k)
        elif t == "hash":
            v = client.hgetall(k)
        elif t == "list":
            v = client.lrange(k, 0, -1)
        elif t == "set":
            v = client.smembers(k)
        else:
            v = None
        out[k] = (t, v, client.ttl(k) > 0)
    return out


def populate(c, prefix, n):
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"{prefix}:s:{i}", f"v{i}" * (i % 7 + 1))
    for i in range(n // 10):
        p.hset(f"{prefix}:h:{i}", mapping={"a": i, "b": "x" * i})
        p.rpush(f"{prefix}:l:{i}", *range(i + 1))
        p.sadd(f"{prefix}:z:{i}", *range(i + 1))
    p.set(f"{prefix}:ttl", "1", ex=1000)
    p.execute()


class Replication(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        (cls.mport,) = allocate_ports(1)
        cls.master = Server(node_bin(), "--repl-ping-replica-period", "1").start()
        cls.replica = Server(node_bin(), "--metrics-port", str(cls.mport)).start()

    @classmethod
    def tearDownClass(cls):
        cls.replica.close()
        cls.master.close()
        release_ports([cls.mport])

    def attach(self):
        r = self.replica.client()
        self.assertIn(r.execute_command("REPLICAOF", HOST, self.master.port),
                      (b"OK", b"OK Already connected to specified master"))
        wait_link_up(self.replica, self.master)

    def test_1_full_sync_stream_wait_readonly(self):
        m, r = self.master.client(), self.replica.client()
        m.flushall()
        populate(m, "before", 2000)
        r.set("stale", "gone after the full sync")
        before = self.master.info("stats")
        self.attach()
        self.assertEqual(self.master.info("stats")["sync_full"], before["sync_full"] + 1)
        self.assertEqual(dump(r), dump(m))
        # The stream: every acknowledged write is readable on the replica at once.
        for i in range(50):
            m.set(f"w:{i}", i)
            m.incr("counter")
            m.hset("wh", f"f{i}", i)
            m.lpush("wl", i)
            m.expire(f"w:{i}", 500)
            if i % 10 == 0:
                m.delete(f"before:s:{i}")
                self.assertEqual(m.execute_command("WAIT", 1, 2000), 1)
                self.assertEqual(r.get(f"w:{i}"), str(i).encode())
                self.assertEqual(r.get("counter"), str(i + 1).encode())
                self.assertIsNone(r.get(f"before:s:{i}"))
        self.assertEqual(m.execute_command("WAIT", 1, 2000), 1)
        self.assertEqual(dump(r), dump(m))
        # A read-only replica refuses writes, as Redis.
        with self.assertRaises(redis.exceptions.ReadOnlyError) as e:
            r.set("x", 1)
        self.assertIn("You can't write against a read only replica.", str(e.exception))
        self.assertEqual(r.get("counter"), b"50")
        # WAIT is a master's command.
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.execute_command("WAIT", 1, 10)
        self.assertIn("WAIT cannot be used with replica instances", str(e.exception))
        # REPLICAOF the same master again: nothing to do.
        self.assertEqual(r.execute_command("REPLICAOF", HOST, self.master.port),
                         b"OK Already connected to specified master")

    def test_2_wait_timeout_and_min_replicas(self):
        m = self.master.client()
        self.attach()
        # More replicas than exist: WAIT gives up after its timeout with the count it has.
        start = time.monotonic()
        self.assertEqual(m.execute_command("WAIT", 2, 200), 1)
        took = time.monotonic() - start
        self.assertGreaterEqual(took, 0.19)
        self.assertLess(took, 2)
        m.config_set("min-replicas-to-write", 2)
        try:
            with self.assertRaises(redis.exceptions.ResponseError) as e:
                m.set("k", "v")
            self.assertEqual(str(e.exception), "NOREPLICAS Not enough good replicas to write.")
            self.assertEqual(m.get("counter") is None, m.get("counter") is None)  # reads pass
            m.config_set("min-replicas-to-write", 1)
            wait_until(lambda: m.set("k", "v"), 5, "one good replica to be counted")
        finally:
            m.config_set("min-replicas-to-write", 0)

    def test_3_info_fields_like_redis(self):
        self.attach()
        theirs_m = Server(shutil.which("redis-server") or "/usr/bin/redis-server",
                          prefix="repl-redis").start()
        theirs_r = Server(shutil.which("redis-server") or "/usr/bin/redis-server",
                          "--replicaof", HOST, str(theirs_m.port), prefix="repl-redis").start()
        try:
            wait_link_up(theirs_r, theirs_m)
            theirs_m.client().set("a", 1)
            self.master.client().set("a", 1)
            for ours, theirs in ((self.master, theirs_m), (self.replica, theirs_r)):
                a, b = ours.info(), theirs.info()
                self.assertEqual(set(a) - {"min_slaves_good_slaves"}, set(b), ours.port)
                for k in ("role", "connected_slaves", "master_link_status", "master_host",
                          "master_sync_in_progress", "repl_backlog_active", "repl_backlog_size",
                          "master_failover_state", "second_repl_offset", "master_replid2",
                          "slave_read_only", "slave_priority"):
                    if k == "master_host" or k not in b:
                        continue
                    self.assertEqual(a[k], b[k], k)
            sa, sb = self.master.info()["slave0"], theirs_m.info()["slave0"]
            self.assertEqual(set(sa), set(sb))
            self.assertEqual(sa["state"], "online")
            self.assertEqual(sa["port"], self.replica.port)
            for name in ("sync_full", "sync_partial_ok", "sync_partial_err"):
                self.assertIn(name, self.master.info("stats"))
            # CONFIG RESETSTAT zeroes them, as Redis.
            for server in (self.master, theirs_m):
                self.assertGreater(server.info("stats")["sync_full"], 0)
                server.client().config_resetstat()
                self.assertEqual(server.info("stats")["sync_full"], 0)
        finally:
            theirs_r.close()
            theirs_m.close()

    def test_3b_metrics(self):
        self.attach()

        def samples():
            body = urllib.request.urlopen(f"http://{HOST}:{self.mport}/metrics", timeout=5)
            out = {}
            for line in body.read().decode().splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    out[name] = float(value)
            return out
        got = wait_until(lambda: (lambda s: s if s.get("strata_node_master_link_up") == 1 else
                                  None)(samples()), 5, "the replica's metrics")
        self.assertEqual(got["strata_node_role_master"], 0)
        self.assertEqual(got["strata_node_connected_replicas"], 0)
        self.assertGreater(got["strata_node_replication_offset_bytes"], 0)
        self.assertIn("strata_node_replication_lag_bytes", got)

    def test_4_restart_within_backlog_resyncs_partially(self):
        m = self.master.client()
        replica = Server(node_bin(), "--appendonly", "yes", "--replicaof",
                         f"{HOST} {self.master.port}")
        try:
            replica.start()
            wait_link_up(replica, self.master)
            populate(m, "restart", 200)
            self.assertGreaterEqual(m.execute_command("WAIT", 2, 2000), 1)
            wait_link_up(replica, self.master)
            before = self.master.info("stats")
            replica.stop()  # SIGTERM: the AOF and the replication state are written
            for i in range(100):
                m.set(f"while-down:{i}", i)
            replica.start()
            wait_link_up(replica, self.master)
            after = self.master.info("stats")
            self.assertEqual(after["sync_partial_ok"], before["sync_partial_ok"] + 1)
            self.assertEqual(after["sync_full"], before["sync_full"])
            self.assertEqual(dump(replica.client()), dump(m))
        finally:
            replica.close()

    def test_5_replicaof_no_one_keeps_data(self):
        m, r = self.master.client(), self.replica.client()
        self.attach()
        m.set("promoted", "yes")
        self.assertEqual(m.execute_command("WAIT", 1, 2000), 1)
        old = self.replica.info()
        self.assertEqual(r.execute_command("REPLICAOF", "NO", "ONE"), b"OK")
        info = self.replica.info()
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["master_replid2"], old["master_replid"])
        self.assertEqual(info["second_repl_offset"], old["master_repl_offset"] + 1)
        self.assertEqual(r.get("promoted"), b"yes")
        self.assertTrue(r.set("writable", 1))
        self.assertEqual(dump(r).get(b"counter"), dump(m).get(b"counter"))
        # Following the master again continues the shared history partially.
        r.delete("writable")
        before = self.master.info("stats")
        self.attach()
        after = self.master.info("stats")
        self.assertEqual(after["sync_full"], before["sync_full"] + 1)  # it wrote: new history
        self.assertEqual(dump(r), dump(m))


if __name__ == "__main__":
    main()
