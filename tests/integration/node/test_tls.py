# TLS in the node (redis-server 7.0's tls-* options), over real connections:
#   - Certificates made with the `openssl` CLI (harness/certs.py): a CA, a node certificate for
#     127.0.0.1 (serverAuth+clientAuth: it is also the replica's client certificate), a second
#     node certificate (CONFIG SET reload), a client certificate, and a client certificate of an
#     unrelated CA.
#   - A node with a plain port and --tls-port, --tls-auth-clients yes: `redis-cli --tls` and
#     redis-py with ssl work; a client without a certificate and one with a certificate of
#     another CA are refused (and the node keeps serving); a 1 MB value and 8 MB of values
#     round-trip (many TLS records per reply); a pipelined burst of 20,000 commands is answered
#     in order; CONFIG GET shows the tls-* options; CONFIG SET of a missing certificate file
#     fails with Redis's reply and keeps the old context; CONFIG SET of another certificate
#     makes new connections see it; tls-auth-clients optional admits a client without one.
#   - A replica with `--port 0 --tls-port P --tls-replication yes` (no plain listener at all)
#     full-syncs ~4 MB over TLS (the snapshot goes through the master's pipe forwarding), then
#     streams writes; the master lists it with its TLS port; a plain connection to its TLS port
#     gets no answer.
#   - Two cluster nodes with --port 0 --tls-cluster yes meet over the TLS bus (tls-port + 10000);
#     CLUSTER NODES/SLOTS/SHARDS, MOVED and ASK give the TLS port; MIGRATE between them is TLS.
#   - Two tls-cluster nodes with both a plain and a TLS port: CLUSTER SHARDS shows "port" (the bus
#     header's pport) and "tls-port" of each, as Redis 7.0.
#   - Bad TLS files refuse the start with exit status 1 and a message naming the file, as
#     redis-server does.
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 180
import os
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness.certs import make_ca, make_leaf  # noqa: E402
from harness.differential import node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir, wait_until  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"
CERTS = None
MASTER = None


class Certs:
    def __init__(self):
        self.dir = d = make_temp_dir("nodetls")
        self.ca = make_ca(d, "ca")
        self.other_ca = make_ca(d, "otherca")
        ext = "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth"
        self.node, self.node_key = make_leaf(d, "node", "ca", "strata node one", ext)
        self.node2, self.node2_key = make_leaf(d, "node2", "ca", "strata node two", ext)
        self.client, self.client_key = make_leaf(d, "client", "ca", "strata client",
                                                 "extendedKeyUsage=clientAuth")
        self.stranger, self.stranger_key = make_leaf(d, "stranger", "otherca", "stranger",
                                                     "extendedKeyUsage=clientAuth")


def tls_args(tls_port):
    return ["--tls-port", tls_port, "--tls-cert-file", CERTS.node, "--tls-key-file",
            CERTS.node_key, "--tls-ca-cert-file", CERTS.ca, "--tls-auth-clients", "yes"]


class Node:
    """One node process in its own dir. `plain`: also a plain port (else --port 0)."""

    def __init__(self, *args, plain=True):
        self.port, self.tls_port = allocate_ports(2, bus=True)
        self.plain = plain
        self.dir = make_temp_dir("nodetls")
        self.args = ["--port", self.port if plain else 0, "--bind", HOST, "--save", "", "--dir",
                     self.dir, *tls_args(self.tls_port), *args]
        self.proc = None

    def start(self):
        self.proc = Proc(f"node:{self.tls_port}", [node_bin(), *self.args], self.dir,
                         os.path.join(self.dir, "node.log")).start()
        wait_until(lambda: self.tls_client().ping(), 15, f"node on TLS port {self.tls_port}",
                   fail_if=lambda: None if self.proc.alive() else "the node exited")
        return self

    def tls_client(self, cert=True, **kw):
        kw.setdefault("socket_timeout", 10)
        if cert:
            kw.setdefault("ssl_certfile", CERTS.client)
            kw.setdefault("ssl_keyfile", CERTS.client_key)
        return redis.Redis(host=HOST, port=self.tls_port, ssl=True, ssl_ca_certs=CERTS.ca, **kw)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc = None
        release_ports([self.port, self.tls_port])


def raw_tls_socket(port, certfile=None, keyfile=None, ca=None):
    """A handshaken TLS socket to 127.0.0.1:port (raises on a failed handshake)."""
    ctx = ssl.create_default_context(cafile=ca or CERTS.ca)
    ctx.check_hostname = False
    if certfile:
        ctx.load_cert_chain(certfile, keyfile)
    sock = socket.create_connection((HOST, port), timeout=10)
    return ctx.wrap_socket(sock)


def refused(port, certfile=None, keyfile=None):
    """True when a TLS client with this certificate (or none) cannot run a PING."""
    try:
        s = raw_tls_socket(port, certfile, keyfile)
        s.sendall(b"PING\r\n")
        data = s.recv(64)  # TLS 1.3: the server's alert arrives after the client's handshake
        s.close()
        return data != b"+PONG\r\n"
    except (ssl.SSLError, OSError):
        return True


def setUpModule():  # noqa: N802
    global CERTS, MASTER
    CERTS = Certs()
    MASTER = Node().start()


def tearDownModule():  # noqa: N802
    if MASTER:
        MASTER.stop()


class TlsClients(unittest.TestCase):
    def test_redis_cli_tls(self):
        base = ["redis-cli", "--tls", "--cacert", CERTS.ca, "--cert", CERTS.client, "--key",
                CERTS.client_key, "-h", HOST, "-p", str(MASTER.tls_port)]
        out = subprocess.run(base + ["SET", "cli:k", "v1"], capture_output=True, text=True,
                             timeout=20)
        self.assertEqual(out.stdout.strip(), "OK", out.stderr)
        out = subprocess.run(base + ["GET", "cli:k"], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.stdout.strip(), "v1", out.stderr)

    def test_redis_py_and_plain_port_share_data(self):
        r = MASTER.tls_client(decode_responses=True)
        self.assertTrue(r.set("py:k", "over tls"))
        plain = redis.Redis(host=HOST, port=MASTER.port, socket_timeout=10, decode_responses=True)
        self.assertEqual(plain.get("py:k"), "over tls")
        self.assertEqual(r.hset("py:h", mapping={"a": "1", "b": "2"}), 2)
        self.assertEqual(r.hgetall("py:h"), {"a": "1", "b": "2"})

    def test_auth_clients_yes_refuses_without_cert_and_other_ca(self):
        self.assertTrue(refused(MASTER.tls_port))
        self.assertTrue(refused(MASTER.tls_port, CERTS.stranger, CERTS.stranger_key))
        self.assertFalse(refused(MASTER.tls_port, CERTS.client, CERTS.client_key))
        with self.assertRaises(redis.exceptions.ConnectionError):
            MASTER.tls_client(cert=False, socket_timeout=5).ping()
        self.assertTrue(MASTER.proc.alive())
        self.assertTrue(MASTER.tls_client().ping())

    def test_plain_client_on_tls_port_gets_nothing(self):
        s = socket.create_connection((HOST, MASTER.tls_port), timeout=5)
        s.sendall(b"PING\r\n")
        try:
            data = s.recv(64)
        except OSError:
            data = b""
        s.close()
        self.assertNotIn(b"PONG", data)
        self.assertTrue(MASTER.tls_client().ping())

    def test_large_values_round_trip(self):
        r = MASTER.tls_client()
        one_mb = os.urandom(1 << 20)
        self.assertTrue(r.set("big:1mb", one_mb))
        self.assertEqual(r.get("big:1mb"), one_mb)
        self.assertEqual(r.strlen("big:1mb"), 1 << 20)
        values = {f"big:{i}": os.urandom(1 << 20) for i in range(8)}
        self.assertTrue(r.mset(values))
        self.assertEqual(r.mget(list(values)), list(values.values()))

    def test_pipelined_burst(self):
        r = MASTER.tls_client(decode_responses=True)
        n = 20000
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.set(f"burst:{i}", f"v{i}")
        self.assertTrue(all(pipe.execute()))
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.get(f"burst:{i}")
            pipe.incr("burst:counter")
        replies = pipe.execute()
        self.assertEqual(replies[0::2], [f"v{i}" for i in range(n)])
        self.assertEqual(replies[1::2], list(range(1, n + 1)))


class TlsConfig(unittest.TestCase):
    def test_config_get_shows_tls_options(self):
        r = MASTER.tls_client(decode_responses=True)
        cfg = r.config_get("tls-*")
        self.assertEqual(cfg["tls-port"], str(MASTER.tls_port))
        self.assertEqual(cfg["tls-cert-file"], CERTS.node)
        self.assertEqual(cfg["tls-ca-cert-file"], CERTS.ca)
        self.assertEqual(cfg["tls-auth-clients"], "yes")
        for name in ("tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
                     "tls-client-key-file", "tls-ca-cert-dir", "tls-replication", "tls-cluster",
                     "tls-protocols", "tls-ciphers", "tls-ciphersuites",
                     "tls-prefer-server-ciphers", "tls-session-caching",
                     "tls-session-cache-size", "tls-session-cache-timeout"):
            self.assertIn(name, cfg)
        self.assertEqual(cfg["tls-replication"], "no")

    def test_config_set_reloads_certificates(self):
        r = MASTER.tls_client(decode_responses=True)

        def served_cn():
            s = raw_tls_socket(MASTER.tls_port, CERTS.client, CERTS.client_key)
            subject = dict(x[0] for x in s.getpeercert()["subject"])
            s.close()
            return subject["commonName"]

        self.assertEqual(served_cn(), "strata node one")
        missing = os.path.join(CERTS.dir, "missing.pem")
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            r.config_set("tls-cert-file", missing)
        self.assertIn("Unable to update TLS configuration", str(cm.exception))
        self.assertEqual(r.config_get("tls-cert-file")["tls-cert-file"], CERTS.node)
        self.assertEqual(served_cn(), "strata node one")  # the old context stays
        try:
            r.execute_command("CONFIG", "SET", "tls-cert-file", CERTS.node2, "tls-key-file",
                              CERTS.node2_key)
            self.assertEqual(served_cn(), "strata node two")
            self.assertTrue(r.ping())  # the connection made before the reload still works
        finally:
            r.execute_command("CONFIG", "SET", "tls-cert-file", CERTS.node, "tls-key-file",
                              CERTS.node_key)
        self.assertEqual(served_cn(), "strata node one")

    def test_auth_clients_optional(self):
        r = MASTER.tls_client(decode_responses=True)
        try:
            r.config_set("tls-auth-clients", "optional")
            self.assertFalse(refused(MASTER.tls_port))  # no certificate: admitted
            self.assertTrue(refused(MASTER.tls_port, CERTS.stranger, CERTS.stranger_key))
        finally:
            r.config_set("tls-auth-clients", "yes")
        self.assertTrue(refused(MASTER.tls_port))

    def test_bad_files_refuse_the_start(self):
        d = make_temp_dir("nodetls")
        (port,) = allocate_ports(1)
        try:
            for args, needle in (
                    (["--tls-cert-file", os.path.join(d, "none.pem"), "--tls-key-file",
                      CERTS.node_key], "none.pem"),
                    (["--tls-cert-file", CERTS.node, "--tls-key-file", CERTS.client_key],
                     "does not match"),
                    (["--tls-cert-file", CERTS.node, "--tls-key-file", CERTS.node_key,
                      "--tls-ca-cert-file", os.path.join(d, "noca.pem")], "noca.pem")):
                argv = [node_bin(), "--port", "0", "--tls-port", str(port), "--bind", HOST,
                        "--dir", d, "--tls-ca-cert-file", CERTS.ca, *args]
                p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
                self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                self.assertIn(needle, p.stdout + p.stderr)
        finally:
            release_ports([port])


class TlsReplication(unittest.TestCase):
    def test_replica_over_tls_syncs_and_streams(self):
        m = MASTER.tls_client()
        pipe = m.pipeline(transaction=False)
        for i in range(4000):
            pipe.set(f"repl:{i}", os.urandom(1000))
        pipe.execute()
        before = {f"repl:{i}": m.get(f"repl:{i}") for i in range(0, 4000, 397)}
        replica = Node("--tls-replication", "yes", "--replicaof", HOST, str(MASTER.tls_port),
                       plain=False).start()
        try:
            r = replica.tls_client()

            def synced():
                info = r.info("replication")
                return (info.get("master_link_status") == "up" and
                        info.get("slave_repl_offset") == m.info("replication")[
                            "master_repl_offset"])

            wait_until(synced, 30, "the TLS replica to finish its full sync")
            for k, v in before.items():
                self.assertEqual(r.get(k), v, k)
            self.assertGreaterEqual(r.dbsize(), 4000)
            # Later writes stream over the TLS link; WAIT counts the replica's acknowledgement.
            for i in range(200):
                m.set(f"stream:{i}", f"s{i}")
            m.rpush("stream:list", *range(100))
            self.assertEqual(m.execute_command("WAIT", 1, 5000), 1)
            self.assertEqual(r.get("stream:199"), b"s199")
            self.assertEqual(r.llen("stream:list"), 100)
            # The master lists the replica with the port it announced: its TLS port.
            slave0 = m.info("replication")["slave0"]
            self.assertEqual(int(slave0["port"]), replica.tls_port, slave0)
            self.assertEqual(r.info("server")["tcp_port"], 0)
            self.assertEqual(r.config_get("port")["port"], "0")
            with self.assertRaises(redis.exceptions.ReadOnlyError):
                r.set("x", "y")
        finally:
            replica.stop()


class TlsCluster(unittest.TestCase):
    """Two cluster nodes with --port 0 --tls-cluster yes: the bus (tls-port + 10000) speaks TLS
    both ways, the TLS port is the announced client port (CLUSTER NODES/SLOTS/SHARDS, MOVED), and
    MIGRATE between them uses TLS."""

    def test_bus_announce_moved_and_migrate_over_tls(self):
        args = ("--cluster-enabled", "yes", "--cluster-node-timeout", "2000", "--tls-cluster",
                "yes", "--tls-replication", "yes", "--appendonly", "no")
        a = Node(*args, plain=False).start()
        b = Node(*args, plain=False).start()
        try:
            ra, rb = a.tls_client(decode_responses=True), b.tls_client(decode_responses=True)
            self.assertTrue(ra.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191))
            self.assertTrue(rb.execute_command("CLUSTER", "ADDSLOTSRANGE", 8192, 16383))
            self.assertTrue(ra.execute_command("CLUSTER", "MEET", HOST, b.tls_port))

            def joined():
                return all(r.execute_command("CLUSTER", "INFO").count("cluster_state:ok") and
                           "cluster_known_nodes:2" in r.execute_command("CLUSTER", "INFO")
                           for r in (ra, rb))

            wait_until(joined, 20, "the two TLS nodes to meet over the TLS bus")
            nodes = ra.execute_command("CLUSTER", "NODES")
            self.assertIn(f"{HOST}:{b.tls_port}@{b.tls_port + 10000} master", nodes)
            self.assertIn(f"{HOST}:{a.tls_port}@{a.tls_port + 10000} myself,master", nodes)
            slots = {tuple(s[:2]): s[2][1] for s in ra.execute_command("CLUSTER", "SLOTS")}
            self.assertEqual(slots, {(0, 8191): a.tls_port, (8192, 16383): b.tls_port})
            shards = ra.execute_command("CLUSTER", "SHARDS")
            ports = sorted(n[n.index("tls-port") + 1] for sh in shards for n in sh[3])
            self.assertEqual(ports, sorted([a.tls_port, b.tls_port]))
            # "foo" hashes to slot 12182, served by b: a redirects to b's TLS port.
            with self.assertRaises(redis.exceptions.ResponseError) as cm:
                ra.get("foo")
            self.assertEqual(str(cm.exception), f"MOVED 12182 {HOST}:{b.tls_port}")
            # MIGRATE a -> b over TLS ("bar" hashes to slot 5061, a's): b has it, a no longer.
            self.assertTrue(ra.set("bar", "moving"))
            self.assertTrue(rb.execute_command("CLUSTER", "SETSLOT", 5061, "IMPORTING",
                                               ra.execute_command("CLUSTER", "MYID")))
            self.assertTrue(ra.execute_command("CLUSTER", "SETSLOT", 5061, "MIGRATING",
                                               rb.execute_command("CLUSTER", "MYID")))
            self.assertEqual(ra.execute_command("MIGRATE", HOST, b.tls_port, "bar", 0, 5000),
                             "OK")
            with self.assertRaises(redis.exceptions.ResponseError) as cm:
                ra.get("bar")  # gone from a: ASK names b's TLS port
            self.assertEqual(str(cm.exception), f"ASK 5061 {HOST}:{b.tls_port}")
            pipe = rb.pipeline(transaction=False)  # ASKING and GET on one connection
            pipe.execute_command("ASKING")
            pipe.get("bar")
            self.assertEqual(pipe.execute()[1], "moving")
            # cluster-announce-tls-port replaces the TLS port in what b announces (as in a
            # container behind port mapping); cluster-announce-port is the plaintext port then.
            announced = b.tls_port + 7
            self.assertTrue(rb.config_set("cluster-announce-port", b.tls_port + 3))
            self.assertTrue(rb.config_set("cluster-announce-tls-port", announced))
            wait_until(lambda: f"{HOST}:{announced}@" in ra.execute_command("CLUSTER", "NODES"),
                       20, "a to learn b's announced TLS port from the bus")
            self.assertIn(f"{HOST}:{announced}@", rb.execute_command("CLUSTER", "NODES"))
        finally:
            a.stop()
            b.stop()

    def test_shards_show_plain_and_tls_ports(self):
        """Nodes with a plain port and a TLS port under tls-cluster: CLUSTER SHARDS gives each
        node's "port" (the plaintext one, carried in the bus header's pport as Redis 7.0's) and
        "tls-port" (the announced one), on both nodes; cluster-announce-port replaces the plain
        one."""
        args = ("--cluster-enabled", "yes", "--cluster-node-timeout", "2000", "--tls-cluster",
                "yes", "--appendonly", "no")
        a, b = Node(*args).start(), Node(*args).start()
        try:
            ra, rb = a.tls_client(decode_responses=True), b.tls_client(decode_responses=True)
            self.assertTrue(ra.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191))
            self.assertTrue(rb.execute_command("CLUSTER", "ADDSLOTSRANGE", 8192, 16383))
            self.assertTrue(ra.execute_command("CLUSTER", "MEET", HOST, b.tls_port))
            ids = {a.tls_port: ra.execute_command("CLUSTER", "MYID"),
                   b.tls_port: rb.execute_command("CLUSTER", "MYID")}

            def ports(r):
                out = {}
                for shard in r.execute_command("CLUSTER", "SHARDS"):
                    for n in shard[3]:
                        d = dict(zip(n[::2], n[1::2]))
                        out[d["id"]] = (d.get("port"), d.get("tls-port"), list(d)[:3])
                return out

            want = {ids[a.tls_port]: (a.port, a.tls_port, ["id", "port", "tls-port"]),
                    ids[b.tls_port]: (b.port, b.tls_port, ["id", "port", "tls-port"])}
            wait_until(lambda: ports(ra) == want and ports(rb) == want, 20,
                       "both nodes to show both ports of both nodes in CLUSTER SHARDS")
            self.assertTrue(rb.config_set("cluster-announce-port", b.port + 3))
            want[ids[b.tls_port]] = (b.port + 3, b.tls_port, ["id", "port", "tls-port"])
            wait_until(lambda: ports(ra) == want and ports(rb) == want, 20,
                       "a to learn b's announced plaintext port from the bus")
        finally:
            a.stop()
            b.stop()


if __name__ == "__main__":
    sys.exit(main())
