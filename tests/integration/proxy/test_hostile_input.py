# Hostile input against the proxy in front of a real 6-node Redis 7 Cluster: the checks of
# harness/hostile.py (garbage, protocol errors, oversized bulk/multibulk, too-big inline, 10k
# pipelined commands unread, 200 half-open connections, a slowloris writer, 10k idle connections
# up to maxclients, a client that never reads cut at a 1 MB output limit), with Redis 7.0's exact
# errors (node/test_hostile_input.py proves them on redis-server). A well-behaved client is
# served during and after each.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_hostile_input.py
# ctest-targets: proxy
# ctest-timeout: 300
import os
import re
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import Proxy, RedisCluster, RespConn  # noqa: E402
from harness.hostile import HostileChecks  # noqa: E402
from harness.runner import main  # noqa: E402


class ProxyHostile(HostileChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        Proxy.check_binary()
        cls.cluster = RedisCluster(wait_replication=False).start()
        try:
            cls.proxy = Proxy([n.addr for n in cls.cluster.masters()[:2]],
                              extra_args=["--client-output-buffer-limit", "1mb"]).start()
        except BaseException:
            cls.cluster.stop()
            raise
        cls.port = cls.proxy.port
        # The maxclients in force: lowered to fit RLIMIT_NOFILE (2 descriptors a client, its
        # socket and a dedicated backend link) when the hard limit is below about 20k.
        with RespConn("127.0.0.1", cls.port) as c:
            info = c.call("INFO", "proxy").decode()
        cls.max_clients = int(re.search(r"\r\nmaxclients:(\d+)\r\n", info).group(1))

    def flooder_gone(self, name):
        # The proxy's CLIENT LIST shows its own worker's clients: count limit closes instead.
        body = urllib.request.urlopen(
            f"http://127.0.0.1:{self.proxy.metrics_port}/metrics", timeout=5).read().decode()
        closes = sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                     if line.startswith("strata_proxy_errors_total{")
                     and 'kind="client_limit"' in line)
        return closes >= 1

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.cluster.stop()


if __name__ == "__main__":
    main()
