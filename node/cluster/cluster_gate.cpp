// Cluster admission (Redis's getNodeByQuery + clusterRedirectClient): the keys of the command
// (command_keys.h's routingKeys: Redis's getKeysFromCommand) must hash to one slot (-CROSSSLOT),
// the slot must be served
// (-CLUSTERDOWN Hash slot not served) while the cluster is up (-CLUSTERDOWN ...), and by this
// node: otherwise -MOVED to the owner, -ASK to the migration target for keys already gone, or
// -TRYAGAIN for multi-key commands split by a migration. ASKING lets an importing slot serve the
// next command (inside MULTI: up to EXEC, as Redis's resetClient keeps the flag there); READONLY
// lets a replica serve reads of its master's slots. EXEC re-checks the keys of every queued
// command as one request (getNodeByQuery over c->mstate): a slot that moved, started migrating
// or lost its owner while the transaction was queued answers EXEC with the redirection, and
// Server::flagTransaction (server/transactions.cpp) discards the transaction, as 7.0. Runs on
// the event loop for every command when cluster-enabled; keyless commands pass untouched.
#include "common/errors.h"
#include "node/cluster/cluster.h"
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/command_keys.h"
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

// The key loop of getNodeByQuery, fed command by command (one for a plain command, every queued
// one for EXEC): the first key fixes the slot and its migration state, later keys must share
// the slot, and keys absent here are counted while the slot is migrating or importing.
class KeyScan {
 public:
  KeyScan(const Cluster& cluster, Keyspace& keyspace) : cluster_(cluster), keyspace_(keyspace) {}

  // Adds the keys of one command; false (with the error written) on CROSSSLOT or an unbound
  // slot.
  bool add(resp::Writer& w, const CommandDef& def, const std::vector<std::string_view>& argv) {
    if (def.keySpecs.empty() && def.getkeys == nullptr) return true;
    KeyPositions keys;  // inline: no allocation per keyed command
    routingKeys(def, argv, keys);
    for (size_t k : keys) {
      const std::string_view key = argv[k];
      if (slot_ < 0) {
        first_ = key;
        slot_ = slots::keySlot(key);
        owner_ = cluster_.slotOwner(slot_);
        if (owner_ == nullptr) {
          w.error(errors::kClusterDownUnbound);
          return false;
        }
        migratingTo_ = owner_ == cluster_.myself() ? cluster_.migratingTo(slot_) : nullptr;
        importingFrom_ = migratingTo_ ? nullptr : cluster_.importingFrom(slot_);
      } else if (key != first_) {
        if (slots::keySlot(key) != slot_) {
          w.error(errors::kCrossSlot);
          return false;
        }
        multipleKeys_ = true;
      }
      if (migratingTo_ || importingFrom_) {
        if (keyspace_.peek(key) == nullptr) {
          missing_++;
        } else {
          existing_++;
        }
      }
    }
    return true;
  }

  int slot_ = -1;
  std::string_view first_;
  const ClusterNode* owner_ = nullptr;
  const ClusterNode* migratingTo_ = nullptr;
  const ClusterNode* importingFrom_ = nullptr;
  bool multipleKeys_ = false;
  size_t missing_ = 0, existing_ = 0;

 private:
  const Cluster& cluster_;
  Keyspace& keyspace_;  // peek() only: no expiry, no stats
};

}  // namespace

bool Server::clusterGate(Client& client, const CommandDef& def,
                         const std::vector<std::string_view>& argv) {
  Cluster* cluster = cluster_.get();
  if (cluster == nullptr) return true;
  const bool asking = client.cluster.asking;
  const bool inMulti = client.session.multi;
  const Handler h = def.handler;
  const bool exec = h == &cmd::exec;
  // resetClient drops ASKING after every command but ASKING itself, except inside MULTI (where
  // it lasts until EXEC or DISCARD ends the transaction).
  const bool keepAsking =
      h == &cmd::asking || (inMulti ? !exec && h != &cmd::discard : h == &cmd::multi);
  if (!keepAsking) client.cluster.asking = false;
  if (exec ? !inMulti : def.keySpecs.empty() && def.getkeys == nullptr) return true;
  resp::Writer& w = client.writer();
  KeyScan scan(*cluster, keyspace_);
  bool write = false;
  if (exec) {
    std::vector<std::string_view> qargv;
    for (const ClientSession::Queued& q : client.session.queued) {
      qargv.assign(q.argv.begin(), q.argv.end());
      if (!scan.add(w, *q.def, qargv)) return false;
      if (q.def->hasFlag("write")) write = true;
    }
  } else {
    if (!scan.add(w, def, argv)) return false;
    write = def.hasFlag("write");
  }
  if (scan.slot_ < 0) return true;  // no key at all
  const int slot = scan.slot_;
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
  if (h == &cmd::migrate && (scan.migratingTo_ || scan.importingFrom_)) return true;
  if (scan.migratingTo_ && scan.missing_ > 0) {
    if (scan.existing_ > 0) {
      w.error(errors::kTryAgain);
    } else {
      redirect(w, "ASK", slot, scan.migratingTo_);
    }
    return false;
  }
  if (scan.importingFrom_ && (asking || def.hasFlag("asking"))) {
    if (scan.multipleKeys_ && scan.missing_ > 0) {
      w.error(errors::kTryAgain);
      return false;
    }
    return true;
  }
  const ClusterNode* me = cluster->myself();
  const ClusterNode* owner = scan.owner_;
  // A replica serves its master's slots to READONLY clients' reads, and (7.0) always to the
  // sharded pub/sub commands.
  const bool shardPubsub = h == &cmd::ssubscribe || h == &cmd::sunsubscribe || h == &cmd::spublish;
  if ((client.cluster.readonly || shardPubsub) && !write && me->isReplica() &&
      me->master == owner) {
    return true;
  }
  if (owner != me) {
    redirect(w, "MOVED", slot, owner);
    return false;
  }
  return true;
}

}  // namespace strata::node
