// Replication's admission gate (Redis's processCommand checks, in its order): -LOADING while a
// replica loads a full sync, -READONLY for writes on a read-only replica, -NOREPLICAS when
// min-replicas-to-write is not met on a master. The master's own stream never comes here (the
// link calls Server::call() directly).
#include "node/replication/replication.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

bool Server::replicaGate(Client& client, const CommandDef& def,
                         const std::vector<std::string_view>& argv) {
  Replication& repl = *replication_;
  if (repl.isReplica()) {
    if (repl.loading() && !def.hasFlag("loading")) {
      client.writer().error("LOADING Redis is loading the dataset in memory");
      return false;
    }
    if (settings_.replicaReadOnly && writesByAdmission(def, argv) && !repl.isMasterClient(client)) {
      client.writer().error("READONLY You can't write against a read only replica.");
      return false;
    }
    return true;
  }
  if (!repl.enoughGoodReplicas() && writesByAdmission(def, argv)) {
    client.writer().error("NOREPLICAS Not enough good replicas to write.");
    return false;
  }
  return true;
}

}  // namespace strata::node
