# Client-side caching (CLIENT TRACKING) on the node, differential against redis-server 7.0: each
# check runs the same sequence on redis-server first, then on the node, in RESP2 and RESP3 where
# it applies, and the transcripts must be equal (replies, RESP3 pushes on the tracking connection,
# RESP2 pub/sub messages on a REDIRECT subscriber to __redis__:invalidate, error texts, CLIENT
# LIST flags and redir, TRACKINGINFO, INFO fields), plus pinned values so that a failure both
# share still fails. Client ids differ between the servers: they are replaced by names before
# comparing. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 180
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import NULL, Push, RespConn, RespError  # noqa: E402
from harness.differential import DifferentialCase, client_field, info_field  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"


def replace_int(value, old, new):
    """`value` with every integer equal to `old` (a client id) replaced by `new`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value == old:
        return new
    if isinstance(value, dict):
        return {k: replace_int(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return type(value)(replace_int(v, old, new) for v in value)
    return value


def calls(conn, *commands):
    """The replies of `commands` sent one after the other on `conn`."""
    return [conn.call(*c) for c in commands]


def invalidate(*keys):
    """The RESP3 push of an invalidation of `keys` (None: a flush)."""
    return Push([b"invalidate", NULL if keys == (None,) else [k.encode() for k in keys]])


class Tracking(DifferentialCase):

    def pending(self, c, seconds=0.2):
        """The next message on `c`, or "nothing" when none comes within `seconds`."""
        try:
            return c.read(timeout=seconds)
        except (socket.timeout, TimeoutError):
            return "nothing"

    def subscriber(self, port):
        """A RESP2 connection subscribed to __redis__:invalidate, and its client id."""
        sub = self.conn(port)
        sid = sub.call("CLIENT", "ID")
        self.assertEqual(sub.call("SUBSCRIBE", "__redis__:invalidate"),
                         [b"subscribe", b"__redis__:invalidate", 1])
        return sub, sid

    # ---- 1. The commands: replies and errors ----------------------------------------------

    def test_option_errors(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = []
            for args in (
                    ("on", "bcast", "optin"), ("on", "prefix", "a"), ("on", "optin", "optout"),
                    ("on", "redirect", "999999"), ("on", "redirect", "x"),
                    ("on", "redirect", "-1"), ("on", "redirect", "0"), ("on", "redirect"),
                    ("on", "foo"), ("maybe",), ("on", "bcast", "prefix", "a", "prefix", "ab"),
                    ("on", "bcast", "prefix", "b", "prefix", ""), ("off", "prefix", "a"),
                    ("ON", "NOLOOP", "BCAST", "PREFIX", "x"), ("on", "bcast", "prefix", "x"),
                    ("on", "bcast", "prefix", "xy"), ("on", "bcast", "prefix", ""),
                    ("on",), ("on", "optin"), ("off",), ("on", "optin"), ("on", "optout"),
                    ("on", "optin", "bcast"), ("off",), ("on", "redirect", "1", "redirect", "2")):
                out.append(c.call("CLIENT", "TRACKING", *args))
            out += [c.call("CLIENT", "TRACKING"), c.call("CLIENT", "CACHING"),
                    c.call("CLIENT", "GETREDIR", "x"), c.call("CLIENT", "TRACKINGINFO", "x")]
            return out
        r = self.same(check)
        t = r[2]
        self.assertEqual(t[0], RespError("ERR OPTIN and OPTOUT are not compatible with BCAST"))
        self.assertEqual(t[1], RespError("ERR PREFIX option requires BCAST mode to be enabled"))
        self.assertEqual(t[2], RespError("ERR You can't specify both OPTIN mode and OPTOUT mode"))
        self.assertEqual(t[3], RespError("ERR The client ID you want redirect to does not exist"))
        self.assertEqual(t[4], RespError("ERR value is not an integer or out of range"))
        self.assertEqual(t[7:10], [RespError("ERR syntax error")] * 3)
        self.assertEqual(t[10], RespError(
            "ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single "
            "client must not overlap."))
        self.assertEqual(t[13:15], ["OK", RespError(
            "ERR Prefix 'x' overlaps with an existing prefix 'x'. Prefixes for a single client "
            "must not overlap.")])
        self.assertTrue(t[17].startswith("ERR You can't switch BCAST mode on/off"))
        self.assertTrue(t[21].startswith("ERR You can't switch OPTIN/OPTOUT mode"))
        self.assertEqual(t[-4], RespError(
            "ERR wrong number of arguments for 'client|tracking' command"))

    def test_caching_getredir_trackinginfo(self):
        def check(port, proto):
            c, other = self.conn(port, proto), self.conn(port)
            oid = other.call("CLIENT", "ID")
            out = [c.call("CLIENT", "CACHING", "yes"), c.call("CLIENT", "GETREDIR"),
                   c.call("CLIENT", "TRACKINGINFO"), c.call("CLIENT", "TRACKING", "on"),
                   c.call("CLIENT", "CACHING", "yes"), c.call("CLIENT", "CACHING", "no"),
                   c.call("CLIENT", "GETREDIR"), c.call("CLIENT", "TRACKINGINFO"),
                   c.call("CLIENT", "TRACKING", "on", "optin", "noloop"),
                   c.call("CLIENT", "CACHING", "no"), c.call("CLIENT", "CACHING", "maybe"),
                   c.call("CLIENT", "CACHING", "YES"), c.call("CLIENT", "TRACKINGINFO"),
                   c.call("PING"), c.call("CLIENT", "TRACKINGINFO"),
                   c.call("CLIENT", "TRACKING", "off"),
                   c.call("CLIENT", "TRACKING", "on", "optout", "redirect", str(oid)),
                   c.call("CLIENT", "CACHING", "yes"), c.call("CLIENT", "CACHING", "no"),
                   c.call("CLIENT", "TRACKINGINFO"), c.call("CLIENT", "GETREDIR") == oid,
                   c.call("CLIENT", "TRACKING", "off"),
                   c.call("CLIENT", "TRACKING", "on", "bcast", "prefix", "b", "prefix", "a"),
                   c.call("CLIENT", "TRACKING", "on", "bcast", "prefix", "c"),
                   c.call("CLIENT", "TRACKINGINFO"), c.call("CLIENT", "TRACKING", "off"),
                   c.call("CLIENT", "TRACKINGINFO")]
            # Redirection to a client that left: flag R, broken_redirect, a RESP3 push.
            out.append(c.call("CLIENT", "TRACKING", "on", "redirect", str(oid)))
            self.assertEqual(c.call("GET", "k"), None if proto == 2 else NULL)
            other.close()
            time.sleep(0.2)
            out.append(c.call("SET", "k", "v"))
            if proto == 3:
                push = c.read()
                out.append(push[0] == b"tracking-redir-broken" and push[1] == oid)
            out.append(c.call("CLIENT", "TRACKINGINFO"))
            line = c.call("CLIENT", "INFO")
            out += [client_field(line, "flags"), client_field(line, "redir") == str(oid)]
            return replace_int(out, oid, "OTHER-ID")
        r = self.same(check)
        t = r[2]
        self.assertEqual(t[0], RespError(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with "
            "OPTIN or OPTOUT mode enabled"))
        self.assertEqual(t[1:3], [-1, [b"flags", [b"off"], b"redirect", -1, b"prefixes", []]])
        self.assertEqual(t[4], RespError(
            "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."))
        self.assertEqual(t[12][1], [b"on", b"optin", b"caching-yes", b"noloop"])
        self.assertEqual(t[14][1], [b"on", b"optin", b"noloop"])  # CACHING lasts one command
        self.assertEqual(t[24][5], [b"a", b"b", b"c"])
        self.assertEqual(t[-3][1], [b"on", b"broken_redirect"])
        self.assertEqual(t[-2:], ["tR", True])
        self.assertTrue(r[3][-4])

    def test_client_list_and_info_fields(self):
        def check(port, proto):
            c, admin = self.conn(port, proto), self.conn(port)
            cid = c.call("CLIENT", "ID")

            def fields():
                line = admin.call("CLIENT", "LIST", "ID", str(cid))
                info = admin.call("INFO", "everything")
                return [client_field(line, "flags"), client_field(line, "redir"),
                        info_field(info, "tracking_clients"),
                        info_field(info, "tracking_total_keys"),
                        info_field(info, "tracking_total_items"),
                        info_field(info, "tracking_total_prefixes")]
            out = [fields(), c.call("CLIENT", "TRACKING", "on"), fields()]
            c.call("MGET", "a", "b", "c")
            c.call("GET", "a")
            admin.call("CLIENT", "TRACKING", "on")
            admin.call("GET", "a")
            out += [fields(), c.call("CLIENT", "TRACKING", "off"), fields()]
            admin.call("SET", "a", "1")
            out += [fields(), c.call("CLIENT", "TRACKING", "on", "bcast", "prefix", "p",
                                     "prefix", "q"), fields()]
            admin.call("CLIENT", "TRACKING", "off")
            admin.call("CONFIG", "SET", "tracking-table-max-keys", "5")
            out += [admin.call("CONFIG", "GET", "tracking-table-max-keys")]
            admin.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
            c.call("CLIENT", "TRACKING", "off")
            out.append(fields())
            return out
        r = self.same(check)
        t = r[2]
        self.assertEqual(t[0], ["N", "-1", "0", "0", "0", "0"])
        self.assertEqual(t[2], ["t", "0", "1", "0", "0", "0"])
        self.assertEqual(t[3], ["t", "0", "2", "3", "4", "0"])
        self.assertEqual(t[5], ["N", "-1", "1", "3", "4", "0"])
        self.assertEqual(t[6], ["N", "-1", "1", "2", "2", "0"])
        self.assertEqual(t[8], ["tB", "0", "2", "2", "2", "2"])
        self.assertEqual(t[-1], ["N", "-1", "0", "2", "2", "0"])

    # ---- 2. Default mode: invalidations ----------------------------------------------------

    def resp3_tracker(self, port, *options):
        c = self.conn(port, 3)
        self.assertEqual(c.call("CLIENT", "TRACKING", "on", *options), "OK")
        return c

    def test_resp3_same_connection(self):
        def check(port, proto):
            c, w = self.resp3_tracker(port), self.conn(port)
            out = [c.call("GET", "k"), w.call("SET", "k", "v"), c.read(),
                   w.call("SET", "k", "w"), self.pending(c)]  # forgotten until read again
            out += [c.call("GET", "k"), c.call("SET", "k", "x"), c.read(), c.call("PING")]
            # Every kind of change invalidates once.
            w.call("MSET", "a", "1", "b", "2", "c", "3", "l", "x", "h", "x")
            out.append(c.call("MGET", "a", "b", "c", "nosuch"))
            out += [c.call("STRLEN", "l"), c.call("TYPE", "h")]
            for cmd, keys in ((("DEL", "a", "b"), ("a", "b")), (("UNLINK", "c"), ("c",)),
                              (("RENAME", "l", "h"), ("l", "h")), (("SET", "nosuch", "1"), ()),
                              (("APPEND", "h", "y"), ("h",)), (("EXPIRE", "h", "100"), ("h",)),
                              (("PERSIST", "h"), ("h",)), (("COPY", "h", "h2"), ("h2",))):
                for k in keys:
                    c.call("EXISTS", k)
                out.append(w.call(*cmd))
                # DEL and RENAME: one message per key; SET nosuch: read by MGET above.
                for _ in range(max(len(keys), 1)):
                    out.append(c.read())
                out.append(self.pending(c, 0.1))
            # A read that failed (WRONGTYPE) is remembered too.
            w.call("LPUSH", "list", "x")
            out += [c.call("GET", "list"), w.call("LPUSH", "list", "y"), c.read()]
            return out
        r = self.same(check, protos=(3,))
        t = r[3]
        self.assertEqual(t[:5], [NULL, "OK", invalidate("k"), "OK", "nothing"])
        self.assertEqual(t[6:9], ["OK", invalidate("k"), "PONG"])
        self.assertEqual(t[-1], invalidate("list"))

    def test_empty_key_is_not_a_flush(self):
        def check(port, proto):
            c, w = self.resp3_tracker(port), self.conn(port)
            out = [c.call("MGET", "", "k"), w.call("SET", "", "v"), c.read(),
                   self.pending(c, 0.1), w.call("SET", "k", "v"), c.read()]
            return out
        t = self.same(check, protos=(3,))[3]
        self.assertEqual(t[2], invalidate(""))  # the key "", not a flush's null
        self.assertEqual(t[3], "nothing")
        self.assertEqual(t[5], invalidate("k"))  # still tracked

    def test_resp2_redirect(self):
        def check(port, proto):
            sub, sid = self.subscriber(port)
            c, w = self.conn(port, proto), self.conn(port)
            out = [c.call("CLIENT", "TRACKING", "on", "redirect", str(sid)),
                   c.call("GET", "k"), c.call("GET", "j"), w.call("MSET", "k", "1", "j", "2"),
                   sub.read(), sub.read(), self.pending(sub)]
            c.call("GET", "k")
            out += [w.call("FLUSHALL"), sub.read(), self.pending(c, 0.1)]
            # A RESP2 redirect client that is not subscribed gets nothing; a RESP3 one a push.
            plain = self.conn(port)
            pid = plain.call("CLIENT", "ID")
            c.call("CLIENT", "TRACKING", "on", "redirect", str(pid))
            c.call("GET", "k")
            out += [w.call("SET", "k", "3"), self.pending(plain), self.pending(c, 0.1)]
            r3 = self.conn(port, 3)
            rid = r3.call("CLIENT", "ID")
            c.call("CLIENT", "TRACKING", "on", "redirect", str(rid))
            c.call("GET", "k")
            out += [w.call("SET", "k", "4"), r3.read(), self.pending(c, 0.1)]
            c.call("GET", "k")
            out += [w.call("FLUSHDB"), r3.read()]
            return out
        r = self.same(check)
        self.assertEqual(r[2][4:7], [[b"message", b"__redis__:invalidate", [b"k"]],
                                     [b"message", b"__redis__:invalidate", [b"j"]], "nothing"])
        self.assertEqual(r[2][8], [b"message", b"__redis__:invalidate", None])  # $-1 of RESP2
        self.assertEqual(r[2][11:13], ["nothing", "nothing"])
        self.assertEqual(r[2][14], invalidate("k"))

    def test_noloop_optin_optout(self):
        def check(port, proto):
            sub, sid = self.subscriber(port)
            w = self.conn(port)
            nl = self.conn(port, proto)
            nl.call("CLIENT", "TRACKING", "on", "redirect", str(sid), "noloop")
            nl.call("GET", "a")
            nl.call("GET", "b")
            out = [nl.call("SET", "a", "1"), self.pending(sub), w.call("SET", "b", "1"),
                   sub.read()]
            # OPTIN: only reads right after CLIENT CACHING yes are tracked.
            oi = self.conn(port, proto)
            out += [calls(oi, ("CLIENT", "TRACKING", "on", "redirect", str(sid), "optin"),
                          ("GET", "x"), ("CLIENT", "CACHING", "yes"), ("GET", "y"), ("GET", "z")),
                    w.call("MSET", "x", "1", "y", "1", "z", "1"), sub.read(), self.pending(sub)]
            # Another CLIENT subcommand keeps CACHING yes for the next command; an unknown one not.
            out += [calls(oi, ("CLIENT", "CACHING", "yes"), ("CLIENT", "NOSUCH"), ("GET", "c1"),
                          ("CLIENT", "CACHING", "yes"), ("CLIENT", "GETREDIR"), ("GET", "c2")),
                    w.call("MSET", "c1", "1", "c2", "1"), sub.read(), self.pending(sub)]
            # CACHING yes then MULTI: the whole transaction's reads are tracked.
            oi.call("CLIENT", "CACHING", "yes")
            oi.call("MULTI")
            oi.call("GET", "m1")
            oi.call("GET", "m2")
            out += [oi.call("EXEC"), w.call("MSET", "m1", "1", "m2", "2"), sub.read(),
                    sub.read(), self.pending(sub)]
            oi.call("CLIENT", "TRACKING", "off")
            # OPTOUT: every read but the one after CLIENT CACHING no.
            oo = self.conn(port, proto)
            out += [calls(oo, ("CLIENT", "TRACKING", "on", "redirect", str(sid), "optout"),
                          ("GET", "p"), ("CLIENT", "CACHING", "no"), ("GET", "q"), ("GET", "r")),
                    w.call("MSET", "p", "1", "q", "1", "r", "1"), sub.read(), sub.read(),
                    self.pending(sub)]
            return replace_int(out, sid, "SUB-ID")
        r = self.same(check)
        msg = lambda k: [b"message", b"__redis__:invalidate", [k]]  # noqa: E731
        self.assertEqual(r[2][:4], ["OK", "nothing", "OK", msg(b"b")])
        self.assertEqual(r[2][4][2:4], ["OK", None])
        self.assertEqual(r[2][6:8], [msg(b"y"), "nothing"])
        self.assertEqual(r[2][10:12], [msg(b"c2"), "nothing"])

    def test_after_reply_in_multi_and_scripts(self):
        def check(port, proto):
            c = self.resp3_tracker(port)
            out = [c.call("GET", "k"), c.call("MULTI"), c.call("SET", "k", "1"),
                   c.call("GET", "k"), c.call("SET", "k", "2"), c.call("EXEC"), c.read(),
                   c.read(), c.call("PING")]
            out += [c.call("GET", "k"), c.call("EVAL", "redis.call('set','k','3') return 1", "0"),
                    c.read(), c.call("PING")]
            # A script's read-only redis.call()s remember the keys of the caller's command
            # (EVAL's KEYS), as 7.0: not the keys the script reads; EVAL_RO itself nothing.
            out += [c.call("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "s"),
                    c.call("EVAL", "return redis.call('get','t')", "0"),
                    c.call("EVAL", "return redis.call('get','t2')", "1", "u"),
                    c.call("EVAL", "return redis.call('set','w','1')", "1", "v"),
                    c.call("SET", "s", "1"), c.read(), c.call("MSET", "t", "1", "t2", "1"),
                    self.pending(c, 0.1), c.call("SET", "u", "1"), c.read(),
                    c.call("SET", "v", "1"), c.call("PING")]
            out += [c.call("GET", "k"), c.call("FLUSHALL"), c.read(), c.call("PING")]
            return out
        r = self.same(check, protos=(3,))
        t = r[3]
        self.assertEqual(t[5:9], [["OK", b"1", "OK"], invalidate("k"), invalidate("k"), "PONG"])
        self.assertEqual(t[-3:], ["OK", invalidate(None), "PONG"])

    def test_expiry_lazy_and_active(self):
        def check(port, proto):
            c, w = self.resp3_tracker(port), self.conn(port)
            w.call("SET", "lazy", "v", "PX", "100")
            w.call("SET", "active", "v", "PX", "100")
            out = [c.call("GET", "lazy"), c.call("GET", "active")]
            time.sleep(0.3)
            # EXISTS deletes "lazy" if the active cycle (hz 10) has not yet; that cycle finds
            # "active" within a few ticks. Which comes first is timing: compared as a set.
            out += [w.call("EXISTS", "lazy")]
            pushes = [c.read(timeout=5), c.read(timeout=5)]
            out += sorted(pushes, key=repr) + [self.pending(c, 0.1)]
            info = w.call("INFO", "stats")
            out += [info_field(info, "tracking_total_keys"), info_field(info, "expired_keys")]
            return out
        r = self.same(check, protos=(3,))
        self.assertEqual(r[3], [b"v", b"v", 0, invalidate("active"), invalidate("lazy"),
                                "nothing", "0", "2"])

    def test_maxmemory_eviction(self):
        def check(port, proto):
            c, w = self.resp3_tracker(port), self.conn(port)
            w.call("SET", "k", "v")
            out = [c.call("GET", "k"), w.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")]
            try:
                w.call("CONFIG", "SET", "maxmemory", "1")
                out += [w.call("SET", "other", "x"), c.read(), w.call("EXISTS", "k")]
            finally:
                w.call("CONFIG", "SET", "maxmemory", "0")
                w.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
            return out
        r = self.same(check, protos=(3,))
        self.assertEqual(r[3][3:], [invalidate("k"), 0])

    def test_table_max_keys(self):
        def check(port, proto):
            c, w = self.resp3_tracker(port), self.conn(port)
            out = [w.call("CONFIG", "SET", "tracking-table-max-keys", "3")]
            try:
                # Each command first trims the table to 3 keys (a random one invalidated at
                # once, before that command's reply): GET e and PING each evict one.
                for k in ("a", "b", "c", "d", "e"):
                    c.send("GET", k)
                c.send("PING")
                replies, pushed = [], []
                for _ in range(8):
                    v = c.read()
                    if isinstance(v, Push):
                        self.assertEqual(v[0], b"invalidate")
                        pushed += v[1]
                    else:
                        replies.append(v)
                info = w.call("INFO", "stats")
                out += [replies, len(pushed), set(pushed) <= {b"a", b"b", b"c", b"d", b"e"},
                        info_field(info, "tracking_total_keys"), self.pending(c, 0.1)]
            finally:
                w.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
            return out
        r = self.same(check, protos=(3,))
        self.assertEqual(r[3], ["OK", [NULL] * 5 + ["PONG"], 2, True, "3", "nothing"])

    # ---- 3. BCAST ----------------------------------------------------------------------------

    def test_bcast(self):
        def check(port, proto):
            sub, sid = self.subscriber(port)
            w = self.conn(port)
            b = self.conn(port, proto)
            out = [b.call("CLIENT", "TRACKING", "on", "bcast", "redirect", str(sid),
                          "prefix", "user:", "prefix", "obj:")]
            # One message per prefix and event-loop round, keys in byte order.
            w.sock.sendall(b"".join(RespConn.encode(*a) for a in (
                ("SET", "user:2", "x"), ("SET", "obj:1", "x"), ("SET", "other", "x"),
                ("SET", "user:1", "x"), ("SET", "user:2", "y"))))  # one loop round
            out += [w.read(), w.read(), w.read(), w.read(), w.read(), sub.read(), sub.read(),
                    self.pending(sub)]
            # No prefix: every key; NOLOOP: not the client's own changes.
            n = self.conn(port, 3)
            out += [n.call("CLIENT", "TRACKING", "on", "bcast", "noloop"),
                    n.call("SET", "own", "1"), w.call("SET", "theirs", "1"), n.read(),
                    n.call("PING")]
            n.send("SET", "x1", "1")
            w.send("SET", "x2", "1")
            out += [n.read(), w.read(), n.read(), n.call("PING")]
            # A flush: a null invalidation, BCAST clients too.
            out += [w.call("FLUSHALL"), n.read(), sub.read()]
            return out
        r = self.same(check)
        t = r[2]
        self.assertEqual(t[6:9], [[b"message", b"__redis__:invalidate", [b"obj:1"]],
                                  [b"message", b"__redis__:invalidate", [b"user:1", b"user:2"]],
                                  "nothing"])
        self.assertEqual(t[9:14], ["OK", "OK", "OK", invalidate("theirs"), "PONG"])
        self.assertEqual(t[-7:-3], ["OK", "OK", invalidate("x2"), "PONG"])
        self.assertEqual(t[-2], invalidate(None))



class TrackingStartedInExec(DifferentialCase):
    """Fresh servers: the first CLIENT TRACKING ON of the node's life is queued in a MULTI, so the
    node's tracking state is created inside EXEC; the invalidation still follows EXEC's reply."""

    def test_on_inside_multi(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("MULTI"), c.call("CLIENT", "TRACKING", "on"), c.call("GET", "k"),
                   c.call("SET", "k", "v"), c.call("EXEC"), c.read(), c.call("PING")]
            return out
        r = self.same(check, protos=(3,))
        self.assertEqual(r[3][4:], [["OK", NULL, "OK"], invalidate("k"), "PONG"])

if __name__ == "__main__":
    main()
