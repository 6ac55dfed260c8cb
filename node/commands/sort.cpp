// SORT / SORT_RO and LCS: PLACEHOLDERS answering unknown command until they land.
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void sort(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void sort_ro(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void lcs(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
