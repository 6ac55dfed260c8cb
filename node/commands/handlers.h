// The command handlers, one function per command or subcommand, grouped in one file per family
// (strings.cpp, keys.cpp, hashes.cpp, sets.cpp, lists.cpp, connection.cpp, server_cmds.cpp,
// introspection.cpp; container helpers in collections.h), plus the context
// every handler receives. Handlers run on the event-loop thread, never throw across the loop
// (the server catches and answers an error), and write exactly one reply through ctx.w.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/writer.h"
#include "node/keyspace/keyspace.h"
#include "node/server/command_table.h"

namespace strata::node {

class Server;
class Client;

struct CommandContext {
  Server& server;
  Client& client;
  Keyspace& ks;
  const std::vector<std::string_view>& argv;
  resp::Writer& w;
  const CommandDef& def;

  size_t argc() const { return argv.size(); }
  std::string_view arg(size_t i) const { return argv[i]; }
};

// Helpers shared by the families (common.cpp).
// Redis's getLongLongFromObject: a canonical int64 (string2ll); false otherwise.
bool parseInt64(std::string_view s, int64_t& out);
// Replies ERR value is not an integer or out of range (or `error`) and returns false on failure.
bool intArgOrReply(CommandContext& ctx, std::string_view s, int64_t& out,
                   std::string_view error = {});
// "ERR wrong number of arguments for '<name>' command"
void replyArity(resp::Writer& w, std::string_view name);
// Flags of lookupRead, as Redis's LOOKUP_NOTOUCH and LOOKUP_NONOTIFY.
enum LookupFlags : unsigned {
  kLookupNone = 0,
  kLookupNoTouch = 1,   // Keyspace::peek: the LRU/LFU stamp is left alone (EXISTS, TYPE, TTL)
  kLookupNoNotify = 2,  // no keymiss event (OBJECT)
};
// Keys lookups that count keyspace hits/misses like Redis's lookupKeyReadWithFlags.
Entry* lookupRead(CommandContext& ctx, std::string_view key, unsigned flags = kLookupNone);
// The string value at `key` for a read command that answers an integer when the key is absent
// (Redis's lookupKeyReadOrReply + checkType(OBJ_STRING); STRLEN, GETBIT, BITCOUNT, BITPOS):
// true with `out` set to its bytes (an int-encoded value as its decimal text, kept in
// `scratch`), or false after replying `:missing` (absent) or -WRONGTYPE (another type).
bool stringOrReply(CommandContext& ctx, std::string_view key, int64_t missing, char (&scratch)[24],
                   std::string_view& out);
// Redis's addReplyHelp, the reply to `<command> HELP`: "<command> <subcommand> [<arg> [value]
// [opt] ...]. Subcommands are:", then `lines` (each subcommand and its indented description),
// then "HELP" / "    Prints this help.", every line a status reply.
void replyHelp(CommandContext& ctx, std::string_view command,
               std::span<const std::string_view> lines);
// Redis's string2ld (strtold on the whole string, no leading space, no NaN) and
// ld2string(LD_STR_HUMAN) (strings.cpp; also HINCRBYFLOAT).
bool parseLongDouble(std::string_view s, long double& out);
std::string formatLongDouble(long double v);
// The reply for a command the node does not serve: "ERR unknown command '<name>', with args
// beginning with: ..." exactly as redis-server (server.cpp's lookup failure path).
void replyUnknownCommand(resp::Writer& w, const std::vector<std::string_view>& argv);
void replyUnknownCommand(CommandContext& ctx);

namespace cmd {
// clang-format off
// (one paragraph of declarations per family: clang-format would indent them as one expression)
#define STRATA_NODE_HANDLER(name) void name(CommandContext& ctx);
// strings.cpp
STRATA_NODE_HANDLER(set) STRATA_NODE_HANDLER(get) STRATA_NODE_HANDLER(mget)
STRATA_NODE_HANDLER(mset) STRATA_NODE_HANDLER(msetnx) STRATA_NODE_HANDLER(setnx)
STRATA_NODE_HANDLER(setex) STRATA_NODE_HANDLER(psetex) STRATA_NODE_HANDLER(getset)
STRATA_NODE_HANDLER(getdel) STRATA_NODE_HANDLER(getex) STRATA_NODE_HANDLER(append)
STRATA_NODE_HANDLER(strlen) STRATA_NODE_HANDLER(incr) STRATA_NODE_HANDLER(decr)
STRATA_NODE_HANDLER(incrby) STRATA_NODE_HANDLER(decrby) STRATA_NODE_HANDLER(incrbyfloat)
STRATA_NODE_HANDLER(getrange) STRATA_NODE_HANDLER(setrange) STRATA_NODE_HANDLER(substr)
// keys.cpp
STRATA_NODE_HANDLER(del) STRATA_NODE_HANDLER(unlink) STRATA_NODE_HANDLER(exists)
STRATA_NODE_HANDLER(type) STRATA_NODE_HANDLER(expire) STRATA_NODE_HANDLER(pexpire)
STRATA_NODE_HANDLER(expireat) STRATA_NODE_HANDLER(pexpireat) STRATA_NODE_HANDLER(ttl)
STRATA_NODE_HANDLER(pttl) STRATA_NODE_HANDLER(expiretime) STRATA_NODE_HANDLER(pexpiretime)
STRATA_NODE_HANDLER(persist) STRATA_NODE_HANDLER(rename) STRATA_NODE_HANDLER(renamenx)
STRATA_NODE_HANDLER(copy) STRATA_NODE_HANDLER(keys) STRATA_NODE_HANDLER(scan)
STRATA_NODE_HANDLER(randomkey) STRATA_NODE_HANDLER(dbsize) STRATA_NODE_HANDLER(flushall)
STRATA_NODE_HANDLER(flushdb) STRATA_NODE_HANDLER(touch) STRATA_NODE_HANDLER(objectEncoding)
STRATA_NODE_HANDLER(objectIdletime) STRATA_NODE_HANDLER(objectFreq)
STRATA_NODE_HANDLER(objectRefcount) STRATA_NODE_HANDLER(objectHelp)
// connection.cpp
STRATA_NODE_HANDLER(ping) STRATA_NODE_HANDLER(echo) STRATA_NODE_HANDLER(hello)
STRATA_NODE_HANDLER(auth) STRATA_NODE_HANDLER(select) STRATA_NODE_HANDLER(quit)
STRATA_NODE_HANDLER(reset) STRATA_NODE_HANDLER(clientSetname) STRATA_NODE_HANDLER(clientGetname)
STRATA_NODE_HANDLER(clientId) STRATA_NODE_HANDLER(clientList) STRATA_NODE_HANDLER(clientInfo)
STRATA_NODE_HANDLER(clientKill) STRATA_NODE_HANDLER(clientHelp)
// server_cmds.cpp
STRATA_NODE_HANDLER(info) STRATA_NODE_HANDLER(configGet) STRATA_NODE_HANDLER(configSet)
STRATA_NODE_HANDLER(configResetstat) STRATA_NODE_HANDLER(configHelp) STRATA_NODE_HANDLER(time)
STRATA_NODE_HANDLER(lastsave) STRATA_NODE_HANDLER(shutdown) STRATA_NODE_HANDLER(debug)
// introspection.cpp
STRATA_NODE_HANDLER(command) STRATA_NODE_HANDLER(commandCount) STRATA_NODE_HANDLER(commandInfo)
STRATA_NODE_HANDLER(commandDocs) STRATA_NODE_HANDLER(commandGetkeys)
STRATA_NODE_HANDLER(commandGetkeysandflags) STRATA_NODE_HANDLER(monitor)
STRATA_NODE_HANDLER(configRewrite)
STRATA_NODE_HANDLER(commandList) STRATA_NODE_HANDLER(commandHelp)
// hashes.cpp
STRATA_NODE_HANDLER(hset) STRATA_NODE_HANDLER(hsetnx) STRATA_NODE_HANDLER(hget)
STRATA_NODE_HANDLER(hmget) STRATA_NODE_HANDLER(hmset) STRATA_NODE_HANDLER(hdel)
STRATA_NODE_HANDLER(hlen) STRATA_NODE_HANDLER(hstrlen) STRATA_NODE_HANDLER(hexists)
STRATA_NODE_HANDLER(hkeys) STRATA_NODE_HANDLER(hvals) STRATA_NODE_HANDLER(hgetall)
STRATA_NODE_HANDLER(hincrby) STRATA_NODE_HANDLER(hincrbyfloat) STRATA_NODE_HANDLER(hrandfield)
STRATA_NODE_HANDLER(hscan)
// sets.cpp
STRATA_NODE_HANDLER(sadd) STRATA_NODE_HANDLER(srem) STRATA_NODE_HANDLER(sismember)
STRATA_NODE_HANDLER(smismember) STRATA_NODE_HANDLER(smembers) STRATA_NODE_HANDLER(scard)
STRATA_NODE_HANDLER(spop) STRATA_NODE_HANDLER(srandmember) STRATA_NODE_HANDLER(smove)
STRATA_NODE_HANDLER(sinter) STRATA_NODE_HANDLER(sintercard) STRATA_NODE_HANDLER(sinterstore)
STRATA_NODE_HANDLER(sunion) STRATA_NODE_HANDLER(sunionstore) STRATA_NODE_HANDLER(sdiff)
STRATA_NODE_HANDLER(sdiffstore) STRATA_NODE_HANDLER(sscan)
// lists.cpp
STRATA_NODE_HANDLER(lpush) STRATA_NODE_HANDLER(rpush) STRATA_NODE_HANDLER(lpushx)
STRATA_NODE_HANDLER(rpushx) STRATA_NODE_HANDLER(lpop) STRATA_NODE_HANDLER(rpop)
STRATA_NODE_HANDLER(llen) STRATA_NODE_HANDLER(lindex) STRATA_NODE_HANDLER(lrange)
STRATA_NODE_HANDLER(lset) STRATA_NODE_HANDLER(linsert) STRATA_NODE_HANDLER(lrem)
STRATA_NODE_HANDLER(ltrim) STRATA_NODE_HANDLER(lpos) STRATA_NODE_HANDLER(lmove)
STRATA_NODE_HANDLER(rpoplpush) STRATA_NODE_HANDLER(lmpop) STRATA_NODE_HANDLER(blpop)
STRATA_NODE_HANDLER(brpop) STRATA_NODE_HANDLER(blmove) STRATA_NODE_HANDLER(brpoplpush)
STRATA_NODE_HANDLER(blmpop)
// zsets.cpp
STRATA_NODE_HANDLER(zadd) STRATA_NODE_HANDLER(zincrby) STRATA_NODE_HANDLER(zrem)
STRATA_NODE_HANDLER(zcard) STRATA_NODE_HANDLER(zcount) STRATA_NODE_HANDLER(zlexcount)
STRATA_NODE_HANDLER(zscore) STRATA_NODE_HANDLER(zmscore) STRATA_NODE_HANDLER(zrank)
STRATA_NODE_HANDLER(zrevrank) STRATA_NODE_HANDLER(zrange) STRATA_NODE_HANDLER(zrangestore)
STRATA_NODE_HANDLER(zrangebyscore) STRATA_NODE_HANDLER(zrevrangebyscore)
STRATA_NODE_HANDLER(zrangebylex) STRATA_NODE_HANDLER(zrevrangebylex) STRATA_NODE_HANDLER(zrevrange)
STRATA_NODE_HANDLER(zremrangebyrank) STRATA_NODE_HANDLER(zremrangebyscore)
STRATA_NODE_HANDLER(zremrangebylex) STRATA_NODE_HANDLER(zunion) STRATA_NODE_HANDLER(zinter)
STRATA_NODE_HANDLER(zdiff) STRATA_NODE_HANDLER(zunionstore) STRATA_NODE_HANDLER(zinterstore)
STRATA_NODE_HANDLER(zdiffstore) STRATA_NODE_HANDLER(zintercard) STRATA_NODE_HANDLER(zpopmin)
STRATA_NODE_HANDLER(zpopmax) STRATA_NODE_HANDLER(zmpop) STRATA_NODE_HANDLER(bzpopmin)
STRATA_NODE_HANDLER(bzpopmax) STRATA_NODE_HANDLER(bzmpop) STRATA_NODE_HANDLER(zrandmember)
STRATA_NODE_HANDLER(zscan)
// transactions.cpp
STRATA_NODE_HANDLER(multi) STRATA_NODE_HANDLER(exec) STRATA_NODE_HANDLER(discard)
STRATA_NODE_HANDLER(watch) STRATA_NODE_HANDLER(unwatch)
// pubsub.cpp
STRATA_NODE_HANDLER(subscribe) STRATA_NODE_HANDLER(psubscribe) STRATA_NODE_HANDLER(unsubscribe)
STRATA_NODE_HANDLER(punsubscribe) STRATA_NODE_HANDLER(publish) STRATA_NODE_HANDLER(ssubscribe)
STRATA_NODE_HANDLER(sunsubscribe) STRATA_NODE_HANDLER(spublish) STRATA_NODE_HANDLER(pubsubChannels)
STRATA_NODE_HANDLER(pubsubNumpat) STRATA_NODE_HANDLER(pubsubNumsub)
STRATA_NODE_HANDLER(pubsubShardchannels) STRATA_NODE_HANDLER(pubsubShardnumsub)
STRATA_NODE_HANDLER(pubsubHelp)
// slowlog.cpp
STRATA_NODE_HANDLER(slowlogGet) STRATA_NODE_HANDLER(slowlogLen) STRATA_NODE_HANDLER(slowlogReset)
STRATA_NODE_HANDLER(slowlogHelp)
// latency.cpp
STRATA_NODE_HANDLER(latencyLatest) STRATA_NODE_HANDLER(latencyHistory) STRATA_NODE_HANDLER(latencyReset)
STRATA_NODE_HANDLER(latencyGraph) STRATA_NODE_HANDLER(latencyDoctor) STRATA_NODE_HANDLER(latencyHistogram)
STRATA_NODE_HANDLER(latencyHelp)
// acl.cpp
STRATA_NODE_HANDLER(aclCat) STRATA_NODE_HANDLER(aclDeluser) STRATA_NODE_HANDLER(aclDryrun)
STRATA_NODE_HANDLER(aclGenpass) STRATA_NODE_HANDLER(aclGetuser) STRATA_NODE_HANDLER(aclList)
STRATA_NODE_HANDLER(aclLoad) STRATA_NODE_HANDLER(aclLog) STRATA_NODE_HANDLER(aclSave)
STRATA_NODE_HANDLER(aclSetuser) STRATA_NODE_HANDLER(aclUsers) STRATA_NODE_HANDLER(aclWhoami)
STRATA_NODE_HANDLER(aclHelp)
// persistence.cpp
STRATA_NODE_HANDLER(bgrewriteaof) STRATA_NODE_HANDLER(save) STRATA_NODE_HANDLER(bgsave)
// migrate.cpp
STRATA_NODE_HANDLER(dump) STRATA_NODE_HANDLER(restore) STRATA_NODE_HANDLER(restoreAsking)
STRATA_NODE_HANDLER(migrate)
// memory.cpp
STRATA_NODE_HANDLER(memoryUsage) STRATA_NODE_HANDLER(memoryStats) STRATA_NODE_HANDLER(memoryDoctor)
STRATA_NODE_HANDLER(memoryPurge) STRATA_NODE_HANDLER(memoryMallocStats)
STRATA_NODE_HANDLER(memoryHelp)
// cluster.cpp
STRATA_NODE_HANDLER(readonly) STRATA_NODE_HANDLER(readwrite) STRATA_NODE_HANDLER(asking)
STRATA_NODE_HANDLER(clusterInfo) STRATA_NODE_HANDLER(clusterNodes) STRATA_NODE_HANDLER(clusterMyid)
STRATA_NODE_HANDLER(clusterSlots) STRATA_NODE_HANDLER(clusterShards)
STRATA_NODE_HANDLER(clusterMeet) STRATA_NODE_HANDLER(clusterAddslots)
STRATA_NODE_HANDLER(clusterAddslotsrange) STRATA_NODE_HANDLER(clusterDelslots)
STRATA_NODE_HANDLER(clusterDelslotsrange) STRATA_NODE_HANDLER(clusterFlushslots)
STRATA_NODE_HANDLER(clusterSetConfigEpoch) STRATA_NODE_HANDLER(clusterBumpepoch)
STRATA_NODE_HANDLER(clusterReplicate) STRATA_NODE_HANDLER(clusterReplicas)
STRATA_NODE_HANDLER(clusterSlaves) STRATA_NODE_HANDLER(clusterForget)
STRATA_NODE_HANDLER(clusterReset) STRATA_NODE_HANDLER(clusterSetslot)
STRATA_NODE_HANDLER(clusterGetkeysinslot) STRATA_NODE_HANDLER(clusterCountkeysinslot)
STRATA_NODE_HANDLER(clusterKeyslot) STRATA_NODE_HANDLER(clusterCountFailureReports)
STRATA_NODE_HANDLER(clusterSaveconfig) STRATA_NODE_HANDLER(clusterLinks)
STRATA_NODE_HANDLER(clusterFailover) STRATA_NODE_HANDLER(clusterHelp)
// replication.cpp
STRATA_NODE_HANDLER(replicaof) STRATA_NODE_HANDLER(slaveof) STRATA_NODE_HANDLER(psync)
STRATA_NODE_HANDLER(sync) STRATA_NODE_HANDLER(replconf) STRATA_NODE_HANDLER(wait)
STRATA_NODE_HANDLER(role)
// client_control.cpp
STRATA_NODE_HANDLER(clientPause) STRATA_NODE_HANDLER(clientUnpause) STRATA_NODE_HANDLER(clientReply)
STRATA_NODE_HANDLER(clientUnblock) STRATA_NODE_HANDLER(clientNoEvict)
// client_tracking.cpp
STRATA_NODE_HANDLER(clientTracking) STRATA_NODE_HANDLER(clientCaching)
STRATA_NODE_HANDLER(clientGetredir) STRATA_NODE_HANDLER(clientTrackinginfo)
// streams.cpp
STRATA_NODE_HANDLER(xadd) STRATA_NODE_HANDLER(xrange) STRATA_NODE_HANDLER(xrevrange)
STRATA_NODE_HANDLER(xlen) STRATA_NODE_HANDLER(xdel) STRATA_NODE_HANDLER(xtrim)
STRATA_NODE_HANDLER(xread) STRATA_NODE_HANDLER(xreadgroup) STRATA_NODE_HANDLER(xack)
STRATA_NODE_HANDLER(xpending) STRATA_NODE_HANDLER(xclaim) STRATA_NODE_HANDLER(xautoclaim)
STRATA_NODE_HANDLER(xsetid) STRATA_NODE_HANDLER(xgroupCreate) STRATA_NODE_HANDLER(xgroupSetid)
STRATA_NODE_HANDLER(xgroupDestroy) STRATA_NODE_HANDLER(xgroupCreateconsumer)
STRATA_NODE_HANDLER(xgroupDelconsumer) STRATA_NODE_HANDLER(xgroupHelp)
STRATA_NODE_HANDLER(xinfoStream) STRATA_NODE_HANDLER(xinfoGroups)
STRATA_NODE_HANDLER(xinfoConsumers) STRATA_NODE_HANDLER(xinfoHelp)
// scripting.cpp
STRATA_NODE_HANDLER(eval) STRATA_NODE_HANDLER(evalsha) STRATA_NODE_HANDLER(eval_ro)
STRATA_NODE_HANDLER(evalsha_ro) STRATA_NODE_HANDLER(scriptLoad) STRATA_NODE_HANDLER(scriptExists)
STRATA_NODE_HANDLER(scriptFlush) STRATA_NODE_HANDLER(scriptKill) STRATA_NODE_HANDLER(scriptHelp)
STRATA_NODE_HANDLER(fcall) STRATA_NODE_HANDLER(fcall_ro) STRATA_NODE_HANDLER(functionLoad)
STRATA_NODE_HANDLER(functionDelete) STRATA_NODE_HANDLER(functionList)
STRATA_NODE_HANDLER(functionFlush) STRATA_NODE_HANDLER(functionDump)
STRATA_NODE_HANDLER(functionRestore) STRATA_NODE_HANDLER(functionStats)
STRATA_NODE_HANDLER(functionKill) STRATA_NODE_HANDLER(functionHelp)
// bitmaps.cpp
STRATA_NODE_HANDLER(setbit) STRATA_NODE_HANDLER(getbit) STRATA_NODE_HANDLER(bitcount)
STRATA_NODE_HANDLER(bitpos) STRATA_NODE_HANDLER(bitop) STRATA_NODE_HANDLER(bitfield)
STRATA_NODE_HANDLER(bitfield_ro)
// hyperloglog.cpp
STRATA_NODE_HANDLER(pfadd) STRATA_NODE_HANDLER(pfcount) STRATA_NODE_HANDLER(pfmerge)
// geo.cpp
STRATA_NODE_HANDLER(geoadd) STRATA_NODE_HANDLER(geodist) STRATA_NODE_HANDLER(geohash)
STRATA_NODE_HANDLER(geopos) STRATA_NODE_HANDLER(geosearch) STRATA_NODE_HANDLER(geosearchstore)
STRATA_NODE_HANDLER(georadius) STRATA_NODE_HANDLER(georadius_ro)
STRATA_NODE_HANDLER(georadiusbymember) STRATA_NODE_HANDLER(georadiusbymember_ro)
// sort.cpp
STRATA_NODE_HANDLER(sort) STRATA_NODE_HANDLER(sort_ro) STRATA_NODE_HANDLER(lcs)
#undef STRATA_NODE_HANDLER
// clang-format on
}  // namespace cmd

}  // namespace strata::node
