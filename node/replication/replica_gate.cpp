// Read-only replica admission. PLACEHOLDER: admits everything until replication lands.
#include "node/server/server.h"

namespace strata::node {

bool Server::replicaGate(Client&, const CommandDef&) {
  return true;
}

}  // namespace strata::node
