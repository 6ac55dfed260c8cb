# Keyspace notifications (notify-keyspace-events) side by side with redis-server 7.0: both servers
# run with the same classes and one subscriber each on `__key*__:*`; the differential test's
# seeded random command stream (every type, expiry options, stores, blocking pops with short
# timeouts, ...) goes to both, and the two subscribers must hear the same messages in the same
# order (checked every 100 commands, so a divergence names a short window). Runs with "KEA", a
# narrow set ("Ex$") and "KEAmn" (keymiss and new too). Then explicit cases: lazy and active expiry,
# eviction, keymiss and INFO's keyspace_hits/misses per command, MULTI/EXEC and Lua scripts,
# CONFIG SET/GET of the option (canonical rendering, Redis's error for a bad letter), DEBUG
# RELOAD and its options (no events, the same data), and a replica hearing the events of what
# its master sends it. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 300
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness.datasets import fill as fill_every_type, snapshot  # noqa: E402
from harness.differential import DifferentialCase, node_bin  # noqa: E402
from harness.procs import wait_until  # noqa: E402
from harness.resp import RespConn, RespError  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402
from test_differential import gen  # noqa: E402  (the random command generator)

HOST = "127.0.0.1"
SEED = int(os.environ.get("STRATA_DIFF_SEED", "20261207"))
STEPS = int(os.environ.get("STRATA_NOTIFY_STEPS", "4000"))
WINDOW = 100
MAX_FRAMES = 200000  # bound of one drain


def frames(key, event, pattern=b"__key*__:*"):
    """The two messages a `pattern` subscriber gets for one event with classes K and E."""
    key, event = key.encode(), event.encode()
    return [[b"pmessage", pattern, b"__keyspace@0__:" + key, event],
            [b"pmessage", pattern, b"__keyevent@0__:" + event, key]]


def drain(sub):
    """Every message the subscriber holds, up to the answer of a PING sent now."""
    sub.send("PING")
    got = []
    for _ in range(MAX_FRAMES):
        frame = sub.read(timeout=10)
        if frame == [b"pong", b""]:
            return got
        got.append(frame)
    raise AssertionError("no end to the notifications")


class ServersCase(DifferentialCase):
    """redis-server 7.0 and the node (self.servers), both with notify-keyspace-events `classes`."""

    classes = "KEA"

    @classmethod
    def setUpClass(cls):
        cls.node_args = cls.redis_args = ("--notify-keyspace-events", cls.classes)
        super().setUpClass()

    def conn(self, name):
        c = RespConn(HOST, self.servers[name].port)
        self.addCleanup(c.close)
        return c

    def pair(self):
        """{name: (command connection, subscriber on __key*__:*)} after FLUSHALL."""
        out = {}
        for name in self.servers:
            c, sub = self.conn(name), self.conn(name)
            c.call("FLUSHALL")
            self.assertEqual(sub.call("PSUBSCRIBE", "__key*__:*"), [b"psubscribe", b"__key*__:*", 1])
            out[name] = (c, sub)
        return out

    def both(self, conns, *cmd):
        """Runs cmd on both servers; returns redis-server's reply (the node's must be equal)."""
        replies = {}
        for name, (c, _) in conns.items():
            try:
                replies[name] = c.call(*cmd)
            except RespError as e:
                replies[name] = e
        self.assertEqual(replies["node"], replies["redis"], cmd)
        return replies["redis"]

    def events(self, conns):
        got = {name: drain(sub) for name, (_, sub) in conns.items()}
        self.assertEqual(got["node"], got["redis"])
        return got["redis"]


class RandomStream(ServersCase):
    def test_random_commands(self):
        r = random.Random(SEED + len(self.classes))
        conns = self.pair()
        window, heard = [], 0
        for step in range(STEPS):
            cmd, _ = gen(r)
            if cmd[0] == "SCANALL":
                continue
            unordered = cmd[0] in ("SORT", "SORT_RO")  # BY/GET look keys up in hash order
            if unordered:
                heard += self.compare(conns, window, step)
                window = []
            for c, _ in conns.values():
                try:
                    c.call(*cmd)
                except RespError:
                    pass
            window.append(cmd)
            if unordered:
                heard += self.compare(conns, window, step, key=repr)
                window = []
            elif len(window) == WINDOW or step == STEPS - 1:
                heard += self.compare(conns, window, step)
                window = []
        self.assertGreater(heard, STEPS // 20)

    def compare(self, conns, window, step, key=None):
        """The messages both subscribers hold, equal (or, with key, equal once sorted by it)."""
        got = {name: drain(sub) for name, (_, sub) in conns.items()}
        if key is not None:
            got = {name: sorted(frames, key=key) for name, frames in got.items()}
        if got["node"] != got["redis"]:
            a, b = got["redis"], got["node"]
            i = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
            self.fail(f"events differ after step {step} (classes {self.classes}) at message {i}:\n"
                      f"commands: {window}\nredis: {a[max(0, i - 4):i + 6]}\n"
                      f"node:  {b[max(0, i - 4):i + 6]}")
        return len(got["redis"])


class RandomStreamNarrow(RandomStream):
    classes = "Ex$"


class RandomStreamWithMissAndNew(RandomStream):
    classes = "KEAmn"


class Explicit(ServersCase):
    classes = "KEAmn"

    def test_lazy_and_active_expiry(self):
        conns = self.pair()
        self.both(conns, "SET", "lazy", "v", "PX", "50")
        self.both(conns, "SET", "active", "v", "PX", "50")
        self.assertEqual(self.events(conns), [frame for key in ("lazy", "active")
                                              for event in ("new", "set", "expire")
                                              for frame in frames(key, event)])
        time.sleep(0.1)
        self.assertIsNone(self.both(conns, "GET", "lazy"))  # lazy expiry, then the miss
        # The active cycle (hz 10) finds "active" without any command touching it, maybe before
        # the GET: each key's events are compared on their own.
        active = frames("active", "expired")
        for name, (_, sub) in conns.items():
            with self.subTest(server=name):
                heard = drain(sub)
                for _ in range(2):
                    if active[1] in heard:
                        break
                    heard.append(sub.read(timeout=5))
                self.assertEqual([f for f in heard if f in active], active)
                self.assertEqual([f for f in heard if f not in active],
                                 frames("lazy", "expired") + frames("lazy", "keymiss"))

    def test_transactions_and_scripts(self):
        conns = self.pair()
        for c, _ in conns.values():
            c.call("MULTI")
            c.call("RPUSH", "l", "a", "b")
            c.call("LMOVE", "l", "m", "LEFT", "RIGHT")
            c.call("HSET", "h", "f", "1")
            c.call("EXEC")
        script = ("redis.call('SET', KEYS[1], '1'); redis.call('INCRBY', KEYS[1], 2); "
                  "redis.call('EXPIRE', KEYS[1], 100); redis.call('PERSIST', KEYS[1]); "
                  "redis.call('RENAME', KEYS[1], KEYS[2]); redis.call('DEL', KEYS[2]); return 1")
        self.both(conns, "EVAL", script, "2", "s1", "s2")
        self.both(conns, "FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', "
                  "function(keys) return redis.call('ZADD', keys[1], 1, 'a') end)")
        self.both(conns, "FCALL", "f", "1", "z")
        got = self.events(conns)
        kinds = [m[2][len(b"__keyevent@0__:"):] for m in got if m[2].startswith(b"__keyevent")]
        self.assertEqual(kinds, [b"new", b"rpush", b"new", b"rpush", b"lpop", b"new", b"hset",
                                 b"new", b"set", b"incrby", b"expire", b"persist", b"new",
                                 b"rename_from", b"rename_to", b"del", b"new", b"zadd"])
        self.both(conns, "FUNCTION", "FLUSH")

    def test_eviction(self):
        # Each server evicts what it evicts (memory accounting differs): every evicted event names
        # a key that is gone, and there are as many as evicted_keys says.
        for name in self.servers:
            with self.subTest(server=name):
                c, sub = self.conn(name), self.conn(name)
                c.call("FLUSHALL")
                sub.call("SUBSCRIBE", "__keyevent@0__:evicted")
                used = int(next(line.split(b":")[1] for line in c.call("INFO", "memory").split(b"\r\n")
                                if line.startswith(b"used_memory:")))
                before = int(next(line.split(b":")[1] for line in c.call("INFO", "stats").split(b"\r\n")
                                  if line.startswith(b"evicted_keys:")))
                c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
                c.call("CONFIG", "SET", "maxmemory", str(used + 2 * 1024 * 1024))
                try:
                    for i in range(400):
                        c.call("SET", f"evict:{i}", "x" * 20000)
                finally:
                    c.call("CONFIG", "SET", "maxmemory", "0")
                after = int(next(line.split(b":")[1] for line in c.call("INFO", "stats").split(b"\r\n")
                                 if line.startswith(b"evicted_keys:")))
                heard = drain(sub)
                self.assertGreater(after - before, 0)
                self.assertEqual(len(heard), after - before)
                for frame in heard:
                    self.assertEqual(frame[:2], [b"message", b"__keyevent@0__:evicted"])
                    self.assertEqual(c.call("EXISTS", frame[2]), 0)
                c.call("FLUSHALL")

    def test_keymiss_of_read_commands_only(self):
        conns = self.pair()
        for cmd in (["GET", "a"], ["HGET", "b", "f"], ["LRANGE", "c", "0", "-1"], ["EXISTS", "d"],
                    ["TYPE", "e"], ["TTL", "f"], ["SMEMBERS", "g"], ["ZSCORE", "h", "m"],
                    ["XRANGE", "i", "-", "+"], ["LPOP", "j"], ["DEL", "k"], ["INCR", "l"],
                    ["MGET", "m", "n"], ["OBJECT", "ENCODING", "o"], ["DUMP", "p"]):
            self.both(conns, *cmd)
        self.events(conns)


    def test_keyspace_hits_and_misses(self):
        """INFO's keyspace_hits/keyspace_misses and the keymiss events of each command, on a
        present and an absent key: counted by every read lookup (NOTOUCH ones too: EXISTS, TYPE,
        TTL, OBJECT, which fires no keymiss), not by writes, RENAME, MEMORY USAGE, SCAN."""
        conns = self.pair()

        def counts(c):
            info = dict(line.split(b":", 1) for line in c.call("INFO", "stats").split(b"\r\n")
                        if b":" in line)
            return int(info[b"keyspace_hits"]), int(info[b"keyspace_misses"])

        cmds = [["EXISTS", "s", "none"], ["TYPE", "s"], ["TYPE", "none"], ["TTL", "s"],
                ["TTL", "none"], ["PTTL", "none"], ["EXPIRETIME", "none"], ["PEXPIRETIME", "s"],
                ["OBJECT", "ENCODING", "s"], ["OBJECT", "ENCODING", "none"],
                ["OBJECT", "REFCOUNT", "none"], ["OBJECT", "IDLETIME", "s"],
                ["OBJECT", "FREQ", "none"], ["TOUCH", "s", "none"], ["DUMP", "s"],
                ["DUMP", "none"], ["STRLEN", "none"], ["GETRANGE", "s", "0", "1"],
                ["GETRANGE", "none", "0", "1"], ["GET", "l"], ["MGET", "s", "none", "l"],
                ["GETDEL", "none"], ["GETEX", "s"], ["SET", "s", "v", "GET"], ["SET", "none", "v"],
                ["APPEND", "none", "v"], ["INCR", "none"], ["RENAME", "none", "x"],
                ["RENAME", "s", "x"], ["COPY", "s", "x"], ["EXPIRE", "none", "10"],
                ["MEMORY", "USAGE", "none"], ["LRANGE", "none", "0", "-1"], ["LPOP", "none"],
                ["HGET", "h", "f"], ["SINTER", "st", "none"], ["SINTERSTORE", "d", "st", "none"],
                ["ZSCORE", "none", "m"], ["XRANGE", "none", "-", "+"], ["PFCOUNT", "none"],
                ["SORT", "none"], ["SCAN", "0"], ["RANDOMKEY"],
                ["EVAL", "return redis.call('exists', 'none')", "0"]]
        for cmd in cmds:
            got = {}
            for name, (c, sub) in conns.items():
                c.call("FLUSHALL")
                c.call("SET", "s", "hello")
                c.call("RPUSH", "l", "a")
                c.call("HSET", "h", "f", "v")
                c.call("SADD", "st", "m")
                drain(sub)
                before = counts(c)
                c.call(*cmd)
                after = counts(c)
                misses = [f for f in drain(sub) if f[2] == b"__keyevent@0__:keymiss"]
                got[name] = (after[0] - before[0], after[1] - before[1], misses)
            with self.subTest(cmd=cmd):
                self.assertEqual(got["node"], got["redis"])


class DebugReload(ServersCase):
    """DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] saves, flushes and loads an RDB file as Redis:
    the same replies and data, no keyspace event at all (not even `new`), the save's counters."""

    classes = "KEAmn"

    @classmethod
    def setUpClass(cls):
        cls.node_args = ("--notify-keyspace-events", cls.classes)
        cls.redis_args = cls.node_args + ("--enable-debug-command", "yes")
        super(ServersCase, cls).setUpClass()

    def state(self, c):
        keys = sorted(c.call("KEYS", "*"))
        info = dict(line.split(b":", 1) for line in c.call("INFO", "persistence").split(b"\r\n")
                    if b":" in line)
        return ([(k, snapshot(c, k)) for k in keys], c.call("FUNCTION", "LIST"),
                info[b"rdb_changes_since_last_save"], info[b"rdb_last_load_keys_loaded"])

    def test_reload_variants(self):
        conns = self.pair()
        for c, _ in conns.values():
            c.call("FUNCTION", "FLUSH")
        fill_every_type(conns["redis"][0])
        fill_every_type(conns["node"][0])
        lib = "#!lua name=mylib\nredis.register_function('f', function(keys, args) return 1 end)"
        self.both(conns, "FUNCTION", "LOAD", lib)
        self.events(conns)
        steps = [["DEBUG", "RELOAD"],
                 ["SET", "added", "1"], ["DEBUG", "RELOAD", "NOSAVE"],  # `added` is gone
                 ["SET", "added", "2"], ["DEL", "int"],
                 ["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"],  # mylib is there: refused
                 ["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"],  # int back, added kept
                 ["DEBUG", "RELOAD", "NOSAVE", "BOGUS"], ["DEBUG", "RELOAD", "merge", "noflush"]]
        for cmd in steps:
            with self.subTest(cmd=cmd):
                self.both(conns, *cmd)
                got = {name: self.state(c) for name, (c, _) in conns.items()}
                self.assertEqual(got["node"][0], got["redis"][0])
                self.assertEqual(got["node"][1:], got["redis"][1:])
                heard = self.events(conns)
                if cmd[0] == "DEBUG":
                    self.assertEqual(heard, [])
        for c, _ in conns.values():
            c.call("FUNCTION", "FLUSH")


class ConfigOption(DifferentialCase):
    def test_set_get_round_trips(self):
        c = {name: RespConn(HOST, server.port) for name, server in self.servers.items()}
        try:
            for v in ["", "KEA", "AKE", "EKA", "Ex$", "x", "gx", "KEAmn", "Kg$lshzxetd", "Kg$lshzxet",
                      "d", "n", "m", "K", "E", "KE", "AAA", "lsh$", "tK", "mE", "Z", "KEAq", "K E",
                      " ", "kea", "a", "KEA "]:
                got = {}
                for name, conn in c.items():
                    try:
                        r = conn.call("CONFIG", "SET", "notify-keyspace-events", v)
                    except RespError as e:
                        r = e
                    got[name] = (r, conn.call("CONFIG", "GET", "notify-keyspace-events"))
                self.assertEqual(got["node"], got["redis"], v)
            self.assertEqual(c["node"].call("CONFIG", "GET", "notify-*"),
                             c["redis"].call("CONFIG", "GET", "notify-*"))
        finally:
            for conn in c.values():
                conn.call("CONFIG", "SET", "notify-keyspace-events", "")
                conn.close()


class Replica(unittest.TestCase):
    """A replica fires the events of the commands its master's stream applies (as Redis)."""

    def test_replica_hears_what_its_master_sends(self):
        got = {}
        for binary in (None, node_bin()):
            args = ["--notify-keyspace-events", "KEA"]
            master = Standalone(binary=binary, extra_args=args).start()
            replica = Standalone(binary=binary, extra_args=args).start()
            try:
                m, rc, sub = (RespConn(HOST, master.port), RespConn(HOST, replica.port),
                              RespConn(HOST, replica.port))
                rc.call("REPLICAOF", HOST, str(master.port))
                wait_until(lambda: b"master_link_status:up" in rc.call("INFO", "replication"),
                           20, "the replica in sync")
                sub.call("PSUBSCRIBE", "__keyevent@0__:*")
                m.call("SET", "a", "1")
                m.call("LPUSH", "l", "x", "y")
                m.call("RPOP", "l")
                m.call("EXPIRE", "a", "100")
                m.call("DEL", "a")
                m.call("SET", "gone", "v", "PX", "20")
                time.sleep(0.3)
                m.call("GET", "gone")  # expired on the master: the replica gets a DEL
                m.call("WAIT", "1", "2000")
                name = "redis" if binary is None else "node"
                got[name] = drain(sub)
                for x in (m, rc, sub):
                    x.close()
            finally:
                replica.stop()
                master.stop()
        self.assertEqual(got["node"], got["redis"])
        self.assertIn([b"pmessage", b"__keyevent@0__:*", b"__keyevent@0__:del", b"gone"], got["redis"])


if __name__ == "__main__":
    sys.exit(main())
