# Cluster mode of our node against the real tools: six nodes started as documented
# (--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
# --appendonly yes), formed with the real `redis-cli --cluster create ... --cluster-replicas 1`,
# checked with `redis-cli --cluster check`; CLUSTER NODES/SLOTS/SHARDS formats; redis-py's
# RedisCluster running a functional script; MOVED / ASK / TRYAGAIN / CROSSSLOT / CLUSTERDOWN
# replies byte-exact with Redis 7.0 (also for keys found by Redis's getkeys procs: SORT ... STORE,
# MIGRATE ... KEYS, numkeys, from scripts); PFAIL -> FAIL of a killed node seen by every other
# node within the node-timeout window; cross-node PUBLISH; SSUBSCRIBE on a replica and the shard
# channels of a reassigned slot dropped with sunsubscribe pushes (as 7.0); nodes.conf saved in
# place for slot changes and replaced durably for epoch changes, locked against a second process;
# and all six nodes stopped and restarted coming back with the same ids, slots and data.
# Needs STRATA_NODE_BIN (CTest sets it). Every wait is bounded; every process is stopped.
# ctest-timeout: 180
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402
from redis.cluster import RedisCluster as PyCluster  # noqa: E402

from harness.cluster import HOST, Node, RedisCluster  # noqa: E402
from harness.differential import node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir, wait_until  # noqa: E402
from harness.resp import Push, RespConn  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.slots import key_slot  # noqa: E402

NODE_TIMEOUT_MS = 5000


def parse_nodes(text):
    """CLUSTER NODES -> {id: {addr, flags, master, epoch, link, slots}}; asserts the format."""
    out = {}
    assert text.endswith("\n"), repr(text[-20:])
    for line in text.split("\n")[:-1]:
        f = line.split(" ")
        assert len(f) >= 8, line
        assert re.fullmatch(r"[0-9a-f]{40}", f[0]), line
        assert re.fullmatch(r"[0-9.]*:\d+@\d+", f[1]), line
        out[f[0]] = {"addr": f[1].split("@")[0], "flags": set(f[2].split(",")), "master": f[3],
                     "epoch": int(f[6]), "link": f[7], "slots": f[8:]}
    return out


def error_of(client, *args):
    try:
        client.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError(f"{args} did not fail")


class Cluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = RedisCluster(binary=node_bin(), node_timeout_ms=NODE_TIMEOUT_MS,
                                   wait_replication=False).start(timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def cli(self, *args, timeout=30):
        return subprocess.run(["redis-cli", *map(str, args)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout)

    def nodes_view(self, n):
        return parse_nodes(n.client().execute_command("CLUSTER", "NODES"))

    def master_nodes(self):
        view = self.nodes_view(self.cluster.nodes[0])
        return {i: v for i, v in view.items() if "master" in v["flags"]}

    def node_for_addr(self, addr):
        return self.cluster.node(int(addr.rsplit(":", 1)[1]))

    def owner_of(self, slot):
        return self.cluster.master_for_slot(slot)

    def masters(self):
        """Master nodes as node 0 sees them (CLUSTER NODES, not ROLE)."""
        return sorted((self.node_for_addr(v["addr"]) for v in self.master_nodes().values()),
                      key=lambda n: n.port)

    # ---- formation ------------------------------------------------------------------------------
    def test_01_create_and_check(self):
        self.assertIn("[OK] All 16384 slots covered.", self.cluster.create_output)
        r = self.cli("--cluster", "check", self.cluster.nodes[0].addr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("[OK] All nodes agree about slots configuration.", r.stdout)
        self.assertIn("[OK] All 16384 slots covered.", r.stdout)
        self.assertNotIn("[ERR]", r.stdout)

    def test_02_nodes_slots_shards(self):
        ids = set()
        for n in self.cluster.nodes:
            view = self.nodes_view(n)
            self.assertEqual(len(view), 6)
            mine = [i for i, v in view.items() if "myself" in v["flags"]]
            self.assertEqual(len(mine), 1)
            self.assertEqual(n.client().execute_command("CLUSTER", "MYID"), mine[0])
            self.assertEqual(view[mine[0]]["addr"], n.addr)
            self.assertTrue(all(v["link"] == "connected" for v in view.values()))
            masters = [v for v in view.values() if "master" in v["flags"]]
            replicas = [v for v in view.values() if "slave" in v["flags"]]
            self.assertEqual((len(masters), len(replicas)), (3, 3))
            self.assertEqual(sorted(m["slots"] for m in masters),
                             [["0-5460"], ["10923-16383"], ["5461-10922"]])
            self.assertTrue(all(r["master"] in view and not r["slots"] for r in replicas))
            ids.add(frozenset(view))
            info = n.client().execute_command("CLUSTER", "INFO")
            for field in ("cluster_state:ok", "cluster_slots_assigned:16384",
                          "cluster_known_nodes:6", "cluster_size:3"):
                self.assertIn(field + "\r\n", info)
            self.assertEqual(n.client().info("cluster")["cluster_enabled"], 1)
        self.assertEqual(len(ids), 1, "every node knows the same six ids")
        c = self.cluster.nodes[0].client()
        slots = c.execute_command("CLUSTER", "SLOTS")
        self.assertEqual(sorted((s, e) for s, e, *_ in slots),
                         [(0, 5460), (5461, 10922), (10923, 16383)])
        for entry in slots:
            ip, port, node_id = entry[2][:3]
            self.assertEqual(ip, HOST)
            self.assertRegex(node_id, r"^[0-9a-f]{40}$")
        shards = c.execute_command("CLUSTER", "SHARDS")
        self.assertEqual(len(shards), 3)
        for shard in shards:
            d = dict(zip(shard[::2], shard[1::2]))
            self.assertEqual(len(d["slots"]), 2)
            roles = sorted(dict(zip(n[::2], n[1::2]))["role"] for n in d["nodes"])
            self.assertEqual(roles, ["master", "replica"])
        self.assertEqual(c.execute_command("CLUSTER", "KEYSLOT", "{user1000}.following"), 3443)
        replicas = c.execute_command("CLUSTER", "REPLICAS", next(iter(self.master_nodes())))
        self.assertEqual(len(replicas), 1)
        self.assertIn(" slave ", replicas[0])

    # ---- redirections ---------------------------------------------------------------------------
    def test_03_moved_crossslot_clusterdown_texts(self):
        slot = key_slot("foo")
        owner = self.owner_of(slot)
        other = next(m for m in self.masters() if m.port != owner.port)
        self.assertEqual(error_of(other.client(), "GET", "foo"), f"MOVED {slot} {owner.addr}")
        self.assertEqual(error_of(owner.client(), "MSET", "foo", "1", "bar", "2"),
                         "CROSSSLOT Keys in request don't hash to the same slot")
        self.assertTrue(owner.client().set("{foo}a", "1"))
        self.assertEqual(owner.client().execute_command("MGET", "foo", "{foo}a"), [None, "1"])
        self.assertEqual(error_of(owner.client(), "SELECT", "1"),
                         "SELECT is not allowed in cluster mode")
        view = self.nodes_view(owner)
        owner_id = next(i for i, v in view.items() if "myself" in v["flags"])
        rep_id = next(i for i, v in view.items() if v["master"] == owner_id)
        replica = self.node_for_addr(view[rep_id]["addr"])
        rc = replica.client()
        self.assertEqual(error_of(rc, "GET", "foo"), f"MOVED {slot} {owner.addr}")
        self.assertTrue(rc.execute_command("READONLY"))
        self.assertIsNone(rc.execute_command("GET", "foo"))  # a read of its master's slot
        self.assertEqual(error_of(rc, "SET", "foo", "x"), f"MOVED {slot} {owner.addr}")
        self.assertTrue(rc.execute_command("READWRITE"))
        self.assertEqual(error_of(rc, "GET", "foo"), f"MOVED {slot} {owner.addr}")

    def test_03a_movable_keys_route_as_redis(self):
        """Keys the key specs cannot describe route as Redis 7.0's getkeys procs find them: SORT's
        STORE destination, MIGRATE's KEYS, the numkeys commands, GEORADIUS ... STORE, XREAD's
        streams, also for redis.call() from a script."""
        crossslot = "CROSSSLOT Keys in request don't hash to the same slot"
        a, b = "{mv}a", "{mv}b"
        far = next(k for k in (f"mvfar{i}" for i in range(100))
                   if self.owner_of(key_slot(k)).port != self.owner_of(key_slot(a)).port)
        owner = self.owner_of(key_slot(a))
        c = owner.client()
        for args in (["SORT", a, "STORE", far], ["SORT", a, "BY", "w", "STORE", far],
                     ["MIGRATE", HOST, "1", "", "0", "100", "KEYS", a, far],
                     ["EVAL", "return 1", "2", a, far], ["EVAL", "return 1", "2x", a, far],
                     ["ZUNIONSTORE", a, "1", far], ["GEORADIUS", a, "0", "0", "1", "km", "STORE", far],
                     ["XREAD", "STREAMS", a, far, "0", "0"], ["LMPOP", "2", a, far, "LEFT"],
                     ["SINTERCARD", "2", a, far]):
            self.assertEqual(error_of(c, *args), crossslot, args)
        self.assertEqual(c.execute_command("SORT", a, "STORE", b), 0)  # same slot: served
        self.assertEqual(c.execute_command("SORT_RO", a, "BY", far), [])  # BY is no key
        self.assertEqual(c.execute_command("MIGRATE", HOST, "1", "", "0", "100", "KEYS", a, b),
                         "NOKEY")
        # On another node the destination alone decides: MOVED to its owner.
        far_owner = self.owner_of(key_slot(far))
        self.assertEqual(error_of(c, "MIGRATE", HOST, "1", "", "0", "100", "KEYS", far),
                         f"MOVED {key_slot(far)} {far_owner.addr}")
        self.assertEqual(error_of(far_owner.client(), "SORT", a, "STORE", b),
                         f"MOVED {key_slot(a)} {owner.addr}")
        err = error_of(c, "EVAL", "return redis.call('sort', KEYS[1], 'store', ARGV[1])", "1", a,
                       far)
        self.assertIn("Script attempted to access a non local key in a cluster node", err)
        self.assertEqual(far_owner.client().exists(far), 0)

    def test_04_ask_and_tryagain(self):
        key, other_key = "{k9}a", "{k9}b"
        slot = key_slot(key)
        src = self.owner_of(slot)
        dst = next(m for m in self.masters() if m.port != src.port)
        src_id = src.client().execute_command("CLUSTER", "MYID")
        dst_id = dst.client().execute_command("CLUSTER", "MYID")
        s, d = src.client(), dst.client()
        self.assertTrue(s.set(key, "v"))
        conf = os.path.join(dst.dir, "nodes.conf")
        inode = os.stat(conf).st_ino
        try:
            self.assertEqual(d.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", src_id),
                             "OK")
            # Saved before the reply, in place (no epoch changed: Redis 7.0 does not fsync).
            self.assertIn(f"[{slot}-<-{src_id}]", open(conf).read())
            self.assertEqual(os.stat(conf).st_ino, inode)
            self.assertEqual(s.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id),
                             "OK")
            self.assertIn(f"[{slot}->-{dst_id}]",
                          s.execute_command("CLUSTER", "NODES").split("\n")[0])
            self.assertEqual(s.get(key), "v")  # still here: served locally
            self.assertEqual(error_of(s, "GET", other_key), f"ASK {slot} {dst.addr}")
            self.assertEqual(error_of(s, "MGET", key, other_key),
                             "TRYAGAIN Multiple keys request during rehashing of slot")
            self.assertEqual(error_of(d, "GET", other_key), f"MOVED {slot} {src.addr}")
            pipe = d.pipeline(transaction=False)
            pipe.execute_command("ASKING")
            pipe.execute_command("GET", other_key)
            pipe.execute_command("GET", other_key)  # ASKING holds for one command only
            res = pipe.execute(raise_on_error=False)
            self.assertEqual(res[:2], [True, None])
            self.assertEqual(str(res[2]), f"MOVED {slot} {src.addr}")
            self.assertEqual(error_of(s, "CLUSTER", "SETSLOT", slot, "NODE", dst_id),
                             f"Can't assign hashslot {slot} to a different node while I still "
                             "hold keys for this hash slot.")
        finally:
            s.execute_command("CLUSTER", "SETSLOT", slot, "STABLE")
            d.execute_command("CLUSTER", "SETSLOT", slot, "STABLE")
            s.delete(key)
        # The marker is gone and the shorter text left no padding behind.
        text = open(conf).read()
        self.assertNotIn(f"-<-{src_id}]", text)
        self.assertRegex(text, r"\nvars currentEpoch \d+ lastVoteEpoch \d+\n$")
        self.assertNotIn("\n\n", text)
        self.assertEqual(os.stat(conf).st_ino, inode)
        r = self.cli("--cluster", "check", src.addr)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_05_command_errors(self):
        c = self.cluster.nodes[0].client()
        self.assertEqual(error_of(c, "CLUSTER", "ADDSLOTS", "0"), "Slot 0 is already busy")
        self.assertEqual(error_of(c, "CLUSTER", "ADDSLOTS", "16384"),
                         "Invalid or out of range slot")
        self.assertEqual(error_of(c, "CLUSTER", "REPLICATE", "abc"), "Unknown node abc")
        self.assertEqual(error_of(c, "CLUSTER", "FORGET", c.execute_command("CLUSTER", "MYID")),
                         "I tried hard but I can't forget myself...")
        self.assertEqual(error_of(c, "CLUSTER", "SETSLOT", "1", "foo"),
                         "Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
        self.assertEqual(error_of(c, "CLUSTER", "SET-CONFIG-EPOCH", "9"),
                         "The user can assign a config epoch only when the node does not know "
                         "any other node.")
        self.assertEqual(error_of(c, "CLUSTER", "MEET", "127.0.0.1", "x"),
                         "Invalid TCP base port specified: x")
        self.assertEqual(error_of(c, "CLUSTER", "MEET", "nohost", "1"),
                         "Invalid node address specified: nohost:1")
        help_ = c.execute_command("CLUSTER", "HELP")
        self.assertTrue(help_[0].startswith("CLUSTER <subcommand>"))

    def test_06_single_node_clusterdown(self):
        (port,) = allocate_ports(1, bus=True)
        d = make_temp_dir("cluster-single")
        p = Proc(f"node:{port}", [node_bin(), "--port", port, "--bind", HOST, "--cluster-enabled",
                                  "yes", "--cluster-config-file", "nodes.conf"], d,
                 os.path.join(d, "node.log")).start()
        try:
            c = redis.Redis(host=HOST, port=port, decode_responses=True, socket_timeout=5)
            wait_until(c.ping, 10, "the single node to answer PING")
            self.assertEqual(error_of(c, "GET", "foo"), "CLUSTERDOWN Hash slot not served")
            self.assertEqual(c.execute_command("CLUSTER", "ADDSLOTSRANGE", "0", "16382"), "OK")
            self.assertEqual(error_of(c, "GET", "foo"), "CLUSTERDOWN The cluster is down")
            self.assertEqual(c.execute_command("CLUSTER", "ADDSLOTS", "16383"), "OK")
            self.assertIn("cluster_state:ok", c.execute_command("CLUSTER", "INFO"))
            inode = os.stat(os.path.join(d, "nodes.conf")).st_ino
            self.assertEqual(c.execute_command("CLUSTER", "BUMPEPOCH"), "BUMPED 1")
            # A new epoch is saved durably: a new file fsynced and renamed over the old one.
            self.assertNotEqual(os.stat(os.path.join(d, "nodes.conf")).st_ino, inode)
            self.assertEqual(c.execute_command("CLUSTER", "BUMPEPOCH"), "STILL 1")
            self.assertTrue(c.set("foo", "bar"))
            # A second node on the same nodes.conf is refused (flock).
            (port2,) = allocate_ports(1, bus=True)
            p2 = Proc(f"node:{port2}", [node_bin(), "--port", port2, "--bind", HOST,
                                        "--cluster-enabled", "yes", "--cluster-config-file",
                                        "nodes.conf"], d, os.path.join(d, "node2.log")).start()
            try:
                wait_until(lambda: not p2.alive(), 10, "the second node to exit")
                self.assertIn("already used by a different Redis Cluster node", p2.log_tail())
            finally:
                p2.kill9()
                release_ports([port2])
            conf = open(os.path.join(d, "nodes.conf")).read()
            self.assertRegex(conf, r"^[0-9a-f]{40} :%d@%d myself,master - 0 0 1 "
                             r"connected 0-16383\nvars currentEpoch 1 lastVoteEpoch 0\n$"
                             % (port, port + 10000))
        finally:
            p.kill9()
            release_ports([port])

    # ---- clients --------------------------------------------------------------------------------
    def test_07_redis_py_cluster(self):
        rc = PyCluster(host=HOST, port=self.cluster.nodes[0].port, decode_responses=True,
                       socket_timeout=5)
        try:
            for i in range(300):
                self.assertTrue(rc.set(f"key:{i}", i))
            for i in range(300):
                self.assertEqual(rc.get(f"key:{i}"), str(i))
            self.assertEqual(rc.incr("counter"), 1)
            self.assertTrue(all(rc.mset_nonatomic({"a": 1, "b": 2, "c": 3})))
            self.assertEqual(rc.mget_nonatomic("a", "b", "c"), ["1", "2", "3"])
            self.assertEqual(rc.mset({"{t}1": "x", "{t}2": "y"}), True)
            self.assertEqual(rc.mget("{t}1", "{t}2"), ["x", "y"])
            rc.rpush("list", "a", "b")
            self.assertEqual(rc.lrange("list", 0, -1), ["a", "b"])
            self.assertEqual(rc.delete("key:1", "key:2"), 2)
            total = sum(n.client().dbsize() for n in self.masters())
            self.assertGreaterEqual(total, 300)
            # Keys live on the owner of their slot.
            for i in range(0, 300, 37):
                k = f"key:{i + 3}"
                self.assertEqual(self.cluster.master_for_key(k).client().get(k), str(i + 3))
        finally:
            rc.close()

    def test_08_cross_node_publish(self):
        a, b = self.cluster.nodes[0], self.cluster.nodes[4]
        ps = a.client().pubsub()
        try:
            ps.subscribe("news")
            wait_until(lambda: ps.get_message(timeout=0.5), 5, "the subscribe confirmation")
            b.client().publish("news", "hello")
            msg = wait_until(lambda: ps.get_message(timeout=0.5), 5, "the published message")
            self.assertEqual(msg["data"], "hello")
        finally:
            ps.close()

    def test_08a_shard_channels_dropped_with_their_slot(self):
        # Redis 7.0's removeChannelsInSlot: the nodes that served a reassigned slot (owner and its
        # replicas) drop its shard channels, each subscriber getting ["sunsubscribe", channel,
        # shard subscriptions left] (channels in byte order), and leave pub/sub mode at 0. These
        # are the replies redis-server 7.0.15 gives to the same steps.
        c = self.cluster
        ch, other = "{ss}:chan", "{ss}:other"
        slot = key_slot(ch)
        src = self.owner_of(slot)
        dst = next(m for m in self.masters() if m.port != src.port)
        (rep,) = c.replicas_of(src.port)
        self.assertEqual(src.client().execute_command("CLUSTER", "COUNTKEYSINSLOT", slot), 0)
        ids = {n.port: n.client().execute_command("CLUSTER", "MYID") for n in (src, dst)}

        def move(frm, to):
            # As redis-cli's reshard: the importing side's SETSLOT NODE bumps its epoch, so a
            # late ping of the old owner cannot win the slot back.
            to.client().execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[frm.port])
            frm.client().execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[to.port])
            for n in [to, frm] + [m for m in self.masters() if m.port not in (src.port, dst.port)]:
                n.client().execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[to.port])
        with RespConn(HOST, src.port) as sub, RespConn(HOST, rep.port) as rsub:
            self.assertEqual(sub.call("SSUBSCRIBE", other, ch), [b"ssubscribe", other.encode(), 1])
            self.assertEqual(sub.read(), [b"ssubscribe", ch.encode(), 2])
            rsub.call("HELLO", "3")
            self.assertEqual(rsub.call("SSUBSCRIBE", ch), Push([b"ssubscribe", ch.encode(), 1]))
            try:
                move(src, dst)
                self.assertEqual([sub.read(), sub.read()],
                                 [[b"sunsubscribe", ch.encode(), 1],
                                  [b"sunsubscribe", other.encode(), 0]])
                pushed = rsub.read()
                self.assertIsInstance(pushed, Push)
                self.assertEqual(pushed, [b"sunsubscribe", ch.encode(), 0])
                self.assertEqual(sub.call("PING"), "PONG")  # out of the subscriber context
                self.assertEqual(src.client().execute_command("PUBSUB", "SHARDNUMSUB", ch),
                                 [ch, 0])
            finally:
                c.wait_converged(30)
                move(dst, src)
        c.wait_converged(30)
        self.assertEqual(self.owner_of(slot).port, src.port)

    # ---- failure detection and restart ----------------------------------------------------------
    def test_09_pfail_to_fail(self):
        masters = self.masters()
        view = self.nodes_view(masters[0])
        mid = next(i for i, v in view.items() if "myself" in v["flags"])
        rep_id = next(i for i, v in view.items() if v["master"] == mid)
        victim = self.node_for_addr(view[rep_id]["addr"])
        others = [n for n in self.cluster.nodes if n.port != victim.port]
        victim.proc.kill9()
        start = time.monotonic()

        def all_see_fail():
            return all("fail" in self.nodes_view(n)[rep_id]["flags"] for n in others)
        wait_until(all_see_fail, NODE_TIMEOUT_MS / 1000 * 3, "every node to flag the replica fail",
                   interval=0.2)
        elapsed = time.monotonic() - start
        self.assertGreater(elapsed, NODE_TIMEOUT_MS / 1000 * 0.9)
        self.assertLess(elapsed, NODE_TIMEOUT_MS / 1000 * 2 + 2)
        # A replica's failure leaves the cluster up; it is cleared once the replica is back.
        self.assertIn("cluster_state:ok", others[0].client().execute_command("CLUSTER", "INFO"))
        self.cluster.restart(victim.port)
        wait_until(lambda: not any(f in self.nodes_view(n)[rep_id]["flags"]
                                   for n in others for f in ("fail", "fail?")),
                   15, "FAIL to be cleared", interval=0.2)

    def test_10_restart_all_nodes(self):
        rc = PyCluster(host=HOST, port=self.cluster.nodes[0].port, decode_responses=True,
                       socket_timeout=5)
        try:
            for i in range(100):
                rc.set(f"persist:{i}", i)
        finally:
            rc.close()
        before = {n.port: self.nodes_view(n) for n in self.cluster.nodes}
        time.sleep(1.2)  # appendfsync everysec
        for n in self.cluster.nodes:
            n.proc.terminate()
        for n in self.cluster.nodes:
            self.cluster.restart(n.port)
        self.cluster.wait_converged(30)
        for n in self.cluster.nodes:
            after = self.nodes_view(n)
            self.assertEqual(set(after), set(before[n.port]))
            for node_id, v in after.items():
                self.assertEqual((v["flags"] - {"fail?", "fail"}, v["slots"], v["master"]),
                                 (before[n.port][node_id]["flags"] - {"fail?", "fail"},
                                  before[n.port][node_id]["slots"],
                                  before[n.port][node_id]["master"]))
        r = self.cli("--cluster", "check", self.cluster.nodes[0].addr)
        self.assertEqual(r.returncode, 0, r.stdout)
        rc = PyCluster(host=HOST, port=self.cluster.nodes[0].port, decode_responses=True,
                       socket_timeout=5)
        try:
            self.assertEqual([rc.get(f"persist:{i}") for i in range(100)],
                             [str(i) for i in range(100)])
        finally:
            rc.close()

    # ---- resharding ------------------------------------------------------------------------------
    def test_11_add_node_reshard_del_node(self):
        c = self.cluster
        a0 = c.nodes[0].addr
        new = []
        for p in allocate_ports(2, bus=True):
            n = Node(len(c.nodes), p, os.path.join(c.dir, f"node-{p}"))
            os.makedirs(n.dir)
            c.nodes.append(n)
            c._spawn(n)
            c._wait_ping(n, 15)
            new.append(n)
        r = self.cli("--cluster", "add-node", new[0].addr, a0)
        self.assertEqual(r.returncode, 0, r.stdout)
        new_id = new[0].client().execute_command("CLUSTER", "MYID")
        wait_until(lambda: all(new_id in self.nodes_view(n) for n in c.nodes[:6]), 15,
                   "every node to know the new master")
        r = self.cli("--cluster", "add-node", new[1].addr, a0, "--cluster-slave",
                     "--cluster-master-id", new_id)
        self.assertEqual(r.returncode, 0, r.stdout)
        rc = PyCluster(host=HOST, port=c.nodes[0].port, decode_responses=True, socket_timeout=5)
        try:
            for i in range(300):
                rc.set(f"rs:{i}", i)
            src_id = c.master_for_slot(0).client().execute_command("CLUSTER", "MYID")
            r = self.cli("--cluster", "reshard", a0, "--cluster-from", src_id, "--cluster-to",
                         new_id, "--cluster-slots", 100, "--cluster-yes", timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            self.assertEqual(c.master_for_slot(0).port, new[0].port)
            wait_until(lambda: self.cli("--cluster", "check", a0).returncode == 0, 15,
                       "check to pass after the reshard")
            self.assertEqual([rc.get(f"rs:{i}") for i in range(300)],
                             [str(i) for i in range(300)])
            # Move the slots back, then remove both nodes.
            r = self.cli("--cluster", "reshard", a0, "--cluster-from", new_id, "--cluster-to",
                         src_id, "--cluster-slots", 100, "--cluster-yes", timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            for n in reversed(new):
                node_id = n.client().execute_command("CLUSTER", "MYID")
                r = self.cli("--cluster", "del-node", a0, node_id)
                self.assertEqual(r.returncode, 0, r.stdout)
            wait_until(lambda: all(len(self.nodes_view(n)) == 6 for n in c.nodes[:6]), 15,
                       "the six original nodes to forget the deleted ones")
            r = self.cli("--cluster", "check", a0)
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual([rc.get(f"rs:{i}") for i in range(300)],
                             [str(i) for i in range(300)])
        finally:
            rc.close()


if __name__ == "__main__":
    sys.exit(main())
