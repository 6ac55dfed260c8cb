// Pub/sub state and the RESP2 subscriber-context gate. PLACEHOLDER until pub/sub lands.
#include "node/server/server.h"

namespace strata::node {

bool Server::pubsubGate(Client&, const CommandDef&) {
  return true;
}

}  // namespace strata::node
