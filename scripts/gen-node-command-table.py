#!/usr/bin/env python3
# Generates node/server/command_defs.cpp, the node's command table, from a running redis-server
# 7.0 (COMMAND INFO + COMMAND DOCS over RESP3), so arity, flags, ACL categories, tips and key specs
# are byte-exact with Redis. Only the commands (and subcommands) listed below are emitted; each
# row names its handler (node/commands/handlers.h) by convention: "client|setname" ->
# cmd::clientSetname. Usage: scripts/gen-node-command-table.py <redis-port> > node/server/command_defs.cpp
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from harness.resp import RespConn, Map  # noqa: E402

COMMANDS = {
    # strings
    "set": None, "get": None, "mget": None, "mset": None, "msetnx": None, "setnx": None,
    "setex": None, "psetex": None, "getset": None, "getdel": None, "getex": None,
    "append": None, "strlen": None, "incr": None, "decr": None, "incrby": None, "decrby": None,
    "incrbyfloat": None, "getrange": None, "setrange": None, "substr": None,
    # keys
    "del": None, "unlink": None, "exists": None, "type": None, "expire": None, "pexpire": None,
    "expireat": None, "pexpireat": None, "ttl": None, "pttl": None, "expiretime": None,
    "pexpiretime": None, "persist": None, "rename": None, "renamenx": None, "copy": None,
    "keys": None, "scan": None, "randomkey": None, "dbsize": None, "flushall": None,
    "flushdb": None, "touch": None,
    "object": ["encoding", "idletime", "freq", "refcount", "help"],
    # connection / server
    "ping": None, "echo": None, "hello": None, "auth": None, "select": None, "quit": None,
    "reset": None,
    "client": ["setname", "getname", "id", "list", "info", "kill", "help", "pause", "unpause",
               "reply", "unblock", "no-evict", "tracking", "caching", "getredir",
               "trackinginfo"],
    "info": None, "config": ["get", "set", "resetstat", "rewrite", "help"], "time": None, "lastsave": None,
    "shutdown": None, "debug": None,
    "command": ["count", "info", "docs", "getkeys", "getkeysandflags", "list", "help"],
    "monitor": None,
    "latency": ["latest", "history", "reset", "doctor", "graph", "histogram", "help"],
    # hashes
    "hset": None, "hsetnx": None, "hget": None, "hmget": None, "hmset": None, "hdel": None,
    "hlen": None, "hstrlen": None, "hexists": None, "hkeys": None, "hvals": None,
    "hgetall": None, "hincrby": None, "hincrbyfloat": None, "hrandfield": None, "hscan": None,
    # sets
    "sadd": None, "srem": None, "sismember": None, "smismember": None, "smembers": None,
    "scard": None, "spop": None, "srandmember": None, "smove": None, "sinter": None,
    "sintercard": None, "sinterstore": None, "sunion": None, "sunionstore": None, "sdiff": None,
    "sdiffstore": None, "sscan": None,
    # lists
    "lpush": None, "rpush": None, "lpushx": None, "rpushx": None, "lpop": None, "rpop": None,
    "llen": None, "lindex": None, "lrange": None, "lset": None, "linsert": None, "lrem": None,
    "ltrim": None, "lpos": None, "lmove": None, "rpoplpush": None, "lmpop": None, "blpop": None,
    "brpop": None, "blmove": None, "brpoplpush": None, "blmpop": None,
    # zsets
    "zadd": None, "zincrby": None, "zrem": None, "zcard": None, "zcount": None, "zlexcount":
    None, "zscore": None, "zmscore": None, "zrank": None, "zrevrank": None, "zrange": None,
    "zrangestore": None, "zrangebyscore": None, "zrevrangebyscore": None, "zrangebylex": None,
    "zrevrangebylex": None, "zrevrange": None, "zremrangebyrank": None, "zremrangebyscore":
    None, "zremrangebylex": None, "zunion": None, "zinter": None, "zdiff": None, "zunionstore":
    None, "zinterstore": None, "zdiffstore": None, "zintercard": None, "zpopmin": None,
    "zpopmax": None, "zmpop": None, "bzpopmin": None, "bzpopmax": None, "bzmpop": None,
    "zrandmember": None, "zscan": None,
    # transactions
    "multi": None, "exec": None, "discard": None, "watch": None, "unwatch": None,
    # pubsub
    "subscribe": None, "psubscribe": None, "unsubscribe": None, "punsubscribe": None, "publish":
    None, "ssubscribe": None, "sunsubscribe": None, "spublish": None, "pubsub": ['channels',
    'numpat', 'numsub', 'shardchannels', 'shardnumsub', 'help'],
    # slowlog
    "slowlog": ['get', 'len', 'reset', 'help'],
    # persistence
    "bgrewriteaof": None, "save": None, "bgsave": None,
    # migrate
    "dump": None, "restore": None, "restore-asking": None, "migrate": None,
    # memory
    "memory": ['usage', 'stats', 'doctor', 'purge', 'malloc-stats', 'help'],
    # cluster
    "readonly": None, "readwrite": None, "asking": None, "cluster": ['info', 'nodes', 'myid',
    'slots', 'shards', 'meet', 'addslots', 'addslotsrange', 'delslots', 'delslotsrange',
    'flushslots', 'set-config-epoch', 'bumpepoch', 'replicate', 'replicas', 'slaves', 'forget',
    'reset', 'setslot', 'getkeysinslot', 'countkeysinslot', 'keyslot', 'count-failure-reports',
    'saveconfig', 'links', 'failover', 'help'],
    # replication
    "replicaof": None, "slaveof": None, "psync": None, "sync": None, "replconf": None, "wait":
    None, "role": None,
    # streams
    "xadd": None, "xrange": None, "xrevrange": None, "xlen": None, "xdel": None, "xtrim": None,
    "xread": None, "xreadgroup": None, "xack": None, "xpending": None, "xclaim": None,
    "xautoclaim": None, "xsetid": None,
    "xgroup": ['create', 'setid', 'destroy', 'createconsumer', 'delconsumer', 'help'],
    "xinfo": ['stream', 'groups', 'consumers', 'help'],
    # scripting and functions
    "eval": None, "evalsha": None, "eval_ro": None, "evalsha_ro": None,
    "script": ['load', 'exists', 'flush', 'kill', 'help'],
    "fcall": None, "fcall_ro": None,
    "function": ['load', 'delete', 'list', 'flush', 'dump', 'restore', 'stats', 'kill', 'help'],
    # bitmaps, hyperloglog, geo, sort, lcs
    "setbit": None, "getbit": None, "bitcount": None, "bitpos": None, "bitop": None,
    "bitfield": None, "bitfield_ro": None,
    "pfadd": None, "pfcount": None, "pfmerge": None,
    "geoadd": None, "geodist": None, "geohash": None, "geopos": None, "geosearch": None,
    "geosearchstore": None, "georadius": None, "georadius_ro": None, "georadiusbymember": None,
    "georadiusbymember_ro": None,
    "sort": None, "sort_ro": None, "lcs": None,
    # ACL users
    "acl": ['cat', 'deluser', 'dryrun', 'genpass', 'getuser', 'list', 'load', 'log', 'save',
            'setuser', 'users', 'whoami', 'help'],
}


def camel(name):
    parts = name.replace("|", "-").split("-")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def s(x):
    if isinstance(x, bytes):
        x = x.decode()
    return '"' + str(x).replace("\\", "\\\\").replace('"', '\\"') + '"'


def strlist(xs):
    return "{" + ", ".join(s(x) for x in xs) + "}"


def keyspec(spec):
    spec = {k.decode() if isinstance(k, bytes) else k: v for k, v in spec.items()}
    def norm(m):
        return {k.decode() if isinstance(k, bytes) else k: v for k, v in m.items()}
    bs, fk = norm(spec["begin_search"]), norm(spec["find_keys"])
    bspec, fspec = norm(bs["spec"]), norm(fk["spec"])
    btype, ftype = bs["type"].decode() if isinstance(bs["type"], bytes) else bs["type"], \
        fk["type"].decode() if isinstance(fk["type"], bytes) else fk["type"]
    if btype == "index":
        begin = f"BeginSearch::atIndex({bspec['index']})"
    elif btype == "keyword":
        begin = f"BeginSearch::atKeyword({s(bspec['keyword'])}, {bspec['startfrom']})"
    else:
        begin = "BeginSearch::unknown()"
    if ftype == "range":
        find = f"FindKeys::range({fspec['lastkey']}, {fspec['keystep']}, {fspec['limit']})"
    elif ftype == "keynum":
        find = f"FindKeys::keynum({fspec['keynumidx']}, {fspec['firstkey']}, {fspec['keystep']})"
    else:
        find = "FindKeys::unknown()"
    notes = s(spec["notes"]) if "notes" in spec else '""'
    return f"KeySpec{{{notes}, {strlist(spec['flags'])}, {begin}, {find}}}"


def row(info, docs, indent, subs):
    name = info[0].decode() if isinstance(info[0], bytes) else info[0]
    d = {k.decode() if isinstance(k, bytes) else k: v for k, v in docs.items()}
    pad = " " * indent
    out = [f"{pad}CommandDef{{"]
    out.append(f"{pad}    .name = {s(name)},")
    out.append(f"{pad}    .arity = {info[1]},")
    out.append(f"{pad}    .flags = {strlist(info[2])},")
    out.append(f"{pad}    .firstKey = {info[3]}, .lastKey = {info[4]}, .keyStep = {info[5]},")
    out.append(f"{pad}    .aclCategories = {strlist(info[6])},")
    out.append(f"{pad}    .tips = {strlist(info[7])},")
    specs = ", ".join(keyspec(k) for k in info[8])
    out.append(f"{pad}    .keySpecs = {{{specs}}},")
    out.append(f"{pad}    .summary = {s(d.get('summary', ''))},")
    out.append(f"{pad}    .since = {s(d.get('since', ''))},")
    out.append(f"{pad}    .group = {s(d.get('group', ''))},")
    out.append(f"{pad}    .complexity = {s(d.get('complexity', ''))},")
    if subs is None:
        out.append(f"{pad}    .handler = &cmd::{camel(name)},")
        out.append(f"{pad}    .subcommands = {{}},")
    else:
        # A container answers on its own only when called bare (COMMAND): else subcommands.
        handler = f"&cmd::{camel(name)}" if info[1] == -1 else "nullptr"
        out.append(f"{pad}    .handler = {handler},")
        out.append(f"{pad}    .subcommands = {{")
        sub_docs = {k.decode() if isinstance(k, bytes) else k: v
                    for k, v in d.get("subcommands", Map()).items()}
        by_name = {(x[0].decode() if isinstance(x[0], bytes) else x[0]): x for x in info[9]}
        for sub in subs:
            full = f"{name}|{sub}"
            out.append(row(by_name[full], sub_docs[full], indent + 8, None) + ",")
        out.append(f"{pad}    }},")
    out.append(f"{pad}}}")
    return "\n".join(out)


def main():
    conn = RespConn("127.0.0.1", int(sys.argv[1]))
    conn.call("HELLO", 3)
    print("// GENERATED by scripts/gen-node-command-table.py from redis-server 7.0's COMMAND INFO and")
    print("// COMMAND DOCS: the node's command table, one row per command (subcommands nested), with")
    print("// Redis's arity, flags, ACL categories, tips, legacy first/last/step and key specs, plus the")
    print("// handler. Read by CommandTable at start-up; edit the generator, not this file.")
    print('#include "node/commands/handlers.h"')
    print('#include "node/server/command_table.h"')
    print()
    print("namespace strata::node {")
    print()
    print("std::vector<CommandDef> commandDefs() {")
    print("  std::vector<CommandDef> defs;")
    for name, subs in COMMANDS.items():
        info = conn.call("COMMAND", "INFO", name)[0]
        docs = conn.call("COMMAND", "DOCS", name)
        docs = list(docs.values())[0]
        print("  defs.push_back(" + row(info, docs, 2, subs).lstrip() + ");")
    print("  return defs;")
    print("}")
    print()
    print("}  // namespace strata::node")


main()
