// The set of hash slots a master serves, kept in the cluster bus's own layout (Redis's
// clusterMsg.myslots: slot j is bit j%8 of byte j/8) as 256 64-bit words. Every PING/PONG carries
// this bitmap and every nodes.conf save and CLUSTER NODES line lists it as ranges, so the bus form
// is a word copy and range scans skip 64 empty or full slots at a time instead of testing 16384
// bits one by one (a reshard saves nodes.conf twice per slot on each node it touches).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "common/slots/key_slot.h"

namespace strata::node {

class SlotBitmap {
 public:
  static constexpr int kSlots = slots::kSlotCount;
  static constexpr size_t kWireBytes = kSlots / 8;

  bool test(int slot) const { return (words_[slot >> 6] >> (slot & 63)) & 1; }
  void set(int slot) { words_[slot >> 6] |= uint64_t{1} << (slot & 63); }
  void reset(int slot) { words_[slot >> 6] &= ~(uint64_t{1} << (slot & 63)); }
  bool operator==(const SlotBitmap&) const = default;

  // From / to the kWireBytes bus bitmap (byte order fixed by the wire, not by the host).
  static SlotBitmap fromWire(const uint8_t* bytes) {
    SlotBitmap b;
    for (size_t w = 0; w < kWords; ++w) {
      uint64_t v = 0;
      for (int i = 7; i >= 0; --i) v = (v << 8) | bytes[w * 8 + static_cast<size_t>(i)];
      b.words_[w] = v;
    }
    return b;
  }
  void toWire(uint8_t* bytes) const {
    for (size_t w = 0; w < kWords; ++w) {
      for (size_t i = 0; i < 8; ++i) bytes[w * 8 + i] = static_cast<uint8_t>(words_[w] >> (8 * i));
    }
  }

  // First set (or clear) slot at or after `from`; kSlots when there is none.
  int nextSet(int from) const { return next(from, 0); }
  int nextClear(int from) const { return next(from, ~uint64_t{0}); }

  // fn(first, last) for every maximal run of set slots, in slot order (inclusive bounds).
  template <class Fn>
  void forEachRange(Fn&& fn) const {
    for (int start = nextSet(0); start < kSlots;) {
      const int end = nextClear(start);
      fn(start, end - 1);
      if (end >= kSlots) break;
      start = nextSet(end);
    }
  }

 private:
  static constexpr size_t kWords = kSlots / 64;

  int next(int from, uint64_t invert) const {
    if (from >= kSlots) return kSlots;
    size_t w = static_cast<size_t>(from >> 6);
    uint64_t bits = (words_[w] ^ invert) & (~uint64_t{0} << (from & 63));
    while (bits == 0) {
      if (++w == kWords) return kSlots;
      bits = words_[w] ^ invert;
    }
    return static_cast<int>(w * 64) + std::countr_zero(bits);
  }

  std::array<uint64_t, kWords> words_{};
};

}  // namespace strata::node
