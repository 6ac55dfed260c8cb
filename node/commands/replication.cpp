// Replication commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void replicaof(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void slaveof(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void psync(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void sync(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void replconf(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void wait(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void failover(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
