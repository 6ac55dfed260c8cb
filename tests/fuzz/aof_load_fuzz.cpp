// libFuzzer target for the AOF loader's parsers (node/persistence/aof_format.cpp): the bytes of
// an AOF file found on disk (replayAof) and the manifest (AofManifest::parse). The first input
// byte picks which. Invariants checked: a replay never reads past the input, validUpTo never
// passes the input's size nor (when corrupt) the error offset, an OK replay's validUpTo is the
// whole input, and a parsed manifest serializes to text that parses to the same files.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/persistence/aof_format.h"

using strata::node::AofManifest;
using strata::node::AofReplayResult;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    size_t bytes = 0;
    AofReplayResult r = strata::node::replayAof(
        input, [&](const std::vector<std::string_view>& argv, std::string&) {
          for (auto a : argv) {
            if (a.data() < input.data() || a.data() + a.size() > input.data() + input.size()) {
              std::abort();
            }
            bytes += a.size();
          }
          return true;
        });
    if (r.validUpTo > input.size()) std::abort();
    if (r.status == AofReplayResult::Status::kOk && r.validUpTo != input.size()) std::abort();
    if (r.status == AofReplayResult::Status::kCorrupt && r.errorOffset > input.size()) {
      std::abort();
    }
    (void)bytes;
  } else {
    AofManifest m;
    std::string err;
    if (AofManifest::parse(input, m, err)) {
      AofManifest again;
      if (!AofManifest::parse(m.serialize(), again, err)) std::abort();
      if (again.incrs.size() != m.incrs.size() || again.hasBase != m.hasBase ||
          again.base.name != m.base.name) {
        std::abort();
      }
    }
  }
  return 0;
}
