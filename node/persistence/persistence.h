// The node's persistence subsystem, one instance owned by the Server (Server::persistence()):
// the Propagator (every change -> RESP -> sinks), and the AOF (aof.h): its files, its buffer
// written in beforeSleep, its fsync policy, loading on start, background rewrites (aof_rewrite.h)
// and INFO persistence; RDB snapshots (rdb_snapshots.h). The Server calls the hooks declared in
// server.h (persistenceStart, persistenceBeforeSleep, persistenceCron, persistenceShutdown,
// persistenceGate), defined in persistence.cpp. Event-loop thread only (the AOF's fsync thread is
// internal to aof.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/handles.h"
#include "node/persistence/propagation.h"

namespace strata::node {

class Server;
class Client;
class Aof;
class RdbSnapshots;
struct CommandDef;

class Persistence {
 public:
  explicit Persistence(Server& server);
  ~Persistence();
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  Propagator& propagator() { return propagator_; }
  // The AOF while appendonly is on (or waiting for its first rewrite); nullptr otherwise.
  Aof* aof() { return aof_.get(); }

  // SAVE/BGSAVE, save points, dump.rdb (rdb_snapshots.h).
  RdbSnapshots& rdb() { return *rdb_; }

  // The save before exiting (SHUTDOWN, SIGTERM): kills a BGSAVE, then saves the RDB when `save`
  // or when save points are set and not `nosave`. False when the save failed and not `force`:
  // the node must not exit (Redis's "Error trying to save the DB, can't exit.").
  bool shutdownSave(bool save, bool nosave, bool force);
  // FLUSHALL: kills a BGSAVE and saves when save points are set.
  void afterFlushAll();

  // The command definitions whose propagated form propagation.cpp rewrites (looked up once).
  enum class Rewrite : uint8_t {
    kNone,
    kExpire,        // EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT -> PEXPIREAT abs | DEL
    kSet,           // SET with EX/PX/EXAT/PXAT -> SET key value PXAT abs
    kSetex,         // SETEX, PSETEX -> SET key value PXAT abs
    kGetex,         // GETEX -> PEXPIREAT abs | PERSIST | DEL
    kIncrbyfloat,   // -> SET key result KEEPTTL
    kHincrbyfloat,  // -> HSET key field result
    kExec,          // EXEC: its commands already propagated; wrap them in MULTI/EXEC
  };
  Rewrite rewriteOf(const CommandDef& def) const;

  // appendfsync always with bytes not yet fsynced: client replies must wait for beforeSleep.
  bool holdsReplies() const;
  // True while the AOF is being replayed at start-up.
  bool loading() const { return loading_; }

  // INFO persistence's lines ("field:value\r\n"), appended to `out`.
  void info(std::string& out);
  // DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], as Redis 7.0: SAVE (unless NOSAVE), empty the keys
  // and function libraries (unless NOFLUSH), load `dbfilename` (MERGE: its keys and libraries
  // replace those already there; without it a clash fails the load, where Redis panics). No
  // keyspace events, nothing propagated. False with `error` (the reply) set.
  struct DebugReload {
    bool save = true;
    bool flush = true;
    bool merge = false;
  };
  bool debugReload(const DebugReload& how, std::string& error);
  // BGREWRITEAOF: starts (or schedules, if one runs) a rewrite; the reply text for the client.
  std::string bgrewriteaof(bool& ok);

 private:
  friend class Server;
  // Replays the AOF's files (start-up); false when the node must not start.
  bool loadAof();
  // Loads dbfilename (appendonly no); false when the node must not start.
  bool loadRdb();
  // FUNCTION LOAD [REPLACE] of one library from an RDB, through `client`; false with `error`.
  bool loadLibrary(Client& client, std::string_view code, std::string& error, bool replace = false);
  // A client for replayed commands (a socketpair end nobody reads), and one replayed command:
  // looked up in the command table and run through Server::call (never re-propagated).
  std::unique_ptr<Client> makeLoaderClient(net::UniqueFd& peer);
  // `reply` (optional) receives the command's reply.
  bool applyCommand(Client& client, const std::vector<std::string_view>& argv, std::string& error,
                    std::string* reply = nullptr);
  // Follows CONFIG SET appendonly (checked once per loop round).
  void syncConfig();

  Server& server_;
  Propagator propagator_;
  std::unique_ptr<Aof> aof_;
  std::unique_ptr<RdbSnapshots> rdb_;
  bool shutdownSaved_ = false;  // SHUTDOWN ran the final save: the exit path does not repeat it
  const CommandDef* rewriteDefs_[16] = {};
  Rewrite rewriteKinds_[16] = {};
  size_t rewriteCount_ = 0;
  bool loading_ = false;
  bool shutDown_ = false;  // after persistenceShutdown(): appendonly is no longer followed
};

}  // namespace strata::node
