// Lua scripting and functions (EVAL, EVALSHA, SCRIPT, FCALL, FUNCTION): PLACEHOLDERS answering
// unknown command until scripting lands.
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void eval(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void evalsha(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void eval_ro(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void evalsha_ro(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void scriptLoad(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void scriptExists(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void scriptFlush(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void scriptKill(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void scriptHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void fcall(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void fcall_ro(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionLoad(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionDelete(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionList(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionFlush(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionDump(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionRestore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionStats(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionKill(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void functionHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
