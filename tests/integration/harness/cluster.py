# RedisCluster fixture: 6 nodes (3 masters + 3 replicas) of redis-server, or of our own `node`
# (binary from env STRATA_NODE_BIN), each in its own temp dir started exactly as
#   <bin> --port P --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf
#         --cluster-node-timeout <ms> --appendonly yes
# formed with the real `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`, then
# waited on (bounded) until every node says cluster_state:ok with the same slot map and (unless
# wait_replication=False) every replica has finished its initial sync.
# Exposes roles, master of a slot/key, kill -9 and restart of a node, and stop().
# Optional, for a TLS-only cluster (defaults leave all of the above unchanged): node_args(node)
# returns per-node server args appended last (e.g. --port 0 --tls-port <node.port>), cli_args are
# given to redis-cli before --cluster (e.g. --tls --cacert ...), client_kwargs to every redis-py
# client the fixture opens on a node (e.g. ssl=True, ssl_ca_certs=...).
import os
import shutil
import subprocess

import redis

from .ports import allocate_ports, release_ports
from .procs import Proc, make_temp_dir, wait_until
from .slots import key_slot

HOST = "127.0.0.1"


def node_binary() -> str:
    return (os.environ.get("STRATA_NODE_BIN") or shutil.which("redis-server")
            or "/usr/bin/redis-server")


class Node:
    def __init__(self, index: int, port: int, dir_: str, client_kwargs=None, host: str = HOST):
        self.index, self.port, self.dir, self.host = index, port, dir_, host
        self.client_kwargs = dict(client_kwargs or {})
        self.proc = None

    @property
    def addr(self) -> str:
        return f"{self.host}:{self.port}"

    def client(self, **kw) -> redis.Redis:
        kw.setdefault("socket_timeout", 5)
        kw.setdefault("socket_connect_timeout", 2)
        for k, v in self.client_kwargs.items():
            kw.setdefault(k, v)
        return redis.Redis(host=self.host, port=self.port, decode_responses=True, **kw)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.alive()

    def __repr__(self):
        return f"Node({self.addr}, pid={self.proc.pid if self.proc else None})"


class RedisCluster:
    def __init__(self, binary: str = None, masters: int = 3, replicas: int = 1,
                 node_timeout_ms: int = 5000, extra_args=(), wait_replication: bool = True,
                 node_args=None, cli_args=(), client_kwargs=None):
        self.binary = binary or node_binary()
        self.count = masters * (1 + replicas)
        self.replicas = replicas
        self.node_timeout_ms = node_timeout_ms
        self.extra_args = list(extra_args)
        self.wait_replication = wait_replication
        self.node_args = node_args
        self.cli_args = [str(a) for a in cli_args]
        self.client_kwargs = dict(client_kwargs or {})
        self.nodes = []
        self.dir = None

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 60.0):
        self.dir = make_temp_dir("cluster")
        ports = allocate_ports(self.count, bus=True)
        self.nodes = [Node(i, p, os.path.join(self.dir, f"node-{p}"), self.client_kwargs,
                           self.node_host(i)) for i, p in enumerate(ports)]
        try:
            for n in self.nodes:
                os.makedirs(n.dir)
                self._spawn(n)
            for n in self.nodes:
                self._wait_ping(n, 15.0)
            self._create(timeout)
            self.wait_converged(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def node_host(self, index: int) -> str:
        """The address node `index` binds and is reached at (subclasses: other namespaces)."""
        return HOST

    def spawn_prefix(self, n: Node) -> list:
        """argv run in front of the node binary (subclasses: `ip netns exec <ns>`)."""
        return []

    def _spawn(self, n: Node):
        argv = [*self.spawn_prefix(n), self.binary, "--port", n.port, "--bind", n.host,
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                self.node_timeout_ms, "--appendonly", "yes", *self.extra_args]
        if self.node_args:
            argv += list(self.node_args(n))
        n.proc = Proc(f"node:{n.port}", argv, n.dir, os.path.join(n.dir, "node.log")).start()

    def _wait_ping(self, n: Node, timeout: float):
        try:
            wait_until(lambda: n.client().ping(), timeout, f"{n.addr} to answer PING",
                       fail_if=lambda: None if n.alive() else "the node exited")
        except (TimeoutError, RuntimeError) as e:
            raise RuntimeError(f"{e}\n--- {n.proc.log_path} ---\n{n.proc.log_tail()}") from None

    def _create(self, timeout: float):
        cmd = ["redis-cli", *self.cli_args, "--cluster", "create", *[n.addr for n in self.nodes],
               "--cluster-replicas", str(self.replicas), "--cluster-yes"]
        log = os.path.join(self.dir, "cluster-create.log")
        with open(log, "wb") as f:
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                timeout=timeout).returncode
        out = open(log, errors="replace").read()
        if rc != 0 or "[OK] All 16384 slots covered." not in out:
            raise RuntimeError(f"redis-cli --cluster create failed (rc={rc}):\n{out[-3000:]}")
        self.create_output = out

    def stop(self):
        """Kills every node process (and any fork of it) and verifies that none is left."""
        errors = []
        for n in self.nodes:
            if n.proc:
                try:
                    n.proc.kill9()
                except Exception as e:  # noqa: BLE001 - keep killing the others
                    errors.append(f"{n}: {e!r}")
        release_ports([n.port for n in self.nodes])
        if errors:
            raise RuntimeError("cluster stop: " + "; ".join(errors))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- state -----------------------------------------------------------------------------
    def slot_map(self, n: Node):
        """Node n's view: sorted (start, end, master addr, sorted replica addrs)."""
        out = []
        for entry in n.client().execute_command("CLUSTER", "SLOTS") or []:
            start, end, master, *reps = entry
            addr = lambda e: f"{e[0]}:{e[1]}"  # noqa: E731
            out.append((start, end, addr(master), tuple(sorted(addr(r) for r in reps))))
        return sorted(out)

    def not_converged(self, nodes=None):
        """None when every live node says cluster_state:ok with one identical full slot map (and,
        with wait_replication, every replica finished its initial sync); else the reason."""
        nodes = [n for n in (nodes or self.nodes) if n.alive()]
        maps = []
        for n in nodes:
            info = n.client().execute_command("CLUSTER", "INFO")
            if "cluster_state:ok" not in info or "cluster_slots_assigned:16384" not in info:
                return f"{n.addr}: cluster_state/slots not ok"
            # Masters only: Redis 7.0 lists a replica in CLUSTER SLOTS once it has heard (by
            # gossip) a non-zero replication offset for it, so replica lists differ between
            # nodes for seconds after every sync. Replicas are checked with ROLE below.
            maps.append([(s, e, m) for s, e, m, _ in self.slot_map(n)])
        for n, m in zip(nodes, maps):
            if m != maps[0]:
                return f"{n.addr} and {nodes[0].addr} disagree on the slot map"
        if sum(e - s + 1 for s, e, _ in maps[0]) != 16384:
            return "slot map does not cover 16384 slots"
        if self.wait_replication:
            # ROLE state "connected" = initial sync done: with Redis 7.0 defaults (diskless sync,
            # 5 s delay) that is ~5 s after cluster_state:ok.
            for n in nodes:
                role = n.client().execute_command("ROLE")
                if role[0] != "master" and role[3] != "connected":
                    return f"replica {n.addr} link state {role[3]}"
        return None

    def converged(self, nodes=None) -> bool:
        return self.not_converged(nodes) is None

    def wait_converged(self, timeout: float = 60.0):
        last = ["not checked"]

        def check():
            last[0] = self.not_converged()
            return last[0] is None

        try:
            wait_until(check, timeout, "every live node to report cluster_state:ok and the same "
                       "slot map", interval=0.2)
        except TimeoutError as e:
            raise TimeoutError(f"{e}; last reason: {last[0]}") from None

    def node(self, port: int) -> Node:
        return next(n for n in self.nodes if n.port == port)

    def roles(self) -> dict:
        """{port: ("master", None) | ("slave", master_port)} as each live node reports (ROLE)."""
        out = {}
        for n in self.nodes:
            if not n.alive():
                continue
            role = n.client().execute_command("ROLE")
            out[n.port] = ("master", None) if role[0] == "master" else ("slave", int(role[2]))
        return out

    def masters(self) -> list:
        return [self.node(p) for p, (r, _) in sorted(self.roles().items()) if r == "master"]

    def replicas_of(self, master_port: int) -> list:
        return [self.node(p) for p, (r, m) in sorted(self.roles().items())
                if r == "slave" and m == master_port]

    def master_for_slot(self, slot: int) -> Node:
        live = next(n for n in self.nodes if n.alive())
        for start, end, master, _ in self.slot_map(live):
            if start <= slot <= end:
                return self.node(int(master.rsplit(":", 1)[1]))
        raise LookupError(f"slot {slot} is not served")

    def master_for_key(self, key) -> Node:
        return self.master_for_slot(key_slot(key))

    # ---- faults ----------------------------------------------------------------------------
    def kill9(self, port: int):
        self.node(port).proc.kill9()

    def restart(self, port: int, timeout: float = 15.0):
        """Starts a killed node again on the same port and dir (it keeps nodes.conf and AOF)."""
        n = self.node(port)
        if n.alive():
            raise RuntimeError(f"{n} is still running")
        self._spawn(n)
        self._wait_ping(n, timeout)
        return n
