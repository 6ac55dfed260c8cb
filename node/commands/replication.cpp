// Replication commands: REPLICAOF / SLAVEOF (follow a master or stop), PSYNC and SYNC (a
// replica asks for the stream), REPLCONF (handshake options, ACK, GETACK) and WAIT. The state
// and the protocol live in node/replication/replication.cpp; these parse and answer as Redis 7.0.
// FAILOVER (standalone coordinated failover) is not implemented: it answers as unknown.
#include "node/replication/replication.h"
#include "common/config/value_parsers.h"
#include "node/commands/handlers.h"
#include "node/server/server.h"

namespace strata::node::cmd {

namespace {

void replicaofImpl(CommandContext& ctx) {
  Server& s = ctx.server;
  if (s.settings().clusterEnabled) {
    ctx.w.error("ERR REPLICAOF not allowed in cluster mode.");
    return;
  }
  if (config::equalsNoCase(ctx.arg(1), "no") && config::equalsNoCase(ctx.arg(2), "one")) {
    s.stopReplicating();
    ctx.w.ok();
    return;
  }
  if (s.replication().isReplicaClient(ctx.client)) {
    ctx.w.error("ERR Command is not valid when client is a replica.");
    return;
  }
  int64_t port = 0;
  if (!parseInt64(ctx.arg(2), port) || port < 0 || port > 65535) {
    ctx.w.error("ERR Invalid master port");
    return;
  }
  const std::string host(ctx.arg(1));
  if (s.replication().sameMaster(host, static_cast<int>(port))) {
    ctx.w.simpleString("OK Already connected to specified master");
    return;
  }
  s.replicateFrom(host, static_cast<int>(port));
  ctx.w.ok();
}

}  // namespace

void replicaof(CommandContext& ctx) {
  replicaofImpl(ctx);
}
void slaveof(CommandContext& ctx) {
  replicaofImpl(ctx);
}
void psync(CommandContext& ctx) {
  ctx.server.replication().psync(ctx, false);
}
void sync(CommandContext& ctx) {
  ctx.server.replication().psync(ctx, true);
}
void replconf(CommandContext& ctx) {
  ctx.server.replication().replconf(ctx);
}
void wait(CommandContext& ctx) {
  ctx.server.replication().wait(ctx);
}
void role(CommandContext& ctx) {
  ctx.server.replication().role(ctx.w);
}

}  // namespace strata::node::cmd
