// The container values behind hashes, sets and lists: HashObject, SetObject, ListObject, each an
// Object owned by its Entry, stored compactly while small, as Redis 7.0 does:
//
//   hash  listpack (a PackedList of field, value, ...) until hash-max-listpack-entries (512,
//         redis-server's built-in default) fields or a field/value longer than
//         hash-max-listpack-value (64) bytes, then an unordered_map for good (hashtable);
//   set   intset (IntSet) while every member is a canonical int64 and there are at most
//         set-max-intset-entries (512), then an unordered_set for good (hashtable);
//   list  one PackedList while it fits list-max-listpack-size (-2: 8 KiB, see ListLimits), a
//         deque of strings beyond; OBJECT ENCODING is quicklist either way (Redis 7.0 has no
//         other).
//
// The big forms hang off one pointer (with their byte count) so that a small container's object
// stays 32 bytes: what a small key costs is what MEMORY USAGE compares with Redis.
//
// Readers iterate with forEach() (views valid during the callback only); the hashtable forms
// also serve HSCAN/SSCAN's paged cursor (scanPage). memoryUsage() is O(1) (malloc_usable_size of
// the packed buffers, a per-element estimate for the node-based forms); commands call
// Keyspace::reaccount() after changing one. Event-loop thread only.
#pragma once

#include <charconv>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "node/keyspace/listpack.h"
#include "node/keyspace/scan_cursor.h"
#include "node/keyspace/value.h"

namespace strata::node {

inline constexpr size_t kHashMaxListpackEntries = 512;
inline constexpr size_t kHashMaxListpackValue = 64;
inline constexpr size_t kSetMaxIntsetEntries = 512;
inline constexpr size_t kListMaxPackedBytes = 8192;

// Rough per-element overhead of a node-based container (node, hash slot, string headers).
inline constexpr size_t kElementOverhead = 48;

// list-max-listpack-size as bounds of the packed form, after quicklistNodeExceedsLimit: > 0 at
// most that many elements (and 8 KiB, Redis's SIZE_SAFETY_LIMIT); -1..-5 4, 8, 16, 32, 64 KiB
// (below -5: 64 KiB); 0 nothing packed.
struct ListLimits {
  size_t maxBytes = kListMaxPackedBytes;
  size_t maxCount = SIZE_MAX;

  static ListLimits fromFill(int64_t fill) {
    if (fill > 0) return {kListMaxPackedBytes, static_cast<size_t>(fill)};
    if (fill == 0) return {kListMaxPackedBytes, 0};
    const int64_t level = fill < -5 ? 4 : -fill - 1;
    return {size_t{4096} << level, SIZE_MAX};
  }
  bool fits(size_t count, size_t bytes) const { return count <= maxCount && bytes <= maxBytes; }
};

// hash-max-listpack-entries / hash-max-listpack-value.
struct HashLimits {
  size_t maxEntries = kHashMaxListpackEntries;
  size_t maxValue = kHashMaxListpackValue;
};

class HashObject : public Object {
 public:
  using Map = std::unordered_map<std::string, std::string>;

  HashObject() = default;
  HashObject(const HashObject& o)
      : lp_(o.lp_), big_(o.big_ ? std::make_unique<Big>(*o.big_) : nullptr) {}

  size_t memoryUsage() const override {
    if (!big_) return sizeof(*this) + lp_.allocated();
    return sizeof(*this) + sizeof(Big) + big_->bytes + big_->map.size() * 2 * kElementOverhead +
           big_->map.bucket_count() * sizeof(void*);
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<HashObject>(*this); }
  Encoding encoding() const override { return big_ ? Encoding::kHashtable : Encoding::kListpack; }
  bool listpack() const { return !big_; }

  size_t size() const { return big_ ? big_->map.size() : lp_.count() / 2; }
  std::optional<std::string_view> get(std::string_view field) const {
    if (big_) {
      auto it = big_->map.find(std::string(field));
      if (it == big_->map.end()) return std::nullopt;
      return std::string_view(it->second);
    }
    const size_t off = lp_.find(field, 2);
    if (off == PackedList::kNone) return std::nullopt;
    return lp_.at(lp_.next(off));
  }
  // hashTypeTryConversion: a long field or value turns the encoding into hashtable.
  void noteArgLength(size_t len, const HashLimits& limits = {}) {
    if (len > limits.maxValue) convert();
  }
  // Inserts or overwrites; true if the field is new. Like 7.0's hashTypeSet, a long field or
  // value converts (HINCRBYFLOAT can produce one), and so does passing maxEntries fields.
  bool set(std::string_view field, std::string_view value, const HashLimits& limits = {}) {
    noteArgLength(field.size(), limits);
    noteArgLength(value.size(), limits);
    if (!big_) {
      const size_t off = lp_.find(field, 2);
      if (off != PackedList::kNone) {
        lp_.replace(lp_.next(off), value);
        return false;
      }
      lp_.insert2(lp_.end(), field, value);
      if (size() > limits.maxEntries) convert();
      return true;
    }
    auto [it, fresh] = big_->map.try_emplace(std::string(field));
    if (fresh) {
      big_->bytes += field.size();
    } else {
      big_->bytes -= it->second.size();
    }
    it->second.assign(value);
    big_->bytes += value.size();
    return fresh;
  }
  bool erase(std::string_view field) {
    if (!big_) {
      const size_t off = lp_.find(field, 2);
      if (off == PackedList::kNone) return false;
      lp_.erase(off, 2);
      return true;
    }
    auto it = big_->map.find(std::string(field));
    if (it == big_->map.end()) return false;
    big_->bytes -= it->first.size() + it->second.size();
    big_->map.erase(it);
    return true;
  }
  // f(field, value) for every field, in storage order.
  template <class F>
  void forEach(F&& f) const {
    if (big_) {
      for (const auto& [k, v] : big_->map) f(std::string_view(k), std::string_view(v));
      return;
    }
    for (size_t off = lp_.begin(), e = lp_.end(); off < e;) {
      const size_t voff = lp_.next(off);
      f(lp_.at(off), lp_.at(voff));
      off = lp_.next(voff);
    }
  }
  // One HSCAN page of a hashtable hash (see scanBuckets); listpack hashes scan in one call.
  template <class F>
  uint64_t scanPage(uint64_t cursor, size_t count, F&& f) const {
    return scanBuckets(big_->map, cursor, count, [&](const auto& kv) {
      f(std::string_view(kv.first), std::string_view(kv.second));
    });
  }
  // To the hashtable encoding (no-op if already).
  void convert() {
    if (big_) return;
    auto b = std::make_unique<Big>();
    b->map.reserve(size());
    forEach([&](std::string_view f, std::string_view v) {
      b->map.emplace(f, v);
      b->bytes += f.size() + v.size();
    });
    lp_.clear();
    big_ = std::move(b);
  }

 private:
  struct Big {
    Map map;
    size_t bytes = 0;  // field + value bytes
  };

  PackedList lp_;
  std::unique_ptr<Big> big_;  // set once the hash is hashtable-encoded
};

class SetObject : public Object {
 public:
  using Set = std::unordered_set<std::string>;

  SetObject() = default;
  SetObject(const SetObject& o)
      : is_(o.is_), big_(o.big_ ? std::make_unique<Big>(*o.big_) : nullptr) {}

  size_t memoryUsage() const override {
    if (!big_) return sizeof(*this) + is_.allocated();
    return sizeof(*this) + sizeof(Big) + big_->bytes + big_->set.size() * kElementOverhead +
           big_->set.bucket_count() * sizeof(void*);
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<SetObject>(*this); }
  Encoding encoding() const override { return big_ ? Encoding::kHashtable : Encoding::kIntset; }
  bool intset() const { return !big_; }

  size_t size() const { return big_ ? big_->set.size() : is_.size(); }
  bool contains(std::string_view m) const {
    if (big_) return big_->set.count(std::string(m)) != 0;
    int64_t v;
    return parseCanonicalInt(m, v) && is_.contains(v);
  }
  // setTypeAdd: true if added.
  bool add(std::string_view m, size_t maxIntset = kSetMaxIntsetEntries) {
    if (!big_) {
      int64_t v;
      if (parseCanonicalInt(m, v)) {
        if (is_.size() >= IntSet::kMaxCount) {
          convert();
        } else {
          if (!is_.add(v)) return false;
          if (is_.size() > maxIntset) convert();
          return true;
        }
      } else {
        convert();
      }
    }
    auto [it, fresh] = big_->set.emplace(m);
    if (fresh) big_->bytes += m.size();
    return fresh;
  }

  bool remove(std::string_view m) {
    if (!big_) {
      int64_t v;
      return parseCanonicalInt(m, v) && is_.remove(v);
    }
    auto it = big_->set.find(std::string(m));
    if (it == big_->set.end()) return false;
    big_->bytes -= it->size();
    big_->set.erase(it);
    return true;
  }
  // setTypeCreate: an empty set whose first member decides the starting encoding.
  void startWith(std::string_view first) {
    int64_t v;
    if (!parseCanonicalInt(first, v)) convert();
  }
  // f(member) for every member (the view lives during the call only).
  template <class F>
  void forEach(F&& f) const {
    if (big_) {
      for (const auto& m : big_->set) f(std::string_view(m));
      return;
    }
    char buf[24];
    for (size_t i = 0, n = is_.size(); i < n; ++i) {
      auto r = std::to_chars(buf, buf + sizeof(buf), is_.at(i));
      f(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
    }
  }
  // Every member as a string.
  std::vector<std::string> list() const {
    std::vector<std::string> out;
    out.reserve(size());
    forEach([&](std::string_view m) { out.emplace_back(m); });
    return out;
  }
  // One SSCAN page of a hashtable set (see scanBuckets); intsets scan in one call.
  template <class F>
  uint64_t scanPage(uint64_t cursor, size_t count, F&& f) const {
    return scanBuckets(big_->set, cursor, count,
                       [&](const std::string& m) { f(std::string_view(m)); });
  }
  // To the hashtable encoding (no-op if already).
  void convert() {
    if (big_) return;
    auto b = std::make_unique<Big>();
    b->set.reserve(is_.size());
    forEach([&](std::string_view m) {
      b->set.emplace(m);
      b->bytes += m.size();
    });
    is_.clear();
    big_ = std::move(b);
  }

 private:
  struct Big {
    Set set;
    size_t bytes = 0;  // member bytes
  };

  IntSet is_;
  std::unique_ptr<Big> big_;  // set once the set is hashtable-encoded
};

class ListObject : public Object {
 public:
  using Items = std::deque<std::string>;

  ListObject() = default;
  ListObject(const ListObject& o)
      : lp_(o.lp_), big_(o.big_ ? std::make_unique<Big>(*o.big_) : nullptr) {}

  size_t memoryUsage() const override {
    if (!big_) return sizeof(*this) + lp_.allocated();
    return sizeof(*this) + sizeof(Big) + big_->bytes +
           big_->items.size() * (sizeof(std::string) + 8);
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<ListObject>(*this); }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  bool packed() const { return !big_; }

  size_t size() const { return big_ ? big_->items.size() : lp_.count(); }
  void push(std::string_view v, bool head, const ListLimits& limits = {}) {
    if (!big_) {
      if (limits.fits(lp_.count() + 1, lp_.bytes() + PackedList::encodedSize(v.size()))) {
        lp_.insert(head ? lp_.begin() : lp_.end(), v);
        return;
      }
      unpack();
    }
    big_->bytes += v.size();
    if (head) {
      big_->items.emplace_front(v);
    } else {
      big_->items.emplace_back(v);
    }
  }
  std::string pop(bool head) {
    std::string out;
    if (!big_) {
      size_t off = lp_.begin();
      if (!head) {
        for (size_t n = lp_.count(); n > 1; --n) off = lp_.next(off);
      }
      out.assign(lp_.at(off));
      lp_.erase(off, 1);
      return out;
    }
    Items& items = big_->items;
    if (head) {
      out = std::move(items.front());
      items.pop_front();
    } else {
      out = std::move(items.back());
      items.pop_back();
    }
    big_->bytes -= out.size();
    return out;
  }
  // f(element) for `count` elements from index `start` (both within the list), head to tail.
  template <class F>
  void forRange(size_t start, size_t count, F&& f) const {
    if (big_) {
      for (size_t i = 0; i < count; ++i) f(std::string_view(big_->items[start + i]));
      return;
    }
    size_t off = lp_.begin();
    for (size_t i = 0; i < start; ++i) off = lp_.next(off);
    for (size_t i = 0; i < count; ++i, off = lp_.next(off)) f(lp_.at(off));
  }
  template <class F>
  void forEach(F&& f) const {
    forRange(0, size(), f);
  }
  std::string_view at(size_t i) const {
    std::string_view out;
    forRange(i, 1, [&](std::string_view v) { out = v; });
    return out;
  }
  // Every element as a view (valid until the list changes).
  std::vector<std::string_view> views() const {
    std::vector<std::string_view> out;
    out.reserve(size());
    forEach([&](std::string_view v) { out.push_back(v); });
    return out;
  }
  // Runs f(Items&) on the elements as a deque (LSET, LINSERT, LREM, LTRIM), then packs them
  // again if they fit the packed form.
  template <class F>
  auto edit(F&& f, const ListLimits& limits = {}) {
    if (!big_) unpack();
    auto guard = [this, &limits] {
      big_->bytes = 0;
      size_t packed = 0;
      for (const auto& s : big_->items) {
        big_->bytes += s.size();
        packed += PackedList::encodedSize(s.size());
      }
      if (limits.fits(big_->items.size(), packed)) repack();
    };
    if constexpr (std::is_void_v<decltype(f(big_->items))>) {
      f(big_->items);
      guard();
    } else {
      auto r = f(big_->items);
      guard();
      return r;
    }
  }

 private:
  struct Big {
    Items items;
    size_t bytes = 0;  // element bytes
  };

  void unpack() {
    auto b = std::make_unique<Big>();
    lp_.forEach([&](std::string_view v) {
      b->items.emplace_back(v);
      b->bytes += v.size();
    });
    lp_.clear();
    big_ = std::move(b);
  }
  void repack() {
    PackedList lp;
    for (const auto& s : big_->items) lp.insert(lp.end(), s);
    lp_ = std::move(lp);
    big_.reset();
  }

  PackedList lp_;
  std::unique_ptr<Big> big_;  // set while the list is too big to pack
};

}  // namespace strata::node
