// Transactions commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void multi(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void exec(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void discard(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void watch(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void unwatch(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
