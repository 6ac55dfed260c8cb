// TrackingTable and PrefixTable (see tracking_table.h): the key and prefix tables of client-side
// caching.
#include "node/server/tracking_table.h"

#include <algorithm>
#include <iterator>

namespace strata::node {

bool TrackingTable::remember(std::string_view key, uint64_t id) {
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(std::string(key), std::vector<uint64_t>{}).first;
  std::vector<uint64_t>& ids = it->second;
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return false;
  ids.push_back(id);
  ++items_;
  return true;
}

std::vector<uint64_t> TrackingTable::take(std::string_view key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return {};
  std::vector<uint64_t> ids = std::move(it->second);
  keys_.erase(it);
  items_ -= ids.size();
  return ids;
}

void TrackingTable::clear() {
  keys_.clear();
  items_ = 0;
}

bool TrackingTable::randomKey(std::string& out) {
  if (keys_.empty()) return false;
  // A random bucket, then the next non-empty one (Redis takes a random walk in its radix tree).
  const size_t buckets = keys_.bucket_count();
  size_t b = std::uniform_int_distribution<size_t>(0, buckets - 1)(rng_);
  for (size_t i = 0; i < buckets; ++i, b = (b + 1) % buckets) {
    const size_t n = keys_.bucket_size(b);
    if (n == 0) continue;
    auto it = keys_.begin(b);
    std::advance(it, std::uniform_int_distribution<size_t>(0, n - 1)(rng_));  // any of a chain
    out = it->first;
    return true;
  }
  out = keys_.begin()->first;
  return true;
}

bool PrefixTable::subscribe(std::string_view prefix, Client* client) {
  auto it = prefixes_.find(prefix);
  if (it == prefixes_.end()) it = prefixes_.emplace(std::string(prefix), Prefix{}).first;
  std::vector<Client*>& clients = it->second.clients;
  if (std::find(clients.begin(), clients.end(), client) != clients.end()) return false;
  clients.push_back(client);
  return true;
}

void PrefixTable::unsubscribe(std::string_view prefix, Client* client) {
  auto it = prefixes_.find(prefix);
  if (it == prefixes_.end()) return;
  std::vector<Client*>& clients = it->second.clients;
  clients.erase(std::remove(clients.begin(), clients.end(), client), clients.end());
  if (clients.empty()) prefixes_.erase(it);
}

void PrefixTable::keyModified(std::string_view key, const Client* by) {
  for (auto& [prefix, state] : prefixes_) {
    if (prefix.size() > key.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
    auto it = state.keys.find(key);
    if (it == state.keys.end()) {
      state.keys.emplace(std::string(key), by);
    } else {
      it->second = by;
    }
  }
}

}  // namespace strata::node
