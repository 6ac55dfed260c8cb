// Replica election and manual failover of the cluster (Redis's clusterHandleSlaveFailover,
// clusterSendFailoverAuthIfNeeded, manual failover and CLUSTER FAILOVER FORCE/TAKEOVER), owned by
// the Cluster and driven by its 100 ms tick and by the bus:
//
//   replica side: master FAIL (or a manual failover that may start) -> wait 500 ms + random(500)
//   + rank * 1000 -> currentEpoch++ -> AUTH_REQUEST to every node -> AUTH_ACKs from a majority
//   of the slot-serving masters -> take the master's slots with the election epoch as our
//   configEpoch, stop replicating (keeping the data), PONG everyone. The other nodes (and the old
//   master when it comes back) see the higher-epoch slot claim and follow it (UPDATE / PONG).
//
//   voter side (masters with slots): one vote per currentEpoch, only for a replica whose master
//   is FAIL (or when the request carries FORCEACK), at most one vote per master every
//   2 * node-timeout, never for slots claimed with an epoch older than their owner's.
//
//   manual failover: the replica sends MFSTART; its master pauses writes and tells its offset in
//   every ping (the PAUSED header flag); once the replica has applied that offset it runs the
//   election with FORCEACK and no delay. FORCE skips the offset step, TAKEOVER skips the votes.
//
//   replica migration (cluster-allow-replica-migration, cluster-migration-barrier): a replica of
//   the master with the most working replicas (more than the barrier), the one with the smallest
//   id, moves to a master left with slots and no working replica for 5 s.
//
// Event-loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "node/cluster/cluster.h"

namespace strata::node {

// Bits of the header byte at wire::kOffMflags (Redis's CLUSTERMSG_FLAG0_*).
inline constexpr uint8_t kMflagPaused = 1
                                        << 0;  // the sender (a master) paused for a manual failover
inline constexpr uint8_t kMflagForceAck = 1 << 1;  // vote even though the master is not FAIL

class Failover {
 public:
  explicit Failover(Cluster& cluster);

  // Called at every cluster tick.
  void cron();
  // Header flags of our outgoing messages.
  uint8_t headerFlags() const;
  // Bus messages (the sender is known and not in handshake).
  void onAuthRequest(ClusterNode* sender, uint64_t senderCurrentEpoch, uint64_t senderConfigEpoch,
                     const SlotBitmap& claimed, uint8_t mflags);
  void onAuthAck(ClusterNode* sender, uint64_t senderCurrentEpoch);
  void onMfStart(ClusterNode* sender);
  // A PING/PONG from `sender` with its header offset and flags.
  void onHeader(ClusterNode* sender, int64_t offset, uint8_t mflags);
  // myself turned into a replica (or the config changed under a manual failover): stop it.
  void resetManual();

  enum class Mode { kDefault, kForce, kTakeover };
  // CLUSTER FAILOVER; false with `error` set when refused.
  bool manual(Mode mode, std::string& error);

  // Takes over the master's slots (election won, TAKEOVER).
  void replaceMaster();

 private:
  void handleReplica();
  void handleMigration();
  void checkManual();
  int rank() const;
  void sendAuthRequest();
  void sendEmpty(ClusterLink* link, MsgType type, uint8_t mflags);

  Cluster& c_;
  // Election (replica side).
  int64_t authTime_ = 0;  // ms: start of the election (or when it may start)
  int authCount_ = 0;
  bool authSent_ = false;
  int authRank_ = 0;
  uint64_t authEpoch_ = 0;
  int64_t lastLog_ = 0;
  // Manual failover: end time (0 = none); on the master the replica it serves; on the replica
  // the master's offset once paused (-1 = not known yet) and whether the election may start.
  int64_t mfEnd_ = 0;
  std::string mfReplica_;  // master side: the replica's name
  int64_t mfMasterOffset_ = -1;
  bool mfCanStart_ = false;
  // Voter side: when we last voted for a replica of each master.
  std::map<std::string, int64_t> votedTime_;
  // Replica migration: since when each orphaned master (slots, no working replica) is so.
  std::map<std::string, int64_t> orphanedSince_;
};

}  // namespace strata::node
