# Compact container encodings and paged container scans, the node side by side with
# redis-server 7.0: OBJECT ENCODING at and across the thresholds (hash-max-listpack-entries /
# -value, set-max-intset-entries, also after CONFIG SET of each), contents kept across each
# conversion; HSCAN/SSCAN/ZSCAN answer a small (listpack/intset) container in one call with
# cursor 0 and a big (hashtable/skiplist) one in several pages of about COUNT, every element
# present for the whole scan returned at least once while other elements are added and
# deleted between calls; DUMP/RESTORE and COPY keep the encoding; MEMORY USAGE of a small hash,
# int set and list stays within 1.3x of Redis's. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402


def node_bin():
    b = os.environ.get("STRATA_NODE_BIN", "")
    if not b or os.path.basename(b) == "redis-server":
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
        b = os.path.join(root, "build", "node", "node")
    return os.path.abspath(b)


class ContainerEncodings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Standalone().start()
        cls.node = Standalone(binary=node_bin()).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.redis.stop()

    def setUp(self):
        self.cs = [self.redis.client(decode_responses=True),
                   self.node.client(decode_responses=True)]
        for c in self.cs:
            c.flushall()
            for k, v in (("hash-max-listpack-entries", 128), ("hash-max-listpack-value", 64),
                         ("set-max-intset-entries", 512)):
                c.config_set(k, v)

    def both(self, *args):
        """Runs the command on both servers; asserts equal replies; returns Redis's."""
        out = [c.execute_command(*args) for c in self.cs]
        self.assertEqual(out[0], out[1], args)
        return out[0]

    def enc(self, key):
        return self.both("OBJECT", "ENCODING", key)

    def test_hash_encoding_thresholds(self):
        for i in range(128):
            self.both("HSET", "h", f"f{i}", "v")
        self.assertEqual(self.enc("h"), "listpack")
        self.both("HSET", "h", "one-more", "v")
        self.assertEqual(self.enc("h"), "hashtable")
        self.both("HSET", "long", "f", "x" * 64)
        self.assertEqual(self.enc("long"), "listpack")
        self.both("HSET", "long", "g", "x" * 65)
        self.assertEqual(self.enc("long"), "hashtable")
        self.assertEqual(sorted(self.both("HKEYS", "long")), ["f", "g"])
        self.both("HSET", "flt", "f", "1")
        self.both("HINCRBYFLOAT", "flt", "f", "1e60")  # a 61-byte value: still listpack
        self.assertEqual(self.enc("flt"), "listpack")
        self.both("CONFIG", "SET", "hash-max-listpack-entries", "2")
        self.both("CONFIG", "SET", "hash-max-listpack-value", "3")
        self.both("HSET", "c", "a", "1", "b", "2")
        self.assertEqual(self.enc("c"), "listpack")
        self.both("HSET", "c", "c", "3")
        self.assertEqual(self.enc("c"), "hashtable")
        self.both("HSET", "d", "a", "1234")
        self.assertEqual(self.enc("d"), "hashtable")
        self.assertEqual(self.both("CONFIG", "GET", "hash-max-listpack-*"),
                         self.cs[0].execute_command("CONFIG", "GET", "hash-max-listpack-*"))

    def test_set_encoding_thresholds(self):
        self.both("SADD", "s", *range(512))
        self.assertEqual(self.enc("s"), "intset")
        self.both("SADD", "s", 512)
        self.assertEqual(self.enc("s"), "hashtable")
        self.both("SADD", "i", 1, -70000, 2**40)
        self.assertEqual(self.enc("i"), "intset")
        self.assertEqual(self.both("SISMEMBER", "i", 2**40), 1)
        self.assertEqual(self.both("SISMEMBER", "i", "01"), 0)
        self.both("SADD", "i", "x")
        self.assertEqual(self.enc("i"), "hashtable")
        self.assertEqual(sorted(self.both("SMEMBERS", "i")), sorted(["1", "-70000", str(2**40),
                                                                      "x"]))
        self.both("CONFIG", "SET", "set-max-intset-entries", "3")
        self.both("SADD", "t", 1, 2, 3)
        self.assertEqual(self.enc("t"), "intset")
        self.both("SADD", "t", 4)
        self.assertEqual(self.enc("t"), "hashtable")
        self.both("SINTERSTORE", "u", "t", "t")
        self.assertEqual(self.enc("u"), "hashtable")

    def test_lists_and_copies(self):
        self.both("RPUSH", "l", *[f"e{i}" for i in range(20)])
        self.both("LINSERT", "l", "BEFORE", "e5", "x")
        self.both("LSET", "l", 0, "y" * 9000)  # past 8 KiB
        self.both("LREM", "l", 1, "y" * 9000)
        self.assertEqual(self.both("LRANGE", "l", 0, -1)[:3], ["e1", "e2", "e3"])
        self.assertEqual(self.enc("l"), "quicklist")
        self.both("HSET", "h", "a", "1")
        self.both("SADD", "s", 1, 2)
        for k in ("l", "h", "s"):
            self.both("COPY", k, k + ":copy")
            self.assertEqual(self.enc(k + ":copy"), self.enc(k))
            dump = self.cs[1].dump(k)
            self.cs[1].restore(k + ":restored", 0, dump)
            self.assertEqual(self.cs[1].object("encoding", k + ":restored"),
                             self.cs[1].object("encoding", k))

    def check_scan(self, cmd, key, add, remove, size):
        """Scans `key` on both with COUNT 10 while adding/deleting other elements."""
        for c in self.cs:
            rng = random.Random(5)
            c.delete(key)
            add(c, [f"m{i}" for i in range(size)])
            stable = {f"m{i}" for i in range(0, size, 2)}
            seen, cursor, calls = set(), 0, 0
            while True:
                reply = c.execute_command(cmd, key, cursor, "COUNT", 10)
                cursor = int(reply[0])
                items = reply[1] if cmd == "SSCAN" else reply[1][::2]
                seen.update(items)
                calls += 1
                add(c, [f"n{calls}-{j}" for j in range(3)])
                remove(c, [f"m{2 * rng.randrange(size // 2) + 1}" for _ in range(3)])
                if cursor == 0 or calls > 10 * size:
                    break
            self.assertEqual(cursor, 0)
            self.assertTrue(stable <= seen, (cmd, c))
            self.assertGreater(calls, 5, (cmd, c))  # paged, about COUNT per call
            self.assertLess(calls, size, (cmd, c))

    def test_big_containers_scan_in_pages(self):
        self.check_scan("HSCAN", "h", lambda c, m: c.hset("h", mapping={x: "v" for x in m}),
                        lambda c, m: c.hdel("h", *m), 600)
        self.check_scan("SSCAN", "s", lambda c, m: c.sadd("s", *m),
                        lambda c, m: c.srem("s", *m), 600)
        self.check_scan("ZSCAN", "z", lambda c, m: c.zadd("z", {x: 1 for x in m}),
                        lambda c, m: c.zrem("z", *m), 600)
        self.assertEqual(self.enc("h"), "hashtable")
        self.assertEqual(self.enc("z"), "skiplist")

    def test_small_containers_scan_in_one_call(self):
        self.both("HSET", "h", *[x for i in range(50) for x in (f"f{i}", "v")])
        self.both("SADD", "s", *range(300))
        self.both("ZADD", "z", *[x for i in range(50) for x in (i, f"m{i}")])
        for cmd, key, n in (("HSCAN", "h", 100), ("SSCAN", "s", 300), ("ZSCAN", "z", 100)):
            for c in self.cs:
                cursor, items = c.execute_command(cmd, key, 0, "COUNT", 10)
                self.assertEqual((int(cursor), len(items)), (0, n), (cmd, c))

    def test_memory_usage_of_small_containers(self):
        self.both("HSET", "h", *[x for i in range(5) for x in (f"f{i}", "0123456789")])
        self.both("SADD", "s", *range(10))
        self.both("RPUSH", "l", *[f"0123456789-{i}" for i in range(10)])
        for key in ("h", "s", "l"):
            r, n = (c.memory_usage(key) for c in self.cs)
            self.assertLessEqual(n, 1.3 * r, (key, r, n))


if __name__ == "__main__":
    sys.exit(main())
