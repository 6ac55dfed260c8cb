// Per-command statistics (Redis's cmdstat: calls, usec, rejected_calls, failed_calls) plus a
// latency histogram per command for the Prometheus exporter and one for INFO latencystats
// (latency_histogram.h: allocated at the command's first call while latency-tracking is on, as
// Redis does). Every CommandDef of the table (subcommands included) gets a dense index at
// start-up, found from the def's address by a range check (top-level rows are one vector, each
// container's subcommands another), so recording is O(1) and, after a command's first call,
// allocation-free: a few integer additions on the loop thread, no lock, no atomic. NodeMetrics
// copies the counters out from the cron. Owned by Server; event-loop thread only.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "node/server/command_table.h"
#include "node/server/latency_histogram.h"

namespace strata::node {

// Histogram bucket upper bounds in microseconds: 10 µs .. 1 s (1-2.5-5 per decade); one more
// bucket (+Inf) counts the rest.
inline constexpr int64_t kCommandLatencyBoundsUs[] = {
    10,   25,    50,    100,   250,    500,    1000,   2500,
    5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
};
inline constexpr size_t kCommandLatencyBuckets = std::size(kCommandLatencyBoundsUs) + 1;

// LATENCY HISTOGRAM's buckets, as Redis 7.0's per-command hdr_histogram read by a log-2
// iterator from 1024 ns: bucket k holds the calls of at most 1024 * 2^k ns (plus that level's
// 2-significant-digit resolution, 2^(k+3) - 1 ns); durations below 1024 ns count as 1024.
inline constexpr size_t kLatencyLog2Buckets = 32;
inline constexpr int64_t latencyLog2BucketTopNs(size_t k) {
  return (int64_t{1024} << k) + (int64_t{1} << (k + 3)) - 1;
}
inline size_t latencyLog2Bucket(uint64_t durationUs) {
  const uint64_t ns = durationUs * 1000 > 1024 ? durationUs * 1000 : 1024;
  size_t k = static_cast<size_t>(std::bit_width((ns - 1) >> 10));
  if (k > 0 && static_cast<int64_t>(ns) <= latencyLog2BucketTopNs(k - 1)) --k;
  return k < kLatencyLog2Buckets ? k : kLatencyLog2Buckets - 1;
}

struct CommandCounters {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected = 0;
  uint64_t failed = 0;
  uint64_t buckets[kCommandLatencyBuckets] = {};   // non-cumulative counts per bucket
  uint64_t log2Buckets[kLatencyLog2Buckets] = {};  // LATENCY HISTOGRAM, non-cumulative
  std::unique_ptr<LatencyHistogram> latency;       // INFO latencystats; null until first use
};

class CommandStats {
 public:
  explicit CommandStats(const CommandTable& table);

  // Dense index of `def` (a row of the table, or one of its subcommands).
  size_t indexOf(const CommandDef& def) const {
    if (&def >= top_ && &def < top_ + topCount_) return static_cast<size_t>(&def - top_);
    for (const auto& r : subRanges_) {
      if (&def >= r.begin && &def < r.begin + r.count) return r.base + (&def - r.begin);
    }
    return overflow_;  // not from the table (tests): counted in a hidden slot
  }
  // After a call: its duration, whether it answered an error and whether latency-tracking is
  // on (the histogram of INFO latencystats takes the duration in nanoseconds, as Redis's).
  // Inlined into the call path (GCC no longer does it by itself with the histogram's lines).
  [[gnu::always_inline]] void record(const CommandDef& def, int64_t durationUs, bool failed,
                                     bool trackLatency) {
    CommandCounters& c = counters_[indexOf(def)];
    if (trackLatency) [[likely]] {
      if (!c.latency) [[unlikely]] {
        c.latency = newHistogram();
      }
      c.latency->record(durationUs * 1000);
    }
    ++c.calls;
    const uint64_t us = durationUs > 0 ? static_cast<uint64_t>(durationUs) : 0;
    c.usec += us;
    if (failed) ++c.failed;
    size_t b = 0;
    while (b < std::size(kCommandLatencyBoundsUs) &&
           static_cast<int64_t>(us) > kCommandLatencyBoundsUs[b]) {
      ++b;
    }
    ++c.buckets[b];
    ++c.log2Buckets[latencyLog2Bucket(us)];
  }
  // Refused before it ran (arity, authentication, OOM, cluster redirection, ...).
  void rejected(const CommandDef& def) { ++counters_[indexOf(def)].rejected; }

  size_t size() const { return defs_.size(); }
  const CommandDef& def(size_t index) const { return *defs_[index]; }
  const CommandCounters& counters(size_t index) const { return counters_[index]; }
  void reset();  // CONFIG RESETSTAT

 private:
  // Out of line: the rare allocation stays out of the inlined record().
  static std::unique_ptr<LatencyHistogram> newHistogram();

  struct Range {
    const CommandDef* begin;
    size_t count;
    size_t base;
  };
  const CommandDef* top_ = nullptr;
  size_t topCount_ = 0;
  std::vector<Range> subRanges_;
  std::vector<const CommandDef*> defs_;
  std::vector<CommandCounters> counters_;  // defs_.size() + 1 (the overflow slot)
  size_t overflow_ = 0;
};

// The body of INFO commandstats: one cmdstat_<name> line per command called, rejected or failed.
std::string commandStatsInfo(const CommandStats& stats);
// The body of INFO latencystats: one latency_percentiles_usec_<name> line per command with a
// histogram, the given percentiles in microseconds (%.3f).
std::string latencyStatsInfo(const CommandStats& stats, const std::vector<double>& percentiles);

}  // namespace strata::node
