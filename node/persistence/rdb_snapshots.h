// RDB snapshots of the node (Redis 7.0's rdb.c / server.c around the file format of
// rdb_file.h): SAVE (synchronous), BGSAVE [SCHEDULE] (a ChildProcess writes temp-<pid>.rdb in
// `dir`, fsyncs it and renames it to `dbfilename`), the `save` points checked by the cron against
// the keyspace's dirty counter (Redis's server.dirty), LASTSAVE, INFO persistence's rdb_* fields,
// -MISCONF while the last background save failed (stop-writes-on-bgsave-error), the save before
// SHUTDOWN / SIGTERM and after FLUSHALL when save points are set, loading dump.rdb at start
// when appendonly is no, and DEBUG RELOAD's load. Owned by Persistence; event-loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "node/persistence/child_process.h"
#include "node/persistence/rdb_file.h"

namespace strata::node {

class Server;

class RdbSnapshots {
 public:
  // Loads one FUNCTION library of the file; false with the reason.
  using LibraryLoader = std::function<bool(std::string_view code, std::string& error)>;

  explicit RdbSnapshots(Server& server);
  ~RdbSnapshots();
  RdbSnapshots(const RdbSnapshots&) = delete;
  RdbSnapshots& operator=(const RdbSnapshots&) = delete;

  // Start-up (appendonly no): loads `dbfilename` from `dir` when it exists. `loadLibrary` loads a
  // FUNCTION library. False (reason and offset logged) when the node must not start.
  bool loadAtStart(const LibraryLoader& loadLibrary);
  // DEBUG RELOAD's load (Redis's rdbLoad after its optional save and flush): `dbfilename` into
  // the keyspace as it is; `replaceExisting` (MERGE): a key already there is replaced, else it
  // fails the load. False: logged.
  bool reload(const LibraryLoader& loadLibrary, bool replaceExisting);
  // rdb_changes_since_last_save (Redis's server.dirty), and setting it (a DEBUG RELOAD's flush
  // and load are no changes).
  uint64_t changesSinceSave() const;
  void setChangesSinceSave(uint64_t changes);

  // The save of SHUTDOWN / FLUSHALL: writes the file now. False: logged.
  bool save();
  // SAVE: the same, counted in rdb_saves.
  bool saveCommand();
  // BGSAVE [SCHEDULE]: the reply (a status text when ok, an error text without the '-').
  std::string bgsave(bool schedule, bool& ok);
  bool inProgress() const { return child_.running(); }
  // Stops a running BGSAVE and removes its temp file (FLUSHALL, shutdown).
  void killChild();

  // The cron: reaps the child, runs a scheduled BGSAVE, checks the save points.
  void cron();
  bool hasSavePoints() const;
  // -MISCONF: stop-writes-on-bgsave-error with save points and a failed last BGSAVE.
  bool deniesWrites() const;
  // LASTSAVE (Unix seconds of the last successful save, or the start).
  int64_t lastSave() const { return lastSaveSec_; }
  // FLUSHALL: Redis's flushAllDataAndResetRDB (kill a BGSAVE; save when save points are set).
  void afterFlushAll();
  // The keyspace now matches the file (a load): nothing changed since the last save.
  void markClean();
  // INFO persistence's rdb_* fields.
  void info(std::string& out) const;
  // What a file written now carries (AUX fields, compression, checksum, the libraries): read on
  // the loop thread before a fork (BGSAVE, the rdb-only sync of redis-cli --rdb).
  rdb::FileSaveOptions fileOptions() const;

 private:
  std::string path() const;
  // Loads `dbfilename` into the keyspace, logging what goes wrong; `atStart`: a missing file is
  // an empty dataset, and failures are fatal.
  bool load(const LibraryLoader& loadLibrary, bool replaceExisting, bool atStart);
  // Writes temp-<pid>.rdb, fsyncs, renames into place. `log`: false in the child.
  bool writeFile(const rdb::FileSaveOptions& opts, bool log) const;
  bool startBgsave();
  void bgsaveDone(bool ok);

  Server& server_;
  ChildProcess child_;
  uint64_t dirtyAtSave_ = 0;  // the keyspace's dirty counter at the last save
  uint64_t dirtyAtFork_ = 0;
  int64_t lastSaveSec_ = 0;
  int64_t lastBgsaveTrySec_ = 0;
  int64_t lastBgsaveTimeSec_ = -1;
  bool lastBgsaveOk_ = true;
  bool scheduled_ = false;
  int64_t saves_ = 0;
  uint64_t loadedKeys_ = 0;
  uint64_t loadExpiredKeys_ = 0;
};

}  // namespace strata::node
