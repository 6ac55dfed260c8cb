// Persistence commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void bgrewriteaof(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
