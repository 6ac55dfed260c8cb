// The compact container storage (node/keyspace/listpack.h) and the containers built on it
// (containers.h): PackedList and IntSet against plain std models under random operations,
// conversions at Redis 7.0's thresholds with contents kept, the packed list's 8 KiB bound,
// memory of small containers, and the hashtable scan cursor's SCAN guarantee (every element
// present for the whole scan is returned) while the table grows and shrinks under it, and
// exactly once while it does not; list-max-listpack-size as quicklist fill bounds.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/keyspace/listpack.h"

using strata::node::Encoding;
using strata::node::HashLimits;
using strata::node::HashObject;
using strata::node::IntSet;
using strata::node::ListLimits;
using strata::node::ListObject;
using strata::node::PackedList;
using strata::node::SetObject;

namespace {

std::vector<std::string> entries(const PackedList& p) {
  std::vector<std::string> out;
  p.forEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

size_t offsetOf(const PackedList& p, size_t index) {
  size_t off = p.begin();
  for (size_t i = 0; i < index; ++i) off = p.next(off);
  return off;
}

std::map<std::string, std::string> fields(const HashObject& h) {
  std::map<std::string, std::string> m;
  h.forEach([&](std::string_view f, std::string_view v) { m.emplace(f, v); });
  return m;
}

}  // namespace

TEST_SUITE("node.listpack") {
  TEST_CASE("PackedList matches a deque under random inserts, replaces and erases") {
    std::mt19937 rng(7);
    PackedList p;
    std::deque<std::string> model;
    for (int step = 0; step < 4000; ++step) {
      const int op = static_cast<int>(rng() % 4);
      // Lengths around the 1- and 2-byte length prefixes (127/128, 16383/16384).
      const size_t lens[] = {0, 1, 127, 128, 300, 16384};
      std::string v(lens[rng() % 6], static_cast<char>('a' + rng() % 26));
      if (op <= 1 || model.empty()) {
        const size_t i = model.empty() ? 0 : rng() % (model.size() + 1);
        p.insert(offsetOf(p, i), v);
        model.insert(model.begin() + static_cast<long>(i), v);
      } else if (op == 2) {
        const size_t i = rng() % model.size();
        p.replace(offsetOf(p, i), v);
        model[i] = v;
      } else {
        const size_t i = rng() % model.size();
        const size_t n = std::min<size_t>(1 + rng() % 2, model.size() - i);
        p.erase(offsetOf(p, i), n);
        model.erase(model.begin() + static_cast<long>(i), model.begin() + static_cast<long>(i + n));
      }
      if (model.size() > 40) {  // keep it small: erase from the front
        p.erase(p.begin(), 20);
        model.erase(model.begin(), model.begin() + 20);
      }
      REQUIRE(p.count() == model.size());
      REQUIRE(entries(p) == std::vector<std::string>(model.begin(), model.end()));
    }
    PackedList copy(p);
    CHECK(entries(copy) == entries(p));
    CHECK(p.find("nope", 1) == PackedList::kNone);
  }

  TEST_CASE("PackedList find with stride 2 only matches fields, never values") {
    PackedList p;
    p.insert2(p.end(), "a", "b");
    p.insert2(p.end(), "b", "a");
    CHECK(p.at(p.find("b", 2)) == "b");
    CHECK(p.find("b", 2) == p.next(p.next(p.begin())));
    CHECK(p.find("a", 2) == p.begin());
  }

  TEST_CASE("IntSet matches std::set across width upgrades, sizes exactly") {
    std::mt19937_64 rng(11);
    IntSet s;
    std::set<int64_t> model;
    for (int step = 0; step < 5000; ++step) {
      int64_t v;
      switch (rng() % 3) {
        case 0:
          v = static_cast<int64_t>(rng() % 200) - 100;
          break;
        case 1:
          v = static_cast<int64_t>(rng() % 200000) - 100000;
          break;
        default:
          v = static_cast<int64_t>(rng());
          break;
      }
      if (rng() % 3 == 0) {
        REQUIRE(s.remove(v) == (model.erase(v) == 1));
      } else {
        REQUIRE(s.add(v) == model.insert(v).second);
      }
      REQUIRE(s.size() == model.size());
    }
    std::vector<int64_t> got;
    for (size_t i = 0; i < s.size(); ++i) got.push_back(s.at(i));
    CHECK(got == std::vector<int64_t>(model.begin(), model.end()));
    for (int64_t v : model) CHECK(s.contains(v));
    IntSet small;
    for (int i = 0; i < 10; ++i) small.add(i);
    // 2-byte members behind a 4-byte header: 24 bytes requested, glibc's smallest chunk (24
    // usable); an 8-byte header would take the 40-byte class.
    CHECK(small.allocated() == 24);
    CHECK(small.add(INT64_MIN));
    CHECK(small.at(0) == INT64_MIN);
    CHECK(small.at(10) == 9);
  }

  TEST_CASE("hash keeps its fields across the conversion, honours configured limits") {
    HashObject h;
    HashLimits limits{4, 8};
    for (int i = 0; i < 4; ++i) h.set("f" + std::to_string(i), "v" + std::to_string(i), limits);
    h.set("f0", "new", limits);
    CHECK(h.encoding() == Encoding::kListpack);
    CHECK(h.size() == 4);
    CHECK(*h.get("f0") == "new");
    auto before = fields(h);
    h.set("f4", "v4", limits);
    CHECK(h.encoding() == Encoding::kHashtable);
    before["f4"] = "v4";
    CHECK(fields(h) == before);
    CHECK(h.erase("f1"));
    CHECK(!h.get("f1"));
    HashObject g;
    g.set("f", "123456789", limits);  // 9 bytes > 8
    CHECK(g.encoding() == Encoding::kHashtable);
    CHECK(*g.get("f") == "123456789");
    auto c = h.clone();
    CHECK(fields(static_cast<const HashObject&>(*c)) == fields(h));
  }

  TEST_CASE("set keeps its members across intset -> hashtable") {
    SetObject s;
    s.startWith("5");
    for (int i = 0; i < 10; ++i) CHECK(s.add(std::to_string(i * 1000)));
    CHECK(!s.add("0"));
    CHECK(s.contains("9000"));
    CHECK(!s.contains("09000"));
    CHECK(s.encoding() == Encoding::kIntset);
    CHECK(s.add("x"));
    CHECK(s.encoding() == Encoding::kHashtable);
    CHECK(s.size() == 11);
    CHECK(s.contains("9000"));
    CHECK(s.remove("9000"));
    CHECK(!s.contains("9000"));
    SetObject t;
    for (int i = 0; i < 4; ++i) t.add(std::to_string(i), 3);
    CHECK(t.encoding() == Encoding::kHashtable);
    auto all = t.list();
    std::sort(all.begin(), all.end());
    CHECK(all == std::vector<std::string>{"0", "1", "2", "3"});
  }

  TEST_CASE("list packs up to 8 KiB, unpacks beyond, packs again after an edit shrinks it") {
    ListObject l;
    for (int i = 0; i < 10; ++i) l.push("e" + std::to_string(i), i % 2 == 0);
    CHECK(l.packed());
    CHECK(l.at(0) == "e8");
    CHECK(l.at(9) == "e9");
    CHECK(l.pop(true) == "e8");
    CHECK(l.pop(false) == "e9");
    l.push(std::string(9000, 'x'), false);
    CHECK(!l.packed());
    CHECK(l.size() == 9);
    CHECK(l.encoding() == Encoding::kQuicklist);
    l.edit([](ListObject::Items& items) { items.pop_back(); });
    CHECK(l.packed());
    std::vector<std::string_view> want{"e6", "e4", "e2", "e0", "e1", "e3", "e5", "e7"};
    CHECK(l.views() == want);
  }

  TEST_CASE("list-max-listpack-size bounds the packed form as quicklist's fill does") {
    CHECK(ListLimits::fromFill(-2).maxBytes == 8192);
    CHECK(ListLimits::fromFill(-1).maxBytes == 4096);
    CHECK(ListLimits::fromFill(-5).maxBytes == 65536);
    CHECK(ListLimits::fromFill(-100).maxBytes == 65536);
    const ListLimits three = ListLimits::fromFill(3);
    ListObject l;
    for (int i = 0; i < 3; ++i) l.push("e" + std::to_string(i), false, three);
    CHECK(l.packed());
    l.push("e3", false, three);
    CHECK(!l.packed());
    l.edit([](ListObject::Items& items) { items.pop_front(); }, three);
    CHECK(l.packed());
    CHECK(l.views() == std::vector<std::string_view>{"e1", "e2", "e3"});
    ListObject none;
    none.push("a", true, ListLimits::fromFill(0));
    CHECK(!none.packed());
    ListObject big;
    big.push(std::string(10000, 'x'), false, ListLimits::fromFill(-3));  // 16 KiB
    CHECK(big.packed());
  }

  TEST_CASE("small containers cost about what Redis's listpack/intset do") {
    // The big forms hang off one pointer: a small container's object is 32 bytes.
    CHECK(sizeof(HashObject) == 32);
    CHECK(sizeof(SetObject) == 32);
    CHECK(sizeof(ListObject) == 32);
    HashObject h;
    for (int i = 0; i < 5; ++i) h.set("f" + std::to_string(i), "0123456789");
    CHECK(h.memoryUsage() < 200);  // Redis: 16 B robj + ~80 B listpack
    SetObject s;
    for (int i = 0; i < 10; ++i) s.add(std::to_string(i));
    CHECK(s.memoryUsage() == 32 + 24);  // Redis: 16 B robj + 32 B intset
    ListObject l;
    for (int i = 0; i < 10; ++i) l.push("0123456789", false);
    CHECK(l.memoryUsage() < 200);
  }

  TEST_CASE("hashtable scan returns every element present throughout, while it grows/shrinks") {
    std::mt19937 rng(3);
    for (int round = 0; round < 20; ++round) {
      SetObject s;
      s.startWith("x");
      for (int i = 0; i < 300; ++i) s.add("m" + std::to_string(i));
      std::set<std::string> stable;  // never removed during the scan
      for (int i = 0; i < 300; i += 2) stable.insert("m" + std::to_string(i));
      std::set<std::string> seen;
      uint64_t cursor = 0;
      int calls = 0, added = 0;
      do {
        cursor = s.scanPage(cursor, 10, [&](std::string_view m) { seen.emplace(m); });
        // Concurrent change: delete odd originals, add new members (rehashes the table).
        for (int k = 0; k < 5; ++k) {
          s.remove("m" + std::to_string(2 * static_cast<int>(rng() % 150) + 1));
          s.add("n" + std::to_string(added++));
        }
        REQUIRE(++calls < 2000);
      } while (cursor != 0);
      for (const auto& m : stable) REQUIRE(seen.count(m) == 1);
      CHECK(calls > 5);  // paged, not all at once
    }
  }

  TEST_CASE("hashtable scan of an unchanged set returns each member exactly once") {
    SetObject s;
    s.startWith("x");
    for (int i = 0; i < 1000; ++i) s.add("m" + std::to_string(i));
    std::map<std::string, int> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = s.scanPage(cursor, 10, [&](std::string_view m) { ++seen[std::string(m)]; });
      REQUIRE(++calls < 2000);
    } while (cursor != 0);
    CHECK(seen.size() == 1000);
    for (const auto& [m, n] : seen) REQUIRE(n == 1);
    CHECK(calls > 50);
  }
}
