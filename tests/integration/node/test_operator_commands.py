# Operator commands on the node side by side with redis-server 7.0: MONITOR (the line format,
# sdscatrepr quoting, redacted AUTH/HELLO secrets, EXEC after its queued commands, EVAL before
# its script's "[0 lua]" commands, admin commands hidden, the monitoring client kept out of the
# keyspace until RESET, CLIENT LIST flags=O), COMMAND GETKEYS / GETKEYSANDFLAGS (key specs and
# the getkeys procs of SORT, MIGRATE, the numkeys commands, GEORADIUS, XREAD ...), LATENCY (HELP,
# LATEST, HISTORY, RESET, GRAPH, DOCTOR, HISTOGRAM, latency-monitor-threshold), INFO latencystats
# (which INFO forms include it, the fields of the commands run, p50 <= p99 <= p99.9,
# latency-tracking and latency-tracking-info-percentiles with CONFIG SET's texts, RESETSTAT), INFO
# errorstats (the errorstat_<PREFIX> lines and total_error_replies after the same errors: wrong
# type, unknown command, syntax, arity, NOAUTH, UNBLOCKED, errors inside EVAL and EXEC, the
# 32-byte prefix rule, RESETSTAT) and CONFIG REWRITE (Redis's error without a config file; the node's TOML file rewritten and loaded
# again).
# Timestamps, addresses and latencies are checked by pattern, everything else must be equal in
# RESP2 and RESP3.
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import RespConn, RespError  # noqa: E402
from harness.differential import DifferentialCase, node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

LINE = re.compile(r"^(\d+)\.(\d{6}) \[0 ([0-9.]+:\d+|lua)\] (.*)$")


def client_addr(c):
    info = c.call("CLIENT", "INFO")
    return re.search(rb"addr=(\S+)", info).group(1).decode()


class OperatorCommands(DifferentialCase):

    def monitor_lines(self, mon, n, addrs):
        """n MONITOR lines, each as (who, args) with the address replaced by its name."""
        out = []
        for _ in range(n):
            line = mon.read(timeout=5)
            m = LINE.match(line)
            self.assertIsNotNone(m, line)
            out.append((addrs.get(m.group(3), m.group(3)), m.group(4)))
        return out

    def test_monitor_lines(self):
        def check(port, proto):
            mon, c = self.conn(port, proto), self.conn(port, proto)
            addrs = {client_addr(c): "client", client_addr(mon): "monitor"}
            out = [mon.call("MONITOR")]
            c.call("SET", b"k\x01", b'a"\n\\\r\t\x07\x08\xff')
            c.call("AUTH", "secret")
            c.call("HELLO", str(proto), "AUTH", "default", "pw")
            c.call("CONFIG", "GET", "port")  # admin: not shown
            c.call("MULTI")
            c.call("INCR", "n")
            out.append(c.call("EXEC"))
            c.call("EVAL", "return redis.call('get', KEYS[1])", "1", "n")
            c.call("PING")
            out += self.monitor_lines(mon, 9, addrs)
            # The monitor may PING (and sees itself) but not touch the keyspace until RESET.
            out.append(mon.call("PING"))
            out += self.monitor_lines(mon, 1, addrs)
            out.append(mon.call("GET", "n"))
            out.append(mon.call("SET", "n", "1"))
            flags = re.findall(rb"flags=(\w+)", c.call("CLIENT", "LIST"))
            out.append(sorted(flags))
            out.append(mon.call("RESET"))
            out.append(mon.call("GET", "n"))
            return out

        got = self.same(check)
        self.assertEqual(got[2][0], "OK")
        self.assertIn(("client", '"SET" "k\\x01" "a\\"\\n\\\\\\r\\t\\a\\b\\xff"'), got[2])
        self.assertIn(("client", '"AUTH" "(redacted)"'), got[2])
        self.assertIn(("client", '"HELLO" "2" "AUTH" "(redacted)" "(redacted)"'), got[2])
        lines = [x for x in got[2] if isinstance(x, tuple)]
        self.assertLess(lines.index(("client", '"INCR" "n"')), lines.index(("client", '"EXEC"')))
        self.assertEqual(lines[lines.index(("lua", '"get" "n"')) - 1][1],
                         '"EVAL" "return redis.call(\'get\', KEYS[1])" "1" "n"')
        self.assertNotIn(("client", '"CONFIG" "GET" "port"'), lines)
        self.assertIn(RespError("ERR Replica can't interact with the keyspace"), got[2])
        self.assertIn([b"N", b"O"], got[2])
        self.assertEqual(got[2][-1], b"1")

    def test_monitor_refused_in_multi(self):
        def check(port, proto):
            c = self.conn(port, proto)
            return [c.call("MULTI"), c.call("MONITOR"), c.call("EXEC")]

        self.same(check)

    def test_getkeysandflags(self):
        cases = [
            ("SET", "a", "b"), ("SET", "a", "b", "GET"), ("GET", "a"), ("MSET", "a", "1", "b", "2"),
            ("LMOVE", "a", "b", "LEFT", "RIGHT"), ("EVAL", "x", "2", "k1", "k2", "v"),
            ("BITFIELD", "a", "GET", "u8", "0"), ("BITFIELD", "a", "INCRBY", "u8", "0", "1"),
            ("ZUNIONSTORE", "d", "2", "a", "b"), ("PING",),
            ("NOSUCH", "a"), ("GET",), ("XREAD", "STREAMS", "s1", "s2", "0", "0"),
            ("OBJECT", "ENCODING", "a"),
        ]

        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("COMMAND", "GETKEYSANDFLAGS", *args) for args in cases]
            out.append(c.call("COMMAND", "GETKEYSANDFLAGS"))
            # Subcommands come in dict order on redis-server: compared sorted.
            info = c.call("COMMAND", "INFO", "monitor", "latency", "command")
            out.append([e[:9] + [sorted(e[9], key=lambda sub: sub[0])] + e[10:] for e in info])
            if proto == 3:  # DOCS: the summary, version and group of each (sub)command
                docs = c.call("COMMAND", "DOCS", "monitor", "latency")
                brief = {}
                for name, d in docs.items():
                    brief[name] = [d[b"summary"], d[b"since"], d[b"group"]]
                    for sub, sd in d.get(b"subcommands", {}).items():
                        brief[sub] = [sd[b"summary"], sd[b"since"], sd[b"group"]]
                out.append(brief)
            out.append(c.call("COMMAND", "HELP"))
            return out

        got = self.same(check)
        self.assertEqual(got[2][0], [[b"a", ["OW", "update"]]])

    def test_getkeys_of_movable_key_commands(self):
        """Commands whose keys the key specs cannot describe: Redis 7.0 falls back to the
        command's getkeys proc (SORT ... STORE, MIGRATE ... KEYS, a bad numkeys ...), with its
        errors ('Invalid arguments specified', 'no key arguments', EVAL's empty list)."""
        cases = [
            ("SORT", "key", "STORE", "dst"), ("SORT", "key", "BY", "w", "GET", "x", "STORE", "dst"),
            ("SORT", "key", "LIMIT", "0", "STORE", "STORE", "dst"),
            ("SORT", "key", "STORE", "d1", "STORE", "d2"), ("SORT", "key", "STORE"),
            ("SORT", "key", "GET", "STORE"), ("SORT_RO", "key", "BY", "w", "STORE", "dst"),
            ("MIGRATE", "host", "6379", "", "0", "5000", "KEYS", "k1", "k2"),
            ("MIGRATE", "host", "6379", "key", "0", "5000"),
            ("MIGRATE", "host", "6379", "key", "0", "5000", "KEYS", "k1"),
            ("MIGRATE", "h", "1", "", "0", "5", "COPY", "REPLACE", "AUTH", "pw", "KEYS", "a", "b"),
            ("MIGRATE", "h", "1", "", "0", "5", "AUTH2", "u", "pw", "KEYS", "k1"),
            ("MIGRATE", "h", "1", "", "0", "5", "AUTH", "keys", "k1"),
            ("EVAL", "s", "0"), ("EVAL", "s", "2", "a", "b", "c"), ("EVAL", "s", "3", "a", "b"),
            ("EVAL", "s", "-1", "a"), ("EVAL", "s", "x", "a"), ("EVAL", "s", "2a", "a", "b"),
            ("EVAL", "s", "4294967297", "a"), ("EVALSHA", "s", "1", "a"), ("EVAL_RO", "s", "1", "a"),
            ("EVALSHA_RO", "s", "0", "a"), ("FCALL", "f", "1", "a", "b"), ("FCALL", "f", "2", "a"),
            ("FCALL_RO", "f", "0"),
            ("ZUNIONSTORE", "d", "2", "a", "b"), ("ZUNIONSTORE", "d", "0", "a"),
            ("ZUNIONSTORE", "d", "3", "a", "b"), ("ZUNIONSTORE", "d", "2a", "a", "b"),
            ("ZINTERSTORE", "d", "2", "a", "b", "AGGREGATE", "MIN"), ("ZDIFFSTORE", "d", "5", "a"),
            ("ZUNION", "0", "a"), ("ZINTER", "3", "a", "b"), ("ZDIFF", "1", "a"),
            ("GEORADIUS", "k", "0", "0", "10", "km", "STORE", "d"),
            ("GEORADIUS", "k", "0", "0", "10", "km", "STORE", "d", "STOREDIST", "e"),
            ("GEORADIUS", "k", "0", "0", "10", "km", "STORE"),
            ("GEORADIUSBYMEMBER", "k", "m", "10", "km", "STOREDIST", "d", "STORE", "e"),
            ("XREAD", "STREAMS", "s1", "s2", "0", "0"), ("XREAD", "STREAMS", "s1", "s2", "0"),
            ("XREAD", "COUNT", "2", "s", "0"), ("XREAD", "BLOCK", "STREAMS", "a", "0"),
            ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "NOACK", "STREAMS", "s1", "s2", ">", ">"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "streams", "0"),
            ("LMPOP", "2", "a", "b", "LEFT"), ("LMPOP", "0", "a", "LEFT"), ("LMPOP", "x", "a", "LEFT"),
            ("BLMPOP", "0", "2", "a", "b", "LEFT"), ("BLMPOP", "0", "5", "a", "LEFT"),
            ("ZMPOP", "4", "a", "b", "MIN"), ("BZMPOP", "0", "1", "a", "MAX"),
            ("BZMPOP", "0", "0", "a", "MAX"), ("SINTERCARD", "1", "a", "LIMIT", "5"),
            ("SINTERCARD", "3", "a", "b"), ("ZINTERCARD", "2", "a", "b"), ("ZINTERCARD", "5", "a"),
            ("SET", "a", "b", "EX", "10", "GET"), ("SET", "a", "b", "xget"),
            ("BITFIELD", "a", "GET", "u8"), ("BITFIELD", "a", "FOO"), ("BITFIELD", "a", "OVERFLOW"),
            ("BITFIELD", "a", "OVERFLOW", "SAT", "GET", "u8", "0"),
            ("TIME", "x"), ("SPUBLISH", "c", "m"), ("SSUBSCRIBE", "c", "d"), ("OBJECT",),
        ]

        def check(port, proto):
            c = self.conn(port, proto)
            return [c.call("COMMAND", sub, *args) for args in cases
                    for sub in ("GETKEYS", "GETKEYSANDFLAGS")]

        got = self.same(check, protos=(2,))[2]
        getkeys = {args: got[2 * i] for i, args in enumerate(cases)}
        self.assertEqual(getkeys[("SORT", "key", "STORE", "dst")], [b"key", b"dst"])
        self.assertEqual(getkeys[cases[7]], [b"k1", b"k2"])  # MIGRATE ... "" ... KEYS k1 k2
        self.assertEqual(getkeys[("MIGRATE", "host", "6379", "key", "0", "5000", "KEYS", "k1")],
                         RespError("ERR Invalid arguments specified for command"))
        self.assertEqual(getkeys[("EVAL", "s", "0")], [])
        self.assertEqual(getkeys[("SPUBLISH", "c", "m")],
                         RespError("ERR The command has no key arguments"))

    def test_latency_without_events(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("LATENCY", "HELP"), c.call("LATENCY", "RESET"),
                   c.call("CONFIG", "GET", "latency-monitor-threshold"),
                   c.call("LATENCY", "DOCTOR"), c.call("LATENCY", "LATEST"),
                   c.call("LATENCY", "HISTORY", "command"), c.call("LATENCY", "GRAPH", "command"),
                   c.call("LATENCY", "NOSUCH"), c.call("LATENCY", "HISTORY"),
                   c.call("CONFIG", "SET", "latency-monitor-threshold", "1000"),
                   c.call("LATENCY", "DOCTOR"),
                   c.call("CONFIG", "SET", "latency-monitor-threshold", "0")]
            return out

        self.same(check)

    def test_latency_events(self):
        busy = ("local t = redis.call('TIME') local s = t[1] * 1000000 + t[2] "
                "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - s > 30000 return 1")

        def check(port, proto):
            c = self.conn(port, proto)
            c.call("LATENCY", "RESET")
            c.call("CONFIG", "SET", "latency-monitor-threshold", "10")
            c.call("EVAL", busy, "0")  # ~30 ms: a "command" event
            latest = c.call("LATENCY", "LATEST")
            history = c.call("LATENCY", "HISTORY", "command")
            graph = c.call("LATENCY", "GRAPH", "command")
            doctor = c.call("LATENCY", "DOCTOR")
            reset = [c.call("LATENCY", "RESET", "command", "nosuch"), c.call("LATENCY", "LATEST")]
            c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
            self.assertEqual(len(latest), 1)
            name, when, last, worst = latest[0]
            self.assertTrue(30 <= last <= worst < 5000, latest)
            self.assertEqual(history, [[when, last]])
            self.assertTrue(graph.startswith(b"command - high %d ms, low %d ms (all time high %d ms)\n"
                                             % (last, last, worst)), graph)
            self.assertTrue(doctor.startswith(b"Dave, I have observed latency spikes"), doctor)
            # The sparkline below the header: one sample, its age label ("0s") vertically.
            body = re.sub(rb"[0-9]", b"9", graph.split(b"\n", 1)[1])
            return [name, reset, body]

        got = self.same(check)
        self.assertEqual(got[2][:2], [b"command", [1, []]])
        self.assertEqual(got[2][2], b"-" * 80 + b"\n \n \n \n_\n \n9\ns\n")

    def test_latency_histogram(self):
        def check(port, proto):
            c = self.conn(port, proto)
            c.call("CONFIG", "RESETSTAT")
            for i in range(5):
                c.call("SET", "k%d" % i, "v")
            c.call("GET", "k1")
            c.call("CLIENT", "ID")
            out = []
            for args in [("set", "get"), ("client",), ("client|id", "nosuch"), ("nosuch",)]:
                h = c.call("LATENCY", "HISTOGRAM", *args)
                items = h.items() if isinstance(h, dict) else zip(h[::2], h[1::2])
                shape = {}
                for name, v in items:
                    v = dict(v) if isinstance(v, dict) else dict(zip(v[::2], v[1::2]))
                    buckets = v[b"histogram_usec"]
                    b = list(buckets.items()) if isinstance(buckets, dict) else \
                        list(zip(buckets[::2], buckets[1::2]))
                    counts = [n for _, n in b]
                    self.assertEqual(counts, sorted(counts))  # cumulative
                    self.assertTrue(all(u in (1, 2, 4, 8, 16, 33, 66, 132, 264, 529, 1058, 2117)
                                        or u > 2117 for u, _ in b), b)
                    shape[name] = (v[b"calls"], counts[-1])
                out.append(shape)
            return out

        got = self.same(check)
        self.assertEqual(got[2][0], {b"set": (5, 5), b"get": (1, 1)})

    def latencystats(self, info):
        """INFO latencystats as {command: ([field names], [values])}, each value checked to be
        Redis's %.3f microseconds."""
        lines = info.decode().split("\r\n")
        self.assertEqual(lines[0], "# Latencystats")
        out = {}
        for line in lines[1:]:
            if not line:
                continue
            m = re.match(r"^latency_percentiles_usec_([a-z|_-]+):(.*)$", line)
            self.assertIsNotNone(m, line)
            fields, values = [], []
            for kv in m.group(2).split(",") if m.group(2) else []:
                k, v = kv.split("=")
                self.assertRegex(v, r"^\d+\.\d{3}$")
                fields.append(k)
                values.append(float(v))
            out[m.group(1)] = (fields, values)
        return out

    def test_info_latencystats(self):
        bad = ["100.1", "-1", "abc", "inf", "nan", "1e-400", " 50", "50 ", "50  99", "50 abc",
               '"50', "101 50"]
        good = ["", "0 100", "1e2", "0x10", ".5", "5.", "+50", "33.3333335", "99.123456789",
                "1e-7", "50 50", "00050", "-0", "50 99 99.9"]

        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("CONFIG", "SET", "latency-tracking", "yes"),
                   c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"),
                   c.call("CONFIG", "RESETSTAT")]
            for i in range(5):
                c.call("SET", "k%d" % i, "v")
            c.call("GET", "k1")
            c.call("CONFIG", "GET", "port")
            c.call("CLIENT", "ID")
            stats = self.latencystats(c.call("INFO", "latencystats"))
            for name, (fields, values) in stats.items():
                self.assertEqual(values, sorted(values), name)  # p50 <= p99 <= p99.9
            out.append(sorted((name, fields) for name, (fields, _) in stats.items()))
            # Which INFO forms carry the section (not the default one).
            forms = [(), ("default",), ("all",), ("everything",), ("latencystats",),
                     ("LatencyStats",), ("default", "latencystats"), ("commandstats",)]
            out.append([b"# Latencystats\r\n" in c.call("INFO", *f) for f in forms])
            # CONFIG SET / GET of the percentiles: Redis's validation, texts and renderings.
            for v in bad + good:
                out.append([v, c.call("CONFIG", "SET", "latency-tracking-info-percentiles", v),
                            c.call("CONFIG", "GET", "latency-tracking-info-percentiles")])
            c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "0 50 -0 100 33.3333335")
            fields, values = self.latencystats(c.call("INFO", "latencystats"))["set"]
            out.append(fields)
            self.assertLessEqual(values[0], values[1])
            self.assertLessEqual(values[1], values[3])
            self.assertEqual(values[0], values[2])  # -0 is 0
            c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "")
            info = c.call("INFO", "latencystats")
            out.append(b"\r\nlatency_percentiles_usec_get:\r\n" in info)
            c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
            # latency-tracking no: nothing recorded (the setting is read after each call), the
            # section is empty; yes shows the histograms again.
            out.append(c.call("CONFIG", "SET", "latency-tracking", "no"))
            out.append(c.call("CONFIG", "GET", "latency-tracking"))
            out.append(c.call("CONFIG", "RESETSTAT"))
            c.call("GET", "k1")
            out.append(c.call("INFO", "latencystats"))
            out.append(c.call("CONFIG", "SET", "latency-tracking", "yes"))
            c.call("GET", "k1")
            out.append(sorted(self.latencystats(c.call("INFO", "latencystats"))))
            # RESETSTAT drops every histogram; the RESETSTAT itself is recorded after it ran.
            out.append(c.call("CONFIG", "RESETSTAT"))
            out.append(sorted(self.latencystats(c.call("INFO", "latencystats"))))
            return out

        got = self.same(check)
        self.assertIn(("set", ["p50", "p99", "p99.9"]), got[2][3])
        self.assertIn(("config|get", ["p50", "p99", "p99.9"]), got[2][3])
        self.assertIn(("client|id", ["p50", "p99", "p99.9"]), got[2][3])
        self.assertEqual(got[2][4], [False, False, True, True, True, True, True, False])
        self.assertEqual(got[2][-10], ["p0", "p50", "p-0", "p100", "p33.333334"])
        self.assertTrue(got[2][-9])
        self.assertEqual(got[2][-5], b"# Latencystats\r\n")
        self.assertEqual(got[2][-3], ["config|set", "get"])
        self.assertEqual(got[2][-1], ["config|resetstat"])

    def errorstats(self, c):
        """INFO errorstats as its lines (the header checked) plus total_error_replies."""
        lines = c.call("INFO", "errorstats").decode().split("\r\n")
        self.assertEqual(lines[0], "# Errorstats")
        total = re.search(rb"\r\ntotal_error_replies:(\d+)\r\n", c.call("INFO", "stats"))
        return [line for line in lines[1:] if line] + ["total=" + total.group(1).decode()]

    def test_info_errorstats(self):
        long_word = "Y" * 30  # '-' + 30 bytes + ' ': the space is the 32nd byte, a prefix
        too_long = "Z" * 31  # the space is the 33rd byte: counted as ERR

        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("CONFIG", "RESETSTAT"), self.errorstats(c)]
            c.call("SET", "s", "1")
            out += [c.call("LPUSH", "s", "x"),  # WRONGTYPE
                    c.call("NOSUCH", "a"),  # unknown command
                    c.call("SET", "a", "b", "c"),  # syntax error
                    c.call("GET"),  # arity
                    c.call("CONFIG", "NOSUCH"),  # unknown subcommand
                    c.call("EVALSHA", "0" * 40, "0")]  # NOSCRIPT
            out.append(self.errorstats(c))
            # Scripts: a failed redis.call() counts once (not again as EVAL's reply), a refused
            # one (unknown command, arity) too; error_reply's prefix, a Lua error as ERR.
            for script in ["return redis.call('lpush', 's', 'x')",
                           "return redis.pcall('lpush', 's', 'x')",
                           "return redis.call('nosuch')", "return redis.pcall('get')",
                           "return redis.error_reply('MY bad')",
                           "return redis.error_reply('nospace')", "return {err='A:B c'}",
                           "return redis.error_reply('%s y')" % long_word,
                           "return redis.error_reply('%s y')" % too_long, "error('boom')",
                           "return redis.pcall('get', 's')"]:
                out.append(c.call("EVAL", script, "0"))
            out.append(self.errorstats(c))
            # Transactions: each failed command inside EXEC, a queueing error and EXECABORT,
            # MULTI/EXEC/DISCARD misuse.
            out += [c.call("MULTI"), c.call("SET", "x", "1"), c.call("LPUSH", "s", "y"),
                    c.call("INCR", "s"), c.call("EXEC")]
            out += [c.call("MULTI"), c.call("NOSUCH"), c.call("SET", "x"), c.call("EXEC")]
            out += [c.call("EXEC"), c.call("DISCARD"), c.call("MULTI"), c.call("MULTI"),
                    c.call("DISCARD")]
            out.append(self.errorstats(c))
            # CLIENT UNBLOCK ... ERROR: the blocked client's UNBLOCKED error.
            b = self.conn(port, proto)
            b_id = b.call("CLIENT", "ID")
            b.send("BLPOP", "nolist", "0")
            for _ in range(100):  # bounded: until the BLPOP blocks
                if b"cmd=blpop" in c.call("CLIENT", "LIST", "ID", str(b_id)):
                    break
                time.sleep(0.01)
            out += [c.call("CLIENT", "UNBLOCK", str(b_id), "ERROR"), b.read(timeout=5)]
            # NOAUTH from a second connection while a password is set.
            c.call("CONFIG", "SET", "requirepass", "pw")
            try:
                d = RespConn("127.0.0.1", port)
                self.addCleanup(d.close)
                out += [d.call("GET", "s"), d.call("AUTH", "bad"), d.call("AUTH", "pw")]
            finally:
                c.call("CONFIG", "SET", "requirepass", "")
            out.append(self.errorstats(c))
            # Which INFO forms carry the section: the default set too.
            forms = [(), ("default",), ("all",), ("everything",), ("errorstats",),
                     ("ErrorStats",), ("commandstats",), ("stats",)]
            out.append([b"# Errorstats\r\n" in c.call("INFO", *f) for f in forms])
            out.append(c.call("CONFIG", "RESETSTAT"))
            out.append(self.errorstats(c))
            c.call("NOSUCH")
            out.append(self.errorstats(c))
            return out

        got = self.same(check)[2]
        self.assertEqual(got[1], ["total=0"])
        self.assertEqual(got[8], ["errorstat_ERR:count=4", "errorstat_NOSCRIPT:count=1",
                                  "errorstat_WRONGTYPE:count=1", "total=6"])
        self.assertEqual(got[20], [
            "errorstat_A_B:count=1", "errorstat_ERR:count=9", "errorstat_MY:count=1",
            "errorstat_NOSCRIPT:count=1", "errorstat_WRONGTYPE:count=3",
            "errorstat_%s:count=1" % long_word, "total=16"])
        self.assertEqual(got[35], [
            "errorstat_A_B:count=1", "errorstat_ERR:count=14", "errorstat_EXECABORT:count=1",
            "errorstat_MY:count=1", "errorstat_NOSCRIPT:count=1", "errorstat_WRONGTYPE:count=4",
            "errorstat_%s:count=1" % long_word, "total=23"])
        self.assertEqual(got[37], RespError("UNBLOCKED client unblocked via CLIENT UNBLOCK"))
        self.assertIn("errorstat_NOAUTH:count=1", got[41])
        self.assertIn("errorstat_UNBLOCKED:count=1", got[41])
        self.assertIn("errorstat_WRONGPASS:count=1", got[41])
        self.assertEqual(got[41][-1], "total=26")
        self.assertEqual(got[-4], [True, True, True, True, True, True, False, False])
        self.assertEqual(got[-2], ["total=0"])
        self.assertEqual(got[-1], ["errorstat_ERR:count=1", "total=1"])

    def test_config_rewrite_without_file(self):
        def check(port, proto):
            c = self.conn(port, proto)
            return [c.call("CONFIG", "REWRITE"), c.call("CONFIG", "REWRITE", "x"),
                    c.call("CONFIG", "HELP")]

        got = self.same(check)
        self.assertEqual(got[2][0], RespError("ERR The server is running without a config file"))

    def test_config_rewrite_toml(self):
        """The node started with a TOML file: CONFIG REWRITE keeps comments and the options'
        places, writes current values, appends changed options, and the file loads again."""
        d = tempfile.mkdtemp(prefix="strata-it-rewrite-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "node.toml")
        with open(path, "w") as f:
            f.write("# operator notes\nhz = 10 # cron\nslowlog-max-len = 64\n")
        (port,) = allocate_ports(1)
        self.addCleanup(release_ports, [port])
        argv = [node_bin(), path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"]
        for round_ in range(2):
            proc = subprocess.Popen(argv, cwd=d, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                c = None
                for _ in range(100):
                    try:
                        c = RespConn("127.0.0.1", port)
                        break
                    except OSError:
                        time.sleep(0.05)
                self.assertIsNotNone(c)
                if round_ == 0:
                    self.assertEqual(c.call("CONFIG", "SET", "hz", "20"), "OK")
                    self.assertEqual(c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"),
                                     "OK")
                    self.assertEqual(c.call("CONFIG", "REWRITE"), "OK")
                else:  # restarted from the rewritten file
                    self.assertEqual(c.call("CONFIG", "GET", "hz"), [b"hz", b"20"])
                    self.assertEqual(c.call("CONFIG", "GET", "maxmemory-policy"),
                                     [b"maxmemory-policy", b"allkeys-lru"])
                c.close()
            finally:
                proc.kill()
                proc.wait()
            if round_ == 0:
                with open(path) as f:
                    text = f.read()
                lines = text.splitlines()
                self.assertEqual(lines[:3], ["# operator notes", "hz = 20", "slowlog-max-len = 64"])
                self.assertIn("# Generated by CONFIG REWRITE", lines)
                self.assertIn('maxmemory-policy = "allkeys-lru"', lines)
                self.assertEqual(sorted(os.listdir(d)), ["node.toml"])  # no temp file left

    def test_config_set_enum_and_bool_texts(self):
        """CONFIG SET of an enum or bool: Redis 7.0's texts, the choices in Redis's order, only
        yes/no for a bool, case-insensitive values shown as declared."""
        def check(port, proto):
            c = self.conn(port, proto)
            out = []
            for name, value in [("appendfsync", "bogus"), ("appendfsync", ""),
                                ("appendonly", "maybe"), ("appendonly", "true"),
                                ("appendonly", "1"), ("appendonly", ""),
                                ("loglevel", "loud"), ("maxmemory-policy", "lru"),
                                ("tls-auth-clients", "maybe")]:
                out.append(c.call("CONFIG", "SET", name, value))
            out.append(c.call("CONFIG", "SET", "appendfsync", "ALWAYS"))
            out.append(c.call("CONFIG", "GET", "appendfsync"))
            out.append(c.call("CONFIG", "SET", "appendfsync", "everysec"))
            out.append(c.call("CONFIG", "SET", "appendonly", "No"))
            out.append(c.call("CONFIG", "GET", "appendonly"))
            return out

        got = self.same(check)
        self.assertEqual(got[2][0], RespError(
            "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) "
            "must be one of the following: everysec, always, no"))
        self.assertEqual(got[2][2], RespError(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be "
            "'yes' or 'no'"))
        self.assertEqual(got[2][10], [b"appendfsync", b"always"])

    def test_config_set_save(self):
        """save: Redis's checks (pairs, seconds >= 1, changes >= 0, numbers read by strtoll, the
        value split on single spaces), its error text, and CONFIG GET's canonical rendering."""
        values = ["bogus", "900", "900 1 300", "0 0", "-1 1", "900 x", "900 1.5", "900 +",
                  "  900   1  ", "900 1 ", "900 ", "900 01", "900 +1", "900 0", "1 0 2 1",
                  "900 1 300 10", "", "3600 1 300 100 60 10000", "900\t1"]

        def check(port, proto):
            c = self.conn(port, proto)
            out = []
            for v in values:
                out.append((v, c.call("CONFIG", "SET", "save", v),
                            c.call("CONFIG", "GET", "save")))
            out.append(c.call("CONFIG", "SET", "save", ""))
            return out

        got = self.same(check)
        by_value = {v: (reply, shown) for v, reply, shown in got[2][:-1]}
        self.assertEqual(by_value["bogus"][0], RespError(
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters"))
        self.assertEqual(by_value[""], ("OK", [b"save", b""]))
        self.assertEqual(by_value["900 1 300 10"], ("OK", [b"save", b"900 1 300 10"]))
        self.assertEqual(by_value["900 01"], ("OK", [b"save", b"900 1"]))

    def test_config_set_maxmemory_above_int64(self):
        """maxmemory takes Redis's memtoull values up to 2^64-1 (saturating, the unit wrapping
        around); INFO memory shows it as Redis's "%lld" and bytesToHuman do."""
        def check(port, proto):
            c = self.conn(port, proto)
            out = []
            for v in ["18446744073709551615", "18446744073709551616", "9223372036854775808",
                      "20000000000g", "1125899906842624", "-1", "1.5gb", "0"]:
                reply = c.call("CONFIG", "SET", "maxmemory", v)
                shown = c.call("CONFIG", "GET", "maxmemory")
                info = c.call("INFO", "memory")
                out.append((reply, shown,
                            re.findall(rb"^maxmemory(?:_human)?:[^\r\n]*", info, re.M)))
            return out

        got = self.same(check)
        self.assertEqual(got[2][0], ("OK", [b"maxmemory", b"18446744073709551615"],
                                     [b"maxmemory:-1", b"maxmemory_human:18446744073709551615B"]))

    def test_config_set_hz_is_clamped(self):
        """hz: any value >= 0 is accepted and CONFIG GET / INFO's configured_hz show it clamped
        to 1..500, as Redis's updateHZ."""
        def check(port, proto):
            c = self.conn(port, proto)
            out = []
            for v in ["1000", "0", "-5", "500", "1", "abc", "10"]:
                out.append((c.call("CONFIG", "SET", "hz", v), c.call("CONFIG", "GET", "hz"),
                            re.findall(rb"configured_hz:(\d+)", c.call("INFO", "server"))))
            return out

        got = self.same(check)
        self.assertEqual(got[2][0], ("OK", [b"hz", b"500"], [b"500"]))
        self.assertEqual(got[2][1], ("OK", [b"hz", b"1"], [b"1"]))

    def test_config_set_maxclients_above_the_fd_limit(self):
        """maxclients needs maxclients + 32 descriptors: both servers raise RLIMIT_NOFILE if they
        can, else refuse with Redis's text and the largest value that fits, keeping the old one.
        Both inherit the same limits from this process, so the replies are compared exactly."""
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("CONFIG", "SET", "maxclients", "50"),
                   c.call("CONFIG", "GET", "maxclients"),
                   c.call("CONFIG", "SET", "maxclients", "1000000"),
                   c.call("CONFIG", "GET", "maxclients"),
                   c.call("CONFIG", "SET", "maxclients", "10000"),
                   c.call("CONFIG", "GET", "maxclients")]
            return out

        got = self.same(check)
        self.assertEqual(got[2][1], [b"maxclients", b"50"])
        self.assertEqual(got[2][5], [b"maxclients", b"10000"])
        if isinstance(got[2][2], RespError):
            self.assertRegex(str(got[2][2]),
                             r"^ERR CONFIG SET failed \(possibly related to argument "
                             r"'maxclients'\) - The operating system is not able to handle the "
                             r"specified number of clients, try with \d+$")
            self.assertEqual(got[2][3], [b"maxclients", b"50"])

    def start_both(self, args):
        """redis-server and the node started with extra `args`, stopped at the end of the test."""
        servers = {}
        for name, binary in [("redis", None), ("node", node_bin())]:
            servers[name] = Standalone(binary=binary, extra_args=args).start()
            self.addCleanup(servers[name].stop)
        return servers

    def test_startup_hz_and_maxclients_adjusted(self):
        """Started with hz 1000 and maxclients 1000000: CONFIG GET shows what Redis shows (hz
        500; maxclients reduced to what RLIMIT_NOFILE allows, or kept if it could be raised)."""
        servers = self.start_both(["--hz", "1000", "--maxclients", "1000000"])
        got = {}
        for name, server in servers.items():
            c = self.conn(server.port)
            got[name] = [c.call("CONFIG", "GET", "hz"), c.call("CONFIG", "GET", "maxclients")]
        self.assertEqual(got["node"], got["redis"])
        self.assertEqual(got["redis"][0], [b"hz", b"500"])

    def test_startup_refuses_bad_aof_names_and_save(self):
        """appendfilename / appenddirname must be plain names and save valid pairs: both servers
        refuse to start (exit status not 0) with Redis's reason."""
        cases = [
            (["--appendfilename", "a/b"], "appendfilename can't be a path, just a filename"),
            (["--appendfilename", "a\\b"], "appendfilename can't be a path, just a filename"),
            (["--appendfilename", ""], "appendfilename can't be empty"),
            (["--appenddirname", "d/e"], "appenddirname can't be a path, just a dirname"),
            (["--save", "bogus"], "Invalid save parameters"),
            (["--save", "900 1 300"], "Invalid save parameters"),
        ]
        (port,) = allocate_ports(1)
        self.addCleanup(release_ports, [port])
        d = tempfile.mkdtemp(prefix="strata-it-startup-")
        self.addCleanup(shutil.rmtree, d, True)
        for args, reason in cases:
            for binary in [shutil.which("redis-server") or "/usr/bin/redis-server", node_bin()]:
                with self.subTest(binary=os.path.basename(binary), args=args):
                    r = subprocess.run([binary, "--port", str(port), "--bind", "127.0.0.1",
                                        *args], cwd=d, capture_output=True, timeout=10)
                    self.assertNotEqual(r.returncode, 0)
                    self.assertIn(reason.encode(), r.stdout + r.stderr)


if __name__ == "__main__":
    main()
