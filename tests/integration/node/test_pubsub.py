# Pub/sub on the node, differential against redis-server 7.0 in RESP2 and RESP3: every check runs
# a script of commands over real connections on redis-server first, then on the node, and the
# transcripts must be equal (plus pinned values so a shared failure still fails). Covers
# SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE and their UNSUBSCRIBEs (counts, nil when none), PUBLISH and
# SPUBLISH fan-out (message, pmessage, smessage; receiver counts), the RESP2 subscriber context
# (allowed commands, error text, PING -> ["pong", ""]), RESP3 pushes with ordinary commands,
# PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB/HELP, CLIENT LIST flags and TYPE
# pubsub, RESET and disconnection cleaning up, and pushes under CLIENT REPLY OFF. Needs
# STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import NULL, Push, RespConn, RespError  # noqa: E402
from harness.differential import DifferentialCase  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"
CONTEXT_ERR = ("ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
               "RESET are allowed in this context")


def typed(v):
    """Keeps the wire type visible in comparisons (a RESP3 push vs a RESP2 array)."""
    if isinstance(v, Push):
        return ("push", [typed(x) for x in v])
    if isinstance(v, list):
        return [typed(x) for x in v]
    return v


class PubSub(DifferentialCase):
    def normalize(self, transcript):
        return typed(transcript)

    def nothing(self, c, seconds=0.2):
        try:
            return c.read(timeout=seconds)
        except (socket.timeout, TimeoutError):
            return "nothing"

    def test_subscribe_publish(self):
        def check(port, proto):
            s, p = self.conn(port, proto), self.conn(port)
            out = [s.call("SUBSCRIBE", "a", "b"), s.read(), s.call("SUBSCRIBE", "a")]
            out += [p.call("PUBLISH", "a", "hello"), s.read(), p.call("PUBLISH", "zz", "x"),
                    p.call("PUBLISH", "b", b"bin\r\n\x00"), s.read()]
            out += [s.call("PSUBSCRIBE", "a*", "?"), s.read(), p.call("PUBLISH", "a", "twice")]
            got = [s.read(), s.read(), s.read()]  # message, then a pmessage per pattern
            out += [got[0]] + sorted(got[1:], key=repr)
            out += [p.call("PUBLISH", "x", "one"), s.read(), self.nothing(s)]
            return out
        r = self.same(check)
        self.assertEqual(r[2][0], [b"subscribe", b"a", 1])
        self.assertEqual(r[3][0], ("push", [b"subscribe", b"a", 1]))
        self.assertEqual(r[2][3], 1)
        self.assertEqual(r[2][4], [b"message", b"a", b"hello"])
        self.assertEqual(r[2][10], 3)
        self.assertEqual(r[2][15], [b"pmessage", b"?", b"x", b"one"])

    def test_sharded(self):
        def check(port, proto):
            s, p = self.conn(port, proto), self.conn(port)
            out = [s.call("SUBSCRIBE", "c"), s.call("SSUBSCRIBE", "s1", "s2"), s.read(),
                   p.call("SPUBLISH", "s1", "m"), s.read(), p.call("PUBLISH", "s1", "no"),
                   p.call("SPUBLISH", "c", "no"), p.call("PUBSUB", "SHARDCHANNELS"),
                   p.call("PUBSUB", "SHARDCHANNELS", "*1"), p.call("PUBSUB", "SHARDNUMSUB", "s1",
                                                                   "x")]
            out += [s.call("SUNSUBSCRIBE", "s1", "nope"), s.read(), s.call("UNSUBSCRIBE"),
                    s.call("PING") if proto == 2 else "skip", s.call("SUNSUBSCRIBE"),
                    s.call("SUNSUBSCRIBE"), s.call("PING")]
            out[7] = sorted(out[7])
            return out
        r = self.same(check)
        self.assertEqual(r[2][1], [b"ssubscribe", b"s1", 1])
        self.assertEqual(r[2][4], [b"smessage", b"s1", b"m"])
        self.assertEqual(r[2][13], [b"pong", b""])  # shard subscription keeps the context
        self.assertEqual(r[2][-1], "PONG")

    def test_unsubscribe_forms(self):
        def check(port, proto):
            s = self.conn(port, proto)
            out = [s.call("UNSUBSCRIBE"), s.call("PUNSUBSCRIBE"), s.call("SUNSUBSCRIBE"),
                   s.call("UNSUBSCRIBE", "never"), s.call("PSUBSCRIBE", "p1", "p2", "p3")]
            out += [s.read(), s.read(), s.call("SUBSCRIBE", "c1", "c2"), s.read()]
            out += [s.call("PUNSUBSCRIBE"), s.read(), s.read()]  # patterns: in order
            got = [s.call("UNSUBSCRIBE"), s.read()]  # channels: in hash order
            out += [sorted(g[1] for g in got), [g[2] for g in got]]
            out += [s.call("PUNSUBSCRIBE", "p9"), s.call("PING")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][0], [b"unsubscribe", None, 0])
        self.assertEqual(r[3][1], ("push", [b"punsubscribe", NULL, 0]))
        self.assertEqual(r[2][-1], "PONG")

    def test_resp2_context(self):
        def check(port, proto):
            s = self.conn(port, proto)
            out = [s.call("SUBSCRIBE", "a"), s.call("GET", "k"), s.call("CLIENT", "INFO")
                   if proto == 2 else "skip", s.call("PING"), s.call("PING", "hi"),
                   s.call("MULTI"), s.call("PING", "a", "b"), s.call("SUBSCRIBE")]
            out += [s.call("RESET"), s.call("GET", "k"), s.call("PUBSUB", "NUMSUB", "a")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][1], RespError(CONTEXT_ERR.format("get")))
        self.assertEqual(r[2][2], RespError(CONTEXT_ERR.format("client|info")))
        self.assertEqual(r[2][3], [b"pong", b""])
        self.assertEqual(r[2][4], [b"pong", b"hi"])
        self.assertEqual(r[3][1], NULL)
        self.assertEqual(r[3][3], "PONG")
        self.assertEqual(r[2][-1], [b"a", 0])

    def test_resp3_self_publish_order(self):
        def check(port, proto):
            s = self.conn(port, 3)
            return [s.call("SUBSCRIBE", "me"), s.call("SET", "k", "v"), s.call("PUBLISH", "me",
                                                                              "hi"),
                    s.read(), s.call("GET", "k")]
        r = self.same(check, protos=(3,))
        self.assertEqual(r[3][2], ("push", [b"message", b"me", b"hi"]))
        self.assertEqual(r[3][3], 1)

    def test_pubsub_introspection(self):
        def check(port, proto):
            a, b, q = self.conn(port), self.conn(port), self.conn(port, proto)
            a.call("SUBSCRIBE", "news", "sport")
            a.read()
            b.call("SUBSCRIBE", "news")
            b.call("PSUBSCRIBE", "n*")
            a.call("PSUBSCRIBE", "n*")
            out = [sorted(q.call("PUBSUB", "CHANNELS")), q.call("PUBSUB", "CHANNELS", "s*"),
                   q.call("PUBSUB", "NUMSUB", "news", "sport", "none"), q.call("PUBSUB", "NUMSUB"),
                   q.call("PUBSUB", "NUMPAT"), q.call("PUBSUB", "HELP"),
                   q.call("PUBSUB", "CHANNELS", "a", "b"), q.call("PUBSUB", "channels", "a", "b"),
                   q.call("PUBSUB", "NUMPAT", "x"), q.call("PUBSUB", "NOPE"), q.call("PUBSUB"),
                   q.call("PUBLISH", "news", "x")]
            stats = q.call("INFO", "stats").decode().splitlines()
            out.append(sorted(l for l in stats if l.startswith("pubsub")))
            a.close()
            time.sleep(0.1)
            out += [q.call("PUBSUB", "NUMSUB", "news", "sport"), q.call("PUBSUB", "NUMPAT"),
                    q.call("PUBLISH", "news", "y")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][0], [b"news", b"sport"])
        self.assertEqual(r[2][2], [b"news", 2, b"sport", 1, b"none", 0])
        self.assertEqual(r[2][4], 1)
        self.assertEqual(r[2][11], 4)
        self.assertEqual(r[2][12], ["pubsub_channels:2", "pubsub_patterns:1",
                                    "pubsubshard_channels:0"])
        self.assertEqual(r[2][-1], 2)

    def test_client_list_flags(self):
        def check(port, proto):
            s, q = self.conn(port, proto), self.conn(port)
            sid = s.call("CLIENT", "ID")
            s.call("SUBSCRIBE", "a", "b")
            s.read()
            s.call("PSUBSCRIBE", "p")
            s.call("SSUBSCRIBE", "x")

            def fields():
                line = q.call("CLIENT", "LIST", "ID", str(sid)).decode().strip()
                f = dict(kv.split("=", 1) for kv in line.split(" "))
                return [f["flags"], f["sub"], f["psub"], f["ssub"]]
            out = [fields(), len(q.call("CLIENT", "LIST", "TYPE", "pubsub").splitlines()),
                   b"id=%d " % sid in q.call("CLIENT", "LIST", "TYPE", "normal")]
            s.call("RESET")
            out += [fields(), len(q.call("CLIENT", "LIST", "TYPE", "pubsub").splitlines())]
            return out
        r = self.same(check)
        self.assertEqual(r[2][0], ["P", "2", "1", "1"])
        self.assertEqual(r[2][1], 1)

    def test_pushes_ignore_client_reply_off(self):
        def check(port, proto):
            s, p = self.conn(port, proto), self.conn(port)
            s.send("CLIENT", "REPLY", "OFF")
            s.send("SUBSCRIBE", "z")
            s.send("PSUBSCRIBE", "z*")
            time.sleep(0.1)
            out = [p.call("PUBLISH", "z", "m")]
            s.send("UNSUBSCRIBE")
            s.send("PUNSUBSCRIBE")
            s.send("GET", "k")
            s.send("CLIENT", "REPLY", "ON")
            for _ in range(7):
                out.append(s.read(timeout=5))
            out.append(self.nothing(s))
            return out
        r = self.same(check)
        self.assertEqual(r[2][0], 2)
        self.assertEqual(r[2][-2], "OK")


if __name__ == "__main__":
    sys.exit(main())
