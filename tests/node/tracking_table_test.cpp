// TrackingTable and PrefixTable (node/server/tracking_table.h): client-side caching's key table
// (key -> client ids, items counted once per pair, take() empties a key, random picks for the
// tracking-table-max-keys eviction) and BCAST prefix table (clients per prefix, modified keys
// in byte order with their last modifier, prefixes removed with their last client), and the
// overlap rule of CLIENT TRACKING's PREFIX options.
#include "node/server/tracking_table.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

namespace strata::node {

TEST_CASE("TrackingTable: remembers each (key, client) pair once and takes a key whole") {
  TrackingTable t;
  CHECK(t.remember("k", 1));
  CHECK_FALSE(t.remember("k", 1));
  CHECK(t.remember("k", 2));
  CHECK(t.remember("j", 1));
  CHECK(t.keys() == 2);
  CHECK(t.items() == 3);
  CHECK(t.take("k") == std::vector<uint64_t>{1, 2});
  CHECK(t.take("k").empty());  // one invalidation per read
  CHECK(t.keys() == 1);
  CHECK(t.items() == 1);
  CHECK(t.remember("k", 2));  // read again: tracked again
  t.clear();
  CHECK(t.keys() == 0);
  CHECK(t.items() == 0);
  CHECK(t.take("j").empty());
}

TEST_CASE("TrackingTable: random keys for the size limit cover the table") {
  TrackingTable t;
  std::string key;
  CHECK_FALSE(t.randomKey(key));
  for (int i = 0; i < 50; ++i) t.remember("key:" + std::to_string(i), 7);
  std::set<std::string> seen;
  for (int i = 0; i < 2000 && seen.size() < 50; ++i) {
    REQUIRE(t.randomKey(key));
    seen.insert(key);
  }
  CHECK(seen.size() == 50);
  // Evicting as the limit does: take random keys until 10 are left.
  for (int guard = 0; t.keys() > 10 && guard < 1000; ++guard) {
    REQUIRE(t.randomKey(key));
    CHECK(t.take(key) == std::vector<uint64_t>{7});
  }
  CHECK(t.keys() == 10);
  CHECK(t.items() == 10);
}

TEST_CASE("PrefixTable: modified keys per prefix in byte order, last modifier kept") {
  PrefixTable p;
  auto* a = reinterpret_cast<Client*>(0x10);
  auto* b = reinterpret_cast<Client*>(0x20);
  CHECK(p.subscribe("user:", a));
  CHECK_FALSE(p.subscribe("user:", a));
  CHECK(p.subscribe("user:", b));
  CHECK(p.subscribe("", b));
  CHECK(p.size() == 2);
  p.keyModified("user:2", a);
  p.keyModified("obj", nullptr);
  p.keyModified("user:1", nullptr);
  p.keyModified("user:2", b);
  p.keyModified("user:\xff", a);  // bytes above 0x7f sort last, as memcmp
  auto& all = p.prefixes().at("");
  auto& users = p.prefixes().at("user:");
  std::vector<std::string> keys;
  for (const auto& [k, by] : users.keys) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"user:1", "user:2", "user:\xff"});
  CHECK(users.keys.at("user:2") == b);
  CHECK(all.keys.size() == 4);
  CHECK(users.clients == std::vector<Client*>{a, b});
  p.unsubscribe("user:", a);
  CHECK(p.size() == 2);
  p.unsubscribe("user:", b);
  CHECK(p.size() == 1);  // the prefix went with its last client
  p.unsubscribe("", b);
  CHECK(p.size() == 0);
}

TEST_CASE("prefixesOverlap: one prefix of the other, the empty prefix overlaps all") {
  CHECK(prefixesOverlap("a", "ab"));
  CHECK(prefixesOverlap("ab", "a"));
  CHECK(prefixesOverlap("a", "a"));
  CHECK(prefixesOverlap("", "x"));
  CHECK_FALSE(prefixesOverlap("a", "b"));
  CHECK_FALSE(prefixesOverlap("ab", "ac"));
}

}  // namespace strata::node
