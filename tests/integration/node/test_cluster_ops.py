# Issue 5's acceptance for operations on a live cluster of our node: six nodes started as
# documented (`--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout
# 5000 --appendonly yes`, each in its own dir, ports from harness/ports.py) formed with the real
# `redis-cli --cluster create`, then, in order, with 100,000 keys written through redis-py's
# RedisCluster (pipelines per node) checked value by value after every step:
#   reshard of 2000 slots between two masters while a writer thread (its own RedisCluster,
#   bounded loop) writes and reads back: zero errors; add-node of an empty master and
#   `rebalance --cluster-use-empty-masters` under the same writer: zero errors;
#   `--cluster fix` of a slot left MIGRATING/IMPORTING by CLUSTER SETSLOT and of a slot left
#   unassigned by DELSLOTS, then a clean check; add-node of a replica of the new master with
#   `--cluster-slave --cluster-master-id` (synced, every key readable on it); del-node of that
#   replica (7.0's redis-cli sends it CLUSTER RESET SOFT: it forgets the cluster and empties);
#   all seven remaining nodes stopped and restarted: same ids, roles, slot map, keys.
# STRATA_NODE_BIN picks the binary (CTest: our node; `redis-server` runs the same file against
# Redis 7.0 to tell our bugs from the tools'). Every wait is bounded; every process is stopped.
# ctest-timeout: 240
import logging
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from redis.cluster import PRIMARY, ClusterNode  # noqa: E402
from redis.cluster import RedisCluster as PyCluster  # noqa: E402

from harness.cluster import HOST, Node, RedisCluster  # noqa: E402
from harness.ports import allocate_ports  # noqa: E402
from harness.procs import wait_until  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.slots import key_slot  # noqa: E402
from harness import differential  # noqa: E402

# redis-py logs every MOVED/ASK it follows with a traceback; they are not errors here.
logging.getLogger("redis").setLevel(logging.CRITICAL)

KEYS = 100_000
CHUNK = 5000
WRITER_MAX_SECONDS = 180
RESHARD_SLOTS = 2000


def node_bin():
    return differential.node_bin(redis_too=True)


def key(i):
    return f"ops:{i}"


def value(i):
    return f"v{i}:{i * 7919 % 1000003}"


class Writer(threading.Thread):
    """SET w:<n> then GET it back through its own RedisCluster until stopped (bounded by
    WRITER_MAX_SECONDS); every exception and every wrong read is recorded, none is retried.
    `known`: masters without slots to put in the client's node table. redis-py 4.3.4 learns nodes
    only from CLUSTER SLOTS and follows -ASK with a lookup in that table, so an -ASK to a master
    that owns no slot yet (the first slot moving onto an added master) ends in
    "AttributeError: 'NoneType' object has no attribute 'server_type'" against Redis 7.0 as well:
    a client bug, not a server error."""

    def __init__(self, port, prefix, known=()):
        super().__init__(daemon=True)
        self.port, self.prefix, self.known = port, prefix, list(known)
        self.stop_event = threading.Event()
        self.errors = []
        self.written = 0

    def run(self):
        rc = PyCluster(host=HOST, port=self.port, decode_responses=True, socket_timeout=10)
        for n in self.known:
            node = ClusterNode(n.host, n.port, PRIMARY)
            rc.nodes_manager.nodes_cache.setdefault(node.name, node)
        deadline = time.monotonic() + WRITER_MAX_SECONDS
        try:
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                k = f"{self.prefix}:{self.written}"
                try:
                    if rc.set(k, self.written) is not True:
                        self.errors.append(f"SET {k} did not answer OK")
                    got = rc.get(k)
                    if got != str(self.written):
                        self.errors.append(f"GET {k} -> {got!r}")
                    if self.written % 50 == 0:
                        rc.incr(f"{self.prefix}:counter")
                except Exception as e:  # noqa: BLE001 - every error counts
                    self.errors.append(f"{k}: {type(e).__name__}: {e}")
                self.written += 1
        finally:
            rc.close()

    def finish(self):
        self.stop_event.set()
        self.join(30)
        assert not self.is_alive(), "writer did not stop"


class ClusterOps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = RedisCluster(binary=node_bin(), node_timeout_ms=5000,
                                   wait_replication=False).start(timeout=60)
        cls.new_master = None
        cls.new_replica = None
        cls.writers = []

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    # ---- helpers --------------------------------------------------------------------------------
    def cli(self, *args, timeout=60):
        return subprocess.run(["redis-cli", *map(str, args)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout)

    def a0(self):
        return self.cluster.nodes[0].addr

    def slot_owners(self):
        """slot -> Node from node 0's CLUSTER SLOTS."""
        owners = [None] * 16384
        for start, end, master in ((s, e, m) for s, e, m, _ in
                                   self.cluster.slot_map(self.cluster.nodes[0])):
            n = self.cluster.node(int(master.rsplit(":", 1)[1]))
            for s in range(start, end + 1):
                owners[s] = n
        return owners

    def by_node(self, keys):
        owners = self.slot_owners()
        groups = {}
        for k in keys:
            groups.setdefault(owners[key_slot(k)].port, []).append(k)
        return groups

    def check_clean(self, what):
        last = [None]

        def ok():
            last[0] = self.cli("--cluster", "check", self.a0())
            return (last[0].returncode == 0 and "[WARNING]" not in last[0].stdout
                    and "[ERR]" not in last[0].stdout)
        try:
            wait_until(ok, 20, f"a clean check after {what}", interval=0.5)
        except TimeoutError:
            self.fail(f"check after {what}:\n{last[0].stdout[-3000:]}")

    def check_all_keys(self, what):
        """Every one of the KEYS keys has its value, read from its slot's owner in pipelines."""
        wrong = []
        for port, keys in self.by_node(key(i) for i in range(KEYS)).items():
            c = self.cluster.node(port).client(socket_timeout=30)
            for off in range(0, len(keys), CHUNK):
                part = keys[off:off + CHUNK]
                pipe = c.pipeline(transaction=False)
                for k in part:
                    pipe.get(k)
                for k, v in zip(part, pipe.execute(raise_on_error=False)):
                    if v != value(int(k.split(":")[1])):
                        wrong.append((k, v))
        self.assertEqual(wrong[:10], [], f"{len(wrong)} keys wrong or missing after {what}")

    def check_writer(self, w, what):
        self.assertEqual(w.errors[:20], [], f"{len(w.errors)} writer errors during {what}")
        self.assertGreater(w.written, 100, f"the writer barely ran during {what}")
        rc = PyCluster(host=HOST, port=self.cluster.nodes[0].port, decode_responses=True,
                       socket_timeout=10)
        try:
            got = rc.mget_nonatomic([f"{w.prefix}:{i}" for i in range(w.written)])
        finally:
            rc.close()
        self.assertEqual(got, [str(i) for i in range(w.written)])
        self.writers.append((w.prefix, w.written))

    def my_id(self, n):
        return n.client().execute_command("CLUSTER", "MYID")

    def masters(self):
        return self.cluster.masters()

    # ---- steps ----------------------------------------------------------------------------------
    def test_01_load_100k(self):
        t0 = time.monotonic()
        rc = PyCluster(host=HOST, port=self.cluster.nodes[0].port, decode_responses=True,
                       socket_timeout=30)
        try:
            # redis-py's cluster pipeline groups the commands by node: one round trip per node
            # and chunk.
            for off in range(0, KEYS, CHUNK):
                pipe = rc.pipeline()
                for i in range(off, min(off + CHUNK, KEYS)):
                    pipe.set(key(i), value(i))
                self.assertTrue(all(r is True for r in pipe.execute()))
        finally:
            rc.close()
        total = sum(m.client().dbsize() for m in self.masters())
        self.assertEqual(total, KEYS)
        self.check_all_keys("the load")
        print(f"\n  100k keys loaded and checked in {time.monotonic() - t0:.1f}s", flush=True)

    def test_02_reshard_2000_slots_under_writes(self):
        src = self.cluster.master_for_slot(0)
        dst = next(m for m in self.masters() if m.port != src.port)
        before = dst.client().dbsize()
        w = Writer(self.cluster.nodes[0].port, "w1")
        w.start()
        try:
            time.sleep(0.5)
            t0 = time.monotonic()
            r = self.cli("--cluster", "reshard", self.a0(), "--cluster-from", self.my_id(src),
                         "--cluster-to", self.my_id(dst), "--cluster-slots", RESHARD_SLOTS,
                         "--cluster-yes", timeout=180)
            took = time.monotonic() - t0
            time.sleep(0.5)
        finally:
            w.finish()
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        print(f"\n  reshard {RESHARD_SLOTS} slots: {took:.1f}s, writer {w.written} ops, "
              f"{len(w.errors)} errors", flush=True)
        self.assertEqual(self.cluster.master_for_slot(0).port, dst.port)
        self.assertGreater(dst.client().dbsize(), before + KEYS * (RESHARD_SLOTS - 300) // 16384)
        self.check_writer(w, "the reshard")
        self.check_clean("the reshard")
        self.check_all_keys("the reshard")

    def test_03_rebalance_onto_empty_master_under_writes(self):
        c = self.cluster
        (port,) = allocate_ports(1, bus=True)
        n = Node(len(c.nodes), port, os.path.join(c.dir, f"node-{port}"))
        os.makedirs(n.dir)
        c.nodes.append(n)
        c._spawn(n)
        c._wait_ping(n, 15)
        r = self.cli("--cluster", "add-node", n.addr, self.a0())
        self.assertEqual(r.returncode, 0, r.stdout)
        new_id = self.my_id(n)
        wait_until(lambda: all(new_id in m.client().execute_command("CLUSTER", "NODES")
                               for m in c.nodes), 20, "every node to know the new master")
        type(self).new_master = n
        self.check_clean("add-node")
        w = Writer(c.nodes[0].port, "w2", known=[n])
        w.start()
        try:
            time.sleep(0.5)
            t0 = time.monotonic()
            r = self.cli("--cluster", "rebalance", self.a0(), "--cluster-use-empty-masters",
                         timeout=180)
            took = time.monotonic() - t0
            time.sleep(0.5)
        finally:
            w.finish()
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        print(f"\n  rebalance onto an empty master: {took:.1f}s, writer {w.written} ops, "
              f"{len(w.errors)} errors", flush=True)
        owned = sum(1 for o in self.slot_owners() if o.port == n.port)
        self.assertGreater(owned, 16384 // 4 - 200)  # rebalance's 2% threshold
        self.assertGreater(n.client().dbsize(), KEYS // 5)
        self.check_writer(w, "the rebalance")
        self.check_clean("the rebalance")
        self.check_all_keys("the rebalance")

    def fix(self):
        # --cluster-yes does not answer every question of fix (slot coverage asks anyway), so
        # the answers come on stdin as an operator would type them.
        return subprocess.run(["redis-cli", "--cluster", "fix", self.a0(), "--cluster-yes"],
                              capture_output=True, text=True, input="yes\n" * 4, timeout=120)

    def test_04_fix_open_slot(self):
        # A slot with keys left MIGRATING on its owner and IMPORTING on another master, as an
        # interrupted reshard leaves it; fix finishes the move.
        k = key(12345)
        s1 = key_slot(k)
        src = self.slot_owners()[s1]
        dst = next(m for m in self.masters() if m.port != src.port)
        self.assertEqual(dst.client().execute_command("CLUSTER", "SETSLOT", s1, "IMPORTING",
                                                      self.my_id(src)), "OK")
        self.assertEqual(src.client().execute_command("CLUSTER", "SETSLOT", s1, "MIGRATING",
                                                      self.my_id(dst)), "OK")
        r = self.cli("--cluster", "check", self.a0())
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn(f"The following slots are open: {s1}", r.stdout)
        r = self.fix()
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        self.check_clean("fix of an open slot")
        self.assertEqual(self.slot_owners()[s1].port, dst.port)
        self.assertEqual(dst.client().get(k), value(12345))
        for m in self.masters():
            self.assertNotIn("[", m.client().execute_command("CLUSTER", "NODES"))
        self.check_all_keys("fix of an open slot")

    def test_05_fix_unassigned_slot(self):
        # A slot with keys unassigned on every node (DELSLOTS): its keys stay on the old owner,
        # which fix finds (COUNTKEYSINSLOT) and gives the slot back to.
        k = key(777)
        s2 = key_slot(k)
        owner = self.slot_owners()[s2]
        self.assertGreater(owner.client().execute_command("CLUSTER", "COUNTKEYSINSLOT", s2), 0)
        for m in self.cluster.nodes:
            if m.alive():
                m.client().execute_command("CLUSTER", "DELSLOTS", s2)
        r = self.cli("--cluster", "check", self.a0())
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("[ERR] Not all 16384 slots are covered by nodes.", r.stdout)
        r = self.fix()
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        self.assertIn("The following uncovered slots have keys in just one node:", r.stdout)
        self.check_clean("fix of an unassigned slot")
        self.cluster.wait_converged(30)
        self.assertEqual(self.slot_owners()[s2].port, owner.port)
        self.check_all_keys("fix of an unassigned slot")

    def test_06_add_replica_of_the_new_master(self):
        # add-node --cluster-slave --cluster-master-id: the replica follows the named master (not
        # the one with the fewest replicas) and gets its keys by a full sync.
        c, m = self.cluster, self.new_master
        self.assertIsNotNone(m, "test_03 did not add the master")
        (port,) = allocate_ports(1, bus=True)
        n = Node(len(c.nodes), port, os.path.join(c.dir, f"node-{port}"))
        os.makedirs(n.dir)
        c.nodes.append(n)
        c._spawn(n)
        c._wait_ping(n, 15)
        r = self.cli("--cluster", "add-node", n.addr, self.a0(), "--cluster-slave",
                     "--cluster-master-id", self.my_id(m), timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:])
        type(self).new_replica = n

        def synced():
            role = n.client().execute_command("ROLE")
            return role[0] == "slave" and int(role[2]) == m.port and role[3] == "connected"
        wait_until(synced, 30, "the replica to finish its sync with the new master")
        want = m.client().dbsize()
        wait_until(lambda: n.client().dbsize() == want, 15, "the replica to hold every key")
        nid, mid = self.my_id(n), self.my_id(m)

        def listed(x):
            lines = [ln.split() for ln in x.client().execute_command("CLUSTER", "NODES")
                     .splitlines()]
            return any(f[0] == nid and "slave" in f[2].split(",") and f[3] == mid for f in lines)
        wait_until(lambda: all(listed(x) for x in c.nodes if x.alive()), 20,
                   "every node to list the replica under the new master")
        mine = self.by_node(key(i) for i in range(KEYS)).get(m.port, [])
        self.assertGreater(len(mine), KEYS // 5)
        rep = n.client(socket_timeout=30)
        rep.execute_command("READONLY")
        pipe = rep.pipeline(transaction=False)
        for k in mine:
            pipe.get(k)
        got = pipe.execute()
        wrong = [(k, v) for k, v in zip(mine, got) if v != value(int(k.split(":")[1]))]
        self.assertEqual(wrong[:10], [], f"{len(wrong)} keys wrong on the replica")
        self.check_clean("add-node of a replica")

    def deleted(self, n, nid):
        """del-node's end state: the others forgot nid; 7.0's redis-cli sends the deleted node
        CLUSTER RESET SOFT (not SHUTDOWN), so it runs on, knowing only itself, as an empty
        master. It is then stopped, as an operator would."""
        live = [m for m in self.cluster.nodes if m.alive() and m.port != n.port]
        wait_until(lambda: all(nid not in m.client().execute_command("CLUSTER", "NODES")
                               for m in live), 20, "every node to forget the deleted node")
        lines = n.client().execute_command("CLUSTER", "NODES").splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("myself,master", lines[0])
        self.assertEqual(n.client().dbsize(), 0)
        n.proc.terminate()

    def test_07_del_node_of_the_replica(self):
        # (Draining a master and del-node of it is test_cluster.py's test_11; moving its 4096
        # slots back again here would cost this file another ~40 s.)
        rep = self.new_replica
        self.assertIsNotNone(rep, "test_06 did not add the replica")
        rid = self.my_id(rep)
        r = self.cli("--cluster", "del-node", self.a0(), rid)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn(f"Removing node {rid} from cluster", r.stdout)
        self.deleted(rep, rid)
        self.check_clean("del-node")
        self.check_all_keys("del-node")

    def test_08_restart_all_nodes(self):
        # Every node stopped (SIGTERM) and started again on its dir: same ids, roles, slot map
        # and every key (the 100k and every writer's).
        c = self.cluster
        live = [n for n in c.nodes if n.alive()]
        self.assertEqual(len(live), 7)  # 3 masters, 3 replicas, the added master
        ids = {n.port: self.my_id(n) for n in live}
        slots = c.slot_map(c.nodes[0])
        roles = c.roles()
        for n in live:
            n.proc.terminate(grace=20)
        for n in live:
            c.restart(n.port)
        c.wait_converged(60)
        self.assertEqual({n.port: self.my_id(n) for n in live}, ids)
        self.assertEqual([(s, e, m) for s, e, m, _ in c.slot_map(c.nodes[0])],
                         [(s, e, m) for s, e, m, _ in slots])
        self.assertEqual(c.roles(), roles)
        self.check_clean("the restart")
        self.check_all_keys("the restart")
        for prefix, written in self.writers:
            rc = PyCluster(host=HOST, port=c.nodes[0].port, decode_responses=True,
                           socket_timeout=10)
            try:
                got = rc.mget_nonatomic([f"{prefix}:{i}" for i in range(written)])
            finally:
                rc.close()
            self.assertEqual(got, [str(i) for i in range(written)], prefix)


if __name__ == "__main__":
    sys.exit(main())
