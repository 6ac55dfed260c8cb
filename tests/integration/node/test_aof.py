# AOF persistence of the node across restarts: appendfsync always with concurrent writers and a
# kill -9 (every acknowledged write is back, nothing unacknowledged is invented); every type and
# absolute expiry (PEXPIRETIME) survives a restart, including the deterministic rewrites (EXPIRE,
# SETEX, INCRBYFLOAT, SPOP, a served BLPOP); a truncated tail is cut with a log line; a corrupt
# middle refuses to start naming file and offset (exit status 1); BGREWRITEAOF under write load
# then kill -9 gives the same dataset and Redis 7.0's manifest; BGREWRITEAOF with appendonly no
# writes a base and a manifest as Redis 7.0; CONFIG SET appendonly yes at runtime; DEBUG RELOAD; INFO persistence's field names as redis-server 7.0's.
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 180
import os
import re
import subprocess
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir, wait_until  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402
from harness.differential import node_bin  # noqa: E402

HOST = "127.0.0.1"


class Node:
    """One node process with a persistent dir, restartable on the same port."""

    def __init__(self, *args):
        self.dir = make_temp_dir("aof")
        (self.port,) = allocate_ports(1)
        self.args = list(args)
        self.proc = None
        self.starts = 0

    def argv(self, extra=()):
        return [node_bin(), "--port", self.port, "--bind", HOST, "--dir", self.dir,
                "--appendonly", "yes", *self.args, *extra]

    def start(self, extra=(), timeout=20.0):
        self.starts += 1
        log = os.path.join(self.dir, f"node-{self.starts}.log")
        self.log = log
        self.proc = Proc(f"node:{self.port}", self.argv(extra), self.dir, log).start()
        wait_until(lambda: self.client().ping(), timeout, f"node on {self.port} to answer PING",
                   fail_if=lambda: None if self.proc.alive() else "the node exited:\n" +
                   self.proc.log_tail())
        return self

    def run_expecting_exit(self, extra=(), timeout=20.0):
        """Starts the node and waits for it to exit on its own; returns (status, log)."""
        self.starts += 1
        log = os.path.join(self.dir, f"node-{self.starts}.log")
        with open(log, "wb") as f:
            p = subprocess.run([str(a) for a in self.argv(extra)], cwd=self.dir, stdout=f,
                               stderr=subprocess.STDOUT, timeout=timeout)
        with open(log, "rb") as f:
            return p.returncode, f.read().decode(errors="replace")

    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 5)
        return redis.Redis(host=HOST, port=self.port, **kw)

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def kill9(self):
        if self.proc:
            self.proc.kill9()
            self.proc = None

    def terminate(self):
        """SIGTERM; returns the exit status (0: a clean shutdown)."""
        if not self.proc:
            return None
        self.proc.terminate(grace=10)
        rc = self.proc.popen.returncode
        self.proc = None
        return rc

    def stop(self):
        self.kill9()
        release_ports([self.port])

    def aofdir(self):
        return os.path.join(self.dir, "appendonlydir")

    def manifest(self):
        with open(os.path.join(self.aofdir(), "appendonly.aof.manifest")) as f:
            return f.read()

    def last_incr(self):
        lines = [ln.split() for ln in self.manifest().splitlines() if ln.strip()]
        incrs = [ln[1] for ln in lines if ln[-1] == "i"]
        return os.path.join(self.aofdir(), incrs[-1])


def info(client, field):
    return client.info("persistence")[field]


def dataset(client):
    """Every key with its type, value and absolute expiry (ms, -1 none)."""
    out = {}
    for k in client.scan_iter(count=1000):
        t = client.type(k)
        if t == b"string":
            v = client.get(k)
        elif t == b"list":
            v = tuple(client.lrange(k, 0, -1))
        elif t == b"set":
            v = frozenset(client.smembers(k))
        elif t == b"hash":
            v = tuple(sorted(client.hgetall(k).items()))
        elif t == b"zset":
            v = tuple(client.zrange(k, 0, -1, withscores=True))
        else:
            v = None
        out[k] = (t, v, client.execute_command("PEXPIRETIME", k))
    return out


class Writer(threading.Thread):
    """INCRs its own counter, RPUSHes to its own list and SETs unique keys until stopped;
    remembers what was acknowledged and how many of each were attempted."""

    def __init__(self, port, wid):
        super().__init__(daemon=True)
        self.port, self.wid = port, wid
        self.stop_flag = threading.Event()
        self.acked = 0      # last acknowledged sequence number
        self.attempted = 0  # sequence numbers sent
        self.error = None

    def run(self):
        c = redis.Redis(host=HOST, port=self.port, socket_timeout=5, socket_connect_timeout=2)
        i = 0
        while not self.stop_flag.is_set() and i < 1_000_000:
            i += 1
            self.attempted = i
            try:
                # One round trip, three writes: MULTI-free pipeline, acknowledged together.
                p = c.pipeline(transaction=False)
                p.incr(f"ctr:{self.wid}")
                p.rpush(f"log:{self.wid}", i)
                p.set(f"k:{self.wid}:{i}", f"v{i}")
                res = p.execute()
                if res[0] != i or res[1] != i:
                    self.error = f"writer {self.wid}: unexpected replies {res} at {i}"
                    return
                self.acked = i
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                return  # the node was killed


class Aof(unittest.TestCase):
    def setUp(self):
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            n.stop()

    def node(self, *args):
        n = Node(*args)
        self.nodes.append(n)
        return n

    def test_kill9_always_keeps_every_acknowledged_write(self):
        n = self.node("--appendfsync", "always").start()
        writers = [Writer(n.port, w) for w in range(4)]
        for w in writers:
            w.start()
        wait_until(lambda: all(w.acked >= 200 for w in writers), 30, "writers to make progress")
        n.kill9()  # under load: the writers are mid-flight
        for w in writers:
            w.join(timeout=10)
            self.assertIsNone(w.error)
        n.start()
        c = n.client()
        for w in writers:
            ctr = int(c.get(f"ctr:{w.wid}") or 0)
            # Every acknowledged INCR is there; nothing beyond what was sent.
            self.assertGreaterEqual(ctr, w.acked, f"writer {w.wid}")
            self.assertLessEqual(ctr, w.attempted, f"writer {w.wid}")
            log = c.lrange(f"log:{w.wid}", 0, -1)
            self.assertEqual([int(x) for x in log], list(range(1, len(log) + 1)))
            self.assertGreaterEqual(len(log), w.acked)
            for i in (1, w.acked // 2, w.acked):
                if i:
                    self.assertEqual(c.get(f"k:{w.wid}:{i}"), f"v{i}".encode())
            self.assertIsNone(c.get(f"k:{w.wid}:{w.attempted + 1}"))

    def fill_every_type(self, c):
        now_ms = int(time.time() * 1000)
        c.set("str", "hello")
        c.set("int", 12345)
        c.set("big", "x" * 5000)
        c.set("ttl:setpx", "v", px=500_000)
        c.setex("ttl:setex", 600, "v")
        c.set("ttl:expire", "v")
        c.expire("ttl:expire", 700)
        c.set("ttl:pexpireat", "v")
        c.pexpireat("ttl:pexpireat", now_ms + 800_000)
        c.set("ttl:persisted", "v", ex=100)
        c.execute_command("GETEX", "ttl:persisted", "PERSIST")
        c.set("ttl:getex", "v")
        c.execute_command("GETEX", "ttl:getex", "EX", "900")
        c.set("gone", "v")
        c.expire("gone", -1)  # in the past: deleted, propagated as DEL
        c.set("float", "1.5")
        c.expire("float", 1000)
        c.incrbyfloat("float", "0.25")  # SET ... KEEPTTL: keeps the expiry
        c.hset("hash", mapping={f"f{i}": f"v{i}" for i in range(300)})
        c.hincrbyfloat("hash", "fl", "2.5")
        c.hset("smallhash", "a", "1")
        c.rpush("list", *[f"e{i}" for i in range(1000)])
        c.lpush("list", "head")
        c.sadd("set", *[f"m{i}" for i in range(200)])
        c.sadd("intset", 1, 2, 3)
        c.spop("set", 5)  # random: replayed as SREM of what was popped
        c.spop("set")
        c.expire("hash", 1200)
        c.zadd("zset", {f"z{i}": i * 1.5 for i in range(100)})
        c.zadd("zset", {"inf": float("inf"), "tiny": 1e-300, "neg": -0.1})
        c.zincrby("zset", 0.1, "z3")
        tx = c.pipeline(transaction=True)  # MULTI ... EXEC: replayed as one unit
        tx.incr("txctr").lpush("txlist", "a").spop("intset")
        tx.execute()
        # A served BLPOP: replayed as LPOP of the key it took from.
        blocker = redis.Redis(host=HOST, port=c.connection_pool.connection_kwargs["port"],
                              socket_timeout=10)
        res = {}
        t = threading.Thread(target=lambda: res.setdefault("r", blocker.blpop(["q1", "q2"], 5)))
        t.start()
        time.sleep(0.2)
        c.rpush("q2", "a", "b")
        t.join(10)
        self.assertEqual(res.get("r"), (b"q2", b"a"))

    def test_every_type_and_ttl_survive_restart(self):
        n = self.node("--appendfsync", "everysec").start()
        c = n.client()
        self.fill_every_type(c)
        before = dataset(c)
        with open(n.last_incr(), "rb") as f:
            aof = f.read()
        # Redis 7.0's deterministic forms, and the transaction wrapped in MULTI ... EXEC.
        self.assertIn(b"PEXPIREAT", aof)
        self.assertIn(b"PXAT", aof)
        self.assertIn(b"KEEPTTL", aof)
        self.assertIn(b"SREM", aof)
        self.assertIn(b"$4\r\nLPOP\r\n$2\r\nq2\r\n", aof)
        for relative in (b"SETEX", b"EXPIRE", b"BLPOP", b"SPOP", b"INCRBYFLOAT", b"GETEX"):
            self.assertNotRegex(aof, rb"(?i)\$\d+\r\n" + relative + rb"\r\n")
        self.assertRegex(aof, rb"(?s)MULTI\r\n.*txctr.*txlist.*SREM.*EXEC\r\n")
        self.assertNotIn(b"gone", before)
        self.assertEqual(before[b"ttl:persisted"][2], -1)
        self.assertGreater(before[b"float"][2], 0)
        # SIGTERM: the AOF is written and fsynced on the way out, and the node exits cleanly.
        self.assertEqual(n.terminate(), 0)
        n.start()
        self.assertEqual(dataset(n.client()), before)
        # Again after a rewrite (base file from the snapshot writer) and a kill -9.
        c = n.client()
        self.assertEqual(c.bgrewriteaof(), True)
        wait_until(lambda: info(c, "aof_rewrite_in_progress") == 0 and
                   info(c, "aof_rewrites") >= 1, 20, "the rewrite to finish")
        self.assertEqual(info(c, "aof_last_bgrewrite_status"), "ok")
        c.set("after", "rewrite")
        before = dataset(c)
        time.sleep(1.5)  # everysec: let the fsync thread run
        n.kill9()
        n.start()
        self.assertEqual(dataset(n.client()), before)

    def test_truncated_tail_is_cut_with_a_log_line(self):
        n = self.node("--appendfsync", "always").start()
        c = n.client()
        for i in range(50):
            c.set(f"key{i}", i)
        n.terminate()
        incr = n.last_incr()
        good = os.path.getsize(incr)
        with open(incr, "ab") as f:
            f.write(b"*3\r\n$3\r\nSET\r\n$3\r\nbad\r\n$5\r\nval")  # a write cut short
        n.start()
        c = n.client()
        self.assertEqual(c.get("key49"), b"49")
        self.assertIsNone(c.get("bad"))
        log = n.log_text()
        self.assertIn("short read while loading the AOF file", log)
        self.assertRegex(log, rf"Truncating the AOF \S+ at offset {good}\b")
        self.assertEqual(os.path.getsize(incr), good)
        c.set("more", "1")  # appends after the cut, then everything loads again
        n.kill9()
        n.start()
        self.assertEqual(n.client().get("more"), b"1")
        self.assertEqual(n.client().get("key0"), b"0")

    def test_truncated_tail_refused_with_aof_load_truncated_no(self):
        n = self.node("--appendfsync", "always").start()
        n.client().set("a", "1")
        n.terminate()
        with open(n.last_incr(), "ab") as f:
            f.write(b"*2\r\n$3\r\nGET")
        status, log = n.run_expecting_exit(["--aof-load-truncated", "no"])
        self.assertEqual(status, 1, log)
        self.assertIn("Unexpected end of file reading the append only file", log)

    def test_corrupt_middle_refuses_to_start_naming_the_offset(self):
        n = self.node("--appendfsync", "always").start()
        c = n.client()
        for i in range(20):
            c.set(f"key{i}", "v")
        n.terminate()
        incr = n.last_incr()
        with open(incr, "rb") as f:
            data = bytearray(f.read())
        # The 6th command's leading '*' becomes garbage: a corrupt middle, not a truncated tail.
        starts = [m.start() for m in re.finditer(rb"\*3\r\n\$3\r\nset", data, re.I)]
        self.assertGreater(len(starts), 10)
        off = starts[5]
        data[off:off + 1] = b"!"
        with open(incr, "wb") as f:
            f.write(data)
        status, log = n.run_expecting_exit()
        self.assertEqual(status, 1, log)
        self.assertRegex(log, rf"Bad file format reading the append only file \S*"
                              rf"{os.path.basename(incr)} at offset {off}\b")

    def test_bgrewriteaof_under_write_load_then_kill9(self):
        n = self.node("--appendfsync", "always").start()
        c = n.client()
        c.rpush("biglist", *range(5000))
        writers = [Writer(n.port, w) for w in range(3)]
        for w in writers:
            w.start()
        wait_until(lambda: all(w.acked >= 100 for w in writers), 30, "writers to make progress")
        self.assertTrue(c.bgrewriteaof())
        wait_until(lambda: info(c, "aof_rewrites") >= 1 and
                   info(c, "aof_rewrite_in_progress") == 0, 30, "the rewrite to finish")
        wait_until(lambda: all(w.acked >= 300 for w in writers), 30, "more writes after it")
        for w in writers:
            w.stop_flag.set()
            w.join(timeout=10)
            self.assertIsNone(w.error)
        before = dataset(c)
        self.assertEqual(int(c.get("ctr:0")), writers[0].acked)
        # Redis 7.0's layout: a new base (seq 2) and the incr opened at the fork.
        m = n.manifest()
        self.assertRegex(m, r"(?m)^file appendonly\.aof\.1\.base\.aof seq 1 type b$")
        self.assertRegex(m, r"(?m)^file appendonly\.aof\.2\.incr\.aof seq 2 type i$")
        self.assertEqual(sorted(os.listdir(n.aofdir())),
                         ["appendonly.aof.1.base.aof", "appendonly.aof.2.incr.aof",
                          "appendonly.aof.manifest"])
        n.kill9()
        n.start()
        self.assertEqual(dataset(n.client()), before)

    def test_config_set_appendonly_yes_at_runtime(self):
        n = self.node("--appendfsync", "always")
        n.args = [a for a in n.args]
        n.start(["--appendonly", "no"])
        c = n.client()
        c.set("before", "1")
        c.rpush("l", *range(100))
        self.assertEqual(info(c, "aof_enabled"), 0)
        self.assertTrue(c.config_set("appendonly", "yes"))
        wait_until(lambda: info(c, "aof_enabled") == 1 and info(c, "aof_rewrites") >= 1 and
                   info(c, "aof_rewrite_in_progress") == 0, 20, "the AOF to be on")
        c.set("after", "2")
        fields = set(c.info("persistence"))
        n.kill9()
        n.start()  # appendonly yes (Node.argv)
        c = n.client()
        self.assertEqual(c.get("before"), b"1")
        self.assertEqual(c.get("after"), b"2")
        self.assertEqual(c.llen("l"), 100)
        # INFO persistence has redis-server 7.0's field names when the AOF is on.
        with Standalone() as r:
            rc = r.client()
            rc.config_set("appendonly", "yes")
            wait_until(lambda: rc.info("persistence")["aof_rewrite_in_progress"] == 0 and
                       rc.info("persistence")["aof_enabled"] == 1, 20, "redis AOF on")
            self.assertEqual(fields, set(rc.info("persistence")))

    def test_bgrewriteaof_with_appendonly_no_writes_a_base_as_redis(self):
        # Redis 7.0: "+Background append only file rewriting started", then appendonlydir holds
        # a manifest naming one base file (seq 1, then 2 with the first removed), no incr file;
        # INFO persistence: aof_enabled:0, aof_rewrites counts it.
        def files(d):
            return sorted(os.listdir(os.path.join(d, "appendonlydir")))

        def shape(d):
            with open(os.path.join(d, "appendonlydir", "appendonly.aof.manifest")) as f:
                lines = [ln.split() for ln in f.read().splitlines() if ln.strip()]
            # the base's format differs (Redis: RDB preamble .base.rdb; the node: .base.aof)
            return [(ln[0], ln[1].rsplit(".", 1)[0], ln[2:]) for ln in lines]

        n = self.node()
        n.start(["--appendonly", "no"])
        c = n.client()
        self.fill_every_type(c)
        before = dataset(c)
        with Standalone() as r:
            rc = r.client()
            self.fill_every_type(rc)
            for seq in (1, 2):
                self.assertEqual(c.bgrewriteaof(), rc.bgrewriteaof())
                for cl in (c, rc):
                    wait_until(lambda: info(cl, "aof_rewrite_in_progress") == 0 and
                               info(cl, "aof_rewrites") == seq, 20, "the rewrite to finish")
                self.assertEqual(shape(n.dir), shape(r.dir))
                self.assertEqual(shape(n.dir),
                                 [("file", f"appendonly.aof.{seq}.base", ["seq", str(seq), "type",
                                                                           "b"])])
                self.assertEqual(len(files(n.dir)), len(files(r.dir)))
                for field in ("aof_enabled", "aof_last_bgrewrite_status", "aof_rewrites"):
                    self.assertEqual(info(c, field), info(rc, field), field)
        n.kill9()
        n.start()  # appendonly yes: loads the base written while the AOF was off
        self.assertEqual(dataset(n.client()), before)

    def test_debug_reload_keeps_the_dataset(self):
        n = self.node().start()
        c = n.client()
        self.fill_every_type(c)
        before = dataset(c)
        self.assertTrue(c.execute_command("DEBUG", "RELOAD"))
        self.assertEqual(dataset(c), before)
        c.set("x", "y")
        n.kill9()
        n.start()
        after = dataset(n.client())
        del after[b"x"]
        self.assertEqual(after, before)


if __name__ == "__main__":
    sys.exit(main())
