// Per-command statistics: the index over the command table, Server's after-call hook
// (commandStatsRecord) and rejection hook, and INFO commandstats in Redis 7.0's format:
//   cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0
// Event-loop thread only.
#include "node/server/command_stats.h"

#include <cstdio>

#include "node/server/server.h"

namespace strata::node {

CommandStats::CommandStats(const CommandTable& table) {
  const auto& all = table.all();
  top_ = all.data();
  topCount_ = all.size();
  for (const auto& d : all) defs_.push_back(&d);
  for (const auto& d : all) {
    if (d.subcommands.empty()) continue;
    subRanges_.push_back(Range{d.subcommands.data(), d.subcommands.size(), defs_.size()});
    for (const auto& sub : d.subcommands) defs_.push_back(&sub);
  }
  overflow_ = defs_.size();
  counters_.resize(defs_.size() + 1);
}

void CommandStats::reset() {
  for (auto& c : counters_) c = CommandCounters{};
}

void Server::commandStatsRecord(const CommandDef& def, int64_t durationUs, bool failed) {
  commandStats_->record(def, durationUs, failed);
}

void Server::commandStatsRejected(const CommandDef& def) {
  commandStats_->rejected(def);
}

std::string commandStatsInfo(const CommandStats& stats) {
  std::string out;
  char buf[256];
  for (size_t i = 0; i < stats.size(); ++i) {
    const CommandCounters& c = stats.counters(i);
    if (c.calls == 0 && c.rejected == 0 && c.failed == 0) continue;
    const double perCall = c.calls ? static_cast<double>(c.usec) / static_cast<double>(c.calls) : 0;
    const auto name = stats.def(i).name;
    int n = std::snprintf(
        buf, sizeof(buf),
        "cmdstat_%.*s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
        "failed_calls=%llu\r\n",
        static_cast<int>(name.size()), name.data(), static_cast<unsigned long long>(c.calls),
        static_cast<unsigned long long>(c.usec), perCall,
        static_cast<unsigned long long>(c.rejected), static_cast<unsigned long long>(c.failed));
    if (n > 0) out.append(buf, std::min(static_cast<size_t>(n), sizeof(buf) - 1));
  }
  return out;
}

}  // namespace strata::node
