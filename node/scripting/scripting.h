// Lua scripting and functions (Redis 7.0's eval.c, function_lua.c, script_lua.c, script.c):
//
//   EVAL/EVALSHA ──> script cache (sha -> compiled f_<sha> in the eval Lua state) ──┐
//   FCALL ─────────> function libraries (name -> Lua function, flags) ─── functions Lua state
//                                                                                   │ run()
//   redis.call/pcall ──> checks (noscript, read-only, OOM, cluster slot) ──> Server::call()
//                        with the engine's own Client (its reply parsed back into Lua values)
//
// One Scripting per Server (Server::scripting(), created on first use, defined here). It owns
// two Lua 5.1 states as Redis does (EVAL scripts; function libraries), the script cache, the
// libraries and the running script's context. While a script runs, Server::inExec() is set so
// blocking commands do not block and blocked clients are served after the script; the effects
// propagate as the individual write commands, wrapped in MULTI/EXEC (Redis 7.0's effects
// replication). Script errors never cross a C++ frame: Lua raises (longjmp) only from C entry
// points holding no object with a destructor. Event-loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/net/handles.h"

struct lua_State;

namespace strata::node {

class Server;
class Client;
struct CommandContext;
struct CommandDef;

class Scripting {
 public:
  explicit Scripting(Server& server);
  ~Scripting();
  Scripting(const Scripting&) = delete;
  Scripting& operator=(const Scripting&) = delete;

  // Command entry points (node/commands/scripting.cpp forwards to them).
  void eval(CommandContext& ctx, bool bySha, bool readOnly);
  void scriptLoad(CommandContext& ctx);
  void scriptExists(CommandContext& ctx);
  void scriptFlush(CommandContext& ctx);
  void scriptKill(CommandContext& ctx, bool function);
  void fcall(CommandContext& ctx, bool readOnly);
  void functionLoad(CommandContext& ctx);
  void functionDelete(CommandContext& ctx);
  void functionList(CommandContext& ctx);
  void functionFlush(CommandContext& ctx);
  void functionDump(CommandContext& ctx);
  void functionRestore(CommandContext& ctx);
  void functionStats(CommandContext& ctx);

  // INFO memory fields.
  // Redis's getCommandFlags for EVAL* / FCALL*: when the script declared flags (a shebang, a
  // function's flags) the command's denyoom / write / stale come from them
  // (scriptFlagsToCmdFlags): denyoom unless allow-oom or no-writes, write unless no-writes,
  // stale with allow-stale. An unknown script, one without a shebang and every other command
  // keep def.flagBits. Hashes an EVAL body: only the gates that act on the flags call it.
  uint32_t commandFlags(const CommandDef& def, const std::vector<std::string_view>& argv) const;

  size_t cachedScripts() const { return scripts_.size(); }
  size_t luaMemory() const;
  size_t scriptsMemory() const;
  size_t functionsMemory() const;
  size_t functionsCount() const;
  size_t librariesCount() const { return libraries_.size(); }
  size_t librariesMemory() const;
  // The code of every function library (AOF rewrite base, full sync: FUNCTION LOAD each).
  void forEachLibraryCode(const std::function<void(std::string_view)>& fn) const;
  // True while a script runs (and, once past busy-reply-threshold, other clients get -BUSY).
  bool running() const { return run_ != nullptr; }
  // Server::execute's gate while a script is busy: false (after answering -BUSY) unless the
  // command is allowed then (SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN NOSAVE, ...).
  bool busyGate(Client& client, const CommandDef& def);
  bool killRequested() const;

  // Called from the Lua C callbacks (lua_engine.cpp).
  // The running script's context (Redis's scriptRunCtx).
  struct Run {
    Client* caller = nullptr;
    std::string name;  // sha for EVAL, the function name for FCALL
    bool isFunction = false;
    bool readOnly = false;
    uint64_t flags = 0;
    bool obey = false;  // the master's stream or the AOF: no checks
    bool oom = false;   // over maxmemory when the script started
    bool wrote = false;
    bool busy = false;
    bool killed = false;
    int slot = -1;
    int64_t startMs = 0;
    std::vector<std::string> argv;  // for FUNCTION STATS
  };
  Run* currentRun() { return run_; }
  Server& server() { return server_; }
  // redis.call / redis.pcall: returns the number of pushed results, or -1 with an error table
  // pushed (the caller raises it).
  int luaCall(lua_State* L, bool raise);
  // redis.setresp(): the protocol of the replies redis.call returns (and of booleans returned).
  void setScriptResp(int resp);
  int scriptResp() const { return scriptResp_; }
  // The Lua hook of a running script: BUSY state, SCRIPT KILL.
  void onHook(lua_State* L);
  // redis.register_function during FUNCTION LOAD (-1 with an error message pushed).
  int registerFunction(lua_State* L);

 private:
  struct Function {
    std::string name;
    int ref = -1;  // the callback in the functions state's registry
    uint64_t flags = 0;
    std::string description;
    bool hasDescription = false;
  };
  struct Library {
    std::string name;
    std::string code;
    std::vector<Function> functions;
  };

  lua_State* evalState();
  lua_State* functionsState();
  void resetEvalState();
  void resetFunctionsState();
  // Compiles `body` into f_<sha> of the eval state; false with `err` (the full error text).
  bool createEvalFunction(std::string_view body, const std::string& sha, uint64_t& flags,
                          std::string& err);
  // Runs the function at the top of the stack of `L` (keys/args passed as KEYS/ARGV globals for
  // EVAL, as two table arguments for FCALL) and writes its reply.
  // `nargs` arguments are on the stack above the function.
  void runScript(CommandContext& ctx, lua_State* L, bool isFunction, const std::string& name,
                 uint64_t flags, bool readOnlyCommand, size_t numkeys, int nargs);
  // Loads a library from `code` into the functions state: its functions are appended to
  // `lib`; false with `err`.
  bool loadLibrary(std::string_view code, Library& lib, std::string& err);
  void freeLibrary(Library& lib);
  // FUNCTION LOAD's work: false with `err` (the error reply text).
  bool functionLoadCode(std::string_view code, bool replace, std::string& name, std::string& err);
  const Function* findFunction(std::string_view name) const;
  // numkeys of EVAL/FCALL (argv[2]) checked as Redis 7.0 does, in its order; `notInteger` is the
  // one text that differs between them. False after replying the error.
  static bool numkeysOrReply(CommandContext& ctx, std::string_view notInteger, int64_t& numkeys);

  Server& server_;
  lua_State* eval_ = nullptr;
  lua_State* functions_ = nullptr;
  net::UniqueFd clientPeer_;        // the other end of client_'s socketpair (kept open, idle)
  std::unique_ptr<Client> client_;  // the engine's own client (fake connection)
  std::unordered_map<std::string, std::string> scripts_;  // sha -> body
  size_t scriptsBytes_ = 0;
  std::map<std::string, Library> libraries_;  // by name
  Run* run_ = nullptr;
  Library* loading_ = nullptr;
  int scriptResp_ = 2;                 // the library FUNCTION LOAD is building
  std::vector<std::string> argStore_;  // redis.call's arguments (reused)
  std::vector<std::string_view> argViews_;
};

}  // namespace strata::node
