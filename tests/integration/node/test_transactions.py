# MULTI/EXEC/DISCARD/WATCH/UNWATCH on the node, differential against redis-server 7.0: every
# check runs as a script of commands over real connections, first on redis-server, then on the
# node, in RESP2 and RESP3, and the two transcripts must be equal (plus a few pinned values, so a
# check that both servers fail the same way still fails). Covers queueing and +QUEUED,
# queue-time errors (EXECABORT), nested MULTI, EXEC/DISCARD without MULTI, WATCH inside MULTI,
# runtime errors inside EXEC, WATCH touched by another client, by a flush and by expiry, blocking
# commands inside MULTI, a refused EXEC, CLIENT INFO inside a transaction and blocked clients
# served only after EXEC. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import NULL, RespConn, RespError  # noqa: E402
from harness.differential import DifferentialCase  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"


def client_fields(line, names=("flags", "sub", "psub", "ssub", "multi", "cmd")):
    fields = dict(kv.split("=", 1) for kv in line.decode().strip().split(" ") if "=" in kv)
    return {n: fields.get(n) for n in names}


class Transactions(DifferentialCase):

    def test_queue_and_exec(self):
        def check(port, proto):
            c = self.conn(port, proto)
            return [c.call("MULTI"), c.call("SET", "a", "x"), c.call("INCR", "a"),
                    c.call("GET", "a"), c.call("LPUSH", "a", "1"), c.call("EXEC"),
                    c.call("GET", "a"), c.call("MULTI"), c.call("EXEC")]
        r = self.same(check)
        self.assertEqual(r[2][1:5], ["QUEUED"] * 4)
        self.assertEqual(r[2][5][0], "OK")
        self.assertIsInstance(r[2][5][1], RespError)
        self.assertEqual(r[2][8], [])

    def test_queue_time_errors_abort(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("MULTI"), c.call("SET", "a", "1"), c.call("SET", "a"),
                   c.call("NOSUCH", "x"), c.call("CONFIG", "NOSUCH"), c.call("EXEC"),
                   c.call("EXISTS", "a"), c.call("EXEC")]
            out += [c.call("MULTI"), c.call("SHUTDOWN"), c.call("PING"), c.call("EXEC")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][5],
                         RespError("EXECABORT Transaction discarded because of previous errors."))
        self.assertEqual(r[2][6], 0)
        self.assertEqual(r[2][9], RespError("ERR Command not allowed inside a transaction"))

    def test_misuse(self):
        def check(port, proto):
            c = self.conn(port, proto)
            return [c.call("EXEC"), c.call("DISCARD"), c.call("MULTI"), c.call("MULTI"),
                    c.call("WATCH", "k"), c.call("PING"), c.call("EXEC"), c.call("MULTI"),
                    c.call("SET", "d", "1"), c.call("DISCARD"), c.call("EXISTS", "d"),
                    c.call("MULTI"), c.call("EXEC", "extra"), c.call("EXEC"),
                    c.call("UNWATCH")]
        r = self.same(check)
        self.assertEqual(r[2][3], RespError("ERR MULTI calls can not be nested"))
        self.assertEqual(r[2][4], RespError("ERR WATCH inside MULTI is not allowed"))
        self.assertEqual(r[2][6], ["PONG"])
        self.assertEqual(r[2][12], RespError(
            "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command"))
        self.assertEqual(r[2][13], RespError("ERR EXEC without MULTI"))

    def test_watch_touched_by_other_client(self):
        def check(port, proto):
            c, d = self.conn(port, proto), self.conn(port)
            out = [c.call("WATCH", "k", "k2"), d.call("SET", "k", "1"), c.call("MULTI"),
                   c.call("SET", "r", "1"), c.call("EXEC"), c.call("EXISTS", "r")]
            # Untouched: runs. Touched then UNWATCH: runs. Touched by the client itself: aborts.
            out += [c.call("WATCH", "k"), c.call("MULTI"), c.call("INCR", "k"), c.call("EXEC")]
            out += [c.call("WATCH", "k"), d.call("DEL", "k"), c.call("UNWATCH"), c.call("MULTI"),
                    c.call("PING"), c.call("EXEC")]
            out += [c.call("WATCH", "s"), c.call("SET", "s", "1"), c.call("MULTI"),
                    c.call("PING"), c.call("EXEC")]
            # DISCARD forgets the watches; container changes touch too.
            out += [c.call("WATCH", "k"), c.call("MULTI"), c.call("DISCARD"),
                    d.call("SET", "k", "2"), c.call("MULTI"), c.call("PING"), c.call("EXEC")]
            out += [d.call("RPUSH", "l", "a"), c.call("WATCH", "l"), d.call("LPOP", "l"),
                    c.call("MULTI"), c.call("PING"), c.call("EXEC")]
            out += [c.call("WATCH", "h"), d.call("HSET", "h", "f", "v"), c.call("MULTI"),
                    c.call("PING"), c.call("EXEC")]
            return out
        r = self.same(check)
        nil = {2: None, 3: NULL}
        for proto in (2, 3):
            self.assertIs(r[proto][4], nil[proto])
            self.assertEqual(r[proto][9], [2])
            self.assertEqual(r[proto][15], ["PONG"])
            self.assertIs(r[proto][20], nil[proto])
            self.assertIs(r[proto][-1], nil[proto])

    def test_watch_and_flush(self):
        def check(port, proto):
            c, d = self.conn(port, proto), self.conn(port)
            out = [c.call("WATCH", "absent"), d.call("FLUSHALL"), c.call("MULTI"),
                   c.call("PING"), c.call("EXEC")]
            out += [d.call("SET", "x", "1"), c.call("WATCH", "x"), d.call("FLUSHDB"),
                    c.call("MULTI"), c.call("PING"), c.call("EXEC")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][4], ["PONG"])
        self.assertIsNone(r[2][10])

    def test_empty_key_is_not_a_flush(self):
        # "" is an ordinary key: changing it touches only its own watchers.
        def check(port, proto):
            c, e, d = self.conn(port, proto), self.conn(port, proto), self.conn(port)
            d.call("SET", "x", "1")
            out = [c.call("WATCH", "x"), e.call("WATCH", ""), d.call("SET", "", "v")]
            for client in (c, e):
                out += [client.call("MULTI"), client.call("GET", "x"), client.call("EXEC")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][5], [b"1"])  # x's watcher: EXEC ran
        self.assertIsNone(r[2][8])  # ""'s watcher: aborted

    def test_watch_and_expiry(self):
        def check(port, proto):
            c, d = self.conn(port, proto), self.conn(port)
            # Live when WATCHed, expired by EXEC: aborts (even before anything deletes it).
            out = [d.call("SET", "e1", "1", "PX", "100"), c.call("WATCH", "e1")]
            time.sleep(0.2)
            out += [c.call("MULTI"), c.call("PING"), c.call("EXEC")]
            # Already expired when WATCHed: runs, unless someone writes it afterwards.
            out += [d.call("SET", "e2", "1", "PX", "10")]
            time.sleep(0.05)
            out += [c.call("WATCH", "e2"), c.call("MULTI"), c.call("PING"), c.call("EXEC")]
            out += [d.call("SET", "e3", "1", "PX", "10")]
            time.sleep(0.05)
            out += [c.call("WATCH", "e3"), d.call("SET", "e3", "2"), c.call("MULTI"),
                    c.call("PING"), c.call("EXEC")]
            return out
        r = self.same(check, protos=(2,))
        self.assertIsNone(r[2][4])
        self.assertEqual(r[2][9], ["PONG"])
        self.assertIsNone(r[2][-1])

    def test_blocking_commands_do_not_block(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("MULTI"), c.call("BLPOP", "none", "0"),
                   c.call("BLMOVE", "none", "d", "LEFT", "RIGHT", "0"),
                   c.call("BRPOPLPUSH", "none", "d", "0"), c.call("BLMPOP", "0", "1", "none",
                                                                   "LEFT"),
                   c.call("RPUSH", "full", "v"), c.call("BRPOP", "full", "0")]
            out.append(c.call("EXEC"))
            return out
        r = self.same(check)
        self.assertEqual(r[2][-1], [None, None, None, None, 1, [b"full", b"v"]])
        self.assertEqual(r[3][-1], [NULL, NULL, NULL, NULL, 1, [b"full", b"v"]])

    def test_client_info_inside_transaction(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("MULTI"), c.call("SET", "a", "1"), c.call("CLIENT", "INFO")]
            reply = c.call("EXEC")
            out += [reply[0], client_fields(reply[1]), client_fields(c.call("CLIENT", "INFO"))]
            d = self.conn(port)
            out += [c.call("WATCH", "w"), d.call("SET", "w", "1"),
                    client_fields(c.call("CLIENT", "INFO"))["flags"], c.call("UNWATCH"),
                    client_fields(c.call("CLIENT", "INFO"))["flags"]]
            return out
        r = self.same(check)
        self.assertEqual(r[2][4]["flags"], "x")
        self.assertEqual(r[2][4]["multi"], "2")
        self.assertEqual(r[2][4]["cmd"], "exec")
        self.assertEqual(r[2][8], "d")

    def test_blocked_clients_served_after_exec(self):
        def check(port, proto):
            a, b = self.conn(port), self.conn(port, proto)
            a.send("BLPOP", "q", "0")
            time.sleep(0.1)
            out = [b.call("MULTI"), b.call("LPUSH", "q", "x"), b.call("LPOP", "q"),
                   b.call("EXEC")]
            try:
                out.append(a.read(timeout=0.2))
            except (socket.timeout, TimeoutError):
                out.append("still blocked")
            out += [b.call("LPUSH", "q", "y"), a.read(timeout=5)]
            return out
        r = self.same(check)
        self.assertEqual(r[2][3], [1, b"x"])
        self.assertEqual(r[2][4], "still blocked")

    def test_subscribe_inside_multi(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("MULTI"), c.call("SSUBSCRIBE", "s"), c.call("SUBSCRIBE", "ch"),
                   c.call("EXEC")]
            out += [c.call("GET", "k"), c.call("MULTI"), c.call("EXEC")]
            return out
        r = self.same(check)
        self.assertEqual(r[2][3][0],
                         RespError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"))
        self.assertTrue(str(r[2][6]).startswith("EXECABORT Transaction discarded because of: "
                                                "Can't execute 'exec'"))
        self.assertIs(r[3][4], NULL)  # RESP3 subscribers may run anything

    def test_pipelined_transaction(self):
        def check(port, proto):
            c = self.conn(port, proto)
            cmds = [("MULTI",), ("INCR", "n"), ("INCRBY", "n", "5"), ("EXEC",), ("GET", "n")]
            c.sock.sendall(b"".join(RespConn.encode(*x) for x in cmds))
            return [c.read(timeout=5) for _ in cmds]
        r = self.same(check)
        self.assertEqual(r[2][3], [1, 6])


if __name__ == "__main__":
    sys.exit(main())
