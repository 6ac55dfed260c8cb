// maxmemory admission and eviction. PLACEHOLDER: admits everything until eviction lands.
#include "node/server/server.h"

namespace strata::node {

bool Server::memoryGate(Client&, const CommandDef&) {
  return true;
}

}  // namespace strata::node
