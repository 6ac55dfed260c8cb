// Geo commands (GEOADD, GEOSEARCH, GEORADIUS ...): PLACEHOLDERS answering unknown command until
// they land.
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void geoadd(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void geodist(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void geohash(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void geopos(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void geosearch(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void geosearchstore(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void georadius(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void georadius_ro(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void georadiusbymember(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void georadiusbymember_ro(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
