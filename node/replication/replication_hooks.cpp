// Replication control entry points used by REPLICAOF and by cluster mode (CLUSTER REPLICATE,
// failover): thin forwards to the Replication subsystem (replication.h).
#include "node/replication/replication.h"
#include "node/server/server.h"

namespace strata::node {

void Server::replicateFrom(const std::string& host, int port) {
  replication_->replicateFrom(host, port);
}
void Server::stopReplicating() {
  replication_->stopReplicating();
}
bool Server::isReplica() const {
  return replication_->isReplica();
}
int64_t Server::replicationOffset() const {
  return replication_->offset();
}

}  // namespace strata::node
