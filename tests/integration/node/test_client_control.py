# CLIENT PAUSE/UNPAUSE/REPLY/UNBLOCK/NO-EVICT, SLOWLOG and OBJECT REFCOUNT on the node,
# differential against redis-server 7.0 (RESP2 and RESP3 where replies differ): each check runs
# on redis-server first, then on the node, and the transcripts must be equal, plus pinned values
# so that a failure both share still fails. Pauses hold requests (never fail them) until their
# timeout or CLIENT UNPAUSE, WRITE only for writes, PUBLISH and EXEC of queued writes; CLIENT
# REPLY OFF/SKIP drop replies; CLIENT UNBLOCK answers a blocked pop as a timeout or an error;
# SLOWLOG keeps 32 arguments of 128 bytes, redacts AUTH, skips EXEC and honours its two settings.
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import NULL, RespConn, RespError  # noqa: E402
from harness.differential import DifferentialCase, client_field, info_field  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"


def pairs(reply):
    """CONFIG GET as a dict, whatever the order (RESP2 flat array or RESP3 map)."""
    if isinstance(reply, dict):
        return dict(reply)
    return dict(zip(reply[::2], reply[1::2]))


class ClientControl(DifferentialCase):

    def pending(self, c, seconds=0.15):
        try:
            return c.read(timeout=seconds)
        except (socket.timeout, TimeoutError):
            return "pending"

    def test_pause_write(self):
        def check(port, proto):
            a, b, admin = self.conn(port, proto), self.conn(port), self.conn(port)
            aid = a.call("CLIENT", "ID")
            out = [admin.call("CLIENT", "PAUSE", "10000", "WRITE"), a.call("GET", "k"),
                   a.call("PING")]
            a.send("SET", "k", "v")
            a.send("GET", "k")  # pipelined behind the held write
            b.send("PUBLISH", "ch", "m")
            out += [self.pending(a), self.pending(b), admin.call("GET", "k")]
            out += [info_field(admin.call("INFO", "clients"), "blocked_clients"),
                    client_field(admin.call("CLIENT", "LIST", "ID", str(aid)), "flags"),
                    client_field(admin.call("CLIENT", "LIST", "ID", str(aid)), "cmd")]
            out += [admin.call("CLIENT", "UNPAUSE"), a.read(timeout=5), a.read(timeout=5),
                    b.read(timeout=5)]
            # MULTI under a WRITE pause: the queued write waits, so does EXEC.
            out += [admin.call("CLIENT", "PAUSE", "10000", "WRITE"), a.call("MULTI")]
            a.send("INCR", "n")
            out += [self.pending(a), admin.call("CLIENT", "UNPAUSE"), a.read(timeout=5),
                    a.call("EXEC")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][3:6], ["pending", "pending", None])
        self.assertEqual(r[2][6:9], ["2", "b", "set"])
        self.assertEqual(r[2][10:12], ["OK", b"v"])
        self.assertEqual(r[2][-1], [1])

    def test_pause_all_and_timeout(self):
        def check(port, proto):
            a, admin = self.conn(port, proto), self.conn(port)
            start = time.monotonic()
            out = [admin.call("CLIENT", "PAUSE", "400")]
            a.send("PING")
            out += [self.pending(a), a.read(timeout=5)]
            took = time.monotonic() - start
            out.append(0.3 < took < 2.5)
            # ALL after WRITE: the stricter type and the later end win.
            out += [admin.call("CLIENT", "PAUSE", "100", "WRITE"),
                    admin.call("CLIENT", "PAUSE", "800", "ALL")]
            time.sleep(0.2)
            a.send("GET", "x")
            out += [self.pending(a)]
            other = self.conn(port)
            other.send("CLIENT", "UNPAUSE")  # held too: an ALL pause holds every command
            out += [self.pending(other), a.read(timeout=5), other.read(timeout=5)]
            return out
        r = self.same(check, protos=(2,))
        self.assertEqual(r[2][:4], ["OK", "pending", "PONG", True])
        self.assertEqual(r[2][6:8], ["pending", "pending"])

    def test_pause_errors(self):
        def check(port, proto):
            c = self.conn(port, proto)
            return [c.call("CLIENT", "PAUSE", "-1"), c.call("CLIENT", "PAUSE", "x"),
                    c.call("CLIENT", "PAUSE", "10", "foo"), c.call("CLIENT", "PAUSE", "x", "foo"),
                    c.call("CLIENT", "PAUSE", "1", "WRITE", "x"), c.call("CLIENT", "PAUSE", "0"),
                    c.call("PING"), c.call("CLIENT", "UNPAUSE"), c.call("CLIENT", "UNPAUSE", "x")]
        r = self.same(check)
        self.assertEqual(r[2][0], RespError("ERR timeout is negative"))
        self.assertEqual(r[2][2], RespError("ERR CLIENT PAUSE mode must be WRITE or ALL"))

    def test_reply_modes(self):
        def check(port, proto):
            out = []
            for script in ([("CLIENT", "REPLY", "OFF"), ("SET", "k", "v"), ("NOSUCH",),
                            ("CLIENT", "REPLY", "ON"), ("GET", "k")],
                           [("CLIENT", "REPLY", "SKIP"), ("PING",), ("ECHO", "x")],
                           [("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "SKIP"),
                            ("ECHO", "1"), ("ECHO", "2")],
                           [("CLIENT", "REPLY", "OFF"), ("CLIENT", "REPLY", "SKIP"),
                            ("ECHO", "1"), ("CLIENT", "REPLY", "ON"), ("ECHO", "2")],
                           [("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "ON"),
                            ("ECHO", "3")],
                           [("CLIENT", "REPLY", "SKIP"), ("MULTI",), ("PING",), ("EXEC",)],
                           [("CLIENT", "REPLY", "OFF"), ("RESET",), ("ECHO", "after reset")],
                           [("CLIENT", "REPLY", "MAYBE")]):
                c = self.conn(port, proto)
                c.sock.sendall(b"".join(RespConn.encode(*x) for x in script))
                got = []
                while True:
                    v = self.pending(c, 0.3)
                    if v == "pending":
                        break
                    got.append(v)
                out.append(got)
            return out
        r = self.same(check)
        self.assertEqual(r[2][0], ["OK", b"v"])
        self.assertEqual(r[2][1], [b"x"])
        self.assertEqual(r[2][2], [b"2"])
        self.assertEqual(r[2][5], ["QUEUED", ["PONG"]])
        self.assertEqual(r[2][6], ["RESET", b"after reset"])
        self.assertEqual(r[2][7], [RespError("ERR syntax error")])

    def test_unblock(self):
        def check(port, proto):
            a, admin = self.conn(port, proto), self.conn(port)
            aid = a.call("CLIENT", "ID")
            out = [admin.call("CLIENT", "UNBLOCK", str(aid)), admin.call("CLIENT", "UNBLOCK", "x"),
                   admin.call("CLIENT", "UNBLOCK", "1", "foo"),
                   admin.call("CLIENT", "UNBLOCK", "999999"),
                   admin.call("CLIENT", "UNBLOCK", "1", "TIMEOUT", "x")]
            a.send("BLPOP", "q", "0")
            time.sleep(0.1)
            flags = client_field(admin.call("CLIENT", "LIST", "ID", str(aid)), "flags")
            out += [flags, info_field(admin.call("INFO", "clients"), "blocked_clients"),
                    admin.call("CLIENT", "UNBLOCK", str(aid)), a.read(timeout=5)]
            a.send("BLMOVE", "q", "d", "LEFT", "LEFT", "0")
            time.sleep(0.1)
            out += [admin.call("CLIENT", "UNBLOCK", str(aid), "ERROR"), a.read(timeout=5),
                    a.call("PING"), info_field(admin.call("INFO", "clients"), "blocked_clients")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][0], 0)
        self.assertEqual(r[2][5:9], ["b", "1", 1, None])
        self.assertEqual(r[3][8], NULL)
        self.assertEqual(r[2][9:11], [1, RespError("UNBLOCKED client unblocked via CLIENT UNBLOCK")])

    def test_no_evict(self):
        def check(port, proto):
            c = self.conn(port, proto)
            return [c.call("CLIENT", "NO-EVICT", "on"),
                    client_field(c.call("CLIENT", "INFO"), "flags"),
                    c.call("CLIENT", "NO-EVICT", "maybe"), c.call("CLIENT", "NO-EVICT", "OFF"),
                    client_field(c.call("CLIENT", "INFO"), "flags"),
                    c.call("CLIENT", "NO-EVICT", "on"), c.call("RESET"),
                    client_field(c.call("CLIENT", "INFO"), "flags")]
        r = self.same(check)
        self.assertEqual(r[2][1], "e")
        self.assertEqual(r[2][4], "N")

    def test_slowlog(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("CONFIG", "SET", "slowlog-log-slower-than", "0"),
                   c.call("SLOWLOG", "RESET"), c.call("SET", "k", "x" * 200),
                   c.call("CLIENT", "SETNAME", "me"),
                   c.call("RPUSH", "l", *[str(i) for i in range(40)]), c.call("AUTH", "a", "b"),
                   c.call("EXEC"), c.call("MULTI"), c.call("PING"), c.call("EXEC"),
                   type(c.call("HELLO", "2", "AUTH", "default", "any")).__name__]
            if proto == 3:
                c.call("HELLO", "3")
            entries = c.call("SLOWLOG", "GET", "-1")
            now = time.time()
            out.append([[e[3], e[4].startswith(b"127.0.0.1:"), e[5], abs(e[1] - now) < 30,
                         e[2] >= 0] for e in entries])
            ids = [e[0] for e in entries]
            out.append(ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids))
            out += [len(c.call("SLOWLOG", "GET")), c.call("SLOWLOG", "LEN") > 5,
                    c.call("SLOWLOG", "GET", "-2"), c.call("SLOWLOG", "GET", "x"),
                    c.call("SLOWLOG", "GET", "1", "2"), c.call("SLOWLOG", "HELP"),
                    c.call("CONFIG", "SET", "slowlog-max-len", "2"), c.call("PING"),
                    c.call("SLOWLOG", "LEN"), c.call("SLOWLOG", "GET", "0"),
                    pairs(c.call("CONFIG", "GET", "slowlog*")),
                    c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1"),
                    c.call("SLOWLOG", "RESET"), c.call("PING"), c.call("SLOWLOG", "LEN"),
                    c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000"),
                    c.call("CONFIG", "SET", "slowlog-max-len", "128"),
                    c.call("CLIENT", "SETNAME", "")]
            return out
        r = self.same(check)
        entries = r[2][11]
        self.assertEqual(entries[0][0], [b"HELLO", b"2", b"AUTH", b"(redacted)", b"(redacted)"])
        self.assertEqual(entries[-2][0], [b"SET", b"k", b"x" * 128 + b"... (72 more bytes)"])
        self.assertEqual(entries[-4][0][-1], b"... (11 more arguments)")
        self.assertEqual(len(entries[-4][0]), 32)
        self.assertNotIn([b"EXEC"], [e[0] for e in entries])
        self.assertEqual(r[2][21], 2)
        self.assertEqual(r[2][27], 0)

    def test_object_refcount(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("SET", "a", "5"), c.call("OBJECT", "REFCOUNT", "a"),
                   c.call("COPY", "a", "b"), c.call("OBJECT", "REFCOUNT", "b"),
                   c.call("OBJECT", "ENCODING", "b"), c.call("RENAME", "b", "c"),
                   c.call("OBJECT", "REFCOUNT", "c"), c.call("SET", "c", "7"),
                   c.call("OBJECT", "REFCOUNT", "c"), c.call("COPY", "c", "d"),
                   c.call("INCR", "d"), c.call("OBJECT", "REFCOUNT", "d"),
                   c.call("SET", "big", "123456"), c.call("OBJECT", "REFCOUNT", "big"),
                   c.call("APPEND", "ap", "42"), c.call("OBJECT", "REFCOUNT", "ap"),
                   c.call("SET", "s", "str"), c.call("COPY", "s", "s2"),
                   c.call("OBJECT", "REFCOUNT", "s2"), c.call("RPUSH", "l", "1"),
                   c.call("OBJECT", "REFCOUNT", "l"), c.call("COPY", "a", "b", "REPLACE"),
                   c.call("OBJECT", "REFCOUNT", "b")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][1], 2147483647)
        self.assertEqual(r[2][3], 1)
        self.assertEqual(r[2][6], 1)
        self.assertEqual(r[2][8], 2147483647)


if __name__ == "__main__":
    sys.exit(main())
