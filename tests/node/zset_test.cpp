// Sorted sets: ZSetObject in both encodings checked against a std::set model (ranks, n-th,
// score/lex bounds, rank erasure, score updates that move or stay), the listpack form's score
// encoding (exact round-trips, -0 as 0) and tie order, the listpack -> skiplist conversion limits
// and memory accounting; then the commands through the in-process Server
// (replies byte-exact with Redis 7.0 in RESP2 and RESP3, ZADD flag errors, WRONGTYPE, stores,
// BZPOPMIN/BZMPOP woken by ZADD, BLPOP staying blocked on a key that became a zset).
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "node/keyspace/zset.h"
#include "node/server/client.h"
#include "node/server/server.h"
#include "node/settings_schema.h"
#include "tests/node/server_fixture.h"

using strata::node::Client;
using strata::node::Encoding;
using strata::node::LexRange;
using strata::node::PackedZSet;
using strata::node::ScoreRange;
using strata::node::Server;
using strata::node::ZSetLimits;
using strata::node::ZSetObject;

namespace {

using Model = std::set<std::pair<double, std::string>>;

std::vector<std::pair<std::string, double>> contents(const ZSetObject& z) {
  std::vector<std::pair<std::string, double>> out;
  z.walk(0, z.size(), false, [&](std::string_view m, double s) { out.emplace_back(m, s); });
  return out;
}

void checkAgainst(const ZSetObject& z, const Model& model) {
  REQUIRE(z.size() == model.size());
  size_t rank = 0;
  for (const auto& [s, m] : model) {
    double got = 0;
    REQUIRE(z.score(m, got));
    CHECK(got == s);
    size_t r = 0;
    REQUIRE(z.rank(m, r));
    CHECK(r == rank);
    auto [am, as] = z.at(rank);
    CHECK(am == m);
    CHECK(as == s);
    ++rank;
  }
  // Descending walk from the top matches the model reversed.
  std::vector<std::string> down;
  if (z.size() > 0) {
    z.walk(z.size() - 1, z.size(), true, [&](std::string_view m, double) { down.emplace_back(m); });
  }
  std::vector<std::string> expect;
  for (auto it = model.rbegin(); it != model.rend(); ++it) expect.push_back(it->second);
  CHECK(down == expect);
}

// Random inserts, updates and erasures on `z`, mirrored on a model, checked every step.
void randomOps(ZSetObject& z, size_t steps, size_t keyspace, const ZSetLimits& limits,
               unsigned seed) {
  std::mt19937 rng(seed);
  Model model;
  std::map<std::string, double> scores;
  for (size_t i = 0; i < steps; ++i) {
    std::string m = "m" + std::to_string(rng() % keyspace);
    double s = static_cast<double>(static_cast<int>(rng() % 20) - 10);
    int op = static_cast<int>(rng() % 4);
    auto it = scores.find(m);
    if (op < 2) {
      if (it == scores.end()) {
        z.insert(m, s, limits);
        scores[m] = s;
        model.emplace(s, m);
      } else {
        z.updateScore(m, s);
        model.erase({it->second, m});
        it->second = s;
        model.emplace(s, m);
      }
    } else if (op == 2) {
      CHECK(z.erase(m) == (it != scores.end()));
      if (it != scores.end()) {
        model.erase({it->second, m});
        scores.erase(it);
      }
    } else if (!model.empty()) {
      // Erase a small rank range.
      size_t a = rng() % model.size();
      size_t b = std::min(model.size(), a + rng() % 3);
      z.eraseRanks(a, b);
      auto first = std::next(model.begin(), static_cast<long>(a));
      auto last = std::next(model.begin(), static_cast<long>(b));
      for (auto j = first; j != last; ++j) scores.erase(j->second);
      model.erase(first, last);
    }
    if (i % 16 == 0) checkAgainst(z, model);
  }
  checkAgainst(z, model);
  // Score and lex bounds against the model.
  for (int k = 0; k < 50; ++k) {
    ScoreRange r;
    r.min = static_cast<double>(static_cast<int>(rng() % 24) - 12);
    r.max = static_cast<double>(static_cast<int>(rng() % 24) - 12);
    r.minex = rng() % 2;
    r.maxex = rng() % 2;
    size_t lo = 0, hi = 0;
    for (const auto& [s, m] : model) {
      if (r.minex ? s <= r.min : s < r.min) lo++;
      if (r.maxex ? s < r.max : s <= r.max) hi++;
    }
    CHECK(z.scoreLowerBound(r) == lo);
    CHECK(z.scoreUpperBound(r) == hi);
  }
}

using Fixture = strata::node::testing::ServerFixture;

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

}  // namespace

TEST_SUITE("node.zset") {
  TEST_CASE("listpack encoding matches a model under random operations") {
    ZSetObject z(true);
    randomOps(z, 3000, 100, ZSetLimits{1000, 64}, 1);
    CHECK(z.encoding() == Encoding::kListpack);
  }

  TEST_CASE("skiplist encoding matches a model under random operations (spans, ranks)") {
    ZSetObject z(false);
    randomOps(z, 20000, 400, ZSetLimits{}, 2);
    CHECK(z.encoding() == Encoding::kSkiplist);
  }

  TEST_CASE("converts past 128 entries or a 65-byte member, and never back") {
    ZSetLimits lim;
    ZSetObject z;
    for (int i = 0; i < 128; ++i) z.insert("m" + std::to_string(i), i, lim);
    CHECK(z.encoding() == Encoding::kListpack);
    const size_t compactBytes = z.memoryUsage();
    auto before = contents(z);
    z.insert("one-more", 1000, lim);
    CHECK(z.encoding() == Encoding::kSkiplist);
    CHECK(z.memoryUsage() > compactBytes);
    z.erase("one-more");
    CHECK(z.encoding() == Encoding::kSkiplist);
    CHECK(contents(z) == before);
    ZSetObject y;
    y.insert(std::string(64, 'x'), 1, lim);
    CHECK(y.encoding() == Encoding::kListpack);
    y.insert(std::string(65, 'x'), 1, lim);
    CHECK(y.encoding() == Encoding::kSkiplist);
    // fromSorted picks the encoding the result's size calls for.
    std::vector<std::pair<std::string, double>> sorted;
    for (int i = 0; i < 129; ++i) sorted.emplace_back("m" + std::to_string(1000 + i), i);
    CHECK(ZSetObject::fromSorted(sorted, lim)->encoding() == Encoding::kSkiplist);
    sorted.pop_back();
    auto small = ZSetObject::fromSorted(sorted, lim);
    CHECK(small->encoding() == Encoding::kListpack);
    CHECK(contents(*small) == sorted);
    // clone keeps the encoding and the contents.
    auto copy = z.clone();
    CHECK(copy->encoding() == Encoding::kSkiplist);
    CHECK(contents(static_cast<const ZSetObject&>(*copy)) == before);
  }

  TEST_CASE("memory accounting follows the payload") {
    ZSetLimits lim;
    ZSetObject z(false);
    const size_t empty = z.memoryUsage();
    for (int i = 0; i < 1000; ++i) z.insert(std::string(100, 'a') + std::to_string(i), i, lim);
    CHECK(z.memoryUsage() > empty + 1000 * 100);
    CHECK(z.memoryUsage() < empty + 1000 * 300);
    z.eraseRanks(0, 1000);
    CHECK(z.size() == 0);
    CHECK(z.memoryUsage() < empty + 1000 * 16);  // only the dict's buckets remain
  }

  TEST_CASE("listpack scores: integers in few bytes, every other double bit-exact, -0 as 0") {
    const double kInf = std::numeric_limits<double>::infinity();
    const double p53 = 9007199254740992.0;  // 2^53
    struct Case {
      double score;
      size_t bytes;
    };
    const Case cases[] = {
        {0, 0},
        {1, 1},
        {-1, 1},
        {127, 1},
        {-128, 1},
        {128, 2},
        {-129, 2},
        {8388607, 3},
        {-8388608, 3},
        {8388608, 4},
        {p53 - 1, 7},
        {1 - p53, 7},
        {p53, 8},
        {-p53, 8},
        {p53 * 2, 8},
        {9.2e18, 8},
        {1e300, 8},
        {0.1, 8},
        {-0.1, 8},
        {1.5, 8},
        {1e-310, 8},
        {-1e-310, 8},
        {kInf, 8},
        {-kInf, 8},
        {4503599627370495.5, 8},
        {std::numeric_limits<double>::min(), 8},
        {std::numeric_limits<double>::max(), 8},
    };
    for (const Case& c : cases) {
      CAPTURE(c.score);
      char buf[PackedZSet::kMaxScoreBytes];
      const std::string_view enc = PackedZSet::encodeScore(c.score, buf);
      CHECK(enc.size() == c.bytes);
      const double back = PackedZSet::decodeScore(enc);
      CHECK(std::memcmp(&back, &c.score, sizeof(double)) == 0);
    }
    char buf[PackedZSet::kMaxScoreBytes];
    const double negZero = PackedZSet::decodeScore(PackedZSet::encodeScore(-0.0, buf));
    CHECK(negZero == 0);
    CHECK_FALSE(std::signbit(negZero));
    // Through the set: every score above comes back exactly and in numeric order.
    ZSetObject z;
    ZSetObject big(false);
    ZSetLimits lim;
    int i = 0;
    for (const Case& c : cases) {
      z.insert("m" + std::to_string(i), c.score, lim);
      big.insert("m" + std::to_string(i), c.score, lim);
      ++i;
    }
    REQUIRE(z.encoding() == Encoding::kListpack);
    CHECK(contents(z) == contents(big));
    for (size_t r = 1; r < z.size(); ++r) CHECK(z.at(r - 1).second <= z.at(r).second);
    double got = 1;
    z.insert("negzero", -0.0, lim);
    REQUIRE(z.score("negzero", got));
    CHECK_FALSE(std::signbit(got));
  }

  TEST_CASE("listpack ties order by member bytes, unsigned, the empty member first") {
    ZSetLimits lim;
    ZSetObject z;
    for (const char* m : {"b", "a", "ab", "\xff", "B", "zz"}) z.insert(m, 5, lim);
    z.insert(std::string_view("\0", 1), 5, lim);
    z.insert("", 5, lim);
    z.insert("low", 4, lim);
    z.insert("high", 6, lim);
    std::vector<std::string> order;
    z.walk(0, z.size(), false, [&](std::string_view m, double) { order.emplace_back(m); });
    const std::vector<std::string> expect = {
        "low", "", std::string("\0", 1), "B", "a", "ab", "b", "zz", "\xff", "high"};
    CHECK(order == expect);
    size_t r = 0;
    REQUIRE(z.rank("", r));
    CHECK(r == 1);
    REQUIRE(z.rank("\xff", r));
    CHECK(r == 8);
    // Moving a member to a tie re-sorts it among the equal scores.
    z.updateScore("high", 5);
    REQUIRE(z.rank("high", r));
    CHECK(r == 7);
    CHECK(z.at(7).first == "high");
    z.updateScore("low", 7);
    CHECK(z.at(z.size() - 1).first == "low");
    CHECK(z.at(0).first == "");
  }

  TEST_CASE("conversion at both limits, for inserts and for fromSorted") {
    const ZSetLimits lim{4, 8};
    ZSetObject byCount;
    for (int i = 0; i < 4; ++i) byCount.insert("m" + std::to_string(i), i, lim);
    CHECK(byCount.encoding() == Encoding::kListpack);
    byCount.insert("m4", 4, lim);
    CHECK(byCount.encoding() == Encoding::kSkiplist);
    CHECK(contents(byCount) == std::vector<std::pair<std::string, double>>{
                                   {"m0", 0}, {"m1", 1}, {"m2", 2}, {"m3", 3}, {"m4", 4}});
    ZSetObject byLength;
    byLength.insert("12345678", 1, lim);
    byLength.insert("", 0, lim);
    CHECK(byLength.encoding() == Encoding::kListpack);
    byLength.insert("123456789", 2, lim);
    CHECK(byLength.encoding() == Encoding::kSkiplist);
    CHECK(contents(byLength) ==
          std::vector<std::pair<std::string, double>>{{"", 0}, {"12345678", 1}, {"123456789", 2}});
    // Updating scores never converts; erasing never converts back.
    byCount.erase("m4");
    CHECK(byCount.encoding() == Encoding::kSkiplist);
    std::vector<std::pair<std::string, double>> sorted = {
        {"a", 0.5}, {"b", 1}, {"c", 1}, {"12345678", 2}};
    auto four = ZSetObject::fromSorted(sorted, lim);
    CHECK(four->encoding() == Encoding::kListpack);
    CHECK(contents(*four) == sorted);
    sorted.emplace_back("d", 3);
    CHECK(ZSetObject::fromSorted(sorted, lim)->encoding() == Encoding::kSkiplist);
    sorted.pop_back();
    sorted.back().first = "123456789";
    CHECK(ZSetObject::fromSorted(sorted, lim)->encoding() == Encoding::kSkiplist);
    // A listpack clone is an independent copy.
    auto copy = four->clone();
    four->erase("a");
    CHECK(static_cast<const ZSetObject&>(*copy).size() == 4);
    CHECK(copy->encoding() == Encoding::kListpack);
  }

  TEST_CASE("listpack bounds, walks and rank erasure at the edges") {
    ZSetLimits lim;
    ZSetObject z;
    for (int i = 1; i <= 6; ++i) z.insert(std::string(1, static_cast<char>('a' + i - 1)), i, lim);
    ScoreRange r{2, 5, true, false};  // (2 5]
    CHECK(z.scoreLowerBound(r) == 2);
    CHECK(z.scoreUpperBound(r) == 5);
    r = ScoreRange{-INFINITY, INFINITY, false, false};
    CHECK(z.scoreLowerBound(r) == 0);
    CHECK(z.scoreUpperBound(r) == 6);
    r = ScoreRange{7, 9, false, false};
    CHECK(z.scoreLowerBound(r) == 6);
    std::string down;
    z.walk(4, 3, true, [&](std::string_view m, double) { down.append(m); });
    CHECK(down == "edc");
    std::string up;
    z.walk(3, 10, false, [&](std::string_view m, double) { up.append(m); });  // clamped
    CHECK(up == "def");
    z.eraseRanks(0, 1);
    z.eraseRanks(4, 9);
    CHECK(contents(z) ==
          std::vector<std::pair<std::string, double>>{{"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}});
    z.eraseRanks(0, 4);
    CHECK(z.size() == 0);
    CHECK(z.memoryUsage() == sizeof(ZSetObject));
    CHECK(z.encoding() == Encoding::kListpack);
  }

  TEST_CASE("a zset object is 24 bytes; a small one adds one exact buffer") {
    CHECK(sizeof(ZSetObject) == 24);
    ZSetLimits lim;
    ZSetObject z;
    for (int j = 0; j < 5; ++j) z.insert("m" + std::to_string(j) + "-0001", 100000 + j, lim);
    // 5 x (8-byte member entry + 4-byte score entry) + an 8-byte header, rounded up by malloc.
    CHECK(z.memoryUsage() >= sizeof(ZSetObject) + 68);
    CHECK(z.memoryUsage() <= sizeof(ZSetObject) + 68 + 24);
  }

  TEST_CASE("small-form commands answer as Redis 7.0") {
    Fixture f;
    CHECK(f.run({"ZADD",
                 "s",
                 "0.1",
                 "a",
                 "-0",
                 "b",
                 "inf",
                 "c",
                 "-inf",
                 "d",
                 "1e300",
                 "e",
                 "4503599627370496",
                 "f",
                 "-4503599627370495",
                 "g",
                 "1.5",
                 "h",
                 "9007199254740993",
                 "i",
                 "-1e-310",
                 "j",
                 "63",
                 "k",
                 "64",
                 "l"}) == ":12\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "s"}) == "$8\r\nlistpack\r\n");
    CHECK(
        f.run({"ZRANGE", "s", "0", "-1", "WITHSCORES"}) ==
        "*24\r\n$1\r\nd\r\n$4\r\n-inf\r\n$1\r\ng\r\n$17\r\n-4503599627370495\r\n$1\r\nj\r\n$24\r\n-"
        "9.9999999999999694e-311\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r"
        "\n$1\r\nh\r\n$3\r\n1.5\r\n$1\r\nk\r\n$2\r\n63\r\n$1\r\nl\r\n$2\r\n64\r\n$1\r\nf\r\n$"
        "16\r\n4503599627370496\r\n$1\r\ni\r\n$16\r\n9007199254740992\r\n$1\r\ne\r\n$23\r\n1."
        "0000000000000001e+300\r\n$1\r\nc\r\n$3\r\ninf\r\n");
    CHECK(f.run({"ZMSCORE", "s", "a", "nosuch", "b"}) ==
          "*3\r\n$19\r\n0.10000000000000001\r\n$-1\r\n$1\r\n0\r\n");
    CHECK(f.run({"ZRANGESTORE", "dst", "s", "0", "2"}) == ":3\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "dst"}) == "$8\r\nlistpack\r\n");
    CHECK(f.run({"ZPOPMAX", "s", "2"}) ==
          "*4\r\n$1\r\nc\r\n$3\r\ninf\r\n$1\r\ne\r\n$23\r\n1.0000000000000001e+300\r\n");
    CHECK(f.run({"ZPOPMIN", "s"}) == "*2\r\n$1\r\nd\r\n$4\r\n-inf\r\n");
    CHECK(f.run({"ZCARD", "s"}) == ":9\r\n");

    f.run({"ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"});
    CHECK(f.run({"ZRANGEBYSCORE", "r", "(2", "5", "WITHSCORES"}) ==
          "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n");
    CHECK(f.run({"ZRANGEBYSCORE", "r", "-inf", "+inf", "LIMIT", "1", "2"}) ==
          "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    CHECK(f.run({"ZREVRANGEBYSCORE", "r", "5", "(1", "LIMIT", "1", "3", "WITHSCORES"}) ==
          "*6\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n");
    CHECK(f.run({"ZCOUNT", "r", "2", "(4"}) == ":2\r\n");
    CHECK(f.run({"ZRANK", "r", "f"}) == ":5\r\n");
    CHECK(f.run({"ZREVRANK", "r", "a"}) == ":5\r\n");
    CHECK(f.run({"ZRANK", "r", "nosuch"}) == "$-1\r\n");
    CHECK(f.run({"ZREVRANGE", "r", "1", "3", "WITHSCORES"}) ==
          "*6\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n");
    CHECK(f.run({"ZINCRBY", "r", "10", "a"}) == "$2\r\n11\r\n");
    CHECK(f.run({"ZREMRANGEBYRANK", "r", "1", "2"}) == ":2\r\n");
    CHECK(f.run({"ZREMRANGEBYSCORE", "r", "(5", "10"}) == ":1\r\n");
    CHECK(f.run({"ZRANGE", "r", "0", "-1"}) == "*3\r\n$1\r\nb\r\n$1\r\ne\r\n$1\r\na\r\n");

    f.run({"ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"});
    CHECK(f.run({"ZRANGEBYLEX", "l", "(a", "[c"}) == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    CHECK(f.run({"ZREVRANGEBYLEX", "l", "+", "(c", "LIMIT", "1", "1"}) == "*1\r\n$1\r\nd\r\n");
    CHECK(f.run({"ZLEXCOUNT", "l", "[b", "+"}) == ":4\r\n");
    CHECK(f.run({"ZREMRANGEBYLEX", "l", "(a", "[c"}) == ":2\r\n");
    CHECK(f.run({"ZRANGE", "l", "0", "-1"}) == "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "l"}) == "$8\r\nlistpack\r\n");

    // The limits as CONFIG settings: the fourth member converts, a 9-byte one does too.
    CHECK(f.run({"CONFIG", "SET", "zset-max-listpack-entries", "3"}) == "+OK\r\n");
    CHECK(f.run({"CONFIG", "SET", "zset-max-listpack-value", "8"}) == "+OK\r\n");
    f.run({"ZADD", "c", "1", "a", "2", "b", "3", "12345678"});
    CHECK(f.run({"OBJECT", "ENCODING", "c"}) == "$8\r\nlistpack\r\n");
    f.run({"ZADD", "c", "4", "d"});
    CHECK(f.run({"OBJECT", "ENCODING", "c"}) == "$8\r\nskiplist\r\n");
    f.run({"ZADD", "v", "1", "a"});
    f.run({"ZADD", "v", "1", "123456789"});
    CHECK(f.run({"OBJECT", "ENCODING", "v"}) == "$8\r\nskiplist\r\n");
    CHECK(f.run({"ZRANGE", "v", "0", "-1"}) == "*2\r\n$9\r\n123456789\r\n$1\r\na\r\n");
  }

  TEST_CASE("lex bounds with -, +, inclusive and exclusive items") {
    ZSetLimits lim;
    for (bool compact : {true, false}) {
      ZSetObject z(compact);
      for (const char* m : {"a", "b", "c", "d", "e"}) z.insert(m, 0, lim);
      LexRange r;
      r.minKind = LexRange::kValue;
      r.min = "b";
      r.minex = false;
      r.maxKind = LexRange::kValue;
      r.max = "d";
      r.maxex = true;
      CHECK(z.lexLowerBound(r) == 1);
      CHECK(z.lexUpperBound(r) == 3);
      r.minKind = LexRange::kMinusInf;
      r.maxKind = LexRange::kPlusInf;
      CHECK(z.lexLowerBound(r) == 0);
      CHECK(z.lexUpperBound(r) == 5);
      r.minKind = LexRange::kPlusInf;
      CHECK(z.lexLowerBound(r) == 5);
    }
  }

  TEST_CASE("ZADD flags, errors and replies") {
    Fixture f;
    CHECK(f.run({"ZADD", "z", "1", "a", "2", "b"}) == ":2\r\n");
    CHECK(f.run({"ZADD", "z", "NX", "XX", "1", "a"}) ==
          "-ERR XX and NX options at the same time are not compatible\r\n");
    CHECK(f.run({"ZADD", "z", "GT", "LT", "1", "a"}) ==
          "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
    CHECK(f.run({"ZADD", "z", "INCR", "1", "a", "2", "b"}) ==
          "-ERR INCR option supports a single increment-element pair\r\n");
    CHECK(f.run({"ZADD", "z", "1", "a", "2"}) == "-ERR syntax error\r\n");
    CHECK(f.run({"ZADD", "z", "nan", "a"}) == "-ERR value is not a valid float\r\n");
    CHECK(f.run({"ZADD", "z", "CH", "GT", "0", "a", "5", "b", "1", "c"}) == ":2\r\n");
    CHECK(f.run({"ZSCORE", "z", "b"}) == "$1\r\n5\r\n");
    CHECK(f.run({"ZADD", "z", "INCR", "0.1", "a"}) == "$18\r\n1.1000000000000001\r\n");
    CHECK(f.run({"ZADD", "z", "XX", "INCR", "1", "nosuch"}) == "$-1\r\n");
    CHECK(f.run({"ZADD", "inf", "inf", "x"}) == ":1\r\n");
    CHECK(f.run({"ZINCRBY", "inf", "-inf", "x"}) ==
          "-ERR resulting score is not a number (NaN)\r\n");
    CHECK(f.run({"ZINCRBY", "inf", "1", "y"}) == "$1\r\n1\r\n");
    CHECK(f.run({"ZSCORE", "inf", "x"}) == "$3\r\ninf\r\n");
    // A listpack keeps -0 as 0 (d2string writes integral scores as integers); a skiplist keeps it.
    CHECK(f.run({"ZINCRBY", "neg", "-0", "m"}) == "$2\r\n-0\r\n");
    CHECK(f.run({"ZSCORE", "neg", "m"}) == "$1\r\n0\r\n");
    CHECK(f.run({"ZADD", "neg", "-0", std::string(65, 'x')}) == ":1\r\n");
    CHECK(f.run({"ZSCORE", "neg", std::string(65, 'x')}) == "$2\r\n-0\r\n");
    CHECK(f.run({"ZADD", "nokey", "XX", "1", "a"}) == ":0\r\n");
    CHECK(f.run({"EXISTS", "nokey"}) == ":0\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "z"}) == "$8\r\nlistpack\r\n");
    f.run({"SET", "s", "x"});
    CHECK(f.run({"ZADD", "s", "1", "a"}) == kWrongType);
    CHECK(f.run({"ZRANGE", "s", "0", "1"}) == kWrongType);
    CHECK(f.run({"ZUNION", "1", "s"}) == kWrongType);
  }

  TEST_CASE("ranges in RESP2 and RESP3") {
    Fixture f;
    f.run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
    CHECK(f.run({"ZRANGE", "z", "1", "2", "WITHSCORES"}) ==
          "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    CHECK(f.run({"ZRANGE", "z", "(1", "3", "BYSCORE", "REV"}) == "*0\r\n");
    CHECK(f.run({"ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "LIMIT", "1", "5"}) ==
          "*1\r\n$1\r\nb\r\n");
    CHECK(f.run({"ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"}) ==
          "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
          "BYLEX\r\n");
    CHECK(f.run({"ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"}) ==
          "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
    CHECK(f.run({"ZRANGEBYSCORE", "z", "x", "1"}) == "-ERR min or max is not a float\r\n");
    CHECK(f.run({"ZLEXCOUNT", "z", "a", "+"}) == "-ERR min or max not valid string range item\r\n");
    CHECK(f.run({"ZREVRANGE", "z", "0", "1"}) == "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
    CHECK(f.run({"ZCOUNT", "z", "(1", "+inf"}) == ":3\r\n");
    CHECK(f.run({"ZRANK", "z", "c"}) == ":2\r\n");
    CHECK(f.run({"ZREVRANK", "z", "c"}) == ":1\r\n");
    CHECK(f.run({"ZRANGESTORE", "dst", "z", "2", "+inf", "BYSCORE"}) == ":3\r\n");
    CHECK(f.run({"ZCARD", "dst"}) == ":3\r\n");
    CHECK(f.run({"ZREMRANGEBYSCORE", "dst", "-inf", "(4"}) == ":2\r\n");
    CHECK(f.run({"ZRANGESTORE", "dst", "nosuch", "0", "-1"}) == ":0\r\n");
    CHECK(f.run({"EXISTS", "dst"}) == ":0\r\n");
    f.run({"HELLO", "3"});
    CHECK(f.run({"ZRANGE", "z", "0", "0", "WITHSCORES"}) == "*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
    CHECK(f.run({"ZPOPMIN", "z"}) == "*2\r\n$1\r\na\r\n,1\r\n");
    CHECK(f.run({"ZPOPMAX", "z", "1"}) == "*1\r\n*2\r\n$1\r\nd\r\n,4\r\n");
    CHECK(f.run({"ZMPOP", "2", "nosuch", "z", "MIN", "COUNT", "5"}) ==
          "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n");
    CHECK(f.run({"EXISTS", "z"}) == ":0\r\n");
    CHECK(f.run({"ZMPOP", "1", "z", "MIN"}) == "_\r\n");
  }

  TEST_CASE("union, inter, diff with sets, weights and aggregates") {
    Fixture f;
    f.run({"ZADD", "a", "1", "x", "2", "y"});
    f.run({"SADD", "s", "y", "z"});
    CHECK(f.run({"ZUNION", "2", "a", "s", "WITHSCORES"}) ==
          "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n3\r\n");
    CHECK(f.run({"ZINTER", "2", "a", "s", "WEIGHTS", "2", "10", "AGGREGATE", "MAX",
                 "WITHSCORES"}) == "*2\r\n$1\r\ny\r\n$2\r\n10\r\n");
    CHECK(f.run({"ZDIFF", "2", "a", "s"}) == "*1\r\n$1\r\nx\r\n");
    CHECK(f.run({"ZINTERCARD", "2", "a", "s", "LIMIT", "-1"}) ==
          "-ERR LIMIT can't be negative\r\n");
    CHECK(f.run({"ZINTERCARD", "2", "a", "s"}) == ":1\r\n");
    CHECK(f.run({"ZUNIONSTORE", "out", "0", "a"}) ==
          "-ERR at least 1 input key is needed for 'zunionstore' command\r\n");
    CHECK(f.run({"ZUNIONSTORE", "out", "2", "a", "s", "WEIGHTS", "1", "x"}) ==
          "-ERR weight value is not a float\r\n");
    CHECK(f.run({"ZUNIONSTORE", "out", "2", "a", "s"}) == ":3\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "out"}) == "$8\r\nlistpack\r\n");
    CHECK(f.run({"ZINTERSTORE", "out", "2", "a", "nosuch"}) == ":0\r\n");
    CHECK(f.run({"EXISTS", "out"}) == ":0\r\n");
  }

  TEST_CASE("BZPOPMIN and BZMPOP are served by ZADD; BLPOP keeps waiting on a zset") {
    Fixture f;
    f.addClient();
    f.addClient();
    f.addClient();
    CHECK(f.run({"BZPOPMIN", "q", "x"}) == "-ERR timeout is not a float or out of range\r\n");
    CHECK(f.run({"BZPOPMIN", "q", "0"}, 0).empty());
    CHECK(f.run({"BZMPOP", "0", "2", "other", "q", "MAX", "COUNT", "2"}, 1).empty());
    CHECK(f.run({"BLPOP", "q", "0"}, 3).empty());
    CHECK(f.server.blockedClients() == 3);
    CHECK(f.run({"ZADD", "q", "1", "a", "2", "b", "3", "c"}, 2) == ":3\r\n");
    CHECK(f.clients[0]->out() == "*3\r\n$1\r\nq\r\n$1\r\na\r\n$1\r\n1\r\n");
    CHECK(f.clients[1]->out() ==
          "*2\r\n$1\r\nq\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    CHECK(f.clients[3]->out().empty());
    CHECK(f.server.blockedClients() == 1);
    CHECK(f.run({"EXISTS", "q"}, 2) == ":0\r\n");
    // The list client is served by a list push.
    CHECK(f.run({"RPUSH", "q", "v"}, 2) == ":1\r\n");
    CHECK(f.clients[3]->out() == "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    f.run({"SET", "str", "x"}, 2);
    CHECK(f.run({"BZPOPMAX", "str", "0"}) == kWrongType);
  }

  TEST_CASE("ZRANDMEMBER and ZSCAN shapes") {
    Fixture f;
    f.run({"ZADD", "z", "1", "a", "2.5", "b"});
    CHECK(f.run({"ZRANDMEMBER", "z", "5", "WITHSCORES"}) ==
          "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
    CHECK(f.run({"ZRANDMEMBER", "z", "-3"}).rfind("*3\r\n", 0) == 0);
    CHECK(f.run({"ZRANDMEMBER", "z", "1", "x"}) == "-ERR syntax error\r\n");
    CHECK(f.run({"ZRANDMEMBER", "nosuch"}) == "$-1\r\n");
    CHECK(f.run({"ZSCAN", "z", "0", "MATCH", "b*"}) ==
          "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
    CHECK(f.run({"ZSCAN", "nosuch", "0", "bogus"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  }
}
