// The two tables of client-side caching (Redis 7.0's tracking.c), as plain data structures so
// they can be tested alone; node/server/tracking.h puts clients and messages around them.
//
//  - TrackingTable (default mode): key -> ids of the clients that read it since its last
//    invalidation. An id is kept even after its client turned tracking off or left (Redis keeps
//    it too: the invalidation skips it and drops the entry). `items` counts (key, id) pairs.
//  - PrefixTable (BCAST mode): prefix -> the clients broadcasting on it and the keys under it
//    modified since the last beforeSleep, each with the client that modified it last (NOLOOP).
//    Ordered maps: Redis iterates radix trees, so prefixes and keys go out in byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "node/server/txpubsub.h"

namespace strata::node {

class Client;

class TrackingTable {
 public:
  // Remembers that client `id` read `key`; false if it was already remembered.
  bool remember(std::string_view key, uint64_t id);
  // Removes `key` and returns its client ids (empty if the key was not tracked).
  std::vector<uint64_t> take(std::string_view key);
  // Forgets every key (FLUSHALL / FLUSHDB).
  void clear();
  // A tracked key picked at random (tracking-table-max-keys eviction); empty table: false.
  bool randomKey(std::string& out);
  size_t keys() const { return keys_.size(); }
  size_t items() const { return items_; }

 private:
  StringMap<std::vector<uint64_t>> keys_;
  size_t items_ = 0;
  std::mt19937_64 rng_{0x7261636b};
};

class PrefixTable {
 public:
  struct Prefix {
    std::vector<Client*> clients;  // in the order they subscribed
    // Keys modified since the last broadcast -> the client that modified it last (or nullptr).
    std::map<std::string, const Client*, std::less<>> keys;
  };
  // Adds `client` to `prefix` (created if new); false if it was already there.
  bool subscribe(std::string_view prefix, Client* client);
  // Removes `client` from `prefix`; the prefix goes when its last client does.
  void unsubscribe(std::string_view prefix, Client* client);
  // Records a modified key under every prefix it starts with.
  void keyModified(std::string_view key, const Client* by);
  std::map<std::string, Prefix, std::less<>>& prefixes() { return prefixes_; }
  size_t size() const { return prefixes_.size(); }

 private:
  std::map<std::string, Prefix, std::less<>> prefixes_;
};

// Redis's stringCheckPrefix: one of the two is a prefix of the other (they would overlap).
inline bool prefixesOverlap(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  return a.substr(0, n) == b.substr(0, n);
}

}  // namespace strata::node
