# Fault injection with a lost-write checker (issue 8): a 6-node cluster (3 masters + 3 replicas,
# node timeout 2000 ms, AOF on, one master's dir on a small tmpfs, each node in its own network
# namespace on a private bridge: netns.py) formed with the real
# `redis-cli --cluster create`, the strata proxy in front, and the workload of workload.py
# (written-once keys, SET + WAIT 1, a reader) running through the proxy while one fault is
# injected and healed per scenario:
#   kill9_master    kill -9 of a master; its replica takes over; the old master restarts and
#                   rejoins as a replica
#   kill9_replica   kill -9 of a replica; restarted
#   kill9_proxy     kill -9 of the proxy; a new proxy on the same port
#   sigstop_master  SIGSTOP of a master past the node timeout (failover), then SIGCONT
#   partition_master a master cut off the network (its link down: both directions) past the
#                   node timeout; healed, it rejoins as a replica of the promoted one
#   aof_disk_full   the tmpfs under a master's AOF is filled; writes to it fail; space is given
#                   back and the shard serves writes again
#   slow_clients    clients that pipeline big GETs and never read, while the workload runs
# Each scenario then waits for every node to report cluster_state:ok with one slot map, stops
# the workload and checks the history: no write acknowledged under WAIT lost, no read of a value
# never written, writes served again after healing. A summary line per scenario is printed; the
# nodes are redis-server 7.0 by default, our node with STRATA_NODE_BIN (same checks, side by
# side). Needs root (tmpfs mount, network namespaces) and STRATA_PROXY_BIN. Every step is bounded in time.
# ctest-timeout: 600
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import redis  # noqa: E402

from harness import Proxy, RedisCluster, wait_until  # noqa: E402
from harness.runner import main  # noqa: E402
from netns import NetnsLan  # noqa: E402
from workload import Workload  # noqa: E402

NODE_TIMEOUT_MS = 2000
LOAD_BEFORE = 1.5       # seconds of workload before the fault
RECOVERY_TIMEOUT = 30.0
TMPFS_SIZE_MB = 8


def log(msg: str):
    print(f"  {msg}", file=sys.stderr, flush=True)


class ChaosCluster(RedisCluster):
    """RedisCluster whose nodes each live in their own network namespace on a private bridge
    (netns.py: one node can be partitioned), and whose first node (a master after `--cluster
    create`) keeps its data dir on a tmpfs of TMPFS_SIZE_MB, so its AOF disk can be filled."""

    tmpfs = None
    lan = None

    def start(self, timeout: float = 60.0):
        self.lan = NetnsLan(self.count).create()
        try:
            return super().start(timeout)
        except BaseException:
            self.lan.destroy()
            raise

    def node_host(self, index: int) -> str:
        return self.lan.ip(index)

    def spawn_prefix(self, n) -> list:
        return self.lan.prefix(n.index)

    def _spawn(self, n):
        if n.index == 0 and self.tmpfs is None:
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE_MB}m", "tmpfs",
                            n.dir], check=True, timeout=10)
            self.tmpfs = n.dir
        super()._spawn(n)

    def stop(self):
        try:
            super().stop()
        finally:
            if self.tmpfs:
                subprocess.run(["umount", "-l", self.tmpfs], timeout=10)
                self.tmpfs = None
            if self.lan:
                self.lan.destroy()


class Chaos(unittest.TestCase):
    results = []

    @classmethod
    def setUpClass(cls):
        Proxy.check_binary()
        # Nodes are reached on the bridge, not on loopback: protected mode off (no password).
        cls.cluster = ChaosCluster(node_timeout_ms=NODE_TIMEOUT_MS,
                                   extra_args=["--protected-mode", "no"]).start()
        try:
            cls.proxy = Proxy([n.addr for n in cls.cluster.nodes[:3]]).start()
        except BaseException:
            cls.cluster.stop()
            raise
        cls.engine = os.path.basename(cls.cluster.binary)

    @classmethod
    def tearDownClass(cls):
        for r in cls.results:
            log("chaos[{engine}] {scenario}: sent={sent} acked={acked} durable={durable} "
                "failed_ops={failed_ops} present={present} lost_durable={lost} "
                "invented={invented} reads={reads} recovery_s={recovery}".format(**r))
        try:
            cls.proxy.stop()
        finally:
            cls.cluster.stop()

    # ---- helpers -----------------------------------------------------------------------------
    def setUp(self):
        self.stopped = []      # SIGSTOPped nodes
        self.partitioned = []  # nodes cut off the network
        self.cluster.wait_converged(RECOVERY_TIMEOUT)

    def tearDown(self):
        # Never leave a stopped or cut-off node behind a failed check.
        for n in self.stopped:
            os.kill(n.proc.pid, signal.SIGCONT)
        for n in self.partitioned:
            self.cluster.lan.heal(n.index)

    def live_nodes(self):
        return [n for n in self.cluster.nodes
                if n.alive() and n not in self.stopped and n not in self.partitioned]

    def master_with_replica(self):
        """A master (not the tmpfs one) that has a replica, and that replica."""
        for m in self.cluster.masters():
            if m.index == 0:
                continue
            reps = self.cluster.replicas_of(m.port)
            if reps:
                return m, reps[0]
        self.fail("no master with a replica")

    def role_of(self, node):
        """("master", None) or ("slave", master port) as `node` itself answers ROLE."""
        role = node.client(socket_timeout=2).execute_command("ROLE")
        return ("master", None) if role[0] == "master" else ("slave", int(role[2]))

    def wait_ok(self, what: str):
        last = ["not checked"]

        def ok():
            last[0] = self.cluster.not_converged(self.live_nodes())
            return last[0] is None

        try:
            wait_until(ok, RECOVERY_TIMEOUT, what, interval=0.2)
        except TimeoutError as e:
            raise AssertionError(f"{e}; last reason: {last[0]}") from None

    def wait_writes_served(self, load: Workload, since: float):
        wait_until(lambda: any(t > since for t in list(load.ok_times)), RECOVERY_TIMEOUT,
                   "writes through the proxy to succeed again")

    def run_scenario(self, name: str, inject, heal):
        load = self.load = Workload(self.proxy.port, name).start()
        try:
            time.sleep(LOAD_BEFORE)
            fault_at = time.monotonic()
            inject()
            heal()
            self.wait_ok(f"cluster_state ok after {name}")
            healed_at = time.monotonic()
            self.wait_writes_served(load, healed_at)
            recovery = round(time.monotonic() - fault_at, 2)
            time.sleep(0.5)
        finally:
            load.stop()
        r = load.check()
        self.results.append({"engine": self.engine, "scenario": name, "recovery": recovery,
                             **r, "lost": len(r["lost_durable"]),
                             "invented": len(r["invented"])})
        self.assertGreater(r["durable"], 0, "no write was acknowledged under WAIT at all")
        self.assertEqual(r["lost_durable"][:10], [], f"{name}: WAIT-acknowledged writes lost")
        self.assertEqual(r["invented"][:10], [], f"{name}: values never written were read")
        self.cluster.wait_converged(RECOVERY_TIMEOUT)

    # ---- scenarios ---------------------------------------------------------------------------
    def test_kill9_master(self):
        master, replica = self.master_with_replica()

        def inject():
            self.cluster.kill9(master.port)
            wait_until(lambda: self.role_of(replica)[0] == "master",
                       RECOVERY_TIMEOUT, f"{replica.addr} to be promoted")

        def heal():
            self.cluster.restart(master.port)
            wait_until(lambda: self.role_of(master)[0] == "slave",
                       RECOVERY_TIMEOUT, f"{master.addr} to rejoin as a replica")

        self.run_scenario("kill9_master", inject, heal)

    def test_kill9_replica(self):
        _, replica = self.master_with_replica()
        self.run_scenario("kill9_replica", lambda: self.cluster.kill9(replica.port),
                          lambda: (time.sleep(1.0), self.cluster.restart(replica.port)))

    def test_kill9_proxy(self):
        def inject():
            self.proxy.proc.kill9()
            time.sleep(0.5)

        def heal():
            self.proxy.restart()

        self.run_scenario("kill9_proxy", inject, heal)

    def test_sigstop_master(self):
        master, replica = self.master_with_replica()

        def inject():
            os.kill(master.proc.pid, signal.SIGSTOP)
            self.stopped.append(master)
            wait_until(lambda: self.role_of(replica)[0] == "master",
                       RECOVERY_TIMEOUT, f"{replica.addr} to be promoted")

        def heal():
            os.kill(master.proc.pid, signal.SIGCONT)
            self.stopped.remove(master)
            wait_until(lambda: self.role_of(master)[0] == "slave",
                       RECOVERY_TIMEOUT, f"{master.addr} to rejoin as a replica")

        self.run_scenario("sigstop_master", inject, heal)

    def test_partition_master(self):
        master, replica = self.master_with_replica()

        def inject():
            self.cluster.lan.partition(master.index)
            self.partitioned.append(master)
            wait_until(lambda: self.role_of(replica)[0] == "master", RECOVERY_TIMEOUT,
                       f"{replica.addr} to be promoted")

        def heal():
            self.cluster.lan.heal(master.index)
            self.partitioned.remove(master)
            wait_until(lambda: self.role_of(master)[0] == "slave", RECOVERY_TIMEOUT,
                       f"{master.addr} to rejoin as a replica")

        self.run_scenario("partition_master", inject, heal)

    def test_aof_disk_full(self):
        node = self.cluster.nodes[0]
        self.assertEqual(self.role_of(node)[0], "master")
        # A hash tag whose slot the tmpfs node serves.
        self.tag = next(f"t{i}" for i in range(100000)
                        if self.cluster.master_for_key(f"t{i}").port == node.port)
        filler = os.path.join(self.cluster.tmpfs, "filler")

        def inject():
            # Fill the tmpfs, then write to the node until it refuses (AOF write error).
            # Unbuffered: a buffered file kept the bytes its failed flush could not write and
            # raised ENOSPC again from close(), outside the try (seen in CI).
            with open(filler, "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                except OSError:
                    pass
            c = node.client(socket_timeout=2)
            refused = None
            for i in range(2000):
                try:
                    c.set(f"{{{self.tag}}}{i}", "x" * 1024)
                except redis.exceptions.ResponseError as e:
                    refused = str(e)
                    break
            self.assertIsNotNone(refused, "the node kept acknowledging writes on a full disk")
            log(f"aof_disk_full: {node.addr} refused: {refused}")

        def heal():
            os.remove(filler)
            c = node.client(socket_timeout=2)

            def accepted():
                try:
                    return c.set(f"{{{self.tag}}}healed", "1")
                except redis.exceptions.ResponseError:
                    return False

            wait_until(accepted, RECOVERY_TIMEOUT, f"{node.addr} to accept writes again")

        self.run_scenario("aof_disk_full", inject, heal)

    def test_slow_clients(self):
        import socket
        big = "b" * 200_000
        redis.Redis(host="127.0.0.1", port=self.proxy.port).set("chaos:big", big)
        socks = []

        def inject():
            get = b"*2\r\n$3\r\nGET\r\n$9\r\nchaos:big\r\n" * 50
            t0 = time.monotonic()
            for _ in range(10):
                s = socket.create_connection(("127.0.0.1", self.proxy.port), timeout=2)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                try:
                    s.sendall(get)
                except OSError:
                    pass
                socks.append(s)
            # The workload keeps being served while the slow clients hold their replies.
            self.wait_writes_served(self.load, t0 + 1.0)

        def heal():
            for s in socks:
                s.close()

        self.run_scenario("slow_clients", inject, heal)


if __name__ == "__main__":
    main()
