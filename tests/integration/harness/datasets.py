# A dataset of every type and encoding, and a value read back through commands: the DUMP/RESTORE
# payload tests and the RDB file tests (test_redis_payloads, test_rdb) fill one server, move the
# data to the other (by payload or by file) and compare snapshot() of each key on both sides.
# Works on a harness.resp.RespConn (call(...) -> decoded reply).


def fill(c, prefix="", scale=1):
    """Keys of every type and encoding on connection `c`; returns their names."""
    p = prefix
    keys = []

    def k(name):
        keys.append(p + name)
        return p + name

    c.call("SET", k("int"), "12345")
    c.call("SET", k("negint"), "-9223372036854775808")
    c.call("SET", k("embstr"), "hello world")
    c.call("SET", k("raw"), "r" * 100 + "x")
    c.call("SET", k("compressible"), "abcdefgh" * 500)
    c.call("SET", k("binary"), bytes(range(256)) * 3)
    c.call("SET", k("empty"), "")
    c.call("SET", k("ttl"), "v", "PX", "500000")
    c.call("RPUSH", k("list"), "a", "b", "1", "-300", "x" * 70)
    c.call("RPUSH", k("biglist"), *[f"element-{i}-" + "p" * (i % 50) for i in range(3000 * scale)])
    c.call("RPUSH", k("hugeelem"), "small", "H" * 20000, "after")
    c.call("RPUSH", k("listttl"), "x")
    c.call("PEXPIRE", k("listttl"), "600000")
    c.call("SADD", k("intset"), "1", "2", "-70000", "5000000000")
    c.call("SADD", k("set"), "a", "b", "c")
    c.call("SADD", k("bigintset"), *[str(i) for i in range(600)])
    c.call("HSET", k("hash"), "f1", "v1", "n", "12", "neg", "-5")
    c.call("HSET", k("longval"), "f", "v" * 100)
    c.call("HSET", k("bighash"), *[x for i in range(700) for x in (f"f{i}", f"value{i}")])
    c.call("ZADD", k("zset"), "1.5", "a", "-inf", "b", "0.1", "c", "3e100", "d", "+inf", "e")
    c.call("ZADD", k("bigzset"), *[x for i in range(300) for x in (str(i % 7 + 0.25), f"m{i}")])
    c.call("XADD", k("stream"), "1-1", "f", "v")
    c.call("XADD", k("stream"), "1-2", "f", "w", "g", "x")
    c.call("XADD", k("stream"), "5-0", "num", "123")
    s = k("groups")
    for i in range(1, 351):
        if i % 3:
            c.call("XADD", s, f"{i}-{i % 5}", "temp", str(i), "site", "s" * (i % 9))
        else:
            c.call("XADD", s, f"{i}-{i % 5}", "other", "field")
    c.call("XGROUP", "CREATE", s, "g1", "0")
    c.call("XGROUP", "CREATE", s, "g2", "$")
    c.call("XGROUP", "CREATE", s, "g3", "100-0")
    c.call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", s, ">")
    c.call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", s, ">")
    c.call("XGROUP", "CREATECONSUMER", s, "g1", "idle")
    c.call("XACK", s, "g1", "2-2")
    c.call("XCLAIM", s, "g1", "bob", "0", "1-1")
    c.call("XDEL", s, "4-4", "7-2", "200-0", "201-1")
    e = k("emptied")
    c.call("XADD", e, "1-1", "a", "b")
    c.call("XGROUP", "CREATE", e, "g", "0")
    c.call("XDEL", e, "1-1")
    return list(dict.fromkeys(keys))


def snapshot(c, key):
    t = c.call("TYPE", key)
    if t == "string":
        v = c.call("GET", key)
    elif t == "list":
        v = c.call("LRANGE", key, "0", "-1")
    elif t == "set":
        v = sorted(c.call("SMEMBERS", key))
    elif t == "zset":
        v = c.call("ZRANGE", key, "0", "-1", "WITHSCORES")
    elif t == "hash":
        flat = c.call("HGETALL", key)
        v = dict(zip(flat[::2], flat[1::2]))
    elif t == "stream":
        info = c.call("XINFO", "STREAM", key)
        info = dict(zip(info[::2], info[1::2]))
        groups = []
        for g in c.call("XINFO", "GROUPS", key):
            g = dict(zip(g[::2], g[1::2]))
            consumers = []
            for cons in c.call("XINFO", "CONSUMERS", key, g[b"name"]):
                cons = dict(zip(cons[::2], cons[1::2]))
                consumers.append((cons[b"name"], cons[b"pending"]))
            pending = [(e[0], e[1], e[3]) for e in
                       c.call("XPENDING", key, g[b"name"], "-", "+", "1000")]
            groups.append((g[b"name"], g[b"consumers"], g[b"pending"], g[b"last-delivered-id"],
                           g[b"entries-read"], g[b"lag"], consumers, pending))
        v = (c.call("XRANGE", key, "-", "+"), info[b"length"], info[b"last-generated-id"],
             info[b"max-deleted-entry-id"], info[b"entries-added"],
             info[b"recorded-first-entry-id"], groups)
    else:
        v = None
    return t, v
