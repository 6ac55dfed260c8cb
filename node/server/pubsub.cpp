// Pub/sub state and the RESP2 subscriber-context gate. PLACEHOLDER until pub/sub lands.
#include "node/server/server.h"

namespace strata::node {

size_t Server::publishLocal(std::string_view, std::string_view, bool) {
  return 0;
}

bool Server::pubsubGate(Client&, const CommandDef&) {
  return true;
}

}  // namespace strata::node
