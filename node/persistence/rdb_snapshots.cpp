// RdbSnapshots (rdb_snapshots.h): SAVE, BGSAVE, save points, the start-up load, INFO's rdb_*
// fields. The file layout is rdb_file.cpp's; the fork is ChildProcess's (shared with the AOF
// rewrite: one persistence child at a time).
#include "node/persistence/rdb_snapshots.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>

#include "common/net/handles.h"
#include "node/keyspace/keyspace.h"
#include "node/persistence/file_io.h"
#include "node/replication/replication.h"
#include "node/scripting/scripting.h"
#include "node/server/eviction.h"
#include "node/server/info_field.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// CONFIG_BGSAVE_RETRY_DELAY: a failed BGSAVE is retried by the save points after 5 s.
constexpr int64_t kBgsaveRetryDelaySec = 5;
// Redis's INFO redis_version, the AUX redis-ver of the files we write.
constexpr std::string_view kRedisVersion = "7.0.15";

int64_t unixSeconds() {
  return static_cast<int64_t>(::time(nullptr));
}

}  // namespace

RdbSnapshots::RdbSnapshots(Server& server) : server_(server) {
  lastSaveSec_ = server_.startMs() / 1000;
}

RdbSnapshots::~RdbSnapshots() {
  killChild();
}

std::string RdbSnapshots::path() const {
  return server_.settings().dbfilename;  // the process runs in `dir`
}

rdb::FileSaveOptions RdbSnapshots::fileOptions() const {
  const NodeSettings& s = server_.settings();
  rdb::FileSaveOptions o;
  o.compress = s.rdbcompression;
  o.checksum = s.rdbchecksum;
  o.redisVersion = kRedisVersion;
  o.ctimeSec = unixSeconds();
  o.usedMem = static_cast<int64_t>(server_.eviction().usedMemory());
  o.replId = server_.replication().replid();
  o.replOffset = server_.replication().offset();
  Scripting* scripting = &server_.scripting();
  o.forEachLibrary = [scripting](const std::function<void(std::string_view)>& fn) {
    scripting->forEachLibraryCode(fn);
  };
  return o;
}

bool RdbSnapshots::writeFile(const rdb::FileSaveOptions& opts, bool log) const {
  const std::string temp = "temp-" + std::to_string(::getpid()) + ".rdb";
  net::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) {
    if (log) {
      char cwd[4096];
      spdlog::warn("Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                   temp, ::getcwd(cwd, sizeof(cwd)) != nullptr ? cwd : "unknown",
                   std::strerror(errno));
    }
    return false;
  }
  const int raw = fd.get();
  bool ok = rdb::saveFile(server_.keyspace(), opts,
                          [raw](std::string_view chunk) { return writeAll(raw, chunk); }) &&
            ::fsync(raw) == 0;
  const int err = errno;
  ok = ::close(fd.release()) == 0 && ok;
  if (!ok) {
    if (log) spdlog::warn("Write error saving DB on disk: {}", std::strerror(err));
    ::unlink(temp.c_str());
    return false;
  }
  if (::rename(temp.c_str(), path().c_str()) != 0) {
    if (log) {
      spdlog::warn("Error moving temp DB file {} on the final destination {}: {}", temp, path(),
                   std::strerror(errno));
    }
    ::unlink(temp.c_str());
    return false;
  }
  fsyncDir(".");
  return true;
}

bool RdbSnapshots::saveCommand() {
  ++saves_;  // Redis's stat_rdb_saves counts SAVE and BGSAVE, not the saves of SHUTDOWN/FLUSHALL
  return save();
}

bool RdbSnapshots::save() {
  if (!writeFile(fileOptions(), true)) return false;
  spdlog::info("DB saved on disk");
  dirtyAtSave_ = server_.keyspace().dirty();
  lastSaveSec_ = unixSeconds();
  lastBgsaveOk_ = true;
  return true;
}

bool RdbSnapshots::startBgsave() {
  if (anyPersistenceChild()) return false;
  ++saves_;
  dirtyAtFork_ = server_.keyspace().dirty();
  lastBgsaveTrySec_ = unixSeconds();
  // Everything the child needs from the server is read here, before fork().
  const rdb::FileSaveOptions opts = fileOptions();
  std::string error;
  if (!child_.start([this, &opts] { return writeFile(opts, false); }, error)) {
    lastBgsaveOk_ = false;
    spdlog::warn("Can't save in background: {}", error);
    return false;
  }
  spdlog::info("Background saving started by pid {}", child_.pid());
  return true;
}

std::string RdbSnapshots::bgsave(bool schedule, bool& ok) {
  ok = false;
  if (child_.running()) return "ERR Background save already in progress";
  if (anyPersistenceChild()) {
    if (!schedule) {
      return "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
             "SCHEDULE in order to schedule a BGSAVE whenever possible.";
    }
    scheduled_ = true;
    ok = true;
    return "Background saving scheduled";
  }
  if (!startBgsave()) return "ERR";
  ok = true;
  return "Background saving started";
}

void RdbSnapshots::bgsaveDone(bool ok) {
  lastBgsaveTimeSec_ = (nowMs() - child_.startMs()) / 1000;
  if (ok) {
    spdlog::info("Background saving terminated with success");
    dirtyAtSave_ = dirtyAtFork_;
    lastSaveSec_ = unixSeconds();
  } else {
    spdlog::warn("Background saving error");
  }
  lastBgsaveOk_ = ok;
}

void RdbSnapshots::killChild() {
  if (!child_.running()) return;
  const pid_t pid = child_.pid();
  child_.stop();
  ::unlink(("temp-" + std::to_string(pid) + ".rdb").c_str());
}

bool RdbSnapshots::hasSavePoints() const {
  return server_.settings().save.size() >= 2;
}

bool RdbSnapshots::deniesWrites() const {
  return !lastBgsaveOk_ && server_.settings().stopWritesOnBgsaveError && hasSavePoints();
}

void RdbSnapshots::cron() {
  if (std::optional<bool> ok = child_.poll("Background saving")) bgsaveDone(*ok);
  if (anyPersistenceChild()) return;
  const int64_t now = unixSeconds();
  const bool mayRetry = lastBgsaveOk_ || now - lastBgsaveTrySec_ > kBgsaveRetryDelaySec;
  if (scheduled_ && mayRetry) {
    scheduled_ = false;
    startBgsave();
    return;
  }
  const std::vector<std::string>& points = server_.settings().save;
  const uint64_t changes = server_.keyspace().dirty() - dirtyAtSave_;
  for (size_t i = 0; i + 1 < points.size(); i += 2) {
    const int64_t seconds = std::stoll(points[i]);
    const uint64_t needed = std::stoull(points[i + 1]);
    if (changes >= needed && now - lastSaveSec_ > seconds && mayRetry) {
      spdlog::info("{} changes in {} seconds. Saving...", needed, seconds);
      startBgsave();
      return;
    }
  }
}

void RdbSnapshots::afterFlushAll() {
  killChild();
  if (hasSavePoints()) save();
  // FLUSHALL counts as one change after the save, as Redis's server.dirty++.
  dirtyAtSave_ = server_.keyspace().dirty() - 1;
}

void RdbSnapshots::markClean() {
  dirtyAtSave_ = server_.keyspace().dirty();
}

void RdbSnapshots::info(std::string& out) const {
  auto field = [&out](std::string_view name, const auto& value) {
    appendInfoField(out, name, value);
  };
  field("rdb_changes_since_last_save", server_.keyspace().dirty() - dirtyAtSave_);
  field("rdb_bgsave_in_progress", child_.running() ? 1 : 0);
  field("rdb_last_save_time", lastSaveSec_);
  field("rdb_last_bgsave_status", lastBgsaveOk_ ? "ok" : "err");
  field("rdb_last_bgsave_time_sec", lastBgsaveTimeSec_);
  field("rdb_current_bgsave_time_sec",
        child_.running() ? (nowMs() - child_.startMs()) / 1000 : int64_t{-1});
  field("rdb_saves", saves_);
  field("rdb_last_cow_size", 0);
  field("rdb_last_load_keys_expired", loadExpiredKeys_);
  field("rdb_last_load_keys_loaded", loadedKeys_);
}

bool RdbSnapshots::loadAtStart(const LibraryLoader& loadLibrary) {
  if (!load(loadLibrary, false, true)) return false;
  markClean();
  return true;
}

bool RdbSnapshots::reload(const LibraryLoader& loadLibrary, bool replaceExisting) {
  const bool ok = load(loadLibrary, replaceExisting, false);
  if (ok) spdlog::warn("DB reloaded by DEBUG RELOAD");
  return ok;
}

uint64_t RdbSnapshots::changesSinceSave() const {
  return server_.keyspace().dirty() - dirtyAtSave_;
}

void RdbSnapshots::setChangesSinceSave(uint64_t changes) {
  dirtyAtSave_ = server_.keyspace().dirty() - changes;
}

bool RdbSnapshots::load(const LibraryLoader& loadLibrary, bool replaceExisting, bool atStart) {
  const std::string file = path();
  MappedFile map;
  if (!map.open(file)) {
    if (atStart && errno == ENOENT) return true;
    spdlog::error("{}loading the DB: {}: {}.{}", atStart ? "Fatal error " : "Error ", file,
                  std::strerror(errno), atStart ? " Exiting." : "");
    return false;
  }
  loadedKeys_ = loadExpiredKeys_ = 0;  // startLoading: a failed load leaves them 0
  const NodeSettings& s = server_.settings();
  rdb::FileLoadOptions o;
  o.limits.hash = HashLimits{static_cast<size_t>(s.hashMaxListpackEntries),
                             static_cast<size_t>(s.hashMaxListpackValue)};
  o.limits.zset = ZSetLimits{static_cast<size_t>(s.zsetMaxListpackEntries),
                             static_cast<size_t>(s.zsetMaxListpackValue)};
  o.limits.setMaxIntsetEntries = static_cast<size_t>(s.setMaxIntsetEntries);
  o.limits.list = ListLimits::fromFill(s.listMaxListpackSize);
  o.dropExpired = !server_.isReplica();
  o.verifyChecksum = s.rdbchecksum;
  o.loadLibrary = loadLibrary;
  o.replaceExisting = replaceExisting;
  const int64_t start = nowMs();
  // Redis's dbAddRDBLoad: the keys arrive without `new` events.
  Keyspace::AddedHook added = server_.keyspace().swapAddedHook(nullptr);
  const rdb::FileLoadResult r = rdb::loadFile(map.data(), server_.keyspace(), o);
  server_.keyspace().swapAddedHook(std::move(added));
  if (!r.ok) {
    spdlog::error("Short read or corrupt RDB file {} at offset {} (of {} bytes): {}.{}{}", file,
                  r.offset, map.data().size(), r.error,
                  atStart ? " Unrecoverable error, aborting now" : "",
                  " (check it with redis-check-rdb " + file + ")");
    return false;
  }
  loadedKeys_ = r.keysLoaded;
  loadExpiredKeys_ = r.keysExpired;
  spdlog::info("Loading RDB produced by version {} (RDB version {})",
               r.producer.empty() ? "unknown" : r.producer, r.version);
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", r.keysLoaded, r.keysExpired);
  spdlog::info("DB loaded from disk: {:.3f} seconds",
               static_cast<double>(nowMs() - start) / 1000.0);
  return true;
}

}  // namespace strata::node
