# Operations acceptance of the proxy against a real 6-node Redis 7 Cluster:
#   (a) plain `redis-benchmark -n 2000 -c 10 -q` (its default test list, no --cluster) through the
#       proxy: exit 0 and no error line;
#   (b) Debian's `prometheus` server scrapes the proxy's /metrics every second and
#       sum(rate(strata_proxy_commands_total[15s])) becomes > 0 after some traffic; /healthz and
#       /readyz answer 200 once the slot map is complete;
#   (c) limits: --maxclients, --timeout (idle clients), --client-query-buffer-limit,
#       --client-output-buffer-limit (a client that pipelines without reading) close only the
#       offending client; a malformed request gets the Redis protocol error and the proxy goes on;
#       CONFIG SET with a replica stopped (SIGSTOP) gets the fan-out's timeout error at the
#       request deadline, and succeeds on every node once it runs again;
#   (d) SIGTERM with requests in flight (a BLPOP with a 2 s timeout): they are answered, then
#       the proxy exits 0 and leaves no process behind.
# Every process (cluster nodes, proxies, prometheus) is stopped even on failure.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_operations.py
# ctest-targets: proxy
# ctest-timeout: 400
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import Proxy, RedisCluster, RespConn, RespError, wait_until  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, group_members, make_temp_dir  # noqa: E402
from harness.proxy import metric  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.suite import Background  # noqa: E402

HOST = "127.0.0.1"
CLUSTER = None


def setUpModule():  # noqa: N802
    global CLUSTER
    Proxy.check_binary()
    CLUSTER = RedisCluster().start()


def tearDownModule():  # noqa: N802
    global CLUSTER
    if CLUSTER is not None:
        CLUSTER.stop()
        CLUSTER = None


def start_proxy(*extra_args) -> Proxy:
    return Proxy([n.addr for n in CLUSTER.masters()[:2]], extra_args=extra_args).start()


def http_get(port: int, path: str, timeout: float = 5.0):
    """(status, body) of GET http://127.0.0.1:port/path; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")



def connection_closed(conn: RespConn, timeout: float) -> bool:
    """True when the peer closes (EOF or reset) within `timeout`; replies read meanwhile are
    discarded. False if the connection is still open at the deadline."""
    deadline = time.monotonic() + timeout
    conn.sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            if not conn.sock.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


class ProxyCase(unittest.TestCase):
    """One proxy per test class, started with `args` and always stopped."""
    args = ()

    @classmethod
    def setUpClass(cls):
        cls.proxy = start_proxy(*cls.args)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()

    def raw(self, timeout: float = 10.0) -> RespConn:
        c = RespConn(HOST, self.proxy.port, timeout)
        self.addCleanup(c.close)
        return c

    def assert_serving(self):
        c = self.raw()
        self.assertEqual(c.call("SET", "ops:alive", "yes"), "OK")
        self.assertEqual(c.call("GET", "ops:alive"), b"yes")


# ---- (a) redis-benchmark ------------------------------------------------------------------------
class Benchmark(ProxyCase):
    def test_redis_benchmark_default_tests(self):
        p = subprocess.run(["redis-benchmark", "-h", HOST, "-p", str(self.proxy.port), "-n", "2000",
                            "-c", "10", "-q"], capture_output=True, text=True, timeout=240,
                           stdin=subprocess.DEVNULL)
        out = (p.stdout + p.stderr).replace("\r", "\n")
        errors = [line for line in out.splitlines()
                  if re.search(r"error|warning|err\b|fail|closed|reset", line, re.I)]
        self.assertEqual(p.returncode, 0, out[-3000:])
        self.assertEqual(errors, [], out[-3000:])
        # The default list ends with MSET; every test printed its result line.
        for test in ("PING_INLINE", "SET", "GET", "INCR", "LPUSH", "LPOP", "SADD", "HSET", "ZADD",
                     "LRANGE_600", "MSET"):
            self.assertRegex(out, rf"(?m)^{test}[ (:].*requests per second", out[-3000:])
        self.assert_serving()


# ---- (b) metrics, health, Prometheus ------------------------------------------------------------
class Metrics(ProxyCase):
    def test_healthz_and_readyz(self):
        self.assertEqual(http_get(self.proxy.metrics_port, "/healthz")[0], 200)
        status = wait_until(lambda: http_get(self.proxy.metrics_port, "/readyz")[0] == 200, 20,
                            "/readyz 200 once the slot map covers 16384 slots")
        self.assertTrue(status)
        self.assertEqual(metric(self.proxy, "strata_proxy_slots_covered"), 16384)

    def test_prometheus_scrapes_commands_rate(self):
        prom = shutil.which("prometheus") or "/usr/bin/prometheus"
        if not os.access(prom, os.X_OK):
            self.skipTest("Debian's prometheus is not installed")
        d = make_temp_dir("prometheus")
        web_port = allocate_ports(1)[0]
        self.addCleanup(release_ports, [web_port])
        with open(os.path.join(d, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: strata-proxy\n    scrape_interval: 1s\n"
                    f"    static_configs:\n      - targets: ['{HOST}:{self.proxy.metrics_port}']\n")
        proc = Proc("prometheus", [prom, f"--config.file={d}/prometheus.yml",
                                   f"--storage.tsdb.path={d}/data",
                                   f"--web.listen-address={HOST}:{web_port}"],
                    d, os.path.join(d, "prometheus.log")).start()
        self.addCleanup(proc.terminate)

        def api(path, **params):
            url = f"http://{HOST}:{web_port}{path}?" + urllib.parse.urlencode(params)
            with urllib.request.urlopen(url, timeout=5) as resp:
                return json.loads(resp.read())

        try:
            wait_until(lambda: http_get(web_port, "/-/ready")[0] == 200, 60,
                       "prometheus to be ready",
                       fail_if=lambda: None if proc.alive() else "prometheus exited")
        except (TimeoutError, RuntimeError) as e:
            self.fail(f"{e}\n{proc.log_tail()}")

        r = self.proxy.client()
        self.addCleanup(r.close)
        query = "sum(rate(strata_proxy_commands_total[15s]))"
        last = [None]

        def rate_positive():
            for i in range(50):  # keep traffic flowing while waiting
                r.set(f"prom:{i}", i)
                r.get(f"prom:{i}")
            res = api("/api/v1/query", query=query)
            last[0] = res
            result = res.get("data", {}).get("result", [])
            return res.get("status") == "success" and result and float(result[0]["value"][1]) > 0

        try:
            wait_until(rate_positive, 60, f"prometheus: {query} > 0", interval=1.0)
        except TimeoutError as e:
            targets = api("/api/v1/targets")
            self.fail(f"{e}; last answer {last[0]}; targets {targets}\n{proc.log_tail()}")
        up = api("/api/v1/query", query='up{job="strata-proxy"}')["data"]["result"]
        self.assertEqual(up[0]["value"][1], "1")


# ---- (c) limits ---------------------------------------------------------------------------------
class MaxClients(ProxyCase):
    args = ("--maxclients", "5")

    def test_sixth_client_is_refused(self):
        # Wait for the fixture's start-up client to be gone (the gauge is published every 100 ms).
        wait_until(lambda: metric(self.proxy, "strata_proxy_connections", 'peer="client"') == 0,
                   10, "no client connected")
        conns = [self.raw() for _ in range(5)]
        for c in conns:
            self.assertEqual(c.call("PING"), "PONG")
        sixth = self.raw()
        self.assertEqual(sixth.read(), RespError("ERR max number of clients reached"))
        self.assertTrue(connection_closed(sixth, 5))
        for c in conns:
            self.assertEqual(c.call("PING"), "PONG")
        # A slot frees up when a client leaves.
        conns[0].close()
        wait_until(lambda: self.raw().call("PING") == "PONG", 10, "a new client to be accepted")


class IdleTimeout(ProxyCase):
    args = ("--timeout", "1")

    def test_idle_client_is_closed(self):
        idle = self.raw()
        self.assertEqual(idle.call("PING"), "PONG")
        busy = self.raw()
        start = time.monotonic()
        closed = False
        while time.monotonic() - start < 8:
            self.assertEqual(busy.call("PING"), "PONG")  # active: never closed
            idle.sock.settimeout(0.3)
            try:
                if idle.sock.recv(100) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
                break
        self.assertTrue(closed, "the idle client is still open after 8 s with --timeout 1")
        self.assertGreaterEqual(time.monotonic() - start, 0.5)
        self.assertEqual(busy.call("PING"), "PONG")


class BufferLimits(ProxyCase):
    args = ("--client-query-buffer-limit", "1mb", "--client-output-buffer-limit", "1mb")

    def test_query_buffer_limit(self):
        other = self.raw()
        self.assertEqual(other.call("SET", "qbuf:other", "1"), "OK")
        big = self.raw()
        size = 2 * 1024 * 1024 + 512
        big.sock.sendall(b"*3\r\n$3\r\nSET\r\n$8\r\nqbuf:big\r\n$%d\r\n" % size)
        chunk = b"x" * 65536
        sent, closed = 0, False
        try:
            while sent < size:
                big.sock.sendall(chunk)
                sent += len(chunk)
            big.sock.sendall(b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        self.assertTrue(closed or connection_closed(big, 10),
                        "a client sending a 2 MiB bulk with a 1mb query buffer limit is open")
        self.assertEqual(other.call("GET", "qbuf:other"), b"1")
        self.assertIsNone(other.call("GET", "qbuf:big"))
        self.assert_serving()

    def test_output_buffer_limit(self):
        value = b"v" * (100 * 1024)
        other = self.raw()
        self.assertEqual(other.call("SET", "obuf:big", value), "OK")
        greedy = self.raw()
        request = RespConn.encode("GET", "obuf:big") * 100
        closed = False
        try:
            for _ in range(20):  # 2000 GETs = ~200 MB of replies, never read
                greedy.sock.sendall(request)
                self.assertEqual(other.call("PING"), "PONG")
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            closed = True
        # Not reading meanwhile: reading would let the proxy drain its buffer.
        wait_until(lambda: metric(self.proxy, "strata_proxy_errors_total",
                                  'kind="client_limit"') >= 1 or closed, 20,
                   "the proxy to close the client that does not read its replies")
        # The socket buffers still hold a few MB of replies sent before the close: EOF follows.
        self.assertTrue(closed or connection_closed(greedy, 15),
                        "a client not reading ~200 MB of replies is still open")
        self.assertEqual(other.call("GET", "obuf:big"), value)
        self.assert_serving()

    def test_protocol_error(self):
        bad = self.raw()
        bad.sock.sendall(b"*1\r\n$x\r\n")
        self.assertEqual(bad.read(), RespError("ERR Protocol error: invalid bulk length"))
        self.assertTrue(connection_closed(bad, 5))
        self.assert_serving()


class PendingLimit(ProxyCase):
    args = ("--max-pending-per-client", "8")

    def test_long_pipeline_is_paused_and_resumed_in_order(self):
        c = self.raw(timeout=20)
        key = "pending:counter"
        self.assertEqual(c.call("DEL", key), 0)
        n = 3000
        c.sock.sendall(b"".join(RespConn.encode("INCR", key) for _ in range(n)))
        self.assertEqual([c.read() for _ in range(n)], list(range(1, n + 1)))
        wait_until(lambda: metric(self.proxy, "strata_proxy_errors_total",
                                  'kind="client_paused"') >= 1, 5,
                   "the pause to be counted (metrics are published every 100 ms)")
        self.assert_serving()


class ClientLeavesWhileBlocked(ProxyCase):
    def test_disconnect_during_blpop(self):
        # The BLPOP's request object must be freed exactly once (a double free would let two
        # later requests share one object and drive the in-flight gauge below zero).
        for i in range(4):  # spread over both workers
            c = RespConn(HOST, self.proxy.port, timeout=10)
            c.send("BLPOP", f"leave:{i}", 0)
            wait_until(lambda: metric(self.proxy, "strata_proxy_requests_in_flight") >= 1, 5,
                       "the BLPOP to be in flight")
            c.close()
            wait_until(lambda: metric(self.proxy, "strata_proxy_requests_in_flight") <= 0, 5,
                       "the BLPOP to be gone")
        time.sleep(0.3)
        self.assertEqual(metric(self.proxy, "strata_proxy_requests_in_flight"), 0)
        clients = [self.raw() for _ in range(4)]
        for n, c in enumerate(clients):
            keys = [f"leave:{n}:{j}" for j in range(20)]
            c.sock.sendall(b"".join(RespConn.encode("SET", k, k) for k in keys)
                           + b"".join(RespConn.encode("GET", k) for k in keys))
            self.assertEqual([c.read() for _ in keys], ["OK"] * len(keys))
            self.assertEqual([c.read() for _ in keys], [k.encode() for k in keys])
        self.assertTrue(self.proxy.proc.alive())


class ConfigSetWithANodeStopped(ProxyCase):
    """CONFIG SET goes to every node, replicas too: one that does not answer gives the fan-out's
    usual timeout error at the request deadline, and the proxy goes on."""
    args = ("--request-timeout", "1000")

    def config_set(self, c, value):
        return c.call("CONFIG", "SET", "notify-keyspace-events", value)

    def test_a_stopped_replica_is_a_timeout_error(self):
        c = self.raw()
        self.addCleanup(lambda: self.config_set(self.raw(), ""))
        self.assertEqual(self.config_set(c, "Ex"), "OK")
        replica = CLUSTER.replicas_of(CLUSTER.masters()[0].port)[0]
        os.kill(replica.proc.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, replica.proc.pid, signal.SIGCONT)
        started = time.monotonic()
        reply = self.config_set(c, "")
        self.assertIsInstance(reply, RespError)
        self.assertTrue(str(reply).startswith("ERR proxy: request timed out"), reply)
        self.assertLess(time.monotonic() - started, 5)
        self.assert_serving()
        os.kill(replica.proc.pid, signal.SIGCONT)
        wait_until(lambda: self.config_set(c, "") == "OK", 20, "CONFIG SET to succeed again")
        for n in CLUSTER.nodes:
            with n.client() as node:
                self.assertEqual(node.config_get("notify-keyspace-events"),
                                 {"notify-keyspace-events": ""}, n)


# ---- (d) SIGTERM drain --------------------------------------------------------------------------
class GracefulShutdown(unittest.TestCase):
    def test_sigterm_answers_in_flight_then_exits_0(self):
        proxy = start_proxy()
        self.addCleanup(proxy.stop)
        blocked = RespConn(HOST, proxy.port, timeout=15)
        self.addCleanup(blocked.close)
        writer = RespConn(HOST, proxy.port, timeout=15)
        self.addCleanup(writer.close)
        self.assertEqual(writer.call("DEL", "drain:list", "drain:empty"), 0)
        self.assertEqual(writer.call("PING"), "PONG")

        start = time.monotonic()
        pop = Background(lambda: blocked.call("BLPOP", "drain:empty", 2))
        # Wait until the BLPOP is on its node (the proxy counts it in flight).
        wait_until(lambda: metric(proxy, "strata_proxy_requests_in_flight") >= 1, 5,
                   "the BLPOP to be in flight")
        pid = proxy.proc.pid
        proxy.proc.popen.send_signal(signal.SIGTERM)

        # Draining: not ready any more, and no new connection is accepted.
        wait_until(lambda: http_get(proxy.metrics_port, "/readyz")[0] == 503, 1.5,
                   "/readyz 503 while draining")
        with self.assertRaises(OSError):
            RespConn(HOST, proxy.port, timeout=2).call("PING")
        self.assertIsNone(pop.result(timeout=15))  # nil after its own 2 s timeout
        self.assertGreaterEqual(time.monotonic() - start, 1.5)
        try:
            rc = proxy.proc.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.fail("the proxy did not exit within 15 s of SIGTERM")
        self.assertEqual(rc, 0, proxy.proc.log_tail())
        wait_until(lambda: not group_members(pid), 5, "no process of the proxy left")
        self.assertIn("proxy stopped", proxy.proc.log_tail())
        with self.assertRaises(OSError):
            RespConn(HOST, proxy.port, timeout=2).call("PING")

    def blocked_forever(self, proxy):
        c = RespConn(HOST, proxy.port, timeout=30)
        self.addCleanup(c.close)
        c.send("BLPOP", "drain:never", 0)
        wait_until(lambda: metric(proxy, "strata_proxy_requests_in_flight") >= 1, 5,
                   "the BLPOP to be in flight")
        return c

    def test_drain_limit_ends_a_request_that_never_finishes(self):
        proxy = start_proxy()
        self.addCleanup(proxy.stop)
        c = self.blocked_forever(proxy)
        start = time.monotonic()
        proxy.proc.popen.send_signal(signal.SIGTERM)
        try:
            rc = proxy.proc.popen.wait(timeout=30)  # the drain limit is 10 s
        except subprocess.TimeoutExpired:
            self.fail("the proxy did not exit within 30 s of SIGTERM")
        self.assertEqual(rc, 0, proxy.proc.log_tail())
        self.assertGreaterEqual(time.monotonic() - start, 5)
        self.assertTrue(connection_closed(c, 5))
        self.assertEqual(group_members(proxy.proc.pid), [])

    def test_second_signal_stops_without_waiting(self):
        proxy = start_proxy()
        self.addCleanup(proxy.stop)
        c = self.blocked_forever(proxy)
        proxy.proc.popen.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        start = time.monotonic()
        proxy.proc.popen.send_signal(signal.SIGINT)  # e.g. Ctrl-C again
        try:
            rc = proxy.proc.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.fail("the proxy did not exit within 15 s of a second signal")
        self.assertEqual(rc, 0, proxy.proc.log_tail())
        self.assertLess(time.monotonic() - start, 5)
        self.assertTrue(connection_closed(c, 5))
        self.assertEqual(group_members(proxy.proc.pid), [])

    def test_sigterm_idle_proxy_exits_0_promptly(self):
        proxy = start_proxy()
        self.addCleanup(proxy.stop)
        idle = RespConn(HOST, proxy.port, timeout=5)
        self.addCleanup(idle.close)
        self.assertEqual(idle.call("PING"), "PONG")
        start = time.monotonic()
        proxy.proc.popen.send_signal(signal.SIGTERM)
        rc = proxy.proc.popen.wait(timeout=15)
        self.assertEqual(rc, 0, proxy.proc.log_tail())
        self.assertLess(time.monotonic() - start, 5)
        self.assertTrue(connection_closed(idle, 5))
        self.assertEqual(group_members(proxy.proc.pid), [])


if __name__ == "__main__":
    sys.exit(main())
