// The Lua side of scripting (see lua_api.h): state creation and sandbox, the `redis` table's C
// functions, RESP <-> Lua conversions and error objects, as Redis 7.0's script_lua.c, eval.c and
// function_lua.c. C entry points registered in Lua raise errors (lua_error longjmps) only from
// frames that hold no C++ object with a destructor.
#include "node/scripting/lua_api.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

extern "C" {
#include <lauxlib.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <lualib.h>
}

#include "node/scripting/lua_struct.h"
#include "node/scripting/msgpack.h"
#include "node/scripting/scripting.h"

namespace strata::node::scripting {

namespace {

// Registry keys (the addresses of these statics are unique light userdata).
char kOwnerKey;
char kGlobalsKey;  // the real globals table (run-time API)
char kLoadApiKey;  // the library-loading API table (functions state)
char kApiKey;      // the table the protected globals currently read from
char kErrHandlerKey;

constexpr int kMaxReplyDepth = 1000;

// ---- rand48 ----------------------------------------------------------------------------------

uint64_t g_rand48 = 0x1234ABCD330EULL;  // Redis's rand.c X2:X1:X0

}  // namespace

int32_t redisLrand48() {
  g_rand48 = (0x5DEECE66DULL * g_rand48 + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(g_rand48 >> 17);
}

void redisSrand48(int32_t seed) {
  g_rand48 = (static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E;
}

std::string sha1hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(40, '0');
  for (unsigned int i = 0; i < len && i < 20; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
  return out;
}

uint64_t flagByName(std::string_view name) {
  if (name == "no-writes") return kFlagNoWrites;
  if (name == "allow-oom") return kFlagAllowOom;
  if (name == "allow-stale") return kFlagAllowStale;
  if (name == "no-cluster") return kFlagNoCluster;
  if (name == "allow-cross-slot-keys") return kFlagAllowCrossSlot;
  return 0;
}

Scripting* ownerOf(lua_State* L) {
  lua_pushlightuserdata(L, &kOwnerKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* s = static_cast<Scripting*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return s;
}

void pushErrorTable(lua_State* L, std::string_view text) {
  std::string_view code = "ERR";
  std::string_view msg = text;
  if (!text.empty() && text[0] == '-') {
    const size_t sp = text.find(' ');
    if (sp == std::string_view::npos) {
      msg = text.substr(1);
    } else {
      code = text.substr(1, sp - 1);
      msg = text.substr(sp + 1);
    }
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  lua_createtable(L, 0, 1);
  lua_pushlstring(L, code.data(), code.size());
  lua_pushlstring(L, " ", 1);
  lua_pushlstring(L, msg.data(), msg.size());
  lua_concat(L, 3);
  lua_setfield(L, -2, "err");
}

namespace {

// Raises {err="ERR <msg>"} (luaPushError + luaError).
int raise(lua_State* L, const char* msg) {
  pushErrorTable(L, msg);
  return lua_error(L);
}

// ---- redis.* ---------------------------------------------------------------------------------

int luaRedisCall(lua_State* L) {
  const int n = ownerOf(L)->luaCall(L, true);
  if (n < 0) return lua_error(L);
  return n;
}

int luaRedisPcall(lua_State* L) {
  return ownerOf(L)->luaCall(L, false);
}

int luaSha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return raise(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (s == nullptr) {
    s = "";
    len = 0;
  }
  char hex[41];
  {
    const std::string h = sha1hex(std::string_view(s, len));
    std::memcpy(hex, h.data(), 40);
  }
  lua_pushlstring(L, hex, 40);
  return 1;
}

// The argument check of redis.error_reply and redis.status_reply: false, with the error table
// pushed as their result, unless they were given exactly one string.
bool oneStringArgument(lua_State* L) {
  if (lua_gettop(L) == 1 && lua_type(L, 1) == LUA_TSTRING) return true;
  pushErrorTable(L, "wrong number or type of arguments");
  return false;
}

// redis.error_reply / redis.status_reply: {err=...} / {ok=...}. A bad argument is not raised:
// the error table is returned (Redis 7.0's luaRedisErrorReplyCommand).
int luaErrorReply(lua_State* L) {
  if (!oneStringArgument(L)) return 1;
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (len > 0 && s[0] == '-') {
    pushErrorTable(L, std::string_view(s, len));
  } else {
    lua_pushliteral(L, "-");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    size_t l2 = 0;
    const char* s2 = lua_tolstring(L, -1, &l2);
    pushErrorTable(L, std::string_view(s2, l2));
  }
  return 1;
}

int luaStatusReply(lua_State* L) {
  if (!oneStringArgument(L)) return 1;
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

int luaLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return raise(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return raise(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return raise(L, "Invalid debug level.");
  // The message: the remaining arguments joined by spaces (strings and numbers only).
  for (int j = 2; j <= argc; ++j) {
    if (!lua_isstring(L, j)) lua_pushliteral(L, "");
  }
  lua_settop(L, argc);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int j = 2; j <= argc; ++j) {
    if (j > 2) luaL_addchar(&b, ' ');
    lua_pushvalue(L, j);
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  const char* msg = lua_tostring(L, -1);
  switch (level) {
    case 0:
      spdlog::debug("{}", msg);
      break;
    case 1:
    case 2:
      spdlog::info("{}", msg);
      break;
    default:
      spdlog::warn("{}", msg);
      break;
  }
  return 0;
}

int luaSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return raise(L, "redis.setresp() requires one argument.");
  const auto resp = static_cast<int>(lua_tonumber(L, -1));
  if (resp != 2 && resp != 3) return raise(L, "RESP version must be 2 or 3.");
  ownerOf(L)->setScriptResp(resp);
  return 0;
}

int luaSetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return raise(L, "redis.set_repl() requires two arguments.");
  const auto flags = static_cast<int64_t>(lua_tonumber(L, -1));
  if ((flags & ~int64_t{3}) != 0) {
    return raise(L,
                 "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;
}

int luaReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int luaBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}

int luaNoop(lua_State*) {
  return 0;
}

// The global pcall as Redis 7.0 replaces it: an error that is a table with an `err` string is
// caught as that string, so a script sees redis.call's errors as their messages.
int luaPcall(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) {  // what Redis's wrapper gives then (it calls its own `true` placeholder)
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "attempt to call a boolean value");
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int luaRegisterFunction(lua_State* L) {
  const int n = ownerOf(L)->registerFunction(L);
  if (n < 0) return lua_error(L);
  return n;
}

// math.random / math.randomseed on Redis's rand48 (the same sequence as redis-server).
int luaMathRandom(lua_State* L) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  const lua_Number r = static_cast<lua_Number>(redisLrand48() % kMax) / kMax;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int luaMathRandomseed(lua_State* L) {
  redisSrand48(static_cast<int32_t>(luaL_checkint(L, 1)));
  return 0;
}

// ---- protected globals -----------------------------------------------------------------------

bool calledFromC(lua_State* L) {
  lua_Debug ar;
  if (lua_getstack(L, 1, &ar) == 0) return true;
  lua_getinfo(L, "S", &ar);
  return std::strcmp(ar.what, "C") == 0;
}

int globalsIndex(lua_State* L) {
  lua_pushlightuserdata(L, &kApiKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (lua_isnil(L, -1) && !calledFromC(L)) {
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      lua_tostring(L, 2) != nullptr ? lua_tostring(L, 2) : "?");
  }
  return 1;
}

// __index of the library-loading `redis` view: the field of the table in its upvalue; any name
// that table lacks is an error.
int loadApiFieldIndex(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    lua_tostring(L, 2) != nullptr ? lua_tostring(L, 2) : "?");
}

int globalsNewIndex(lua_State* L) {
  return luaL_error(L, "Attempt to modify a readonly table");
}

// Lua 5.1's setmetatable, refusing the read-only views and _G with Redis 7.0's text where the
// base function would say "cannot change a protected metatable".
int luaSetmetatable(lua_State* L) {
  const int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (lua_getmetatable(L, 1)) {
    lua_getfield(L, -1, "__newindex");
    const bool readonly = lua_tocfunction(L, -1) == globalsNewIndex;
    lua_pop(L, 2);
    if (readonly) {
      lua_pushliteral(L, "Attempt to modify a readonly table");
      return lua_error(L);
    }
  }
  if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// Pops the value at the top of the stack and pushes an empty table whose reads go to it (its
// __index), whose writes raise "Attempt to modify a readonly table" and whose metatable is
// hidden: the protected _G and the read-only library views.
void pushReadonlyTable(lua_State* L) {
  lua_newtable(L);  // the table
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, globalsNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_replace(L, -2);  // over the __index value
}

// Replaces the table at the top of the stack by a read-only view of it, for the library tables
// Redis 7.0 makes read-only: an empty table whose reads go to `index` (the table itself, or a
// function given it as upvalue) and whose writes raise "Attempt to modify a readonly table".
// Lua 5.1 has no per-table read-only flag: pairs()/next() over a view see no fields, and rawset
// writes into the view (as into the protected _G).
void replaceWithReadonlyView(lua_State* L, lua_CFunction index = nullptr) {
  lua_pushvalue(L, -1);
  if (index != nullptr) lua_pushcclosure(L, index, 1);
  pushReadonlyTable(L);
  lua_replace(L, -2);
}

void setReg(lua_State* L, void* key) {  // registry[key] = top (popped)
  lua_pushlightuserdata(L, key);
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
}

void getReg(lua_State* L, void* key) {
  lua_pushlightuserdata(L, key);
  lua_rawget(L, LUA_REGISTRYINDEX);
}

void openLib(lua_State* L, lua_CFunction fn, const char* name) {
  lua_pushcfunction(L, fn);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

void setFn(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

void setNum(lua_State* L, const char* name, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

// The `redis` table's constants and the functions both APIs share.
void fillRedisCommon(lua_State* L) {
  setFn(L, "log", luaLog);
  setNum(L, "LOG_DEBUG", 0);
  setNum(L, "LOG_VERBOSE", 1);
  setNum(L, "LOG_NOTICE", 2);
  setNum(L, "LOG_WARNING", 3);
  lua_pushliteral(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
  setNum(L, "REDIS_VERSION_NUM", 0x07000f);
}

}  // namespace

lua_State* newState(Scripting* owner, StateKind kind) {
  lua_State* L = luaL_newstate();
  if (L == nullptr) return nullptr;
  openLib(L, luaopen_base, "");
  openLib(L, luaopen_table, LUA_TABLIBNAME);
  openLib(L, luaopen_string, LUA_STRLIBNAME);
  openLib(L, luaopen_math, LUA_MATHLIBNAME);
  openLib(L, luaopen_debug, LUA_DBLIBNAME);
  lua_pushcfunction(L, luaopen_cjson);  // returns its table without setting a global
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  openLib(L, luaopen_bit, "bit");
  openCmsgpack(L);
  lua_pop(L, 1);
  openStruct(L);
  lua_pop(L, 1);
  // Redis removes these from the base library (and has no os/io/package).
  for (const char* name :
       {"loadfile", "dofile", "print", "getfenv", "setfenv", "newproxy", "module", "require"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, luaPcall);
  lua_setglobal(L, "pcall");
  lua_pushcfunction(L, luaSetmetatable);
  lua_setglobal(L, "setmetatable");
  lua_getglobal(L, "math");
  setFn(L, "random", luaMathRandom);
  setFn(L, "randomseed", luaMathRandomseed);
  lua_pop(L, 1);

  lua_pushlightuserdata(L, owner);
  setReg(L, &kOwnerKey);

  // The run-time `redis` table.
  lua_newtable(L);
  setFn(L, "call", luaRedisCall);
  setFn(L, "pcall", luaRedisPcall);
  setFn(L, "sha1hex", luaSha1hex);
  setFn(L, "error_reply", luaErrorReply);
  setFn(L, "status_reply", luaStatusReply);
  setFn(L, "set_repl", luaSetRepl);
  setFn(L, "replicate_commands", luaReplicateCommands);
  setFn(L, "breakpoint", luaBreakpoint);
  setFn(L, "debug", luaNoop);
  setNum(L, "REPL_NONE", 0);
  setNum(L, "REPL_AOF", 1);
  setNum(L, "REPL_SLAVE", 2);
  setNum(L, "REPL_REPLICA", 2);
  setNum(L, "REPL_ALL", 3);
  setFn(L, "setresp", luaSetResp);
  fillRedisCommon(L);
  lua_setglobal(L, "redis");

  // The error handler (Redis's __redis__err__handler): tables keep their fields, anything else
  // becomes {err='ERR ' .. msg}; source and line of the script's frame are added.
  static constexpr char kErrHandler[] =
      "local dbg = debug\n"
      "return function(err)\n"
      "  local i = dbg.getinfo(2,'nSl')\n"
      "  if i and i.what == 'C' then\n"
      "    i = dbg.getinfo(3,'nSl')\n"
      "  end\n"
      "  if type(err) ~= 'table' then\n"
      "    err = {err='ERR ' .. tostring(err)}\n"
      "  end\n"
      "  if i then\n"
      "    err['source'] = i.source\n"
      "    err['line'] = i.currentline\n"
      "  end\n"
      "  return err\n"
      "end\n";
  luaL_loadbuffer(L, kErrHandler, sizeof(kErrHandler) - 1, "@err_handler");
  lua_call(L, 0, 1);
  setReg(L, &kErrHandlerKey);
  lua_pushnil(L);
  lua_setglobal(L, "debug");

  if (kind == StateKind::kEval) {
    getReg(L, &kErrHandlerKey);
    lua_setglobal(L, "__redis__err__handler");
  }

  // The library tables are read-only, as every table reachable from 7.0's globals.
  for (const char* name :
       {"redis", "string", "table", "math", "coroutine", "cjson", "bit", "struct", "cmsgpack"}) {
    lua_getglobal(L, name);
    if (lua_istable(L, -1)) {
      replaceWithReadonlyView(L);
      lua_setglobal(L, name);
    } else {
      lua_pop(L, 1);
    }
  }

  // The real globals table G; the library-loading API (functions), Redis 7.0's LIBRARY_API:
  // nothing but a `redis` table that registers functions, logs and has the version and log
  // constants; any other name, global or in that `redis`, is an error while a library loads.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  setReg(L, &kGlobalsKey);
  if (kind == StateKind::kFunctions) {
    lua_newtable(L);
    lua_newtable(L);
    setFn(L, "register_function", luaRegisterFunction);
    fillRedisCommon(L);
    replaceWithReadonlyView(L, loadApiFieldIndex);
    lua_setfield(L, -2, "redis");
    setReg(L, &kLoadApiKey);
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  setReg(L, &kApiKey);

  // The protected globals every script sees: an empty table reading through to the API table
  // (a missing name is an error from Lua code) and refusing new fields, as 7.0's read-only _G.
  lua_pushcfunction(L, globalsIndex);
  pushReadonlyTable(L);  // P
  lua_pushvalue(L, -1);
  lua_setglobal(L, "_G");  // G._G = P (still the real globals here)
  lua_replace(L, LUA_GLOBALSINDEX);
  return L;
}

void setLoadingApi(lua_State* L, bool loading) {
  getReg(L, loading ? &kLoadApiKey : &kGlobalsKey);
  setReg(L, &kApiKey);
}

void pushGlobalsTable(lua_State* L) {
  getReg(L, &kGlobalsKey);
}

void pushErrorHandler(lua_State* L) {
  getReg(L, &kErrHandlerKey);
}

// ---- RESP -> Lua -----------------------------------------------------------------------------

namespace {

int64_t readLineInt(const char* data, size_t len, size_t& pos) {
  const char* p = data + pos;
  const char* end = static_cast<const char*>(std::memchr(p, '\r', len - pos));
  if (end == nullptr) end = data + len;
  int64_t v = 0;
  std::from_chars(p, end, v);
  pos = static_cast<size_t>(end - data) + 2;
  return v;
}

std::string_view readLine(const char* data, size_t len, size_t& pos) {
  const char* p = data + pos;
  const char* end = static_cast<const char*>(std::memchr(p, '\r', len - pos));
  if (end == nullptr) end = data + len;
  pos = static_cast<size_t>(end - data) + 2;
  return {p, static_cast<size_t>(end - p)};
}

void pushReplyAt(lua_State* L, const char* data, size_t len, size_t& pos, int depth) {
  if (pos >= len || !lua_checkstack(L, 4) || depth > kMaxReplyDepth) {
    lua_pushnil(L);
    pos = len;
    return;
  }
  const char type = data[pos++];
  switch (type) {
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(readLineInt(data, len, pos)));
      return;
    case '$':
    case '=': {
      const int64_t n = readLineInt(data, len, pos);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      const auto body = std::string_view(data + pos, static_cast<size_t>(n));
      pos += static_cast<size_t>(n) + 2;
      if (type == '$') {
        lua_pushlstring(L, body.data(), body.size());
        return;
      }
      lua_createtable(L, 0, 1);
      lua_createtable(L, 0, 2);
      lua_pushlstring(L, body.data(), std::min<size_t>(3, body.size()));
      lua_setfield(L, -2, "format");
      if (body.size() >= 4) {
        lua_pushlstring(L, body.data() + 4, body.size() - 4);
      } else {
        lua_pushliteral(L, "");
      }
      lua_setfield(L, -2, "string");
      lua_setfield(L, -2, "verbatim_string");
      return;
    }
    case '+': {
      const std::string_view s = readLine(data, len, pos);
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, s.data(), s.size());
      lua_setfield(L, -2, "ok");
      return;
    }
    case '-': {  // Redis's error table, marked as already counted in the error stats
      const std::string_view s = readLine(data, len, pos);
      lua_createtable(L, 0, 2);
      lua_pushlstring(L, s.data(), s.size());
      lua_setfield(L, -2, "err");
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "ignore_error_stats_update");
      return;
    }
    case '*':
    case '~':
    case '>': {
      const int64_t n = readLineInt(data, len, pos);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      if (type == '~') {
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, static_cast<int>(n));
        for (int64_t i = 0; i < n; ++i) {
          pushReplyAt(L, data, len, pos, depth + 1);
          lua_pushboolean(L, 1);
          lua_rawset(L, -3);
        }
        lua_setfield(L, -2, "set");
        return;
      }
      lua_createtable(L, static_cast<int>(n), 0);
      for (int64_t i = 0; i < n; ++i) {
        pushReplyAt(L, data, len, pos, depth + 1);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      return;
    }
    case '%':
    case '|': {
      const int64_t n = readLineInt(data, len, pos);
      lua_createtable(L, 0, 1);
      lua_createtable(L, 0, static_cast<int>(n));
      for (int64_t i = 0; i < n; ++i) {
        pushReplyAt(L, data, len, pos, depth + 1);
        pushReplyAt(L, data, len, pos, depth + 1);
        if (lua_isnil(L, -2)) {
          lua_pop(L, 2);
        } else {
          lua_rawset(L, -3);
        }
      }
      if (type == '|') {  // attributes are dropped: the value that follows is the reply
        lua_pop(L, 2);
        pushReplyAt(L, data, len, pos, depth + 1);
        return;
      }
      lua_setfield(L, -2, "map");
      return;
    }
    case '_':
      readLine(data, len, pos);
      lua_pushnil(L);
      return;
    case '#': {
      const std::string_view s = readLine(data, len, pos);
      lua_pushboolean(L, !s.empty() && s[0] == 't');
      return;
    }
    case ',': {
      const std::string_view s = readLine(data, len, pos);
      const std::string text(s);
      lua_createtable(L, 0, 1);
      lua_pushnumber(L, std::strtod(text.c_str(), nullptr));
      lua_setfield(L, -2, "double");
      return;
    }
    case '(': {
      const std::string_view s = readLine(data, len, pos);
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, s.data(), s.size());
      lua_setfield(L, -2, "big_number");
      return;
    }
    default:
      lua_pushnil(L);
      pos = len;
      return;
  }
}

// ---- Lua -> reply ----------------------------------------------------------------------------

// Field `name` of the table at the top, pushed; its Lua type.
int field(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

std::string sanitized(lua_State* L, int index) {
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  std::string out(s != nullptr ? s : "", s != nullptr ? len : 0);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

void pushReply(lua_State* L, const char* data, size_t len, size_t& pos) {
  pushReplyAt(L, data, len, pos, 0);
}

void writeLuaValue(lua_State* L, resp::Writer& w, int depth) {
  if (depth > kMaxReplyDepth || !lua_checkstack(L, 4)) {
    lua_pop(L, 1);
    w.error("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      w.bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (ownerOf(L)->scriptResp() == 3) {
        w.boolean(lua_toboolean(L, -1) != 0);
      } else if (lua_toboolean(L, -1)) {
        w.integer(1);
      } else {
        w.null();
      }
      break;
    case LUA_TNUMBER: {
      const lua_Number n = lua_tonumber(L, -1);
      int64_t v = 0;
      if (std::isnan(n)) {
        v = std::numeric_limits<int64_t>::min();
      } else if (n >= 9223372036854775807.0) {
        v = std::numeric_limits<int64_t>::min();
      } else if (n < -9223372036854775807.0) {
        v = std::numeric_limits<int64_t>::min();
      } else {
        v = static_cast<int64_t>(n);
      }
      w.integer(v);
      break;
    }
    case LUA_TTABLE: {
      if (field(L, "err") == LUA_TSTRING) {
        const std::string msg = sanitized(L, -1);
        lua_pop(L, 1);
        w.error(msg);
        break;
      }
      lua_pop(L, 1);
      if (field(L, "ok") == LUA_TSTRING) {
        const std::string msg = sanitized(L, -1);
        lua_pop(L, 1);
        w.simpleString(msg);
        break;
      }
      lua_pop(L, 1);
      if (field(L, "double") == LUA_TNUMBER) {
        w.doubleValue(lua_tonumber(L, -1));
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (field(L, "big_number") == LUA_TSTRING) {
        const std::string s = sanitized(L, -1);
        lua_pop(L, 1);
        w.bigNumber(s);
        break;
      }
      lua_pop(L, 1);
      if (field(L, "map") == LUA_TTABLE) {
        size_t count = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          ++count;
        }
        w.mapHeader(count);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pushvalue(L, -2);
          writeLuaValue(L, w, depth + 1);  // the key (a copy)
          writeLuaValue(L, w, depth + 1);  // the value
        }
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (field(L, "set") == LUA_TTABLE) {
        size_t count = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          ++count;
        }
        w.setHeader(count);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          writeLuaValue(L, w, depth + 1);
        }
        lua_pop(L, 1);
        break;
      }
      lua_pop(L, 1);
      if (field(L, "verbatim_string") == LUA_TTABLE) {
        const int tf = field(L, "format");
        const std::string fmt = tf == LUA_TSTRING ? sanitized(L, -1) : std::string();
        lua_pop(L, 1);
        if (tf == LUA_TSTRING && field(L, "string") == LUA_TSTRING) {
          size_t len = 0;
          const char* s = lua_tolstring(L, -1, &len);
          w.verbatim(fmt, std::string_view(s, len));
          lua_pop(L, 3);  // string, the verbatim table, the value
          return;
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
      // An array: elements 1, 2, ... up to the first nil.
      int count = 0;
      for (;;) {
        lua_rawgeti(L, -1, count + 1);
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++count;
      }
      w.arrayHeader(static_cast<size_t>(count));
      for (int i = 1; i <= count; ++i) {
        lua_rawgeti(L, -1, i);
        writeLuaValue(L, w, depth + 1);
      }
      break;
    }
    default:
      w.null();
      break;
  }
  lua_pop(L, 1);
}

std::string errorReplyText(lua_State* L, std::string_view name) {
  std::string out;
  if (!lua_istable(L, -1)) {
    const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    out = "ERR Error running script " + std::string(name) + ", " + std::string(msg).substr(0, 100);
    return out;
  }
  lua_getfield(L, -1, "err");
  if (lua_isstring(L, -1)) out = lua_tostring(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "source");
  std::string source = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  const bool hasSource = lua_isstring(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "line");
  const bool hasLine = lua_isstring(L, -1);
  std::string line = hasLine ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  if (hasSource && hasLine) {
    out += " script: ";
    out += name;
    out += ", on ";
    out += source;
    out += ":";
    out += line;
    out += ".";
  }
  return out;
}

}  // namespace strata::node::scripting
