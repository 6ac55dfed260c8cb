// The Lua side of the scripting engine (lua_api.cpp): creating a sandboxed Lua 5.1 state with
// the libraries and the `redis` table Redis 7.0 gives scripts, the conversions between RESP
// replies and Lua values, and the error objects scripts see. Used by Scripting (scripting.h);
// event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/resp/writer.h"

extern "C" {
#include <lua.h>
}

namespace strata::node {

class Scripting;

namespace scripting {

// Script flags (shebang `flags=` and redis.register_function's flags).
enum ScriptFlag : uint64_t {
  kFlagNoWrites = 1,
  kFlagAllowOom = 2,
  kFlagAllowStale = 4,
  kFlagNoCluster = 8,
  kFlagEvalCompat = 16,  // EVAL without a shebang: Redis's backward-compatible mode
  kFlagAllowCrossSlot = 32,
};
// The flag of a shebang / register_function name ("no-writes"...); 0 when unknown.
uint64_t flagByName(std::string_view name);

// Which state: EVAL scripts (chunk "@user_script") or function libraries ("@user_function").
enum class StateKind { kEval, kFunctions };

// A new state with base/table/string/math/debug, cjson, bit, cmsgpack, struct, Redis's pcall
// (an error table is caught as its `err` string), Redis's deterministic math.random, the `redis`
// table, the error handler, and protected globals. `owner` is reached from the C callbacks
// through the registry.
lua_State* newState(Scripting* owner, StateKind kind);
Scripting* ownerOf(lua_State* L);
// Functions state: switches the globals between the library-loading API (only
// register_function, log, ... in `redis`) and the run-time one.
void setLoadingApi(lua_State* L, bool loading);
// Pushes the real globals table (where KEYS/ARGV are set) / the error handler function.
void pushGlobalsTable(lua_State* L);
void pushErrorHandler(lua_State* L);

// Pushes the Lua value of the RESP reply at data[pos..len) (advancing pos), Redis 7.0's
// redisProtocolToLuaType. The reply comes from our own Writer: well-formed.
void pushReply(lua_State* L, const char* data, size_t len, size_t& pos);
// Writes the Lua value at the top of the stack as the script's reply (luaReplyToRedisReply);
// pops it.
void writeLuaValue(lua_State* L, resp::Writer& w, int depth = 0);
// Pushes the error table {err="<CODE> msg"} from a Redis error text: "-CODE msg" keeps its code,
// a bare "msg" gets ERR (luaPushErrorBuff).
void pushErrorTable(lua_State* L, std::string_view text);
// After a failed lua_pcall with the error handler: the error reply text (no leading '-') for a
// script called `name`.
std::string errorReplyText(lua_State* L, std::string_view name);

// SHA1 of `data` in 40 lowercase hex characters.
std::string sha1hex(std::string_view data);

// Redis's deterministic rand48 (math.random / math.randomseed in scripts).
int32_t redisLrand48();
void redisSrand48(int32_t seed);

}  // namespace scripting
}  // namespace strata::node
