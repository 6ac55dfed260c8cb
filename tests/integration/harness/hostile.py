# Hostile-input checks shared by the node's and the proxy's suites (node/test_hostile_input.py,
# proxy/test_hostile_input.py): binary garbage, protocol errors, oversized bulk and multibulk
# lengths, a too-big inline request, 10k pipelined commands sent without reading, half-open
# connections, a slowloris writer, 10k idle connections and a client that never reads its
# replies. Each check asserts the exact Redis 7.0 error (the oracle class runs the same checks
# against redis-server) and that a well-behaved client is served during and after.
# A test class mixes HostileChecks into unittest.TestCase and sets `port` (and `max_clients`,
# the server's maxclients) in setUpClass.
import socket
import time

from .resp import RespConn, RespError

HOST = "127.0.0.1"


def closed_within(sock: socket.socket, timeout: float) -> bool:
    """True when the peer closes `sock` (EOF or reset) within `timeout`; data read is dropped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            return False
        except OSError:
            return True
    return False


class HostileChecks:
    port = None
    max_clients = 10000

    # ---- helpers ---------------------------------------------------------------------------
    def well_behaved(self):
        """A fresh client that must be served at once (PING, SET, GET)."""
        with RespConn(HOST, self.port, timeout=5) as c:
            self.assertEqual(c.call("PING"), "PONG")
            self.assertEqual(c.call("SET", "hostile:probe", "ok"), "OK")
            self.assertEqual(c.call("GET", "hostile:probe"), b"ok")

    def first_error_then_close(self, payload: bytes) -> bytes:
        """Sends `payload` on a new connection; returns the first reply line (the error) after
        checking the server closes the connection."""
        s = socket.create_connection((HOST, self.port), timeout=5)
        try:
            s.sendall(payload)
            data = b""
            deadline = time.monotonic() + 5
            while b"\r\n" not in data and time.monotonic() < deadline:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            line = data.split(b"\r\n", 1)[0]
            self.assertTrue(closed_within(s, 5), f"connection kept open after {line!r}")
            return line
        finally:
            s.close()

    # ---- protocol errors -------------------------------------------------------------------
    def test_binary_garbage_gets_protocol_error(self):
        # (No NUL before the first CRLF: redis-server's strchr-based scan stops at a NUL and
        # waits for more input, a quirk not worth copying.)
        line = self.first_error_then_close(b"*1\r\n\xfe\xff garbage\r\n\x00\x01\x02")
        self.assertEqual(line, b"-ERR Protocol error: expected '$', got '\xfe'")
        self.well_behaved()

    def test_invalid_multibulk_length(self):
        line = self.first_error_then_close(b"*abc\r\n")
        self.assertEqual(line, b"-ERR Protocol error: invalid multibulk length")
        self.well_behaved()

    def test_oversized_multibulk_count(self):
        line = self.first_error_then_close(b"*2147483648\r\n")
        self.assertEqual(line, b"-ERR Protocol error: invalid multibulk length")
        self.well_behaved()

    def test_oversized_bulk_length(self):
        line = self.first_error_then_close(b"*1\r\n$600000000\r\n")
        self.assertEqual(line, b"-ERR Protocol error: invalid bulk length")
        self.well_behaved()

    def test_too_big_inline_request(self):
        line = self.first_error_then_close(b"A" * (70 * 1024))
        self.assertEqual(line, b"-ERR Protocol error: too big inline request")
        self.well_behaved()

    def test_unbalanced_quotes_inline(self):
        with RespConn(HOST, self.port, timeout=5) as c:
            c.sock.sendall(b'SET "a b\r\n')
            line = c.sock.recv(4096).split(b"\r\n", 1)[0]
            self.assertEqual(line, b"-ERR Protocol error: unbalanced quotes in request")
        self.well_behaved()

    # ---- load without reading, half-open, slowloris ----------------------------------------
    def test_ten_thousand_pipelined_commands_without_reading(self):
        n = 10000
        c = RespConn(HOST, self.port, timeout=30)
        try:
            payload = b"".join(RespConn.encode("INCR", "hostile:pipelined") for _ in range(n))
            c.sock.sendall(payload)
            self.well_behaved()  # served while the pipeline's replies pile up unread
            for i in range(1, n + 1):
                self.assertEqual(c.read(), i)
        finally:
            c.close()
        with RespConn(HOST, self.port, timeout=5) as c2:
            self.assertEqual(c2.call("GETDEL", "hostile:pipelined"), str(n).encode())

    def test_half_open_connections_do_not_stall_others(self):
        socks = []
        try:
            for _ in range(200):
                s = socket.create_connection((HOST, self.port), timeout=5)
                s.sendall(b"*3\r\n$3\r\nSET\r\n$12\r\nhostile:half\r\n$5\r\nab")  # never finished
                socks.append(s)
            self.well_behaved()
        finally:
            for s in socks:
                s.close()
        self.well_behaved()
        with RespConn(HOST, self.port, timeout=5) as c:
            self.assertEqual(c.call("EXISTS", "hostile:half"), 0)

    def test_slowloris_writer(self):
        cmd = RespConn.encode("SET", "hostile:slow", "patience")
        slow = socket.create_connection((HOST, self.port), timeout=10)
        try:
            for i, b in enumerate(cmd):
                slow.sendall(bytes([b]))
                time.sleep(0.02)
                if i % 10 == 0:
                    self.well_behaved()
            self.assertEqual(slow.recv(64), b"+OK\r\n")
        finally:
            slow.close()
        with RespConn(HOST, self.port, timeout=5) as c:
            self.assertEqual(c.call("GETDEL", "hostile:slow"), b"patience")

    def test_ten_thousand_idle_connections(self):
        # As many idle connections as maxclients allows (10k by default, a few kept for us):
        # the server keeps serving, and refuses one past the limit with Redis's error.
        n = self.max_clients - 8
        socks = []
        try:
            for _ in range(n):
                socks.append(socket.create_connection((HOST, self.port), timeout=10))
            self.well_behaved()
            extra = [socket.create_connection((HOST, self.port), timeout=10) for _ in range(16)]
            socks.extend(extra)
            refused = 0
            for s in extra:
                s.sendall(RespConn.encode("PING"))
                s.settimeout(5)
                try:
                    reply = s.recv(256)
                except OSError:
                    reply = b""
                if reply.startswith(b"-ERR max number of clients reached"):
                    refused += 1
                else:
                    self.assertIn(reply, (b"+PONG\r\n",), reply)
            self.assertGreater(refused, 0)
        finally:
            for s in socks:
                s.close()
        # Closing them all leaves the server serving normally.
        deadline = time.monotonic() + 10
        while True:
            try:
                self.well_behaved()
                break
            except (AssertionError, RespError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def flooder_gone(self, name: str) -> bool:
        """True once no client named `name` is connected (CLIENT LIST of the server; the proxy's
        suite overrides this: its CLIENT LIST shows one worker's clients only)."""
        with RespConn(HOST, self.port, timeout=5) as c:
            listing = c.call("CLIENT", "LIST")
        return f"name={name} ".encode() not in bytes(listing)

    def test_client_that_never_reads_is_cut_at_the_output_limit(self):
        # The server was started with a small output-buffer hard limit for normal clients
        # (1 MB): a client flooding GETs of a 100 KB value without reading is disconnected, and
        # nobody else notices. Its socket is never read (reading would let the server drain).
        with RespConn(HOST, self.port, timeout=5) as c:
            self.assertEqual(c.call("SET", "hostile:big", "x" * 100_000), "OK")
        s = socket.create_connection((HOST, self.port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.sendall(RespConn.encode("CLIENT", "SETNAME", "flooder"))
            get = RespConn.encode("GET", "hostile:big")
            s.settimeout(5)
            for _ in range(400):  # 40 MB of replies asked for, far past the 1 MB limit
                try:
                    s.sendall(get * 10)
                except socket.timeout:
                    break  # the server stopped reading us (backpressure)
                except OSError:
                    break  # already disconnected
            self.well_behaved()
            deadline = time.monotonic() + 15
            while not self.flooder_gone("flooder"):
                self.assertLess(time.monotonic(), deadline, "the flooding client stayed open")
                time.sleep(0.1)
        finally:
            s.close()
        self.well_behaved()
