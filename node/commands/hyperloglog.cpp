// HyperLogLog commands (PFADD, PFCOUNT, PFMERGE): PLACEHOLDERS answering unknown command until
// they land.
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void pfadd(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pfcount(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pfmerge(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
