// LatencyHistogram (node/server/latency_histogram.h): slots against hdr_histogram's layout, the
// clamping of Redis's tracking range, percentiles against exact ranks in sorted arrays, and
// values seen from a real redis-server 7.0.15's INFO latencystats.
#include "node/server/latency_histogram.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace strata::node {

namespace {

// The exact value at `percentile` of `sorted` with hdr_histogram's rank rule.
int64_t exactAt(const std::vector<int64_t>& sorted, double percentile) {
  auto rank = static_cast<int64_t>(
      std::min(percentile, 100.0) / 100 * static_cast<double>(sorted.size()) + 0.5);
  rank = std::max<int64_t>(rank, 1);
  return sorted[static_cast<size_t>(rank - 1)];
}

}  // namespace

TEST_CASE("node.latency_histogram: slots") {
  // Values below 256 are exact; then 128 slots per power of two.
  for (int64_t v = 0; v < 256; ++v) {
    CHECK(latencySlotOf(v) == static_cast<size_t>(v));
    CHECK(latencySlotLowest(latencySlotOf(v)) == v);
    CHECK(latencySlotHighest(latencySlotOf(v)) == v);
  }
  CHECK(latencySlotOf(256) == 256);
  CHECK(latencySlotOf(257) == 256);
  CHECK(latencySlotOf(258) == 257);
  CHECK(latencySlotHighest(256) == 257);
  CHECK(latencySlotLowest(latencySlotOf(1000)) == 1000);
  CHECK(latencySlotHighest(latencySlotOf(1000)) == 1003);
  CHECK(LatencyHistogram::kSlots == 3055);
  // Every value of the range is inside its slot, slots are contiguous and at most 1/128 wide.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(rng() % LatencyHistogram::kMaxValue) + 1;
    const size_t slot = latencySlotOf(v);
    REQUIRE(slot < LatencyHistogram::kSlots);
    CHECK(latencySlotLowest(slot) <= v);
    CHECK(v <= latencySlotHighest(slot));
    CHECK(latencySlotHighest(slot) - latencySlotLowest(slot) + 1 <= std::max<int64_t>(1, v / 128));
  }
  for (size_t s = 1; s < LatencyHistogram::kSlots; ++s) {
    CHECK(latencySlotLowest(s) == latencySlotHighest(s - 1) + 1);
  }
}

TEST_CASE("node.latency_histogram: values redis-server 7.0.15 reports") {
  // One call of N µs is recorded as N*1000 ns; INFO shows the slot's top / 1000.
  auto single = [](int64_t ns, double percentile) {
    LatencyHistogram h;
    h.record(ns);
    return h.valueAtPercentile(percentile);
  };
  CHECK(single(1000, 50) == 1003);    // p50=1.003
  CHECK(single(2000, 50) == 2007);    // 2.007
  CHECK(single(3000, 99) == 3007);    // 3.007
  CHECK(single(8000, 99.9) == 8031);  // 8.031
  CHECK(single(57000, 50) == 57087);  // 57.087
  CHECK(single(5000, 0) == 4992);     // p0 is the slot's lowest value: 4.992
  CHECK(single(2000, 0) == 2000);     // 2.000
  CHECK(single(0, 50) == 1);          // a 0 µs call: 0.001
  CHECK(single(5'000'000'000, 50) == latencySlotHighest(latencySlotOf(1'000'000'000)));
  LatencyHistogram empty;
  CHECK(empty.valueAtPercentile(50) == 0);
}

TEST_CASE("node.latency_histogram: percentiles against sorted arrays") {
  std::mt19937_64 rng(42);
  const double percentiles[] = {0, 0.1, 1, 10, 25, 33.3333335, 50, 75, 90, 99, 99.9, 99.99, 100};
  for (int round = 0; round < 20; ++round) {
    // Mixed shapes: small exact values, a log-normal-ish bulk and a long tail.
    const size_t n = 1 + rng() % 5000;
    std::vector<int64_t> values;
    LatencyHistogram h;
    std::lognormal_distribution<double> bulk(9.0, 1.5);
    for (size_t i = 0; i < n; ++i) {
      int64_t v = 0;
      switch (rng() % 4) {
        case 0:
          v = static_cast<int64_t>(rng() % 300);
          break;
        case 1:
          v = static_cast<int64_t>(rng() % 2'000'000'000);
          break;
        default:
          v = static_cast<int64_t>(bulk(rng));
          break;
      }
      v = std::clamp(v, LatencyHistogram::kMinValue, LatencyHistogram::kMaxValue);
      values.push_back(v);
      h.record(v);
    }
    std::sort(values.begin(), values.end());
    CHECK(h.total() == n);
    for (double p : percentiles) {
      const int64_t exact = exactAt(values, p);
      const int64_t got = h.valueAtPercentile(p);
      // The answer is the exact value's slot bound: within 1/128 of it, on the right side.
      const int64_t want = p == 0 ? latencySlotLowest(latencySlotOf(exact))
                                  : latencySlotHighest(latencySlotOf(exact));
      CHECK(got == want);
      CHECK(std::llabs(got - exact) <= std::max<int64_t>(0, exact / 128));
    }
  }
}

TEST_CASE("node.latency_histogram: rank rounding") {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 10; ++v) h.record(v);
  CHECK(h.valueAtPercentile(50) == 5);   // rank 5.0 + 0.5 truncates to 5
  CHECK(h.valueAtPercentile(55) == 6);   // 5.5 + 0.5 = 6
  CHECK(h.valueAtPercentile(99) == 10);  // 9.9 + 0.5 -> 10
  CHECK(h.valueAtPercentile(1) == 1);    // rank 0 counts as 1
  CHECK(h.valueAtPercentile(150) == 10);
}

TEST_CASE("node.latency_histogram: percentile names as Redis prints them") {
  CHECK(percentileText(50) == "50");
  CHECK(percentileText(99.9) == "99.9");
  CHECK(percentileText(0) == "0");
  CHECK(percentileText(-0.0) == "-0");
  CHECK(percentileText(0.5) == "0.5");
  CHECK(percentileText(100) == "100");
  CHECK(percentileText(99.9999) == "99.9999");
  CHECK(percentileText(33.3333335) == "33.333334");
  CHECK(percentileText(99.123456789) == "99.123457");
  CHECK(percentileText(1e-7) == "0");
}

}  // namespace strata::node
