// Cluster-wide PUBLISH / SPUBLISH over the cluster bus: PUBLISH reaches every node (each delivers
// to its own subscribers through Server::publishLocal), SPUBLISH only the nodes of this shard
// (the master of the channel's slot and its replicas). No-op without cluster mode. Event loop.
#include "node/cluster/cluster.h"
#include "node/server/server.h"

namespace strata::node {

void Server::clusterPublish(std::string_view channel, std::string_view message, bool sharded) {
  if (cluster_) cluster_->publish(channel, message, sharded);
}

}  // namespace strata::node
