// Cluster admission (Redis's getNodeByQuery + clusterRedirectClient): the keys of the command
// (from its key specs) must hash to one slot (-CROSSSLOT), the slot must be served
// (-CLUSTERDOWN Hash slot not served) while the cluster is up (-CLUSTERDOWN ...), and by this
// node: otherwise -MOVED to the owner, -ASK to the migration target for keys already gone, or
// -TRYAGAIN for multi-key commands split by a migration. ASKING lets an importing slot serve the
// next command; READONLY lets a replica serve reads of its master's slots. Runs on the event loop
// for every command when cluster-enabled; keyless commands pass untouched.
#include "common/errors.h"
#include "node/cluster/cluster.h"
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

void redirect(resp::Writer& w, const char* kind, int slot, const ClusterNode* n) {
  std::string e = kind;
  e += ' ';
  e += std::to_string(slot);
  e += ' ';
  e += n->ip;
  e += ':';
  e += std::to_string(n->port);
  w.error(e);
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// MIGRATE's keys as Redis's migrateGetKeys: those after KEYS (AUTH/AUTH2 arguments skipped),
// else the one at argv[3].
void migrateKeys(const std::vector<std::string_view>& argv, KeyPositions& keys) {
  for (size_t i = 6; i < argv.size(); ++i) {
    if (iequal(argv[i], "auth")) {
      i += 1;
    } else if (iequal(argv[i], "auth2")) {
      i += 2;
    } else if (iequal(argv[i], "keys")) {
      for (size_t k = i + 1; k < argv.size(); ++k) keys.push_back(k);
      return;
    }
  }
  if (argv.size() > 3) keys.push_back(3);
}

}  // namespace

bool Server::clusterGate(Client& client, const CommandDef& def,
                         const std::vector<std::string_view>& argv) {
  Cluster* cluster = cluster_.get();
  if (cluster == nullptr) return true;
  const bool asking = client.cluster.asking;
  if (def.handler != &cmd::asking) client.cluster.asking = false;
  if (def.keySpecs.empty()) return true;
  KeyPositions keys;  // inline: no allocation per keyed command
  if (def.handler == &cmd::migrate) {
    migrateKeys(argv, keys);
  } else {
    CommandTable::keyPositions(def, argv, keys);
  }
  if (keys.empty()) return true;
  resp::Writer& w = client.writer();
  const int slot = slots::keySlot(argv[keys[0]]);
  for (size_t i = 1; i < keys.size(); ++i) {
    if (slots::keySlot(argv[keys[i]]) != slot) {
      w.error(errors::kCrossSlot);
      return false;
    }
  }
  const ClusterNode* owner = cluster->slotOwner(slot);
  if (owner == nullptr) {
    w.error(errors::kClusterDownUnbound);
    return false;
  }
  const ClusterNode* me = cluster->myself();
  const ClusterNode* migratingTo = owner == me ? cluster->migratingTo(slot) : nullptr;
  const ClusterNode* importingFrom = cluster->importingFrom(slot);
  size_t missing = 0, existing = 0;
  if (migratingTo || importingFrom) {
    for (size_t k : keys) {
      if (keyspace_.peek(argv[k]) == nullptr) {
        missing++;
      } else {
        existing++;
      }
    }
  }
  const bool write = def.hasFlag("write");
  if (!cluster->stateOk()) {
    if (!settings_.clusterAllowReadsWhenDown) {
      w.error(errors::kClusterDown);
      return false;
    }
    if (write) {
      w.error("CLUSTERDOWN The cluster is down and only accepts read commands");
      return false;
    }
  }
  if (def.handler == &cmd::migrate && (migratingTo || importingFrom)) return true;
  if (migratingTo && missing > 0) {
    if (existing > 0) {
      w.error(errors::kTryAgain);
    } else {
      redirect(w, "ASK", slot, migratingTo);
    }
    return false;
  }
  if (importingFrom && (asking || def.hasFlag("asking"))) {
    if (keys.size() > 1 && missing > 0) {
      w.error(errors::kTryAgain);
      return false;
    }
    return true;
  }
  if (client.cluster.readonly && !write && me->isReplica() && me->master == owner) return true;
  if (owner != me) {
    redirect(w, "MOVED", slot, owner);
    return false;
  }
  return true;
}

}  // namespace strata::node
