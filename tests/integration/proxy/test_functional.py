# Functional suite of the proxy, written against ANY endpoint: STRATA_TEST_TARGET=standalone runs
# it against a plain redis-server (proves the suite itself correct), =proxy against a 6-node Redis
# Cluster behind the strata proxy. Uses redis-py's plain single-node client plus a raw RESP
# connection where the exact wire reply matters. Proxy-only checks are skipped (not passed) on
# standalone. Run: STRATA_TEST_TARGET=standalone /usr/bin/python3 tests/integration/proxy/test_functional.py
# ctest-targets: standalone proxy
# ctest-timeout: 300
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import NULL, Double, Map, Push, RespError, keys_in_distinct_slots, key_slot  # noqa: E402
from harness.proxy import Proxy  # noqa: E402
from harness.resp import RespConn, RSet  # noqa: E402
from harness.suite import (CROSSSLOT, Background, TargetTestCase, proxy_only,  # noqa: E402,F401
                           setUpModule, tearDownModule)
from harness.runner import main  # noqa: E402


class Strings(TargetTestCase):
    def test_set_get_with_options(self):
        r, k, missing = self.r, self.k(), self.k("missing")
        self.assertIs(r.set(k, "v1"), True)
        self.assertEqual(r.get(k), "v1")
        self.assertIsNone(r.set(k, "v2", nx=True))
        self.assertEqual(r.get(k), "v1")
        self.assertIs(r.set(k, "v2", xx=True), True)
        self.assertIsNone(r.set(missing, "x", xx=True))
        self.assertIsNone(r.get(missing))
        self.assertEqual(r.set(k, "v3", get=True), "v2")
        self.assertEqual(r.get(k), "v3")
        self.assertIs(r.set(k, "v4", ex=100), True)
        self.assertTrue(95 <= r.ttl(k) <= 100)
        self.assertIs(r.set(k, "v5", px=50000), True)
        self.assertTrue(45000 <= r.pttl(k) <= 50000)
        c = self.raw()
        self.assertEqual(c.call("SET", k, "v6", "KEEPTTL"), "OK")
        self.assertTrue(45 <= r.ttl(k) <= 50)
        self.assertIsNone(c.call("SET", k, "v7", "NX", "EX", 10))
        self.assertEqual(c.call("SET", k, "v8", "XX", "GET"), b"v6")
        self.assertEqual(c.call("SET", k, "v", "EX", 0), RespError("ERR invalid expire time in 'set' command"))
        self.assertEqual(c.call("SET", k, "v", "NX", "XX"), RespError("ERR syntax error"))
        self.assertEqual(c.call("SETNX", k, "x"), 0)
        self.assertEqual(c.call("SETEX", k, 100, "se"), "OK")
        self.assertEqual(c.call("PSETEX", k, 100000, "pse"), "OK")
        self.assertEqual(c.call("GET", k), b"pse")

    def test_incr_family(self):
        r, k = self.r, self.k()
        self.assertEqual(r.incr(k), 1)
        self.assertEqual(r.incrby(k, 5), 6)
        self.assertEqual(r.decr(k), 5)
        self.assertEqual(r.decrby(k, 2), 3)
        c = self.raw()
        self.assertEqual(c.call("INCRBYFLOAT", k, "1.5"), b"4.5")
        self.assertEqual(c.call("INCRBYFLOAT", k, "-0.5"), b"4")
        self.assertEqual(c.call("INCR", k), 5)
        r.set(k, "abc")
        self.assertEqual(c.call("INCR", k), RespError("ERR value is not an integer or out of range"))
        r.lpush(self.k("list"), "x")
        self.assertEqual(c.call("INCR", self.k("list")),
                         RespError("WRONGTYPE Operation against a key holding the wrong kind of value"))

    def test_append_getrange_setrange_strlen(self):
        r, k = self.r, self.k()
        self.assertEqual(r.append(k, "Hello"), 5)
        self.assertEqual(r.append(k, " World"), 11)
        self.assertEqual(r.getrange(k, 0, 4), "Hello")
        self.assertEqual(r.getrange(k, -5, -1), "World")
        self.assertEqual(r.getrange(k, 20, 30), "")
        self.assertEqual(r.setrange(k, 6, "Redis"), 11)
        self.assertEqual(r.get(k), "Hello Redis")
        self.assertEqual(r.strlen(k), 11)
        self.assertEqual(r.setrange(self.k("pad"), 3, "x"), 4)
        self.assertEqual(r.get(self.k("pad")), "\x00\x00\x00x")
        self.assertEqual(r.strlen(self.k("missing")), 0)

    def test_getdel_getex(self):
        r, k = self.r, self.k()
        r.set(k, "v")
        self.assertEqual(r.getdel(k), "v")
        self.assertIsNone(r.get(k))
        self.assertIsNone(r.getdel(k))
        r.set(k, "w")
        self.assertEqual(r.getex(k, ex=100), "w")
        self.assertTrue(95 <= r.ttl(k) <= 100)
        self.assertEqual(r.getex(k, persist=True), "w")
        self.assertEqual(r.ttl(k), -1)
        self.assertIsNone(r.getex(self.k("missing"), ex=10))

    def test_msetnx_same_slot(self):
        r = self.r
        self.assertIs(r.msetnx({self.tag("a"): "1", self.tag("b"): "2"}), True)
        self.assertIs(r.msetnx({self.tag("b"): "x", self.tag("c"): "3"}), False)
        self.assertEqual(r.mget(self.tag("a"), self.tag("b"), self.tag("c")), ["1", "2", None])


class MultiKey(TargetTestCase):
    """Commands the proxy splits per slot and merges back in request order."""

    def keys(self, n=40):
        keys = keys_in_distinct_slots(f"{self._testMethodName}:", n)
        if self.t.is_proxy:  # the keys must really span every master of the cluster
            masters = {self.t.cluster.master_for_key(k).port for k in keys}
            self.assertEqual(len(masters), len(self.t.cluster.masters()))
        return keys

    def test_mset_mget_in_order(self):
        r, keys = self.r, self.keys()
        self.assertIs(r.mset({k: f"v-{k}" for k in keys}), True)
        ask = [keys[3], self.k("nope1"), *keys, keys[0], self.k("nope2")]
        want = [f"v-{keys[3]}", None, *[f"v-{k}" for k in keys], f"v-{keys[0]}", None]
        self.assertEqual(r.mget(ask), want)
        c = self.raw()
        self.assertEqual(c.call("MSET", keys[0], "a", keys[1], "b", keys[0], "c"), "OK")
        self.assertEqual(c.call("MGET", keys[0], keys[1]), [b"c", b"b"])
        self.assertEqual(c.call("MSET", keys[0]), RespError("ERR wrong number of arguments for 'mset' command"))

    def test_exists_touch_counts(self):
        r, keys = self.r, self.keys()
        r.mset({k: "1" for k in keys})
        missing = self.k("missing")
        self.assertEqual(r.exists(*keys, missing), len(keys))
        self.assertEqual(r.exists(keys[0], keys[0], keys[1]), 3)  # duplicates count each time
        self.assertEqual(r.touch(*keys, missing), len(keys))
        self.assertEqual(r.exists(missing), 0)

    def test_del_unlink_counts(self):
        r, keys = self.r, self.keys()
        r.mset({k: "1" for k in keys})
        half = len(keys) // 2
        self.assertEqual(r.delete(*keys[:half], self.k("missing"), keys[0]), half)  # dup deleted once
        self.assertEqual(r.exists(*keys), len(keys) - half)
        self.assertEqual(r.unlink(*keys[half:], keys[half]), len(keys) - half)
        self.assertEqual(r.mget(keys), [None] * len(keys))
        self.assertEqual(r.delete(*keys), 0)


class Hashes(TargetTestCase):
    def test_hash_commands(self):
        r, k = self.r, self.k()
        self.assertEqual(r.hset(k, mapping={"f1": "v1", "f2": "v2"}), 2)
        self.assertEqual(r.hset(k, "f1", "v1b"), 0)
        self.assertEqual(r.hget(k, "f1"), "v1b")
        self.assertIsNone(r.hget(k, "nope"))
        self.assertEqual(r.hmget(k, "f2", "nope", "f1"), ["v2", None, "v1b"])
        self.assertEqual(r.hgetall(k), {"f1": "v1b", "f2": "v2"})
        self.assertEqual(r.hlen(k), 2)
        self.assertIs(r.hexists(k, "f2"), True)
        self.assertEqual(r.hsetnx(k, "f2", "x"), 0)
        self.assertEqual(r.hincrby(k, "n", 5), 5)
        self.assertEqual(self.raw().call("HINCRBYFLOAT", k, "n", "0.25"), b"5.25")
        self.assertEqual(sorted(r.hkeys(k)), ["f1", "f2", "n"])
        self.assertEqual(sorted(r.hvals(k)), ["5.25", "v1b", "v2"])
        self.assertEqual(r.hstrlen(k, "f1"), 3)
        self.assertEqual(r.hdel(k, "f1", "nope"), 1)
        self.assertIn(r.hrandfield(k), ["f2", "n"])
        cursor, found = r.hscan(k, 0, match="f*", count=100)
        self.assertEqual((cursor, found), (0, {"f2": "v2"}))
        self.assertEqual(r.hgetall(self.k("missing")), {})


class Lists(TargetTestCase):
    def test_list_commands(self):
        r, k = self.r, self.k()
        self.assertEqual(r.rpush(k, "a", "b", "c"), 3)
        self.assertEqual(r.lpush(k, "z"), 4)
        self.assertEqual(r.lrange(k, 0, -1), ["z", "a", "b", "c"])
        self.assertEqual(r.llen(k), 4)
        self.assertEqual(r.lindex(k, -1), "c")
        self.assertIs(r.lset(k, 0, "y"), True)
        self.assertEqual(r.linsert(k, "BEFORE", "b", "ab"), 5)
        self.assertEqual(r.lpos(k, "b"), 3)
        self.assertEqual(r.rpush(k, "a"), 6)
        self.assertEqual(r.lrem(k, 0, "a"), 2)
        self.assertEqual(r.lrange(k, 0, -1), ["y", "ab", "b", "c"])
        self.assertIs(r.ltrim(k, 1, -1), True)
        self.assertEqual(r.lpop(k), "ab")
        self.assertEqual(r.rpop(k), "c")
        self.assertEqual(r.rpush(k, "d", "e"), 3)
        self.assertEqual(r.lpop(k, 2), ["b", "d"])
        self.assertEqual(r.rpop(k), "e")
        self.assertEqual(r.llen(k), 0)
        self.assertEqual(r.exists(k), 0)

    def test_lmove_same_slot(self):
        r, src, dst = self.r, self.tag("src"), self.tag("dst")
        r.rpush(src, "1", "2", "3")
        self.assertEqual(r.lmove(src, dst, "LEFT", "RIGHT"), "1")
        self.assertEqual(r.rpoplpush(src, dst), "3")
        self.assertEqual(r.lrange(dst, 0, -1), ["3", "1"])
        self.assertEqual(r.lrange(src, 0, -1), ["2"])


class Sets(TargetTestCase):
    def test_set_commands(self):
        r, k, k2, k3 = self.r, self.tag("a"), self.tag("b"), self.tag("c")
        self.assertEqual(r.sadd(k, "a", "b", "c", "a"), 3)
        self.assertEqual(r.smembers(k), {"a", "b", "c"})
        self.assertIs(r.sismember(k, "a"), True)
        self.assertEqual(r.smismember(k, ["a", "x"]), [True, False])
        self.assertEqual(r.scard(k), 3)
        self.assertEqual(r.srem(k, "c", "x"), 1)
        r.sadd(k2, "b", "d")
        self.assertEqual(r.sinter(k, k2), {"b"})
        self.assertEqual(r.sunion(k, k2), {"a", "b", "d"})
        self.assertEqual(r.sdiff(k, k2), {"a"})
        self.assertEqual(r.sintercard(2, [k, k2]), 1)
        self.assertEqual(r.sinterstore(k3, [k, k2]), 1)
        self.assertEqual(r.smembers(k3), {"b"})
        self.assertIs(r.smove(k2, k3, "d"), True)
        self.assertEqual(r.smembers(k3), {"b", "d"})
        self.assertIn(r.spop(k2), {"b"})
        self.assertEqual(r.scard(k2), 0)
        self.assertIn(r.srandmember(k), {"a", "b"})


class SortedSets(TargetTestCase):
    def test_zset_commands(self):
        r, k, k2, dst = self.r, self.tag("z"), self.tag("z2"), self.tag("dst")
        self.assertEqual(r.zadd(k, {"a": 1, "b": 2, "c": 3}), 3)
        self.assertEqual(r.zadd(k, {"a": 1.5}), 0)
        self.assertEqual(r.zscore(k, "a"), 1.5)
        self.assertIsNone(r.zscore(k, "nope"))
        self.assertEqual(r.zrange(k, 0, -1, withscores=True), [("a", 1.5), ("b", 2.0), ("c", 3.0)])
        self.assertEqual(r.zrevrange(k, 0, 0), ["c"])
        self.assertEqual(r.zrangebyscore(k, 2, "+inf"), ["b", "c"])
        self.assertEqual(r.zrank(k, "c"), 2)
        self.assertEqual(r.zcount(k, "(1.5", 3), 2)
        self.assertEqual(r.zincrby(k, 10, "a"), 11.5)
        self.assertEqual(r.zcard(k), 3)
        self.assertEqual(r.zmscore(k, ["b", "nope"]), [2.0, None])
        self.assertEqual(self.raw().call("ZSCORE", k, "a"), b"11.5")
        self.assertEqual(r.zrangestore(dst, k, 0, 1), 2)
        self.assertEqual(r.zrange(dst, 0, -1), ["b", "c"])
        r.zadd(k2, {"b": 100})
        self.assertEqual(r.zunionstore(dst, [k, k2]), 3)
        self.assertEqual(r.zscore(dst, "b"), 102.0)
        self.assertEqual(r.zpopmin(k), [("b", 2.0)])
        self.assertEqual(r.zrem(k, "c", "nope"), 1)
        self.assertEqual(r.zrange(k, 0, -1), ["a"])


class Streams(TargetTestCase):
    def test_xadd_xrange_xread(self):
        r, k = self.r, self.k()
        self.assertEqual(r.xadd(k, {"f": "v1"}, id="1-1"), "1-1")
        self.assertEqual(r.xadd(k, {"f": "v2", "g": "w"}, id="2-0"), "2-0")
        auto = r.xadd(k, {"f": "v3"})
        self.assertRegex(auto, r"^\d+-\d+$")
        self.assertEqual(r.xlen(k), 3)
        self.assertEqual(r.xrange(k, "-", "2-0"), [("1-1", {"f": "v1"}), ("2-0", {"f": "v2", "g": "w"})])
        self.assertEqual(r.xrange(k, count=1), [("1-1", {"f": "v1"})])
        self.assertEqual(r.xrevrange(k, count=1), [(auto, {"f": "v3"})])
        self.assertEqual(r.xread({k: "1-1"}, count=1), [[k, [("2-0", {"f": "v2", "g": "w"})]]])
        self.assertEqual(r.xread({k: auto}), [])
        self.assertEqual(self.raw().call("XADD", k, "1-0", "f", "x"), RespError(
            "ERR The ID specified in XADD is equal or smaller than the target stream top item"))
        self.assertEqual(r.xdel(k, "1-1"), 1)
        self.assertEqual(r.xtrim(k, maxlen=1, approximate=False), 1)
        self.assertEqual(r.xrange(k), [(auto, {"f": "v3"})])

    def test_consumer_group(self):
        r, k = self.r, self.k()
        r.xadd(k, {"f": "1"}, id="1-0")
        self.assertIs(r.xgroup_create(k, "g", id="0"), True)
        got = r.xreadgroup("g", "c1", {k: ">"}, count=10)
        self.assertEqual(got, [[k, [("1-0", {"f": "1"})]]])
        self.assertEqual(r.xack(k, "g", "1-0"), 1)
        self.assertEqual(r.xpending(k, "g")["pending"], 0)


class Keys(TargetTestCase):
    def test_expire_ttl_persist(self):
        r, k = self.r, self.tag("a")
        r.set(k, "v")
        self.assertEqual(r.ttl(k), -1)
        self.assertEqual(r.ttl(self.tag("missing")), -2)
        self.assertIs(r.expire(k, 100), True)
        self.assertTrue(95 <= r.ttl(k) <= 100)
        self.assertTrue(95000 <= r.pttl(k) <= 100000)
        c = self.raw()
        self.assertEqual(c.call("EXPIRE", k, 50, "GT"), 0)
        self.assertEqual(c.call("EXPIRE", k, 50, "LT"), 1)
        self.assertEqual(c.call("EXPIRE", k, 50, "NX"), 0)
        self.assertIs(r.persist(k), True)
        self.assertIs(r.persist(k), False)
        self.assertIs(r.expireat(k, int(time.time()) + 1000), True)
        self.assertTrue(990 <= r.ttl(k) <= 1000)
        self.assertIs(r.pexpire(k, 1), True)
        self.wait_until(lambda: r.exists(k) == 0, 5, "key to expire")

    def test_type(self):
        r = self.r
        r.set(self.tag("s"), "v")
        r.rpush(self.tag("l"), "v")
        r.hset(self.tag("h"), "f", "v")
        r.sadd(self.tag("S"), "v")
        r.zadd(self.tag("z"), {"v": 1})
        r.xadd(self.tag("x"), {"f": "v"})
        got = [r.type(self.tag(n)) for n in ("s", "l", "h", "S", "z", "x", "missing")]
        self.assertEqual(got, ["string", "list", "hash", "set", "zset", "stream", "none"])

    def test_rename_same_slot(self):
        r, a, b, c = self.r, self.tag("a"), self.tag("b"), self.tag("c")
        r.set(a, "1", ex=100)
        self.assertIs(r.rename(a, b), True)
        self.assertEqual((r.get(a), r.get(b)), (None, "1"))
        self.assertTrue(95 <= r.ttl(b) <= 100)
        r.set(c, "2")
        self.assertIs(r.renamenx(b, c), False)
        self.assertIs(r.copy(b, self.tag("d")), True)
        self.assertEqual(r.get(self.tag("d")), "1")
        self.assertEqual(self.raw().call("RENAME", self.tag("missing"), a), RespError("ERR no such key"))


class CrossSlot(TargetTestCase):
    """What the proxy can't split must fail exactly like a Redis Cluster node."""

    def two_slots(self):
        a, b = keys_in_distinct_slots(f"{self._testMethodName}:", 2)
        self.assertNotEqual(key_slot(a), key_slot(b))
        self.r.sadd(a, "x")
        self.r.sadd(b, "y")
        return a, b

    @proxy_only("SUNION across slots -> CROSSSLOT")
    def test_sunion_cross_slot(self):
        a, b = self.two_slots()
        self.assertEqual(self.raw().call("SUNION", a, b), RespError(CROSSSLOT))

    @proxy_only("SMOVE across slots -> CROSSSLOT")
    def test_smove_cross_slot(self):
        a, b = self.two_slots()
        self.assertEqual(self.raw().call("SMOVE", a, b, "x"), RespError(CROSSSLOT))

    @proxy_only("RENAME across slots -> CROSSSLOT")
    def test_rename_cross_slot(self):
        a, b = self.two_slots()
        self.assertEqual(self.raw().call("RENAME", a, b), RespError(CROSSSLOT))
        self.assertEqual(self.r.smembers(a), {"x"})

    @proxy_only("EVAL with keys across slots -> CROSSSLOT")
    def test_eval_cross_slot(self):
        a, b = self.two_slots()
        self.assertEqual(self.raw().call("EVAL", "return 1", 2, a, b), RespError(CROSSSLOT))


class FanOut(TargetTestCase):
    """Commands the proxy sends to every master and merges (sum, union, composed cursor)."""

    def fill(self, prefix, n):
        keys = [f"{prefix}{i}" for i in range(n)]
        for i in range(0, n, 200):
            self.r.mset({k: "v" for k in keys[i:i + 200]})
        return keys

    def test_dbsize_sum(self):
        self.assertIs(self.r.flushall(), True)
        self.assertEqual(self.r.dbsize(), 0)
        self.fill("dbsize:", 100)
        self.assertEqual(self.r.dbsize(), 100)

    def test_keys_pattern_union(self):
        self.r.flushall()
        want = self.fill("kp:a:", 30)
        self.fill("kp:b:", 10)
        self.assertEqual(sorted(self.r.keys("kp:a:*")), sorted(want))
        self.assertEqual(len(self.r.keys("*")), 40)
        self.assertEqual(self.r.keys("nomatch*"), [])

    def test_scan_every_key_exactly_once(self):
        self.r.flushall()
        want = self.fill("scan:", 1000)
        self.fill("other:", 50)
        seen, cursor = [], 0
        for _ in range(5000):
            cursor, batch = self.r.scan(cursor, match="scan:*", count=100)
            seen.extend(batch)
            if cursor == 0:
                break
        self.assertEqual(cursor, 0, "SCAN did not return to cursor 0 within 5000 calls")
        self.assertEqual(len(seen), 1000, "every key exactly once")
        self.assertEqual(set(seen), set(want))

    def test_flushdb_flushall(self):
        keys = self.fill("flush:", 50)
        self.assertIs(self.r.flushdb(), True)
        self.assertEqual(self.r.dbsize(), 0)
        self.assertEqual(self.r.mget(keys), [None] * 50)
        self.fill("flush:", 50)
        self.assertEqual(self.raw().call("FLUSHALL"), "OK")
        self.assertEqual(self.r.dbsize(), 0)
        self.assertEqual(self.raw().call("FLUSHALL", "ASYNC"), "OK")

    def test_randomkey(self):
        self.r.flushall()
        self.assertIsNone(self.r.randomkey())
        self.r.set("only-key", "v")
        for _ in range(10):  # a single key in the cluster: must be found wherever it lives
            self.assertEqual(self.r.randomkey(), "only-key")
        keys = set(self.fill("rk:", 20)) | {"only-key"}
        for _ in range(10):
            self.assertIn(self.r.randomkey(), keys)

    def test_script_load_exists_flush(self):
        script = "return redis.call('get', KEYS[1])"
        sha = hashlib.sha1(script.encode()).hexdigest()
        self.assertEqual(self.r.script_load(script), sha)
        self.assertEqual(self.r.script_exists(sha, "0" * 40), [True, False])
        self.r.set(self.k(), "val")
        self.assertEqual(self.r.evalsha(sha, 1, self.k()), "val")
        self.assertIs(self.r.script_flush(), True)
        self.assertEqual(self.r.script_exists(sha), [False])
        self.assertEqual(self.raw().call("EVALSHA", sha, 1, self.k()),
                         RespError("NOSCRIPT No matching script. Please use EVAL."))

    def test_eval_evalsha_same_slot(self):
        r, a, b = self.r, self.tag("a"), self.tag("b")
        self.assertEqual(r.eval("return {KEYS[1], KEYS[2], ARGV[1]}", 2, a, b, "x"), [a, b, "x"])
        body = "redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', KEYS[2])"
        self.assertEqual(r.eval(body, 2, a, b, "val"), 1)
        self.assertEqual(r.get(a), "val")
        sha = r.script_load(body)
        self.assertEqual(r.evalsha(sha, 2, a, b, "val2"), 2)
        self.assertEqual(r.eval("return 7", 0), 7)
        body = "return redis.call('nosuch')"
        self.assertEqual(self.raw().call("EVAL", body, 0), RespError(
            "ERR Unknown Redis command called from script script: "
            f"{hashlib.sha1(body.encode()).hexdigest()}, on @user_script:1."))
        self.assertEqual(self.raw().call("EVAL", "return 1", 2, a),
                         RespError("ERR Number of keys can't be greater than number of args"))

    def test_info_sections(self):
        text = self.raw().call("INFO").decode()
        sections = [line[2:] for line in text.split("\r\n") if line.startswith("# ")]
        want = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Keyspace"]
        self.assertEqual([s for s in want if s not in sections], [], f"INFO sections: {sections}")
        if self.t.is_proxy:
            self.assertIn("Proxy", sections)
        server = self.raw().call("INFO", "server").decode()
        self.assertTrue(server.startswith("# Server\r\n"))
        self.assertNotIn("# Clients", server)
        self.assertIn("redis_version", self.r.info())


class Functions(TargetTestCase):
    """Function libraries on every master (FCALL runs where its keys live) and SCRIPT KILL /
    FUNCTION KILL reaching the master whose script is busy."""

    LIB = ("#!lua name=plib\n"
           "redis.register_function('pget', function(keys) return redis.call('get', keys[1]) end)\n"
           "redis.register_function('spin', function(keys) while true do end end)")
    NOTBUSY = RespError("NOTBUSY No scripts in execution right now.")

    def flush_functions_after(self):
        self.addCleanup(lambda: self.raw().call("FUNCTION", "FLUSH"))

    def test_libraries_on_every_master(self):
        c = self.raw()
        self.assertEqual(c.call("FUNCTION", "FLUSH"), "OK")
        self.flush_functions_after()
        keys = self.keys_on_every_master()
        for k in keys:
            self.r.set(k, "v:" + k)

        def fcall_each():
            return [c.call("FCALL", "pget", 1, k) for k in keys]
        found = [("v:" + k).encode() for k in keys]
        not_found = [RespError("ERR Function not found")] * len(keys)
        self.assertEqual(c.call("FUNCTION", "LOAD", self.LIB), b"plib")
        self.assertEqual(fcall_each(), found)
        self.assertEqual(c.call("FUNCTION", "LOAD", self.LIB),
                         RespError("ERR Library 'plib' already exists"))
        self.assertEqual(c.call("FUNCTION", "LOAD", "REPLACE", self.LIB), b"plib")
        dump = c.call("FUNCTION", "DUMP")
        self.assertEqual(c.call("FUNCTION", "DELETE", "plib"), "OK")
        self.assertEqual(fcall_each(), not_found)
        self.assertEqual(c.call("FUNCTION", "RESTORE", dump), "OK")
        self.assertEqual(fcall_each(), found)
        self.assertEqual(c.call("FUNCTION", "FLUSH"), "OK")
        self.assertEqual(fcall_each(), not_found)

    def kill_busy(self, start, kill):
        """Runs `start` on its own connection until its script is busy, kills it with `kill`
        from another connection; returns (the kill's replies, the script's reply). Through a
        one-worker proxy: both clients share its links, and the shared link to the busy master
        waits behind the script."""
        for port in self.t.data_servers():
            node = redis.Redis(host="127.0.0.1", port=port)
            self.addCleanup(node.close)
            node.config_set("busy-reply-threshold", 100)
            self.addCleanup(node.config_set, "busy-reply-threshold", 5000)
        port = self.t.port
        if self.t.is_proxy:
            one = Proxy([m.addr for m in self.t.cluster.masters()], threads=1).start()
            self.addCleanup(one.stop)
            port = one.port
        c = RespConn("127.0.0.1", port)
        self.addCleanup(c.close)
        replies = [c.call(*kill)]  # nothing runs yet
        runner = RespConn("127.0.0.1", port, 20)
        self.addCleanup(runner.close)
        runner.send(*start)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            killed = c.call(*kill)
            if killed != self.NOTBUSY:
                break
            time.sleep(0.05)
        replies.append(killed)
        script = runner.read(timeout=10)
        self.assertEqual(runner.call("PING"), "PONG")
        self.r.set(self.k(), "after")  # the key's master serves again, through the proxy
        self.assertEqual(self.r.get(self.k()), "after")
        return replies, script

    def test_script_kill_reaches_the_busy_master(self):
        replies, script = self.kill_busy(("EVAL", "while true do end", 1, self.k()),
                                         ("SCRIPT", "KILL"))
        self.assertEqual(replies, [self.NOTBUSY, "OK"])
        self.assertTrue(str(script).startswith("ERR Script killed by user with SCRIPT KILL"),
                        script)

    def test_function_kill_reaches_the_busy_master(self):
        self.assertEqual(self.raw().call("FUNCTION", "LOAD", "REPLACE", self.LIB), b"plib")
        self.flush_functions_after()
        replies, script = self.kill_busy(("FCALL", "spin", 1, self.k()), ("FUNCTION", "KILL"))
        self.assertEqual(replies, [self.NOTBUSY, "OK"])
        self.assertTrue(str(script).startswith("ERR Script killed by user with SCRIPT KILL"),
                        script)


class Config(TargetTestCase):
    """CONFIG SET / RESETSTAT / REWRITE reach every node, masters and replicas (a replica promoted
    later keeps the setting); GET and HELP are one node's answer."""

    HELP = ["CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help."]

    def node(self, port):
        n = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=10)
        self.addCleanup(n.close)
        return n

    def test_set_reaches_every_node_and_expiries_of_every_master_are_heard(self):
        c = self.raw()
        self.addCleanup(lambda: self.raw().call("CONFIG", "SET", "notify-keyspace-events", ""))
        # What Spring Session sends at start, through whatever endpoint the application has.
        self.assertEqual(c.call("CONFIG", "SET", "notify-keyspace-events", "Ex"), "OK")
        for port in self.t.all_servers():
            self.assertEqual(self.node(port).config_get("notify-keyspace-events"),
                             {"notify-keyspace-events": "xE"}, f"node {port}")
        self.assertEqual(c.call("CONFIG", "GET", "notify-keyspace-events"),
                         [b"notify-keyspace-events", b"xE"])

        events = self.raw()
        pattern = b"__keyevent@0__:expired"
        self.assertEqual(events.call("PSUBSCRIBE", pattern), [b"psubscribe", pattern, 1])
        keys = self.keys_on_every_master()
        for k in keys:
            self.assertEqual(c.call("SET", k, "v", "PX", 50), "OK")
        got = [events.read(timeout=10) for _ in keys]
        self.assertEqual(sorted(got), sorted([b"pmessage", pattern, pattern, k.encode()]
                                             for k in keys))

        self.assertEqual(c.call("CONFIG", "SET", "notify-keyspace-events", ""), "OK")
        for port in self.t.all_servers():
            self.assertEqual(self.node(port).config_get("notify-keyspace-events"),
                             {"notify-keyspace-events": ""}, f"node {port}")

    def test_errors_are_redis_errors(self):
        c = self.raw()
        self.assertEqual(c.call("CONFIG", "SET", "no-such-option", "1"), RespError(
            "ERR Unknown option or number of arguments for CONFIG SET - 'no-such-option'"))
        self.assertEqual(c.call("CONFIG", "SET", "maxmemory", "abc"), RespError(
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value"))
        self.assertEqual(c.call("CONFIG", "SET", "maxmemory"),
                         RespError("ERR wrong number of arguments for 'config|set' command"))
        self.assertEqual(c.call("CONFIG", "RESETSTAT", "x"),
                         RespError("ERR wrong number of arguments for 'config|resetstat' command"))
        self.assertEqual(c.call("CONFIG"),
                         RespError("ERR wrong number of arguments for 'config' command"))
        self.assertEqual(c.call("CONFIG", "NOSUCH"),
                         RespError("ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP."))

    def test_help_get_rewrite(self):
        c = self.raw()
        self.assertEqual(c.call("CONFIG", "HELP"), self.HELP)
        self.assertEqual(c.call("CONFIG", "GET", "maxmemory-polic*"),
                         [b"maxmemory-policy", b"noeviction"])
        # Every node answers alike (all with or all without a config file): so does the endpoint.
        direct = RespConn("127.0.0.1", self.t.all_servers()[0])
        self.addCleanup(direct.close)
        want = direct.call("CONFIG", "REWRITE")
        self.assertEqual(c.call("CONFIG", "REWRITE"), want)

    def test_resetstat_reaches_every_node(self):
        k = self.k()
        self.assertIs(self.r.set(k, "v"), True)
        self.assertEqual(self.r.get(k), "v")
        hit = self.t.data_servers()[:1]  # standalone: its one server
        if self.t.is_proxy:  # k's master, and every replica of it, read there directly
            master = self.t.cluster.master_for_key(k).port
            replicas = self.t.cluster.replicas_of(master)
            self.assertTrue(replicas, "the cluster has replicas")
            hit = [master]
            for replica in replicas:
                conn = RespConn("127.0.0.1", replica.port)
                self.addCleanup(conn.close)
                self.assertEqual(conn.call("READONLY"), "OK")
                self.wait_until(lambda: conn.call("GET", k) == b"v", 10, "the replica to have k")
                hit.append(replica.port)
        for port in hit:
            self.assertGreater(self.node(port).info("stats")["keyspace_hits"], 0, f"node {port}")
        self.assertEqual(self.raw().call("CONFIG", "RESETSTAT"), "OK")
        for port in self.t.all_servers():
            self.assertEqual(self.node(port).info("stats")["keyspace_hits"], 0, f"node {port}")


class Connection(TargetTestCase):
    """Commands the proxy answers itself."""

    def test_ping_echo(self):
        self.assertIs(self.r.ping(), True)
        c = self.raw()
        self.assertEqual(c.call("PING"), "PONG")
        self.assertEqual(c.call("PING", "hi"), b"hi")
        self.assertEqual(c.call("ECHO", "hello world"), b"hello world")
        self.assertEqual(c.call("ECHO"), RespError("ERR wrong number of arguments for 'echo' command"))

    def test_hello_2(self):
        reply = self.raw().call("HELLO", 2)
        self.assertIsInstance(reply, list)
        fields = dict(zip(reply[::2], reply[1::2]))
        self.assertEqual(set(fields), {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"})
        self.assertEqual(fields[b"proto"], 2)
        self.assertIsInstance(fields[b"id"], int)
        self.assertEqual(self.raw().call("HELLO", 4), RespError("NOPROTO unsupported protocol version"))

    def test_select(self):
        c = self.raw()
        self.assertEqual(c.call("SELECT", 0), "OK")
        self.assertEqual(c.call("SELECT", "x"), RespError("ERR value is not an integer or out of range"))

    @proxy_only("SELECT 1 is refused in cluster mode")
    def test_select_nonzero_refused(self):
        self.assertEqual(self.raw().call("SELECT", 1), RespError("ERR SELECT is not allowed in cluster mode"))

    def test_client_name_id_info(self):
        c = self.client(single_connection_client=True)
        self.assertIsNone(c.client_getname())
        self.assertIs(c.client_setname("strata-it"), True)
        self.assertEqual(c.client_getname(), "strata-it")
        cid = c.client_id()
        self.assertIsInstance(cid, int)
        info = c.client_info()
        self.assertEqual((info["name"], int(info["id"])), ("strata-it", cid))
        self.assertNotEqual(self.client(single_connection_client=True).client_id(), cid)
        self.assertEqual(self.raw().call("CLIENT", "SETNAME", "a b"),
                         RespError("ERR Client names cannot contain spaces, newlines or special characters."))

    def test_client_list_and_kill_see_every_client(self):
        # Through the proxy, consecutive connections land on different workers: CLIENT LIST and
        # CLIENT KILL must reach them all, as one server's do.
        conns = [self.raw() for _ in range(5)]
        ids = [c.call("CLIENT", "ID") for c in conns]
        admin = conns[0]
        listing = admin.call("CLIENT", "LIST").decode()
        self.assertEqual([i for i in ids if f"id={i} " not in listing], [])
        some = admin.call("CLIENT", "LIST", "ID", ids[2], ids[3]).decode().splitlines()
        self.assertEqual(sorted(line.split()[0] for line in some),
                         sorted([f"id={ids[2]}", f"id={ids[3]}"]))
        self.assertEqual(admin.call("CLIENT", "LIST", "TYPE", "bogus"),
                         RespError("ERR Unknown client type 'bogus'"))
        self.assertEqual(admin.call("CLIENT", "LIST", "ID", "x"), RespError("ERR Invalid client ID"))
        self.assertEqual(admin.call("CLIENT", "LIST", "TYPE"), RespError("ERR syntax error"))
        # As 7.0: any integer is an ID to look for; one that no client has selects nobody.
        self.assertEqual(admin.call("CLIENT", "LIST", "ID", "0", "-5"), b"")
        self.assertEqual(admin.call("CLIENT", "LIST", "ID", "-1", ids[4]).decode().split()[0],
                         f"id={ids[4]}")
        self.assertEqual(admin.call("CLIENT", "KILL"),
                         RespError("ERR wrong number of arguments for 'client|kill' command"))

        def gone(c):
            try:
                c.call("PING")
            except (ConnectionError, OSError):
                return True
            return False
        self.assertEqual(admin.call("CLIENT", "KILL", "ID", ids[1]), 1)
        self.assertTrue(gone(conns[1]))
        self.assertEqual(admin.call("CLIENT", "KILL", "ID", ids[1]), 0)
        addr = next(f[5:] for f in conns[2].call("CLIENT", "INFO").decode().split()
                    if f.startswith("addr="))
        self.assertEqual(admin.call("CLIENT", "KILL", addr), "OK")  # the old form
        self.assertTrue(gone(conns[2]))
        self.assertEqual(admin.call("CLIENT", "KILL", addr), RespError("ERR No such client"))
        self.assertEqual(admin.call("CLIENT", "KILL", "ADDR", addr, "TYPE", "normal"), 0)
        # SKIPME yes is the default of the new form: a client spares itself unless told not to.
        self.assertEqual(conns[3].call("CLIENT", "KILL", "ID", ids[3]), 0)
        self.assertEqual(conns[3].call("CLIENT", "KILL", "ID", ids[3], "SKIPME", "no"), 1)
        self.assertTrue(gone(conns[3]))
        self.assertEqual(conns[4].call("PING"), "PONG")
        for args, error in [(("ID", "0"), "ERR client-id should be greater than 0"),
                            (("USER", "nobody-here"), "ERR No such user 'nobody-here'"),
                            (("TYPE", "bogus"), "ERR Unknown client type 'bogus'"),
                            (("SKIPME", "maybe"), "ERR syntax error"),
                            (("ID", "1", "SKIPME"), "ERR syntax error")]:
            self.assertEqual(admin.call("CLIENT", "KILL", *args), RespError(error), args)

    def test_client_reply(self):
        c, k = self.raw(), self.tag("reply")
        # OFF: no reply at all until ON, which answers OK.
        c.send("CLIENT", "REPLY", "OFF")
        c.send("SET", k, "1")
        c.send("GET", k)
        self.assertEqual(c.call("CLIENT", "REPLY", "ON"), "OK")
        self.assertEqual(c.call("GET", k), b"1")
        # SKIP: no reply to itself nor to the next command.
        c.send("CLIENT", "REPLY", "SKIP")
        c.send("INCR", k)
        self.assertEqual(c.call("GET", k), b"2")
        self.assertEqual(c.call("CLIENT", "REPLY", "maybe"), RespError("ERR syntax error"))
        self.assertEqual(c.call("CLIENT", "REPLY"), RespError(
            "ERR wrong number of arguments for 'client|reply' command"))
        # RESET turns replies back on (and answers).
        c.send("CLIENT", "REPLY", "OFF")
        c.send("INCR", k)
        self.assertEqual(c.call("RESET"), "RESET")
        self.assertEqual(c.call("GET", k), b"3")

    def test_client_reply_off_keeps_pubsub(self):
        # redis-server 7.0 pushes (un)subscribe confirmations and messages even with replies OFF.
        ch = self.k("reply-ch")
        for proto in (2, 3):
            c = self.raw()
            c.call("HELLO", proto)
            c.send("CLIENT", "REPLY", "OFF")
            c.send("SUBSCRIBE", ch)
            self.assertEqual(list(c.read()), [b"subscribe", ch.encode(), 1])
            self.assertIn(self.raw().call("PUBLISH", ch, "m%d" % proto), (0, 1) if self.t.is_proxy else (1,))
            self.assertEqual(list(c.read()), [b"message", ch.encode(), b"m%d" % proto])
            c.send("UNSUBSCRIBE", ch)
            self.assertEqual(list(c.read()), [b"unsubscribe", ch.encode(), 0])
            if proto == 3:
                c.send("GET", k := self.k("reply-k"))  # still silent
                self.assertEqual(c.call("CLIENT", "REPLY", "ON"), "OK")
                self.assertIs(c.call("GET", k), NULL)

    def test_command(self):
        self.assertGreater(self.r.command_count(), 100)
        got = self.raw().call("COMMAND", "INFO", "get", "nosuchcommand")
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0][:7], [b"get", 2, ["readonly", "fast"], 1, 1, 1, ["@read", "@string", "@fast"]])
        self.assertIsNone(got[1])

    def test_quit(self):
        c = self.raw()
        self.assertEqual(c.call("QUIT"), "OK")
        with self.assertRaises(ConnectionError):
            c.read(timeout=5)

    def test_reset(self):
        c = self.raw()
        self.assertEqual(c.call("CLIENT", "SETNAME", "before-reset"), "OK")
        self.assertEqual(c.call("SUBSCRIBE", "reset-chan"), [b"subscribe", b"reset-chan", 1])
        self.assertEqual(c.call("RESET"), "RESET")
        self.assertIsNone(c.call("CLIENT", "GETNAME"))
        self.assertEqual(c.call("PING"), "PONG")  # no longer in subscribed mode

    def test_unknown_command(self):
        self.assertEqual(self.raw().call("NOSUCHCMD", "a"),
                         RespError("ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' "))


class Transactions(TargetTestCase):
    def test_multi_exec_same_slot(self):
        c, a, b = self.raw(), self.tag("a"), self.tag("b")
        self.assertEqual(c.call("MULTI"), "OK")
        self.assertEqual(c.call("SET", a, 1), "QUEUED")
        self.assertEqual(c.call("INCR", b), "QUEUED")
        self.assertEqual(c.call("GET", a), "QUEUED")
        self.assertEqual(c.call("EXEC"), ["OK", 1, b"1"])
        self.assertEqual(c.call("EXEC"), RespError("ERR EXEC without MULTI"))

    def test_pipeline_transaction(self):
        p = self.r.pipeline(transaction=True)
        p.set(self.tag("a"), "1").incr(self.tag("b")).get(self.tag("a"))
        self.assertEqual(p.execute(), [True, 1, "1"])

    def test_discard(self):
        c, a = self.raw(), self.tag("a")
        self.assertEqual(c.call("MULTI"), "OK")
        self.assertEqual(c.call("SET", a, 1), "QUEUED")
        self.assertEqual(c.call("DISCARD"), "OK")
        self.assertIsNone(c.call("GET", a))
        self.assertEqual(c.call("DISCARD"), RespError("ERR DISCARD without MULTI"))

    def test_watch_concurrent_modification(self):
        c, other, a = self.raw(), self.raw(), self.tag("a")
        self.assertEqual(c.call("WATCH", a), "OK")
        self.assertEqual(other.call("SET", a, "theirs"), "OK")
        self.assertEqual(c.call("MULTI"), "OK")
        self.assertEqual(c.call("SET", a, "mine"), "QUEUED")
        self.assertIsNone(c.call("EXEC"))
        self.assertEqual(self.r.get(a), "theirs")
        self.assertEqual(c.call("WATCH", a), "OK")  # unmodified watch: EXEC runs
        self.assertEqual(c.call("MULTI"), "OK")
        self.assertEqual(c.call("SET", a, "mine"), "QUEUED")
        self.assertEqual(c.call("EXEC"), ["OK"])

    def test_watch_with_redis_py_pipeline(self):
        a = self.tag("a")
        with self.r.pipeline() as p:
            p.watch(a)
            self.client().set(a, "theirs")
            p.multi()
            p.set(a, "mine")
            with self.assertRaises(redis.WatchError):
                p.execute()


class Blocking(TargetTestCase):
    def test_blpop_timeout_expires(self):
        t0 = time.monotonic()
        self.assertIsNone(self.r.blpop([self.k()], timeout=1))
        self.assertTrue(0.9 <= time.monotonic() - t0 < 5, time.monotonic() - t0)

    def test_blpop_woken_by_lpush(self):
        k, waiter = self.k(), self.client(socket_timeout=20)
        bg = Background(lambda: waiter.blpop([k], timeout=10))
        time.sleep(0.3)
        self.assertEqual(self.r.lpush(k, "v"), 1)
        self.assertEqual(bg.result(), (k, "v"))
        self.assertEqual(self.r.exists(k), 0)

    def test_pipelined_blocking_commands_run_one_at_a_time(self):
        # As on one Redis connection, a client's second BLPOP waits for its first: an element
        # pushed to the second's list meanwhile stays there (through the proxy, the client holds
        # one dedicated link at a time, the one its descriptor budget counts).
        first, second = self.keys_on_every_master()[:2] if self.t.is_proxy else (self.k("a"),
                                                                                  self.k("b"))
        c = self.raw(20)
        c.send("BLPOP", first, 0)
        c.send("BLPOP", second, 0)
        c.send("PING")
        time.sleep(0.3)
        self.assertEqual(self.r.lpush(second, "s"), 1)
        time.sleep(0.3)
        self.assertEqual(self.r.llen(second), 1, "the second BLPOP ran before the first ended")
        self.assertEqual(self.r.lpush(first, "f"), 1)
        self.assertEqual(c.read(), [first.encode(), b"f"])
        self.assertEqual(c.read(), [second.encode(), b"s"])
        self.assertEqual(c.read(), "PONG")
        self.assertEqual(self.r.exists(first, second), 0)

    def test_brpop(self):
        k = self.tag("k")
        self.r.rpush(k, "a", "b")
        self.assertEqual(self.r.brpop([k], timeout=1), (k, "b"))
        waiter = self.client(socket_timeout=20)
        bg = Background(lambda: waiter.brpop([self.tag("empty"), k], timeout=10))  # one slot
        self.assertEqual(bg.result(), (k, "a"))

    def test_blmove_same_slot(self):
        src, dst, waiter = self.tag("src"), self.tag("dst"), self.client(socket_timeout=20)
        bg = Background(lambda: waiter.blmove(src, dst, 10, "LEFT", "RIGHT"))
        time.sleep(0.3)
        self.r.rpush(src, "x")
        self.assertEqual(bg.result(), "x")
        self.assertEqual(self.r.lrange(dst, 0, -1), ["x"])
        self.assertIsNone(self.r.blmove(src, dst, 0.2, "LEFT", "RIGHT"))

    def test_bzpopmin(self):
        k, waiter = self.k(), self.client(socket_timeout=20)
        self.r.zadd(k, {"a": 1, "b": 2})
        self.assertEqual(self.r.bzpopmin([k], timeout=1), (k, "a", 1.0))
        self.r.delete(k)
        self.assertIsNone(self.r.bzpopmin([k], timeout=1))
        bg = Background(lambda: waiter.bzpopmin([k], timeout=10))
        time.sleep(0.3)
        self.r.zadd(k, {"c": 3})
        self.assertEqual(bg.result(), (k, "c", 3.0))

    def test_xread_block(self):
        k, waiter = self.k(), self.client(socket_timeout=20)
        self.r.xadd(k, {"f": "0"}, id="1-0")
        self.assertIsNone(self.raw().call("XREAD", "BLOCK", 300, "STREAMS", k, "1-0"))
        bg = Background(lambda: waiter.xread({k: "1-0"}, block=10000))
        time.sleep(0.3)
        self.r.xadd(k, {"f": "1"}, id="2-0")
        self.assertEqual(bg.result(), [[k, [("2-0", {"f": "1"})]]])


class PubSub(TargetTestCase):
    def next_message(self, p, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = p.get_message(timeout=0.5)
            if m is not None:
                return m
        raise TimeoutError("no pub/sub message")

    def publish_count(self, n):
        # A cluster node counts only its own subscribers, so through the proxy 0 is also right.
        return (0, n) if self.t.is_proxy else (n,)

    def test_pubsub_introspection_counts_every_master(self):
        # One subscriber on each data server, straight to it, and one through the endpoint:
        # PUBSUB counts and lists them all, as one server holding them all would.
        ch, other, pat = self.k("ch"), self.k("nobody"), self.k("pat.*")
        c = self.raw()
        numpat = c.call("PUBSUB", "NUMPAT")
        subscribers = []
        for port in self.t.data_servers():
            s = RespConn("127.0.0.1", port)
            self.addCleanup(s.close)
            s.call("SUBSCRIBE", ch)
            s.call("PSUBSCRIBE", pat)
            subscribers.append(s)
        via = self.raw()
        via.call("SUBSCRIBE", ch)
        n = len(subscribers) + 1
        self.assertEqual(c.call("PUBSUB", "NUMSUB", ch, other), [ch.encode(), n, other.encode(), 0])
        self.assertEqual(c.call("PUBSUB", "CHANNELS", self.k("*")), [ch.encode()])
        self.assertEqual(c.call("PUBSUB", "NUMPAT"), numpat + len(subscribers))
        resp3 = self.raw()
        resp3.call("HELLO", "3")
        self.assertEqual(resp3.call("PUBSUB", "NUMSUB", ch), [ch.encode(), n])  # 7.0: no map
        self.assertEqual(c.call("PUBSUB", "SHARDNUMSUB", ch), [ch.encode(), 0])
        self.assertEqual(c.call("PUBSUB", "SHARDCHANNELS", self.k("*")), [])

    def test_keyspace_notifications_from_every_master(self):
        # A node publishes keyspace notifications to its own subscribers only: through the proxy
        # a subscriber hears the events of every master, each once.
        for port in self.t.data_servers():
            node = redis.Redis(host="127.0.0.1", port=port)
            self.addCleanup(node.close)
            node.config_set("notify-keyspace-events", "KE$")
            self.addCleanup(node.config_set, "notify-keyspace-events", "")
        keys = self.keys_on_every_master()
        events, spaces = self.raw(), self.raw()
        self.assertEqual(events.call("SUBSCRIBE", "__keyevent@0__:set", self.k("plain")),
                         [b"subscribe", b"__keyevent@0__:set", 1])
        self.assertEqual(events.read(timeout=5), [b"subscribe", self.k("plain").encode(), 2])
        pattern = "__keyspace@0__:" + self.k("*")
        self.assertEqual(spaces.call("PSUBSCRIBE", pattern), [b"psubscribe", pattern.encode(), 1])
        for k in keys:
            self.r.set(k, "v")
        got_events = [events.read(timeout=5) for _ in keys]
        self.assertEqual(sorted(got_events),
                         sorted([b"message", b"__keyevent@0__:set", k.encode()] for k in keys))
        got_spaces = [spaces.read(timeout=5) for _ in keys]
        self.assertEqual(sorted(got_spaces), sorted(
            [b"pmessage", pattern.encode(), f"__keyspace@0__:{k}".encode(), b"set"] for k in keys))
        # Each once: the next frames are the PINGs' answers, not repeated events.
        self.assertEqual(events.call("PING"), [b"pong", b""])
        self.assertEqual(spaces.call("PING"), [b"pong", b""])
        self.assertEqual(events.call("UNSUBSCRIBE", "__keyevent@0__:set"),
                         [b"unsubscribe", b"__keyevent@0__:set", 1])
        self.r.set(keys[0], "again")
        self.assertEqual(events.call("PING"), [b"pong", b""])  # no event any more
        self.assertEqual(spaces.read(timeout=5), [
            b"pmessage", pattern.encode(), f"__keyspace@0__:{keys[0]}".encode(), b"set"])

    def test_subscribe_publish(self):
        ch, p = self.k("ch"), self.r.pubsub()
        self.addCleanup(p.close)
        p.subscribe(ch)
        self.assertEqual(self.next_message(p), {"type": "subscribe", "pattern": None, "channel": ch, "data": 1})
        self.assertIn(self.client().publish(ch, "hello"), self.publish_count(1))
        self.assertEqual(self.next_message(p), {"type": "message", "pattern": None, "channel": ch, "data": "hello"})
        p.unsubscribe(ch)
        self.assertEqual(self.next_message(p), {"type": "unsubscribe", "pattern": None, "channel": ch, "data": 0})

    def test_psubscribe_publish(self):
        pat, p = self.k("news.*"), self.r.pubsub()
        self.addCleanup(p.close)
        p.psubscribe(pat)
        self.assertEqual(self.next_message(p), {"type": "psubscribe", "pattern": None, "channel": pat, "data": 1})
        ch = self.k("news.sport")
        self.assertIn(self.client().publish(ch, "goal"), self.publish_count(1))
        self.assertEqual(self.next_message(p), {"type": "pmessage", "pattern": pat, "channel": ch, "data": "goal"})

    def test_ssubscribe_spublish(self):
        ch, sub = self.k("shard"), self.raw()
        self.assertEqual(sub.call("SSUBSCRIBE", ch), [b"ssubscribe", ch.encode(), 1])
        self.assertEqual(self.raw().call("SPUBLISH", ch, "hi"), 1)
        self.assertEqual(sub.read(), [b"smessage", ch.encode(), b"hi"])
        self.assertEqual(sub.call("SUNSUBSCRIBE", ch), [b"sunsubscribe", ch.encode(), 0])


class Resp3(TargetTestCase):
    def hello3(self):
        c = self.raw()
        reply = c.call("HELLO", 3)
        self.assertIsInstance(reply, Map)
        return c, reply

    def test_hello_map(self):
        _, reply = self.hello3()
        self.assertEqual(set(reply), {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"})
        self.assertEqual(reply[b"proto"], 3)
        self.assertIsInstance(reply[b"id"], int)

    def test_hgetall_map_double_null_set(self):
        c, _ = self.hello3()
        h, z, s = self.k("h"), self.k("z"), self.k("s")
        self.assertEqual(c.call("HSET", h, "f1", "v1", "f2", "v2"), 2)
        got = c.call("HGETALL", h)
        self.assertIsInstance(got, Map)
        self.assertEqual(got, {b"f1": b"v1", b"f2": b"v2"})
        self.assertEqual(c.call("ZADD", z, "1.5", "m"), 1)
        score = c.call("ZSCORE", z, "m")
        self.assertIsInstance(score, Double)
        self.assertEqual(score, 1.5)
        self.assertIs(c.call("GET", self.k("missing")), NULL)
        self.assertIs(c.call("HGET", h, "nope"), NULL)
        self.assertEqual(c.call("SADD", s, "a"), 1)
        members = c.call("SMEMBERS", s)
        self.assertIsInstance(members, RSet)
        self.assertEqual(members, [b"a"])

    def test_push_messages_on_same_connection(self):
        c, _ = self.hello3()
        ch = self.k("ch")
        self.assertEqual(c.call("SUBSCRIBE", ch), Push([b"subscribe", ch.encode(), 1]))
        self.assertIsInstance(c.call("SUBSCRIBE", ch), Push)
        self.assertIs(c.call("GET", self.k("missing")), NULL)  # RESP3: commands allowed while subscribed
        self.assertIn(self.raw().call("PUBLISH", ch, "from-other"), (0, 1) if self.t.is_proxy else (1,))
        self.assertEqual(c.read(), Push([b"message", ch.encode(), b"from-other"]))
        c.send("PUBLISH", ch, "from-self")  # push and reply both arrive, in either order
        replies = [c.read(), c.read()]
        pushes = [x for x in replies if isinstance(x, Push)]
        ints = [x for x in replies if isinstance(x, int)]
        self.assertEqual(pushes, [Push([b"message", ch.encode(), b"from-self"])])
        self.assertEqual(len(ints), 1)
        self.assertIn(ints[0], (0, 1) if self.t.is_proxy else (1,))
        self.assertEqual(c.call("UNSUBSCRIBE", ch), Push([b"unsubscribe", ch.encode(), 0]))
        self.assertEqual(c.call("PING"), "PONG")


if __name__ == "__main__":
    sys.exit(main())
