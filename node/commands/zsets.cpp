// Zsets commands. PLACEHOLDER rows: each answers like an unknown command until
// its family lands (the handler is declared in handlers.h and bound by the generated table).
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void zadd(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zincrby(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrem(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zcard(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zcount(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zlexcount(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zscore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zmscore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrank(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrevrank(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrange(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrangestore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrangebyscore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrevrangebyscore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrangebylex(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrevrangebylex(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrevrange(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zremrangebyrank(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zremrangebyscore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zremrangebylex(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zunion(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zinter(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zdiff(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zunionstore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zinterstore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zdiffstore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zintercard(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zpopmin(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zpopmax(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zmpop(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bzpopmin(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bzpopmax(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bzmpop(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zrandmember(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void zscan(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
