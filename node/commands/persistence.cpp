// Persistence commands: BGREWRITEAOF (the AOF and its rewrite live in node/persistence/).
#include "node/persistence/persistence.h"
#include "node/commands/handlers.h"
#include "node/server/server.h"

namespace strata::node::cmd {

void bgrewriteaof(CommandContext& ctx) {
  bool ok = false;
  std::string reply = ctx.server.persistence().bgrewriteaof(ok);
  if (!ok) return ctx.w.error(reply);
  ctx.w.simpleString(reply);
}

}  // namespace strata::node::cmd
