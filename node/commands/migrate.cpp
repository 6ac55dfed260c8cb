// Migrate commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void dump(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void restore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void restoreAsking(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void migrate(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
