// Master/replica replication, shaped like Redis 7.0's replication.c:
//
//   master                                                replica (MasterLink, replica_link.cpp)
//   ──────                                                ───────
//   Server::call ─> Propagator ─> feed() ─┬─> backlog     connect ─> PING, AUTH, REPLCONF
//                                         └─> replicas'   listening-port/capa ─> PSYNC id off+1
//   PSYNC: +CONTINUE <- backlog tail          output          │
//          +FULLRESYNC id off, then a fork()ed child     +FULLRESYNC: FLUSHALL, apply the snapshot
//          streams "$EOF:<mark>" + snapshot + mark        (RESP commands) up to the mark
//          to the socket; the stream produced             +CONTINUE: keep the dataset
//          meanwhile waits in `pending`                   then apply the stream as the master
//   REPLCONF ACK <off> <- every second / on GETACK       client; offset += bytes of each command
//   WAIT n ms: blocks until n replicas acked the offset   and the same bytes feed our own backlog
//
// One replication id (replid) and offset describe "the history this node's dataset follows";
// replid2 + second_repl_offset keep the previous history after a promotion so former siblings
// can still PSYNC partially. A replica restarted with its dataset (AOF) resumes partially from
// the state file written on shutdown (see saveState()).
//
// Owned by the Server (one instance); event-loop thread only. Command handlers
// (commands/replication.cpp), the admission gate (replica_gate.cpp), INFO and the control hooks
// (replication_hooks.cpp) call into it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/handles.h"
#include "node/persistence/propagation.h"
#include "node/replication/backlog.h"

namespace strata::resp {
class Writer;
}

namespace strata::node {

class Server;
class Client;
struct CommandContext;
struct CommandDef;
class MasterLink;

class Replication : public PropagationSink {
 public:
  explicit Replication(Server& server);
  ~Replication() override;
  Replication(const Replication&) = delete;
  Replication& operator=(const Replication&) = delete;

  // ---- Roles (REPLICAOF, CLUSTER REPLICATE, failover) ----
  void replicateFrom(const std::string& host, int port);
  void stopReplicating();
  bool isReplica() const { return link_ != nullptr; }
  // A replica whose link is connected and synchronised (master_link_status:up).
  bool masterLinkUp() const;
  bool sameMaster(const std::string& host, int port) const;
  int64_t offset() const { return offset_; }

  // ---- Master side ----
  // PropagationSink: the effect of every write command, as RESP. Ignored on a replica (its
  // stream is the master's, fed verbatim by the link).
  void feed(std::string_view respCommands) override;
  // A master keeps history only for replicas or a backlog (feedStream); a replica's stream is
  // its master's.
  bool listening() const override { return !link_ && (backlog_.active() || !replicas_.empty()); }
  // Appends stream bytes to the backlog and every replica (the master's own commands, or the
  // bytes a replica received from its master).
  void feedStream(std::string_view bytes);
  void psync(CommandContext& ctx, bool legacySync);
  void replconf(CommandContext& ctx);
  void wait(CommandContext& ctx);
  // The server's hook for every closed client (a replica or a WAITing client).
  void clientClosed(Client& client);
  bool isReplicaClient(const Client& client) const;

  // ---- Admission (replica_gate.cpp) ----
  bool isMasterClient(const Client& client) const;
  bool loading() const;
  bool enoughGoodReplicas() const;

  // ---- INFO ----
  void infoReplication(std::string& out) const;
  // ROLE's reply: ["master", offset, [[ip, port, ack offset], ...]] or
  // ["slave", master host, master port, link state, offset], as Redis 7.0.
  void role(resp::Writer& w) const;
  void infoStats(std::string& out) const;
  // CONFIG RESETSTAT.
  void resetStats() { syncFull_ = syncPartialOk_ = syncPartialErr_ = 0; }

  // Replica side, called by MasterLink.
  Server& server() { return server_; }
  const std::string& replid() const { return replid_; }
  // PSYNC got +FULLRESYNC: the dataset is replaced and the history restarts at `offset`.
  void fullSyncStarted(const std::string& replid, int64_t offset);
  // The snapshot is loaded: the stream continues from offset_ + 1.
  void fullSyncDone();
  // PSYNC got +CONTINUE [<replid>]: keep the history, adopt the master's id.
  void partialSyncAccepted(const std::string& newReplid);
  // A command of the master's stream was applied: `raw` are its exact bytes.
  void streamApplied(std::string_view raw);
  void disconnectReplicas();

 private:
  struct ReplicaInfo;
  struct Waiter {
    Client* client;
    int64_t target;
    int64_t numReplicas;
    int64_t deadline;  // ms, 0: none
  };

  void onTimer(evutil_socket_t fd, short what);
  void onDeferred(evutil_socket_t fd, short what);
  void onWaitTimer(evutil_socket_t fd, short what);
  static void onChildStatus(evutil_socket_t fd, short what, void* arg) noexcept;
  // TLS replicas: the child writes the snapshot into a pipe and the loop forwards it into the
  // replica's (encrypted) output, paced by that output's size.
  static void onSnapshotData(evutil_socket_t fd, short what, void* arg) noexcept;
  void forwardSnapshot(ReplicaInfo& info);
  void schedule();
  void armWaitTimer();
  void ensureBacklog();
  void shiftReplid();
  void startFullSync(Client& client, ReplicaInfo& info, bool legacySync);
  void finishFullSync(ReplicaInfo& info, bool ok);
  void removeReplica(Client& client);
  int64_t ackedReplicas(int64_t target) const;
  void serveWaiters(bool timeoutsOnly);
  void refreshGoodReplicas();
  void registerMetrics();
  void loadState();
  void saveState() const;
  std::string statePath() const;

  Server& server_;
  std::string replid_;
  std::string replid2_;
  int64_t offset_ = 0;  // master_repl_offset: stream bytes produced (master) or applied (replica)
  int64_t secondOffset_ = -1;
  Backlog backlog_;
  int64_t noReplicasSinceMs_ = 0;
  std::vector<std::unique_ptr<ReplicaInfo>> replicas_;
  std::vector<Waiter> waiters_;
  std::unique_ptr<MasterLink> link_;
  bool getAckPending_ = false;
  bool stateLoaded_ = false;  // replid/offset came from the state file: the dataset follows them
  int goodReplicas_ = 0;
  int64_t lastPingMs_ = 0;
  uint64_t syncFull_ = 0, syncPartialOk_ = 0, syncPartialErr_ = 0;
  std::vector<pid_t> zombies_;
  net::EventPtr timer_;      // 100 ms: link reconnects and ACKs, PINGs, timeouts, counts
  net::EventPtr deferred_;   // activated to answer WAITers and send GETACK outside a command
  net::EventPtr waitTimer_;  // one-shot at the earliest WAIT deadline
};

// 40 random hex characters (a replication id, the EOF mark of a diskless transfer).
std::string randomHexId();
// "REPLCONF ACK <offset>" as RESP: what a replica sends its master.
std::string replicationAck(int64_t offset);

}  // namespace strata::node
