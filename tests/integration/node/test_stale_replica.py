# replica-serve-stale-data no, side by side with redis-server 7.0 (RESP2 and RESP3): both servers
# become replicas of a port nobody listens on, so their master link stays down. Then only
# commands flagged "stale" are served (INFO, ECHO, CONFIG, REPLICAOF ...); the others, an EXEC
# that queued one, and scripts without allow-stale get -MASTERDOWN; an allow-stale script may
# call stale commands only; HELLO reports the replica role; a busy script's bystanders get
# READONLY and MASTERDOWN before BUSY.
# Run: STRATA_NODE_BIN=build/node/node /usr/bin/python3 tests/integration/node/test_stale_replica.py
# ctest-timeout: 120
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import RespError  # noqa: E402
from harness.differential import DifferentialCase  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.runner import main  # noqa: E402

def role_of(hello):
    """HELLO's role field: a map in RESP3, a flat list in RESP2."""
    if isinstance(hello, dict):
        return hello[b"role"]
    return hello[hello.index(b"role") + 1]


MASTERDOWN = RespError(
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
BUSY = RespError(
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")


class StaleReplica(DifferentialCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.nobody,) = allocate_ports(1)  # reserved, never listened on

    @classmethod
    def tearDownClass(cls):
        release_ports([cls.nobody])
        super().tearDownClass()

    def test_only_stale_commands_are_served(self):
        def check(port, proto):
            c = self.conn(port, proto)
            c.call("SET", "k", "v")
            out = [c.call("REPLICAOF", "127.0.0.1", str(self.nobody)),
                   c.call("GET", "k"),  # stale data is still served by default
                   c.call("CONFIG", "SET", "replica-serve-stale-data", "no")]
            try:
                out += [c.call("GET", "k"), c.call("PING"), c.call("ECHO", "x"),
                        c.call("CONFIG", "GET", "replica-serve-stale-data"),
                        c.call("DBSIZE"), role_of(c.call("HELLO", str(proto))),
                        c.call("EVAL", "return 1", "0"),
                        c.call("EVALSHA", "0" * 40, "0"),
                        c.call("EVAL", "#!lua flags=allow-stale,no-writes\nreturn 2", "0"),
                        c.call("EVAL", "#!lua flags=no-writes\nreturn 3", "0"),
                        c.call("EVAL", "#!lua flags=allow-stale,no-writes\n"
                               "return redis.pcall('get', 'k')", "0"),
                        c.call("EVAL", "#!lua flags=allow-stale,no-writes\n"
                               "return redis.pcall('echo', 'y')", "0"),
                        c.call("MULTI"), c.call("ECHO", "z"), c.call("EXEC"),
                        c.call("MULTI"), c.call("GET", "k"), c.call("EXEC")]
            finally:
                c.call("CONFIG", "SET", "replica-serve-stale-data", "yes")
                c.call("REPLICAOF", "NO", "ONE")
            return out
        r = self.same(check)
        t = r[2]
        self.assertEqual(t[1], b"v")
        self.assertEqual(t[3:6], [MASTERDOWN, MASTERDOWN, b"x"])
        self.assertEqual(t[7:9], [MASTERDOWN, b"replica"])
        self.assertEqual(t[9:13], [MASTERDOWN, RespError(
            "NOSCRIPT No matching script. Please use EVAL."), 2, MASTERDOWN])
        self.assertEqual(t[13], RespError("ERR Can not execute the command on a stale replica"))
        self.assertEqual(t[14], b"y")
        self.assertEqual(t[17], [b"z"])
        self.assertEqual(t[20], RespError(
            "EXECABORT Transaction discarded because of previous errors."))

    def test_hello_reports_the_role(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("HELLO", "3")]
            c.call("REPLICAOF", "127.0.0.1", str(self.nobody))
            try:
                out.append(c.call("HELLO", "3"))
            finally:
                c.call("REPLICAOF", "NO", "ONE")
            return [role_of(h) for h in out]
        r = self.same(check, protos=(2,))
        self.assertEqual(r[2], [b"master", b"replica"])

    def test_resp2_subscriber_gets_the_pubsub_context_error_first(self):
        # 7.0's processCommand checks the RESP2 pub/sub context before MASTERDOWN.
        def check(port, proto):
            c = self.conn(port, proto)
            c.call("REPLICAOF", "127.0.0.1", str(self.nobody))
            c.call("CONFIG", "SET", "replica-serve-stale-data", "no")
            try:
                return [c.call("SUBSCRIBE", "ch"), c.call("GET", "k"), c.call("PING"),
                        c.call("UNSUBSCRIBE", "ch"), c.call("GET", "k")]
            finally:
                c.call("CONFIG", "SET", "replica-serve-stale-data", "yes")
                c.call("REPLICAOF", "NO", "ONE")
        r = self.same(check, protos=(2,))
        self.assertEqual(r[2][1], RespError(
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context"))
        self.assertEqual(r[2][2], MASTERDOWN)
        self.assertEqual(r[2][4], MASTERDOWN)

    def test_script_without_shebang_is_refused_when_it_runs(self):
        # 7.0 admits EVAL (flagged stale) and refuses a shebang-less script only when it is
        # about to run: EVAL's own argument errors come first, and inside MULTI it is queued and
        # EXEC answers an array holding -MASTERDOWN (no EXECABORT).
        def check(port, proto):
            c = self.conn(port, proto)
            c.call("REPLICAOF", "127.0.0.1", str(self.nobody))
            c.call("CONFIG", "SET", "replica-serve-stale-data", "no")
            try:
                return [c.call("EVAL", "return 1", "-1"), c.call("EVAL", "return 1", "0"),
                        c.call("MULTI"), c.call("EVAL", "return 1", "0"), c.call("EXEC")]
            finally:
                c.call("CONFIG", "SET", "replica-serve-stale-data", "yes")
                c.call("REPLICAOF", "NO", "ONE")
        r = self.same(check)
        self.assertEqual(r[2], [RespError("ERR Number of keys can't be negative"), MASTERDOWN,
                                "OK", "QUEUED", [MASTERDOWN]])

    def test_busy_script_answers_after_readonly_and_masterdown(self):
        # 7.0's processCommand refuses a busy script's bystanders with -BUSY only after the
        # READONLY and MASTERDOWN checks (and accepts their new connections meanwhile).
        script = ("#!lua flags=no-writes,allow-stale\n"
                  "local function now() local t = redis.call('time') "
                  "return t[1] * 1000000 + t[2] end "
                  "local s = now() while now() - s < 2000000 do end return 1")

        def check(port, proto):
            c = self.conn(port, proto)
            c.call("REPLICAOF", "127.0.0.1", str(self.nobody))
            c.call("CONFIG", "SET", "replica-serve-stale-data", "no")
            c.call("CONFIG", "SET", "lua-time-limit", "100")
            try:
                runner = self.conn(port, proto)
                runner.send("EVAL", script, "0")
                busy = None
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    probe = self.conn(port, proto)  # a new connection each time
                    busy = probe.call("ECHO", "x")
                    if busy != b"x":
                        break
                    time.sleep(0.05)
                out = [busy, probe.call("SET", "k", "v"), probe.call("GET", "k"),
                       probe.call("PING"), runner.read(timeout=10)]
            finally:
                c.call("CONFIG", "SET", "busy-reply-threshold", "5000")
                c.call("CONFIG", "SET", "replica-serve-stale-data", "yes")
                c.call("REPLICAOF", "NO", "ONE")
            return out
        r = self.same(check, protos=(2,))
        self.assertEqual(r[2], [BUSY, RespError(
            "READONLY You can't write against a read only replica."), MASTERDOWN, MASTERDOWN, 1])


if __name__ == "__main__":
    main()
