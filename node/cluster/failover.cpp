// Replica election, votes and manual failover (see failover.h for the protocol). Follows Redis
// 7.0's cluster.c: clusterHandleSlaveFailover, clusterGetSlaveRank, clusterSendFailoverAuth*,
// clusterFailoverReplaceYourMaster, manualFailoverCheckTimeout, clusterHandleManualFailover.
#include "node/cluster/failover.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "node/cluster/cluster_wire.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr int64_t kManualFailoverTimeoutMs = 5000;  // CLUSTER_MF_TIMEOUT
constexpr int kMfPauseMult = 2;                     // CLUSTER_MF_PAUSE_MULT
constexpr int64_t kMigrationDelayMs = 5000;         // CLUSTER_SLAVE_MIGRATION_DELAY

int workingReplicas(const ClusterNode* m) {
  int ok = 0;
  for (const ClusterNode* r : m->replicas) ok += !r->is(kFlagFail | kFlagPfail);
  return ok;
}

}  // namespace

Failover::Failover(Cluster& cluster) : c_(cluster) {}

uint8_t Failover::headerFlags() const {
  uint8_t f = 0;
  if (c_.myself_->isMaster() && mfEnd_ != 0) f |= kMflagPaused;
  return f;
}

int Failover::rank() const {
  const ClusterNode* me = c_.myself_;
  const ClusterNode* master = me->master;
  if (master == nullptr) return 0;
  const int64_t myOffset = c_.server_.replicationOffset();
  int rank = 0;
  for (const ClusterNode* r : master->replicas) {
    if (r != me && !r->is(kFlagNoFailover) && r->replOffset > myOffset) rank++;
  }
  return rank;
}

void Failover::sendEmpty(ClusterLink* link, MsgType type, uint8_t mflags) {
  std::string msg = c_.buildHeader(type, 0);
  msg[wire::kOffMflags] = static_cast<char>(static_cast<uint8_t>(msg[wire::kOffMflags]) | mflags);
  c_.sendRaw(link, msg, type);
}

void Failover::sendAuthRequest() {
  std::string msg = c_.buildHeader(MsgType::kAuthRequest, 0);
  if (mfEnd_ != 0) {
    msg[wire::kOffMflags] =
        static_cast<char>(static_cast<uint8_t>(msg[wire::kOffMflags]) | kMflagForceAck);
  }
  c_.broadcast(msg, MsgType::kAuthRequest);
}

// ---- voter ------------------------------------------------------------------------------------

void Failover::onAuthRequest(ClusterNode* node, uint64_t requestCurrentEpoch,
                             uint64_t requestConfigEpoch, const SlotBitmap& claimed,
                             uint8_t mflags) {
  ClusterNode* me = c_.myself_;
  if (!me->isMaster() || me->numSlots == 0) return;
  if (requestCurrentEpoch < c_.currentEpoch_) {
    spdlog::warn("Failover auth denied to {}: reqEpoch ({}) < curEpoch({})", node->name,
                 requestCurrentEpoch, c_.currentEpoch_);
    return;
  }
  if (c_.lastVoteEpoch_ == c_.currentEpoch_) {
    spdlog::warn("Failover auth denied to {}: already voted for epoch {}", node->name,
                 c_.currentEpoch_);
    return;
  }
  ClusterNode* master = node->master;
  const bool force = (mflags & kMflagForceAck) != 0;
  if (node->isMaster() || master == nullptr || (!master->failed() && !force)) {
    spdlog::warn("Failover auth denied to {}: {}", node->name,
                 node->isMaster()    ? "it is a master node"
                 : master == nullptr ? "I don't know its master"
                                     : "its master is up");
    return;
  }
  const int64_t now = nowMs();
  const int64_t timeout = c_.server_.settings().clusterNodeTimeout;
  auto voted = votedTime_.find(master->name);
  if (voted != votedTime_.end() && now - voted->second < timeout * 2) {
    spdlog::warn("Failover auth denied to {}: can't vote about this master before {} ms",
                 node->name, timeout * 2 - (now - voted->second));
    return;
  }
  for (int j = 0; j < kClusterSlots; ++j) {
    if (!claimed.test(j)) continue;
    const ClusterNode* owner = c_.owner_[j];
    if (owner == nullptr || owner->configEpoch <= requestConfigEpoch) continue;
    spdlog::warn("Failover auth denied to {}: slot {} epoch ({}) > reqEpoch ({})", node->name, j,
                 owner->configEpoch, requestConfigEpoch);
    return;
  }
  c_.lastVoteEpoch_ = c_.currentEpoch_;
  votedTime_[master->name] = now;
  c_.saveNow();
  ClusterLink* link = node->link ? node->link : node->inbound;
  sendEmpty(link, MsgType::kAuthAck, 0);
  spdlog::info("Failover auth granted to {} for epoch {}", node->name, c_.currentEpoch_);
}

void Failover::onAuthAck(ClusterNode* sender, uint64_t senderCurrentEpoch) {
  if (!sender->isMaster() || sender->numSlots == 0) return;
  if (senderCurrentEpoch < authEpoch_ || !authSent_) return;
  authCount_++;
}

// ---- manual failover --------------------------------------------------------------------------

void Failover::resetManual() {
  if (mfEnd_ != 0 && !mfReplica_.empty()) c_.server_.unpauseClients();
  mfEnd_ = 0;
  mfReplica_.clear();
  mfMasterOffset_ = -1;
  mfCanStart_ = false;
}

void Failover::onMfStart(ClusterNode* sender) {
  ClusterNode* me = c_.myself_;
  if (!me->isMaster() || sender->master != me) return;
  resetManual();
  const int64_t now = nowMs();
  mfEnd_ = now + kManualFailoverTimeoutMs;
  mfReplica_ = sender->name;
  c_.server_.pauseClients(PauseType::kWrite, now + kManualFailoverTimeoutMs * kMfPauseMult);
  spdlog::info("Manual failover requested by replica {}", sender->name);
  // Our offset, with the PAUSED flag, at once.
  ClusterLink* link = sender->link ? sender->link : sender->inbound;
  if (link) c_.sendPing(link, MsgType::kPing);
}

void Failover::onHeader(ClusterNode* sender, int64_t offset, uint8_t mflags) {
  ClusterNode* me = c_.myself_;
  if (mfEnd_ == 0 || !me->isReplica() || me->master != sender || !(mflags & kMflagPaused)) return;
  if (mfMasterOffset_ == -1) {
    mfMasterOffset_ = offset;
    spdlog::info("Received replication offset for paused master manual failover: {}", offset);
  }
}

bool Failover::manual(Mode mode, std::string& error) {
  ClusterNode* me = c_.myself_;
  if (me->isMaster()) {
    error = "ERR You should send CLUSTER FAILOVER to a replica";
    return false;
  }
  ClusterNode* master = me->master;
  if (master == nullptr) {
    error = "ERR I'm a replica but my master is unknown to me";
    return false;
  }
  if (mode == Mode::kDefault && (master->failed() || master->link == nullptr)) {
    error = "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";
    return false;
  }
  resetManual();
  mfEnd_ = nowMs() + kManualFailoverTimeoutMs;
  authTime_ = 0;  // a new election, whatever the last one did
  if (mode == Mode::kTakeover) {
    spdlog::info("Taking over the master (user request).");
    bool bumped = false;
    c_.bumpEpochWithoutConsensus(bumped);
    replaceMaster();
    resetManual();
  } else if (mode == Mode::kForce) {
    spdlog::info("Forced failover user request accepted.");
    mfCanStart_ = true;
  } else {
    spdlog::info("Manual failover user request accepted.");
    sendEmpty(master->link, MsgType::kMfStart, 0);
  }
  return true;
}

void Failover::checkManual() {
  if (mfEnd_ == 0) return;
  const int64_t now = nowMs();
  if (mfEnd_ < now) {
    spdlog::warn("Manual failover timed out.");
    resetManual();
    return;
  }
  if (c_.myself_->isMaster()) {
    // Keep the replica informed of our (paused) offset.
    ClusterNode* r = c_.lookup(mfReplica_);
    if (r == nullptr || r->master != c_.myself_) {
      resetManual();
      return;
    }
    ClusterLink* link = r->link ? r->link : r->inbound;
    if (link) c_.sendPing(link, MsgType::kPing);
    return;
  }
  if (mfCanStart_ || mfMasterOffset_ == -1) return;
  if (c_.server_.replicationOffset() >= mfMasterOffset_) {
    mfCanStart_ = true;
    spdlog::info("All master replication stream processed, manual failover can start.");
  }
}

// ---- election ---------------------------------------------------------------------------------

void Failover::replaceMaster() {
  ClusterNode* me = c_.myself_;
  ClusterNode* old = me->master;
  if (me->isMaster() || old == nullptr) return;
  c_.setNodeAsMaster(me);
  for (int j = 0; j < kClusterSlots; ++j) {
    if (c_.owner_[j] == old) {
      c_.delSlot(j);
      c_.addSlot(me, j);
    }
  }
  c_.followMaster();  // stops replicating, keeping the data
  c_.updateState();
  c_.saveNow();
  c_.broadcastPong();
}

void Failover::handleReplica() {
  ClusterNode* me = c_.myself_;
  ClusterNode* master = me->master;
  const bool manualReady = mfEnd_ != 0 && mfCanStart_;
  if (me->isMaster() || master == nullptr || (!master->failed() && !manualReady) ||
      master->numSlots == 0) {
    return;
  }
  if (me->is(kFlagNoFailover) && !manualReady) return;
  const int64_t now = nowMs();
  const int64_t timeout = std::max<int64_t>(c_.server_.settings().clusterNodeTimeout, 1);
  const int64_t authTimeout = std::max<int64_t>(timeout * 2, 2000);
  const int64_t authRetry = authTimeout * 2;

  if (now - authTime_ > authRetry) {
    static std::mt19937 rng{std::random_device{}()};
    authTime_ = now + 500 + static_cast<int64_t>(rng() % 500);
    authCount_ = 0;
    authSent_ = false;
    authRank_ = rank();
    authTime_ += authRank_ * 1000;
    if (mfEnd_ != 0) {
      authTime_ = now;
      authRank_ = 0;
    }
    spdlog::info("Start of election delayed for {} milliseconds (rank #{}, offset {}).",
                 authTime_ - now, authRank_, c_.server_.replicationOffset());
    c_.broadcastPong();  // our offset to the other replicas, for their rank
    return;
  }
  if (!authSent_ && mfEnd_ == 0) {
    const int newRank = rank();
    if (newRank > authRank_) {
      authTime_ += (newRank - authRank_) * 1000;
      spdlog::info("Replica rank updated to #{}, added {} milliseconds of delay.", newRank,
                   (newRank - authRank_) * 1000);
      authRank_ = newRank;
    }
  }
  if (now < authTime_) return;
  if (now - authTime_ > authTimeout) return;  // expired; a new one starts after authRetry
  if (!authSent_) {
    c_.currentEpoch_++;
    authEpoch_ = c_.currentEpoch_;
    spdlog::info("Starting a failover election for epoch {}.", authEpoch_);
    sendAuthRequest();
    authSent_ = true;
    c_.saveNow();
    return;
  }
  const int needed = c_.size() / 2 + 1;
  if (authCount_ >= needed) {
    spdlog::info("Failover election won: I'm the new master (epoch {}).", authEpoch_);
    if (me->configEpoch < authEpoch_) {
      me->configEpoch = authEpoch_;
      spdlog::info("configEpoch set to {} after successful failover", authEpoch_);
    }
    replaceMaster();
    resetManual();
  } else if (now - lastLog_ > 1000) {
    lastLog_ = now;
    spdlog::info("Waiting for votes: {} of {} needed", authCount_, needed);
  }
}

// Redis's clusterHandleSlaveMigration.
void Failover::handleMigration() {
  ClusterNode* me = c_.myself_;
  const auto& settings = c_.server_.settings();
  const int64_t now = nowMs();
  // Orphaned masters: serving slots, not failed, no working replica (tracked on every node).
  ClusterNode* target = nullptr;
  int maxReplicas = 0;
  for (auto& [name, n] : c_.nodes_) {
    ClusterNode* m = n.get();
    if (!m->isMaster()) continue;
    const int ok = workingReplicas(m);
    if (ok == 0 && m->numSlots > 0 && !m->failed()) {
      orphanedSince_.try_emplace(m->name, now);
      if (target == nullptr || m->name < target->name) target = m;
    } else {
      orphanedSince_.erase(m->name);
    }
    maxReplicas = std::max(maxReplicas, ok);
  }
  for (auto it = orphanedSince_.begin(); it != orphanedSince_.end();) {
    it = c_.lookup(it->first) ? std::next(it) : orphanedSince_.erase(it);
  }
  if (!me->isReplica() || me->master == nullptr || !settings.clusterAllowReplicaMigration ||
      !c_.stateOk_ || target == nullptr || mfEnd_ != 0) {
    return;
  }
  ClusterNode* mine = me->master;
  if (mine->failed()) return;
  const int okMine = workingReplicas(mine);
  if (okMine <= settings.clusterMigrationBarrier || okMine != maxReplicas) return;
  // The replica with the smallest id among the masters with the most working replicas moves.
  const ClusterNode* candidate = me;
  for (auto& [name, n] : c_.nodes_) {
    const ClusterNode* m = n.get();
    if (!m->isMaster() || workingReplicas(m) != maxReplicas) continue;
    for (const ClusterNode* r : m->replicas) {
      if (!r->is(kFlagFail | kFlagPfail) && r->name < candidate->name) candidate = r;
    }
  }
  if (candidate != me || now - orphanedSince_[target->name] <= kMigrationDelayMs) return;
  spdlog::info("Migrating to orphaned master {}", target->name);
  c_.setMyMaster(target);
  c_.saveNow();
  c_.broadcastPong();
}

void Failover::cron() {
  // cluster-replica-no-failover shows as the nofailover flag (Redis's clusterUpdateMyselfFlags).
  ClusterNode* me = c_.myself_;
  const bool noFailover = c_.server_.settings().clusterReplicaNoFailover;
  if (noFailover != me->is(kFlagNoFailover)) {
    me->flags = static_cast<uint16_t>(noFailover ? (me->flags | kFlagNoFailover)
                                                 : (me->flags & ~kFlagNoFailover));
    c_.todoSave();
  }
  if (c_.myself_->isReplica() && !mfReplica_.empty()) resetManual();  // we were its master
  checkManual();
  handleMigration();
  if (c_.myself_->isReplica()) {
    handleReplica();
  } else if (mfEnd_ != 0 && mfReplica_.empty()) {
    resetManual();  // we were the replica of a manual failover and are a master now
  }
}

}  // namespace strata::node
