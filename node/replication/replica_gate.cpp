// Replication's admission gates (Redis 7.0's processCommand checks, in its order): replicaGate:
// -READONLY for writes on a read-only replica, -NOREPLICAS when min-replicas-to-write is not met
// on a master; staleGate: -MASTERDOWN for non-stale commands while the master link is down and
// replica-serve-stale-data is no; loadingGate: -LOADING while a replica loads a full sync. The
// master's own stream never comes here (the link calls Server::call() directly).
#include "common/errors.h"
#include "node/replication/replication.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr auto kStale = static_cast<uint32_t>(CommandFlag::kStale);

}  // namespace

bool Server::deniedWhenStale(Client& client, const CommandDef& def,
                             const std::vector<std::string_view>& argv) {
  if (!(admissionFlags(def, argv) & kStale)) return true;
  return def.name == "exec" && (queuedAdmissionFlags(client, true) & kStale) != 0;
}

bool Server::replicaGate(Client& client, const CommandDef& def,
                         const std::vector<std::string_view>& argv) {
  Replication& repl = *replication_;
  if (repl.isReplica()) {
    if (settings_.replicaReadOnly && writesByAdmission(def, argv) && !repl.isMasterClient(client)) {
      client.writer().error("READONLY You can't write against a read only replica.");
      return false;
    }
    return true;
  }
  if (!repl.enoughGoodReplicas() && writesByAdmission(def, argv)) {
    client.writer().error("NOREPLICAS Not enough good replicas to write.");
    return false;
  }
  return true;
}

// replica-serve-stale-data no: while the link is down only "stale" commands are served (a script
// by its allow-stale flag; EXEC only if every queued command is one). After pubsubGate, as in
// 7.0's processCommand: a RESP2 subscriber's GET gets the pub/sub context error first.
bool Server::staleGate(Client& client, const CommandDef& def,
                       const std::vector<std::string_view>& argv) {
  if (settings_.replicaServeStaleData) return true;
  const Replication& repl = *replication_;
  if (!repl.isReplica() || repl.masterLinkUp() || !deniedWhenStale(client, def, argv)) return true;
  client.writer().error(errors::kMasterDown);
  return false;
}

// After MASTERDOWN, as 7.0: a write sent to a read-only replica during its load gets -READONLY.
bool Server::loadingGate(Client& client, const CommandDef& def) {
  const Replication& repl = *replication_;
  if (!repl.loading() || !repl.isReplica() || def.hasFlag("loading")) return true;
  client.writer().error("LOADING Redis is loading the dataset in memory");
  return false;
}

}  // namespace strata::node
