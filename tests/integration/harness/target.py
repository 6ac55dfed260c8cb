# The endpoint a suite runs against, chosen by env STRATA_TEST_TARGET:
#   standalone (default) - one plain redis-server (the oracle: proves the suite itself right)
#   proxy                - a 6-node Redis Cluster (RedisCluster fixture) + the strata proxy
# Suites ask the Target for clients; `is_proxy` lets them mark proxy-only checks.
import os

import redis

from .cluster import RedisCluster
from .proxy import Proxy
from .resp import RespConn
from .standalone import Standalone

HOST = "127.0.0.1"
KINDS = ("standalone", "proxy")


def target_kind() -> str:
    kind = os.environ.get("STRATA_TEST_TARGET", "standalone")
    if kind not in KINDS:
        raise SystemExit(f"STRATA_TEST_TARGET must be one of {KINDS}, not {kind!r}")
    return kind


class Target:
    def __init__(self, kind: str):
        self.kind = kind
        self.standalone = self.cluster = self.proxy = None
        self.port = None

    @property
    def is_proxy(self) -> bool:
        return self.kind == "proxy"

    def start(self):
        try:
            if self.kind == "standalone":
                self.standalone = Standalone().start()
                self.port = self.standalone.port
            else:
                Proxy.check_binary()  # before the cluster: fail fast when it is not built
                self.cluster = RedisCluster().start()
                seeds = [n.addr for n in self.cluster.masters()[:2]]
                self.proxy = Proxy(seeds).start()
                self.port = self.proxy.port
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for part in (self.proxy, self.cluster, self.standalone):
            if part is not None:
                part.stop()

    def data_servers(self) -> list:
        """Ports of the servers holding the data: the standalone one, or every master."""
        if self.standalone is not None:
            return [self.standalone.port]
        return [m.port for m in self.cluster.masters()]

    def all_servers(self) -> list:
        """Ports of every server: the standalone one, or every node of the cluster (replicas
        too)."""
        if self.standalone is not None:
            return [self.standalone.port]
        return [n.port for n in self.cluster.nodes]

    def client(self, **kw) -> redis.Redis:
        """A plain single-node redis-py client for the endpoint (decoded str replies)."""
        kw.setdefault("decode_responses", True)
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 5)
        return redis.Redis(host=HOST, port=self.port, **kw)

    def raw(self, timeout: float = 10.0) -> RespConn:
        return RespConn(HOST, self.port, timeout)

    def logs(self) -> list:
        """(name, path) of the logs worth showing when a test fails, proxy first."""
        out = []
        if self.proxy and self.proxy.proc:
            out.append(("proxy", self.proxy.log_path))
        return out


def start_target(kind: str = None) -> Target:
    return Target(kind or target_kind()).start()
