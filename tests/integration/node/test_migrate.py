# DUMP / RESTORE / MIGRATE on the node, with redis-server 7.0 as the oracle for every reply and
# error text. Each check runs on two pairs of standalone servers, source -> target: redis-server
# -> redis-server and node -> node (the payloads are the same format; crossing them between
# redis-server and the node is test_redis_payloads'), plus a password-protected target per pair:
#   - DUMP -> RESTORE of every type (strings int/embstr/raw, list, set intset/hashtable, hash
#     listpack/hashtable, zset, stream with a consumer group) with values and encodings kept
#     (harness.datasets.snapshot), TTL, ABSTTL (future and past), REPLACE, BUSYKEY, IDLETIME;
#   - RESTORE's argument errors and corrupt and truncated payloads; payloads cross both ways;
#   - MIGRATE single key and KEYS form, COPY, REPLACE, AUTH, AUTH2, NOKEY, BUSYKEY from the target,
#     argument errors, a refused port, a target that never answers (bounded by the timeout), and
#     the cached connection (reused, then closed after 10 s idle).
# Cluster mode: CLUSTER GETKEYSINSLOT / COUNTKEYSINSLOT against a one-node redis-server cluster,
# and `redis-cli --cluster reshard` of 200 slots (strings with TTL, lists, hashes, zsets) between
# three nodes. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.datasets import snapshot  # noqa: E402
from harness.differential import node_bin  # noqa: E402
from harness.resp import RespConn, RespError  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "s3cret"
BAD_PAYLOAD = RespError("ERR DUMP payload version or checksum are wrong")


class Pair:
    def __init__(self, name, binary):
        self.name = name
        self.src = Standalone(binary=binary).start()
        self.dst = Standalone(binary=binary).start()
        self.auth = Standalone(binary=binary).start()
        self.a = RespConn(HOST, self.src.port)
        self.b = RespConn(HOST, self.dst.port)
        self.c = RespConn(HOST, self.auth.port)
        assert self.c.call("CONFIG", "SET", "requirepass", PASSWORD) == "OK"

    def stop(self):
        for s in (self.src, self.dst, self.auth):
            s.stop()


def migrate(conn, port, key, *opts, timeout=2000, db=0):
    return conn.call("MIGRATE", HOST, str(port), key, str(db), str(timeout), *opts)


class Migrate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pairs = []
        try:
            cls.pairs.append(Pair("redis", None))
            cls.pairs.append(Pair("node", node_bin()))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p in cls.pairs:
            p.stop()

    def each(self, fn):
        """Runs fn(pair) on both pairs; returns {name: result} for cross-checking."""
        out = {}
        for p in self.pairs:
            with self.subTest(server=p.name):
                for conn in (p.a, p.b, p.c):
                    conn.call("FLUSHALL")
                out[p.name] = fn(p)
        return out

    maxDiff = None

    def same(self, results):
        self.assertEqual(results["node"], results["redis"])

    # ---- DUMP / RESTORE ----

    def fill(self, a):
        a.call("SET", "int", "12345")
        a.call("SET", "embstr", "hello world")
        a.call("SET", "raw", "x" * 100)
        a.call("SET", "app", "ab")
        a.call("APPEND", "app", "cd")  # raw; reloads as embstr
        a.call("RPUSH", "list", "a", "b", "c", "1")
        a.call("SADD", "intset", "1", "2", "3")
        a.call("SADD", "set", "x", "y", "z")
        a.call("HSET", "hash", "f1", "v1", "f2", "v2")
        a.call("HSET", "longval", "f", "v" * 100, "g", "w")  # hashtable by value length
        for i in range(600):  # hashtable by count (redis-server's built-in default: 512)
            a.call("HSET", "bighash", f"f{i}", str(i))
        a.call("SADD", "bigintset", *[str(i) for i in range(600)])  # hashtable by count
        a.call("ZADD", "zset", "1.5", "a", "-inf", "b", "1.5", "c", "3e100", "d")
        a.call("ZADD", "bigzset", *[x for i in range(200) for x in (str(i % 7), f"m{i}")])
        a.call("XADD", "stream", "1-1", "f", "v")
        a.call("XGROUP", "CREATE", "stream", "g", "0")
        a.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "stream", ">")
        return ["int", "embstr", "raw", "app", "list", "intset", "set", "hash", "longval",
                "bighash", "bigintset", "zset", "bigzset", "stream"]

    def snapshot(self, conn, key):
        """The key's type and value (harness.datasets.snapshot) and its encoding."""
        return snapshot(conn, key) + (conn.call("OBJECT", "ENCODING", key),)

    def test_dump_restore_every_type(self):
        def check(p):
            keys = self.fill(p.a)
            got = []
            for key in keys:
                payload = p.a.call("DUMP", key)
                self.assertIsInstance(payload, bytes)
                self.assertEqual(p.b.call("RESTORE", key, "0", payload), "OK")
                src, dst = self.snapshot(p.a, key), self.snapshot(p.b, key)
                self.assertEqual(src[:2], dst[:2], key)
                got.append(dst)
                self.assertEqual(p.b.call("TTL", key), -1)
            self.assertIsNone(p.a.call("DUMP", "missing"))
            return got
        self.same(self.each(check))

    def test_restore_ttl_replace_busykey_idletime(self):
        def check(p):
            a, b = p.a, p.b
            a.call("SET", "k", "v")
            payload = a.call("DUMP", "k")
            out = []
            out.append(b.call("RESTORE", "k", "5000", payload))
            pttl = b.call("PTTL", "k")
            self.assertTrue(4000 < pttl <= 5000, pttl)
            out.append(b.call("RESTORE", "k", "0", payload))  # BUSYKEY
            out.append(b.call("RESTORE", "k", "0", payload, "REPLACE"))
            out.append(b.call("TTL", "k"))
            future = int(time.time() * 1000) + 100000
            out.append(b.call("RESTORE", "k", str(future), payload, "REPLACE", "ABSTTL"))
            self.assertTrue(99000 < b.call("PTTL", "k") <= 100000)
            # An absolute TTL in the past: OK, and the key is gone (the old one replaced).
            out.append(b.call("RESTORE", "k", "1", payload, "REPLACE", "ABSTTL"))
            out.append(b.call("EXISTS", "k"))
            out.append(b.call("RESTORE", "fresh", "1", payload, "ABSTTL"))
            out.append(b.call("EXISTS", "fresh"))
            out.append(b.call("RESTORE", "idle", "0", payload, "IDLETIME", "1000"))
            idle = b.call("OBJECT", "IDLETIME", "idle")
            self.assertTrue(1000 <= idle <= 1002, idle)
            out.append(b.call("RESTORE", "freq", "0", payload, "FREQ", "5"))
            out.append(b.call("GET", "freq"))
            # Under an LFU policy FREQ sets the counter (OBJECT FREQ reads it back).
            b.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
            out.append(b.call("RESTORE", "lfu", "0", payload, "FREQ", "100"))
            out.append(b.call("OBJECT", "FREQ", "lfu"))
            b.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
            out.append(b.call("RESTORE-ASKING", "asking", "0", payload))
            out.append(b.call("GET", "asking"))
            return out
        self.same(self.each(check))

    def test_restore_wakes_blocked_pops(self):
        def check(p):
            p.a.call("RPUSH", "q", "x", "y")
            p.a.call("ZADD", "z", "1", "m")
            lst, zs = p.a.call("DUMP", "q"), p.a.call("DUMP", "z")
            waiter = RespConn(HOST, p.dst.port)
            waiter.send("BLPOP", "q", "5")
            waiter2 = RespConn(HOST, p.dst.port)
            waiter2.send("BZPOPMIN", "z", "5")
            time.sleep(0.1)
            self.assertEqual(p.b.call("RESTORE", "q", "0", lst), "OK")
            self.assertEqual(p.b.call("RESTORE", "z", "0", zs), "OK")
            return [waiter.read(timeout=3), waiter2.read(timeout=3), p.b.call("LLEN", "q")]
        self.same(self.each(check))

    def test_restore_errors(self):
        def check(p):
            a = p.a
            a.call("SET", "k", "v")
            d = a.call("DUMP", "k")
            cases = [
                ("RESTORE", "k", "0", d),
                ("RESTORE", "n", "-1", d),
                ("RESTORE", "n", "abc", d),
                ("RESTORE", "n", "0", d, "FOO"),
                ("RESTORE", "n", "0", d, "IDLETIME"),
                ("RESTORE", "n", "0", d, "IDLETIME", "-1"),
                ("RESTORE", "n", "0", d, "IDLETIME", "x"),
                ("RESTORE", "n", "0", d, "FREQ", "256"),
                ("RESTORE", "n", "0", d, "FREQ", "-1"),
                ("RESTORE", "n", "0", d, "IDLETIME", "1", "FREQ", "2"),
                ("RESTORE", "n", "0", d, "FREQ", "1", "IDLETIME", "2"),
                ("RESTORE", "n", "0"),
                ("RESTORE", "n", "0", "garbage"),
                ("RESTORE", "n", "0", d + b"x"),
                ("RESTORE", "n", "0", d[:-1]),
                ("RESTORE", "n", "0", b""),
                ("RESTORE", "k", "-1", "garbage"),  # BUSYKEY comes first
                ("RESTORE", "n", "-1", "garbage"),  # then the TTL, then the payload
            ]
            out = [a.call(*c) for c in cases]
            # Every single-byte corruption is refused.
            for i in range(len(d)):
                bad = bytearray(d)
                bad[i] ^= 0x20
                self.assertEqual(a.call("RESTORE", "n", "0", bytes(bad)), BAD_PAYLOAD, i)
            self.assertEqual(a.call("EXISTS", "n"), 0)
            return out
        self.same(self.each(check))

    def test_payloads_cross_between_redis_and_node(self):
        # Both write Redis's DUMP payload (RDB object + version 10 + CRC64): the same bytes for
        # a string, and each RESTOREs the other's (every type: test_redis_payloads).
        redis, node = self.pairs
        for conn in (redis.a, redis.b, node.a, node.b):
            conn.call("FLUSHALL")
        redis.a.call("SET", "k", "v")
        node.a.call("SET", "k", "v")
        rp, np = redis.a.call("DUMP", "k"), node.a.call("DUMP", "k")
        self.assertEqual(rp, np)
        redis.a.call("RPUSH", "l", "a", "b")
        rl = redis.a.call("DUMP", "l")
        self.assertEqual(node.b.call("RESTORE", "l", "0", rl), "OK")
        self.assertEqual(node.b.call("LRANGE", "l", "0", "-1"), [b"a", b"b"])
        node.a.call("HSET", "h", "f", "v")
        self.assertEqual(redis.b.call("RESTORE", "h", "0", node.a.call("DUMP", "h")), "OK")
        self.assertEqual(redis.b.call("HGETALL", "h"), [b"f", b"v"])

    # ---- MIGRATE ----

    def test_migrate_single_keys_copy_replace(self):
        def check(p):
            a, b, port = p.a, p.b, p.dst.port
            out = []
            a.call("SET", "k1", "v1")
            a.call("PEXPIRE", "k1", "60000")
            out.append(migrate(a, port, "k1"))
            out.append((a.call("EXISTS", "k1"), b.call("GET", "k1")))
            self.assertTrue(55000 < b.call("PTTL", "k1") <= 60000)
            out.append(migrate(a, port, "k1"))  # gone here now
            a.call("RPUSH", "l", "x", "y")
            a.call("HSET", "h", "f", "v")
            out.append(migrate(a, port, "", "KEYS", "l", "missing", "h"))
            out.append((a.call("EXISTS", "l", "h"), b.call("LRANGE", "l", "0", "-1"),
                        b.call("HGETALL", "h")))
            out.append(migrate(a, port, "", "KEYS", "missing1", "missing2"))
            # COPY keeps the source; the target's existing key is BUSYKEY without REPLACE.
            a.call("SET", "c", "one")
            out.append(migrate(a, port, "c", "COPY"))
            out.append((a.call("GET", "c"), b.call("GET", "c")))
            a.call("SET", "c", "two")
            out.append(migrate(a, port, "c", "COPY"))
            out.append(a.call("GET", "c"))
            out.append(migrate(a, port, "c", "COPY", "REPLACE"))
            out.append((a.call("GET", "c"), b.call("GET", "c")))
            out.append(migrate(a, port, "c", "REPLACE"))
            out.append((a.call("EXISTS", "c"), b.call("GET", "c")))
            # KEYS with one busy key: the others move, the error is reported.
            a.call("SET", "x1", "1")
            a.call("SET", "x2", "2")
            b.call("SET", "x1", "old")
            out.append(migrate(a, port, "", "KEYS", "x1", "x2"))
            out.append((a.call("EXISTS", "x1"), a.call("EXISTS", "x2"), b.call("GET", "x1"),
                        b.call("GET", "x2")))
            return out
        self.same(self.each(check))

    def test_migrate_auth(self):
        def check(p):
            a, port = p.a, p.auth.port
            out = []
            a.call("SET", "k", "v")
            out.append(migrate(a, port, "k", "COPY"))  # NOAUTH from the target
            out.append(migrate(a, port, "k", "COPY", "AUTH", "wrong"))
            out.append(migrate(a, port, "k", "COPY", "AUTH", PASSWORD))
            out.append(p.c.call("GET", "k"))
            out.append(migrate(a, port, "k", "REPLACE", "AUTH2", "default", PASSWORD))
            out.append((a.call("EXISTS", "k"), p.c.call("GET", "k")))
            return out
        self.same(self.each(check))

    def test_migrate_argument_errors(self):
        def check(p):
            a, port = p.a, p.dst.port
            a.call("SET", "k", "v")
            return [
                migrate(a, port, "k", "KEYS", "a"),
                migrate(a, port, "", "KEYS"),
                migrate(a, port, "", "FOO"),
                migrate(a, port, "k", "AUTH"),
                migrate(a, port, "k", "AUTH2", "user"),
                migrate(a, port, "k", db="x"),
                a.call("MIGRATE", HOST, str(port), "k", "0", "x"),
                a.call("MIGRATE", HOST, str(port), "k", "0"),
                migrate(a, port, "nokey"),
                a.call("EXISTS", "k"),
                a.call("CLUSTER", "GETKEYSINSLOT", "0", "1"),  # cluster support disabled
                a.call("CLUSTER", "COUNTKEYSINSLOT", "0"),
            ]
        self.same(self.each(check))

    def test_migrate_io_errors_bounded(self):
        silent = socket.socket()
        silent.bind((HOST, 0))
        silent.listen(8)  # accepts (in the backlog) and never answers
        refused = socket.socket()
        refused.bind((HOST, 0))  # bound, never listening: connections are refused
        try:
            def check(p):
                a = p.a
                a.call("SET", "k", "v")
                start = time.monotonic()
                r1 = migrate(a, silent.getsockname()[1], "k", timeout=300)
                took = time.monotonic() - start
                self.assertGreaterEqual(took, 0.28)
                self.assertLess(took, 3)
                r2 = migrate(a, refused.getsockname()[1], "k", timeout=300)
                r3 = a.call("MIGRATE", HOST, "notaport", "k", "0", "300")
                self.assertEqual(a.call("GET", "k"), b"v")  # nothing deleted
                self.assertEqual(a.call("PING"), "PONG")  # the loop is alive
                return [r1, r2, r3]
            res = self.each(check)
            self.same(res)
            self.assertEqual(res["node"][0],
                             RespError("IOERR error or timeout reading to target instance"))
            self.assertEqual(res["node"][1],
                             RespError("IOERR error or timeout writing to target instance"))
        finally:
            silent.close()
            refused.close()

    def test_migrate_connection_is_cached_then_closed_when_idle(self):
        def conns(p):  # the target's connections whose last command was a RESTORE
            lines = p.b.call("CLIENT", "LIST").decode().splitlines()
            return sum(1 for line in lines if " cmd=restore" in line)

        def check(p):
            a, port = p.a, p.dst.port
            for i in range(5):
                a.call("SET", f"k{i}", "v")
                self.assertEqual(migrate(a, port, f"k{i}"), "OK")
            self.assertEqual(conns(p), 1)  # one cached link for five MIGRATEs
            return True

        self.each(check)
        deadline = time.monotonic() + 20  # closed after 10 s idle (swept once a second)
        pending = list(self.pairs)
        while pending and time.monotonic() < deadline:
            pending = [p for p in pending if conns(p) != 0]
            time.sleep(0.5)
        self.assertEqual([p.name for p in pending], [])
        # A new MIGRATE reconnects transparently.
        for p in self.pairs:
            p.a.call("SET", "again", "v")
            self.assertEqual(migrate(p.a, p.dst.port, "again", "REPLACE"), "OK")


def start_cluster_node(binary, port, workdir):
    from harness.procs import Proc
    argv = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", "2000"]
    proc = Proc(f"cluster:{port}", argv, workdir, os.path.join(workdir, "server.log")).start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if RespConn(HOST, port, timeout=1).call("PING") == "PONG":
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"cluster node on {port} did not start\n{proc.log_tail()}")


def wait_ok(ports, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(b"cluster_state:ok" in RespConn(HOST, p).call("CLUSTER", "INFO") for p in ports):
            return
        time.sleep(0.2)
    raise AssertionError("cluster_state did not become ok")


class ClusterKeys(unittest.TestCase):
    """GETKEYSINSLOT / COUNTKEYSINSLOT on a one-node cluster (all slots), redis-server and node,
    then `redis-cli --cluster reshard` moving 200 slots with their keys between three nodes."""

    def setUp(self):
        from harness.ports import allocate_ports, release_ports
        from harness.procs import make_temp_dir
        self.release = release_ports
        self.procs, self.ports = [], []
        self.make_dir = make_temp_dir
        self.alloc = allocate_ports

    def tearDown(self):
        for p in self.procs:
            p.kill9()
        self.release(self.ports)

    def start(self, binary, count):
        ports = self.alloc(count, bus=True)
        self.ports += ports
        for port in ports:
            self.procs.append(start_cluster_node(binary, port, self.make_dir("migrate-cluster")))
        return ports

    def test_getkeysinslot_countkeysinslot_match_redis(self):
        results = {}
        for name, binary in (("redis", "redis-server"), ("node", node_bin())):
            (port,) = self.start(binary, 1)
            c = RespConn(HOST, port)
            self.assertEqual(c.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383"), "OK")
            wait_ok([port])
            for i in range(30):
                c.call("SET", f"{{user1000}}.{i}", "v")  # slot 3443
            c.call("SET", "foo", "bar")  # slot 12182
            c.call("SET", "{user1000}.gone", "v", "PX", "1")
            time.sleep(0.05)
            c.call("GET", "{user1000}.gone")  # lazily expired: leaves the slot index
            out = [
                c.call("CLUSTER", "COUNTKEYSINSLOT", "3443"),
                c.call("CLUSTER", "COUNTKEYSINSLOT", "12182"),
                c.call("CLUSTER", "COUNTKEYSINSLOT", "0"),
                sorted(c.call("CLUSTER", "GETKEYSINSLOT", "3443", "100")),
                len(c.call("CLUSTER", "GETKEYSINSLOT", "3443", "10")),
                c.call("CLUSTER", "GETKEYSINSLOT", "3443", "0"),
                c.call("CLUSTER", "GETKEYSINSLOT", "12182", "5"),
                c.call("CLUSTER", "GETKEYSINSLOT", "0", "5"),
                c.call("CLUSTER", "GETKEYSINSLOT", "16384", "1"),
                c.call("CLUSTER", "GETKEYSINSLOT", "-1", "1"),
                c.call("CLUSTER", "GETKEYSINSLOT", "1", "-1"),
                c.call("CLUSTER", "GETKEYSINSLOT", "x", "1"),
                c.call("CLUSTER", "GETKEYSINSLOT", "1", "x"),
                c.call("CLUSTER", "GETKEYSINSLOT", "1"),
                c.call("CLUSTER", "COUNTKEYSINSLOT", "16384"),
                c.call("CLUSTER", "COUNTKEYSINSLOT", "-1"),
                c.call("CLUSTER", "COUNTKEYSINSLOT", "x"),
            ]
            c.call("DEL", "{user1000}.0", "{user1000}.1")
            c.call("RENAME", "{user1000}.2", "{user1000}.renamed")
            out.append(c.call("CLUSTER", "COUNTKEYSINSLOT", "3443"))
            c.call("FLUSHALL")
            out.append(c.call("CLUSTER", "COUNTKEYSINSLOT", "3443"))
            results[name] = out
        self.assertEqual(results["node"], results["redis"])

    def test_redis_cli_reshard_moves_keys_between_nodes(self):
        import subprocess
        ports = self.start(node_bin(), 3)
        r = subprocess.run(["redis-cli", "--cluster", "create", *[f"{HOST}:{p}" for p in ports],
                            "--cluster-yes"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wait_ok(ports)
        src, dst = ports[0], ports[1]
        a, b = RespConn(HOST, src), RespConn(HOST, dst)
        ids = {p: RespConn(HOST, p).call("CLUSTER", "MYID").decode() for p in ports}
        # Keys of every type in the first 200 slots (owned by the first node).
        moved = {}
        i = 0
        while len(moved) < 150 and i < 100000:
            key = f"k{i}"
            i += 1
            if a.call("CLUSTER", "KEYSLOT", key) >= 200:
                continue
            kind = len(moved) % 4
            if kind == 0:
                a.call("SET", key, f"v{i}", "EX", "1000")
            elif kind == 1:
                a.call("RPUSH", key, "x", "y")
            elif kind == 2:
                a.call("HSET", key, "f", str(i))
            else:
                a.call("ZADD", key, str(i), "m")
            moved[key] = kind
        self.assertEqual(len(moved), 150)
        r = subprocess.run(["redis-cli", "--cluster", "reshard", f"{HOST}:{src}",
                            "--cluster-from", ids[src], "--cluster-to", ids[dst],
                            "--cluster-slots", "200", "--cluster-yes"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
        self.assertNotIn("ERR", r.stdout)
        types = {0: "string", 1: "list", 2: "hash", 3: "zset"}
        for key, kind in moved.items():
            self.assertEqual(b.call("TYPE", key), types[kind], key)
        first_string = next(k for k, kind in moved.items() if kind == 0)
        self.assertTrue(900 < b.call("TTL", first_string) <= 1000)  # the TTL travelled
        for slot in range(200):
            self.assertEqual(a.call("CLUSTER", "COUNTKEYSINSLOT", str(slot)), 0)
        self.assertEqual(sum(b.call("CLUSTER", "COUNTKEYSINSLOT", str(s)) for s in range(200)),
                         150)
        # The source now redirects; the target owns the slots.
        some = next(iter(moved))
        reply = a.call("GET", some)
        self.assertIsInstance(reply, RespError)
        self.assertTrue(str(reply).startswith("MOVED "), reply)


class Propagation(unittest.TestCase):
    """What MIGRATE and RESTORE leave in the AOF (the stream replicas get too): the source logs
    DEL of the moved keys (nothing for COPY), never MIGRATE; a relative RESTORE TTL is logged as
    an absolute one with ABSTTL."""

    def test_aof_sees_del_and_absttl(self):
        import glob
        args = ["--appendonly", "yes", "--appendfsync", "always"]
        src = Standalone(binary=node_bin(), extra_args=args).start()
        dst = Standalone(binary=node_bin(), extra_args=args).start()
        try:
            a, b = RespConn(HOST, src.port), RespConn(HOST, dst.port)
            for k in ("k1", "k2", "k3"):
                a.call("SET", k, "v")
            self.assertEqual(migrate(a, dst.port, "", "KEYS", "k1", "k2", "nokey"), "OK")
            self.assertEqual(migrate(a, dst.port, "k3", "COPY"), "OK")
            self.assertEqual(b.call("RESTORE", "t", "50000", a.call("DUMP", "k3")), "OK")

            def aof(server):
                files = glob.glob(os.path.join(server.dir, "**", "*.aof"), recursive=True)
                return b"".join(open(f, "rb").read() for f in files)

            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and b"ABSTTL" not in aof(dst):
                time.sleep(0.1)
            source_log, target_log = aof(src), aof(dst)
            self.assertIn(b"*3\r\n$3\r\nDEL\r\n$2\r\nk1\r\n$2\r\nk2\r\n", source_log)
            self.assertNotIn(b"MIGRATE", source_log.upper())
            self.assertEqual(source_log.count(b"$2\r\nk3\r\n"), 1)  # its SET only: COPY
            self.assertIn(b"$6\r\nABSTTL\r\n", target_log)
            self.assertNotIn(b"$5\r\n50000\r\n", target_log)
        finally:
            src.stop()
            dst.stop()


if __name__ == "__main__":
    main()
