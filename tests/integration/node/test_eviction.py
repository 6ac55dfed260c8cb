# maxmemory, eviction and memory/statistics introspection on the node, each check run against
# redis-server 7.0 first (so it is known to describe Redis) and then the node: every
# maxmemory-policy under a small limit (volatile-* evict only keys with a TTL, volatile-ttl the
# nearest expiry first, LRU keeps recently read keys: a bounded statistical assertion), noeviction
# answering -OOM to SET while serving GET/DEL, a lowered maxmemory evicting, OBJECT FREQ under
# LFU, INFO memory field names, MEMORY USAGE within a factor of Redis's, MEMORY HELP/errors,
# INFO commandstats' format (calls, rejected_calls, failed_calls, CONFIG RESETSTAT), and the
# node's /metrics endpoint scraped over HTTP. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import re
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.differential import node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.resp import RespConn, RespError  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

HOST = "127.0.0.1"
VALUE = b"x" * 1000
OOM = RespError("OOM command not allowed when used memory > 'maxmemory'.")


def info(conn, section):
    text = conn.call("INFO", section)
    out = {}
    for line in text.decode().split("\r\n"):
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def pipeline(conn, commands):
    """Sends `commands` in batches of 200 and returns every reply."""
    replies = []
    for i in range(0, len(commands), 200):
        batch = commands[i:i + 200]
        for c in batch:
            conn.send(*c)
        replies.extend(conn.read(timeout=10) for _ in batch)
    return replies


class Eviction(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = {"redis": Standalone().start(), "node": Standalone(binary=node_bin()).start()}

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers.values():
            s.stop()

    def each(self, fn):
        for name, server in self.servers.items():
            with self.subTest(server=name):
                c = RespConn(HOST, server.port)
                c.call("CONFIG", "SET", "maxmemory", "0")
                c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
                c.call("FLUSHALL")
                c.call("CONFIG", "RESETSTAT")
                try:
                    fn(c)
                finally:
                    c.call("CONFIG", "SET", "maxmemory", "0")
                    c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
                    c.call("FLUSHALL")
                    c.close()

    def limit(self, c, extra_bytes, policy):
        """maxmemory = current used memory + extra_bytes."""
        used = int(info(c, "memory")["used_memory"])
        self.assertEqual(c.call("CONFIG", "SET", "maxmemory-policy", policy), "OK")
        self.assertEqual(c.call("CONFIG", "SET", "maxmemory", str(used + extra_bytes)), "OK")
        return used + extra_bytes

    def test_noeviction_answers_oom_and_serves_reads(self):
        def check(c):
            self.assertEqual(c.call("SET", "keep", "v"), "OK")
            self.limit(c, 300_000, "noeviction")
            replies = pipeline(c, [("SET", f"k{i}", VALUE) for i in range(1000)])
            self.assertIn(OOM, replies)
            self.assertEqual(c.call("SET", "more", VALUE), OOM)
            self.assertEqual(c.call("GET", "keep"), b"v")  # reads and DEL still served
            self.assertEqual(c.call("DEL", "keep"), 1)
            self.assertEqual(c.call("PING"), "PONG")
            self.assertEqual(int(info(c, "stats")["evicted_keys"]), 0)
            stats = info(c, "commandstats")
            self.assertRegex(stats["cmdstat_set"], r"rejected_calls=[1-9]")
            # Deleting data makes room again.
            pipeline(c, [("DEL", f"k{i}") for i in range(1000)])
            self.assertEqual(c.call("SET", "more", VALUE), "OK")
        self.each(check)

    def test_oom_inside_multi(self):
        for name, server in self.servers.items():
            with self.subTest(server=name):
                c, d, e = (RespConn(HOST, server.port) for _ in range(3))
                c.call("FLUSHALL")
                c.call("SET", "k", "v")
                self.assertEqual((d.call("MULTI"), d.call("SET", "q", "1")), ("OK", "QUEUED"))
                used = int(info(c, "memory")["used_memory"])
                c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
                c.call("CONFIG", "SET", "maxmemory", str(used - 100_000))
                try:
                    # Inside MULTI even a read is refused (the queue would grow); EXEC aborts.
                    self.assertEqual(c.call("MULTI"), "OK")
                    self.assertEqual(c.call("GET", "k"), OOM)
                    self.assertEqual(c.call("EXEC"), RespError(
                        "EXECABORT Transaction discarded because of previous errors."))
                    # EXEC of a transaction that queued a denyoom command is refused and dropped.
                    self.assertEqual(d.call("EXEC"), RespError(
                        "EXECABORT Transaction discarded because of: " + OOM))
                    self.assertEqual((e.call("MULTI"), e.call("DISCARD")), ("OK", "OK"))
                    self.assertEqual(e.call("GET", "k"), b"v")
                finally:
                    c.call("CONFIG", "SET", "maxmemory", "0")
                    for x in (c, d, e):
                        x.close()

    def fill_and_check(self, c, policy, persistent_every=0):
        """Writes 3,000 1 KB keys into a 600 KB budget; keys with i % persistent_every == 0 have
        no TTL, the others expire in 10,000 + i seconds. Returns the keys still present."""
        maxmemory = self.limit(c, 600_000, policy)
        cmds = []
        for i in range(3000):
            if persistent_every and i % persistent_every == 0:
                cmds.append(("SET", f"k{i}", VALUE))
            else:
                cmds.append(("SET", f"k{i}", VALUE, "EX", str(10_000 + i)))
        replies = pipeline(c, cmds)
        self.assertNotIn(OOM, replies)
        self.assertGreater(int(info(c, "stats")["evicted_keys"]), 1000)
        used = int(info(c, "memory")["used_memory"])
        self.assertLessEqual(used, maxmemory + 64_000)
        self.assertEqual(c.call("PING"), "PONG")
        present = set()
        for i, r in enumerate(pipeline(c, [("EXISTS", f"k{i}") for i in range(3000)])):
            if r == 1:
                present.add(i)
        self.assertLess(len(present), 3000)
        self.assertGreater(len(present), 100)
        return present

    def test_allkeys_policies_evict(self):
        for policy in ("allkeys-random", "allkeys-lru", "allkeys-lfu"):
            with self.subTest(policy=policy):
                self.each(lambda c: self.fill_and_check(c, policy, persistent_every=2))

    def test_volatile_policies_evict_only_keys_with_ttl(self):
        for policy in ("volatile-random", "volatile-lru", "volatile-lfu", "volatile-ttl"):
            with self.subTest(policy=policy):
                def check(c):
                    present = self.fill_and_check(c, policy, persistent_every=10)
                    # The 300 keys without a TTL are never evicted.
                    lost = [i for i in range(0, 3000, 10) if i not in present]
                    self.assertEqual(lost, [])
                self.each(check)

    def test_volatile_ttl_evicts_nearest_expiry_first(self):
        def check(c):
            present = self.fill_and_check(c, "volatile-ttl")
            # TTL grows with i: the survivors are overwhelmingly the latest (longest TTL) keys.
            early = sum(1 for i in present if i < 1500)
            late = sum(1 for i in present if i >= 1500)
            self.assertGreater(late, 5 * max(early, 1) if early else 0)
            self.assertLess(early, len(present) * 0.2)
        self.each(check)

    def test_lru_keeps_recently_read_keys(self):
        def check(c):
            pipeline(c, [("SET", f"old{i}", VALUE) for i in range(600)])
            time.sleep(2.1)  # the LRU clock has a 1 s resolution
            hot = [f"old{i}" for i in range(0, 600, 6)]  # 100 keys read now
            pipeline(c, [("GET", k) for k in hot])
            used = int(info(c, "memory")["used_memory"])
            c.call("CONFIG", "SET", "maxmemory-samples", "10")
            c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
            c.call("CONFIG", "SET", "maxmemory", str(used + 50_000))
            # 400 new keys push out about 400 of the 600 old ones.
            self.assertNotIn(OOM, pipeline(c, [("SET", f"new{i}", VALUE) for i in range(400)]))
            hot_kept = sum(pipeline(c, [("EXISTS", k) for k in hot]))
            cold = [f"old{i}" for i in range(600) if i % 6]
            cold_kept = sum(pipeline(c, [("EXISTS", k) for k in cold]))
            c.call("CONFIG", "SET", "maxmemory-samples", "5")
            # Approximated LRU: most hot keys survive, a much smaller share of the cold ones.
            self.assertGreaterEqual(hot_kept, 80, (hot_kept, cold_kept))
            self.assertLess(cold_kept / len(cold), 0.6, (hot_kept, cold_kept))
        self.each(check)

    def test_lowering_maxmemory_evicts(self):
        def check(c):
            pipeline(c, [("SET", f"k{i}", VALUE) for i in range(2000)])
            used = int(info(c, "memory")["used_memory"])
            c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
            self.assertEqual(c.call("CONFIG", "SET", "maxmemory", str(used - 1_300_000)), "OK")
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and c.call("DBSIZE") > 1200:
                time.sleep(0.05)
            self.assertLess(c.call("DBSIZE"), 1200)
            self.assertGreater(int(info(c, "stats")["evicted_keys"]), 800)
        self.each(check)

    def test_object_freq_under_lfu(self):
        def check(c):
            c.call("SET", "k", "v")
            err = c.call("OBJECT", "FREQ", "k")
            self.assertIsInstance(err, RespError)
            self.assertIn("An LFU maxmemory policy is not selected", err)
            c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
            c.call("SET", "k2", "v")
            self.assertEqual(c.call("OBJECT", "FREQ", "k2"), 5)  # LFU_INIT_VAL (+0/1 on SET)
            pipeline(c, [("GET", "k2")] * 300)
            self.assertGreater(c.call("OBJECT", "FREQ", "k2"), 8)
            self.assertIsNone(c.call("OBJECT", "FREQ", "missing"))
            self.assertIn("idle time not tracked", c.call("OBJECT", "IDLETIME", "k2"))
        self.each(check)

    def test_memory_commands(self):
        redis, node = (RespConn(HOST, s.port) for s in self.servers.values())
        for c in (redis, node):
            c.call("FLUSHALL")
            c.call("SET", "short", "v")
            c.call("SET", "int", "12345678")
            c.call("SET", "long", "y" * 300)
            c.call("SET", "ttl", "y" * 30, "EX", "1000")
            c.call("RPUSH", "list", *[str(i) for i in range(100)])
            c.call("HSET", "hash", *[f"f{i // 2}" if i % 2 == 0 else "v" * 20 for i in range(40)])
            c.call("SADD", "set", *[f"member{i}" for i in range(200)])
        # Strings and hashtable-encoded containers cost about what Redis pays. Small containers
        # are still plain node-based structures here while Redis packs them in a listpack (the
        # node reports listpack as their encoding but does not store them compactly yet): up to
        # ~20x Redis's bytes, a known gap; MEMORY USAGE reports the real cost.
        for key, factor in (("short", 2.5), ("int", 2.5), ("long", 2.5), ("ttl", 2.5),
                            ("set", 2.5), ("list", 25), ("hash", 25)):
            theirs = redis.call("MEMORY", "USAGE", key)
            ours = node.call("MEMORY", "USAGE", key)
            self.assertIsInstance(ours, int, key)
            self.assertLessEqual(ours, theirs * factor, key)
            self.assertGreaterEqual(ours, theirs / 2.5, key)
        for args in (("MEMORY", "USAGE", "nokey"), ("MEMORY", "USAGE", "short", "SAMPLES"),
                     ("MEMORY", "USAGE", "short", "SAMPLES", "-1"),
                     ("MEMORY", "USAGE", "short", "SAMPLES", "x"),
                     ("MEMORY", "USAGE", "short", "FOO", "1"), ("MEMORY", "USAGE"),
                     ("MEMORY", "HELP"), ("MEMORY", "PURGE"), ("MEMORY", "NOPE")):
            self.assertEqual(node.call(*args), redis.call(*args), args)
        self.assertIsInstance(node.call("MEMORY", "USAGE", "list", "SAMPLES", "0"), int)
        self.assertIn(b"Hi Sam", node.call("MEMORY", "DOCTOR"))
        stats = node.call("MEMORY", "STATS")
        names = stats[0::2]
        theirs = redis.call("MEMORY", "STATS")
        self.assertEqual(names, theirs[0::2])
        db0 = stats[names.index(b"db.0") * 2 + 1]
        self.assertEqual(db0[0::2], theirs[theirs[0::2].index(b"db.0") * 2 + 1][0::2])
        self.assertEqual(stats[names.index(b"keys.count") * 2 + 1], 7)
        ours_fields = set(info(node, "memory"))
        theirs_fields = set(info(redis, "memory"))
        self.assertEqual(theirs_fields - ours_fields, set())
        for c in (redis, node):
            c.call("FLUSHALL")
            c.close()

    def test_commandstats_format(self):
        def check(c):
            c.call("SET", "a", "1")
            c.call("GET", "a")
            c.call("GET", "a")
            self.assertIsInstance(c.call("GET"), RespError)  # arity: rejected
            c.call("LPUSH", "l", "x")
            self.assertIsInstance(c.call("GET", "l"), RespError)  # WRONGTYPE: failed
            c.call("CONFIG", "GET", "maxmemory")
            st = info(c, "commandstats")
            line = r"calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=(\d+)," \
                   r"failed_calls=(\d+)$"
            for name, value in st.items():
                self.assertRegex(name, r"^cmdstat_[a-z|\-]+$")
                self.assertRegex(value, line)
            m = re.match(line, st["cmdstat_get"])
            self.assertEqual((m.group(1), m.group(4), m.group(5)), ("3", "1", "1"))
            self.assertIn("cmdstat_config|get", st)
            self.assertEqual(c.call("CONFIG", "RESETSTAT"), "OK")
            st = info(c, "commandstats")
            self.assertNotIn("cmdstat_get", st)
            self.assertRegex(st["cmdstat_config|resetstat"], r"^calls=1,")
            # INFO everything includes the section, the default INFO does not.
            self.assertIn(b"# Commandstats", c.call("INFO", "everything"))
            self.assertNotIn(b"# Commandstats", c.call("INFO"))
        self.each(check)


class Metrics(unittest.TestCase):
    NAMES = [
        "strata_node_up", "strata_node_connected_clients", "strata_node_blocked_clients",
        "strata_node_keys", "strata_node_expires", "strata_node_memory_used_bytes",
        "strata_node_memory_rss_bytes", "strata_node_memory_max_bytes",
        "strata_node_evicted_keys_total", "strata_node_expired_keys_total",
        "strata_node_keyspace_hits_total", "strata_node_keyspace_misses_total",
        "strata_node_commands_total", "strata_node_command_duration_seconds_bucket",
        "strata_node_command_duration_seconds_sum", "strata_node_command_duration_seconds_count",
        "strata_node_net_input_bytes_total", "strata_node_net_output_bytes_total",
        "strata_node_rejected_connections_total",
    ]

    def test_metrics_endpoint(self):
        (mport,) = allocate_ports(1)
        node = Standalone(binary=node_bin(), extra_args=["--metrics-port", str(mport)])
        try:
            node.start()
            c = RespConn(HOST, node.port)
            c.call("SET", "k", "v")
            c.call("SET", "t", "v", "EX", "100")
            for _ in range(10):
                c.call("GET", "k")
            c.call("GET", "missing")
            url = f"http://{HOST}:{mport}"
            body = ""
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                body = urllib.request.urlopen(url + "/metrics", timeout=5).read().decode()
                if 'strata_node_commands_total{command="get"} 11' in body:
                    break
                time.sleep(0.1)
            samples = {}
            for line in body.splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    samples[name] = float(value)
            names = {s.split("{")[0] for s in samples}
            for n in self.NAMES:
                self.assertIn(n, names)
            self.assertEqual(samples["strata_node_up"], 1)
            self.assertEqual(samples["strata_node_keys"], 2)
            self.assertEqual(samples["strata_node_expires"], 1)
            self.assertEqual(samples['strata_node_commands_total{command="get"}'], 11)
            self.assertEqual(samples["strata_node_keyspace_hits_total"], 10)
            self.assertEqual(samples["strata_node_keyspace_misses_total"], 1)
            self.assertGreaterEqual(samples["strata_node_connected_clients"], 1)
            self.assertGreater(samples["strata_node_memory_used_bytes"], 0)
            self.assertGreater(samples["strata_node_memory_rss_bytes"], 0)
            self.assertEqual(samples["strata_node_memory_max_bytes"], 0)
            self.assertEqual(
                samples['strata_node_command_duration_seconds_count{command="get"}'], 11)
            self.assertEqual(
                samples['strata_node_command_duration_seconds_bucket{command="get",le="+Inf"}'], 11)
            self.assertIn('le="1e-05"', body)
            self.assertGreater(samples["strata_node_net_input_bytes_total"], 0)
            health = urllib.request.urlopen(url + "/healthz", timeout=5).read().decode()
            self.assertEqual(health.strip(), "ok")
            c.close()
        finally:
            node.stop()
            release_ports([mport])


if __name__ == "__main__":
    sys.exit(main())
