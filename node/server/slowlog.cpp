// The slow log. PLACEHOLDER until SLOWLOG lands.
#include "node/server/server.h"

namespace strata::node {

void Server::slowlogRecord(Client&, const CommandDef&, const std::vector<std::string_view>&,
                           int64_t) {}

}  // namespace strata::node
