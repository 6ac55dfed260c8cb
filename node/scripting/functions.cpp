// Function libraries (Redis 7.0's functions.c + function_lua.c): FUNCTION LOAD (the
// `#!lua name=<lib>` metadata, the library code run once with the loading API so it can call
// redis.register_function), FCALL/FCALL_RO, LIST, DELETE, FLUSH, DUMP/RESTORE (our own versioned
// payload), STATS. Libraries live in the functions Lua state; each function is a registry
// reference to its callback. Event-loop thread only.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "common/config/glob.h"
#include "node/commands/handlers.h"
#include "node/scripting/lua_api.h"
#include "node/scripting/scripting.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

using namespace scripting;

namespace {

constexpr std::string_view kDumpMagic = "STRATAFN";
constexpr uint8_t kDumpVersion = 1;

bool validName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

uint64_t fnv1a(std::string_view data) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// Redis's functionExtractLibMetaData: the library name from `#!<engine> name=<lib>`.
bool libraryMetadata(std::string_view code, std::string& name, size_t& shebangLen,
                     std::string& err) {
  if (!code.starts_with("#!")) {
    err = "ERR Missing library metadata";
    return false;
  }
  const size_t nl = code.find('\n');
  if (nl == std::string_view::npos) {
    err = "ERR Invalid library metadata";
    return false;
  }
  shebangLen = nl;
  const std::string_view line = code.substr(0, nl);
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) parts.push_back(line.substr(i, j - i));
    i = j;
  }
  if (parts.empty()) {
    err = "ERR Invalid library metadata";
    return false;
  }
  const std::string_view engine = parts[0].substr(2);
  bool haveName = false;
  for (size_t p = 1; p < parts.size(); ++p) {
    if (parts[p].size() >= 5 && iequal(parts[p].substr(0, 5), "name=")) {
      if (haveName) {
        err = "ERR Invalid metadata value, name argument was given multiple times";
        return false;
      }
      name = std::string(parts[p].substr(5));
      haveName = true;
      continue;
    }
    err = "ERR Invalid metadata value given: " + std::string(parts[p]);
    return false;
  }
  if (!haveName) {
    err = "ERR Library name was not given";
    return false;
  }
  if (!iequal(engine, "lua")) {
    err = "ERR Engine '" + std::string(engine) + "' not found";
    return false;
  }
  if (!validName(name)) {
    err =
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long";
    return false;
  }
  return true;
}

}  // namespace

// ---- loading ---------------------------------------------------------------------------------

int Scripting::registerFunction(lua_State* L) {
  Library* lib = loading_;
  if (lib == nullptr) {
    pushErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return -1;
  }
  const int argc = lua_gettop(L);
  Function f;
  auto fail = [&](const char* err) {
    if (f.ref != -1) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
    pushErrorTable(L, err);
    return -1;
  };
  if (argc < 1 || argc > 2) return fail("wrong number of arguments to redis.register_function");
  if (argc == 2) {
    if (lua_type(L, 1) != LUA_TSTRING) {
      return fail("first argument to redis.register_function must be a string");
    }
    if (!lua_isfunction(L, 2)) {
      return fail("second argument to redis.register_function must be a function");
    }
    f.name = lua_tostring(L, 1);
    lua_pushvalue(L, 2);
    f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  } else {
    if (!lua_istable(L, 1)) {
      return fail(
          "calling redis.register_function with a single argument is only applicable to Lua "
          "table (representing named arguments).");
    }
    bool haveName = false;
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING) {
        lua_pop(L, 2);
        return fail("named argument key given to redis.register_function is not a string");
      }
      const std::string key = lower(lua_tostring(L, -2));
      if (key == "function_name") {
        if (lua_type(L, -1) != LUA_TSTRING) {
          lua_pop(L, 2);
          return fail("function_name argument given to redis.register_function must be a string");
        }
        f.name = lua_tostring(L, -1);
        haveName = true;
      } else if (key == "description") {
        if (lua_type(L, -1) != LUA_TSTRING) {
          lua_pop(L, 2);
          return fail("description argument given to redis.register_function must be a string");
        }
        f.description = lua_tostring(L, -1);
        f.hasDescription = true;
      } else if (key == "callback") {
        if (!lua_isfunction(L, -1)) {
          lua_pop(L, 2);
          return fail("callback argument given to redis.register_function must be a function");
        }
        if (f.ref != -1) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
        lua_pushvalue(L, -1);
        f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
      } else if (key == "flags") {
        if (!lua_istable(L, -1)) {
          lua_pop(L, 2);
          return fail(
              "flags argument to redis.register_function must be a table representing function "
              "flags");
        }
        for (int i = 1;; ++i) {
          lua_rawgeti(L, -1, i);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          const uint64_t flag =
              lua_type(L, -1) == LUA_TSTRING ? flagByName(lua_tostring(L, -1)) : 0;
          lua_pop(L, 1);
          if (flag == 0) {
            lua_pop(L, 2);
            return fail("unknown flag given");
          }
          f.flags |= flag;
        }
      } else {
        lua_pop(L, 2);
        return fail("unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!haveName) return fail("redis.register_function must get a function name argument");
    if (f.ref == -1) return fail("redis.register_function must get a callback argument");
  }
  if (!validName(f.name)) {  // Redis 7.0 reuses the library names' text here
    return fail(
        "Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long");
  }
  for (const Function& g : lib->functions) {
    if (g.name == f.name) return fail("Function already exists in the library");
  }
  lib->functions.push_back(std::move(f));
  return 0;
}

bool Scripting::loadLibrary(std::string_view code, Library& lib, std::string& err) {
  size_t shebangLen = 0;
  if (!libraryMetadata(code, lib.name, shebangLen, err)) return false;
  lua_State* L = functionsState();
  if (L == nullptr) {
    err = "ERR Lua state could not be created";
    return false;
  }
  if (luaL_loadbuffer(L, code.data() + shebangLen, code.size() - shebangLen, "@user_function") !=
      0) {
    err = std::string("ERR Error compiling function: ") +
          (lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    return false;
  }
  pushErrorHandler(L);
  lua_insert(L, -2);
  setLoadingApi(L, true);
  loading_ = &lib;
  // A library's top-level code runs with a time limit too (no redis.call there).
  const int status = lua_pcall(L, 0, 0, -2);
  loading_ = nullptr;
  setLoadingApi(L, false);
  if (status != 0) {
    std::string msg;
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
      lua_pop(L, 1);
    } else if (lua_isstring(L, -1)) {
      msg = lua_tostring(L, -1);
    }
    lua_pop(L, 2);
    freeLibrary(lib);
    err = "ERR Error registering functions: " + msg;
    return false;
  }
  lua_pop(L, 1);
  if (lib.functions.empty()) {
    err = "ERR No functions registered";
    return false;
  }
  lib.code = std::string(code);
  return true;
}

void Scripting::freeLibrary(Library& lib) {
  if (functions_ != nullptr) {
    for (Function& f : lib.functions) {
      if (f.ref != -1) luaL_unref(functions_, LUA_REGISTRYINDEX, f.ref);
    }
  }
  lib.functions.clear();
}

const Scripting::Function* Scripting::findFunction(std::string_view name) const {
  for (const auto& [libName, lib] : libraries_) {
    for (const Function& f : lib.functions) {
      if (f.name == name) return &f;
    }
  }
  return nullptr;
}

bool Scripting::functionLoadCode(std::string_view code, bool replace, std::string& name,
                                 std::string& err) {
  Library lib;
  size_t shebangLen = 0;
  if (!libraryMetadata(code, lib.name, shebangLen, err)) return false;
  auto existing = libraries_.find(lib.name);
  if (existing != libraries_.end() && !replace) {
    err = "ERR Library '" + lib.name + "' already exists";
    return false;
  }
  if (!loadLibrary(code, lib, err)) return false;
  for (const Function& f : lib.functions) {
    const Function* other = findFunction(f.name);
    if (other != nullptr &&
        (existing == libraries_.end() ||
         std::none_of(existing->second.functions.begin(), existing->second.functions.end(),
                      [&](const Function& g) { return &g == other; }))) {
      err = "ERR Function " + f.name + " already exists";
      freeLibrary(lib);
      return false;
    }
  }
  if (existing != libraries_.end()) {
    freeLibrary(existing->second);
    libraries_.erase(existing);
  }
  name = lib.name;
  libraries_.emplace(name, std::move(lib));
  return true;
}

size_t Scripting::functionsCount() const {
  size_t n = 0;
  for (const auto& [name, lib] : libraries_) n += lib.functions.size();
  return n;
}

size_t Scripting::librariesMemory() const {
  size_t n = 0;
  for (const auto& [name, lib] : libraries_) {
    n += lib.code.size() + lib.name.size() + 64;
    for (const Function& f : lib.functions) n += f.name.size() + f.description.size() + 48;
  }
  return n;
}

void Scripting::forEachLibraryCode(const std::function<void(std::string_view)>& fn) const {
  for (const auto& [name, lib] : libraries_) fn(lib.code);
}

// ---- commands --------------------------------------------------------------------------------

void Scripting::functionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < ctx.argc(); ++i) {
    if (iequal(ctx.arg(i), "replace")) {
      replace = true;
    } else {
      ctx.w.error("ERR Unknown option given: " + std::string(ctx.arg(i)));
      return;
    }
  }
  if (i >= ctx.argc()) {
    ctx.w.error("ERR Function code was not given");
    return;
  }
  std::string name, err;
  if (!functionLoadCode(ctx.arg(i), replace, name, err)) {
    ctx.w.error(err);
    return;
  }
  ctx.server.propagate(ctx.argv);  // to the AOF and replicas, as Redis 7.0
  ctx.w.bulk(name);
}

void Scripting::fcall(CommandContext& ctx, bool readOnly) {
  const Function* f = findFunction(ctx.arg(1));
  if (f == nullptr) {
    ctx.w.error("ERR Function not found");
    return;
  }
  int64_t numkeys = 0;
  if (!numkeysOrReply(ctx, "ERR Bad number of keys provided", numkeys)) return;
  lua_State* L = functionsState();
  lua_rawgeti(L, LUA_REGISTRYINDEX, f->ref);
  const auto nk = static_cast<size_t>(numkeys);
  lua_createtable(L, static_cast<int>(nk), 0);
  for (size_t i = 0; i < nk; ++i) {
    lua_pushlstring(L, ctx.arg(3 + i).data(), ctx.arg(3 + i).size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  lua_createtable(L, static_cast<int>(ctx.argc() - 3 - nk), 0);
  for (size_t i = 3 + nk; i < ctx.argc(); ++i) {
    lua_pushlstring(L, ctx.arg(i).data(), ctx.arg(i).size());
    lua_rawseti(L, -2, static_cast<int>(i - 2 - nk));
  }
  const std::string name = f->name;  // the library may be replaced while it runs: copy
  runScript(ctx, L, true, name, f->flags, readOnly, nk, 2);
}

void Scripting::functionDelete(CommandContext& ctx) {
  auto it = libraries_.find(std::string(ctx.arg(2)));
  if (it == libraries_.end()) {
    ctx.w.error("ERR Library not found");
    return;
  }
  freeLibrary(it->second);
  libraries_.erase(it);
  ctx.server.propagate(ctx.argv);
  ctx.w.ok();
}

void Scripting::functionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.w.error("ERR syntax error");
    return;
  }
  if (ctx.argc() == 3 && !iequal(ctx.arg(2), "sync") && !iequal(ctx.arg(2), "async")) {
    ctx.w.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  for (auto& [name, lib] : libraries_) freeLibrary(lib);
  libraries_.clear();
  if (functions_ != nullptr) lua_close(functions_);
  functions_ = nullptr;
  ctx.server.propagate(ctx.argv);
  ctx.w.ok();
}

void Scripting::functionList(CommandContext& ctx) {
  bool withCode = false;
  bool havePattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!withCode && iequal(ctx.arg(i), "withcode")) {
      withCode = true;
      continue;
    }
    if (!havePattern && iequal(ctx.arg(i), "libraryname")) {
      if (i >= ctx.argc() - 1) {
        ctx.w.error("ERR library name argument was not given");
        return;
      }
      pattern = ctx.arg(++i);
      havePattern = true;
      continue;
    }
    ctx.w.error("ERR Unknown argument " + std::string(ctx.arg(i)));
    return;
  }
  std::vector<const Library*> libs;
  for (const auto& [name, lib] : libraries_) {
    if (havePattern && !config::globMatch(pattern, name, true)) continue;
    libs.push_back(&lib);
  }
  resp::Writer& w = ctx.w;
  w.arrayHeader(libs.size());
  for (const Library* lib : libs) {
    w.mapHeader(withCode ? 4 : 3);
    w.bulk("library_name");
    w.bulk(lib->name);
    w.bulk("engine");
    w.bulk("LUA");
    w.bulk("functions");
    w.arrayHeader(lib->functions.size());
    for (const Function& f : lib->functions) {
      w.mapHeader(3);
      w.bulk("name");
      w.bulk(f.name);
      w.bulk("description");
      if (f.hasDescription) {
        w.bulk(f.description);
      } else {
        w.null();
      }
      w.bulk("flags");
      std::vector<std::string_view> flags;
      if (f.flags & kFlagNoWrites) flags.push_back("no-writes");
      if (f.flags & kFlagAllowOom) flags.push_back("allow-oom");
      if (f.flags & kFlagAllowStale) flags.push_back("allow-stale");
      if (f.flags & kFlagNoCluster) flags.push_back("no-cluster");
      if (f.flags & kFlagAllowCrossSlot) flags.push_back("allow-cross-slot-keys");
      w.setHeader(flags.size());
      for (std::string_view fl : flags) w.simpleString(fl);  // status replies, as Redis
    }
    if (withCode) {
      w.bulk("library_code");
      w.bulk(lib->code);
    }
  }
}

void Scripting::functionDump(CommandContext& ctx) {
  std::string out(kDumpMagic);
  out.push_back(static_cast<char>(kDumpVersion));
  for (const auto& [name, lib] : libraries_) {
    const auto n = static_cast<uint32_t>(lib.code.size());
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    out.append(lib.code);
  }
  const uint64_t sum = fnv1a(out);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  ctx.w.bulk(out);
}

void Scripting::functionRestore(CommandContext& ctx) {
  enum { kAppend, kReplace, kFlush } policy = kAppend;
  if (ctx.argc() > 4) {
    ctx.w.error("ERR syntax error");
    return;
  }
  if (ctx.argc() == 4) {
    if (iequal(ctx.arg(3), "append")) {
      policy = kAppend;
    } else if (iequal(ctx.arg(3), "replace")) {
      policy = kReplace;
    } else if (iequal(ctx.arg(3), "flush")) {
      policy = kFlush;
    } else {
      ctx.w.error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  const std::string_view payload = ctx.arg(2);
  auto bad = [&] { ctx.w.error("ERR DUMP payload version or checksum are wrong"); };
  if (payload.size() < kDumpMagic.size() + 1 + 8 || !payload.starts_with(kDumpMagic) ||
      static_cast<uint8_t>(payload[kDumpMagic.size()]) != kDumpVersion) {
    return bad();
  }
  const std::string_view body = payload.substr(0, payload.size() - 8);
  uint64_t sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    sum = (sum << 8) | static_cast<unsigned char>(payload[payload.size() - 8 + i]);
  }
  if (sum != fnv1a(body)) return bad();
  std::vector<std::string_view> codes;
  size_t pos = kDumpMagic.size() + 1;
  while (pos < body.size()) {
    if (body.size() - pos < 4) return bad();
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(body[pos + i]);
    pos += 4;
    if (body.size() - pos < n) return bad();
    codes.push_back(body.substr(pos, n));
    pos += n;
  }
  // Validate everything first: libraries and functions must not collide (unless REPLACE).
  if (policy == kFlush) {
    for (auto& [name, lib] : libraries_) freeLibrary(lib);
    libraries_.clear();
  }
  std::string err;
  for (std::string_view code : codes) {
    std::string name;
    Library probe;
    size_t shebangLen = 0;
    if (!libraryMetadata(code, probe.name, shebangLen, err)) break;
    if (policy == kAppend && libraries_.count(probe.name) != 0) {
      err = "ERR Library " + probe.name + " already exists";
      break;
    }
    if (!functionLoadCode(code, policy != kAppend, name, err)) break;
  }
  if (!err.empty()) {
    ctx.w.error(err);
    return;
  }
  ctx.server.propagate(ctx.argv);
  ctx.w.ok();
}

void Scripting::functionStats(CommandContext& ctx) {
  resp::Writer& w = ctx.w;
  w.mapHeader(2);
  w.bulk("running_script");
  if (run_ == nullptr) {
    w.null();
  } else {
    w.mapHeader(3);
    w.bulk("name");
    w.bulk(run_->name);
    w.bulk("command");
    w.arrayHeader(run_->argv.size());
    for (const std::string& a : run_->argv) w.bulk(a);
    w.bulk("duration_ms");
    w.integer(nowMs() - run_->startMs);
  }
  w.bulk("engines");
  w.mapHeader(1);
  w.bulk("LUA");
  w.mapHeader(2);
  w.bulk("libraries_count");
  w.integer(static_cast<int64_t>(libraries_.size()));
  w.bulk("functions_count");
  w.integer(static_cast<int64_t>(functionsCount()));
}

}  // namespace strata::node
