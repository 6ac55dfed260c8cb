# DUMP payloads move between redis-server 7.0 and the node in both directions (the node's DUMP
# is Redis's RDB object serialization, node/persistence/rdb_codec.h):
#   - every type and encoding (int/embstr/raw/long compressible strings, lists of one and many
#     quicklist nodes and with a huge element, intset/hashtable sets, listpack/hashtable hashes,
#     listpack/skiplist zsets with inf scores, streams small and big, with consumer groups, PEL,
#     consumers and deleted entries, an emptied stream), keys with TTL: DUMP on redis-server ->
#     RESTORE on the node and DUMP on the node -> RESTORE on redis-server, values compared
#     through commands (streams: XRANGE, XINFO STREAM/GROUPS/CONSUMERS, XPENDING);
#   - payloads are byte-identical (strings, ints, LZF, lists, intset, listpack hash, zsets,
#     streams without pending entries);
#   - `redis-cli --cluster import` of a standalone redis-server holding a few thousand keys of
#     every type into a 3-master cluster of our nodes, with --cluster-copy (source kept) and
#     without (source emptied): every key arrives with its value and TTL.
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 240
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.cluster import RedisCluster  # noqa: E402
from harness.datasets import fill, snapshot  # noqa: E402
from harness.differential import node_bin  # noqa: E402
from harness.resp import RespConn  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.slots import key_slot  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

HOST = "127.0.0.1"


class Payloads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = []
        try:
            cls.redis = Standalone().start()
            cls.servers.append(cls.redis)
            cls.node = Standalone(binary=node_bin()).start()
            cls.servers.append(cls.node)
        except BaseException:
            cls.tearDownClass()
            raise
        cls.r = RespConn(HOST, cls.redis.port)
        cls.n = RespConn(HOST, cls.node.port)

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def setUp(self):
        self.r.call("FLUSHALL")
        self.n.call("FLUSHALL")

    maxDiff = None

    def move(self, src, dst, keys):
        """DUMP each key on src, RESTORE it on dst with its PTTL; compare through commands."""
        self.assertGreater(len(keys), 20)
        for key in keys:
            with self.subTest(key=key):
                payload = src.call("DUMP", key)
                self.assertIsInstance(payload, bytes)
                ttl = src.call("PTTL", key)
                self.assertEqual(dst.call("RESTORE", key, str(max(ttl, 0)), payload), "OK")
                self.assertEqual(snapshot(dst, key), snapshot(src, key))
                self.assertEqual(dst.call("OBJECT", "ENCODING", key),
                                 src.call("OBJECT", "ENCODING", key))
                if ttl > 0:
                    self.assertTrue(ttl - 5000 < dst.call("PTTL", key) <= ttl, key)
                else:
                    self.assertEqual(dst.call("PTTL", key), -1)

    def test_redis_dump_restores_on_node(self):
        self.move(self.r, self.n, fill(self.r))

    def test_node_dump_restores_on_redis(self):
        self.move(self.n, self.r, fill(self.n))

    def test_simple_payloads_are_byte_identical(self):
        # Not the hashtable-encoded keys (their order is the hash table's) nor streams with a
        # PEL (delivery times); lists are identical while they fit one node.
        keys = ["int", "negint", "embstr", "raw", "compressible", "binary", "empty", "list",
                "hugeelem", "intset", "hash", "longval", "zset", "bigzset", "stream", "emptied"]
        fill(self.r)
        fill(self.n)
        for key in keys:
            with self.subTest(key=key):
                self.assertEqual(self.n.call("DUMP", key), self.r.call("DUMP", key))

    def test_corrupt_redis_payloads_are_refused(self):
        self.r.call("HSET", "h", "f", "v")
        d = self.r.call("DUMP", "h")
        body = bytearray(d[:-10])
        body[3] ^= 0xFF  # the listpack's total-bytes header: its integrity check fails
        signed = bytes(body) + d[-10:-8]  # the version, then a correct CRC64
        signed += crc64(signed).to_bytes(8, "little")
        for conn in (self.r, self.n):
            self.assertEqual(str(conn.call("RESTORE", "x", "0", signed)), "ERR Bad data format")
            self.assertEqual(conn.call("EXISTS", "x"), 0)
        # A payload of a newer RDB version than 7.4's is refused by both as a bad payload.
        newer = bytes(d[:-10]) + (13).to_bytes(2, "little")
        newer += crc64(newer).to_bytes(8, "little")
        for conn in (self.r, self.n):
            self.assertEqual(str(conn.call("RESTORE", "x", "0", newer)),
                             "ERR DUMP payload version or checksum are wrong")


def crc64(data):
    """Redis's crc64 (Jones, reflected)."""
    poly = 0x95AC9329AC4BC9B5
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc


class ClusterImport(unittest.TestCase):
    """redis-cli --cluster import: the old redis-server MIGRATEs every key into our cluster."""

    def setUp(self):
        self.cluster = None
        self.source = Standalone().start()
        try:
            self.cluster = RedisCluster(binary=node_bin(), masters=3, replicas=0).start()
        except BaseException:
            self.source.stop()
            raise

    def tearDown(self):
        if self.cluster:
            self.cluster.stop()
        self.source.stop()

    def run_import(self, copy):
        src = RespConn(HOST, self.source.port, timeout=30)
        keys = fill(src)
        # A few thousand more small keys of every type, spread over all slots.
        for i in range(3000):
            kind = i % 6
            key = f"k{i}"
            if kind == 0:
                src.call("SET", key, f"value{i}")
            elif kind == 1:
                src.call("SET", key, str(i * 7919), "EX", "100000")
            elif kind == 2:
                src.call("RPUSH", key, "a", str(i), "c" * (i % 30))
            elif kind == 3:
                src.call("SADD", key, str(i), str(i + 1), "m")
            elif kind == 4:
                src.call("HSET", key, "f", str(i), "g", "x")
            else:
                src.call("ZADD", key, str(i), "a", "-1", "b")
            keys.append(key)
        before = {key: (snapshot(src, key), src.call("PTTL", key)) for key in keys}
        args = ["redis-cli", "--cluster", "import", self.cluster.nodes[0].addr,
                "--cluster-from", f"{HOST}:{self.source.port}"]
        if copy:
            args.append("--cluster-copy")
        r = subprocess.run(args, capture_output=True, text=True, timeout=180,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
        self.assertNotIn("ERR", r.stdout + r.stderr)
        conns = {n.port: RespConn(HOST, n.port) for n in self.cluster.nodes}
        owners = {}
        for key in keys:
            slot = key_slot(key.encode())
            if slot not in owners:
                owners[slot] = self.cluster.master_for_slot(slot).port
            c = conns[owners[slot]]
            want, ttl = before[key]
            self.assertEqual(snapshot(c, key), want, key)
            if ttl > 0:
                self.assertTrue(0 < c.call("PTTL", key) <= ttl, key)
            else:
                self.assertEqual(c.call("PTTL", key), -1, key)
        total = sum(c.call("DBSIZE") for c in conns.values())
        self.assertEqual(total, len(keys))
        self.assertEqual(src.call("DBSIZE"), len(keys) if copy else 0)

    def test_import_with_copy_keeps_the_source(self):
        self.run_import(copy=True)

    def test_import_without_copy_empties_the_source(self):
        self.run_import(copy=False)


if __name__ == "__main__":
    main()
