# The proxy in front of a TLS-only Redis 7 Cluster (--backend-tls): plain clients, TLS to nodes.
#   - Certificates made with the `openssl` CLI: a CA, a node certificate for 127.0.0.1
#     (subjectAltName IP:127.0.0.1, serverAuth+clientAuth: the nodes also present it on the
#     cluster bus and replication links), a client certificate for the proxy, an unrelated CA.
#   - 6 redis-server nodes with `--port 0 --tls-port P --tls-cluster yes --tls-replication yes
#     --tls-auth-clients yes` (mutual TLS: every client needs a certificate of the CA), formed
#     with `redis-cli --tls --cacert ... --cert ... --key ... --cluster create`.
#   - Through a proxy started with --backend-tls yes and the CA plus its client certificate, with
#     plain redis-py: SET/GET across many slots, MGET across slots, SCAN, BLPOP woken by an
#     LPUSH, SUBSCRIBE/PUBLISH, /readyz 200; kill -9 of a master: its slots are served again
#     after its replica's promotion (bounded; the times are printed).
#   - --backend-tls-server-name 127.0.0.1 (IP check of the node certificate) works.
#   - Misconfigurations fail clearly and within the request timeout, never hang: the wrong CA,
#     no client certificate (the nodes require one) and a wrong server name each give the client
#     an error reply, /readyz 503, and a log line naming the TLS failure.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_backend_tls.py
# ctest-targets: proxy
# ctest-timeout: 300
import os
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import Proxy, RedisCluster, key_slot, wait_until  # noqa: E402
from harness.procs import make_temp_dir  # noqa: E402
from harness.certs import make_ca, make_leaf  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"
NODE_TIMEOUT_MS = 2000
PROMOTION_TIMEOUT = 40.0   # kill -9 -> the replica says ROLE master
SERVE_WITHIN = 5.0         # promotion -> the proxy serves the dead master's slots again
REQUEST_TIMEOUT_MS = 2000  # of the misconfigured proxies: every client request ends by then
SLACK = 0.75               # scheduling slack on a shared 2-core machine, seconds

CLUSTER = None
CERTS = None


def log(msg: str):
    print(f"  {msg}", file=sys.stderr, flush=True)


# ---- certificates -------------------------------------------------------------------------------
class Certs:
    def __init__(self):
        self.dir = d = make_temp_dir("tls")
        self.ca = make_ca(d, "ca")
        self.other_ca = make_ca(d, "otherca")
        self.node, self.node_key = make_leaf(
            d, "node", "ca", "127.0.0.1",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth")
        self.client, self.client_key = make_leaf(d, "client", "ca", "strata-proxy",
                                                 "extendedKeyUsage=clientAuth")


# ---- the TLS-only cluster -----------------------------------------------------------------------
def tls_node_args(node):
    return ["--port", "0", "--tls-port", node.port, "--tls-cluster", "yes",
            "--tls-replication", "yes", "--tls-cert-file", CERTS.node,
            "--tls-key-file", CERTS.node_key, "--tls-ca-cert-file", CERTS.ca,
            "--tls-auth-clients", "yes"]


def setUpModule():  # noqa: N802
    global CLUSTER, CERTS
    Proxy.check_binary()
    CERTS = Certs()
    t0 = time.monotonic()
    CLUSTER = RedisCluster(
        node_timeout_ms=NODE_TIMEOUT_MS, node_args=tls_node_args,
        cli_args=["--tls", "--cacert", CERTS.ca, "--cert", CERTS.client, "--key",
                  CERTS.client_key],
        client_kwargs={"ssl": True, "ssl_ca_certs": CERTS.ca, "ssl_certfile": CERTS.client,
                       "ssl_keyfile": CERTS.client_key}).start()
    log(f"TLS-only cluster formed and synced in {time.monotonic() - t0:.1f} s")


def tearDownModule():  # noqa: N802
    global CLUSTER
    if CLUSTER is not None:
        CLUSTER.stop()
        CLUSTER = None


# ---- helpers ------------------------------------------------------------------------------------
def http_get(port: int, path: str, timeout: float = 5.0):
    """(status, body) of GET http://127.0.0.1:port/path; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def keys_per_slot_spread(prefix: str, count: int):
    return [f"{prefix}:{i}" for i in range(count)]


class TlsProxy(Proxy):
    """The Proxy fixture with --backend-tls yes (plus `tls_args`) in front of CLUSTER."""

    def __init__(self, tls_args=(), extra_args=()):
        super().__init__([n.addr for n in CLUSTER.masters()[:2]],
                         extra_args=["--backend-tls", "yes", *tls_args, *extra_args])

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()


class ProxyCase(unittest.TestCase):
    """One proxy per class, started with proxy_args() and stopped even on failure."""

    @classmethod
    def proxy_args(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        cls.proxy = TlsProxy(**cls.proxy_args()).start()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()

    def client(self, **kw):
        kw.setdefault("decode_responses", True)
        r = self.proxy.client(**kw)
        self.addCleanup(r.close)
        return r


def good_tls_args(server_name=None):
    args = ["--backend-tls-ca-cert-file", CERTS.ca, "--backend-tls-cert-file", CERTS.client,
            "--backend-tls-key-file", CERTS.client_key]
    if server_name:
        args += ["--backend-tls-server-name", server_name]
    return args


# ---- working TLS --------------------------------------------------------------------------------
class BackendTls(ProxyCase):
    @classmethod
    def proxy_args(cls):
        return {"tls_args": good_tls_args()}

    def test_nodes_are_tls_only(self):
        # Nothing answers in plain text on a node port: the proxy can only be speaking TLS.
        n = CLUSTER.nodes[0]
        with self.assertRaises(redis.exceptions.ConnectionError):
            n.client(ssl=False, socket_timeout=2).ping()
        self.assertTrue(n.client().ping())

    def test_readyz(self):
        wait_until(lambda: http_get(self.proxy.metrics_port, "/readyz")[0] == 200, 20,
                   "/readyz 200 once the slot map covers 16384 slots")

    def test_set_get_many_slots(self):
        r = self.client()
        keys = keys_per_slot_spread("tls:sg", 2000)
        self.assertGreater(len({key_slot(k) for k in keys}), 1500)
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.set(k, k[::-1])
        self.assertTrue(all(pipe.execute()))
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.get(k)
        self.assertEqual(pipe.execute(), [k[::-1] for k in keys])
        # Every master holds some of them: all three TLS links are used.
        for m in CLUSTER.masters():
            self.assertGreater(m.client().dbsize(), 0, m)

    def test_mget_across_slots(self):
        r = self.client()
        keys = keys_per_slot_spread("tls:mget", 300)
        masters = {CLUSTER.master_for_key(k).port for k in keys}
        self.assertEqual(len(masters), 3)
        self.assertTrue(r.mset({k: f"v{i}" for i, k in enumerate(keys)}))
        self.assertEqual(r.mget(keys + ["tls:mget:missing"]),
                         [f"v{i}" for i in range(len(keys))] + [None])

    def test_scan(self):
        r = self.client()
        keys = set(keys_per_slot_spread("tls:scan", 500))
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.set(k, "1")
        pipe.execute()
        found = set(r.scan_iter(match="tls:scan:*", count=200))
        self.assertEqual(found, keys)

    def test_blpop_woken_by_lpush(self):
        waiter, pusher = self.client(socket_timeout=30), self.client()
        pusher.delete("tls:list")
        result = {}

        def block():
            t0 = time.monotonic()
            result["reply"] = waiter.blpop("tls:list", timeout=20)
            result["elapsed"] = time.monotonic() - t0

        t = threading.Thread(target=block, daemon=True)
        t.start()
        time.sleep(0.5)
        self.assertTrue(t.is_alive(), f"BLPOP returned early: {result}")
        self.assertEqual(pusher.lpush("tls:list", "woken"), 1)
        t.join(15)
        self.assertFalse(t.is_alive(), "BLPOP not woken by the LPUSH")
        self.assertEqual(result["reply"], ("tls:list", "woken"))
        self.assertLess(result["elapsed"], 10)

    def test_subscribe_publish(self):
        sub, pub = self.client(), self.client()
        ps = sub.pubsub()
        self.addCleanup(ps.close)
        ps.subscribe("tls:chan")
        msg = ps.get_message(timeout=5)
        self.assertEqual(msg and msg["type"], "subscribe", msg)
        got = []

        def delivered():
            pub.publish("tls:chan", "hello")  # cluster PUBLISH reaches every node's subscribers
            m = ps.get_message(timeout=0.5)
            if m and m["type"] == "message":
                got.append(m)
            return got

        wait_until(delivered, 10, "a PUBLISH to reach the SUBSCRIBE through the proxy")
        self.assertEqual((got[0]["channel"], got[0]["data"]), ("tls:chan", "hello"))


class BackendTlsServerName(ProxyCase):
    """--backend-tls-server-name 127.0.0.1: the node certificate's IP SAN is checked too."""

    @classmethod
    def proxy_args(cls):
        return {"tls_args": good_tls_args("127.0.0.1")}

    def test_set_get_with_ip_check(self):
        r = self.client()
        keys = keys_per_slot_spread("tls:sni", 200)
        self.assertTrue(r.mset({k: k for k in keys}))
        self.assertEqual(r.mget(keys), keys)
        wait_until(lambda: http_get(self.proxy.metrics_port, "/readyz")[0] == 200, 20,
                   "/readyz 200")


# ---- misconfigured TLS: clear, bounded failures -------------------------------------------------
class BadTls:
    """Mixin (not a TestCase itself) for a proxy that cannot complete TLS with any node: it
    starts (PING is answered locally), every keyed request gets an error reply (CLUSTERDOWN: no
    slot map) by the end of its request timeout, /readyz stays 503, and the log names the TLS
    failure (`log_needle`)."""
    log_needle = None

    @classmethod
    def bad_tls_args(cls):
        raise NotImplementedError

    @classmethod
    def proxy_args(cls):
        return {"tls_args": cls.bad_tls_args(),
                "extra_args": ["--request-timeout", REQUEST_TIMEOUT_MS, "--connect-timeout", 500,
                               "--slot-refresh-interval", 1000]}

    def test_bounded_failure(self):
        r = self.client(socket_timeout=REQUEST_TIMEOUT_MS / 1000 + 10)
        for cmd in (("SET", "tls:bad", "v"), ("GET", "tls:bad"), ("MGET", "tls:a", "tls:b"),
                    ("SCAN", "0")):
            t0 = time.monotonic()
            with self.assertRaises(redis.exceptions.ResponseError, msg=cmd) as cm:
                r.execute_command(*cmd)
            elapsed = time.monotonic() - t0
            log(f"{type(self).__name__}: {cmd[0]} -> {str(cm.exception)[:80]!r} "
                f"in {elapsed * 1000:.0f} ms")
            self.assertTrue(str(cm.exception).startswith("CLUSTERDOWN"), cm.exception)
            self.assertLess(elapsed, REQUEST_TIMEOUT_MS / 1000 + SLACK, cmd)
        self.assertTrue(r.ping())  # the proxy itself is fine and the connection still usable
        for _ in range(3):
            status, body = http_get(self.proxy.metrics_port, "/readyz")
            self.assertEqual(status, 503, body)
            time.sleep(0.3)
        wait_until(lambda: self.log_needle in self.proxy.log(), 10,
                   f"the proxy log to mention {self.log_needle!r}")
        self.assertTrue(self.proxy.proc.alive())


class BadTlsWrongCa(BadTls, ProxyCase):
    log_needle = "certificate verify failed"

    @classmethod
    def bad_tls_args(cls):
        return ["--backend-tls-ca-cert-file", CERTS.other_ca, "--backend-tls-cert-file",
                CERTS.client, "--backend-tls-key-file", CERTS.client_key]


class BadTlsNoClientCert(BadTls, ProxyCase):
    # The nodes run with --tls-auth-clients yes: a node refuses the handshake (TLS 1.3: with an
    # alert the proxy reads after its side of the handshake is done).
    log_needle = "alert certificate required"

    @classmethod
    def bad_tls_args(cls):
        return ["--backend-tls-ca-cert-file", CERTS.ca]


class BadTlsWrongServerName(BadTls, ProxyCase):
    log_needle = "certificate verify failed"

    @classmethod
    def bad_tls_args(cls):
        return good_tls_args("node.invalid")


# ---- failover -----------------------------------------------------------------------------------
class TlsFailover(ProxyCase):
    """Runs last (class order is alphabetical): kills a master, restarts it as a replica."""

    @classmethod
    def proxy_args(cls):
        return {"tls_args": good_tls_args()}

    def test_kill9_master_served_after_promotion(self):
        r = self.client(socket_timeout=10)
        victim = CLUSTER.master_for_key("tls:fo:probe")
        replicas = CLUSTER.replicas_of(victim.port)
        self.assertEqual(len(replicas), 1, replicas)
        replica = replicas[0]
        keys = [k for k in keys_per_slot_spread("tls:fo", 3000)
                if CLUSTER.master_for_key(k).port == victim.port][:200]
        self.assertTrue(r.mset({k: k for k in keys}))
        self.assertEqual(victim.client().execute_command("WAIT", 1, 5000), 1)
        probe = keys[0]

        t_kill = time.monotonic()
        CLUSTER.kill9(victim.port)

        def promoted():
            return replica.client(socket_timeout=1).execute_command("ROLE")[0] == "master"

        wait_until(promoted, PROMOTION_TIMEOUT, f"replica {replica.addr} to be promoted",
                   interval=0.05)
        t_promoted = time.monotonic()

        def served():
            return r.set(probe, "after") and r.get(probe) == "after"

        wait_until(served, SERVE_WITHIN, "the proxy to serve the dead master's slots",
                   interval=0.05)
        t_served = time.monotonic()
        log(f"failover over TLS: promotion {t_promoted - t_kill:.2f} s after kill -9, proxy "
            f"serving {(t_served - t_promoted) * 1000:.0f} ms after the promotion "
            f"(node-timeout {NODE_TIMEOUT_MS} ms)")
        self.assertEqual(r.mget(keys[1:]), keys[1:])  # WAIT-acknowledged writes kept

        # Leave the cluster whole for anything that runs later: the old master rejoins.
        CLUSTER.restart(victim.port)
        CLUSTER.wait_converged(60)
        self.assertEqual(CLUSTER.roles()[victim.port], ("slave", replica.port))
        self.assertEqual(r.get(probe), "after")


if __name__ == "__main__":
    sys.exit(main())
