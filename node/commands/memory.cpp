// Memory commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void memoryUsage(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void memoryStats(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void memoryDoctor(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void memoryPurge(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void memoryMallocStats(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void memoryHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
