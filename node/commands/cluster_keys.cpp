// CLUSTER GETKEYSINSLOT / COUNTKEYSINSLOT: the key-enumeration subcommands of CLUSTER, owned
// apart from cluster.cpp (cluster state, bus, topology) because they only read the keyspace's
// per-slot index (Keyspace::countKeysInSlot / keysInSlot, kept when cluster-enabled). Replies and
// errors as Redis 7.0's clusterCommand. Event-loop thread.
#include <string>
#include <vector>

#include "common/slots/key_slot.h"
#include "node/commands/handlers.h"
#include "node/server/server.h"

namespace strata::node::cmd {

namespace {

// clusterCommand's first check, before any subcommand.
bool clusterEnabledOrReply(CommandContext& ctx) {
  if (ctx.server.settings().clusterEnabled) return true;
  ctx.w.error("ERR This instance has cluster support disabled");
  return false;
}

}  // namespace

// CLUSTER GETKEYSINSLOT slot count
void clusterGetkeysinslot(CommandContext& ctx) {
  if (!clusterEnabledOrReply(ctx)) return;
  int64_t slot = 0, maxKeys = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), slot) || !intArgOrReply(ctx, ctx.arg(3), maxKeys)) return;
  if (slot < 0 || slot >= slots::kSlotCount || maxKeys < 0) {
    ctx.w.error("ERR Invalid slot or number of keys");
    return;
  }
  std::vector<std::string> keys;
  const size_t have = ctx.ks.countKeysInSlot(static_cast<uint16_t>(slot));
  keys.reserve(std::min(have, static_cast<size_t>(maxKeys)));
  ctx.ks.keysInSlot(static_cast<uint16_t>(slot), static_cast<size_t>(maxKeys), keys);
  ctx.w.arrayHeader(keys.size());
  for (const auto& k : keys) ctx.w.bulk(k);
}

// CLUSTER COUNTKEYSINSLOT slot
void clusterCountkeysinslot(CommandContext& ctx) {
  if (!clusterEnabledOrReply(ctx)) return;
  int64_t slot = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), slot)) return;
  if (slot < 0 || slot >= slots::kSlotCount) {
    ctx.w.error("ERR Invalid slot");
    return;
  }
  ctx.w.integer(static_cast<int64_t>(ctx.ks.countKeysInSlot(static_cast<uint16_t>(slot))));
}

}  // namespace strata::node::cmd
