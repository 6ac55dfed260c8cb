// The command handlers, one function per command or subcommand, grouped in one file per family
// (strings.cpp, keys.cpp, hashes.cpp, sets.cpp, lists.cpp, connection.cpp, server_cmds.cpp,
// introspection.cpp; container helpers in collections.h), plus the context
// every handler receives. Handlers run on the event-loop thread, never throw across the loop
// (the server catches and answers an error), and write exactly one reply through ctx.w.
#pragma once

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
// Keys lookups that count keyspace hits/misses like Redis's lookupKeyRead.
Entry* lookupRead(CommandContext& ctx, std::string_view key);
// Redis's string2ld (strtold on the whole string, no leading space, no NaN) and
// ld2string(LD_STR_HUMAN) (strings.cpp; also HINCRBYFLOAT).
bool parseLongDouble(std::string_view s, long double& out);
std::string formatLongDouble(long double v);

namespace cmd {
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
#undef STRATA_NODE_HANDLER
}  // namespace cmd

}  // namespace strata::node
