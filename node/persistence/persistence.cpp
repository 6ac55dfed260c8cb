// Persistence: the Server's hooks into the AOF (load on start, write/fsync before replies,
// cron, shutdown, the -MISCONF gate, CONFIG SET appendonly at runtime), the replay of AOF bytes
// through the command table with a fake client, INFO persistence, DEBUG RELOAD, BGREWRITEAOF,
// and the table of commands propagation.cpp rewrites. Event-loop thread only.
#include "node/persistence/persistence.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cstring>

#include "node/commands/handlers.h"
#include "node/observe/node_metrics.h"
#include "node/persistence/aof.h"
#include "node/persistence/rdb_snapshots.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr uint64_t kLoaderClientId = UINT64_MAX - 1;

constexpr std::string_view kRdbMisconf =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";

}  // namespace

Persistence::Persistence(Server& server)
    : server_(server), rdb_(std::make_unique<RdbSnapshots>(server)) {
  const std::pair<std::string_view, Rewrite> rows[] = {
      {"expire", Rewrite::kExpire},
      {"pexpire", Rewrite::kExpire},
      {"expireat", Rewrite::kExpire},
      {"pexpireat", Rewrite::kExpire},
      {"set", Rewrite::kSet},
      {"setex", Rewrite::kSetex},
      {"psetex", Rewrite::kSetex},
      {"getex", Rewrite::kGetex},
      {"incrbyfloat", Rewrite::kIncrbyfloat},
      {"hincrbyfloat", Rewrite::kHincrbyfloat},
      {"exec", Rewrite::kExec},
  };
  for (const auto& [name, kind] : rows) {
    const CommandDef* def = server_.commands().find(name);
    if (def == nullptr || rewriteCount_ == std::size(rewriteDefs_)) continue;
    rewriteDefs_[rewriteCount_] = def;
    rewriteKinds_[rewriteCount_++] = kind;
  }
  NodeMetrics& m = server_.metrics();
  prometheus::Gauge& enabled = m.gauge("strata_node_aof_enabled", "1 while the AOF is on");
  prometheus::Gauge& writeOk = m.gauge("strata_node_aof_last_write_ok",
                                       "0 from a failed AOF write until a write succeeds again");
  m.addCollector([this, &enabled, &writeOk] {  // loop thread, before each export
    enabled.Set(aof_ ? 1 : 0);
    writeOk.Set(aof_ && !aof_->writeOk() ? 0 : 1);
  });
}

Persistence::~Persistence() {
  // Not through the Server: its persistence_ is already null while this runs.
  if (aof_) propagator_.removeSink(aof_.get());
}

Persistence::Rewrite Persistence::rewriteOf(const CommandDef& def) const {
  for (size_t i = 0; i < rewriteCount_; ++i) {
    if (rewriteDefs_[i] == &def) return rewriteKinds_[i];
  }
  return Rewrite::kNone;
}

bool Persistence::holdsReplies() const {
  return aof_ && aof_->holdsReplies();
}

// ---- Replay -----------------------------------------------------------------------------------

std::unique_ptr<Client> Persistence::makeLoaderClient(net::UniqueFd& peer) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0) {
    return nullptr;
  }
  peer.reset(sv[1]);
  auto c = std::make_unique<Client>(server_, net::UniqueFd(sv[0]), kLoaderClientId, "aof", "aof");
  c->setAuthenticated(true);
  return c;
}

bool Persistence::applyCommand(Client& client, const std::vector<std::string_view>& argv,
                               std::string& error, std::string* reply) {
  const CommandDef* def = server_.commands().find(argv[0]);
  if (def != nullptr && !def->subcommands.empty()) {
    def = argv.size() >= 2 ? CommandTable::findSub(*def, argv[1]) : nullptr;
  }
  if (def == nullptr || def->handler == nullptr) {
    error = "Unknown command '" + std::string(argv[0].substr(0, 128)) + "'";
    return false;
  }
  const int argc = static_cast<int>(argv.size());
  if ((def->arity > 0 && argc != def->arity) || argc < -def->arity) {
    error = "Wrong number of arguments for '" + std::string(def->name) + "'";
    return false;
  }
  server_.updateClock();
  server_.call(client, *def, argv);
  if (reply != nullptr) reply->assign(client.out());
  client.out().clear();
  return true;
}

bool Persistence::loadAof() {
  net::UniqueFd peer;
  std::unique_ptr<Client> client = makeLoaderClient(peer);
  if (!client) {
    spdlog::error("Can't create the AOF loading client: {}", std::strerror(errno));
    return false;
  }
  loading_ = true;
  propagator_.setSuppressed(true);
  const int64_t start = nowMs();
  const bool ok =
      aof_->loadAndOpen([&](const std::vector<std::string_view>& argv, std::string& error) {
        return applyCommand(*client, argv, error);
      });
  propagator_.setSuppressed(false);
  loading_ = false;
  client.reset();
  if (ok) {
    spdlog::info("DB loaded from append only file: {:.3f} seconds ({} keys)",
                 static_cast<double>(nowMs() - start) / 1000.0, server_.keyspace().size());
    server_.stats() = Stats{};  // replayed commands are not client traffic
  }
  return ok;
}

bool Persistence::loadLibrary(Client& client, std::string_view code, std::string& error,
                              bool replace) {
  std::vector<std::string_view> argv = {"FUNCTION", "LOAD", code};
  if (replace) argv.insert(argv.begin() + 2, "REPLACE");
  client.out().clear();
  std::string reply;
  if (!applyCommand(client, argv, error, &reply)) return false;
  if (!reply.empty() && reply[0] == '-') {
    error = reply.substr(1, reply.find('\r') - 1);  // FUNCTION LOAD's error (a name clash...)
    return false;
  }
  return true;
}

bool Persistence::loadRdb() {
  net::UniqueFd peer;
  std::unique_ptr<Client> client = makeLoaderClient(peer);
  if (!client) {
    spdlog::error("Can't create the RDB loading client: {}", std::strerror(errno));
    return false;
  }
  loading_ = true;
  propagator_.setSuppressed(true);
  server_.updateClock();
  const bool ok = rdb_->loadAtStart(
      [&](std::string_view code, std::string& error) { return loadLibrary(*client, code, error); });
  propagator_.setSuppressed(false);
  loading_ = false;
  if (ok) server_.stats() = Stats{};  // the libraries' FUNCTION LOADs are not client traffic
  return ok;
}

bool Persistence::shutdownSave(bool save, bool nosave, bool force) {
  if (rdb_->inProgress()) {
    spdlog::warn("There is a child saving an .rdb. Killing it!");
    rdb_->killChild();
  }
  if (!save && (nosave || !rdb_->hasSavePoints())) {
    shutdownSaved_ = true;
    return true;
  }
  spdlog::info("Saving the final RDB snapshot before exiting.");
  if (rdb_->save()) {
    shutdownSaved_ = true;
    return true;
  }
  if (force) {
    spdlog::warn("Error trying to save the DB. Exit anyway.");
    shutdownSaved_ = true;
    return true;
  }
  spdlog::warn("Error trying to save the DB, can't exit.");
  spdlog::warn("Errors trying to shut down the server. Check the logs for more information.");
  return false;
}

void Persistence::afterFlushAll() {
  rdb_->afterFlushAll();
}

// ---- Server hooks -----------------------------------------------------------------------------

bool Server::persistenceStart() {
  Persistence& p = *persistence_;
  // Redis's loadDataFromDisk: the AOF when appendonly is on, else the RDB file if there is one.
  if (!settings_.appendonly) return p.loadRdb();
  p.aof_ = std::make_unique<Aof>(settings_, keyspace_);
  if (!p.loadAof()) {
    p.aof_.reset();
    return false;
  }
  addPropagationSink(p.aof_.get());
  return true;
}

void Persistence::syncConfig() {
  if (shutDown_) return;
  const bool want = server_.settings().appendonly;
  const bool on = aof_ && aof_->state() != Aof::State::kOff;
  if (want == on) return;
  if (want) {
    if (!aof_) aof_ = std::make_unique<Aof>(server_.settings(), server_.keyspace());
    std::string error;
    if (!aof_->enable(error)) {
      spdlog::warn(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite "
          "operation: {}",
          error);
      server_.settings().appendonly = false;
      return;
    }
    server_.addPropagationSink(aof_.get());
  } else {
    server_.removePropagationSink(aof_.get());
    aof_->disable();
    spdlog::info("AOF disabled (CONFIG SET appendonly no)");
  }
}

void Server::persistenceBeforeSleep() {
  Persistence& p = *persistence_;
  if (settings_.appendonly != (p.aof_ != nullptr && p.aof_->state() != Aof::State::kOff) &&
      !p.shutDown_) {
    p.syncConfig();
  }
  if (p.aof_) p.aof_->flush(nowMs());
}

void Server::persistenceFlushWhileBusy() {
  if (persistence_->aof_) persistence_->aof_->flush(nowMs());
}

void Server::persistenceCron() {
  if (persistence_->aof_) persistence_->aof_->cron(nowCachedMs_);
  persistence_->rdb_->cron();
}

void Server::persistenceShutdown() {
  Persistence& p = *persistence_;
  p.shutDown_ = true;
  if (!p.shutdownSaved_) p.shutdownSave(false, false, true);  // a path without SHUTDOWN/SIGTERM
  p.rdb_->killChild();
  if (!p.aof_ || p.aof_->state() == Aof::State::kOff) return;
  spdlog::info("Calling fsync() on the AOF file.");
  removePropagationSink(p.aof_.get());
  p.aof_->disable();
}

bool Server::persistenceGate(Client& client, const CommandDef& def,
                             const std::vector<std::string_view>& argv) {
  Aof* aof = persistence_->aof_.get();
  const bool rdbDenies = persistence_->rdb_->deniesWrites();
  if (!rdbDenies && (aof == nullptr || aof->writeOk())) return true;
  if (!writesByAdmission(def, argv) && def.name != "ping") return true;
  // Redis's writeCommandsDeniedByDiskError: the RDB's error first.
  client.writer().error(rdbDenies ? kRdbMisconf : aof->writeError());
  return false;
}

// ---- Commands ---------------------------------------------------------------------------------

void Persistence::info(std::string& out) {
  auto field = [&out](std::string_view name, std::string_view value) {
    out.append(name);
    out.push_back(':');
    out.append(value);
    out.append("\r\n");
  };
  field("loading", loading_ ? "1" : "0");
  field("async_loading", "0");
  field("current_cow_peak", "0");
  field("current_cow_size", "0");
  field("current_cow_size_age", "0");
  field("current_fork_perc", "0.00");
  field("current_save_keys_processed", "0");
  field("current_save_keys_total", "0");
  rdb_->info(out);
  if (aof_) {
    aof_->info(out, nowMs());
  } else {
    Aof off(server_.settings(), server_.keyspace());
    off.info(out, nowMs());
  }
}

bool Persistence::debugReload(const DebugReload& how, std::string& error) {
  // Flush the AOF first so that the files and the reloaded dataset agree.
  if (aof_) aof_->flush(nowMs());
  if (how.save && !rdb_->save()) {
    error = "ERR";  // Redis's shared.err: the reason is in the log
    return false;
  }
  net::UniqueFd peer;
  std::unique_ptr<Client> client = makeLoaderClient(peer);
  if (!client) {
    error = std::string("ERR Error trying to load the RDB dump: ") + std::strerror(errno);
    return false;
  }
  const uint64_t changes = rdb_->changesSinceSave();  // 0 after the save
  propagator_.setSuppressed(true);
  std::string why;
  if (how.flush) {  // emptyData: the keys and the function libraries
    server_.keyspace().clear();
    applyCommand(*client, {"FUNCTION", "FLUSH", "SYNC"}, why);
  }
  const bool ok =
      rdb_->reload([&](std::string_view code,
                       std::string& e) { return loadLibrary(*client, code, e, how.merge); },
                   how.merge);
  propagator_.setSuppressed(false);
  rdb_->setChangesSinceSave(changes);
  if (!ok) error = "ERR Error trying to load the RDB dump";
  return ok;
}

std::string Persistence::bgrewriteaof(bool& ok) {
  ok = false;
  // With appendonly no too (Redis 7.0 writes a base file and a manifest naming only it).
  if (!aof_) aof_ = std::make_unique<Aof>(server_.settings(), server_.keyspace());
  if (aof_->rewriteInProgress()) {
    return "ERR Background append only file rewriting already in progress";
  }
  std::string error;
  int rc = aof_->rewrite(error, true);
  if (rc < 0) return "ERR " + error;
  ok = true;
  return rc == 0 ? "Background append only file rewriting scheduled"
                 : "Background append only file rewriting started";
}

}  // namespace strata::node
