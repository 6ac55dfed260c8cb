// Keyspace: set/find/erase with every string encoding, in-place overwrite and relocation, lazy
// and active expiry through the volatile index, SCAN returning every key across growth and
// shrink rehashes, RANDOMKEY, RENAME/COPY keeping expiry, memory accounting back to zero, and
// the modified / flushed hooks.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "node/keyspace/keyspace.h"

using strata::node::Encoding;
using strata::node::Entry;
using strata::node::Keyspace;
using strata::node::Value;

namespace {

std::string text(const Entry* e) {
  char scratch[24];
  return std::string(e->stringView(scratch));
}

std::set<std::string> scanAll(Keyspace& ks) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = ks.scan(cursor, [&](const Entry& e) { seen.emplace(e.key()); });
  } while (cursor != 0);
  return seen;
}

}  // namespace

TEST_SUITE("node.keyspace") {
  TEST_CASE("set, find, erase and encodings") {
    Keyspace ks;
    ks.setNow(1000);
    ks.set("a", Value::string("123"));
    ks.set("b", Value::string("hello"));
    ks.set("c", Value::string(std::string(45, 'x')));
    ks.set("d", Value::string("0123"));
    CHECK(ks.size() == 4);
    CHECK(ks.find("a")->encoding() == Encoding::kInt);
    CHECK(ks.find("a")->intValue() == 123);
    CHECK(text(ks.find("a")) == "123");
    CHECK(ks.find("b")->encoding() == Encoding::kEmbstr);
    CHECK(ks.find("c")->encoding() == Encoding::kRaw);
    CHECK(ks.find("d")->encoding() == Encoding::kEmbstr);
    CHECK(ks.find("zz") == nullptr);
    // Same-size overwrite stays in place; a longer value relocates.
    const Entry* before = ks.find("b");
    ks.set("b", Value::string("world"));
    CHECK(ks.find("b") == before);
    ks.set("b", Value::string("a much longer value than before"));
    CHECK(text(ks.find("b")) == "a much longer value than before");
    CHECK(ks.erase("b"));
    CHECK_FALSE(ks.erase("b"));
    CHECK(ks.size() == 3);
    ks.clear();
    CHECK(ks.size() == 0);
    CHECK(ks.memoryUsage() == 0);
  }

  TEST_CASE("lazy expiry and the volatile index") {
    Keyspace ks;
    int expired = 0;
    ks.setExpiredHook([&](std::string_view) { ++expired; });
    ks.setNow(1000);
    Entry* e = ks.set("k", Value::string("v"));
    ks.setExpireAt(e, 2000);
    CHECK(ks.volatileCount() == 1);
    CHECK(ks.expireAt(ks.find("k")) == 2000);
    // Overwriting without keepTtl clears the expiry; with keepTtl the entry keeps it even if
    // it moves to a new allocation.
    e = ks.set("k", Value::string("a longer value"), true);
    CHECK(ks.expireAt(e) == 2000);
    ks.set("k", Value::string("v"));
    CHECK(ks.volatileCount() == 0);
    ks.setExpireAt(ks.find("k"), 1500);
    ks.setNow(1500);
    CHECK(ks.find("k") == nullptr);
    CHECK(expired == 1);
    CHECK(ks.size() == 0);
    CHECK(ks.volatileCount() == 0);
  }

  TEST_CASE("active expire cycle removes expired keys by sampling") {
    Keyspace ks;
    ks.setNow(0);
    for (int i = 0; i < 1000; ++i) {
      Entry* e = ks.set("key:" + std::to_string(i), Value::string("x"));
      ks.setExpireAt(e, i < 900 ? 10 : 100000);
    }
    ks.setNow(50);
    size_t removed = 0, sampled = 0;
    for (int round = 0; round < 1000 && ks.size() > 100; ++round) {
      removed += ks.expireCycle(20, sampled);
    }
    CHECK(removed == 900);
    CHECK(ks.size() == 100);
    CHECK(ks.volatileCount() == 100);
  }

  TEST_CASE("SCAN returns every key across growth, rehash and shrink") {
    Keyspace ks;
    ks.setNow(1);
    std::set<std::string> all;
    for (int i = 0; i < 5000; ++i) {
      all.insert("k" + std::to_string(i));
      ks.set("k" + std::to_string(i), Value::string("v"));
    }
    CHECK(scanAll(ks) == all);
    // Start a scan, grow the table mid-way (rehash in progress), finish it.
    std::set<std::string> seen;
    uint64_t cursor = 0;
    for (int step = 0; step < 50; ++step) {
      cursor = ks.scan(cursor, [&](const Entry& e) { seen.emplace(e.key()); });
    }
    for (int i = 5000; i < 12000; ++i) ks.set("n" + std::to_string(i), Value::string("v"));
    CHECK(ks.rehashing());
    while (cursor != 0) {
      cursor = ks.scan(cursor, [&](const Entry& e) { seen.emplace(e.key()); });
      ks.rehashStep(3);
    }
    for (const auto& k : all) CHECK(seen.count(k) == 1);
    // Shrink.
    for (int i = 5000; i < 12000; ++i) ks.erase("n" + std::to_string(i));
    for (int i = 100; i < 5000; ++i) ks.erase("k" + std::to_string(i));
    while (ks.rehashStep(100)) {
    }
    ks.shrinkIfSparse();
    CHECK(ks.rehashing());
    std::set<std::string> rest;
    for (int i = 0; i < 100; ++i) rest.insert("k" + std::to_string(i));
    CHECK(scanAll(ks) == rest);
    while (ks.rehashStep(100)) {
    }
    CHECK(ks.bucketCount() == 128);
    CHECK(scanAll(ks) == rest);
  }

  TEST_CASE("random key, rename and copy") {
    Keyspace ks;
    ks.setNow(1);
    std::string out;
    CHECK_FALSE(ks.randomKey(out));
    ks.set("a", Value::string("1"));
    ks.setExpireAt(ks.find("a"), 1000);
    CHECK(ks.randomKey(out));
    CHECK(out == "a");
    CHECK(ks.rename("a", "b"));
    CHECK(ks.find("a") == nullptr);
    CHECK(ks.expireAt(ks.find("b")) == 1000);
    CHECK(ks.copy(ks.find("b"), "c") != nullptr);
    CHECK(text(ks.find("c")) == "1");
    CHECK(ks.expireAt(ks.find("c")) == 1000);
    CHECK(ks.volatileCount() == 2);
    CHECK_FALSE(ks.rename("zz", "b"));
  }

  TEST_CASE("a change of the key \"\" is a modification, clear() a flush") {
    std::vector<std::string> modified;
    int flushes = 0;
    {
      Keyspace ks;
      ks.setModifiedHook([&](std::string_view k) { modified.emplace_back(k); });
      ks.setFlushedHook([&] { ++flushes; });
      ks.set("", Value::string("v"));
      ks.set("a", Value::string("1"));
      CHECK(modified == std::vector<std::string>{"", "a"});
      CHECK(flushes == 0);
      const uint64_t dirty = ks.dirty();
      ks.clear();
      CHECK(flushes == 1);
      CHECK(modified.size() == 2);  // a flush is not a per-key change
      CHECK(ks.dirty() == dirty + 2);
      ks.set("b", Value::string("2"));
    }
    CHECK(flushes == 1);  // freeing the keys at destruction is no flush
  }
}
