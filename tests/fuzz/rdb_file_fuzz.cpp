// libFuzzer target for the whole-RDB-file loader (node/persistence/rdb_file.cpp over the RDB
// object codec): the bytes of a dump.rdb found on disk at start, of `redis-cli --rdb` peers, and of
// a master's full sync. The first input byte picks the options: bit 0 set = the CRC64 is checked
// (clear: skipped, so the fuzzer reaches the records instead of stopping at the checksum), bit 1
// = already expired keys are dropped (a master's load) or kept (a replica's), bit 2 = the round
// trip below compresses. The seeds in corpus/rdb_file are files redis-server 7.0 wrote (every type
// and encoding, expiries, a function library). A file that loads is saved again and that file must
// load to the same number of keys and libraries (the writer's output is always accepted). Never
// crashes, leaks or allocates from a claimed size (ASan + UBSan, -rss_limit_mb).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "node/keyspace/keyspace.h"
#include "node/persistence/rdb_file.h"

namespace rdb = strata::node::rdb;
using strata::node::Keyspace;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view file(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> libraries;
  rdb::FileLoadOptions load;
  load.verifyChecksum = (mode & 1) != 0;
  load.dropExpired = (mode & 2) != 0;
  load.loadLibrary = [&](std::string_view code, std::string&) {
    libraries.emplace_back(code);
    return true;
  };
  Keyspace ks;
  if (!rdb::loadFile(file, ks, load).ok) return 0;

  rdb::FileSaveOptions save;
  save.compress = (mode & 4) != 0;
  save.redisVersion = "7.0.15";
  save.forEachLibrary = [&](const std::function<void(std::string_view)>& fn) {
    for (const std::string& code : libraries) fn(code);
  };
  std::string again;
  if (!rdb::saveFile(ks, save, [&](std::string_view bytes) {
        again.append(bytes);
        return true;
      })) {
    std::abort();
  }
  std::vector<std::string> reloadedLibraries;
  rdb::FileLoadOptions reload;
  reload.dropExpired = false;  // a key can expire between the two loads
  reload.loadLibrary = [&](std::string_view code, std::string&) {
    reloadedLibraries.emplace_back(code);
    return true;
  };
  Keyspace back;
  const rdb::FileLoadResult r = rdb::loadFile(again, back, reload);
  if (!r.ok || back.size() != ks.size() || reloadedLibraries != libraries) std::abort();
  return 0;
}
