// The container values behind hashes, sets and lists: HashObject, SetObject, ListObject, each an
// Object owned by its Entry, stored compactly while small, as Redis 7.0 does:
//
//   hash  listpack (a PackedList of field, value, ...) until hash-max-listpack-entries (128)
//         fields or a field/value longer than hash-max-listpack-value (64) bytes, then an
//         unordered_map for good (hashtable);
//   set   intset (IntSet) while every member is a canonical int64 and there are at most
//         set-max-intset-entries (512), then an unordered_set for good (hashtable);
//   list  one PackedList while its payload fits list-max-listpack-size -2 (8 KiB), a deque of
//         strings beyond; OBJECT ENCODING is quicklist either way (Redis 7.0 has no other).
//
// Readers iterate with forEach() (views valid during the callback only); the hashtable forms
// also serve HSCAN/SSCAN's paged cursor (scanPage). memoryUsage() is O(1) (malloc_usable_size of
// the packed buffers, a per-element estimate for the node-based forms); commands call
// Keyspace::reaccount() after changing one. Event-loop thread only.
#pragma once

#include <charconv>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "node/keyspace/listpack.h"
#include "node/keyspace/scan_cursor.h"
#include "node/keyspace/value.h"

namespace strata::node {

inline constexpr size_t kHashMaxListpackEntries = 128;
inline constexpr size_t kHashMaxListpackValue = 64;
inline constexpr size_t kSetMaxIntsetEntries = 512;
inline constexpr size_t kListMaxPackedBytes = 8192;

// Rough per-element overhead of a node-based container (node, hash slot, string headers).
inline constexpr size_t kElementOverhead = 48;

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
      : lp_(o.lp_), map_(o.map_ ? std::make_unique<Map>(*o.map_) : nullptr), bytes_(o.bytes_) {}

  size_t memoryUsage() const override {
    if (!map_) return sizeof(*this) + lp_.allocated();
    return sizeof(*this) + sizeof(Map) + bytes_ + map_->size() * 2 * kElementOverhead +
           map_->bucket_count() * sizeof(void*);
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<HashObject>(*this); }
  Encoding encoding() const override { return map_ ? Encoding::kHashtable : Encoding::kListpack; }
  bool listpack() const { return !map_; }

  size_t size() const { return map_ ? map_->size() : lp_.count() / 2; }
  std::optional<std::string_view> get(std::string_view field) const {
    if (map_) {
      auto it = map_->find(std::string(field));
      if (it == map_->end()) return std::nullopt;
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
    if (!map_) {
      const size_t off = lp_.find(field, 2);
      if (off != PackedList::kNone) {
        lp_.replace(lp_.next(off), value);
        return false;
      }
      lp_.insert2(lp_.end(), field, value);
      if (size() > limits.maxEntries) convert();
      return true;
    }
    auto [it, fresh] = map_->try_emplace(std::string(field));
    if (fresh) {
      bytes_ += field.size();
    } else {
      bytes_ -= it->second.size();
    }
    it->second.assign(value);
    bytes_ += value.size();
    return fresh;
  }
  bool erase(std::string_view field) {
    if (!map_) {
      const size_t off = lp_.find(field, 2);
      if (off == PackedList::kNone) return false;
      lp_.erase(off, 2);
      return true;
    }
    auto it = map_->find(std::string(field));
    if (it == map_->end()) return false;
    bytes_ -= it->first.size() + it->second.size();
    map_->erase(it);
    return true;
  }
  // f(field, value) for every field, in storage order.
  template <class F>
  void forEach(F&& f) const {
    if (map_) {
      for (const auto& [k, v] : *map_) f(std::string_view(k), std::string_view(v));
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
    return scanBuckets(*map_, cursor, count, [&](const auto& kv) {
      f(std::string_view(kv.first), std::string_view(kv.second));
    });
  }
  // To the hashtable encoding (no-op if already).
  void convert() {
    if (map_) return;
    auto m = std::make_unique<Map>();
    m->reserve(size());
    bytes_ = 0;
    forEach([&](std::string_view f, std::string_view v) {
      m->emplace(f, v);
      bytes_ += f.size() + v.size();
    });
    lp_.clear();
    map_ = std::move(m);
  }

 private:
  PackedList lp_;
  std::unique_ptr<Map> map_;  // set once the hash is hashtable-encoded
  size_t bytes_ = 0;          // field + value bytes of map_
};

class SetObject : public Object {
 public:
  using Set = std::unordered_set<std::string>;

  SetObject() = default;
  SetObject(const SetObject& o)
      : is_(o.is_), set_(o.set_ ? std::make_unique<Set>(*o.set_) : nullptr), bytes_(o.bytes_) {}

  size_t memoryUsage() const override {
    if (!set_) return sizeof(*this) + is_.allocated();
    return sizeof(*this) + sizeof(Set) + bytes_ + set_->size() * kElementOverhead +
           set_->bucket_count() * sizeof(void*);
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<SetObject>(*this); }
  Encoding encoding() const override { return set_ ? Encoding::kHashtable : Encoding::kIntset; }
  bool intset() const { return !set_; }

  size_t size() const { return set_ ? set_->size() : is_.size(); }
  bool contains(std::string_view m) const {
    if (set_) return set_->count(std::string(m)) != 0;
    int64_t v;
    return parseCanonicalInt(m, v) && is_.contains(v);
  }
  // setTypeAdd: true if added.
  bool add(std::string_view m, size_t maxIntset = kSetMaxIntsetEntries) {
    if (!set_) {
      int64_t v;
      if (parseCanonicalInt(m, v)) {
        if (!is_.add(v)) return false;
        if (is_.size() > maxIntset) convert();
        return true;
      }
      convert();
    }
    auto [it, fresh] = set_->emplace(m);
    if (fresh) bytes_ += m.size();
    return fresh;
  }
  bool remove(std::string_view m) {
    if (!set_) {
      int64_t v;
      return parseCanonicalInt(m, v) && is_.remove(v);
    }
    auto it = set_->find(std::string(m));
    if (it == set_->end()) return false;
    bytes_ -= it->size();
    set_->erase(it);
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
    if (set_) {
      for (const auto& m : *set_) f(std::string_view(m));
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
    return scanBuckets(*set_, cursor, count, [&](const std::string& m) { f(std::string_view(m)); });
  }
  // To the hashtable encoding (no-op if already).
  void convert() {
    if (set_) return;
    auto s = std::make_unique<Set>();
    s->reserve(is_.size());
    bytes_ = 0;
    forEach([&](std::string_view m) {
      s->emplace(m);
      bytes_ += m.size();
    });
    is_.clear();
    set_ = std::move(s);
  }

 private:
  IntSet is_;
  std::unique_ptr<Set> set_;  // set once the set is hashtable-encoded
  size_t bytes_ = 0;          // member bytes of set_
};

class ListObject : public Object {
 public:
  using Items = std::deque<std::string>;

  ListObject() = default;
  ListObject(const ListObject& o)
      : lp_(o.lp_),
        items_(o.items_ ? std::make_unique<Items>(*o.items_) : nullptr),
        bytes_(o.bytes_) {}

  size_t memoryUsage() const override {
    if (!items_) return sizeof(*this) + lp_.allocated();
    return sizeof(*this) + sizeof(Items) + bytes_ + items_->size() * (sizeof(std::string) + 8);
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<ListObject>(*this); }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  bool packed() const { return !items_; }

  size_t size() const { return items_ ? items_->size() : lp_.count(); }
  void push(std::string_view v, bool head) {
    if (!items_) {
      if (lp_.bytes() + PackedList::encodedSize(v.size()) <= kListMaxPackedBytes) {
        lp_.insert(head ? lp_.begin() : lp_.end(), v);
        return;
      }
      unpack();
    }
    bytes_ += v.size();
    if (head) {
      items_->emplace_front(v);
    } else {
      items_->emplace_back(v);
    }
  }
  std::string pop(bool head) {
    std::string out;
    if (!items_) {
      size_t off = lp_.begin();
      if (!head) {
        for (size_t n = lp_.count(); n > 1; --n) off = lp_.next(off);
      }
      out.assign(lp_.at(off));
      lp_.erase(off, 1);
      return out;
    }
    if (head) {
      out = std::move(items_->front());
      items_->pop_front();
    } else {
      out = std::move(items_->back());
      items_->pop_back();
    }
    bytes_ -= out.size();
    return out;
  }
  // f(element) for `count` elements from index `start` (both within the list), head to tail.
  template <class F>
  void forRange(size_t start, size_t count, F&& f) const {
    if (items_) {
      for (size_t i = 0; i < count; ++i) f(std::string_view((*items_)[start + i]));
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
  auto edit(F&& f) {
    if (!items_) unpack();
    auto guard = [this] {
      bytes_ = 0;
      size_t packed = 0;
      for (const auto& s : *items_) {
        bytes_ += s.size();
        packed += PackedList::encodedSize(s.size());
      }
      if (packed <= kListMaxPackedBytes) repack();
    };
    if constexpr (std::is_void_v<decltype(f(*items_))>) {
      f(*items_);
      guard();
    } else {
      auto r = f(*items_);
      guard();
      return r;
    }
  }

 private:
  void unpack() {
    auto items = std::make_unique<Items>();
    bytes_ = 0;
    lp_.forEach([&](std::string_view v) {
      items->emplace_back(v);
      bytes_ += v.size();
    });
    lp_.clear();
    items_ = std::move(items);
  }
  void repack() {
    PackedList lp;
    for (const auto& s : *items_) lp.insert(lp.end(), s);
    lp_ = std::move(lp);
    items_.reset();
    bytes_ = 0;
  }

  PackedList lp_;
  std::unique_ptr<Items> items_;  // set while the list is too big to pack
  size_t bytes_ = 0;              // element bytes of items_
};

}  // namespace strata::node
