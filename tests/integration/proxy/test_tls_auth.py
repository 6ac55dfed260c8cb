# Security acceptance of the proxy against a real 6-node Redis 7 Cluster: TLS and AUTH.
#   - TLS: a CA, a server certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1), a client
#     certificate and an unrelated second CA are made with the `openssl` CLI; the proxy listens on
#     a plain port and a --tls-port side by side. `redis-cli --tls` SET/GET works with the right
#     CA and is refused with the wrong one; with --tls-auth-clients yes a client without a
#     certificate is refused and one with the client certificate works.
#   - AUTH: --requirepass plus --users app:secret: NOAUTH before AUTH, WRONGPASS on a bad
#     password, AUTH <pass>, AUTH app secret and HELLO 3 AUTH app secret work. Brute force:
#     failed AUTHs answered auth-failure-delay-ms later, one after another, counted in
#     strata_proxy_errors_total{kind="auth"}, logged at most once a second; others are served.
#   - SIGHUP: requirepass in a TOML file (the proxy's first argument) changed and reloaded: an
#     authenticated client stays connected and working, the old password is refused and the new
#     one accepted; server certificate files replaced and reloaded: new TLS connections get the
#     new certificate, an established TLS connection keeps working.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_tls_auth.py
# ctest-targets: proxy
# ctest-timeout: 300
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import Proxy, RedisCluster, RespConn, RespError, wait_until  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir  # noqa: E402
from harness.certs import make_ca, make_leaf  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"
NOAUTH = RespError("NOAUTH Authentication required.")
WRONGPASS = RespError("WRONGPASS invalid username-password pair or user is disabled.")

CLUSTER = None
CERTS = None


# ---- certificates -------------------------------------------------------------------------------
class Certs:
    def __init__(self):
        self.dir = make_temp_dir("tls")
        d = self.dir
        self.ca = make_ca(d, "ca")
        self.other_ca = make_ca(d, "otherca")
        server_ext = "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"
        self.server, self.server_key = make_leaf(d, "server", "ca", "127.0.0.1", server_ext)
        # A second server certificate, signed by the other CA, installed by the reload test.
        self.server2, self.server2_key = make_leaf(d, "server2", "otherca", "127.0.0.1", server_ext)
        self.client, self.client_key = make_leaf(d, "client", "ca", "strata-client",
                                                 "extendedKeyUsage=clientAuth")

    def path(self, name):
        return os.path.join(self.dir, name)


def setUpModule():  # noqa: N802
    global CLUSTER, CERTS
    Proxy.check_binary()
    CERTS = Certs()
    CLUSTER = RedisCluster().start()


def tearDownModule():  # noqa: N802
    global CLUSTER
    if CLUSTER is not None:
        CLUSTER.stop()
        CLUSTER = None


# ---- fixtures -----------------------------------------------------------------------------------
class SecureProxy(Proxy):
    """The Proxy fixture with an optional TOML file as first argument, a TLS port, and a
    password for the start-up PING."""

    def __init__(self, extra_args=(), config_file=None, tls=False, password=None):
        super().__init__([n.addr for n in CLUSTER.masters()[:2]], extra_args=extra_args)
        self.config_file, self.tls, self.password = config_file, tls, password
        self.tls_port = None

    def start(self, timeout: float = 20.0):
        self.check_binary(self.binary)
        self.dir = make_temp_dir("proxy")
        self.port, self.metrics_port = allocate_ports(2)
        argv = [self.binary]
        if self.config_file:
            argv.append(self.config_file)
        argv += ["--port", self.port, "--bind", HOST, "--nodes", ",".join(self.seeds),
                 "--threads", self.threads, "--metrics-port", self.metrics_port]
        if self.tls:
            self.tls_port = allocate_ports(1)[0]
            argv += ["--tls-port", self.tls_port]
        argv += self.extra_args
        self.proc = Proc(f"proxy:{self.port}", argv, self.dir, self.log_path).start()
        try:
            wait_until(lambda: self.client(socket_timeout=2, password=self.password).ping(),
                       timeout, f"proxy on {self.port} to answer PING",
                       fail_if=lambda: None if self.proc.alive() else "the proxy exited")
        except (TimeoutError, RuntimeError) as e:
            self.stop()
            raise RuntimeError(f"proxy did not start: {e}\n--- {self.log_path} ---\n"
                               f"{self.proc.log_tail()}") from None
        return self

    def stop(self, grace: float = 5.0):
        super().stop(grace)
        if self.tls_port:
            release_ports([self.tls_port])

    def sighup(self):
        self.proc.popen.send_signal(signal.SIGHUP)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def reload(self, timeout=10.0):
        """SIGHUP, then waits for one more "configuration reloaded" line in the log."""
        done = self.log().count("configuration reloaded")
        self.sighup()
        wait_until(lambda: self.log().count("configuration reloaded") > done, timeout,
                   "the proxy to log 'configuration reloaded'")


class TlsResp(RespConn):
    """RespConn over TLS (Python's ssl module), verifying the server against `cafile`."""

    def __init__(self, port, cafile, cert=None, key=None, timeout=10.0):
        ctx = ssl.create_default_context(cafile=cafile)
        if cert:
            ctx.load_cert_chain(cert, key)
        raw = socket.create_connection((HOST, port), timeout=timeout)
        try:
            self.sock = ctx.wrap_socket(raw, server_hostname=HOST)
        except BaseException:
            raw.close()
            raise
        self.timeout = timeout
        self.buf = b""
        self.last_attributes = None


def cli_tls(port, *args, cacert, cert=None, key=None, timeout=20):
    argv = ["redis-cli", "--tls", "--cacert", cacert, "-h", HOST, "-p", str(port)]
    if cert:
        argv += ["--cert", cert, "--key", key]
    p = subprocess.run(argv + [str(a) for a in args], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, (p.stdout + p.stderr).strip()


class ProxyCase(unittest.TestCase):
    """Starts one proxy per test class (args from proxy_kwargs) and stops it, even on failure."""
    proxy_kwargs = {}

    @classmethod
    def setUpClass(cls):
        cls.proxy = SecureProxy(**cls.proxy_kwargs).start()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()

    def raw(self, timeout=10.0):
        c = RespConn(HOST, self.proxy.port, timeout)
        self.addCleanup(c.close)
        return c

    def tls(self, cafile=None, cert=None, key=None):
        c = TlsResp(self.proxy.tls_port, cafile or CERTS.ca, cert, key)
        self.addCleanup(c.close)
        return c


# ---- TLS ----------------------------------------------------------------------------------------
class Tls(ProxyCase):
    proxy_kwargs = {"tls": True}

    @classmethod
    def setUpClass(cls):
        cls.proxy_kwargs = {"tls": True, "extra_args": [
            "--tls-cert-file", CERTS.server, "--tls-key-file", CERTS.server_key]}
        super().setUpClass()

    def test_redis_cli_tls_set_get(self):
        rc, out = cli_tls(self.proxy.tls_port, "SET", "tls:k", "over-tls", cacert=CERTS.ca)
        self.assertEqual((rc, out), (0, "OK"))
        rc, out = cli_tls(self.proxy.tls_port, "GET", "tls:k", cacert=CERTS.ca)
        self.assertEqual((rc, out), (0, "over-tls"))

    def test_plain_and_tls_side_by_side(self):
        c = self.raw()
        self.assertEqual(c.call("SET", "side:k", "plain"), "OK")
        t = self.tls()
        self.assertEqual(t.call("GET", "side:k"), b"plain")
        self.assertEqual(t.call("SET", "side:k", "tls"), "OK")
        self.assertEqual(c.call("GET", "side:k"), b"tls")

    def test_wrong_ca_is_refused(self):
        rc, out = cli_tls(self.proxy.tls_port, "PING", cacert=CERTS.other_ca)
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn("PONG", out)
        self.assertIn("certificate verify failed", out)
        with self.assertRaises(ssl.SSLCertVerificationError):
            TlsResp(self.proxy.tls_port, CERTS.other_ca).close()
        # The proxy is unharmed.
        self.assertEqual(cli_tls(self.proxy.tls_port, "PING", cacert=CERTS.ca), (0, "PONG"))

    def test_plain_client_on_tls_port_is_closed(self):
        with socket.create_connection((HOST, self.proxy.tls_port), timeout=10) as s:
            s.sendall(b"PING\r\n")
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            self.assertNotIn(b"PONG", data)
        self.assertEqual(self.raw().call("PING"), "PONG")


class MutualTls(ProxyCase):
    @classmethod
    def setUpClass(cls):
        cls.proxy_kwargs = {"tls": True, "extra_args": [
            "--tls-cert-file", CERTS.server, "--tls-key-file", CERTS.server_key,
            "--tls-ca-cert-file", CERTS.ca, "--tls-auth-clients", "yes"]}
        super().setUpClass()

    def test_client_without_certificate_is_refused(self):
        rc, out = cli_tls(self.proxy.tls_port, "PING", cacert=CERTS.ca)
        self.assertNotIn("PONG", out)
        self.assertNotEqual(rc, 0, out)

    def test_client_with_certificate_works(self):
        kw = {"cacert": CERTS.ca, "cert": CERTS.client, "key": CERTS.client_key}
        self.assertEqual(cli_tls(self.proxy.tls_port, "SET", "mtls:k", "v", **kw), (0, "OK"))
        self.assertEqual(cli_tls(self.proxy.tls_port, "GET", "mtls:k", **kw), (0, "v"))

    def test_certificate_of_another_ca_is_refused(self):
        # The server certificate signed by the other CA, presented as a client certificate.
        rc, out = cli_tls(self.proxy.tls_port, "PING", cacert=CERTS.ca, cert=CERTS.server2,
                          key=CERTS.server2_key)
        self.assertNotIn("PONG", out)
        self.assertNotEqual(rc, 0, out)


# ---- AUTH ---------------------------------------------------------------------------------------
class Auth(ProxyCase):
    proxy_kwargs = {"extra_args": ["--requirepass", "pass", "--users", "app:secret"],
                    "password": "pass"}

    def test_noauth_before_auth(self):
        c = self.raw()
        self.assertEqual(c.call("GET", "auth:k"), NOAUTH)
        self.assertEqual(c.call("SET", "auth:k", "v"), NOAUTH)
        self.assertEqual(c.call("PING"), NOAUTH)
        self.assertEqual(c.call("AUTH", "pass"), "OK")
        self.assertEqual(c.call("PING"), "PONG")

    def test_wrong_password(self):
        c = self.raw()
        self.assertEqual(c.call("AUTH", "nope"), WRONGPASS)
        self.assertEqual(c.call("AUTH", "app", "pass"), WRONGPASS)
        self.assertEqual(c.call("AUTH", "nobody", "secret"), WRONGPASS)
        self.assertEqual(c.call("HELLO", "3", "AUTH", "app", "wrong"), WRONGPASS)
        self.assertEqual(c.call("GET", "auth:k"), NOAUTH)

    def test_auth_password(self):
        c = self.raw()
        self.assertEqual(c.call("AUTH", "pass"), "OK")
        self.assertEqual(c.call("SET", "auth:p", "1"), "OK")
        self.assertEqual(c.call("GET", "auth:p"), b"1")
        self.assertEqual(c.call("AUTH", "default", "pass"), "OK")

    def test_auth_user_password(self):
        c = self.raw()
        self.assertEqual(c.call("AUTH", "app", "secret"), "OK")
        self.assertEqual(c.call("SET", "auth:u", "2"), "OK")
        self.assertEqual(c.call("GET", "auth:u"), b"2")

    def test_hello_3_auth(self):
        c = self.raw()
        reply = c.call("HELLO", "3", "AUTH", "app", "secret")
        self.assertIsInstance(reply, dict, reply)
        self.assertEqual(reply[b"proto"], 3)
        self.assertEqual(c.call("SET", "auth:h", "3"), "OK")
        self.assertEqual(c.call("GET", "auth:h"), b"3")

    def test_auth_arguments(self):
        c = self.raw()
        self.assertEqual(c.call("AUTH"),
                         RespError("ERR wrong number of arguments for 'auth' command"))
        self.assertEqual(c.call("AUTH", "app", "secret", "extra"), RespError("ERR syntax error"))
        self.assertEqual(c.call("GET", "auth:k"), NOAUTH)

    def test_acl_whoami_is_the_authenticated_user(self):
        c = self.raw()
        self.assertEqual(c.call("AUTH", "app", "secret"), "OK")
        self.assertEqual(c.call("ACL", "WHOAMI"), b"app")
        self.assertEqual(c.call("AUTH", "pass"), "OK")
        self.assertEqual(c.call("ACL", "WHOAMI"), b"default")
        h = self.raw()
        self.assertEqual(h.call("HELLO", "3", "AUTH", "app", "secret")[b"proto"], 3)
        self.assertEqual(h.call("ACL", "WHOAMI"), b"app")

    def test_redis_py_with_password(self):
        r = self.proxy.client(username="app", password="secret", decode_responses=True)
        self.addCleanup(r.close)
        self.assertTrue(r.set("auth:py", "x"))
        self.assertEqual(r.get("auth:py"), "x")


class AuthBruteForce(ProxyCase):
    """A failed AUTH is answered auth-failure-delay-ms later, each failure of a connection behind
    the previous one; the failures are counted in the metrics and logged at most once a second
    per worker; other clients are served meanwhile."""
    DELAY = 0.4
    proxy_kwargs = {"extra_args": ["--requirepass", "pass", "--auth-failure-delay-ms", "400"],
                    "password": "pass"}

    def auth_errors(self):
        with urllib.request.urlopen(f"http://{HOST}:{self.proxy.metrics_port}/metrics",
                                    timeout=5) as resp:
            body = resp.read().decode()
        total = 0.0
        for line in body.splitlines():
            if line.startswith("strata_proxy_errors_total{") and 'kind="auth"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def test_pipelined_failures_are_delayed_in_order_and_others_are_served(self):
        before = self.auth_errors()
        guesser = self.raw()
        start = time.monotonic()
        guesser.sock.sendall(b"".join(RespConn.encode("AUTH", f"guess{i}") for i in range(3)) +
                             RespConn.encode("PING"))
        # Another client is served while the guesser waits.
        other = self.raw()
        self.assertEqual(other.call("AUTH", "pass"), "OK")
        self.assertEqual(other.call("PING"), "PONG")
        self.assertLess(time.monotonic() - start, self.DELAY * 2)
        replies = [guesser.read() for _ in range(4)]
        elapsed = time.monotonic() - start
        self.assertEqual(replies, [WRONGPASS, WRONGPASS, WRONGPASS, NOAUTH])
        self.assertGreaterEqual(elapsed, 3 * self.DELAY)
        # The connection still works: the right password is accepted at once.
        t = time.monotonic()
        self.assertEqual(guesser.call("AUTH", "pass"), "OK")
        self.assertLess(time.monotonic() - t, self.DELAY)
        wait_until(lambda: self.auth_errors() >= before + 3, 5, "3 auth failures in the metrics")
        with open(self.proxy.log_path, errors="replace") as f:
            lines = [x for x in f if "AUTH failed for client" in x]
        self.assertGreaterEqual(len(lines), 1)
        self.assertLessEqual(len(lines), 3)  # 3 failures within ~1.2 s: rate-limited lines


# ---- SIGHUP reload ------------------------------------------------------------------------------
class ReloadPassword(ProxyCase):
    @classmethod
    def setUpClass(cls):
        cls.conf_dir = make_temp_dir("conf")
        cls.conf = os.path.join(cls.conf_dir, "proxy.toml")
        cls.write_conf("old-pass")
        cls.proxy_kwargs = {"config_file": cls.conf, "password": "old-pass"}
        super().setUpClass()

    @classmethod
    def write_conf(cls, password):
        tmp = cls.conf + ".tmp"
        with open(tmp, "w") as f:
            f.write("# reload test\nloglevel = \"notice\"\n")
            if password is not None:
                f.write(f'requirepass = "{password}"\n')
        os.replace(tmp, cls.conf)

    def test_sighup_changes_password_keeps_clients(self):
        before = self.raw()
        self.assertEqual(before.call("AUTH", "old-pass"), "OK")
        self.assertEqual(before.call("SET", "reload:k", "1"), "OK")
        unauthenticated = self.raw()
        self.assertEqual(unauthenticated.call("GET", "reload:k"), NOAUTH)

        self.write_conf("new-pass")
        self.proxy.reload()

        # The authenticated client is neither dropped nor logged out.
        self.assertEqual(before.call("GET", "reload:k"), b"1")
        self.assertEqual(before.call("INCR", "reload:k"), 2)
        # New AUTHs follow the file.
        c = self.raw()
        self.assertEqual(c.call("AUTH", "old-pass"), WRONGPASS)
        self.assertEqual(c.call("GET", "reload:k"), NOAUTH)
        self.assertEqual(c.call("AUTH", "new-pass"), "OK")
        self.assertEqual(c.call("GET", "reload:k"), b"2")
        self.assertEqual(unauthenticated.call("AUTH", "new-pass"), "OK")
        self.assertTrue(self.proxy.proc.alive())

    def test_sighup_removing_password(self):
        self.write_conf("third-pass")
        self.proxy.reload()
        waiting = self.raw()
        self.assertEqual(waiting.call("SET", "reload:open", "1"), NOAUTH)
        self.write_conf(None)
        self.proxy.reload()
        # As with CONFIG SET requirepass "" on Redis: no client needs to authenticate any more,
        # including one that connected (and never authenticated) before the reload.
        self.assertEqual(waiting.call("SET", "reload:open", "1"), "OK")
        self.assertEqual(self.raw().call("GET", "reload:open"), b"1")
        self.assertEqual(self.raw().call("AUTH", "x"), RespError(
            "ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?"))


class ReloadCertificates(ProxyCase):
    @classmethod
    def setUpClass(cls):
        # The proxy reads its certificate from files the test later overwrites.
        cls.live_dir = make_temp_dir("livecert")
        cls.cert = os.path.join(cls.live_dir, "server.pem")
        cls.key = os.path.join(cls.live_dir, "server.key")
        shutil.copy(CERTS.server, cls.cert)
        shutil.copy(CERTS.server_key, cls.key)
        cls.proxy_kwargs = {"tls": True, "extra_args": ["--tls-cert-file", cls.cert,
                                                        "--tls-key-file", cls.key]}
        super().setUpClass()

    def test_sighup_reloads_certificate(self):
        old = self.tls(CERTS.ca)
        self.assertEqual(old.call("SET", "certreload:k", "a"), "OK")

        # Replace both files (new key pair, signed by the other CA) and reload.
        for src, dst in ((CERTS.server2, self.cert), (CERTS.server2_key, self.key)):
            shutil.copy(src, dst + ".tmp")
            os.replace(dst + ".tmp", dst)
        self.proxy.reload()

        # New connections get the new certificate: trusted by the other CA only.
        new = self.tls(CERTS.other_ca)
        self.assertEqual(new.call("GET", "certreload:k"), b"a")
        self.assertEqual(cli_tls(self.proxy.tls_port, "GET", "certreload:k",
                                 cacert=CERTS.other_ca), (0, "a"))
        with self.assertRaises(ssl.SSLCertVerificationError):
            TlsResp(self.proxy.tls_port, CERTS.ca).close()
        # The connection made before the reload still works.
        self.assertEqual(old.call("SET", "certreload:k", "b"), "OK")
        self.assertEqual(old.call("GET", "certreload:k"), b"b")
        self.assertEqual(new.call("GET", "certreload:k"), b"b")
        self.assertNotIn("keeping the previous certificates", self.proxy.log())

        # A broken certificate file: the reload keeps the working certificate.
        with open(self.cert, "w") as f:
            f.write("not a certificate\n")
        self.proxy.reload()
        self.assertIn("keeping the previous certificates", self.proxy.log())
        self.assertEqual(self.tls(CERTS.other_ca).call("GET", "certreload:k"), b"b")
        self.assertEqual(old.call("PING"), "PONG")


if __name__ == "__main__":
    sys.exit(main())
