# Blocking list and zset pops on the node over real connections: BLPOP woken by an LPUSH from
# another connection (after the push's own reply), a timeout answering nil after about the
# timeout, FIFO order of two clients blocked on one key, a blocked client's pipeline resuming
# after it is served, a disconnected blocked client leaving no trace; BZPOPMIN/BZMPOP/BZPOPMAX
# woken by ZADD or ZUNIONSTORE (RESP2 and RESP3 shapes) while a BLPOP on the same key waits on. The same checks run against
# redis-server 7.0 first, so they are known to describe Redis. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.differential import node_bin  # noqa: E402
from harness.resp import NULL, RespConn  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

HOST = "127.0.0.1"


class Blocking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = {"redis": Standalone().start(), "node": Standalone(binary=node_bin()).start()}

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers.values():
            s.stop()

    def each(self, fn):
        for name, server in self.servers.items():
            with self.subTest(server=name):
                RespConn(HOST, server.port).call("FLUSHALL")
                fn(server.port)

    def nothing_within(self, conn, seconds):
        with self.assertRaises((socket.timeout, TimeoutError)):
            conn.read(timeout=seconds)

    def test_blpop_woken_by_push(self):
        def check(port):
            a, b = RespConn(HOST, port), RespConn(HOST, port)
            a.send("BLPOP", "q", "0")
            self.nothing_within(a, 0.2)
            self.assertEqual(b.call("LPUSH", "q", "hello"), 1)
            self.assertEqual(a.read(timeout=5), [b"q", b"hello"])
            self.assertEqual(b.call("EXISTS", "q"), 0)
        self.each(check)

    def test_timeout_returns_nil(self):
        def check(port):
            a = RespConn(HOST, port)
            start = time.monotonic()
            self.assertIsNone(a.call("BLPOP", "none", "0.3"))
            took = time.monotonic() - start
            self.assertGreaterEqual(took, 0.29)
            self.assertLess(took, 1.5)
            a.call("HELLO", "3")
            self.assertIs(a.call("BRPOPLPUSH", "none", "dst", "0.1"), NULL)
        self.each(check)

    def test_sub_millisecond_timeouts_end(self):
        # 0.001 s is 0.99999... ms in binary: rounded up as Redis does, never 0 (block forever).
        # BullMQ's workers send BZPOPMIN <marker> 0.001.
        def check(port):
            a = RespConn(HOST, port)
            for cmd in (("BZPOPMIN", "none", "0.001"), ("BLPOP", "none", "0.0005"),
                        ("BRPOP", "none", "0.001"), ("BLMOVE", "none", "d", "LEFT", "LEFT", "0.001")):
                a.send(*cmd)
                self.assertIsNone(a.read(timeout=2), cmd)
        self.each(check)

    def test_fifo_and_pipeline_resumes(self):
        def check(port):
            first, second, pusher = (RespConn(HOST, port) for _ in range(3))
            first.send("BRPOP", "q", "0")
            self.nothing_within(first, 0.1)
            second.send("BLPOP", "q", "0")
            second.send("PING")  # queued behind the blocked command
            self.nothing_within(second, 0.1)
            self.assertEqual(pusher.call("RPUSH", "q", "1"), 1)
            self.assertEqual(first.read(timeout=5), [b"q", b"1"])
            self.nothing_within(second, 0.2)
            self.assertEqual(pusher.call("RPUSH", "q", "2", "3"), 2)
            self.assertEqual(second.read(timeout=5), [b"q", b"2"])
            self.assertEqual(second.read(timeout=5), "PONG")
            self.assertEqual(pusher.call("LRANGE", "q", "0", "-1"), [b"3"])
        self.each(check)

    def test_disconnected_blocked_client_is_forgotten(self):
        def check(port):
            gone, waiting, pusher = (RespConn(HOST, port) for _ in range(3))
            gone.send("BLPOP", "q", "0")
            self.nothing_within(gone, 0.1)
            gone.sock.close()
            waiting.send("BLPOP", "q", "0")
            self.nothing_within(waiting, 0.1)
            pusher.call("LPUSH", "q", "v")
            self.assertEqual(waiting.read(timeout=5), [b"q", b"v"])
        self.each(check)

    def test_bzpopmin_and_bzmpop_woken_by_zadd(self):
        def check(port):
            a, b, c, lister = (RespConn(HOST, port) for _ in range(4))
            c.call("HELLO", "3")
            a.send("BZPOPMIN", "z", "0")
            self.nothing_within(a, 0.1)
            b.send("BZMPOP", "0", "2", "other", "z", "MAX", "COUNT", "2")
            self.nothing_within(b, 0.1)
            lister.send("BLPOP", "z", "0")  # waits for a list: a zset under z does not serve it
            self.nothing_within(lister, 0.1)
            self.assertEqual(c.call("ZADD", "z", "1", "a", "2", "b", "3.5", "c", "4", "d"), 4)
            self.assertEqual(a.read(timeout=5), [b"z", b"a", b"1"])
            self.assertEqual(b.read(timeout=5), [b"z", [[b"d", b"4"], [b"c", b"3.5"]]])
            self.nothing_within(lister, 0.2)
            self.assertEqual(c.call("ZRANGE", "z", "0", "-1", "WITHSCORES"), [[b"b", 2.0]])
            # RESP3 blocked client, served by a ZUNIONSTORE creating the key; then a timeout.
            c.send("BZPOPMAX", "w", "0")
            self.nothing_within(c, 0.1)
            self.assertEqual(a.call("ZUNIONSTORE", "w", "1", "z"), 1)
            self.assertEqual(c.read(timeout=5), [b"w", b"b", 2.0])
            start = time.monotonic()
            self.assertIs(c.call("BZMPOP", "0.2", "1", "w", "MIN"), NULL)
            self.assertGreaterEqual(time.monotonic() - start, 0.19)
            self.assertIsNone(a.call("BZPOPMIN", "w", "0.1"))
            self.assertEqual(a.call("DEL", "z"), 1)
            self.assertEqual(a.call("RPUSH", "z", "v"), 1)
            self.assertEqual(lister.read(timeout=5), [b"z", b"v"])
        self.each(check)


if __name__ == "__main__":
    sys.exit(main())
