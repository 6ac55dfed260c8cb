// The node's single-threaded server, shaped like redis-server's ae loop:
//
//   event_base_loop(ONCE) ──> accept / read+execute / writable / cron / signals
//          ^                                  │
//          └──── beforeSleep(): flush every client with new output, free closed clients
//
// Owns the settings (and their CONFIG registry), the keyspace, the command table, every client,
// the listeners and the cron timer (at `hz`: active expiry, incremental rehash, idle timeouts).
// execute() is the one entry of a parsed request: lookup, arity, auth, handler, limits.
// Everything runs on the thread that called run().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/config/registry.h"
#include "common/net/accept_backoff.h"
#include "common/net/handles.h"
#include "node/keyspace/keyspace.h"
#include "node/server/command_table.h"
#include "node/server/error_stats.h"
#include "node/server/notify.h"
#include "node/server/tracking.h"
#include "node/server/txpubsub.h"
#include "node/settings.h"

namespace strata::node {

class Acl;
class AuthGuard;
class Client;
class Replication;
class CommandStats;
class Eviction;
class NodeMetrics;
class Cluster;
class MigrateSockets;
class NodeTls;
class Persistence;
class PropagationSink;
class Scripting;
class LatencyMonitor;

// Counters reported by INFO stats (CONFIG RESETSTAT zeroes them).
struct Stats {
  uint64_t totalConnections = 0;
  uint64_t totalCommands = 0;
  uint64_t rejectedConnections = 0;
  uint64_t expiredKeys = 0;
  uint64_t evictedKeys = 0;
  uint64_t keyspaceHits = 0;
  uint64_t keyspaceMisses = 0;
  uint64_t netInputBytes = 0;
  uint64_t netOutputBytes = 0;
  uint64_t errorReplies = 0;  // total_error_replies
  ErrorStats errors;          // INFO errorstats, the same replies by prefix
  uint64_t outputLimitDisconnections = 0;
  uint64_t queryLimitDisconnections = 0;
  uint64_t authFailures = 0;  // failed AUTH / HELLO AUTH (server/auth_guard.h)
};

// Wall-clock Unix time in milliseconds / microseconds.
int64_t nowMs();
int64_t nowUs();

class Server {
 public:
  explicit Server(NodeSettings settings);
  ~Server();
  Server(const Server&) = delete;

  // Binds the listeners; false (with a logged reason) if none could be opened.
  bool listen();
  // Runs the loop until SHUTDOWN or SIGTERM/SIGINT; returns the exit status.
  int run();
  void requestShutdown() { exit_ = true; }
  // The effective cron frequency: `hz` clamped to [1, 500] like Redis.
  int hz() const;

  // Executes one request for `client`, writing the reply into its output buffer.
  void execute(Client& client, const std::vector<std::string_view>& argv);
  // Runs an admitted command: the handler, then the slow log, statistics and propagation.
  // EXEC calls it for each queued command.
  void call(Client& client, const CommandDef& def, const std::vector<std::string_view>& argv);

  // Admission gates (see execute()); each answers and returns false to refuse. Defined by the
  // feature that owns them: cluster/cluster_gate.cpp, server/eviction.cpp,
  // replication/replica_gate.cpp, server/pubsub.cpp, server/transactions.cpp (monitorGate:
  // server.cpp; the busy-script gate is Scripting::busyGate).
  bool clusterGate(Client& client, const CommandDef& def,
                   const std::vector<std::string_view>& argv);
  bool memoryGate(Client& client, const CommandDef& def, const std::vector<std::string_view>& argv);
  bool replicaGate(Client& client, const CommandDef& def,
                   const std::vector<std::string_view>& argv);
  bool pubsubGate(Client& client, const CommandDef& def);
  bool staleGate(Client& client, const CommandDef& def, const std::vector<std::string_view>& argv);
  bool loadingGate(Client& client, const CommandDef& def);
  bool monitorGate(Client& client, const CommandDef& def);
  // server/acl_gate.cpp: -NOPERM for a command, key or channel the client's user may not use
  // (only called for users without allcommands + allkeys + allchannels).
  bool aclGate(Client& client, const CommandDef& def, const std::vector<std::string_view>& argv);
  // The `user` lines and the aclfile at start-up (acl_gate.cpp); false (logged) on an error.
  bool configureAclUsers();
  bool transactionGate(Client& client, const CommandDef& def,
                       const std::vector<std::string_view>& argv);
  // node/persistence: write commands fail with -MISCONF while the AOF cannot be written.
  bool persistenceGate(Client& client, const CommandDef& def,
                       const std::vector<std::string_view>& argv);
  // The flag bits the gates judge a request by (Redis's getCommandFlags): EVAL* / FCALL* take
  // their script's declared flags (Scripting::commandFlags), every other command its own.
  uint32_t admissionFlags(const CommandDef& def, const std::vector<std::string_view>& argv);
  // Redis's mstate.cmd_flags / cmd_inv_flags for EXEC's gates: the OR of the queued commands'
  // admission flags, or with `complement` of their complements (a bit set: some command lacks it).
  uint32_t queuedAdmissionFlags(const Client& client, bool complement);
  bool writesByAdmission(const CommandDef& def, const std::vector<std::string_view>& argv) {
    return (admissionFlags(def, argv) & static_cast<uint32_t>(CommandFlag::kWrite)) != 0;
  }
  // replica-serve-stale-data no (replication/replica_gate.cpp): a command without the stale
  // flag, or an EXEC that queued one, is refused while the master link is down.
  bool deniedWhenStale(Client& client, const CommandDef& def,
                       const std::vector<std::string_view>& argv);
  // After-call hooks (see call()): server/slowlog.cpp, server/command_stats.cpp,
  // persistence/propagation.cpp (AOF and replicas).
  void slowlogRecord(Client& client, const CommandDef& def,
                     const std::vector<std::string_view>& argv, int64_t durationUs);
  void commandStatsRecord(const CommandDef& def, int64_t durationUs, bool failed);
  // LATENCY (server/latency.h): a "command" / "fast-command" event when the call took at least
  // latency-monitor-threshold ms (one comparison otherwise).
  void latencyRecord(const CommandDef& def, int64_t durationUs) {
    const int64_t threshold = settings_.latencyMonitorThreshold;
    if (threshold > 0 && durationUs / 1000 >= threshold) [[unlikely]] {
      latencyEvent(def.hasFlag("fast") ? "fast-command" : "command", durationUs / 1000);
    }
  }
  void latencyEvent(std::string_view event, int64_t latencyMs);
  LatencyMonitor& latency() { return *latency_; }
  // Every error reply counted in total_error_replies and INFO errorstats goes through here, as
  // Redis's afterErrorReply: `reply` is the reply as written ("-WRONGTYPE ...\r\n"). Only error
  // replies pay for it.
  void countErrorReply(std::string_view reply) {
    stats_.errorReplies++;
    stats_.errors.record(reply);
  }
  // Counts the reply `client` got from offset `before` if it is an error (first byte '-').
  void countIfErrorReply(Client& client, size_t before);
  // A script's error reply whose error was already counted when its redis.call() failed
  // (Redis's ignore_error_stats_update): the EVAL/FCALL's own reply is not counted again.
  void errorReplyAlreadyCounted() { errorAlreadyCounted_ = true; }
  // A command refused before it ran (arity, NOAUTH, a gate's error): its rejected_calls.
  void commandStatsRejected(const CommandDef& def);
  void propagateCommand(const CommandDef& def, const std::vector<std::string_view>& argv);
  // MONITOR (server/monitor.cpp): start (false if the client already monitors) and stop; the
  // line of one command to every monitoring client (call() feeds it when monitors() is not
  // empty).
  bool startMonitoring(Client& client);
  void stopMonitoring(Client& client);
  void feedMonitors(Client& client, const CommandDef& def,
                    const std::vector<std::string_view>& argv);
  const std::vector<Client*>& monitors() const { return monitors_; }

  // Propagation to the AOF and replicas (node/persistence/propagation.h, propagation.cpp). Each
  // change is encoded once as RESP and fed to every sink at the end of the outermost command.
  // Sinks are not owned: a sink removes itself before it is destroyed.
  void addPropagationSink(PropagationSink* sink);
  void removePropagationSink(PropagationSink* sink);
  // Explicit propagation of one command, in order with the running command's own effects (an
  // expired or evicted key -> DEL). Outside a command (cron) it goes to the sinks at once.
  void propagate(const std::vector<std::string_view>& argv);
  // For handlers: the form the running command propagates as instead of its own argv (each call
  // adds one command: SPOP -> SREM, BLPOP -> LPOP). Cheap no-op while nothing listens.
  void propagateAs(std::initializer_list<std::string_view> argv);
  void propagateAs(const std::vector<std::string_view>& argv);
  // The running command propagates nothing even though it changed the dataset.
  void preventPropagation();
  // True while some sink listens: handlers skip building a propagated form otherwise.
  bool propagationActive() const;
  // AOF, rewrite and loading state (node/persistence/persistence.h).
  Persistence& persistence() { return *persistence_; }

  // Replication control (node/replication/replication_hooks.cpp), called by REPLICAOF and by
  // cluster mode (CLUSTER REPLICATE, failover): follow a master, or stop and become a master
  // keeping the data; the replication offset feeds the failover rank.
  void replicateFrom(const std::string& host, int port);
  void stopReplicating();
  bool isReplica() const;
  int64_t replicationOffset() const;
  // The replication subsystem (node/replication/replication.h): roles, stream, WAIT, INFO.
  Replication& replication() { return *replication_; }
  // Pub/sub delivery to this node's own subscribers (server/pubsub.cpp); returns receivers.
  size_t publishLocal(std::string_view channel, std::string_view message, bool sharded);
  // Keyspace notifications (server/notify.h): called where redis-server 7.0 calls
  // notifyKeyspaceEvent(); `type` is a notify:: class bit. One test while the class is off.
  void notifyKeyspaceEvent(int type, std::string_view event, std::string_view key) {
    if (settings_.notifyKeyspaceEvents & type) [[unlikely]]
      publishKeyspaceEvent(event, key);
  }
  // Cluster-wide PUBLISH over the bus (node/cluster/cluster_publish.cpp); no-op when cluster
  // mode is off. PUBLISH calls publishLocal() then this; SPUBLISH reaches the shard's nodes.
  void clusterPublish(std::string_view channel, std::string_view message, bool sharded);

  // Transactions, pub/sub, CLIENT PAUSE and the slow log (server/txpubsub.h; transactions.cpp,
  // pubsub.cpp, client_pause.cpp, slowlog.cpp). inExec(): EXEC is running its queued commands
  // (propagation wraps what they change in MULTI ... EXEC; blocking commands do not block).
  bool inExec() const { return txps_.inExec; }
  TxPubSub& txps() { return txps_; }
  // The Keyspace hooks' WATCH side: marks the clients WATCHing `key` dirty; on a flush, those
  // WATCHing a key that exists (Redis's touchAllWatchedKeysInDb).
  void touchWatchedKey(std::string_view key);
  void touchAllWatchedKeys();
  // A command refused before it ran (unknown, arity, a gate; its error starts at replyStart of
  // the output): EXEC will answer EXECABORT; a refused EXEC itself answers "EXECABORT
  // Transaction discarded because of: <error>" and discards the transaction.
  void flagTransaction(Client& client, const CommandDef* def, size_t replyStart);
  // Drops the client's MULTI, WATCHes and subscriptions (RESET, disconnect), without replies.
  void resetSession(Client& client);
  // CLIENT PAUSE / UNPAUSE (client_pause.cpp): postponed requests run again once it ends.
  void pauseClients(PauseType type, int64_t endMs);
  void unpauseClients();
  // CLIENT UNBLOCK (blocking.cpp): a client blocked on keys answers as on timeout (or with
  // -UNBLOCKED); false if it is not blocked.
  bool unblockFromCommand(Client& target, bool error);

  // Client-side caching (server/tracking.h): created by the first CLIENT TRACKING ON; until then
  // a key change or a call() costs a null test. trackingAfterCall is call()'s side of it (the
  // keyspace hooks call Tracking directly).
  Tracking& tracking();
  bool trackingInUse() const { return tracking_ != nullptr; }
  void trackingAfterCall(Client& client, const CommandDef& def,
                         const std::vector<std::string_view>& argv);

  // Failed AUTH: counted, logged, answered after auth-failure-delay-ms (server/auth_guard.h;
  // created on first use, defined in server/auth_guard.cpp).
  AuthGuard& authGuard();
  // ACL users (server/acl.h).
  Acl& acl() { return *acl_; }
  // protected-mode yes, no requirepass, a client not on loopback: answered DENIED (true).
  bool refusedByProtectedMode(int fd);

  // Called by a client that has new output (queued for beforeSleep's flush).
  void wantFlush(Client& client);
  void clientClosed(Client& client);
  // Blocking list pops (blocking.cpp). blockClient parks `client` on `keys` until a push to one
  // of them (signalKeyReady, served after the pushing command completes, FIFO per key), its
  // deadline (ms; 0 = forever: null reply) or its disconnection.
  void blockClient(Client& client, const std::vector<std::string_view>& argv,
                   std::vector<std::string> keys, int64_t deadline);
  void signalKeyReady(std::string_view key);
  size_t blockedClients() const { return blocked_.size() + txps_.postponed.size(); }

  // Lua scripting and functions (node/scripting/scripting.h; created on first use, defined
  // there). serveWhileBusy(): a script past busy-reply-threshold lets the other clients' input
  // be read and answered (-BUSY but for SCRIPT KILL, SHUTDOWN NOSAVE, ...), from its Lua hook.
  Scripting& scripting();
  void serveWhileBusy(Client& running);
  // The AOF and the pending replies of everyone but `running`, as beforeSleep would (busy.cpp).
  void flushPendingWhileBusy(Client& running);
  bool shuttingDown() const { return exit_; }

  // The plain port bound (0: port 0, no plain listener) and the TLS one (0: none).
  int boundPort() const { return boundPort_; }
  int boundTlsPort() const { return boundTlsPort_; }
  // The TLS contexts (node/server/node_tls.h): null contexts when TLS is not configured.
  NodeTls& tls() { return *tls_; }

  event_base* base() { return base_.get(); }
  NodeSettings& settings() { return settings_; }
  config::Registry<NodeSettings>& registry() { return registry_; }
  Keyspace& keyspace() { return keyspace_; }
  const CommandTable& commands() const { return commands_; }
  // Cluster mode (node/cluster/cluster.h); nullptr when cluster-enabled is no.
  Cluster* cluster() { return cluster_.get(); }
  // MIGRATE's cached connections to target nodes (node/migrate/), created on first use
  // (defined in commands/migrate.cpp).
  MigrateSockets& migrateSockets();
  Stats& stats() { return stats_; }
  // maxmemory and eviction (server/eviction.h), per-command statistics (server/command_stats.h)
  // and the Prometheus exporter other subsystems publish through (observe/node_metrics.h).
  Eviction& eviction() { return *eviction_; }
  CommandStats& commandStats() { return *commandStats_; }
  NodeMetrics& metrics() { return *metrics_; }
  const std::map<uint64_t, Client*>& clients() const { return clients_; }
  int64_t startMs() const { return startMs_; }
  int64_t now() const { return nowCachedMs_; }
  // Refreshes the cached clock (once per command, like Redis's commandTimeSnapshot).
  void updateClock();

 private:
  void publishKeyspaceEvent(std::string_view event, std::string_view key);
  void onAccept(evutil_socket_t fd, short what);
  void onAcceptTls(evutil_socket_t fd, short what);
  void acceptClients(int listenFd, bool tls);
  void enableListeners(bool on);
  void onCron(evutil_socket_t fd, short what);
  void onSignal(evutil_socket_t fd, short what);
  void armCron();
  void beforeSleep();
  // node/persistence/persistence.cpp: AOF load before serving (false: refuse to start), the
  // AOF write (+ fsync for appendfsync always) before replies go out, rewrite/fsync cron work,
  // the final write + fsync on shutdown.
  bool persistenceStart();
  void persistenceBeforeSleep();
  // The AOF buffer written (and fsynced under appendfsync always) while a script is busy.
  void persistenceFlushWhileBusy();
  void persistenceCron();
  void persistenceShutdown();
  void activeExpireCycle();
  bool bindOne(const std::string& address, int port, bool tls, bool optional);
  void handleReadyKeys();
  void reprocessBlocked(Client& client);
  void unblock(Client& client);
  void checkBlockedTimeouts();
  void armBlockTimer();
  void onBlockTimer(evutil_socket_t fd, short what);
  void resumeUnblocked();

  NodeSettings settings_;
  config::Registry<NodeSettings> registry_;
  net::EventBasePtr base_;
  Keyspace keyspace_;
  CommandTable commands_;
  Stats stats_;
  std::vector<net::UniqueFd> listenFds_;
  std::vector<net::EventPtr> listenEvents_;
  net::AcceptBackoff acceptBackoff_;  // pauses listenEvents_ when accept() runs out of fds
  net::EventPtr cron_;
  int cronHz_ = 0;
  net::EventPtr sigterm_, sigint_;
  std::map<uint64_t, Client*> clients_;
  std::vector<Client*> pendingFlush_;
  std::vector<Client*> monitors_;  // MONITOR clients, in the order they started
  std::vector<Client*> closing_;
  uint64_t nextClientId_ = 1;
  int64_t startMs_ = 0;
  int64_t nowCachedMs_ = 0;
  int64_t lastTimeoutCheckMs_ = 0;
  int boundPort_ = 0;
  int boundTlsPort_ = 0;
  std::unique_ptr<NodeTls> tls_;
  bool exit_ = false;
  std::unordered_map<std::string, std::list<Client*>> blockedOnKey_;
  std::vector<std::string> readyKeys_;
  std::unordered_set<std::string> readySet_;
  std::set<Client*> blocked_;
  std::vector<Client*> unblocked_;
  bool servingBlocked_ = false;
  bool errorAlreadyCounted_ = false;  // see errorReplyAlreadyCounted()
  net::EventPtr blockTimer_;          // one-shot, at the earliest deadline of a blocked client
  std::unique_ptr<Replication> replication_;  // master/replica (node/replication/)
  std::string notifyChannel_;                 // scratch of publishKeyspaceEvent
  TxPubSub txps_;  // MULTI/WATCH, pub/sub, CLIENT PAUSE, slow log (txpubsub.h)
  std::unique_ptr<CommandStats> commandStats_;
  std::unique_ptr<Acl> acl_;
  std::unique_ptr<LatencyMonitor> latency_;  // LATENCY events (server/latency.h)
  std::unique_ptr<Eviction> eviction_;
  std::unique_ptr<NodeMetrics> metrics_;            // last: its HTTP threads stop first
  std::unique_ptr<Persistence> persistence_;        // propagation, AOF (node/persistence/)
  std::unique_ptr<Cluster> cluster_;                // after base_: its bus links are freed first
  std::unique_ptr<MigrateSockets> migrateSockets_;  // after base_: its sweep timer goes first
  std::unique_ptr<Scripting> scripting_;            // after base_: its client's events go first
  std::unique_ptr<AuthGuard> authGuard_;            // after base_: its timer goes first
  std::unique_ptr<Tracking> tracking_;              // CLIENT TRACKING (server/tracking.h)
  // call() nesting (EXEC and scripts call() again); the outermost call's client, command and
  // arguments (Redis's server.current_client), and the innermost call's client (a script's own).
  int callDepth_ = 0;
  Client* currentClient_ = nullptr;
  const CommandDef* currentDef_ = nullptr;
  const std::vector<std::string_view>* currentArgv_ = nullptr;
  Client* executingClient_ = nullptr;
};

}  // namespace strata::node
