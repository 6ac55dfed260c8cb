// Stream commands (XADD, XRANGE, XREAD, consumer groups, XINFO): PLACEHOLDERS answering unknown
// command until the stream family lands.
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void xadd(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xrange(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xrevrange(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xlen(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xdel(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xtrim(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xread(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xreadgroup(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xack(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xpending(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xclaim(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xautoclaim(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xsetid(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xgroupCreate(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xgroupSetid(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xgroupDestroy(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xgroupCreateconsumer(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xgroupDelconsumer(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xgroupHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xinfoStream(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xinfoGroups(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xinfoConsumers(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void xinfoHelp(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
