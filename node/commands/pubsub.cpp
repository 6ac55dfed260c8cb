// Pubsub commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void subscribe(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void psubscribe(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void unsubscribe(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void punsubscribe(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void publish(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void ssubscribe(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void sunsubscribe(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void spublish(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pubsubChannels(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pubsubNumpat(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pubsubNumsub(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pubsubShardchannels(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pubsubShardnumsub(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void pubsubHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
