// Cluster admission (MOVED, ASK, CROSSSLOT, TRYAGAIN, CLUSTERDOWN). PLACEHOLDER: admits
// everything until cluster mode lands.
#include "node/server/server.h"

namespace strata::node {

bool Server::clusterGate(Client&, const CommandDef&, const std::vector<std::string_view>&) {
  return true;
}

}  // namespace strata::node
