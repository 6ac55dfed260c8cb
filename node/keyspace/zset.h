// ZSetObject, the value behind a sorted set: members ordered by (score, member bytes), each
// member once, with Redis 7.0's two encodings:
//
//   listpack  (<= zset-max-listpack-entries members, each <= zset-max-listpack-value bytes):
//             PackedZSet (zset_listpack.h), one packed buffer of member, score, ... in order,
//             scores in 0..8 bytes; every lookup is a linear scan, like a listpack's.
//   skiplist  (bigger): Redis's skiplist with spans (O(log n) insert, delete, rank, n-th) plus a
//             member -> node hash; each node is one allocation (links, score, member bytes).
//             Both hang off the address the PackedZSet keeps instead of pairs, so that the
//             object is 24 bytes whatever the encoding.
//
// A set converts from listpack to skiplist when an insert would exceed a limit and never back
// (as Redis); results of ZRANGESTORE/Z*STORE are built in the encoding their size calls for.
// Ranks are 0-based in ascending order everywhere; commands turn score and lex ranges into rank
// intervals [lo, hi) with the *Bound functions and read or erase ranks. Owned by its Entry;
// event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "node/keyspace/scan_cursor.h"
#include "node/keyspace/value.h"
#include "node/keyspace/zset_listpack.h"

namespace strata::node {

// zset-max-listpack-entries / zset-max-listpack-value.
struct ZSetLimits {
  size_t maxEntries = 128;
  size_t maxValue = 64;
};

// A score interval (Redis's zrangespec): min/max, each inclusive unless *ex.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};

// A lex interval (zlexrangespec): each bound is "-" (below everything), "+" (above everything)
// or a string, inclusive unless *ex. `min`/`max` borrow the argument bytes.
struct LexRange {
  enum Kind : uint8_t { kMinusInf, kPlusInf, kValue };
  Kind minKind = kMinusInf, maxKind = kPlusInf;
  std::string_view min, max;
  bool minex = false, maxex = false;
};

namespace zset_detail {

// One skiplist node in one allocation: this header, `level` Level links, then the member bytes.
struct SkipNode {
  struct Level {
    SkipNode* forward;
    size_t span;
  };
  double score;
  SkipNode* backward;
  uint32_t len;
  uint32_t level;

  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(levels() + level); }
  std::string_view member() const { return {data(), len}; }
  SkipNode* next() const { return levels()[0].forward; }
  static size_t allocSize(uint32_t level, size_t len) {
    return sizeof(SkipNode) + level * sizeof(Level) + len;
  }
};

// Redis's zskiplist (t_zset.c), spans included.
class SkipList {
 public:
  static constexpr int kMaxLevel = 32;
  SkipList();
  ~SkipList();
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  size_t size() const { return length_; }
  // Bytes of every node (header included).
  size_t nodeBytes() const { return bytes_; }
  // A new node for a member known to be absent.
  SkipNode* insert(double score, std::string_view member);
  // Moves an existing node to `newScore`, in place when its position does not change.
  void updateScore(SkipNode* node, double newScore);
  // Unlinks and frees `node`.
  void erase(SkipNode* node);
  // 0-based rank of `node`.
  size_t rankOf(const SkipNode* node) const;
  // The node at 0-based `rank` (< size()).
  SkipNode* at(size_t rank) const;
  SkipNode* first() const { return header_->next(); }
  SkipNode* last() const { return tail_; }
  // How many leading nodes satisfy `before` (which must hold for a prefix of the order).
  template <class Pred>
  size_t countPrefix(Pred before) const {
    const SkipNode* x = header_;
    size_t n = 0;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->levels()[i].forward && before(*x->levels()[i].forward)) {
        n += x->levels()[i].span;
        x = x->levels()[i].forward;
      }
    }
    return n;
  }
  // Unlinks the nodes of ranks [start, end) and hands each to `dispose` (which frees it).
  template <class F>
  void eraseRanks(size_t start, size_t end, F dispose);
  static void freeNode(SkipNode* node);

 private:
  SkipNode* allocNode(int level, double score, std::string_view member);
  void link(SkipNode* node);
  void unlink(SkipNode* x, SkipNode** update);
  // Fills update[] with the last node before (score, member) at each level.
  void findUpdate(double score, std::string_view member, SkipNode** update,
                  size_t* rank = nullptr) const;

  SkipNode* header_;
  SkipNode* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  size_t bytes_ = 0;
};

template <class F>
void SkipList::eraseRanks(size_t start, size_t end, F dispose) {
  SkipNode* update[kMaxLevel];
  SkipNode* x = header_;
  size_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span <= start) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  x = x->next();
  for (size_t r = start; x != nullptr && r < end; ++r) {
    SkipNode* next = x->next();
    unlink(x, update);
    bytes_ -= SkipNode::allocSize(x->level, x->len);
    dispose(x);
    x = next;
  }
}

}  // namespace zset_detail

class ZSetObject : public Object {
 public:
  using Node = zset_detail::SkipNode;

  // compact: start in the listpack encoding (false when zset-max-listpack-entries is 0 or the
  // first member is already too long).
  explicit ZSetObject(bool compact = true);
  ~ZSetObject() override;
  ZSetObject(const ZSetObject&) = delete;
  ZSetObject& operator=(const ZSetObject&) = delete;

  size_t memoryUsage() const override;
  std::unique_ptr<Object> clone() const override;
  Encoding encoding() const override { return big() ? Encoding::kSkiplist : Encoding::kListpack; }
  bool compact() const { return !big(); }

  size_t size() const { return big() ? big()->list.size() : lp_.size(); }
  // The score of `member`; false if absent.
  bool score(std::string_view member, double& out) const;
  // The 0-based ascending rank of `member`; false if absent.
  bool rank(std::string_view member, size_t& out) const;
  // Adds a member known to be absent; converts to skiplist first if `limits` require it.
  void insert(std::string_view member, double score, const ZSetLimits& limits);
  // Changes the score of a present member.
  void updateScore(std::string_view member, double newScore);
  // Removes `member`; false if absent.
  bool erase(std::string_view member);
  // Removes ranks [start, end).
  void eraseRanks(size_t start, size_t end);
  // The member and score at 0-based `rank` (< size()).
  std::pair<std::string_view, double> at(size_t rank) const;

  // Range bounds as ranks: the range is [lowerBound, upperBound) (empty if lo >= hi). The lex
  // bounds assume the members compare in lex order (all scores equal), as Redis does.
  size_t scoreLowerBound(const ScoreRange& r) const;
  size_t scoreUpperBound(const ScoreRange& r) const;
  size_t lexLowerBound(const LexRange& r) const;
  size_t lexUpperBound(const LexRange& r) const;

  // Calls f(member, score) for `count` elements from rank `start`, ascending, or descending
  // when `reverse`. f must not change the set.
  template <class F>
  void walk(size_t start, size_t count, bool reverse, F&& f) const {
    if (count == 0) return;
    if (!big()) return lp_.walk(start, count, reverse, f);
    const Node* n = big()->list.at(start);
    for (size_t i = 0; i < count && n != nullptr; ++i) {
      f(n->member(), n->score);
      n = reverse ? n->backward : n->next();
    }
  }

  // One ZSCAN page of a skiplist set over its member dict (scan_cursor.h); f(member, score).
  // Listpack sets scan in one call with walk().
  template <class F>
  uint64_t scanPage(uint64_t cursor, size_t count, F&& f) const {
    return scanBuckets(big()->dict, cursor, count,
                       [&](const auto& kv) { f(kv.first, kv.second->score); });
  }

  // Converts a listpack set to skiplist (no-op if already).
  void convertToSkiplist();
  // A set holding `sorted` (ascending by score, then member; members distinct), in the
  // encoding its size and longest member call for (zsetConvertToListpackIfNeeded).
  static std::unique_ptr<ZSetObject> fromSorted(
      const std::vector<std::pair<std::string, double>>& sorted, const ZSetLimits& limits);

 private:
  // The skiplist encoding.
  struct Big {
    zset_detail::SkipList list;
    std::unordered_map<std::string_view, Node*> dict;  // views of the nodes' member bytes
  };
  void bigInsert(std::string_view member, double score);

  // The skiplist encoding, or nullptr while the set is a listpack.
  Big* big() const { return static_cast<Big*>(lp_.storedPointer()); }
  void setBig(std::unique_ptr<Big> big) { lp_.storePointer(big.release()); }

  // The whole state, one word, so that the object is 24 bytes (malloc's 32-byte class; 32 bytes
  // would take a 48-byte chunk): a listpack set's pairs, or a skiplist set's Big address.
  PackedZSet lp_;
};

// Ascending (score, member) order, Redis's: scores numerically, equal scores by memcmp.
inline bool zsetLess(double s1, std::string_view m1, double s2, std::string_view m2) {
  return s1 < s2 || (s1 == s2 && m1 < m2);
}

}  // namespace strata::node
