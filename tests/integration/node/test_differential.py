# Differential test of the node against a real redis-server 7.0: the same seeded stream of
# >= 5,000 (per protocol) random string/key/connection, hash/set/list, sorted set and stream commands
# (wrong arity, bad integers and floats, overflow, expiry options, SET/GETEX and ZADD/ZRANGE
# option grammar, score and lex ranges, ZUNION/ZINTER/ZDIFF over sets and zsets, encodings
# (listpack/skiplist), WRONGTYPE across the families sharing one small key space, blocking pops
# with short or bad timeouts, ...) goes to both over RESP2 and RESP3 connections and every reply
# must be identical, except where Redis is unordered
# (KEYS, full SCAN iterations, SMEMBERS/SINTER/SUNION/SDIFF, HKEYS/HVALS/HGETALL, HSCAN/SSCAN/
# ZSCAN batches: compared sorted, reply type kept), random (RANDOMKEY, SRANDMEMBER, HRANDFIELD,
# ZRANDMEMBER: reply type and size only; SPOP only with counts that empty the set) or
# clock-dependent (TTLs:
# within a small tolerance). Also COMMAND INFO / GETKEYS for every implemented command. Then
# operational checks: redis-benchmark runs clean against the node, the cluster/AOF flags parse,
# a bogus flag exits 2 with a clear message. Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 300
import os
import random
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir, wait_until  # noqa: E402
from harness.resp import RespConn, RespError  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402
from harness.differential import node_bin  # noqa: E402

HOST = "127.0.0.1"
SEED = int(os.environ.get("STRATA_DIFF_SEED", "20261125"))
STEPS = int(os.environ.get("STRATA_DIFF_STEPS", "12000"))  # ~6,000 per protocol


KEYS = [f"k{i}" for i in range(12)] + ["{tag}a", "{tag}b", "big", ""]
INTS = ["0", "1", "-1", "42", "9999", "10000", "-9223372036854775808", "9223372036854775807",
        "9223372036854775806", "01", "+1", " 1", "1 ", "-0", "12345678901234567890", "3.5", "abc",
        "", "100"]
FLOATS = ["0", "1.5", "-2.25", "1e3", "3.0e-2", "inf", "-inf", "nan", "abc", "", " 1", "1.",
          ".5", "5.0000000000000001", "1e308", "17", "-0"]


def rand_value(r):
    c = r.random()
    if c < 0.35:
        return r.choice(INTS)
    if c < 0.45:
        return r.choice(FLOATS)
    if c < 0.75:
        return "v" * r.randint(0, 10) + str(r.randint(0, 999))
    if c < 0.9:
        return "x" * r.choice([43, 44, 45, 100])
    return "".join(r.choice("ab\r\n\x00 *?[]") for _ in range(r.randint(1, 8)))


def future_s(r):
    return str(int(time.time()) + r.randint(1000, 100000))


def future_ms(r):
    return str(int(time.time() * 1000) + r.randint(1000000, 100000000))


def expire_opts(r, past_ok):
    """SET/GETEX expiry options, mostly valid, sometimes contradictory or malformed. A past PXAT
    only where the server deletes at once (GETEX): a SET leaves an expired key that DBSIZE counts
    until each server's active expiry happens to remove it."""
    out = []
    for _ in range(r.choice([0, 0, 1, 1, 2])):
        c = r.randrange(9)
        if c == 0:
            out += ["EX", str(r.randint(100, 10000))]
        elif c == 1:
            out += ["PX", str(r.randint(100000, 10000000))]
        elif c == 2:
            out += ["EXAT", future_s(r)]
        elif c == 3:
            out += ["PXAT", r.choice([future_ms(r), "1" if past_ok else future_ms(r)])]
        elif c == 4:
            out += [r.choice(["EX", "PX", "EXAT", "PXAT"]), r.choice(["0", "-5", "abc", "9223372036854775807", "1.5"])]
        elif c == 5:
            out += ["KEEPTTL"]
        elif c == 6:
            out += ["PERSIST"]
        elif c == 7:
            out += [r.choice(["EX", "px"])]  # missing value
        else:
            out += [r.choice(["nx", "XX", "GET", "bogus"])]
    return out


MEMBERS = ["a", "b", "c", "1", "2", "3", "-7", "10", "01", "x" * 65, "", "1.5"]
SMALL = ["0", "1", "2", "-1", "-2", "3", "-100", "100", "x", ""]


def gen_container(r, k):
    """A random hash, set or list command over the shared small key space (types collide)."""
    m = lambda: r.choice(MEMBERS)  # noqa: E731
    n = lambda: r.choice(SMALL)  # noqa: E731
    c = r.randrange(60)
    # hashes
    if c < 3:
        args = []
        for _ in range(r.randint(1, 3)):
            args += [m(), m()]
        if r.random() < 0.1:
            args.append(m())
        return [r.choice(["HSET", "HMSET"]), k()] + args, "exact"
    if c < 4:
        return ["HSETNX", k(), m(), m()], "exact"
    if c < 6:
        return [r.choice(["HGET", "HSTRLEN", "HEXISTS"]), k(), m()], "exact"
    if c < 7:
        return ["HMGET", k()] + [m() for _ in range(r.randint(1, 3))], "exact"
    if c < 8:
        return ["HDEL", k()] + [m() for _ in range(r.randint(1, 3))], "exact"
    if c < 9:
        return ["HLEN", k()], "exact"
    if c < 11:
        return [r.choice(["HKEYS", "HVALS", "HGETALL"]), k()], "unordered"
    if c < 12:
        return ["HINCRBY", k(), m(), r.choice(INTS)], "exact"
    if c < 13:
        return ["HINCRBYFLOAT", k(), m(), r.choice(FLOATS)], "exact"
    if c < 14:
        return ["HRANDFIELD", k()] + r.choice([[], [n()], [n(), "WITHVALUES"], [n(), "bogus"]]), "random"
    if c < 15:
        return ["HSCAN", k(), r.choice(["0", "0", "x"])] + r.choice(
            [["COUNT", "1000"], ["MATCH", "*a*", "COUNT", "1000"], ["COUNT", "0"], ["bogus"]]), "scan"
    # sets
    if c < 18:
        return ["SADD", k()] + [m() for _ in range(r.randint(1, 4))], "exact"
    if c < 19:
        return ["SREM", k()] + [m() for _ in range(r.randint(1, 3))], "exact"
    if c < 20:
        return [r.choice(["SISMEMBER", "SMISMEMBER"]), k(), m()], "exact"
    if c < 21:
        return [r.choice(["SMEMBERS", "SCARD"]), k()], "unordered"
    if c < 22:
        return ["SPOP", k()] + r.choice([["100"], ["0"], ["-1"], ["x"], ["100", "1"]]), "unordered"
    if c < 23:
        return ["SRANDMEMBER", k()] + r.choice([[], [n()], [n(), "1"]]), "random"
    if c < 24:
        return ["SMOVE", k(), k(), m()], "exact"
    if c < 26:
        return [r.choice(["SINTER", "SUNION", "SDIFF"])] + [k() for _ in range(r.randint(1, 3))], "unordered"
    if c < 27:
        return [r.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])] + [k() for _ in range(r.randint(2, 3))], "exact"
    if c < 28:
        return ["SINTERCARD", r.choice(["1", "2", "0", "x", "5"]), k(), k()] + r.choice(
            [[], ["LIMIT", "1"], ["LIMIT", "-1"], ["LIMIT"], ["bogus", "1"]]), "exact"
    if c < 29:
        return ["SSCAN", k(), r.choice(["0", "0", "x"])] + r.choice(
            [["COUNT", "1000"], ["MATCH", "1*", "COUNT", "1000"], ["COUNT", "0"], ["bogus"]]), "scan"
    # lists
    if c < 33:
        return [r.choice(["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), k()] + \
            [m() for _ in range(r.randint(1, 4))], "exact"
    if c < 35:
        return [r.choice(["LPOP", "RPOP"]), k()] + r.choice([[], [], [n()], [n(), "1"]]), "exact"
    if c < 36:
        return ["LLEN", k()], "exact"
    if c < 37:
        return ["LINDEX", k(), n()], "exact"
    if c < 39:
        return ["LRANGE", k(), n(), n()], "exact"
    if c < 40:
        return ["LSET", k(), n(), m()], "exact"
    if c < 41:
        return ["LINSERT", k(), r.choice(["BEFORE", "after", "bogus"]), m(), m()], "exact"
    if c < 42:
        return ["LREM", k(), n(), m()], "exact"
    if c < 43:
        return ["LTRIM", k(), n(), n()], "exact"
    if c < 45:
        opts = []
        for _ in range(r.choice([0, 1, 2])):
            opts += [r.choice(["RANK", "COUNT", "MAXLEN", "bogus"]), n()]
        return ["LPOS", k(), m()] + opts, "exact"
    if c < 46:
        return ["LMOVE", k(), k(), r.choice(["LEFT", "right", "up"]), r.choice(["left", "RIGHT"])], "exact"
    if c < 47:
        return ["RPOPLPUSH", k(), k()], "exact"
    if c < 48:
        nk = r.choice(["1", "2", "0", "x", "9"])
        return ["LMPOP", nk, k(), k()] + r.choice([["LEFT"], ["RIGHT", "COUNT", n()], ["up"], []]), "exact"
    if c < 49:
        # Blocking pops: served at once, a short timeout, or a bad timeout.
        cmd = r.choice([["BLPOP", k(), k()], ["BRPOP", k()], ["BRPOPLPUSH", k(), k()],
                        ["BLMOVE", k(), k(), "LEFT", "RIGHT"], ["BLMPOP"]])
        t = r.choice(["0.01", "x", "-1"])
        if cmd[0] == "BLMPOP":
            return ["BLMPOP", t, "2", k(), k(), r.choice(["LEFT", "RIGHT"])], "exact"
        return cmd + [t], "exact"
    if c < 52:
        return ["TYPE", k()], "exact"
    if c < 55:
        return ["OBJECT", "ENCODING", k()], "exact"
    if c < 56:
        return ["COPY", k(), k(), "REPLACE"], "exact"
    if c < 57:
        return ["RENAME", k(), k()], "exact"
    if c < 58:
        return ["SCANALL", "TYPE", r.choice(["hash", "set", "list"])], "scanall"
    return ["DEL", k()], "exact"


ZMEMBERS = ["a", "b", "c", "d", "e", "1", "2", "10", "", "x" * 65, "m7", "a\x00b"]
ZSCORES = ["0", "1", "-1", "2", "2.5", "1e3", "inf", "-inf", "+inf", "-0", "0.1", "3", "17",
           "nan", "abc", "", " 1", "0x10", "1e400", "5.0000000000000001"]
ZKEYS = ["z1", "z2", "z3", "{tag}z", "zbig"]
# Lex commands only on keys whose members all score 0 (Redis leaves mixed scores undefined).
LEXKEYS = ["{lex}1", "{lex}2"]
LEXBOUNDS = ["-", "+", "[a", "(a", "[c", "(d", "[", "(", "[m7", "[b", "(e", "[\x00", "[10", "(1"]
BADLEX = ["a", "", "+x"]


def score_bound(r):
    return r.choice(["-inf", "+inf", "inf", "0", "1", "(1", "2.5", "(2.5", "-1", "(-inf", "3", "17",
                     "x", "(", "", "1e3", "(nan", " 2"])


def range_opts(r, store=False):
    out = []
    for _ in range(r.choice([0, 0, 1, 2, 3])):
        c = r.randrange(6)
        if c == 0 and not store:
            out.append(r.choice(["WITHSCORES", "withscores"]))
        elif c == 1:
            out += ["LIMIT", r.choice(["0", "1", "-1", "2", "x", "100"]),
                    r.choice(["1", "-1", "0", "2", "y"])]
        elif c == 2:
            out.append(r.choice(["REV", "rev"]))
        elif c == 3:
            out.append(r.choice(["BYSCORE", "BYLEX", "byscore"]))
        elif c == 4:
            out.append("LIMIT")
        else:
            out.append(r.choice(["bogus", "WITHSCORES"]))
    return out


def gen_zset(r, shared):
    """A random sorted set command, mostly on ZKEYS (zsets, and the odd set or list), sometimes on
    the shared key space (types collide), lex commands on LEXKEYS."""
    k = lambda: r.choice(ZKEYS) if r.random() < 0.8 else shared()  # noqa: E731
    m = lambda: r.choice(ZMEMBERS) if r.random() < 0.8 else f"m{r.randint(0, 199)}"  # noqa: E731
    sc = lambda: r.choice(ZSCORES[:13]) if r.random() < 0.9 else r.choice(ZSCORES)  # noqa: E731
    n = lambda: r.choice(SMALL)  # noqa: E731
    lk = lambda: r.choice(LEXKEYS)  # noqa: E731
    lb = lambda: r.choice(LEXBOUNDS) if r.random() < 0.95 else r.choice(BADLEX)  # noqa: E731
    c = r.randrange(64)
    if c < 8:
        flags = [r.choice(["NX", "XX", "GT", "LT", "CH", "INCR", "ch", "gt"])
                 for _ in range(r.choice([0, 0, 0, 1, 1, 2]))]
        args = []
        for _ in range(1 if "INCR" in flags and r.random() < 0.8 else r.randint(1, 4)):
            args += [sc(), m()]
        if r.random() < 0.05:
            args.append(m())
        return ["ZADD", k()] + flags + args, "exact"
    if c < 9:
        # Big enough (or long-membered) to be skiplist-encoded.
        args = []
        for i in range(r.choice([100, 130, 140])):
            args += [str(r.randint(-20, 20)), f"m{r.randint(0, 199)}"]
        return ["ZADD", r.choice(["zbig", k()])] + args, "exact"
    if c < 11:
        return ["ZINCRBY", k(), sc(), m()], "exact"
    if c < 12:
        return ["ZREM", k()] + [m() for _ in range(r.randint(1, 3))], "exact"
    if c < 14:
        cmd = r.choice(["ZCARD", "ZSCORE", "ZRANK", "ZREVRANK"])
        arity_error = r.random() < 0.05
        return [cmd, k()] + ([m()] if (cmd != "ZCARD") != arity_error else []), "exact"
    if c < 15:
        return ["ZMSCORE", k()] + [m() for _ in range(r.randint(1, 3))], "exact"
    if c < 16:
        return ["ZCOUNT", k(), score_bound(r), score_bound(r)], "exact"
    if c < 20:
        return ["ZRANGE", k(), r.choice([n(), score_bound(r)]), r.choice([n(), score_bound(r)])] + \
            range_opts(r), "exact"
    if c < 21:
        return ["ZREVRANGE", k(), n(), n()] + r.choice([[], ["WITHSCORES"], ["LIMIT", "0", "1"]]), "exact"
    if c < 23:
        return [r.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]), k(), score_bound(r), score_bound(r)] + \
            r.choice([[], ["WITHSCORES"], ["LIMIT", n(), n()], ["WITHSCORES", "LIMIT", n(), n()],
                      ["REV"], ["LIMIT", "1"]]), "exact"
    if c < 24:
        return ["ZRANGESTORE", k(), k(), r.choice([n(), score_bound(r)]),
                r.choice([n(), score_bound(r)])] + range_opts(r, store=True), "exact"
    if c < 25:
        return ["ZREMRANGEBYRANK", k(), n(), n()], "exact"
    if c < 26:
        return ["ZREMRANGEBYSCORE", k(), score_bound(r), score_bound(r)], "exact"
    # lex commands on the all-zero-score keys
    if c < 28:
        return ["ZADD", lk()] + [x for _ in range(r.randint(1, 4)) for x in ("0", m())], "exact"
    if c < 31:
        cmd = r.choice(["ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZREMRANGEBYLEX"])
        extra = r.choice([[], [], ["LIMIT", n(), n()], ["WITHSCORES"]]) if "ZR" in cmd[:3] and "REM" not in cmd else []
        return [cmd, lk(), lb(), lb()] + extra, "exact"
    if c < 32:
        return ["ZRANGE", lk(), lb(), lb(), "BYLEX"] + r.choice([[], ["REV"], ["LIMIT", n(), n()]]), "exact"
    if c < 33:
        return ["ZRANGESTORE", lk(), lk(), lb(), lb(), "BYLEX"] + r.choice([[], ["REV"]]), "exact"
    # set operations (sets and zsets as inputs)
    if c < 38:
        op = r.choice(["ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
        nk = r.choice([1, 2, 2, 3])
        head = [op] + ([k()] if op.endswith("STORE") else [])
        numkeys = str(nk) if r.random() < 0.9 else r.choice(["0", "x", "9", "-1"])
        args = head + [numkeys] + [k() for _ in range(nk)]
        for _ in range(r.choice([0, 0, 1, 2])):
            o = r.randrange(4)
            if o == 0:
                args += ["WEIGHTS"] + [r.choice(["1", "2", "-1", "0.5", "x", "inf", "0"])
                                       for _ in range(nk if r.random() < 0.9 else nk + 1)]
            elif o == 1:
                args += ["AGGREGATE", r.choice(["SUM", "min", "MAX", "avg"])]
            elif o == 2:
                args.append("WITHSCORES")
            else:
                args.append(r.choice(["bogus", "AGGREGATE", "WEIGHTS"]))
        return args, "exact"
    if c < 39:
        return ["ZINTERCARD", r.choice(["1", "2", "2", "0", "x", "5"]), k(), k()] + r.choice(
            [[], ["LIMIT", "1"], ["LIMIT", "0"], ["LIMIT", "-1"], ["LIMIT"], ["bogus", "1"]]), "exact"
    # pops
    if c < 42:
        return [r.choice(["ZPOPMIN", "ZPOPMAX"]), k()] + r.choice([[], [], [n()], [n(), "1"]]), "exact"
    if c < 43:
        nk = r.choice(["1", "2", "2", "1", "2", "0", "x", "9"])
        return ["ZMPOP", nk, k(), k()] + r.choice([["MIN"], ["MAX", "COUNT", n()], ["MIN", "COUNT", "2"], ["MAX"], ["up"], [],
                                                    ["MIN", "COUNT"], ["MAX", "COUNT", "2", "COUNT", "1"]]), "exact"
    if c < 44:
        t = r.choice(["0.01", "0.01", "0.01", "x", "-1"])
        cmd = r.choice([["BZPOPMIN", k(), k()], ["BZPOPMAX", k()], ["BZMPOP"]])
        if cmd[0] == "BZMPOP":
            return ["BZMPOP", t, "2", k(), k(), r.choice(["MIN", "MAX"])] + \
                r.choice([[], ["COUNT", "3"]]), "exact"
        return cmd + [t], "exact"
    if c < 46:
        return ["ZRANDMEMBER", k()] + r.choice([[], [n()], [n(), "WITHSCORES"], [n(), "bogus"],
                                                 ["-9223372036854775808"], ["9223372036854775807", "WITHSCORES"]]), "random"
    if c < 47:
        return ["ZSCAN", k(), r.choice(["0", "0", "0", "0", "x"])] + r.choice(
            [["COUNT", "1000"], ["MATCH", "*a*", "COUNT", "1000"], ["COUNT", "0"], ["bogus"]]), "scan"
    if c < 50:
        return ["OBJECT", "ENCODING", r.choice([k(), "zbig"])], "exact"
    if c < 52:
        return ["TYPE", k()], "exact"
    if c < 53:
        name = r.choice(["ZADD", "ZRANGE", "ZPOPMIN", "ZUNIONSTORE", "ZRANK", "ZSCORE", "ZMPOP", "ZCOUNT"])
        return [name] + [k() for _ in range(r.choice([0, 1]))], "exact"
    if c < 54:
        return ["COPY", k(), k(), "REPLACE"], "exact"
    if c < 55:
        if r.random() < 0.25:
            return ["SADD", k(), m(), m()], "exact"
        return ["ZRANK", k(), m()], "exact"
    if c < 57:
        return ["ZRANGE", r.choice([k(), "zbig"]), "0", "-1", "WITHSCORES"], "exact"
    if c < 63:
        return ["ZADD", k()] + [x for _ in range(r.randint(1, 3)) for x in (sc(), m())], "exact"
    return ["DEL", k()], "exact"


SKEYS = ["xs1", "xs2", "xs3"]
SIDS = ["1", "1-1", "2-0", "2-*", "3-5", "5", "0-1", "(1-1", "-", "+", "x", "4-0", "10-0"]


def gen_stream(r, shared):
    """A random stream command on SKEYS (sometimes the shared key space): explicit IDs so both
    servers agree; group commands compared on their replies without times (XSETID moving the
    last ID past the last entry, XINFO STREAM, consumers, XCLAIM FORCE/RETRYCOUNT/LASTID)."""
    k = lambda: r.choice(SKEYS) if r.random() < 0.85 else shared()  # noqa: E731
    i = lambda: r.choice(SIDS)  # noqa: E731
    g = lambda: r.choice(["g1", "g2"])  # noqa: E731
    c = r.randrange(25)
    if c < 5:
        trim = r.choice([[], [], ["MAXLEN", r.choice(["2", "0", "5"])], ["MINID", i()],
                         ["MAXLEN", "~", "1"], ["NOMKSTREAM"]])
        ms = r.randint(1, 60)
        idarg = r.choice([f"{ms}-{r.randint(0, 3)}", f"{ms}-*", str(ms), i()])
        return ["XADD", k()] + trim + [idarg] + r.choice([["f", "v"], ["f", "v", "g", "w"], ["f"]]), "exact"
    if c < 7:
        return [r.choice(["XRANGE", "XREVRANGE"]), k(), i(), i()] + r.choice(
            [[], ["COUNT", r.choice(SMALL)]]), "exact"
    if c < 8:
        return [r.choice(["XLEN", "XDEL"]), k()] + ([i()] if r.random() < 0.5 else []), "exact"
    if c < 9:
        return ["XTRIM", k(), r.choice(["MAXLEN", "MINID"]), r.choice(["=", "~", "3"]),
                r.choice(["2", "1-1", "0"])], "exact"
    if c < 11:
        return ["XREAD"] + r.choice([[], ["COUNT", r.choice(SMALL)]]) + ["STREAMS", k(), i()], "exact"
    if c < 13:
        return ["XGROUP", r.choice(["CREATE", "SETID"]), k(), g(), r.choice(["$", "0", i()])] + \
            r.choice([[], ["MKSTREAM"], ["ENTRIESREAD", r.choice(SMALL)]]), "exact"
    if c < 15:
        return ["XREADGROUP", "GROUP", g(), r.choice(["c1", "c2"])] + \
            r.choice([[], ["COUNT", "1"], ["NOACK"]]) + ["STREAMS", k(), r.choice([">", ">", "0", i()])], "exact"
    if c < 16:
        return ["XACK", k(), g(), i(), i()], "exact"
    if c < 17:
        return ["XPENDING", k(), g()], "exact"
    if c < 18:
        return ["XCLAIM", k(), g(), r.choice(["c1", "c3"]), "0", i(), "JUSTID"], "exact"
    if c < 19:
        return ["XAUTOCLAIM", k(), g(), "c4", "0", i(), "COUNT", r.choice(["1", "3"]), "JUSTID"], "exact"
    if c < 20:
        return ["XINFO", "GROUPS", k()], "exact"
    if c < 21:
        return ["XSETID", k(), i()] + r.choice(
            [[], ["ENTRIESADDED", r.choice(["1", "5", "50"])], ["MAXDELETEDID", i()]]), "exact"
    if c < 22:
        return ["XINFO", "STREAM", k()], "exact"  # FULL and CONSUMERS carry times
    if c < 23:
        return ["XGROUP", r.choice(["CREATECONSUMER", "DELCONSUMER"]), k(), g(),
                r.choice(["c1", "c2", "c3"])], "exact"
    if c < 24:
        return ["XGROUP", "DESTROY", k(), g()], "exact"
    return ["XCLAIM", k(), g(), r.choice(["c1", "c3"]), "0", i(), i()] + r.choice(
        [[], ["FORCE"], ["RETRYCOUNT", "5"], ["LASTID", i()]]), "exact"


BKEYS = ["bm1", "bm2", "{tag}bm"]  # bitmaps (and LCS operands)
HKEYS = ["hl1", "hl2", "hl3"]  # HyperLogLogs
GKEYS = ["geo1", "geo2"]  # geo sets, only written by GEOADD / GEO*STORE (any zset score decodes)
BIT_TYPES = ["u1", "i1", "u8", "i8", "u5", "i16", "u63", "i64", "u64", "i0", "x8"]
GEO_MEMBERS = ["m1", "m2", "m3", "m4", "m5", "m6"]


def gen_bits(r, shared):
    """A random bitmap, HyperLogLog, geo, SORT/SORT_RO or LCS command on their own small key
    spaces, sometimes a key of the shared space (other types: WRONGTYPE, SORT over lists, sets and
    zsets, HLL checks on plain strings)."""
    def pick(keys):
        return r.choice(keys) if r.random() < 0.85 else shared()

    def off(limit=300):
        return r.choice([str(r.randrange(limit))] * 8 + ["-1", "x", "4294967296", "#2"])

    def lonlat():
        if r.random() < 0.05:
            return [r.choice(["181", "-180.5", "x", "0"]), r.choice(["86", "0", "y"])]
        return [f"{r.uniform(12, 16):.5f}", f"{r.uniform(36, 40):.5f}"]

    member = lambda: r.choice(GEO_MEMBERS + ["nosuch"])  # noqa: E731
    c = r.randrange(40)
    if c < 4:
        return ["SETBIT", pick(BKEYS), off(), r.choice(["0", "1", "1", "2"])], "exact"
    if c < 6:
        return ["GETBIT", pick(BKEYS), off(400)], "exact"
    if c < 8:
        rng = r.choice([[], [r.choice(SMALL), r.choice(SMALL)]])
        if rng and r.random() < 0.5:
            rng.append(r.choice(["BIT", "BYTE", "bogus"]))
        if r.random() < 0.5:
            return ["BITCOUNT", pick(BKEYS)] + rng, "exact"
        return ["BITPOS", pick(BKEYS), r.choice(["0", "1", "2"])] + rng, "exact"
    if c < 10:
        op = r.choice(["AND", "OR", "XOR", "NOT", "bogus"])
        srcs = [pick(BKEYS) for _ in range(1 if op == "NOT" and r.random() < 0.8 else r.randint(1, 3))]
        return ["BITOP", op, r.choice(BKEYS)] + srcs, "exact"
    if c < 13:
        ops = []
        for _ in range(r.randint(1, 3)):
            sub = r.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            if sub == "OVERFLOW":
                ops += [sub, r.choice(["WRAP", "SAT", "FAIL"])]
            else:
                ops += [sub, r.choice(BIT_TYPES), off(100)]
                if sub != "GET":
                    ops.append(r.choice(SMALL[:8] + ["127", "-129", "9223372036854775807"]))
        return [r.choice(["BITFIELD", "BITFIELD", "BITFIELD_RO"]), pick(BKEYS)] + ops, "exact"
    if c < 17:
        n = r.choice([0, 1, 2, 5, 20, 20, 200])
        return ["PFADD", pick(HKEYS)] + [f"e{r.randrange(20000)}" for _ in range(n)], "exact"
    if c < 19:
        return ["PFCOUNT"] + [pick(HKEYS) for _ in range(r.choice([1, 1, 2, 3]))], "exact"
    if c < 20:
        return ["PFMERGE", r.choice(HKEYS)] + [pick(HKEYS) for _ in range(r.randint(0, 2))], "exact"
    if c < 22:
        return [r.choice(["GET", "STRLEN"]), r.choice(HKEYS + BKEYS)], "exact"
    if c < 25:
        args = []
        for _ in range(r.randint(1, 3)):
            args += lonlat() + [member()]
        opts = r.choice([[], [], ["NX"], ["XX"], ["CH"], ["XX", "NX"]])
        return ["GEOADD", r.choice(GKEYS) if r.random() < 0.95 else shared()] + opts + args, "exact"
    if c < 27:
        cmd = r.choice(["GEOPOS", "GEOHASH", "GEODIST"])
        if cmd == "GEODIST":
            return [cmd, r.choice(GKEYS), member(), member()] + r.choice([[], ["km"], ["mi"], ["x"]]), "exact"
        return [cmd, r.choice(GKEYS)] + [member() for _ in range(r.randint(1, 3))], "exact"
    if c < 30:
        center = r.choice([["FROMMEMBER", member()], ["FROMLONLAT"] + lonlat()])
        shape = r.choice([["BYRADIUS", r.choice(["50", "200", "500", "-1"]), r.choice(["km", "mi", "m"])],
                          ["BYBOX", r.choice(["100", "400"]), r.choice(["300", "1000"]), "km"]])
        order = r.choice([["ASC"], ["DESC"], ["COUNT", r.choice(["1", "3", "0"])], ["COUNT", "2", "DESC"]])
        if r.random() < 0.5:
            with_ = r.sample(["WITHDIST", "WITHHASH", "WITHCOORD"], r.randint(0, 3))
            return ["GEOSEARCH", r.choice(GKEYS)] + center + shape + order + with_, "exact"
        return (["GEOSEARCHSTORE", r.choice(GKEYS), r.choice(GKEYS)] + center + shape + order
                + r.choice([[], ["STOREDIST"]])), "exact"
    if c < 31:
        return ["ZRANGE", r.choice(GKEYS), "0", "-1", "WITHSCORES"], "exact"
    if c < 35:
        # Always ALPHA: redis-server 7.0's numeric SORT tests a stale errno after strtod, so any
        # earlier ERANGE (ZADD k 1e400) fails its next numeric SORT on that server until a valid
        # double parse resets errno (numeric SORT: test_bitmaps_hll_geo.py). A reply compares
        # sorted: strcoll ties ("a" vs "a\0b", members whose BY key is missing) keep the order
        # of Redis's dict. STORE compares bytes (no ties), so LIMIT and GET go with it.
        key = r.choice([shared(), shared(), r.choice(GKEYS)])
        if r.random() < 0.3:
            opts = ["ALPHA"] + r.choice([[], ["DESC"], ["LIMIT", "1", "2"], ["LIMIT", "0", "-1"],
                                         ["GET", "#", "GET", "k*"]])
            return ["SORT", key] + opts + ["STORE", r.choice(BKEYS + [shared()])], "exact"
        opts = ["ALPHA"] + r.choice([[], ["DESC"], ["BY", "k*"], ["BOGUS"]])
        return [r.choice(["SORT", "SORT_RO"]), key] + opts, "sorted"
    if c < 36:
        # No order of its own on a set: compared sorted (never with LIMIT or STORE).
        return ["SORT", shared(), "BY", "nosort"], "sorted"
    opts = r.choice([[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"], ["IDX", "MINMATCHLEN", "2"], ["BAD"]])
    return ["LCS", pick(BKEYS), pick(BKEYS)] + opts, "exact"


def gen(r):
    """One random command (list of str) and how to compare its replies."""
    k = lambda: r.choice(KEYS)  # noqa: E731
    c = r.random()
    if c < 0.34:
        return gen_container(r, k)
    if c < 0.6:
        return gen_zset(r, k)
    if c < 0.66:
        return gen_stream(r, k)
    if c < 0.71:
        return gen_bits(r, k)
    c = r.randrange(100)
    if c < 12:
        return ["SET", k(), rand_value(r)] + expire_opts(r, False), "exact"
    if c < 18:
        return ["GET", k()], "exact"
    if c < 21:
        return [r.choice(["INCR", "DECR"]), k()], "exact"
    if c < 25:
        return [r.choice(["INCRBY", "DECRBY"]), k(), r.choice(INTS)], "exact"
    if c < 28:
        return ["INCRBYFLOAT", k(), r.choice(FLOATS + INTS)], "exact"
    if c < 30:
        return ["APPEND", k(), rand_value(r)], "exact"
    if c < 32:
        return ["STRLEN", k()], "exact"
    if c < 34:
        return [r.choice(["GETRANGE", "SUBSTR"]), k(), r.choice(["0", "-1", "2", "-3", "100", "-100", "x"]),
                r.choice(["0", "-1", "3", "-2", "1000", "y"])], "exact"
    if c < 36:
        return ["SETRANGE", k(), r.choice(["0", "1", "5", "-1", "x", "536870912"]), rand_value(r)], "exact"
    if c < 38:
        n = r.randint(0, 4)
        return ["MGET"] + [k() for _ in range(n)], "exact"
    if c < 40:
        args = []
        for _ in range(r.randint(0, 3)):
            args += [k(), rand_value(r)]
        if r.random() < 0.15:
            args.append(k())
        return [r.choice(["MSET", "MSETNX"])] + args, "exact"
    if c < 42:
        return [r.choice(["SETNX", "GETSET", "GETDEL"]), k()] + ([rand_value(r)] if r.random() < 0.9 else []), "exact"
    if c < 44:
        return [r.choice(["SETEX", "PSETEX"]), k(), r.choice(["300000", "100000", "0", "-1", "x", "9223372036854775807"]),
                rand_value(r)], "exact"
    if c < 47:
        return ["GETEX", k()] + expire_opts(r, True), "exact"
    if c < 50:
        return [r.choice(["DEL", "UNLINK", "EXISTS", "TOUCH"])] + [k() for _ in range(r.randint(0, 3))], "exact"
    if c < 52:
        return ["TYPE", k()], "exact"
    if c < 58:
        cmd = r.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
        when = {"EXPIRE": lambda: str(r.randint(100, 10000)), "PEXPIRE": lambda: str(r.randint(100000, 9000000)),
                "EXPIREAT": lambda: future_s(r), "PEXPIREAT": lambda: future_ms(r)}[cmd]()
        if r.random() < 0.15:  # past (deletes), malformed or overflowing; never a racy 1 ms TTL
            when = r.choice(["-1", "0", "abc", "9223372036854775807", "-9223372036854775808"]
                            + (["1"] if cmd.endswith("AT") else []))
        opts = [r.choice(["NX", "XX", "GT", "LT", "gt", "bogus"]) for _ in range(r.choice([0, 0, 1, 2]))]
        return [cmd, k(), when] + opts, "exact"
    if c < 62:
        return [r.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), k()], "ttl"
    if c < 63:
        return ["PERSIST", k()], "exact"
    if c < 66:
        return [r.choice(["RENAME", "RENAMENX"]), k(), k()], "exact"
    if c < 68:
        extra = r.choice([[], ["REPLACE"], ["DB", "0"], ["DB", "x"], ["bogus"], ["DB"]])
        return ["COPY", k(), k()] + extra, "exact"
    if c < 70:
        return ["KEYS", r.choice(["*", "k*", "k1?", "*a*", "[a-k]*", "", "{tag}*"])], "sorted"
    if c < 73:
        return ["SCANALL"] + r.choice([[], ["MATCH", "k*"], ["COUNT", "3"], ["TYPE", "string"], ["TYPE", "list"],
                                        ["MATCH", "*", "COUNT", "100"]]), "scanall"
    if c < 74:
        return ["SCAN", r.choice(["x", "-1", "0"]), r.choice(["COUNT", "MATCH", "bogus"]),
                r.choice(["0", "x", "*"])], "scanerr"
    if c < 76:
        return ["OBJECT", r.choice(["ENCODING", "REFCOUNT", "FREQ", "foo"]), k()], "exact"
    if c < 77:
        return ["RANDOMKEY"], "random"
    if c < 78:
        return ["DBSIZE"], "exact"
    if c < 79:
        return ["FLUSHDB"] + r.choice([[], [], ["ASYNC"], ["SYNC"], ["bogus"]]), "exact"
    if c < 82:
        return [r.choice(["PING", "ECHO"])] + [rand_value(r) for _ in range(r.choice([0, 1, 1, 2]))], "exact"
    if c < 84:
        # Wrong arity for a random command.
        name = r.choice(["GET", "SET", "INCR", "EXPIRE", "TTL", "GETRANGE", "SETEX", "RENAME", "APPEND",
                         "STRLEN", "OBJECT", "CLIENT", "ECHO", "TYPE", "COPY"])
        return [name] + [k() for _ in range(r.choice([0, 5]))], "exact"
    if c < 85:
        return [r.choice(["NOSUCH", "gEt", "Set"]), k(), "1"], "exact"
    if c < 86:
        return ["SELECT", r.choice(["0", "x", "-1", "99999999999"])], "exact"
    if c < 87:
        return ["CLIENT", r.choice(["SETNAME", "GETNAME"]), r.choice(["conn", "a b", ""])], "exact"
    if c < 88:
        return ["HELLO", r.choice(["1", "4", "x"])], "exact"
    return ["SET", k(), r.choice(INTS)], "exact"


def unordered(reply, pairs=False):
    """A reply whose order Redis leaves open, as a comparable value (keeps its type name)."""
    name = type(reply).__name__
    if isinstance(reply, dict):
        return name, sorted(reply.items())
    if isinstance(reply, list):
        if pairs:
            return name, sorted(zip(reply[0::2], reply[1::2]))
        return name, sorted(reply, key=repr)
    return reply


def norm_ttl(v):
    return v


class Differential(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Standalone().start()
        cls.node = Standalone(binary=node_bin()).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.redis.stop()

    def conns(self, port):
        c2 = RespConn(HOST, port)
        c3 = RespConn(HOST, port)
        self.assertIsInstance(c3.call("HELLO", "3"), dict)
        return [c2, c3]

    def scan_all(self, conn, opts):
        cursor, keys, rounds = b"0", set(), 0
        while True:
            reply = conn.call("SCAN", cursor, *opts)
            if not isinstance(reply, list):
                return reply
            cursor, batch = reply
            keys.update(batch)
            rounds += 1
            if cursor == b"0" or rounds > 10000:
                return sorted(keys)

    def run_one(self, conn, cmd, mode):
        if mode == "scanall":
            return self.scan_all(conn, cmd[1:])
        reply = conn.call(*cmd)
        if mode == "sorted" and isinstance(reply, list):
            return sorted(reply)
        if mode == "random":
            size = len(reply) if isinstance(reply, (list, set, dict)) else None
            if isinstance(reply, list) and reply and isinstance(reply[0], list):
                size = (size, len(reply[0]))
            return type(reply).__name__, size
        if mode == "unordered":
            return unordered(reply, pairs=cmd[0] == "HGETALL")
        if mode == "scan" and isinstance(reply, list):
            return reply[0], unordered(reply[1], pairs=cmd[0] in ("HSCAN", "ZSCAN"))
        if mode == "scanerr" and isinstance(reply, list):
            return "a cursor and keys (layout-dependent)"
        return reply

    def test_random_commands(self):
        r = random.Random(SEED)
        ours, theirs = self.conns(self.node.port), self.conns(self.redis.port)
        self.assertEqual(ours[0].call("FLUSHALL"), theirs[0].call("FLUSHALL"))
        for step in range(STEPS):
            cmd, mode = gen(r)
            which = r.randrange(2)
            a = self.run_one(ours[which], cmd, mode)
            b = self.run_one(theirs[which], cmd, mode)
            if mode == "ttl" and isinstance(a, int) and isinstance(b, int) and a >= 0 and b >= 0:
                tolerance = 1 if cmd[0] in ("TTL", "EXPIRETIME") else 100
                same = abs(a - b) <= tolerance
            else:
                same = a == b and type(a) == type(b)
            if same and os.environ.get("STRATA_DIFF_CHECK_KEYS"):  # debugging: diverging keyspaces
                same = set(ours[0].call("KEYS", "*")) == set(theirs[0].call("KEYS", "*"))
            if not same:
                # Show the keys the command touched as both servers hold them now.
                state = [(key, ours[0].call("GET", key), theirs[0].call("GET", key))
                         for key in cmd[1:] if key in KEYS][:4]
                ka, kb = set(ours[0].call("KEYS", "*")), set(theirs[0].call("KEYS", "*"))
                state.append(("only on node", sorted(ka - kb), "only on redis", sorted(kb - ka)))
                self.fail(f"step {step} (seed {SEED}, RESP{which + 2}): {cmd!r}\n"
                          f"  node : {a!r}\n  redis: {b!r}\n  keys now (node, redis): {state!r}")
        self.assertEqual(ours[0].call("DBSIZE"), theirs[0].call("DBSIZE"))

    def test_command_info_matches(self):
        ours, theirs = RespConn(HOST, self.node.port), RespConn(HOST, self.redis.port)
        for proto in ("2", "3"):
            ours.call("HELLO", proto)
            theirs.call("HELLO", proto)
            names = [n.decode() for n in ours.call("COMMAND", "LIST")]
            self.assertGreater(len(names), 70)
            for name in names:
                a = ours.call("COMMAND", "INFO", name)
                b = theirs.call("COMMAND", "INFO", name)
                if "|" not in name and len(a[0][9]) > 0:  # containers: Redis has more subcommands
                    a, b = a[0][:9], b[0][:9]
                self.assertEqual(a, b, f"COMMAND INFO {name} (RESP{proto})")
        for cmd in (["SET", "a", "b"], ["MSET", "a", "1", "b", "2"], ["DEL", "a", "b", "c"],
                    ["COPY", "a", "b"], ["RENAME", "x", "y"], ["GETEX", "k", "PERSIST"],
                    ["OBJECT", "ENCODING", "k"], ["PING"], ["GET"], ["NOSUCH", "x"]):
            self.assertEqual(ours.call("COMMAND", "GETKEYS", *cmd),
                             theirs.call("COMMAND", "GETKEYS", *cmd), f"GETKEYS {cmd}")

    def test_config_get_matches(self):
        ours, theirs = RespConn(HOST, self.node.port), RespConn(HOST, self.redis.port)
        for name in ("maxmemory", "maxmemory-policy", "hz", "timeout", "maxclients",
                     "proto-max-bulk-len", "client-query-buffer-limit",
                     "client-output-buffer-limit", "appendfsync", "tcp-keepalive", "databases",
                     "appendonly", "save", "cluster-node-timeout", "zset-max-listpack-entries",
                     "zset-max-listpack-value"):
            self.assertEqual(ours.call("CONFIG", "GET", name), theirs.call("CONFIG", "GET", name), name)
        for args in (["maxmemory", "10mb"], ["hz", "1000"], ["maxmemory-policy", "bogus"]):
            a, b = ours.call("CONFIG", "SET", *args), theirs.call("CONFIG", "SET", *args)
            self.assertEqual(type(a), type(b), f"CONFIG SET {args}: {a!r} vs {b!r}")
        ours.call("CONFIG", "SET", "maxmemory", "0")
        theirs.call("CONFIG", "SET", "maxmemory", "0")

    def test_config_set_numeric_errors(self):
        """CONFIG SET of integer and memory options: Redis 7.0's parse and range texts, and the
        same accepted values (units, "" as 0 bytes)."""
        ours, theirs = RespConn(HOST, self.node.port), RespConn(HOST, self.redis.port)
        # maxmemory is left out: redis-server takes values up to 2^64-1 there, ours up to 2^63-1.
        names = ("hz", "maxclients", "proto-max-bulk-len", "timeout",
                 "client-query-buffer-limit", "tcp-keepalive", "maxmemory-samples",
                 "slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold",
                 "zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size",
                 "set-max-intset-entries", "repl-backlog-ttl", "repl-timeout",
                 "cluster-announce-port", "auto-aof-rewrite-min-size", "lfu-decay-time")
        values = ("abc", "-1", "0", "1", "-9223372036854775808", "9223372036854775807",
                  "9223372036854775808", "1.5", "", "01", "+1", "-0", "1k", "2kb", "4294967296")
        for name in names:
            before = (ours.call("CONFIG", "GET", name)[1], theirs.call("CONFIG", "GET", name)[1])
            for value in values:
                a = ours.call("CONFIG", "SET", name, value)
                b = theirs.call("CONFIG", "SET", name, value)
                self.assertEqual(a, b, f"CONFIG SET {name} {value!r}")
                if a == "OK" and name != "hz":  # redis-server clamps hz when it reads it back
                    self.assertEqual(ours.call("CONFIG", "GET", name),
                                     theirs.call("CONFIG", "GET", name), f"{name} {value!r}")
                ours.call("CONFIG", "SET", name, before[0])
                theirs.call("CONFIG", "SET", name, before[1])
        err = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
        for args, why in ((("hz", "-5"), "argument must be between 0 and 2147483647 inclusive"),
                          (("maxclients", "0"), "argument must be between 1 and 4294967295 inclusive"),
                          (("maxmemory", "abc"), "argument must be a memory value"),
                          (("proto-max-bulk-len", "1"),
                           "argument must be between 1048576 and 9223372036854775807 inclusive"),
                          (("timeout", "-1"), "argument must be between 0 and 2147483647 inclusive"),
                          (("timeout", "x"), "argument couldn't be parsed into an integer")):
            self.assertEqual(ours.call("CONFIG", "SET", *args), RespError(err % (args[0], why)))
        # Several pairs: the first bad value is reported, nothing is applied.
        hz = ours.call("CONFIG", "GET", "hz")
        self.assertEqual(ours.call("CONFIG", "SET", "hz", "20", "maxclients", "0"),
                         theirs.call("CONFIG", "SET", "hz", "20", "maxclients", "0"))
        self.assertEqual(ours.call("CONFIG", "GET", "hz"), hz)

    def test_config_set_alias_pairs(self):
        """An option and its old name in one CONFIG SET: accepted, the later value wins (Redis
        7.0 registers an alias as a config of its own); the same name twice is a duplicate."""
        ours, theirs = RespConn(HOST, self.node.port), RespConn(HOST, self.redis.port)
        cases = ((("lua-time-limit", "100"), ("busy-reply-threshold", "200")),
                 (("busy-reply-threshold", "300"), ("lua-time-limit", "400")),
                 (("slave-read-only", "no"), ("replica-read-only", "yes")),
                 (("replica-read-only", "no"), ("slave-read-only", "yes")),
                 (("min-slaves-max-lag", "3"), ("min-replicas-max-lag", "7")),
                 (("hash-max-listpack-entries", "100"), ("hash-max-ziplist-entries", "50")),
                 (("list-max-ziplist-size", "-1"), ("list-max-listpack-size", "4")),
                 (("slave-read-only", "yes"), ("replica-read-only", "bogus")),
                 (("slave-read-only", "yes"), ("SLAVE-read-only", "no")),
                 (("busy-reply-threshold", "1"), ("Busy-Reply-Threshold", "2")))
        for pairs in cases:
            names = {name.lower() for name, _ in pairs}
            before = {n: (ours.call("CONFIG", "GET", n), theirs.call("CONFIG", "GET", n))
                      for n in names}
            args = [x for pair in pairs for x in pair]
            self.assertEqual(ours.call("CONFIG", "SET", *args),
                             theirs.call("CONFIG", "SET", *args), args)
            for n in names:
                self.assertEqual(ours.call("CONFIG", "GET", n), theirs.call("CONFIG", "GET", n),
                                 f"{n} after {args}")
                ours.call("CONFIG", "SET", n, before[n][0][1])
                theirs.call("CONFIG", "SET", n, before[n][1][1])

    def test_info_format(self):
        c = RespConn(HOST, self.node.port)
        c.call("SET", "infokey", "1")
        text = c.call("INFO")
        self.assertIn(b"# Server\r\n", text)
        self.assertIn(b"redis_version:", text)
        self.assertIn(b"role:master\r\n", text)
        self.assertRegex(text, rb"db0:keys=\d+,expires=\d+,avg_ttl=0\r\n")
        for line in text.split(b"\r\n")[:-1]:
            self.assertNotIn(b"\n", line)
        self.assertTrue(text.endswith(b"\r\n"))


class Operations(unittest.TestCase):
    def start_node(self, *args):
        d = make_temp_dir("node")
        (port,) = allocate_ports(1)
        argv = [node_bin(), "--port", port, "--bind", HOST, *args]
        proc = Proc(f"node:{port}", argv, d, os.path.join(d, "node.log")).start()
        wait_until(lambda: RespConn(HOST, port, timeout=1).call("PING") == "PONG", 10,
                   "the node to answer PING", fail_if=lambda: None if proc.alive() else "node exited")
        return proc, port

    def test_redis_benchmark_clean(self):
        bench = shutil.which("redis-benchmark")
        if not bench:
            self.skipTest("redis-benchmark not installed")
        proc, port = self.start_node()
        try:
            out = subprocess.run([bench, "-h", HOST, "-p", str(port), "-t", "set,get,incr,mset,zadd,zpopmin",
                                  "-n", "20000", "-q"], capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertNotIn("ERR", out.stdout + out.stderr)
            for t in ("SET", "GET", "INCR", "MSET", "ZADD", "ZPOPMIN"):
                self.assertIn(t, out.stdout)
        finally:
            proc.kill9()
            release_ports([port])

    def test_cluster_flags_parse_and_start(self):
        proc, port = self.start_node("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                     "--cluster-node-timeout", "5000", "--appendonly", "yes")
        try:
            c = RespConn(HOST, port)
            self.assertEqual(c.call("CONFIG", "GET", "cluster-node-timeout")[1], b"5000")
        finally:
            proc.kill9()
            release_ports([port])

    def test_bogus_flag_exits_2(self):
        out = subprocess.run([node_bin(), "--bogus", "1"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn("unknown option '--bogus'", out.stderr)
        out = subprocess.run([node_bin(), "--port", "70000"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn("port", out.stderr)


if __name__ == "__main__":
    sys.exit(main())
