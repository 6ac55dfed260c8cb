# Differential checks of the node against redis-server 7.0: node_bin() finds the node binary
# (STRATA_NODE_BIN, else build/node/node), and DifferentialCase is a unittest base class that
# starts one redis-server and one node (Standalone fixtures) for the class and offers same(): run
# one check on redis-server first, then on the node, in RESP2 and RESP3, and require equal
# transcripts. node_bin() serves every node suite; DifferentialCase the client_control, pubsub,
# transactions and tracking ones; info_field() / client_field() read INFO and CLIENT LIST fields.
import os
import unittest

from .resp import RespConn
from .standalone import Standalone

HOST = "127.0.0.1"
_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def node_bin(redis_too=False):
    """The node binary under test: STRATA_NODE_BIN, else build/node/node. A redis-server there
    (the cluster suites' default) means build/node/node too, unless redis_too: then the suite
    runs as it is on Redis 7.0 (the cluster suites that compare both that way)."""
    b = os.environ.get("STRATA_NODE_BIN", "")
    if b and os.path.basename(b) == "redis-server":
        if redis_too:
            return b
        b = ""
    if not b:
        b = os.path.join(_ROOT, "build", "node", "node")
    return os.path.abspath(b)


def info_field(text, name):
    """The value of `name` in an INFO reply (bytes), or None."""
    for line in text.decode().splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def client_field(line, name):
    """The value of `name=` in a CLIENT LIST / CLIENT INFO line (bytes), or None."""
    for kv in line.decode().strip().split(" "):
        if kv.startswith(name + "="):
            return kv.split("=", 1)[1]
    return None


class DifferentialCase(unittest.TestCase):
    """self.servers = {"redis": ..., "node": ...}, started once per class (redis first, so that
    it is the reference). Subclasses may set node_args / redis_args (extra server arguments)."""

    node_args = ()
    redis_args = ()

    @classmethod
    def setUpClass(cls):
        cls.servers = {}
        try:
            cls.servers["redis"] = Standalone(extra_args=cls.redis_args).start()
            cls.servers["node"] = Standalone(binary=node_bin(), extra_args=cls.node_args).start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers.values():
            s.stop()

    def conn(self, port, proto=2):
        """A raw RESP connection closed at the end of the test; HELLO 3 first for proto 3."""
        c = RespConn(HOST, port)
        self.addCleanup(c.close)
        if proto == 3:
            c.call("HELLO", "3")
        return c

    def normalize(self, transcript):
        """Hook applied to each transcript before comparing (e.g. to keep wire types visible)."""
        return transcript

    def same(self, check, protos=(2, 3)):
        """Runs check(port, proto) on redis-server, then on the node, each after FLUSHALL; the
        transcripts must be equal. Returns {proto: redis-server's transcript} so that callers
        can pin values too (a failure both servers share must still fail)."""
        out = {}
        for proto in protos:
            got = {}
            for name, server in self.servers.items():
                flush = RespConn(HOST, server.port)
                try:
                    flush.call("FLUSHALL")
                finally:
                    flush.close()
                got[name] = self.normalize(check(server.port, proto))
            with self.subTest(proto=proto):
                self.assertEqual(got["node"], got["redis"])
            out[proto] = got["redis"]
        return out
