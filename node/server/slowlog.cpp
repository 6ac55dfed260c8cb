// The slow log, the server side (Redis 7.0's slowlog.c): Server::slowlogRecord runs after every
// command (Server::call) and keeps the ones that took at least slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len of them. A fast command costs one
// comparison: nothing is allocated unless the entry is kept. Entries keep at most 32 arguments
// (the last one then says "... (N more arguments)"), each cut at 128 bytes ("... (N more
// bytes)"), with passwords redacted, plus the client's address and name. SLOWLOG commands:
// commands/slowlog.cpp. Event-loop thread only.
#include <ctime>

#include "node/server/client.h"
#include "node/server/redaction.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr size_t kMaxArgc = 32;
constexpr size_t kMaxString = 128;

}  // namespace

void Server::slowlogRecord(Client& client, const CommandDef& def,
                           const std::vector<std::string_view>& argv, int64_t durationUs) {
  const int64_t threshold = settings_.slowlogLogSlowerThan;
  if (threshold < 0 || durationUs < threshold) return;
  // Only slow commands get here: the flag lookup and the copies are off the fast path.
  if (def.hasFlag("skip_slowlog") || client.block.blocked) return;
  SlowlogEntry e;
  e.id = txps_.slowlogNextId++;
  e.time = static_cast<int64_t>(std::time(nullptr));
  e.duration = durationUs;
  const size_t argc = std::min(argv.size(), kMaxArgc);
  const std::vector<bool> secret = redactedArgs(def, argv);
  e.argv.reserve(argc);
  for (size_t j = 0; j < argc; ++j) {
    if (argc != argv.size() && j == argc - 1) {
      e.argv.push_back("... (" + std::to_string(argv.size() - argc + 1) + " more arguments)");
    } else if (secret[j]) {
      e.argv.emplace_back("(redacted)");
    } else if (argv[j].size() > kMaxString) {
      e.argv.push_back(std::string(argv[j].substr(0, kMaxString)) + "... (" +
                       std::to_string(argv[j].size() - kMaxString) + " more bytes)");
    } else {
      e.argv.emplace_back(argv[j]);
    }
  }
  e.peer = client.peer();
  e.name = client.name;
  txps_.slowlog.push_front(std::move(e));
  while (txps_.slowlog.size() > static_cast<size_t>(settings_.slowlogMaxLen)) {
    txps_.slowlog.pop_back();
  }
}

}  // namespace strata::node
