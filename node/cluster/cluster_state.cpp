// The cluster state proper (Redis's cluster.c without the bus): nodes and their roles, slot
// ownership, epochs (bump, collision), failure reports and PFAIL -> FAIL, slot claims arriving
// from the bus (updateSlotsConfigWith), cluster_state, and the CLUSTER NODES / CLUSTER INFO texts.
// Event-loop thread only; called by the bus (cluster_bus.cpp) and the CLUSTER commands.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "node/cluster/cluster.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr int64_t kBlacklistTtlMs = 60000;
constexpr int kFailReportValidityMult = 2;
constexpr int kFailUndoTimeMult = 2;

struct FlagName {
  uint16_t flag;
  const char* name;
};
constexpr FlagName kFlagNames[] = {
    {kFlagMyself, "myself"}, {kFlagMaster, "master"},
    {kFlagReplica, "slave"}, {kFlagPfail, "fail?"},
    {kFlagFail, "fail"},     {kFlagHandshake, "handshake"},
    {kFlagNoAddr, "noaddr"}, {kFlagNoFailover, "nofailover"},
};

constexpr const char* kMsgTypeNames[kMsgTypeCount] = {
    "ping",     "pong",   "meet",    "fail",   "publish",     "auth-req",
    "auth-ack", "update", "mfstart", "module", "publishshard"};

}  // namespace

const char* msgTypeName(int type) {
  return type >= 0 && type < kMsgTypeCount ? kMsgTypeNames[type] : "unknown";
}

std::string Cluster::randomName() {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name(kNodeIdLen, '0');
  for (char& c : name) c = kHex[rng() & 15];
  return name;
}

ClusterNode* Cluster::lookup(std::string_view name) const {
  auto it = nodes_.find(std::string(name));
  return it == nodes_.end() ? nullptr : it->second.get();
}

ClusterNode* Cluster::createNode(std::string name, uint16_t flags) {
  auto node = std::make_unique<ClusterNode>();
  node->name = std::move(name);
  node->flags = flags;
  node->ctime = nowMs();
  ClusterNode* raw = node.get();
  nodes_[raw->name] = std::move(node);
  return raw;
}

void Cluster::renameNode(ClusterNode* n, const std::string& name) {
  auto it = nodes_.find(n->name);
  std::unique_ptr<ClusterNode> owned = std::move(it->second);
  nodes_.erase(it);
  owned->name = name;
  nodes_[name] = std::move(owned);
}

uint64_t Cluster::nodeEpoch(const ClusterNode* n) {
  return n->isReplica() && n->master ? n->master->configEpoch : n->configEpoch;
}

int Cluster::size() const {
  int size = 0;
  for (const auto& [name, n] : nodes_) size += n->isMaster() && n->numSlots > 0;
  return size;
}

// tls-cluster yes: the TLS port is the client port the cluster announces (CLUSTER NODES/SLOTS/
// SHARDS, MOVED/ASK) and the base of the default bus port, as Redis 7.0; cluster-announce-tls-port
// overrides it then, cluster-announce-port otherwise (Redis's deriveAnnouncedPorts).
int Cluster::myPort() const {
  const auto& s = server_.settings();
  if (s.tlsCluster) return s.clusterAnnounceTlsPort ? s.clusterAnnounceTlsPort : s.tlsPort;
  return s.clusterAnnouncePort ? s.clusterAnnouncePort : s.port;
}

int Cluster::myPlaintextPort() const {
  const auto& s = server_.settings();
  if (!s.tlsCluster) return 0;
  return s.clusterAnnouncePort ? s.clusterAnnouncePort : s.port;
}

int Cluster::myBusPort() const {
  const auto& s = server_.settings();
  if (s.clusterAnnounceBusPort) return s.clusterAnnounceBusPort;
  if (s.clusterPort) return s.clusterPort;
  return (s.tlsCluster ? s.tlsPort : s.port) + 10000;
}

// ---- slots ------------------------------------------------------------------------------------

bool Cluster::addSlot(ClusterNode* n, int slot) {
  if (owner_[slot] != nullptr) return false;
  owner_[slot] = n;
  n->slots.set(slot);
  n->numSlots++;
  return true;
}

bool Cluster::delSlot(int slot) {
  ClusterNode* n = owner_[slot];
  if (n == nullptr) return false;
  // Redis's clusterDelSlot: the nodes that served the slot (its owner and the owner's replicas)
  // drop its shard channels and tell their subscribers.
  if (n == myself_ || (myself_->isReplica() && myself_->master == n)) {
    unsubscribeShardSlot(server_, static_cast<uint16_t>(slot));
  }
  n->slots.reset(slot);
  n->numSlots--;
  owner_[slot] = nullptr;
  return true;
}

void Cluster::delNodeSlots(ClusterNode* n) {
  for (int j = 0; j < kClusterSlots && n->numSlots > 0; ++j) {
    if (n->slots.test(j)) delSlot(j);
  }
}

size_t Cluster::countKeysInSlot(int slot) const {
  return server_.keyspace().countKeysInSlot(static_cast<uint16_t>(slot));
}

void Cluster::deleteKeysInSlot(int slot) {
  server_.keyspace().deleteKeysInSlot(static_cast<uint16_t>(slot));
}

// ---- roles ------------------------------------------------------------------------------------

void Cluster::setNodeMaster(ClusterNode* replica, ClusterNode* master) {
  if (replica->master == master) return;
  if (replica->master) {
    auto& v = replica->master->replicas;
    v.erase(std::remove(v.begin(), v.end(), replica), v.end());
  }
  replica->master = master;
  if (master) master->replicas.push_back(replica);
}

void Cluster::setOpen(std::array<ClusterNode*, kClusterSlots>& table, int slot,
                      ClusterNode* other) {
  table[slot] = other;
  if (migrating_[slot] || importing_[slot]) {
    openSlots_.set(slot);
  } else {
    openSlots_.reset(slot);
  }
}

void Cluster::setNodeAsMaster(ClusterNode* n) {
  if (n->isMaster()) return;
  setNodeMaster(n, nullptr);
  n->flags = static_cast<uint16_t>((n->flags & ~kFlagReplica) | kFlagMaster);
  todoSave();
}

void Cluster::setMyMaster(ClusterNode* master) {
  if (myself_->isMaster()) {
    myself_->flags = static_cast<uint16_t>((myself_->flags & ~kFlagMaster) | kFlagReplica);
    for (int j = openSlots_.nextSet(0); j < kClusterSlots; j = openSlots_.nextSet(j + 1)) {
      setMigrating(j, nullptr);
      setImporting(j, nullptr);
    }
  }
  setNodeMaster(myself_, master);
  followMaster();
  todoSave();
}

void Cluster::followMaster() {
  if (servingWhileBusy_) return;  // the tick after the script does it
  if (myself_->isReplica() && myself_->master != nullptr) {
    const ClusterNode* m = myself_->master;
    if (m->ip.empty()) return;
    std::string target = m->ip + ":" + std::to_string(m->port);
    if (target != following_) {
      following_ = target;
      spdlog::info("Cluster: replicating {} ({})", m->name, target);
      server_.replicateFrom(m->ip, m->port);
    }
  } else if (!following_.empty()) {
    following_.clear();
    server_.stopReplicating();
  }
}

// ---- handshake, forget, reset ------------------------------------------------------------------

bool Cluster::blacklisted(const std::string& name) {
  const int64_t now = nowMs();
  for (auto it = blacklist_.begin(); it != blacklist_.end();) {
    it = it->second < now ? blacklist_.erase(it) : std::next(it);
  }
  return blacklist_.count(name) != 0;
}

void Cluster::forget(ClusterNode* n, bool blacklist) {
  if (blacklist) blacklist_[n->name] = nowMs() + kBlacklistTtlMs;
  for (int j = 0; j < kClusterSlots; ++j) {
    if (owner_[j] == n) delSlot(j);
    if (migrating_[j] == n) setMigrating(j, nullptr);
    if (importing_[j] == n) setImporting(j, nullptr);
  }
  for (auto& [name, other] : nodes_) other->failReports.erase(n->name);
  for (ClusterNode* r : std::vector<ClusterNode*>(n->replicas)) setNodeMaster(r, nullptr);
  setNodeMaster(n, nullptr);
  if (n->link) freeLink(n->link);
  if (n->inbound) freeLink(n->inbound);
  for (auto& l : links_) {
    if (l->node == n) l->node = nullptr;
  }
  nodes_.erase(n->name);
  todoSave();
}

void Cluster::reset(bool hard) {
  if (myself_->isReplica()) {
    setNodeAsMaster(myself_);
    followMaster();
    server_.keyspace().clear();
  }
  for (int j = 0; j < kClusterSlots; ++j) {
    setMigrating(j, nullptr);
    setImporting(j, nullptr);
    if (owner_[j]) delSlot(j);
  }
  std::vector<ClusterNode*> others;
  for (auto& [name, n] : nodes_) {
    if (n.get() != myself_) others.push_back(n.get());
  }
  for (ClusterNode* n : others) forget(n, false);
  if (hard) {
    currentEpoch_ = lastVoteEpoch_ = 0;
    myself_->configEpoch = 0;
    renameNode(myself_, randomName());
    spdlog::info("Cluster: node hard reset, now known as {}", myself_->name);
  }
  saveNow();
  updateState();
}

void Cluster::bumpEpochWithoutConsensus(bool& bumped) {
  uint64_t maxEpoch = currentEpoch_;
  for (const auto& [name, n] : nodes_) maxEpoch = std::max(maxEpoch, n->configEpoch);
  if (myself_->configEpoch == 0 || myself_->configEpoch != maxEpoch) {
    currentEpoch_++;
    myself_->configEpoch = currentEpoch_;
    bumped = true;
    todoSave();
  } else {
    bumped = false;
  }
}

// ---- slot claims from the bus -----------------------------------------------------------------

void Cluster::updateSlotsConfigWith(ClusterNode* sender, uint64_t senderEpoch,
                                    const SlotBitmap& claimed) {
  if (sender == myself_) return;
  ClusterNode* curMaster = myself_->isMaster() ? myself_ : myself_->master;
  ClusterNode* newMaster = nullptr;
  std::vector<int> dirty;
  for (int j = 0; j < kClusterSlots; ++j) {
    if (!claimed.test(j)) continue;
    ClusterNode* cur = owner_[j];
    if (cur == sender || importing_[j] != nullptr) continue;
    if (cur == nullptr || cur->configEpoch < senderEpoch) {
      if (cur == myself_ && countKeysInSlot(j) > 0) dirty.push_back(j);
      if (cur != nullptr && cur == curMaster) newMaster = sender;
      delSlot(j);
      addSlot(sender, j);
      if (migrating_[j] && cur == myself_) setMigrating(j, nullptr);
      todoSave();
    }
  }
  if (newMaster && curMaster && curMaster->numSlots == 0) {
    spdlog::info("Cluster: configuration change detected, reconfiguring myself as a replica of {}",
                 sender->name);
    setMyMaster(sender);
  } else {
    for (int j : dirty) deleteKeysInSlot(j);
  }
}

void Cluster::handleEpochCollision(ClusterNode* sender) {
  if (sender->configEpoch != myself_->configEpoch || !sender->isMaster() || !myself_->isMaster()) {
    return;
  }
  // The node with the smaller id takes a new epoch.
  if (sender->name <= myself_->name) return;
  currentEpoch_++;
  myself_->configEpoch = currentEpoch_;
  todoSave();
  spdlog::info("Cluster: configEpoch collision with node {}, configEpoch set to {}", sender->name,
               currentEpoch_);
}

// ---- failure detection ------------------------------------------------------------------------

bool Cluster::addFailureReport(ClusterNode* failing, ClusterNode* reporter) {
  auto [it, inserted] = failing->failReports.try_emplace(reporter->name, nowMs());
  if (!inserted) it->second = nowMs();
  return inserted;
}

void Cluster::removeFailureReport(ClusterNode* failing, ClusterNode* reporter) {
  failing->failReports.erase(reporter->name);
}

int Cluster::failureReportCount(ClusterNode* n) {
  const int64_t maxAge = server_.settings().clusterNodeTimeout * kFailReportValidityMult;
  const int64_t now = nowMs();
  for (auto it = n->failReports.begin(); it != n->failReports.end();) {
    ClusterNode* reporter = lookup(it->first);
    bool valid = reporter != nullptr && reporter->isMaster() && now - it->second <= maxAge;
    it = valid ? std::next(it) : n->failReports.erase(it);
  }
  return static_cast<int>(n->failReports.size());
}

void Cluster::markFailingIfNeeded(ClusterNode* n) {
  if (!n->is(kFlagPfail) || n->is(kFlagFail)) return;
  const int needed = size() / 2 + 1;
  int failures = failureReportCount(n);
  if (myself_->isMaster()) failures++;
  if (failures < needed) return;
  spdlog::info("Cluster: marking node {} as failing (quorum reached)", n->name);
  n->flags = static_cast<uint16_t>((n->flags & ~kFlagPfail) | kFlagFail);
  n->failTime = nowMs();
  sendFail(n);
  updateState();
  todoSave();
}

void Cluster::clearFailureIfNeeded(ClusterNode* n) {
  if (!n->is(kFlagFail)) return;
  const int64_t now = nowMs();
  if (n->isReplica() || n->numSlots == 0 ||
      now - n->failTime > server_.settings().clusterNodeTimeout * kFailUndoTimeMult) {
    spdlog::info("Cluster: clear FAIL state for node {}: it is reachable again", n->name);
    n->flags = static_cast<uint16_t>(n->flags & ~kFlagFail);
    updateState();
    todoSave();
  }
}

// ---- cluster_state ----------------------------------------------------------------------------

void Cluster::updateState() {
  bool ok = true;
  if (server_.settings().clusterRequireFullCoverage) {
    for (int j = 0; j < kClusterSlots; ++j) {
      if (owner_[j] == nullptr || owner_[j]->failed()) {
        ok = false;
        break;
      }
    }
  }
  if (ok) {
    int size = 0, reachable = 0;
    for (const auto& [name, n] : nodes_) {
      if (n->isMaster() && n->numSlots > 0) {
        size++;
        reachable += !n->is(kFlagFail | kFlagPfail);
      }
    }
    if (reachable < size / 2 + 1) ok = false;
  }
  if (ok != stateOk_) {
    spdlog::info("Cluster state changed: {}", ok ? "ok" : "fail");
    stateOk_ = ok;
  }
}

// ---- texts ------------------------------------------------------------------------------------

namespace {

void appendRange(std::string& out, int start, int end) {
  out += ' ';
  out += std::to_string(start);
  if (end != start) {
    out += '-';
    out += std::to_string(end);
  }
}

}  // namespace

std::string Cluster::describe(const ClusterNode* n, bool forConfig) const {
  std::string out;
  out.reserve(128);
  out += n->name;
  out += ' ';
  out += n->ip;
  out += ':';
  out += std::to_string(n->port);
  out += '@';
  out += std::to_string(n->cport);
  out += ' ';
  bool any = false;
  for (const auto& f : kFlagNames) {
    if (n->flags & f.flag) {
      if (any) out += ',';
      out += f.name;
      any = true;
    }
  }
  if (!any) out += "noflags";
  out += ' ';
  out += n->isReplica() && n->master ? n->master->name : "-";
  out += ' ';
  out += std::to_string(n == myself_ ? 0 : n->pingSent);
  out += ' ';
  out += std::to_string(n == myself_ ? 0 : n->pongReceived);
  out += ' ';
  out += std::to_string(nodeEpoch(n));
  out += (n->link != nullptr || n == myself_) ? " connected" : " disconnected";
  n->slots.forEachRange([&](int first, int last) { appendRange(out, first, last); });
  if (n == myself_) {
    for (int j = openSlots_.nextSet(0); j < kClusterSlots; j = openSlots_.nextSet(j + 1)) {
      if (migrating_[j]) out += " [" + std::to_string(j) + "->-" + migrating_[j]->name + "]";
      if (importing_[j]) out += " [" + std::to_string(j) + "-<-" + importing_[j]->name + "]";
    }
  }
  (void)forConfig;
  return out;
}

std::string Cluster::nodesText(bool forConfig) const {
  std::string out;
  // Myself first (stable output for tests and humans); the rest by id.
  std::vector<const ClusterNode*> sorted;
  for (const auto& [name, n] : nodes_) {
    if (n.get() != myself_) sorted.push_back(n.get());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const ClusterNode* a, const ClusterNode* b) { return a->name < b->name; });
  sorted.insert(sorted.begin(), myself_);
  for (const ClusterNode* n : sorted) {
    if (forConfig && n->is(kFlagHandshake)) continue;
    out += describe(n, forConfig);
    out += '\n';
  }
  return out;
}

std::string Cluster::infoText() const {
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (int j = 0; j < kClusterSlots; ++j) {
    const ClusterNode* n = owner_[j];
    if (n == nullptr) continue;
    assigned++;
    if (n->is(kFlagFail)) {
      fail++;
    } else if (n->is(kFlagPfail)) {
      pfail++;
    } else {
      ok++;
    }
  }
  std::string out;
  auto field = [&out](std::string_view name, auto value) {
    out += name;
    out += ':';
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>) {
      out += value;
    } else {
      out += std::to_string(value);
    }
    out += "\r\n";
  };
  field("cluster_state", stateOk_ ? "ok" : "fail");
  field("cluster_slots_assigned", assigned);
  field("cluster_slots_ok", ok);
  field("cluster_slots_pfail", pfail);
  field("cluster_slots_fail", fail);
  field("cluster_known_nodes", nodes_.size());
  field("cluster_size", size());
  field("cluster_current_epoch", currentEpoch_);
  field("cluster_my_epoch", nodeEpoch(myself_));
  uint64_t totalSent = 0, totalReceived = 0;
  for (int t = 0; t < kMsgTypeCount; ++t) {
    totalSent += sent_[t];
    if (sent_[t]) {
      field(std::string("cluster_stats_messages_") + msgTypeName(t) + "_sent", sent_[t]);
    }
  }
  field("cluster_stats_messages_sent", totalSent);
  for (int t = 0; t < kMsgTypeCount; ++t) {
    totalReceived += received_[t];
    if (received_[t]) {
      field(std::string("cluster_stats_messages_") + msgTypeName(t) + "_received", received_[t]);
    }
  }
  field("cluster_stats_messages_received", totalReceived);
  field("total_cluster_links_buffer_limit_exceeded", 0);
  return out;
}

}  // namespace strata::node
