// CLUSTER GETKEYSINSLOT / COUNTKEYSINSLOT: the key-enumeration subcommands of CLUSTER, owned
// apart from cluster.cpp (cluster state, bus, topology) because they only read the keyspace's
// per-slot index (Keyspace::countKeysInSlot / keysInSlot). PLACEHOLDERS until the index lands.
#include "node/commands/handlers.h"

namespace strata::node::cmd {

void clusterGetkeysinslot(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}
void clusterCountkeysinslot(CommandContext& ctx) {
  replyUnknownCommand(ctx);
}

}  // namespace strata::node::cmd
