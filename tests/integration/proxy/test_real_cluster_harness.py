# Proves the RedisCluster fixture itself against real redis-server + redis-cli: the 6-node cluster
# forms, `redis-cli --cluster check` is happy, a `redis-cli -c` round trip follows MOVED, kill -9
# of a master promotes its replica within a bounded time, a restarted node rejoins, and stop()
# leaves no process behind. Run: /usr/bin/python3 tests/integration/proxy/test_real_cluster_harness.py
# ctest-timeout: 240
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import RedisCluster, key_slot, wait_until  # noqa: E402
from harness.procs import group_members  # noqa: E402
from harness.runner import main  # noqa: E402

NODE_TIMEOUT_MS = 2000


def cli(*args, timeout=20):
    p = subprocess.run(["redis-cli", *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class ClusterFixture(unittest.TestCase):
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = RedisCluster(node_timeout_ms=NODE_TIMEOUT_MS).start()

    @classmethod
    def tearDownClass(cls):
        if cls.cluster:
            cls.cluster.stop()

    def assert_gone(self, procs):
        for p in procs:
            self.assertFalse(p.alive(), p.name)
            self.assertEqual(group_members(p.pid), [], f"{p.name} left processes behind")


class Formation(ClusterFixture):
    def test_created_with_redis_cli(self):
        self.assertIn("[OK] All 16384 slots covered.", self.cluster.create_output)
        self.assertIsNone(self.cluster.not_converged())

    def test_cluster_check(self):
        for n in self.cluster.nodes:
            rc, out = cli("--cluster", "check", n.addr)
            self.assertEqual(rc, 0, out)
            self.assertIn("[OK] All 16384 slots covered.", out)
            self.assertIn("[OK] All nodes agree about slots configuration.", out)

    def test_roles(self):
        masters = self.cluster.masters()
        self.assertEqual(len(masters), 3)
        for m in masters:
            self.assertEqual(len(self.cluster.replicas_of(m.port)), 1, m)
        for slot in (0, 5460, 5461, 10922, 10923, 16383):
            self.assertIn(self.cluster.master_for_slot(slot), masters)

    def test_cli_round_trip_follows_moved(self):
        key = "harness:roundtrip"
        owner = self.cluster.master_for_key(key)
        other = next(n for n in self.cluster.masters() if n is not owner)
        self.assertEqual(cli("-c", "-h", "127.0.0.1", "-p", other.port, "SET", key, "v1"), (0, "OK\n"))
        self.assertEqual(cli("-c", "-h", "127.0.0.1", "-p", other.port, "GET", key), (0, "v1\n"))
        rc, out = cli("-h", "127.0.0.1", "-p", other.port, "GET", key)  # without -c: MOVED
        self.assertEqual(out.strip(), f"MOVED {key_slot(key)} {owner.addr}")  # no "(error)": not a tty
        self.assertEqual(owner.client().get(key), "v1")


class Failover(ClusterFixture):
    def test_kill_master_promotes_replica_then_restart_rejoins(self):
        c = self.cluster
        key = "harness:failover"
        master = c.master_for_key(key)
        (replica,) = c.replicas_of(master.port)
        m = master.client()
        m.set(key, "before")
        self.assertEqual(m.execute_command("WAIT", 1, 5000), 1)
        dead_pid = master.proc.pid
        c.kill9(master.port)
        self.assertFalse(os.path.exists(f"/proc/{dead_pid}") and group_members(dead_pid))

        t0 = time.monotonic()
        wait_until(lambda: c.roles().get(replica.port) == ("master", None), 20,
                   f"replica {replica.addr} to be promoted")
        c.wait_converged(20)
        print(f"\n  failover took {time.monotonic() - t0:.1f}s at node-timeout {NODE_TIMEOUT_MS}ms",
              file=sys.stderr)
        self.assertEqual(c.master_for_key(key).port, replica.port)
        self.assertEqual(replica.client().get(key), "before")
        rc, out = cli("--cluster", "check", replica.addr)
        self.assertIn("[OK] All 16384 slots covered.", out)

        c.restart(master.port)
        wait_until(lambda: c.roles().get(master.port) == ("slave", replica.port), 30,
                   f"restarted {master.addr} to rejoin as replica of {replica.addr}")
        c.wait_converged(30)


class Cleanup(unittest.TestCase):
    def test_stop_leaves_nothing_behind(self):
        c = RedisCluster(node_timeout_ms=NODE_TIMEOUT_MS).start()
        procs = [n.proc for n in c.nodes]
        ports = [n.port for n in c.nodes]
        c.stop()
        for p in procs:
            self.assertFalse(p.alive(), p.name)
            self.assertEqual(group_members(p.pid), [], f"{p.name} left processes behind")
        for p in ports + [p + 10000 for p in ports]:
            self.assertFalse(listening(p), f"something still listens on {p}")

    def test_failed_start_cleans_up(self):
        c = RedisCluster(binary="/bin/false")
        with self.assertRaises(RuntimeError):
            c.start(timeout=10)
        for n in c.nodes:
            self.assertFalse(n.alive())


if __name__ == "__main__":
    sys.exit(main())
