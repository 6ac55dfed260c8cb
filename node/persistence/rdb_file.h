// The whole RDB file, as redis-server 7.0's rdbSaveRio / rdbLoadRio: "REDIS0010", AUX fields,
// the function libraries (FUNCTION2), SELECTDB 0 + RESIZEDB, each key (EXPIRETIME_MS, then the
// object through rdb_codec.h), EOF and the CRC64 (0 with rdbchecksum no). Loading takes RDB
// versions 1..12 (7.4 writes 12) from a buffer that holds the whole file (mmap'ed by the caller),
// and reports the byte offset of a truncated or corrupt part. Used by SAVE/BGSAVE/save points and
// the load at start (rdb_snapshots.h). Pure functions of their arguments: any thread, and the
// BGSAVE child after fork().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "node/keyspace/keyspace.h"
#include "node/persistence/rdb_codec.h"

namespace strata::node::rdb {

// Highest RDB version loaded (Redis 7.4's); files are written as kVersion (7.0's 10).
inline constexpr uint16_t kMaxLoadVersion = 12;

struct FileSaveOptions {
  bool compress = true;      // rdbcompression
  bool checksum = true;      // rdbchecksum: CRC64 at the end, else 8 zero bytes
  std::string redisVersion;  // AUX redis-ver (what INFO's redis_version says)
  int64_t ctimeSec = 0;      // AUX ctime
  int64_t usedMem = 0;       // AUX used-mem
  std::string replId;        // AUX repl-id (with repl-stream-db 0 and repl-offset)
  int64_t replOffset = 0;
  // Calls fn(code) for each function library (FUNCTION2 records); may be empty.
  std::function<void(const std::function<void(std::string_view)>&)> forEachLibrary;
};

// Writes the file through `out` (chunks of about 64 KB); false as soon as `out` fails.
bool saveFile(const Keyspace& ks, const FileSaveOptions& opts,
              const std::function<bool(std::string_view)>& out);

struct FileLoadOptions {
  LoadLimits limits;           // the encodings loaded values take
  bool dropExpired = true;     // a master drops keys already expired (a replica keeps them)
  bool verifyChecksum = true;  // rdbchecksum: a non-zero CRC64 must match
  // A key already in `ks` is replaced (DEBUG RELOAD MERGE, Redis's RDBFLAGS_ALLOW_DUP); without
  // it a key loaded twice (or already there) refuses the file.
  bool replaceExisting = false;
  // Loads one FUNCTION2 library; false with `error` refuses the file.
  std::function<bool(std::string_view code, std::string& error)> loadLibrary;
};

struct FileLoadResult {
  bool ok = false;
  std::string error;  // what is wrong (the caller adds file name)
  size_t offset = 0;  // where it was found
  int version = 0;
  std::string producer;  // AUX redis-ver
  uint64_t keysLoaded = 0;
  uint64_t keysExpired = 0;  // dropped as already expired
  uint64_t libraries = 0;
};

// Loads `data` (a whole file) into `ks` (empty, or not for DEBUG RELOAD NOFLUSH). On failure `ks`
// keeps the keys loaded before the bad offset (the node refuses to start anyway).
FileLoadResult loadFile(std::string_view data, Keyspace& ks, const FileLoadOptions& opts);

}  // namespace strata::node::rdb
