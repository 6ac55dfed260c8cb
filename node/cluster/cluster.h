// Cluster mode of the node (Redis Cluster semantics): the cluster state (16384 slots, the known
// nodes with their 40-hex ids, flags, epochs, masters and replicas, migrating/importing slots),
// nodes.conf (cluster_config.cpp: Redis's format, flocked, written atomically and fsynced), and
// the cluster bus (cluster_bus.cpp: a listener on port+10000 or cluster-port, one outgoing link
// per known node, PING/PONG/MEET with gossip, FAIL, UPDATE, PUBLISH in our own binary format,
// cluster_wire.h), with handshakes, PFAIL -> FAIL failure detection and config-epoch collision
// handling.
//
//   CLUSTER commands ──┐                                 ┌── peers' links (inbound)
//   (commands/cluster) ├──> Cluster (state) <── process ─┤
//   clusterGate ───────┘        │ tick (100 ms)          └── our links (outbound) ──> peers
//                               └─> nodes.conf (saved when todoSave_ is set, or at once)
//
// Owned by the Server (one instance when cluster-enabled is yes); everything runs on the event
// loop thread. Failover (replica election, CLUSTER FAILOVER) is failover.h's Failover, driven by
// the tick and the AUTH_REQUEST/AUTH_ACK/MFSTART messages.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/net/accept_backoff.h"
#include "common/net/handles.h"
#include "common/slots/key_slot.h"
#include "node/cluster/slot_bitmap.h"

namespace strata::node {

class Server;
class Cluster;
class Failover;
struct ClusterLink;

inline constexpr int kClusterSlots = slots::kSlotCount;
inline constexpr size_t kNodeIdLen = 40;

// Node flags, as CLUSTER NODES prints them (in this order).
enum NodeFlag : uint16_t {
  kFlagMyself = 1 << 0,
  kFlagMaster = 1 << 1,
  kFlagReplica = 1 << 2,
  kFlagPfail = 1 << 3,
  kFlagFail = 1 << 4,
  kFlagHandshake = 1 << 5,
  kFlagNoAddr = 1 << 6,
  kFlagNoFailover = 1 << 7,
  kFlagMeet = 1 << 8,  // send MEET (not PING) on the next connect; never printed
};

// Bus message types, numbered as Redis's CLUSTERMSG_TYPE_* (names in CLUSTER INFO stats).
enum class MsgType : uint16_t {
  kPing = 0,
  kPong = 1,
  kMeet = 2,
  kFail = 3,
  kPublish = 4,
  kAuthRequest = 5,
  kAuthAck = 6,
  kUpdate = 7,
  kMfStart = 8,
  kModule = 9,
  kPublishShard = 10,
};
inline constexpr int kMsgTypeCount = 11;
const char* msgTypeName(int type);

struct ClusterNode {
  std::string name;  // 40 lowercase hex
  uint16_t flags = 0;
  std::string ip;  // empty: not known yet (myself before the first MEET)
  int port = 0;
  int cport = 0;
  int pport = 0;  // the plaintext client port when `port` is the TLS one (tls-cluster), else 0
  uint64_t configEpoch = 0;
  ClusterNode* master = nullptr;  // when a replica
  std::vector<ClusterNode*> replicas;
  SlotBitmap slots;
  int numSlots = 0;
  int64_t ctime = 0;
  int64_t pingSent = 0;      // ms; 0 = no ping pending
  int64_t pongReceived = 0;  // ms
  int64_t dataReceived = 0;  // ms
  int64_t failTime = 0;      // ms when FAIL was set
  int64_t replOffset = 0;
  std::map<std::string, int64_t> failReports;  // reporting master's name -> time
  ClusterLink* link = nullptr;                 // outbound (we connect)
  ClusterLink* inbound = nullptr;              // inbound (it connected to us)

  bool is(uint16_t f) const { return (flags & f) != 0; }
  bool isMaster() const { return is(kFlagMaster); }
  bool isReplica() const { return is(kFlagReplica); }
  bool failed() const { return is(kFlagFail); }
};

// One bus connection. Outbound links belong to a node; inbound ones learn theirs from the first
// message (Redis's inbound_link).
struct ClusterLink {
  net::BufferEventPtr bev;
  ClusterNode* node = nullptr;
  bool inbound = false;
  bool connected = false;
  bool dead = false;  // freed at the next tick (never inside its own callback)
  int64_t ctime = 0;
  std::string peerIp;  // inbound: the connecting address
  std::string localIp;
  Cluster* cluster = nullptr;

  void onRead(bufferevent* bev);
  void onEvent(bufferevent* bev, short what);
};

class Cluster {
 public:
  explicit Cluster(Server& server);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Loads (or creates) nodes.conf, binds the bus and starts the tick. False (logged) on failure.
  bool start();

  // ---- state (cluster_state.cpp) --------------------------------------------------------------
  ClusterNode* myself() const { return myself_; }
  ClusterNode* lookup(std::string_view name) const;
  ClusterNode* slotOwner(int slot) const { return owner_[slot]; }
  ClusterNode* migratingTo(int slot) const { return migrating_[slot]; }
  ClusterNode* importingFrom(int slot) const { return importing_[slot]; }
  const std::unordered_map<std::string, std::unique_ptr<ClusterNode>>& nodes() const {
    return nodes_;
  }
  bool stateOk() const { return stateOk_; }
  uint64_t currentEpoch() const { return currentEpoch_; }
  // The config epoch a node is seen with (a replica's is its master's).
  static uint64_t nodeEpoch(const ClusterNode* n);
  int size() const;  // masters serving at least one slot

  bool addSlot(ClusterNode* n, int slot);
  bool delSlot(int slot);
  void delNodeSlots(ClusterNode* n);
  void setMigrating(int slot, ClusterNode* to) { setOpen(migrating_, slot, to); }
  void setImporting(int slot, ClusterNode* from) { setOpen(importing_, slot, from); }
  // myself becomes a replica of `master` (CLUSTER REPLICATE, lost slots): replication follows.
  void setMyMaster(ClusterNode* master);
  // Starts a handshake with ip:port (MEET when `meet`); false for an invalid address.
  bool startHandshake(const std::string& ip, int port, int cport, bool meet);
  // Removes a node (FORGET, handshake timeout); its links close. `blacklist` keeps gossip from
  // adding it back for 60 s.
  void forget(ClusterNode* n, bool blacklist);
  void bumpEpochWithoutConsensus(bool& bumped);
  bool setConfigEpoch(uint64_t epoch) {
    myself_->configEpoch = epoch;
    if (currentEpoch_ < epoch) currentEpoch_ = epoch;
    return true;
  }
  // CLUSTER RESET: forget every node, drop slots, become a master; hard also renews the id and
  // zeroes the epochs.
  void reset(bool hard);
  void updateState();
  // A config change: the state is recomputed and nodes.conf rewritten at the next tick, or at
  // once with saveNow().
  void todoSave() { todoSave_ = true; }
  bool saveNow(std::string* error = nullptr);

  // CLUSTER NODES line of a node (no trailing newline); the whole text (each line ending "\n").
  std::string describe(const ClusterNode* n, bool forConfig) const;
  std::string nodesText(bool forConfig) const;
  std::string infoText() const;
  // Number of live keys of a slot in the keyspace.
  size_t countKeysInSlot(int slot) const;
  void deleteKeysInSlot(int slot);

  // Client-facing address parts of myself (announce options applied).
  int myPort() const;
  // Redis 7.0's announced pport: the plaintext client port under tls-cluster (else 0).
  int myPlaintextPort() const;
  int myBusPort() const;

  // ---- bus (cluster_bus.cpp) ------------------------------------------------------------------
  void broadcastPong();
  void publish(std::string_view channel, std::string_view message, bool sharded);
  void sendUpdate(ClusterLink* link, ClusterNode* n);
  struct LinkInfo {
    bool inbound;
    std::string node;
    int64_t ctime;
    size_t sendBuffer;
  };
  std::vector<LinkInfo> links() const;
  uint64_t sent(int type) const { return sent_[type]; }
  uint64_t received(int type) const { return received_[type]; }

  Server& server() { return server_; }
  // Replica election and manual failover (failover.h).
  Failover& failover() { return *failover_; }

  // While a script is busy (Server::serveWhileBusy): answers the bus from outside the event loop
  // (cluster_busy.cpp), so a long script does not get this node failed over.
  void serveWhileBusy();

  // Called by links.
  void linkRead(ClusterLink* link);
  void linkEvent(ClusterLink* link, short what);

 private:
  friend struct ClusterLink;
  friend class Failover;
  // cluster_state.cpp
  ClusterNode* createNode(std::string name, uint16_t flags);
  void renameNode(ClusterNode* n, const std::string& name);
  void setNodeMaster(ClusterNode* replica, ClusterNode* master);
  void setNodeAsMaster(ClusterNode* n);
  // Sets migrating_[slot] or importing_[slot] (`table`) and keeps openSlots_ in step.
  void setOpen(std::array<ClusterNode*, kClusterSlots>& table, int slot, ClusterNode* other);
  void updateSlotsConfigWith(ClusterNode* sender, uint64_t senderEpoch, const SlotBitmap& claimed);
  void handleEpochCollision(ClusterNode* sender);
  bool addFailureReport(ClusterNode* failing, ClusterNode* reporter);
  void removeFailureReport(ClusterNode* failing, ClusterNode* reporter);
  int failureReportCount(ClusterNode* n);
  void markFailingIfNeeded(ClusterNode* n);
  void clearFailureIfNeeded(ClusterNode* n);
  bool blacklisted(const std::string& name);
  void followMaster();  // replicateFrom/stopReplicating as myself's role says
  static std::string randomName();

 public:
  int failureReports(ClusterNode* n) { return failureReportCount(n); }

 private:
  // cluster_metrics.cpp
  void registerMetrics();
  // cluster_config.cpp
  bool loadConfig(bool& created);
  bool lockConfig();
  bool overwriteConfigInPlace(std::string& text);

  // cluster_bus.cpp
  bool listenBus();
  void onAccept(evconnlistener* l, evutil_socket_t fd, sockaddr* sa, int len);
  void onAcceptError(evconnlistener* l);
  void onTick(evutil_socket_t, short);
  ClusterLink* newLink(net::BufferEventPtr bev, ClusterNode* node, bool inbound);
  net::BufferEventPtr newBusBufferEvent(evutil_socket_t fd, bool inbound);
  void freeLink(ClusterLink* link);
  void connectNode(ClusterNode* n);
  void sendPing(ClusterLink* link, MsgType type);
  void sendFail(ClusterNode* n);
  void sendRaw(ClusterLink* link, std::string& msg, MsgType type);
  void broadcast(std::string& msg, MsgType type, bool shardOnly = false);
  std::string buildHeader(MsgType type, uint16_t count) const;
  void process(ClusterLink* link, const uint8_t* data, size_t len);
  void processGossip(ClusterNode* sender, const uint8_t* p, uint16_t count);
  void cron();

  Server& server_;
  std::unordered_map<std::string, std::unique_ptr<ClusterNode>> nodes_;
  ClusterNode* myself_ = nullptr;
  std::array<ClusterNode*, kClusterSlots> owner_{};
  std::array<ClusterNode*, kClusterSlots> migrating_{};
  std::array<ClusterNode*, kClusterSlots> importing_{};
  SlotBitmap openSlots_;  // slots with a migrating_ or importing_ entry (nodes.conf markers)
  uint64_t currentEpoch_ = 0;
  uint64_t lastVoteEpoch_ = 0;
  bool stateOk_ = false;
  bool todoSave_ = false;
  std::map<std::string, int64_t> blacklist_;  // forgotten node -> expiry (ms)
  std::string configPath_;
  std::array<uint64_t, 3> savedEpochs_{~0ull, ~0ull, ~0ull};  // as last fsynced
  net::UniqueFd configLock_;
  std::unique_ptr<net::AcceptBackoff> busAcceptBackoff_;  // pauses listeners_ on EMFILE...
  std::vector<net::EvConnListenerPtr> listeners_;
  std::vector<std::unique_ptr<ClusterLink>> links_;
  net::EventPtr tick_;
  int64_t lastStateLog_ = 0;
  std::string following_;  // "ip:port" of the master replication was pointed at
  // Inside serveWhileBusy: a role change read from the bus waits for the tick (followMaster),
  // so replication is not torn down under the running script.
  bool servingWhileBusy_ = false;
  std::array<uint64_t, kMsgTypeCount> sent_{};
  std::array<uint64_t, kMsgTypeCount> received_{};
  std::unique_ptr<Failover> failover_;
};

}  // namespace strata::node
