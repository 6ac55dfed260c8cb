// The CLUSTER command family (every subcommand but GETKEYSINSLOT/COUNTKEYSINSLOT, which live in
// cluster_keys.cpp) and READONLY / READWRITE / ASKING, with Redis 7.0's replies and error texts.
// They read and change the node's Cluster (node/cluster/cluster.h); configuration changes are
// saved to nodes.conf before the reply. Event-loop thread.
#include <algorithm>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/cluster/cluster.h"
#include "node/cluster/failover.h"
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node::cmd {

namespace {

constexpr std::string_view kDisabled = "ERR This instance has cluster support disabled";

constexpr const char* kHelp[] = {
#include "node/commands/cluster_help.inc"
};

using config::equalsNoCase;

// The node's Cluster, or nullptr after replying the "disabled" error.
Cluster* clusterOrReply(CommandContext& ctx) {
  Cluster* c = ctx.server.cluster();
  if (c == nullptr) ctx.w.error(kDisabled);
  return c;
}

bool slotOrReply(CommandContext& ctx, std::string_view arg, int& slot) {
  int64_t v = 0;
  if (!parseInt64(arg, v) || v < 0 || v >= kClusterSlots) {
    ctx.w.error("ERR Invalid or out of range slot");
    return false;
  }
  slot = static_cast<int>(v);
  return true;
}

void replyUnknownNode(CommandContext& ctx, std::string_view name) {
  ctx.w.error("ERR Unknown node " + std::string(name));
}

// Checks [start, end] against the current assignment and the slots already named in this
// command (Redis's checkSlotAssignmentsOrReply).
bool checkAssignments(CommandContext& ctx, Cluster& c, std::vector<uint8_t>& seen, bool del,
                      int start, int end) {
  for (int slot = start; slot <= end; ++slot) {
    if (del && c.slotOwner(slot) == nullptr) {
      ctx.w.error("ERR Slot " + std::to_string(slot) + " is already unassigned");
      return false;
    }
    if (!del && c.slotOwner(slot) != nullptr) {
      ctx.w.error("ERR Slot " + std::to_string(slot) + " is already busy");
      return false;
    }
    if (seen[slot]++ == 1) {
      ctx.w.error("ERR Slot " + std::to_string(slot) + " specified multiple times");
      return false;
    }
  }
  return true;
}

void applySlots(CommandContext& ctx, Cluster& c, const std::vector<uint8_t>& seen, bool del) {
  for (int j = 0; j < kClusterSlots; ++j) {
    if (!seen[j]) continue;
    c.setImporting(j, nullptr);
    if (del) {
      c.delSlot(j);
    } else {
      c.addSlot(c.myself(), j);
    }
  }
  c.saveNow();
  c.updateState();
  ctx.w.ok();
}

// ADDSLOTS/DELSLOTS (slot...) and ADDSLOTSRANGE/DELSLOTSRANGE (start end...): every argument is
// parsed and checked before any slot changes, as Redis's clusterCommand (a single slot is the
// range [slot, slot]).
void slotsCommand(CommandContext& ctx, bool del, bool ranges) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  if (ranges && ctx.argc() % 2 == 1) {
    replyArity(ctx.w, ctx.def.name);
    return;
  }
  const size_t step = ranges ? 2 : 1;
  std::vector<std::pair<int, int>> parsed;
  for (size_t i = 2; i + step <= ctx.argc(); i += step) {
    int start = 0;
    if (!slotOrReply(ctx, ctx.arg(i), start)) return;
    int end = start;
    if (ranges) {
      if (!slotOrReply(ctx, ctx.arg(i + 1), end)) return;
      if (start > end) {
        ctx.w.error("ERR start slot number " + std::to_string(start) +
                    " is greater than end slot number " + std::to_string(end));
        return;
      }
    }
    parsed.emplace_back(start, end);
  }
  std::vector<uint8_t> seen(kClusterSlots, 0);
  for (auto [start, end] : parsed) {
    if (!checkAssignments(ctx, *c, seen, del, start, end)) return;
  }
  applySlots(ctx, *c, seen, del);
}

// SETSLOT's target node (argv[4]): a known master, or nullptr after the error. MIGRATING and
// IMPORTING answer an unknown id with "I don't know about node", NODE with "Unknown node".
ClusterNode* setslotTargetOrReply(CommandContext& ctx, Cluster& c, bool importOrMigrate) {
  ClusterNode* n = c.lookup(ctx.arg(4));
  if (n == nullptr) {
    if (importOrMigrate) {
      ctx.w.error("ERR I don't know about node " + std::string(ctx.arg(4)));
    } else {
      replyUnknownNode(ctx, ctx.arg(4));
    }
    return nullptr;
  }
  if (n->isReplica()) {
    ctx.w.error("ERR Target node is not a master");
    return nullptr;
  }
  return n;
}

int64_t offsetOf(CommandContext& ctx, Cluster& c, const ClusterNode* n) {
  return n == c.myself() ? ctx.server.replicationOffset() : n->replOffset;
}

void writeSlotNode(CommandContext& ctx, const ClusterNode* n) {
  ctx.w.arrayHeader(4);
  ctx.w.bulk(n->ip);
  ctx.w.integer(n->port);
  ctx.w.bulk(n->name);
  ctx.w.mapHeader(0);
}

}  // namespace

void readonly(CommandContext& ctx) {
  if (clusterOrReply(ctx) == nullptr) return;
  ctx.client.cluster.readonly = true;
  ctx.w.ok();
}

void readwrite(CommandContext& ctx) {
  if (clusterOrReply(ctx) == nullptr) return;
  ctx.client.cluster.readonly = false;
  ctx.w.ok();
}

void asking(CommandContext& ctx) {
  if (clusterOrReply(ctx) == nullptr) return;
  ctx.client.cluster.asking = true;
  ctx.w.ok();
}

void clusterInfo(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ctx.w.verbatim("txt", c->infoText());
}

void clusterNodes(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ctx.w.verbatim("txt", c->nodesText(false));
}

void clusterMyid(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ctx.w.bulk(c->myself()->name);
}

void clusterSlots(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  struct Range {
    int start, end;
    const ClusterNode* owner;
  };
  std::vector<Range> ranges;
  for (int j = 0; j < kClusterSlots; ++j) {
    const ClusterNode* n = c->slotOwner(j);
    if (n == nullptr) continue;
    if (!ranges.empty() && ranges.back().owner == n && ranges.back().end == j - 1) {
      ranges.back().end = j;
    } else {
      ranges.push_back({j, j, n});
    }
  }
  ctx.w.arrayHeader(ranges.size());
  for (const Range& r : ranges) {
    std::vector<const ClusterNode*> replicas;
    for (const ClusterNode* rep : r.owner->replicas) {
      if (!rep->failed() && offsetOf(ctx, *c, rep) != 0) replicas.push_back(rep);
    }
    ctx.w.arrayHeader(3 + replicas.size());
    ctx.w.integer(r.start);
    ctx.w.integer(r.end);
    writeSlotNode(ctx, r.owner);
    for (const ClusterNode* rep : replicas) writeSlotNode(ctx, rep);
  }
}

void clusterShards(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  std::vector<const ClusterNode*> masters;
  for (const auto& [name, n] : c->nodes()) {
    if (n->isMaster()) masters.push_back(n.get());
  }
  std::sort(masters.begin(), masters.end(),
            [](const ClusterNode* a, const ClusterNode* b) { return a->name < b->name; });
  ctx.w.arrayHeader(masters.size());
  for (const ClusterNode* m : masters) {
    ctx.w.mapHeader(2);
    ctx.w.bulk("slots");
    std::vector<int> bounds;
    m->slots.forEachRange([&](int first, int last) {
      bounds.push_back(first);
      bounds.push_back(last);
    });
    ctx.w.arrayHeader(bounds.size());
    for (int b : bounds) ctx.w.integer(b);
    ctx.w.bulk("nodes");
    std::vector<const ClusterNode*> members{m};
    members.insert(members.end(), m->replicas.begin(), m->replicas.end());
    ctx.w.arrayHeader(members.size());
    for (const ClusterNode* n : members) {
      const int64_t offset = offsetOf(ctx, *c, n);
      // Redis 7.0's addNodeDetailsToShardReply: under tls-cluster the announced port is the
      // TLS one ("tls-port") and the plaintext one travels in the bus header's pport ("port",
      // left out when 0: a node with --port 0).
      const bool tls = ctx.server.settings().tlsCluster;
      const int plainPort = tls ? n->pport : n->port;
      const int tlsPort = tls ? n->port : 0;
      ctx.w.mapHeader(6 + (plainPort ? 1 : 0) + (tlsPort ? 1 : 0));
      ctx.w.bulk("id");
      ctx.w.bulk(n->name);
      if (plainPort) {
        ctx.w.bulk("port");
        ctx.w.integer(plainPort);
      }
      if (tlsPort) {
        ctx.w.bulk("tls-port");
        ctx.w.integer(tlsPort);
      }
      ctx.w.bulk("ip");
      ctx.w.bulk(n->ip);
      ctx.w.bulk("endpoint");
      ctx.w.bulk(n->ip);
      ctx.w.bulk("role");
      ctx.w.bulk(n->isMaster() ? "master" : "replica");
      ctx.w.bulk("replication-offset");
      ctx.w.integer(offset);
      ctx.w.bulk("health");
      ctx.w.bulk(n->failed() ? "fail" : (n->isReplica() && offset == 0 ? "loading" : "online"));
    }
  }
}

void clusterMeet(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  if (ctx.argc() != 4 && ctx.argc() != 5) {
    replyArity(ctx.w, ctx.def.name);
    return;
  }
  int64_t port = 0, cport = 0;
  if (!parseInt64(ctx.arg(3), port)) {
    ctx.w.error("ERR Invalid TCP base port specified: " + std::string(ctx.arg(3)));
    return;
  }
  if (ctx.argc() == 5) {
    if (!parseInt64(ctx.arg(4), cport)) {
      ctx.w.error("ERR Invalid TCP bus port specified: " + std::string(ctx.arg(4)));
      return;
    }
  } else {
    cport = port + 10000;
  }
  if (!c->startHandshake(std::string(ctx.arg(2)), static_cast<int>(port), static_cast<int>(cport),
                         true)) {
    ctx.w.error("ERR Invalid node address specified: " + std::string(ctx.arg(2)) + ":" +
                std::string(ctx.arg(3)));
    return;
  }
  ctx.w.ok();
}

void clusterAddslots(CommandContext& ctx) {
  slotsCommand(ctx, false, false);
}
void clusterAddslotsrange(CommandContext& ctx) {
  slotsCommand(ctx, false, true);
}
void clusterDelslots(CommandContext& ctx) {
  slotsCommand(ctx, true, false);
}
void clusterDelslotsrange(CommandContext& ctx) {
  slotsCommand(ctx, true, true);
}

void clusterFlushslots(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  if (ctx.ks.size() != 0) {
    ctx.w.error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
    return;
  }
  c->delNodeSlots(c->myself());
  c->saveNow();
  c->updateState();
  ctx.w.ok();
}

void clusterSetConfigEpoch(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  int64_t epoch = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), epoch)) return;
  if (epoch < 0) {
    ctx.w.error("ERR Invalid config epoch specified: " + std::to_string(epoch));
  } else if (c->nodes().size() > 1) {
    ctx.w.error(
        "ERR The user can assign a config epoch only when the node does not know any other "
        "node.");
  } else if (c->myself()->configEpoch != 0) {
    ctx.w.error("ERR Node config epoch is already non-zero");
  } else {
    c->setConfigEpoch(static_cast<uint64_t>(epoch));
    c->saveNow();
    ctx.w.ok();
  }
}

void clusterBumpepoch(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  bool bumped = false;
  c->bumpEpochWithoutConsensus(bumped);
  if (bumped) c->saveNow();
  ctx.w.simpleString((bumped ? "BUMPED " : "STILL ") + std::to_string(c->myself()->configEpoch));
}

void clusterReplicate(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ClusterNode* n = c->lookup(ctx.arg(2));
  ClusterNode* me = c->myself();
  if (n == nullptr) {
    replyUnknownNode(ctx, ctx.arg(2));
  } else if (n == me) {
    ctx.w.error("ERR Can't replicate myself");
  } else if (n->isReplica()) {
    ctx.w.error("ERR I can only replicate a master, not a replica.");
  } else if (me->isMaster() && (me->numSlots != 0 || ctx.ks.size() != 0)) {
    ctx.w.error("ERR To set a master the node must be empty and without assigned slots.");
  } else {
    c->setMyMaster(n);
    c->saveNow();
    c->updateState();
    c->broadcastPong();
    ctx.w.ok();
  }
}

void clusterReplicas(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ClusterNode* n = c->lookup(ctx.arg(2));
  if (n == nullptr) {
    replyUnknownNode(ctx, ctx.arg(2));
    return;
  }
  if (!n->isMaster()) {
    ctx.w.error("ERR The specified node is not a master");
    return;
  }
  ctx.w.arrayHeader(n->replicas.size());
  for (const ClusterNode* r : n->replicas) ctx.w.bulk(c->describe(r, false));
}

void clusterSlaves(CommandContext& ctx) {
  clusterReplicas(ctx);
}

void clusterForget(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ClusterNode* n = c->lookup(ctx.arg(2));
  ClusterNode* me = c->myself();
  if (n == nullptr) {
    replyUnknownNode(ctx, ctx.arg(2));
  } else if (n == me) {
    ctx.w.error("ERR I tried hard but I can't forget myself...");
  } else if (me->isReplica() && me->master == n) {
    ctx.w.error("ERR Can't forget my master!");
  } else {
    c->forget(n, true);
    c->saveNow();
    c->updateState();
    ctx.w.ok();
  }
}

void clusterReset(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  bool hard = false;
  if (ctx.argc() == 3) {
    if (equalsNoCase(ctx.arg(2), "hard")) {
      hard = true;
    } else if (!equalsNoCase(ctx.arg(2), "soft")) {
      ctx.w.error(errors::kSyntax);
      return;
    }
  } else if (ctx.argc() > 3) {
    replyArity(ctx.w, ctx.def.name);
    return;
  }
  if (c->myself()->isMaster() && ctx.ks.size() != 0) {
    ctx.w.error("ERR CLUSTER RESET can't be called with master nodes containing keys");
    return;
  }
  c->reset(hard);
  ctx.w.ok();
}

void clusterSetslot(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ClusterNode* me = c->myself();
  if (me->isReplica()) {
    ctx.w.error("ERR Please use SETSLOT only with masters.");
    return;
  }
  int slot = 0;
  if (!slotOrReply(ctx, ctx.arg(2), slot)) return;
  const std::string_view action = ctx.arg(3);
  const size_t argc = ctx.argc();
  if (equalsNoCase(action, "migrating") && argc == 5) {
    if (c->slotOwner(slot) != me) {
      ctx.w.error("ERR I'm not the owner of hash slot " + std::to_string(slot));
      return;
    }
    ClusterNode* n = setslotTargetOrReply(ctx, *c, true);
    if (n == nullptr) return;
    c->setMigrating(slot, n);
  } else if (equalsNoCase(action, "importing") && argc == 5) {
    if (c->slotOwner(slot) == me) {
      ctx.w.error("ERR I'm already the owner of hash slot " + std::to_string(slot));
      return;
    }
    ClusterNode* n = setslotTargetOrReply(ctx, *c, true);
    if (n == nullptr) return;
    c->setImporting(slot, n);
  } else if (equalsNoCase(action, "stable") && argc == 4) {
    c->setMigrating(slot, nullptr);
    c->setImporting(slot, nullptr);
  } else if (equalsNoCase(action, "node") && argc == 5) {
    ClusterNode* n = setslotTargetOrReply(ctx, *c, false);
    if (n == nullptr) return;
    const bool wasMine = c->slotOwner(slot) == me;
    if (wasMine && n != me && c->countKeysInSlot(slot) != 0) {
      ctx.w.error("ERR Can't assign hashslot " + std::to_string(slot) +
                  " to a different node while I still hold keys for this hash slot.");
      return;
    }
    if (c->migratingTo(slot) && c->countKeysInSlot(slot) == 0) c->setMigrating(slot, nullptr);
    if (n == me && c->importingFrom(slot)) {
      // The migration's last step on the target: claim the slot with a new epoch.
      bool bumped = false;
      c->bumpEpochWithoutConsensus(bumped);
      c->setImporting(slot, nullptr);
    }
    c->delSlot(slot);
    c->addSlot(n, slot);
    if (wasMine && n != me && me->numSlots == 0 &&
        ctx.server.settings().clusterAllowReplicaMigration) {
      c->setMyMaster(n);
    }
    c->broadcastPong();
  } else {
    ctx.w.error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    return;
  }
  c->saveNow();
  c->updateState();
  ctx.w.ok();
}

void clusterKeyslot(CommandContext& ctx) {
  if (clusterOrReply(ctx) == nullptr) return;
  ctx.w.integer(slots::keySlot(ctx.arg(2)));
}

void clusterCountFailureReports(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  ClusterNode* n = c->lookup(ctx.arg(2));
  if (n == nullptr) {
    replyUnknownNode(ctx, ctx.arg(2));
    return;
  }
  ctx.w.integer(c->failureReports(n));
}

void clusterSaveconfig(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  std::string error;
  if (!c->saveNow(&error)) {
    ctx.w.error("ERR error saving the cluster node config: " + error);
    return;
  }
  ctx.w.ok();
}

void clusterLinks(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  auto links = c->links();
  ctx.w.arrayHeader(links.size());
  for (const auto& l : links) {
    ctx.w.mapHeader(6);
    ctx.w.bulk("direction");
    ctx.w.bulk(l.inbound ? "from" : "to");
    ctx.w.bulk("node");
    ctx.w.bulk(l.node);
    ctx.w.bulk("create-time");
    ctx.w.integer(l.ctime);
    ctx.w.bulk("events");
    ctx.w.bulk(l.sendBuffer > 0 ? "rw" : "r");
    ctx.w.bulk("send-buffer-allocated");
    ctx.w.integer(static_cast<int64_t>(l.sendBuffer));
    ctx.w.bulk("send-buffer-used");
    ctx.w.integer(static_cast<int64_t>(l.sendBuffer));
  }
}

void clusterFailover(CommandContext& ctx) {
  Cluster* c = clusterOrReply(ctx);
  if (c == nullptr) return;
  if (ctx.argc() == 3 && !equalsNoCase(ctx.arg(2), "force") &&
      !equalsNoCase(ctx.arg(2), "takeover")) {
    ctx.w.error(errors::kSyntax);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.w.error(errors::kSyntax);
    return;
  }
  // The election itself is node/cluster/failover.cpp.
  Failover::Mode mode = Failover::Mode::kDefault;
  if (ctx.argc() == 3) {
    mode = equalsNoCase(ctx.arg(2), "force") ? Failover::Mode::kForce : Failover::Mode::kTakeover;
  }
  std::string error;
  if (!c->failover().manual(mode, error)) {
    ctx.w.error(error);
    return;
  }
  ctx.w.ok();
}

void clusterHelp(CommandContext& ctx) {
  ctx.w.arrayHeader(std::size(kHelp));
  for (const char* line : kHelp) ctx.w.simpleString(line);
}

}  // namespace strata::node::cmd
