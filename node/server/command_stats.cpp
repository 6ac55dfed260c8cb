// Per-command statistics (INFO commandstats, latency metrics). PLACEHOLDER until they land.
#include "node/server/server.h"

namespace strata::node {

void Server::commandStatsRecord(const CommandDef&, int64_t) {}

}  // namespace strata::node
