// Propagation of write commands to the AOF and replicas. PLACEHOLDER until the AOF lands.
#include "node/server/server.h"

namespace strata::node {

void Server::propagateCommand(const CommandDef&, const std::vector<std::string_view>&) {}

}  // namespace strata::node
