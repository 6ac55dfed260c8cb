// LatencyHistogram's percentile walk and Redis's trimmed "%f" rendering of a percentile (see
// latency_histogram.h).
#include "node/server/latency_histogram.h"

#include <cstdio>

namespace strata::node {

int64_t LatencyHistogram::valueAtPercentile(double percentile) const {
  const double requested = percentile < 100.0 ? percentile : 100.0;
  // hdr_histogram's rank: rounded half up, at least the first value.
  auto rank = static_cast<int64_t>(requested / 100 * static_cast<double>(total_) + 0.5);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (size_t slot = 0; slot < kSlots; ++slot) {
    seen += counts_[slot];
    if (seen >= static_cast<uint64_t>(rank)) {
      return percentile == 0.0 ? latencySlotLowest(slot) : latencySlotHighest(slot);
    }
  }
  return 0;
}

std::string percentileText(double percentile) {
  char buf[400];  // "%f" of a double up to 1e308 fits
  int n = std::snprintf(buf, sizeof buf, "%f", percentile);
  if (n <= 0) return {};
  std::string s(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace strata::node
