// Unit tests of the pure helpers behind the HyperLogLog and geo commands (node/commands/hll.h,
// geohash.h): the HLL string layout Redis 7.0 produces (empty sketch bytes, sparse runs, the
// sparse -> dense promotion, cached cardinality), estimates within the sketch's error, and the
// geohash scores/strings/distances Redis documents for its Sicily example; and
// Keyspace::stringForWrite, the in-place writes behind SETBIT/BITFIELD (creation, sds-like
// headroom, unsharing int/embstr values, expiry and accounting kept across relocation).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "node/commands/geohash.h"
#include "node/commands/hll.h"
#include "node/keyspace/keyspace.h"

namespace hll = strata::node::hll;
namespace geo = strata::node::geo;

TEST_SUITE("node.hll") {
  TEST_CASE("an empty sketch is Redis's 18-byte sparse string") {
    std::string s = hll::create();
    CHECK(s == std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
    CHECK(hll::valid(s));
    CHECK(hll::cacheValid(s));
    CHECK(hll::count(s, nullptr) == 0);
  }

  TEST_CASE("adding splits the XZERO run and counts one") {
    std::string s = hll::create();
    CHECK(hll::add(s, "a") == 1);
    CHECK(hll::add(s, "a") == 0);
    CHECK(!hll::cacheValid(s));
    CHECK(s.size() > 18);
    CHECK(s.size() <= 21);
    CHECK(hll::count(s, nullptr) == 1);
  }

  TEST_CASE("estimates stay within 2% and the sketch turns dense past 3000 bytes") {
    std::string s = hll::create();
    bool wentDense = false;
    for (int i = 0; i < 100000; ++i) {
      hll::add(s, "el" + std::to_string(i));
      if (s[4] == hll::kDense) wentDense = true;
      if (s[4] == hll::kSparse) CHECK(s.size() <= hll::kSparseMaxBytes);
    }
    CHECK(wentDense);
    CHECK(s.size() == hll::kDenseSize);
    bool invalid = false;
    double est = static_cast<double>(hll::count(s, &invalid));
    CHECK(!invalid);
    CHECK(std::fabs(est - 100000) / 100000 < 0.02);
  }

  TEST_CASE("merging registers gives the union estimate; corrupt sparse sketches are refused") {
    std::string a = hll::create(), b = hll::create();
    for (int i = 0; i < 500; ++i) hll::add(a, "x" + std::to_string(i));
    for (int i = 250; i < 750; ++i) hll::add(b, "x" + std::to_string(i));
    uint8_t max[hll::kRegisters] = {};
    CHECK(hll::mergeInto(a, max));
    CHECK(hll::mergeInto(b, max));
    double est = static_cast<double>(hll::countRaw(max));
    CHECK(std::fabs(est - 750) / 750 < 0.05);
    std::string bad = hll::create();
    bad.back() = '\xfe';  // covers 16383 registers only
    CHECK(!hll::mergeInto(bad, max));
    bool invalid = false;
    hll::count(bad, &invalid);
    CHECK(invalid);
  }

  TEST_CASE("cached cardinality is little endian with the stale bit in byte 15") {
    std::string s = hll::create();
    hll::setCachedCard(s, 0x0102030405060708ULL);
    CHECK(hll::cachedCard(s) == 0x0102030405060708ULL);
    CHECK(s[8] == 0x08);
    hll::invalidateCache(s);
    CHECK(!hll::cacheValid(s));
  }

  TEST_CASE("validity: magic, encoding, dense length") {
    CHECK(!hll::valid("HYLL"));
    CHECK(!hll::valid(std::string("HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18)));
    CHECK(!hll::valid(std::string("HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18)));
    CHECK(!hll::valid(std::string("HYLL\x00\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18)));
  }
}

TEST_SUITE("node.geo") {
  TEST_CASE("scores, geohash strings and distances of Redis's Sicily example") {
    CHECK(geo::scoreOf(13.361389, 38.115556) == 3479099956230698ULL);
    CHECK(geo::scoreOf(15.087269, 37.502669) == 3479447370796909ULL);
    CHECK(geo::hashString(3479099956230698.0) == "sqc8b49rny0");
    CHECK(geo::hashString(3479447370796909.0) == "sqdtr74hyu0");
    double a[2], b[2];
    REQUIRE(geo::decodeScore(3479099956230698.0, a));
    REQUIRE(geo::decodeScore(3479447370796909.0, b));
    CHECK(a[0] == doctest::Approx(13.36138933897018433).epsilon(1e-12));
    CHECK(a[1] == doctest::Approx(38.11555639549629859).epsilon(1e-12));
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.4f", geo::distance(a[0], a[1], b[0], b[1]));
    CHECK(std::string(buf) == "166274.1516");
  }

  TEST_CASE("the cover of a small circle keeps the centre cell and finds nearby points") {
    geo::Shape s;
    s.xy[0] = 15;
    s.xy[1] = 37;
    s.radius = 200;
    s.conversion = 1000;
    geo::Cover c = geo::coverShape(s);
    CHECK(!c.cells[0].zero());
    double b[2];
    REQUIRE(geo::decodeScore(3479447370796909.0, b));
    double dist = 0;
    CHECK(geo::withinShape(s, b[0], b[1], dist));
    CHECK(dist == doctest::Approx(56441.2).epsilon(0.001));
    bool covered = false;
    for (const auto& cell : c.cells) {
      if (cell.zero()) continue;
      uint64_t lo, hi;
      geo::cellScores(cell, lo, hi);
      if (3479447370796909ULL >= lo && 3479447370796909ULL < hi) covered = true;
    }
    CHECK(covered);
  }
}

TEST_SUITE("node.bitmaps") {
  using strata::node::Encoding;
  using strata::node::Entry;
  using strata::node::Keyspace;
  using strata::node::Value;

  TEST_CASE("stringForWrite creates, pads with zeros and grows with headroom") {
    Keyspace ks;
    ks.setNow(1000);
    Entry* e = nullptr;
    char* p = ks.stringForWrite("bits", 3, e);
    REQUIRE(e == ks.find("bits"));
    CHECK(e->encoding() == Encoding::kRaw);
    CHECK(e->bytes() == std::string(3, '\0'));
    p[2] = 'x';
    ks.reaccount(e);
    CHECK(ks.dirty() == 1);
    // Created with double the room (below 1 MB, as sdsMakeRoomFor): growing into it stays put.
    Entry* grown = e;
    ks.stringForWrite("bits", 4, e);
    CHECK(e == grown);
    CHECK(e->bytes() == std::string("\0\0x\0", 4));
    // Up to the doubled 6 bytes it stays put whatever the allocator rounds to (ASan's
    // malloc_usable_size is exact); past it the value may move, its bytes kept.
    for (size_t n = 5; n <= 8; ++n) {
      ks.stringForWrite("bits", n, e);
      if (n <= 6) CHECK(e == grown);
      CHECK(e->bytes().size() == n);
      CHECK(e->bytes()[2] == 'x');
      CHECK(e->bytes()[n - 1] == '\0');
    }
    // Asking for less never shrinks.
    ks.stringForWrite("bits", 1, e);
    CHECK(e->bytes().size() == 8);
    CHECK(ks.dirty() == 1);  // only reaccount counts a modification
    ks.clear();
    CHECK(ks.memoryUsage() == 0);
  }

  TEST_CASE("stringForWrite unshares int and embstr values and keeps the expiry") {
    Keyspace ks;
    ks.setNow(1000);
    ks.set("i", Value::string("12345"));
    ks.setExpireAt(ks.find("i"), 50000);
    Entry* e = nullptr;
    ks.stringForWrite("i", 2, e);
    CHECK(e->encoding() == Encoding::kRaw);
    CHECK(e->bytes() == "12345");
    CHECK(ks.expireAt(e) == 50000);
    ks.set("s", Value::string("abc"));
    ks.stringForWrite("s", 1 << 20, e);  // relocated: 1 MB + 1 MB of headroom
    CHECK(e->bytes().size() == (1u << 20));
    CHECK(std::memcmp(e->bytes().data(), "abc\0\0", 5) == 0);
    CHECK(ks.entryMemory(e) >= (2u << 20));
    CHECK(ks.find("s") == e);
    CHECK(ks.size() == 2);
    ks.clear();
    CHECK(ks.memoryUsage() == 0);
  }
}
