// The container values behind hashes, sets and lists: HashObject, SetObject, ListObject, each an
// Object owned by its Entry. They keep plain std containers (compact listpack/intset storage is a
// later goal) but track what Redis 7.0 would report for OBJECT ENCODING at the sizes they reach:
// hashes are listpack until hash-max-listpack-entries (128) fields or a field/value longer than
// hash-max-listpack-value (64) bytes, then hashtable for good; sets are intset while every member
// is a canonical int64 and there are at most set-max-intset-entries (512), then hashtable; lists
// are always quicklist. Each tracks its payload bytes so memoryUsage() is O(1); commands call
// Keyspace::reaccount() after changing one. Event-loop thread only.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "node/keyspace/value.h"

namespace strata::node {

inline constexpr size_t kHashMaxListpackEntries = 128;
inline constexpr size_t kHashMaxListpackValue = 64;
inline constexpr size_t kSetMaxIntsetEntries = 512;

// Rough per-element overhead of a node-based container (node, hash slot, string headers).
inline constexpr size_t kElementOverhead = 48;

class HashObject : public Object {
 public:
  using Map = std::unordered_map<std::string, std::string>;

  size_t memoryUsage() const override {
    return sizeof(*this) + bytes_ + map_.size() * 2 * kElementOverhead;
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<HashObject>(*this); }
  Encoding encoding() const override {
    return listpack_ ? Encoding::kListpack : Encoding::kHashtable;
  }

  const Map& map() const { return map_; }
  size_t size() const { return map_.size(); }
  const std::string* get(std::string_view field) const {
    auto it = map_.find(std::string(field));
    return it == map_.end() ? nullptr : &it->second;
  }
  // hashTypeTryConversion: a long field or value turns the encoding into hashtable.
  void noteArgLength(size_t len) {
    if (len > kHashMaxListpackValue) listpack_ = false;
  }
  // Inserts or overwrites; true if the field is new. Like 7.0's hashTypeSet, a long field or
  // value converts (HINCRBYFLOAT can produce one).
  bool set(std::string_view field, std::string_view value) {
    noteArgLength(field.size());
    noteArgLength(value.size());
    auto [it, fresh] = map_.try_emplace(std::string(field));
    if (fresh) {
      bytes_ += field.size();
    } else {
      bytes_ -= it->second.size();
    }
    it->second.assign(value);
    bytes_ += value.size();
    if (map_.size() > kHashMaxListpackEntries) listpack_ = false;
    return fresh;
  }
  bool erase(std::string_view field) {
    auto it = map_.find(std::string(field));
    if (it == map_.end()) return false;
    bytes_ -= it->first.size() + it->second.size();
    map_.erase(it);
    return true;
  }

 private:
  Map map_;
  size_t bytes_ = 0;
  bool listpack_ = true;
};

class SetObject : public Object {
 public:
  using Set = std::unordered_set<std::string>;

  size_t memoryUsage() const override {
    return sizeof(*this) + bytes_ + set_.size() * kElementOverhead;
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<SetObject>(*this); }
  Encoding encoding() const override { return intset_ ? Encoding::kIntset : Encoding::kHashtable; }

  const Set& members() const { return set_; }
  size_t size() const { return set_.size(); }
  bool contains(std::string_view m) const { return set_.count(std::string(m)) != 0; }
  // setTypeAdd: true if added.
  bool add(std::string_view m) {
    auto [it, fresh] = set_.emplace(m);
    if (!fresh) return false;
    bytes_ += m.size();
    if (intset_) {
      int64_t v;
      if (!parseCanonicalInt(m, v) || set_.size() > kSetMaxIntsetEntries) intset_ = false;
    }
    return true;
  }
  bool remove(std::string_view m) {
    auto it = set_.find(std::string(m));
    if (it == set_.end()) return false;
    bytes_ -= it->size();
    set_.erase(it);
    return true;
  }
  // setTypeCreate: an empty set whose first member decides the starting encoding.
  void startWith(std::string_view first) {
    int64_t v;
    intset_ = parseCanonicalInt(first, v);
  }

 private:
  Set set_;
  size_t bytes_ = 0;
  bool intset_ = true;
};

class ListObject : public Object {
 public:
  size_t memoryUsage() const override {
    return sizeof(*this) + bytes_ + items_.size() * (sizeof(std::string) + 8);
  }
  std::unique_ptr<Object> clone() const override { return std::make_unique<ListObject>(*this); }
  Encoding encoding() const override { return Encoding::kQuicklist; }

  std::deque<std::string>& items() { return items_; }
  const std::deque<std::string>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  // Call after changing items() directly.
  void recount() {
    bytes_ = 0;
    for (const auto& s : items_) bytes_ += s.size();
  }
  void push(std::string_view v, bool head) {
    bytes_ += v.size();
    if (head) {
      items_.emplace_front(v);
    } else {
      items_.emplace_back(v);
    }
  }
  std::string pop(bool head) {
    std::string out;
    if (head) {
      out = std::move(items_.front());
      items_.pop_front();
    } else {
      out = std::move(items_.back());
      items_.pop_back();
    }
    bytes_ -= out.size();
    return out;
  }
  void adjustBytes(long delta) { bytes_ = static_cast<size_t>(static_cast<long>(bytes_) + delta); }

 private:
  std::deque<std::string> items_;
  size_t bytes_ = 0;
};

}  // namespace strata::node
