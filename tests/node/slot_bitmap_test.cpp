// SlotBitmap (node/cluster/slot_bitmap.h): the bus byte layout, run scans across word edges.
#include "node/cluster/slot_bitmap.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

using strata::node::SlotBitmap;

namespace {

std::vector<std::pair<int, int>> ranges(const SlotBitmap& b) {
  std::vector<std::pair<int, int>> out;
  b.forEachRange([&](int first, int last) { out.emplace_back(first, last); });
  return out;
}

}  // namespace

TEST_CASE("SlotBitmap: wire layout is Redis's (slot j = bit j%8 of byte j/8)") {
  SlotBitmap b;
  b.set(0);
  b.set(9);
  b.set(16383);
  uint8_t wire[SlotBitmap::kWireBytes] = {};
  b.toWire(wire);
  CHECK(wire[0] == 0x01);
  CHECK(wire[1] == 0x02);
  CHECK(wire[2047] == 0x80);
  int nonzero = 0;
  for (uint8_t byte : wire) nonzero += byte != 0;
  CHECK(nonzero == 3);
  CHECK(SlotBitmap::fromWire(wire) == b);

  uint8_t pattern[SlotBitmap::kWireBytes];
  for (size_t i = 0; i < sizeof pattern; ++i) pattern[i] = static_cast<uint8_t>(i * 37 + 11);
  SlotBitmap p = SlotBitmap::fromWire(pattern);
  for (int j = 0; j < SlotBitmap::kSlots; ++j) {
    REQUIRE(p.test(j) == ((pattern[j / 8] >> (j % 8)) & 1));
  }
  uint8_t back[SlotBitmap::kWireBytes] = {};
  p.toWire(back);
  CHECK(std::equal(std::begin(back), std::end(back), std::begin(pattern)));
}

TEST_CASE("SlotBitmap: runs, including ones that cross 64-slot words and touch both ends") {
  SlotBitmap b;
  CHECK(ranges(b).empty());
  CHECK(b.nextSet(0) == SlotBitmap::kSlots);
  CHECK(b.nextClear(16383) == 16383);

  for (int j = 0; j <= 5460; ++j) b.set(j);
  for (int j = 63; j <= 64; ++j) b.set(j);
  b.set(8000);
  for (int j = 10000; j <= 16383; ++j) b.set(j);
  b.reset(127);
  using R = std::pair<int, int>;
  CHECK(ranges(b) == std::vector<R>{{0, 126}, {128, 5460}, {8000, 8000}, {10000, 16383}});
  CHECK(b.nextSet(5461) == 8000);
  CHECK(b.nextClear(0) == 127);
  CHECK(b.nextClear(10000) == SlotBitmap::kSlots);
  CHECK(b.nextSet(SlotBitmap::kSlots) == SlotBitmap::kSlots);

  SlotBitmap all;
  for (int j = 0; j < SlotBitmap::kSlots; ++j) all.set(j);
  CHECK(ranges(all) == std::vector<R>{{0, 16383}});
  all.reset(0);
  all.reset(16383);
  CHECK(ranges(all) == std::vector<R>{{1, 16382}});
  CHECK(!all.test(0));
  CHECK(all.test(1));
}
