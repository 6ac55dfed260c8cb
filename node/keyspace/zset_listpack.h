// PackedZSet, the listpack encoding of a small sorted set (ZSetObject, zset.h): one PackedList
// (listpack.h) of member, score, member, score, ... in ascending (score, member) order, as Redis
// 7.0's zset listpack. A score is stored in the fewest bytes that give it back exactly:
//
//   0..7 bytes  an integral score in (-2^53, 2^53): its zigzag encoding little-endian, high zero
//               bytes dropped (0 is the empty string, -128..127 one byte, -2^23..2^23-1 three);
//   8 bytes     any other double, its IEEE-754 bits (0.1, 1e300, inf, -inf round-trip exactly).
//
// -0 is stored as 0, because Redis's listpack keeps the score as d2string text, which gives -0
// back as 0. Every lookup is a linear scan (Redis's zzl* functions do the same below
// zset-max-listpack-entries); views returned point into the buffer and are valid until the next
// change. Event-loop thread only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "node/keyspace/listpack.h"

namespace strata::node {

class PackedZSet {
 public:
  static constexpr size_t kNone = PackedList::kNone;
  // The longest encoded score.
  static constexpr size_t kMaxScoreBytes = 8;

  // The encoding of `score` (after -0 -> 0) into `buf`; the view points into `buf`.
  static std::string_view encodeScore(double score, char (&buf)[kMaxScoreBytes]);
  static double decodeScore(std::string_view bytes);

  size_t size() const { return lp_.count() / 2; }
  // What the buffer costs (malloc_usable_size); 0 when empty.
  size_t allocated() const { return lp_.allocated(); }
  void clear() { lp_.clear(); }

  // A skiplist ZSetObject keeps its skiplist's address here instead of pairs (one entry, so never
  // taken for pairs): storePointer() replaces the contents, storedPointer() gives it back
  // (nullptr while the list holds pairs). The owner frees what it points to.
  void storePointer(void* p);
  void* storedPointer() const;

  // The offset of `member`'s entry (kNone if absent); its score and rank if asked.
  size_t find(std::string_view member, double* score = nullptr, size_t* rank = nullptr) const;
  // Inserts a member known to be absent at its place in the order.
  void insert(std::string_view member, double score);
  // Appends a member known to sort after every present one (fromSorted, clone of a skiplist).
  void append(std::string_view member, double score);
  // Removes the pair whose member entry is at `off` (from find()).
  void eraseAt(size_t off) { lp_.erase(off, 2); }
  // Removes ranks [start, end).
  void eraseRanks(size_t start, size_t end);
  // The member and score at 0-based `rank` (< size()).
  std::pair<std::string_view, double> at(size_t rank) const;
  // The offset of the member entry at `rank` (<= size(); size() gives end()).
  size_t offsetOf(size_t rank) const;

  // How many leading pairs satisfy pred(member, score) (which holds for a prefix of the order).
  template <class Pred>
  size_t countPrefix(Pred pred) const {
    size_t n = 0;
    for (size_t off = lp_.begin(), e = lp_.end(); off < e; ++n) {
      const std::string_view m = lp_.at(off);
      const size_t soff = off + PackedList::encodedSize(m.size());
      const std::string_view s = lp_.at(soff);
      if (!pred(m, decodeScore(s))) break;
      off = soff + PackedList::encodedSize(s.size());
    }
    return n;
  }

  // f(member, score) for `count` pairs from rank `start` (< size()), ascending, or descending
  // when `reverse` (then count <= start + 1).
  template <class F>
  void walk(size_t start, size_t count, bool reverse, F&& f) const {
    count = std::min(count, reverse ? start + 1 : size() - std::min(start, size()));
    if (count == 0) return;
    if (!reverse) {
      size_t off = offsetOf(start);
      for (size_t i = 0; i < count; ++i) {
        const std::string_view m = lp_.at(off);
        const size_t soff = off + PackedList::encodedSize(m.size());
        const std::string_view s = lp_.at(soff);
        f(m, decodeScore(s));
        off = soff + PackedList::encodedSize(s.size());
      }
      return;
    }
    // A packed list only steps forward: note the member offsets, then visit them backwards.
    constexpr size_t kInline = 128;
    uint32_t inlineOffs[kInline];
    std::vector<uint32_t> heapOffs;
    uint32_t* offs = inlineOffs;
    if (count > kInline) {
      heapOffs.resize(count);
      offs = heapOffs.data();
    }
    size_t off = offsetOf(start + 1 - count);
    for (size_t i = 0; i < count; ++i) {
      offs[i] = static_cast<uint32_t>(off);
      off = lp_.next(lp_.next(off));
    }
    for (size_t i = count; i-- > 0;) {
      const std::string_view m = lp_.at(offs[i]);
      f(m, decodeScore(lp_.at(offs[i] + PackedList::encodedSize(m.size()))));
    }
  }

 private:
  PackedList lp_;
};

}  // namespace strata::node
