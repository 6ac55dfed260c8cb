// MULTI queueing and WATCH state. PLACEHOLDER until transactions land.
#include "node/server/server.h"

namespace strata::node {

bool Server::transactionGate(Client&, const CommandDef&, const std::vector<std::string_view>&) {
  return true;
}

}  // namespace strata::node
