# The node's password-guessing defence (issue 8), the node's side of the proxy's
# auth-failure-delay-ms: a failed AUTH / HELLO AUTH is counted (INFO stats strata_auth_failures,
# not a Redis 7.0 field; strata_node_auth_failures_total on /metrics), logged at most once a
# second with the peer's address, and answered after auth-failure-delay-ms (default 100, CONFIG
# GET/SET) without blocking the node: the guessing client's later pipelined commands wait behind
# it in order, other clients are served meanwhile, a correct AUTH is not delayed. The error texts
# are checked against redis-server 7.0 first. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import socket
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import allocate_ports, release_ports, wait_until  # noqa: E402
from harness.differential import node_bin  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "s3cret"


def raw(port: int, payload: bytes, want: int, timeout: float = 10.0):
    """Sends payload on a fresh connection; returns (replies text, seconds to the first byte,
    seconds to the `want`-th CRLF-terminated line)."""
    s = socket.create_connection((HOST, port), timeout=timeout)
    try:
        t0 = time.monotonic()
        s.sendall(payload)
        buf, first = b"", None
        deadline = t0 + timeout
        while buf.count(b"\r\n") < want and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            if first is None:
                first = time.monotonic() - t0
            buf += chunk
        return buf.decode(), first, time.monotonic() - t0
    finally:
        s.close()


def cmd(*args) -> bytes:
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


WRONG_AUTH = cmd("AUTH", "nope")
WRONG_HELLO = cmd("HELLO", "2", "AUTH", "default", "nope")


class Oracle(unittest.TestCase):
    """The replies a password guesser gets, as redis-server 7.0 writes them."""

    def test_error_texts_match_redis(self):
        replies = {}
        for name, binary in (("redis", None), ("node", node_bin())):
            srv = Standalone(binary=binary, extra_args=["--requirepass", PASSWORD]).start()
            try:
                text, _, _ = raw(srv.port, WRONG_AUTH + WRONG_HELLO + cmd("AUTH", "a", "b") +
                                 cmd("AUTH", PASSWORD), 4)
                replies[name] = text
            finally:
                srv.stop()
        self.assertEqual(replies["node"], replies["redis"])
        self.assertIn("-WRONGPASS invalid username-password pair", replies["redis"])


class AuthGuard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        (cls.metrics_port,) = allocate_ports(1)
        cls.server = Standalone(binary=node_bin(), extra_args=[
            "--requirepass", PASSWORD, "--metrics-port", cls.metrics_port]).start()
        cls.port = cls.server.port
        cls.admin = redis.Redis(host=HOST, port=cls.port, password=PASSWORD, socket_timeout=10,
                                decode_responses=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        release_ports([cls.metrics_port])

    def setUp(self):
        self.admin.config_set("auth-failure-delay-ms", 100)

    def failures(self) -> int:
        return int(self.admin.info("stats")["strata_auth_failures"])

    def metric(self) -> float:
        url = f"http://{HOST}:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("strata_node_auth_failures_total"):
                    return float(line.split()[-1])
        return -1.0

    def test_config_get_set(self):
        self.assertEqual(self.admin.config_get("auth-failure-delay-ms"),
                         {"auth-failure-delay-ms": "100"})
        self.admin.config_set("auth-failure-delay-ms", 250)
        self.assertEqual(self.admin.config_get("auth-failure-delay-ms"),
                         {"auth-failure-delay-ms": "250"})
        with self.assertRaises(redis.ResponseError):
            self.admin.config_set("auth-failure-delay-ms", -1)
        with self.assertRaises(redis.ResponseError):
            self.admin.config_set("auth-failure-delay-ms", "soon")

    def test_failures_counted_in_info_and_metrics(self):
        before, before_metric = self.failures(), self.metric()
        self.assertGreaterEqual(before_metric, 0, "strata_node_auth_failures_total not exported")
        text, _, _ = raw(self.port, WRONG_AUTH * 3 + WRONG_HELLO + cmd("AUTH", "x", "y"), 5)
        self.assertEqual(text.count("-WRONGPASS"), 5, text)
        self.assertEqual(self.failures(), before + 5)
        wait_until(lambda: self.metric() >= before_metric + 5, 5,
                   "strata_node_auth_failures_total to count the 5 failures")
        # A correct AUTH and the no-password-configured error are not failures of a guess.
        raw(self.port, cmd("AUTH", PASSWORD), 1)
        self.assertEqual(self.failures(), before + 5)

    def test_failure_is_answered_after_the_delay(self):
        for delay in (100, 400):
            self.admin.config_set("auth-failure-delay-ms", delay)
            text, first, _ = raw(self.port, WRONG_AUTH, 1)
            self.assertTrue(text.startswith("-WRONGPASS"), text)
            self.assertGreaterEqual(first, delay / 1000 * 0.9, f"delay {delay} ms")
            self.assertLess(first, delay / 1000 + 3.0, f"delay {delay} ms")
        text, first, _ = raw(self.port, WRONG_HELLO, 1)
        self.assertTrue(text.startswith("-WRONGPASS"), text)
        self.assertGreaterEqual(first, 0.36)

    def test_pipeline_waits_behind_each_failure_in_order(self):
        self.admin.config_set("auth-failure-delay-ms", 200)
        payload = (cmd("PING") + WRONG_AUTH + cmd("PING") + WRONG_AUTH + cmd("AUTH", PASSWORD) +
                   cmd("PING"))
        text, first, total = raw(self.port, payload, 6)
        self.assertEqual(text.splitlines()[0], "-NOAUTH Authentication required.")
        lines = text.splitlines()
        self.assertEqual([lines[1][:10], lines[2][:7], lines[3][:10], lines[4], lines[5]],
                         ["-WRONGPASS", "-NOAUTH", "-WRONGPASS", "+OK", "+PONG"], text)
        # Each failure waits behind the previous one: two delays before the last replies.
        self.assertGreaterEqual(total, 0.36)
        self.assertLess(total, 5.0)

    def test_others_served_meanwhile_and_right_password_not_delayed(self):
        self.admin.config_set("auth-failure-delay-ms", 1500)
        result = {}

        def guesser():
            result["guess"] = raw(self.port, WRONG_AUTH + cmd("PING"), 2)

        t = threading.Thread(target=guesser)
        t.start()
        time.sleep(0.1)
        worst = 0.0
        for _ in range(20):  # an authenticated client keeps being served
            t0 = time.monotonic()
            self.assertTrue(self.admin.ping())
            worst = max(worst, time.monotonic() - t0)
        t0 = time.monotonic()
        text, _, _ = raw(self.port, cmd("AUTH", PASSWORD) + cmd("PING"), 2)
        right = time.monotonic() - t0
        htext, right_hello, _ = raw(self.port, cmd("HELLO", "3", "AUTH", "default", PASSWORD), 1)
        self.assertTrue(htext.startswith("%7"), htext)
        t.join(timeout=10)
        self.assertFalse(t.is_alive())
        self.assertEqual(text, "+OK\r\n+PONG\r\n")
        self.assertLess(right, 0.75, "a correct AUTH waited like a wrong one")
        self.assertLess(right_hello, 0.75, "a correct HELLO AUTH waited like a wrong one")
        self.assertLess(worst, 0.75, "other clients waited for the guesser")
        gtext, gfirst, _ = result["guess"]
        self.assertTrue(gtext.startswith("-WRONGPASS"), gtext)
        self.assertIn("-NOAUTH", gtext)
        self.assertGreaterEqual(gfirst, 1.35)

    def test_client_gone_while_held_and_zero_delay(self):
        self.admin.config_set("auth-failure-delay-ms", 300)
        for _ in range(20):  # disconnect before the answer: the node forgets them
            s = socket.create_connection((HOST, self.port), timeout=5)
            s.sendall(WRONG_AUTH + cmd("PING"))
            s.close()
        time.sleep(0.5)
        self.assertTrue(self.admin.ping())
        self.admin.config_set("auth-failure-delay-ms", 0)
        text, first, _ = raw(self.port, WRONG_AUTH, 1)
        self.assertTrue(text.startswith("-WRONGPASS"), text)
        self.assertLess(first, 0.75)

    def test_log_is_rate_limited_with_peer_and_count(self):
        self.admin.config_set("auth-failure-delay-ms", 100)
        log = os.path.join(self.server.dir, "server.log")
        time.sleep(1.1)  # the previous line's second is over
        start = os.path.getsize(log)
        socks = []
        for _ in range(30):
            s = socket.create_connection((HOST, self.port), timeout=5)
            s.sendall(WRONG_AUTH)
            socks.append(s)
        for s in socks:
            s.settimeout(5)
            self.assertTrue(s.recv(100).startswith(b"-WRONGPASS"))
            s.close()
        time.sleep(1.1)
        raw(self.port, WRONG_AUTH, 1)  # the next second's line carries the count
        with open(log, "rb") as f:
            f.seek(start)
            lines = [ln for ln in f.read().decode(errors="replace").splitlines()
                     if "AUTH failed" in ln]
        self.assertGreaterEqual(len(lines), 2, lines)
        self.assertLessEqual(len(lines), 4, lines)  # 31 failures, a line a second at most
        self.assertIn("addr=127.0.0.1:", lines[0])
        self.assertRegex(lines[-1], r"\(\d+ more failures since the last line\)")


if __name__ == "__main__":
    main()
