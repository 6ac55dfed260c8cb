// CLIENT PAUSE/UNPAUSE/REPLY/UNBLOCK/NO-EVICT. PLACEHOLDER rows: each answers like an unknown
// command until the family lands (declared in handlers.h, bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void clientPause(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clientUnpause(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clientReply(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clientUnblock(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clientNoEvict(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
