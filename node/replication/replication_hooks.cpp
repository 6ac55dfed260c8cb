// Replication control entry points used by REPLICAOF and by cluster mode. PLACEHOLDER bodies until
// replication lands (the node acts as a master that never follows anyone).
#include "node/server/server.h"

namespace strata::node {

void Server::replicateFrom(const std::string&, int) {}
void Server::stopReplicating() {}
bool Server::isReplica() const {
  return false;
}
int64_t Server::replicationOffset() const {
  return 0;
}

}  // namespace strata::node
