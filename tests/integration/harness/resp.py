# A tiny raw-socket RESP2/RESP3 client (redis-py 4.3.4 has no RESP3): sends commands as arrays of
# bulk strings and decodes every reply type into Python values that keep the wire type visible:
#   +simple -> str        $bulk / =verbatim -> bytes     :int -> int      (big -> int
#   -error  -> RespError  *array -> list   %map -> Map   ~set -> RSet     >push -> Push
#   ,double -> Double     #bool -> bool    _null -> NULL   RESP2 nil ($-1 / *-1) -> None
# Attributes (|) are read and kept in .last_attributes. Every read is bounded by a socket timeout.
import socket


class RespError(str):
    """An error reply; equal only to another RespError with the same text."""

    def __eq__(self, other):
        return isinstance(other, RespError) and str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self):
        return f"RespError({str.__repr__(self)})"


class Map(dict):
    """RESP3 map (%)."""


class RSet(list):
    """RESP3 set (~), kept in wire order."""


class Push(list):
    """RESP3 push (>)."""

    def __repr__(self):
        return f"Push({list.__repr__(self)})"


class Double(float):
    """RESP3 double (,)."""


class _Null:
    def __repr__(self):
        return "NULL"


NULL = _Null()  # RESP3 null (_)


class RespConn:
    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buf = b""
        self.last_attributes = None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def encode(*args) -> bytes:
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        return b"".join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def call(self, *args):
        self.send(*args)
        return self.read()

    def read(self, timeout: float = None):
        """Reads one complete reply; socket.timeout if none arrives within `timeout`."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        return self._value()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by peer")
        self.buf += chunk

    def _line(self) -> bytes:
        for _ in range(100000):
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()
        raise ConnectionError("line too long")

    def _exact(self, n: int) -> bytes:
        for _ in range(100000):
            if len(self.buf) >= n + 2:
                data, self.buf = self.buf[:n], self.buf[n + 2:]
                return data
            self._fill()
        raise ConnectionError("bulk too long")

    def _value(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"(":
            return int(rest)
        if t == b",":
            return Double(float(rest.decode().replace("inf", "Infinity")))
        if t == b"#":
            return rest == b"t"
        if t == b"_":
            return NULL
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n)
            if t == b"!":
                return RespError(data.decode())
            return data[4:] if t == b"=" else data
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self._value() for _ in range(n)]
            return {b"*": list, b"~": RSet, b">": Push}[t](items)
        if t == b"%":
            n = int(rest)
            m = Map()
            for _ in range(n):
                k = self._value()
                m[k if not isinstance(k, list) else tuple(k)] = self._value()
            return m
        if t == b"|":
            n = int(rest)
            self.last_attributes = {self._value(): self._value() for _ in range(n)}
            return self._value()
        raise ConnectionError(f"unknown RESP type byte in line {line[:80]!r}")
