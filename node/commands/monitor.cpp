// MONITOR as redis-server 7.0: the client starts receiving every command the server runs
// (server/monitor.cpp feeds it). A client already monitoring gets no reply, as in Redis;
// inside EXEC it is refused.
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node::cmd {

void monitor(CommandContext& ctx) {
  if (ctx.server.inExec()) {  // Redis: a MULTI client expects one reply per command
    ctx.w.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (ctx.server.startMonitoring(ctx.client)) ctx.w.ok();
}

}  // namespace strata::node::cmd
