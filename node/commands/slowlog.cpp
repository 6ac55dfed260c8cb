// Slowlog commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void slowlogGet(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void slowlogLen(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void slowlogReset(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void slowlogHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
