// Lua scripting and functions: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FCALL, FCALL_RO,
// FUNCTION *. Thin handlers over the Server's Scripting (node/scripting/scripting.h), which owns
// the Lua states, the script cache and the function libraries.
#include "node/scripting/scripting.h"
#include "node/commands/handlers.h"
#include "node/server/server.h"

namespace strata::node::cmd {

void eval(CommandContext& ctx) {
  ctx.server.scripting().eval(ctx, false, false);
}
void evalsha(CommandContext& ctx) {
  ctx.server.scripting().eval(ctx, true, false);
}
void eval_ro(CommandContext& ctx) {
  ctx.server.scripting().eval(ctx, false, true);
}
void evalsha_ro(CommandContext& ctx) {
  ctx.server.scripting().eval(ctx, true, true);
}
void scriptLoad(CommandContext& ctx) {
  ctx.server.scripting().scriptLoad(ctx);
}
void scriptExists(CommandContext& ctx) {
  ctx.server.scripting().scriptExists(ctx);
}
void scriptFlush(CommandContext& ctx) {
  ctx.server.scripting().scriptFlush(ctx);
}
void scriptKill(CommandContext& ctx) {
  ctx.server.scripting().scriptKill(ctx, false);
}
void scriptHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
  };
  replyHelp(ctx, "SCRIPT", kLines);
}
void fcall(CommandContext& ctx) {
  ctx.server.scripting().fcall(ctx, false);
}
void fcall_ro(CommandContext& ctx) {
  ctx.server.scripting().fcall(ctx, true);
}
void functionLoad(CommandContext& ctx) {
  ctx.server.scripting().functionLoad(ctx);
}
void functionDelete(CommandContext& ctx) {
  ctx.server.scripting().functionDelete(ctx);
}
void functionList(CommandContext& ctx) {
  ctx.server.scripting().functionList(ctx);
}
void functionFlush(CommandContext& ctx) {
  ctx.server.scripting().functionFlush(ctx);
}
void functionDump(CommandContext& ctx) {
  ctx.server.scripting().functionDump(ctx);
}
void functionRestore(CommandContext& ctx) {
  ctx.server.scripting().functionRestore(ctx);
}
void functionStats(CommandContext& ctx) {
  ctx.server.scripting().functionStats(ctx);
}
void functionKill(CommandContext& ctx) {
  ctx.server.scripting().scriptKill(ctx, true);
}
void functionHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using "
      "FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance "
      "of failure",
      "      in case of functions name collision with another library).",
  };
  replyHelp(ctx, "FUNCTION", kLines);
}

}  // namespace strata::node::cmd
