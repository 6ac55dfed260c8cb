// Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD): PLACEHOLDERS answering
// unknown command until they land.
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void setbit(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void getbit(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bitcount(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bitpos(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bitop(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bitfield(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void bitfield_ro(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
