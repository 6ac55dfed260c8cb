# Hostile input against the node, with redis-server 7.0 as the oracle: the same checks
# (harness/hostile.py: garbage, protocol errors, oversized bulk/multibulk, too-big inline, 10k
# pipelined commands unread, 200 half-open connections, a slowloris writer, 10k idle connections
# up to maxclients, a client that never reads cut at a 1 MB output limit) run first against a
# real redis-server, proving the expectations, then against our node. A well-behaved client is
# served during and after each. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 300
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.differential import node_bin  # noqa: E402
from harness.hostile import HostileChecks  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

LIMIT_ARGS = ["--client-output-buffer-limit", "normal 1mb 0 0"]


class _Server(HostileChecks):
    binary = None

    @classmethod
    def setUpClass(cls):
        cls.server = Standalone(binary=cls.binary, extra_args=LIMIT_ARGS).start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()


class RedisOracle(_Server, unittest.TestCase):
    binary = None  # redis-server


class Node(_Server, unittest.TestCase):
    binary = node_bin()


if __name__ == "__main__":
    main()
