// A per-command latency histogram for INFO latencystats, laid out as redis-server 7.0 sets up
// its hdr_histogram for command latencies (values in nanoseconds, tracked from 1 ns to 1 s with
// 2 significant figures) so that the percentiles it reports are the same numbers:
//   - values below 256 each have their own slot;
//   - above, every power-of-two range [2^k, 2^(k+1)) is cut into 128 equal slots, so a value is
//     known to within 1/128 of itself (better than 0.8 %, about 2-3 significant digits).
// A value v lands in slot (e << 7) + (v >> e), e = max(0, bit_width(v) - 8): one bit scan, one
// shift, one add. Fixed memory (3055 counters, 24 KiB), no allocation after construction;
// CommandStats allocates one per command on its first recorded call, as Redis does.
// Percentiles follow hdr_value_at_percentile: the slot holding the ceil-rounded rank, reported
// as its highest equivalent value (its lowest for percentile 0).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace strata::node {

// The slot of a value (>= 0), and the smallest and largest value counted in a slot.
constexpr size_t latencySlotOf(int64_t value) {
  const auto v = static_cast<uint64_t>(value);
  const int width = std::bit_width(v);
  const int e = width > 8 ? width - 8 : 0;
  return (static_cast<size_t>(e) << 7) + static_cast<size_t>(v >> e);
}
constexpr int64_t latencySlotLowest(size_t slot) {
  const size_t e = slot >= 256 ? (slot >> 7) - 1 : 0;
  return static_cast<int64_t>(slot - (e << 7)) << e;
}
constexpr int64_t latencySlotHighest(size_t slot) {
  const size_t e = slot >= 256 ? (slot >> 7) - 1 : 0;
  return latencySlotLowest(slot) + (int64_t{1} << e) - 1;
}

class LatencyHistogram {
 public:
  static constexpr int64_t kMinValue = 1;              // ns; smaller values count as this
  static constexpr int64_t kMaxValue = 1'000'000'000;  // ns; larger values count as this
  static constexpr size_t kSlots = latencySlotOf(kMaxValue) + 1;

  void record(int64_t value) {
    if (value < kMinValue) value = kMinValue;
    if (value > kMaxValue) value = kMaxValue;
    ++counts_[latencySlotOf(value)];
    ++total_;
  }
  uint64_t total() const { return total_; }
  uint64_t countInSlot(size_t slot) const { return counts_[slot]; }

  // The value at `percentile` (0..100) of the recorded values, 0 when none were recorded.
  int64_t valueAtPercentile(double percentile) const;

 private:
  std::array<uint64_t, kSlots> counts_{};
  uint64_t total_ = 0;
};

// A percentile as Redis prints it in INFO field names and CONFIG GET: "%f" without trailing
// zeros or a trailing dot ("99.9", "50", "33.333334", "-0").
std::string percentileText(double percentile);

}  // namespace strata::node
