// Per-command statistics: the index over the command table, Server's after-call hook
// (commandStatsRecord) and rejection hook, and INFO commandstats and latencystats in Redis 7.0's
// formats:
//   cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0
//   latency_percentiles_usec_get:p50=1.003,p99=3.007,p99.9=3.007
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

std::unique_ptr<LatencyHistogram> CommandStats::newHistogram() {
  return std::make_unique<LatencyHistogram>();
}

void CommandStats::reset() {
  for (auto& c : counters_) c = CommandCounters{};  // frees the histograms, as Redis's hdr_close
}

void Server::commandStatsRecord(const CommandDef& def, int64_t durationUs, bool failed) {
  commandStats_->record(def, durationUs, failed, settings_.latencyTracking);
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

std::string latencyStatsInfo(const CommandStats& stats, const std::vector<double>& percentiles) {
  std::vector<std::string> names;  // "p50", "p99.9": the same for every line
  names.reserve(percentiles.size());
  for (double p : percentiles) names.push_back("p" + percentileText(p));
  std::string out;
  char buf[64];
  for (size_t i = 0; i < stats.size(); ++i) {
    const LatencyHistogram* h = stats.counters(i).latency.get();
    if (h == nullptr) continue;
    out.append("latency_percentiles_usec_").append(stats.def(i).name).append(":");
    for (size_t j = 0; j < percentiles.size(); ++j) {
      if (j > 0) out += ',';
      const double usec = static_cast<double>(h->valueAtPercentile(percentiles[j])) / 1000.0;
      const int n = std::snprintf(buf, sizeof buf, "%.3f", usec);
      out.append(names[j]).append("=").append(buf, n > 0 ? static_cast<size_t>(n) : 0);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace strata::node
