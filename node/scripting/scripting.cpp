// Scripting (see scripting.h): the eval and functions Lua states, EVAL/EVALSHA/SCRIPT, the
// redis.call path with Redis 7.0's checks, the run context and the BUSY hook. The FUNCTION
// commands and libraries are in functions.cpp. Event-loop thread only.
#include "node/scripting/scripting.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "common/errors.h"
#include "common/slots/key_slot.h"
#include "node/cluster/cluster.h"
#include "node/commands/handlers.h"
#include "node/persistence/persistence.h"
#include "node/persistence/propagation.h"
#include "node/persistence/snapshot.h"
#include "node/replication/replication.h"
#include "node/scripting/lua_api.h"
#include "node/server/acl.h"
#include "node/server/client.h"
#include "node/server/command_keys.h"
#include "node/server/server.h"

namespace strata::node {

using namespace scripting;

namespace {

constexpr uint64_t kScriptClientId = UINT64_MAX - 3;
constexpr int kHookInstructions = 100000;
constexpr std::string_view kBusyEvalError =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
constexpr std::string_view kBusyFunctionError =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
constexpr std::string_view kReadonlyReplicaError =
    "READONLY You can't write against a read only replica.";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void hookTrampoline(lua_State* L, lua_Debug*) {
  Scripting* s = ownerOf(L);
  s->onHook(L);
  Scripting::Run* run = s->currentRun();
  if (run != nullptr && s->killRequested()) {
    // Called every line from now on, so a pcall in the script cannot swallow the kill.
    lua_sethook(L, hookTrampoline, LUA_MASKLINE, 0);
    pushErrorTable(L, "Script killed by user with SCRIPT KILL...");
    lua_error(L);
  }
}

}  // namespace

bool Scripting::killRequested() const {
  return run_ != nullptr && run_->killed;
}

Scripting::Scripting(Server& server) : server_(server) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0) {
    clientPeer_.reset(sv[1]);
    client_ =
        std::make_unique<Client>(server_, net::UniqueFd(sv[0]), kScriptClientId, "lua", "lua");
    client_->setAuthenticated(true);
  }
  // The libraries travel with the dataset: AOF rewrite base, full sync (FUNCTION LOAD REPLACE
  // each, so a replica that had them already takes the master's).
  setSnapshotPrelude([this] {
    std::string out;
    forEachLibraryCode([&](std::string_view code) {
      appendRespCommand(out, {"FUNCTION", "LOAD", "REPLACE", code});
    });
    return out;
  });
}

Scripting::~Scripting() {
  setSnapshotPrelude(nullptr);
  for (auto& [name, lib] : libraries_) lib.functions.clear();
  if (eval_ != nullptr) lua_close(eval_);
  if (functions_ != nullptr) lua_close(functions_);
}

lua_State* Scripting::evalState() {
  if (eval_ == nullptr) eval_ = newState(this, StateKind::kEval);
  return eval_;
}

lua_State* Scripting::functionsState() {
  if (functions_ == nullptr) {
    functions_ = newState(this, StateKind::kFunctions);
    setLoadingApi(functions_, false);
  }
  return functions_;
}

void Scripting::resetEvalState() {
  if (eval_ != nullptr) lua_close(eval_);
  eval_ = nullptr;
  scripts_.clear();
  scriptsBytes_ = 0;
}

size_t Scripting::luaMemory() const {
  size_t total = 0;
  if (eval_ != nullptr) total += static_cast<size_t>(lua_gc(eval_, LUA_GCCOUNT, 0)) * 1024;
  if (eval_ == nullptr) total += 31 * 1024;  // an empty state, as Redis reports at start
  return total;
}

size_t Scripting::scriptsMemory() const {
  return scriptsBytes_;
}

size_t Scripting::functionsMemory() const {
  return functions_ != nullptr ? static_cast<size_t>(lua_gc(functions_, LUA_GCCOUNT, 0)) * 1024 : 0;
}

void Scripting::setScriptResp(int resp) {
  scriptResp_ = resp;
  if (client_) {
    client_->setProtocol(resp == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2);
  }
}

// ---- shebang ---------------------------------------------------------------------------------

namespace {

// Redis's evalExtractShebangFlags: flags and the length of the shebang line (0 when none).
bool shebangFlags(std::string_view body, uint64_t& flags, size_t& shebangLen, std::string& err) {
  flags = kFlagEvalCompat;
  shebangLen = 0;
  if (!body.starts_with("#!")) return true;
  const size_t nl = body.find('\n');
  shebangLen = nl == std::string_view::npos ? body.size() : nl;
  const std::string_view line = body.substr(0, shebangLen);
  std::vector<std::string_view> parts;
  size_t i = 2;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) parts.push_back(line.substr(i, j - i));
    i = j;
  }
  if (parts.empty() || parts[0] != "lua") {
    err = "ERR Unexpected engine in script shebang: " + std::string(line);
    return false;
  }
  flags = 0;
  for (size_t p = 1; p < parts.size(); ++p) {
    std::string_view part = parts[p];
    if (!part.starts_with("flags=")) {
      err = "ERR Unknown lua shebang option: " + std::string(part);
      return false;
    }
    part.remove_prefix(6);
    size_t s = 0;
    while (s <= part.size()) {
      size_t e = part.find(',', s);
      if (e == std::string_view::npos) e = part.size();
      const std::string_view name = part.substr(s, e - s);
      if (!name.empty()) {
        const uint64_t f = flagByName(name);
        if (f == 0) {
          err = "ERR Unexpected flag in script shebang: " + std::string(name);
          return false;
        }
        flags |= f;
      }
      s = e + 1;
    }
  }
  return true;
}

}  // namespace

bool Scripting::createEvalFunction(std::string_view body, const std::string& sha, uint64_t& flags,
                                   std::string& err) {
  size_t shebangLen = 0;
  if (!shebangFlags(body, flags, shebangLen, err)) return false;
  lua_State* L = evalState();
  if (L == nullptr) {
    err = "ERR Lua state could not be created";
    return false;
  }
  // The shebang line is left out but its newline kept: line numbers stay right.
  if (luaL_loadbuffer(L, body.data() + shebangLen, body.size() - shebangLen, "@user_script") != 0) {
    err = std::string("ERR Error compiling script (new function): ") +
          (lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    return false;
  }
  const std::string key = "f_" + sha;
  lua_pushlstring(L, key.data(), key.size());
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  auto [it, inserted] = scripts_.emplace(sha, std::string(body));
  if (inserted) scriptsBytes_ += body.size() + sha.size() + 64;
  return true;
}

// ---- command flags ---------------------------------------------------------------------------

uint32_t Scripting::commandFlags(const CommandDef& def,
                                 const std::vector<std::string_view>& argv) const {
  const uint32_t own = def.flagBits;
  if (argv.size() < 2) return own;
  const std::string_view name = def.name;
  uint64_t flags = kFlagEvalCompat;
  if (name == "fcall" || name == "fcall_ro") {
    const Function* f = findFunction(argv[1]);
    if (f == nullptr) return own;
    flags = f->flags;
  } else if (name == "eval" || name == "eval_ro" || name == "evalsha" || name == "evalsha_ro") {
    const bool bySha = name.starts_with("evalsha");
    if (bySha && argv[1].size() != 40) return own;
    auto it = scripts_.find(bySha ? lower(argv[1]) : sha1hex(argv[1]));
    if (it == scripts_.end() && bySha) return own;
    const std::string_view body = it == scripts_.end() ? argv[1] : std::string_view(it->second);
    size_t shebangLen = 0;
    std::string err;
    if (!shebangFlags(body, flags, shebangLen, err)) return own;
  } else {
    return own;
  }
  // A script without a shebang keeps the command's flags (stale included): runScript refuses
  // it on a stale replica, after EVAL's own argument checks (as 7.0's scriptPrepareForRun).
  if (flags & kFlagEvalCompat) return own;
  constexpr auto bit = [](CommandFlag f) { return static_cast<uint32_t>(f); };
  uint32_t bits =
      own & ~(bit(CommandFlag::kStale) | bit(CommandFlag::kDenyoom) | bit(CommandFlag::kWrite));
  if (!(flags & (kFlagAllowOom | kFlagNoWrites))) bits |= bit(CommandFlag::kDenyoom);
  if (!(flags & kFlagNoWrites)) bits |= bit(CommandFlag::kWrite);
  if (flags & kFlagAllowStale) bits |= bit(CommandFlag::kStale);
  return bits;
}

// ---- EVAL ------------------------------------------------------------------------------------

bool Scripting::numkeysOrReply(CommandContext& ctx, std::string_view notInteger, int64_t& numkeys) {
  if (!parseInt64(ctx.arg(2), numkeys)) {
    ctx.w.error(notInteger);
    return false;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    ctx.w.error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (numkeys < 0) {
    ctx.w.error("ERR Number of keys can't be negative");
    return false;
  }
  return true;
}

void Scripting::eval(CommandContext& ctx, bool bySha, bool readOnly) {
  int64_t numkeys = 0;
  if (!numkeysOrReply(ctx, "ERR value is not an integer or out of range", numkeys)) return;
  std::string sha;
  if (bySha) {
    sha = lower(ctx.arg(1).substr(0, 40));
  } else {
    sha = sha1hex(ctx.arg(1));
  }
  auto it = scripts_.find(sha);
  uint64_t flags = kFlagEvalCompat;
  if (it == scripts_.end() || eval_ == nullptr) {
    if (bySha) {
      ctx.w.error("NOSCRIPT No matching script. Please use EVAL.");
      return;
    }
    std::string err;
    if (!createEvalFunction(ctx.arg(1), sha, flags, err)) {
      ctx.w.error(err);
      return;
    }
  } else {
    size_t shebangLen = 0;
    std::string err;
    if (!shebangFlags(it->second, flags, shebangLen, err)) {
      ctx.w.error(err);
      return;
    }
  }
  lua_State* L = evalState();
  const std::string key = "f_" + sha;
  lua_pushlstring(L, key.data(), key.size());
  lua_rawget(L, LUA_REGISTRYINDEX);
  // KEYS and ARGV: globals of the eval state.
  pushGlobalsTable(L);
  const auto nk = static_cast<size_t>(numkeys);
  lua_createtable(L, static_cast<int>(nk), 0);
  for (size_t i = 0; i < nk; ++i) {
    lua_pushlstring(L, ctx.arg(3 + i).data(), ctx.arg(3 + i).size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  lua_setfield(L, -2, "KEYS");
  lua_createtable(L, static_cast<int>(ctx.argc() - 3 - nk), 0);
  for (size_t i = 3 + nk; i < ctx.argc(); ++i) {
    lua_pushlstring(L, ctx.arg(i).data(), ctx.arg(i).size());
    lua_rawseti(L, -2, static_cast<int>(i - 2 - nk));
  }
  lua_setfield(L, -2, "ARGV");
  lua_pop(L, 1);
  runScript(ctx, L, false, sha, flags, readOnly, nk, 0);
}

// ---- running ---------------------------------------------------------------------------------

void Scripting::runScript(CommandContext& ctx, lua_State* L, bool isFunction,
                          const std::string& name, uint64_t flags, bool readOnlyCommand,
                          size_t numkeys, int nargs) {
  // The function (and its arguments) are on the stack; every early exit pops them.
  Server& s = server_;
  const bool obey = s.persistence().loading() || s.replication().isMasterClient(ctx.client);
  auto refuse = [&](std::string_view err) {
    lua_pop(L, 1 + nargs);
    ctx.w.error(err);
  };
  bool oom = false;
  if (s.settings().maxmemory != 0 && !obey && client_) {
    const CommandDef* setDef = s.commands().find("set");
    const size_t before = client_->out().size();
    oom = setDef != nullptr && !s.memoryGate(*client_, *setDef, {});
    client_->out().resize(before);
  }
  if ((flags & kFlagEvalCompat) == 0) {
    if ((flags & kFlagNoCluster) && s.cluster() != nullptr) {
      return refuse("ERR Can not run script on cluster, 'no-cluster' flag is set.");
    }
    if (!(flags & (kFlagAllowOom | kFlagNoWrites)) && oom) {  // no-writes implies allow-oom
      return refuse(
          "OOM allow-oom flag is not set on the script, can not run it when used memory > "
          "'maxmemory'");
    }
    if (!(flags & kFlagNoWrites)) {
      if (s.isReplica() && s.settings().replicaReadOnly && !obey) {
        // Redis refuses it at admission, where such a script's EVAL/FCALL counts as a write
        // command ("Can not run script with write flag on readonly replica" comes later and is
        // out of reach for a plain call).
        return refuse(kReadonlyReplicaError);
      }
      if (readOnlyCommand) {
        return refuse("ERR Can not execute a script with write flag using *_ro command.");
      }
    }
  } else if (!obey && !s.settings().replicaServeStaleData && s.isReplica() &&
             !s.replication().masterLinkUp()) {
    // A script without a shebang on a stale replica (admitted: EVAL is flagged stale).
    return refuse(errors::kMasterDown);
  }
  if (!client_) return refuse("ERR scripting client could not be created");

  Run run;
  run.caller = &ctx.client;
  run.name = name;
  run.isFunction = isFunction;
  run.readOnly = readOnlyCommand || (flags & kFlagNoWrites);
  run.flags = flags;
  run.obey = obey;
  run.oom = oom;
  run.startMs = nowMs();
  if (s.cluster() != nullptr && numkeys > 0) {
    const size_t first = isFunction ? 3 : 3;
    run.slot = slots::keySlot(ctx.arg(first));
  }
  run.argv.reserve(ctx.argc());
  for (std::string_view a : ctx.argv) run.argv.emplace_back(a);
  client_->cluster = ctx.client.cluster;
  setScriptResp(2);

  run_ = &run;
  const bool wasInExec = s.txps().inExec;
  s.txps().inExec = true;  // blocking commands do not block; blocked clients wait for the end
  lua_sethook(L, hookTrampoline, LUA_MASKCOUNT, kHookInstructions);
  // Stack: function [args]; the error handler goes below them.
  pushErrorHandler(L);
  const int handler = lua_gettop(L) - nargs - 1;
  lua_insert(L, handler);
  const int status = lua_pcall(L, nargs, 1, handler);
  lua_sethook(L, nullptr, 0, 0);
  s.txps().inExec = wasInExec;
  // An error table from a failed redis.call() / pcall() was counted in the error stats when the
  // command failed: EVAL's own reply of it is not counted again (Redis's
  // ignore_error_stats_update).
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "ignore_error_stats_update");
    const bool counted = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (counted) {
      lua_getfield(L, -1, "err");
      if (status != 0 || lua_isstring(L, -1)) s.errorReplyAlreadyCounted();
      lua_pop(L, 1);
    }
  }
  if (status != 0) {
    std::string text = errorReplyText(L, name);
    lua_pop(L, 1);
    ctx.w.error(text);
  } else {
    writeLuaValue(L, ctx.w);  // pops the result
  }
  lua_pop(L, 1);  // the error handler
  run_ = nullptr;
  setScriptResp(2);
  if (run.busy) spdlog::warn("Slow script finished after {} ms", nowMs() - run.startMs);
  // Redis 7.0 replicates the effects: the script's write commands propagated by their own
  // calls, wrapped in MULTI/EXEC when more than one; the EVAL/FCALL itself never.
  if (s.propagationActive()) {
    s.persistence().propagator().markTransaction();
    s.preventPropagation();
  }
  lua_gc(L, LUA_GCSTEP, 1);
}

int Scripting::luaCall(lua_State* L, bool raise) {
  Run* run = run_;
  auto fail = [&](std::string_view err) {
    pushErrorTable(L, err);
    return raise ? -1 : 1;
  };
  // A refusal of the command itself (Redis's scriptCall errors) is counted in the error stats
  // as a failed command's reply would be, and marked the same way.
  auto refuse = [&](std::string_view err) {
    server_.countErrorReply(!err.empty() && err[0] == '-' ? std::string(err)
                                                          : "-ERR " + std::string(err));
    pushErrorTable(L, err);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ignore_error_stats_update");
    return raise ? -1 : 1;
  };
  if (run == nullptr) return fail("redis.call/pcall can only be called inside a script invocation");
  const int argc = lua_gettop(L);
  if (argc == 0) return fail("Please specify at least one argument for this redis lib call");
  if (argStore_.size() < static_cast<size_t>(argc)) argStore_.resize(static_cast<size_t>(argc));
  argViews_.clear();
  for (int j = 1; j <= argc; ++j) {
    std::string& slot = argStore_[static_cast<size_t>(j - 1)];
    const int t = lua_type(L, j);
    if (t == LUA_TNUMBER) {
      char buf[64];
      const int n =
          std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, j)));
      slot.assign(buf, static_cast<size_t>(n));
    } else if (t == LUA_TSTRING) {
      size_t len = 0;
      const char* p = lua_tolstring(L, j, &len);
      slot.assign(p, len);
    } else {
      return fail("Lua redis lib command arguments must be strings or integers");
    }
    argViews_.push_back(slot);
  }
  const CommandDef* def = server_.commands().find(argViews_[0]);
  if (def != nullptr && !def->subcommands.empty() && argc >= 2) {
    def = CommandTable::findSub(*def, argViews_[1]);
  }
  if (def == nullptr || (def->handler == nullptr && def->subcommands.empty())) {
    return refuse("Unknown Redis command called from script");
  }
  if ((def->arity > 0 && argc != def->arity) || argc < -def->arity || def->handler == nullptr) {
    return refuse("Wrong number of args calling Redis command from script");
  }
  if (def->hasFlag("noscript")) return refuse("This Redis command is not allowed from script");
  // scriptVerifyAllowStale: an allow-stale script on a stale replica runs stale commands only.
  if (!run->obey && !server_.settings().replicaServeStaleData && server_.isReplica() &&
      !server_.replication().masterLinkUp() && !def->hasFlag("stale")) {
    return refuse("Can not execute the command on a stale replica");
  }
  // scriptVerifyACL: the calling client's user (an ACL LOG entry with context lua).
  if (!run->obey && !run->caller->user->unrestricted) {
    size_t pos = 0;
    const Acl::Verdict v = server_.acl().check(*run->caller->user, *def, argViews_, pos);
    if (v != Acl::Verdict::kOk) {
      server_.acl().log(Acl::reasonName(v), "lua",
                        v == Acl::Verdict::kCommand ? def->name : argViews_[pos],
                        run->caller->user->name, run->caller->infoLine(server_.now()),
                        server_.now(), static_cast<size_t>(server_.settings().acllogMaxLen));
      return refuse(v == Acl::Verdict::kCommand
                        ? "The user executing the script can't run this command or subcommand"
                    : v == Acl::Verdict::kKey
                        ? "The user executing the script can't access at least one of the keys "
                          "mentioned in the command arguments"
                        : "The user executing the script can't publish to the channel mentioned "
                          "in the command");
    }
  }
  const bool write = def->hasFlag("write");
  // Writes and 7.0's MAY_REPLICATE commands (PUBLISH, SPUBLISH, PFCOUNT: server/txpubsub.h).
  if (run->readOnly && mayReplicate(*def)) {
    return refuse("Write commands are not allowed from read-only scripts.");
  }
  if (write && !run->wrote && !run->obey) {
    if (server_.isReplica() && server_.settings().replicaReadOnly) {
      return refuse(std::string("-").append(kReadonlyReplicaError));
    }
  }
  if (!(run->flags & kFlagAllowOom) && run->oom && !run->obey && !run->wrote &&
      def->hasFlag("denyoom")) {
    return refuse("-OOM command not allowed when used memory > 'maxmemory'.");
  }
  if (write) run->wrote = true;
  if (server_.cluster() != nullptr && !run->obey) {
    KeyPositions keys;
    routingKeys(*def, argViews_, keys);
    if (!keys.empty()) {
      const int slot = slots::keySlot(argViews_[keys[0]]);
      bool local = true;
      for (size_t k = 1; k < keys.size(); ++k) {
        if (slots::keySlot(argViews_[keys[k]]) != slot) local = false;
      }
      Cluster& c = *server_.cluster();
      ClusterNode* owner = c.slotOwner(slot);
      ClusterNode* me = c.myself();
      if (owner != me && !(c.importingFrom(slot) != nullptr && run->caller->cluster.asking) &&
          !(me->master != nullptr && owner == me->master && run->caller->cluster.readonly &&
            !write)) {
        local = false;
      }
      if (!local) return refuse("Script attempted to access a non local key in a cluster node");
      if (!(run->flags & kFlagAllowCrossSlot)) {
        if (run->slot == -1) {
          run->slot = slot;
        } else if (run->slot != slot) {
          return refuse("Script attempted to access keys that do not hash to the same slot");
        }
      }
    }
  }
  std::string& out = client_->out();
  out.clear();
  server_.call(*client_, *def, argViews_);
  size_t pos = 0;
  const bool isError = !out.empty() && out[0] == '-';
  pushReply(L, out.data(), out.size(), pos);
  out.clear();
  if (raise && isError) return -1;
  return 1;
}

// ---- BUSY / SCRIPT KILL ----------------------------------------------------------------------

void Scripting::onHook(lua_State*) {
  Run* run = run_;
  if (run == nullptr) return;
  const int64_t elapsed = nowMs() - run->startMs;
  if (elapsed < server_.settings().busyReplyThreshold) return;
  if (!run->busy) {
    run->busy = true;
    spdlog::warn(
        "Slow script detected: still in execution after {} milliseconds. You can try killing the "
        "script using the {} command. Script name is: {}.",
        elapsed, run->isFunction ? "FUNCTION KILL" : "SCRIPT KILL", run->name);
  }
  server_.serveWhileBusy(*run->caller);
  if (server_.shuttingDown()) run->killed = true;  // SHUTDOWN NOSAVE while busy
}

void Scripting::scriptKill(CommandContext& ctx, bool function) {
  Run* run = run_;
  if (run == nullptr) {
    ctx.w.error("NOTBUSY No scripts in execution right now.");
    return;
  }
  if (run->obey) {
    ctx.w.error(
        "UNKILLABLE The busy script was sent by a master instance in the context of replication "
        "and cannot be killed.");
    return;
  }
  if (run->wrote) {
    ctx.w.error(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.");
    return;
  }
  if (function != run->isFunction) {  // each KILL stops only its own kind
    ctx.w.error(function ? kBusyEvalError : kBusyFunctionError);
    return;
  }
  run->killed = true;
  ctx.w.ok();
}

bool Scripting::busyGate(Client& client, const CommandDef& def) {
  if (run_ == nullptr || !run_->busy || def.hasFlag("allow_busy")) return true;
  client.writer().error(run_->isFunction ? kBusyFunctionError : kBusyEvalError);
  return false;
}

// ---- SCRIPT ----------------------------------------------------------------------------------

void Scripting::scriptLoad(CommandContext& ctx) {
  const std::string sha = sha1hex(ctx.arg(2));
  if (scripts_.find(sha) == scripts_.end() || eval_ == nullptr) {
    uint64_t flags = 0;
    std::string err;
    if (!createEvalFunction(ctx.arg(2), sha, flags, err)) {
      ctx.w.error(err);
      return;
    }
  }
  ctx.w.bulk(sha);
}

void Scripting::scriptExists(CommandContext& ctx) {
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.w.integer(scripts_.count(lower(ctx.arg(i))) != 0 ? 1 : 0);
  }
}

void Scripting::scriptFlush(CommandContext& ctx) {
  if (ctx.argc() > 3 ||
      (ctx.argc() == 3 && lower(ctx.arg(2)) != "sync" && lower(ctx.arg(2)) != "async")) {
    ctx.w.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (run_ != nullptr) {  // cannot happen: SCRIPT is noscript
    ctx.w.error("ERR script running");
    return;
  }
  resetEvalState();
  ctx.w.ok();
}

}  // namespace strata::node
