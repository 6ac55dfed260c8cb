// Cluster-wide PUBLISH / SPUBLISH over the cluster bus. PLACEHOLDER until the bus lands: a node
// without cluster mode has no one else to tell.
#include "node/server/server.h"

namespace strata::node {

void Server::clusterPublish(std::string_view, std::string_view, bool) {}

}  // namespace strata::node
