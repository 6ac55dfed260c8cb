# DUMP / RESTORE / MIGRATE on the node, with redis-server 7.0 as the oracle for every reply and
# error text. Each check runs on two pairs of standalone servers, source -> target: redis-server
# -> redis-server and node -> node (payloads differ between them: each pair exchanges its own),
# plus a password-protected target per pair:
#   - DUMP -> RESTORE of every type (strings int/embstr/raw, list, set intset/hashtable, hash
#     listpack/hashtable) with values and encodings kept, TTL, ABSTTL (future and past), REPLACE,
#     BUSYKEY, IDLETIME;
#   - RESTORE's argument errors and corrupt, truncated and foreign payloads;
#   - MIGRATE single key and KEYS form, COPY, REPLACE, AUTH, AUTH2, NOKEY, BUSYKEY from the target,
#     argument errors, a refused port, a target that never answers (bounded by the timeout), and
#     the cached connection (reused, then closed after 10 s idle).
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import RespConn, RespError  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "s3cret"
BAD_PAYLOAD = RespError("ERR DUMP payload version or checksum are wrong")


def node_bin():
    b = os.environ.get("STRATA_NODE_BIN", "")
    if not b or os.path.basename(b) == "redis-server":
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
        b = os.path.join(root, "build", "node", "node")
    return os.path.abspath(b)


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
        return ["int", "embstr", "raw", "app", "list", "intset", "set", "hash", "longval",
                "bighash", "bigintset"]

    def snapshot(self, conn, key):
        t = conn.call("TYPE", key)
        if t == "string":
            v = conn.call("GET", key)
        elif t == "list":
            v = conn.call("LRANGE", key, "0", "-1")
        elif t == "set":
            v = sorted(conn.call("SMEMBERS", key))
        elif t == "hash":
            flat = conn.call("HGETALL", key)
            v = dict(zip(flat[::2], flat[1::2]))
        else:
            v = None
        return t, v, conn.call("OBJECT", "ENCODING", key)

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
            out.append(b.call("RESTORE-ASKING", "asking", "0", payload))
            out.append(b.call("GET", "asking"))
            return out
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

    def test_foreign_payloads_are_refused(self):
        redis, node = self.pairs
        redis.a.call("SET", "k", "v")
        node.a.call("SET", "k", "v")
        rp, np = redis.a.call("DUMP", "k"), node.a.call("DUMP", "k")
        self.assertNotEqual(rp, np)
        self.assertEqual(node.b.call("RESTORE", "k", "0", rp), BAD_PAYLOAD)
        self.assertEqual(redis.b.call("RESTORE", "k", "0", np), BAD_PAYLOAD)

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


if __name__ == "__main__":
    main()
