// Streams: the ID parser (Redis's streamGenericParseIDOrReply: "-", "+", "<ms>", "<ms>-<seq>",
// "<ms>-*", string2ull's strtoull fallback), StreamID incr/decr carry, StreamObject against a
// std::map model (append, XDEL tombstones, ranges both ways), node granularity (100 entries per
// node, the 4096-byte listpack estimate), and trimming: exact MAXLEN/MINID, approximate trimming
// removing whole nodes only, LIMIT, first-id bookkeeping, the DUMP payload round trip and clone.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "node/keyspace/keyspace.h"
#include "node/keyspace/stream.h"
#include "node/keyspace/value_codec.h"

namespace strata::node {

namespace {

StreamID id(uint64_t ms, uint64_t seq) {
  return {ms, seq};
}

void add(StreamObject& s, StreamID i, std::string_view f = "f", std::string_view v = "v") {
  std::string_view fv[2] = {f, v};
  s.append(i, fv, 2);
}

std::vector<StreamID> ids(const StreamObject& s, bool rev = false, StreamID a = StreamID::min(),
                          StreamID b = StreamID::max()) {
  std::vector<StreamID> out;
  s.range(a, b, rev, [&](const StreamEntryView& e) {
    out.push_back(e.id);
    return true;
  });
  return out;
}

}  // namespace

TEST_SUITE("node.streams") {
  TEST_CASE("ID parser follows streamGenericParseIDOrReply") {
    StreamID out;
    bool seq = false;
    CHECK(parseStreamID("5-7", out, 0, &seq, false, false));
    CHECK(out == id(5, 7));
    CHECK(seq);
    CHECK(parseStreamID("5", out, 0, nullptr, false, false));
    CHECK(out == id(5, 0));
    CHECK(parseStreamID("5", out, UINT64_MAX, nullptr, false, false));
    CHECK(out == id(5, UINT64_MAX));
    CHECK(parseStreamID("-", out, 0, nullptr, false, false));
    CHECK(out == StreamID::min());
    CHECK(parseStreamID("+", out, 0, nullptr, false, false));
    CHECK(out == StreamID::max());
    CHECK_FALSE(parseStreamID("-", out, 0, nullptr, false, true));  // strict
    CHECK_FALSE(parseStreamID("+", out, 0, nullptr, false, true));
    CHECK(parseStreamID("7-*", out, 0, &seq, true, true));
    CHECK(out == id(7, 0));
    CHECK_FALSE(seq);
    CHECK_FALSE(parseStreamID("7-*", out, 0, &seq, false, true));
    CHECK(parseStreamID("18446744073709551615-18446744073709551615", out, 0, nullptr, false, true));
    CHECK(out == StreamID::max());
    CHECK_FALSE(parseStreamID("18446744073709551616", out, 0, nullptr, false, true));
    CHECK_FALSE(parseStreamID("-1", out, 0, nullptr, false, true));
    CHECK_FALSE(parseStreamID("1--1", out, 0, nullptr, false, true));
    CHECK_FALSE(parseStreamID("1-", out, 0, nullptr, false, true));
    CHECK_FALSE(parseStreamID("abc", out, 0, nullptr, false, true));
    CHECK_FALSE(parseStreamID("", out, 0, nullptr, false, true));
    CHECK_FALSE(parseStreamID("1-2-3", out, 0, nullptr, false, true));
    // string2ull falls back to strtoull: leading '+' and spaces pass, as in Redis.
    CHECK(parseStreamID("+5", out, 0, nullptr, false, true));
    CHECK(out == id(5, 0));
    CHECK(parseStreamID(" 5-1", out, 0, nullptr, false, true));
    CHECK(out == id(5, 1));
    CHECK_FALSE(parseStreamID(std::string(200, '1'), out, 0, nullptr, false, true));
  }

  TEST_CASE("incr and decr carry across ms") {
    StreamID a{1, UINT64_MAX};
    CHECK(a.incr());
    CHECK(a == id(2, 0));
    CHECK(a.decr());
    CHECK(a == id(1, UINT64_MAX));
    StreamID z;
    CHECK_FALSE(z.decr());
    StreamID m = StreamID::max();
    CHECK_FALSE(m.incr());
    char buf[48];
    CHECK(StreamID::max().format(buf) == "18446744073709551615-18446744073709551615");
  }

  TEST_CASE("appends, deletes and ranges match a map model") {
    StreamObject s;
    std::map<StreamID, std::string> model;
    std::mt19937_64 rng(7);
    StreamID cur{1000, 0};
    for (int i = 0; i < 1000; ++i) {
      cur.ms += rng() % 3;
      cur.seq = rng() % 2 ? cur.seq + 1 : 0;
      if (!model.empty() && cur <= model.rbegin()->first) cur = {model.rbegin()->first.ms + 1, 0};
      const std::string v = std::to_string(i);
      // Alternate the field set so entries use and skip the master fields.
      add(s, cur, i % 5 == 0 ? "other" : "f", v);
      model[cur] = v;
    }
    for (int i = 0; i < 300; ++i) {
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      const StreamID victim = it->first;
      CHECK(s.remove(victim));
      CHECK_FALSE(s.remove(victim));
      model.erase(it);
    }
    CHECK(s.length() == model.size());
    std::vector<StreamID> want;
    for (const auto& [k, v] : model) want.push_back(k);
    CHECK(ids(s) == want);
    std::vector<StreamID> rev(want.rbegin(), want.rend());
    CHECK(ids(s, true) == rev);
    CHECK(s.firstId() == want.front());
    // A window.
    const StreamID a = want[100], b = want[400];
    std::vector<StreamID> win(want.begin() + 100, want.begin() + 401);
    CHECK(ids(s, false, a, b) == win);
    // Values survive.
    s.range(want[10], want[10], false, [&](const StreamEntryView& e) {
      CHECK(std::string((*e.fv)[1]) == model[want[10]]);
      return true;
    });
  }

  TEST_CASE("nodes hold 100 entries or ~4096 listpack bytes") {
    StreamObject s;
    for (uint64_t i = 1; i <= 250; ++i) add(s, id(i, 0));
    CHECK(s.nodeSizes() == std::vector<size_t>{100, 100, 50});
    StreamObject big;
    const std::string v(1000, 'x');
    for (uint64_t i = 1; i <= 10; ++i) add(big, id(i, 0), "f", v);
    // 4 values of ~1 KB fit under 4096 bytes with the master entry, the 5th opens a node.
    CHECK(big.nodeSizes().front() < 5);
    CHECK(big.nodeSizes().size() >= 3);
  }

  TEST_CASE("exact trimming marks entries, approximate removes whole nodes") {
    StreamObject s;
    for (uint64_t i = 1; i <= 350; ++i) add(s, id(i, 0));
    CHECK(s.trimMaxlen(120, true, 10000) == 200);  // two nodes of 100 go, the third would cut
    CHECK(s.length() == 150);
    CHECK(s.firstId() == id(201, 0));
    CHECK(s.trimMaxlen(120, true, 10000) == 0);
    CHECK(s.trimMaxlen(120, false, 0) == 30);
    CHECK(s.length() == 120);
    CHECK(s.firstId() == id(231, 0));
    CHECK(s.nodeSizes() == std::vector<size_t>{100, 50});  // tombstones stay in the node
    // LIMIT bounds whole-node removals.
    CHECK(s.trimMaxlen(0, true, 50) == 0);
    CHECK(s.trimMaxlen(0, true, 100) == 70);
    CHECK(s.length() == 50);
    CHECK(s.trimMinid(id(340, 0), false, 0) == 39);
    CHECK(s.firstId() == id(340, 0));
    CHECK(s.trimMinid(id(1000, 0), true, 0) == 11);
    CHECK(s.length() == 0);
    CHECK(s.firstId() == StreamID{});
    CHECK(s.lastId() == id(350, 0));
    CHECK(s.entriesAdded() == 350);
    CHECK(s.nodeCount() == 0);
  }

  TEST_CASE("lag and entries-read estimates follow 7.0") {
    StreamObject s;
    for (uint64_t i = 1; i <= 5; ++i) add(s, id(i, 0));
    ConsumerGroup g;
    g.lastId = id(0, 0);
    g.entriesRead = 0;
    CHECK(s.groupLag(g) == 5);
    g.entriesRead = kInvalidEntriesRead;
    CHECK(s.groupLag(g) == 5);  // before the first entry, no tombstones: entries_added - length
    g.lastId = id(3, 0);
    CHECK(s.groupLag(g) == std::nullopt);  // in the middle: unknown
    g.lastId = id(5, 0);
    CHECK(s.groupLag(g) == 0);
    CHECK(s.remove(id(2, 0)));
    g.lastId = id(1, 0);
    g.entriesRead = 1;
    CHECK(s.rangeHasTombstones(id(1, 0), StreamID::max()));
    CHECK(s.groupLag(g) == std::nullopt);
    g.lastId = id(5, 0);
    g.entriesRead = 7;  // ENTRIESREAD past entries-added: a negative lag, not null
    CHECK(s.groupLag(g) == -2);
  }

  TEST_CASE("an entry appended after XSETID below a tombstone is found past it") {
    // XADD 1-1, XADD 5-1, XDEL 5-1, XSETID 2-0, XADD 3-0: 3-0 follows the tombstone 5-1 in the
    // same node; ranges, XDEL and the edges skip the tombstone as Redis's iterator does.
    StreamObject s;
    add(s, id(1, 1));
    add(s, id(5, 1));
    CHECK(s.remove(id(5, 1)));
    s.setLastId(id(2, 0));
    add(s, id(3, 0));
    CHECK(s.nodeCount() == 1);
    CHECK(ids(s) == std::vector<StreamID>{id(1, 1), id(3, 0)});
    CHECK(ids(s, true) == std::vector<StreamID>{id(3, 0), id(1, 1)});
    CHECK(ids(s, false, id(2, 0), id(4, 0)) == std::vector<StreamID>{id(3, 0)});
    CHECK(ids(s, true, id(2, 0), id(4, 0)) == std::vector<StreamID>{id(3, 0)});
    CHECK(s.contains(id(3, 0)));
    StreamID last;
    CHECK(s.edgeId(false, last));
    CHECK(last == id(3, 0));
    CHECK(s.remove(id(3, 0)));
    CHECK(s.length() == 1);
    CHECK(ids(s) == std::vector<StreamID>{id(1, 1)});
  }

  TEST_CASE("DUMP payload and clone keep entries, groups and PEL") {
    StreamObject s;
    for (uint64_t i = 1; i <= 130; ++i) add(s, id(i, 1), i % 2 ? "a" : "b", std::to_string(i));
    s.remove(id(7, 1));
    auto g = std::make_unique<ConsumerGroup>();
    g->lastId = id(3, 1);
    g->entriesRead = 3;
    StreamConsumer* c = g->createConsumer("alice", 1234);
    g->createConsumer("idle", 99);
    for (uint64_t i = 1; i <= 3; ++i) {
      StreamNACK n;
      n.consumer = c;
      n.deliveryTime = 1000 + static_cast<int64_t>(i);
      n.deliveryCount = i;
      g->pel.emplace(id(i, 1), n);
      c->pel.insert(id(i, 1));
    }
    s.groups().emplace("g", std::move(g));
    auto check = [&](const StreamObject& t) {
      CHECK(ids(t) == ids(s));
      CHECK(t.lastId() == s.lastId());
      CHECK(t.maxDeletedId() == id(7, 1));
      CHECK(t.entriesAdded() == 130);
      const ConsumerGroup* tg = t.findGroup("g");
      REQUIRE(tg != nullptr);
      CHECK(tg->entriesRead == 3);
      CHECK(tg->pel.size() == 3);
      CHECK(tg->pel.at(id(2, 1)).deliveryCount == 2);
      CHECK(tg->pel.at(id(2, 1)).consumer == tg->findConsumer("alice"));
      CHECK(tg->findConsumer("alice")->pel.size() == 3);
      CHECK(tg->findConsumer("idle") != nullptr);
    };
    auto copy = s.clone();
    check(static_cast<const StreamObject&>(*copy));
    CHECK(copy->memoryUsage() == s.memoryUsage());
    // Through the codec, via a Keyspace entry.
    Keyspace ks;
    auto obj = s.clone();
    Entry* e = ks.set("k", Value::object(ValueType::kStream, Encoding::kStream, std::move(obj)));
    std::string payload;
    codec::encode(*e, payload);
    Value v;
    std::string scratch;
    REQUIRE(codec::decode(payload, v, scratch) == codec::DecodeStatus::kOk);
    REQUIRE(v.type() == ValueType::kStream);
    check(static_cast<const StreamObject&>(*v.object()));
    // Truncated or flipped payloads are rejected, never misread.
    for (size_t cut = 1; cut < payload.size(); cut += 37) {
      Value bad;
      CHECK(codec::decode(payload.substr(0, payload.size() - cut), bad, scratch) !=
            codec::DecodeStatus::kOk);
    }
  }

  TEST_CASE("memory usage follows the packed bytes") {
    StreamObject s;
    const size_t empty = s.memoryUsage();
    for (uint64_t i = 1; i <= 1000; ++i) add(s, id(i, 0), "field", "value");
    const size_t full = s.memoryUsage();
    CHECK(full > empty + 1000 * 8);
    CHECK(full < empty + 1000 * 40);  // packed: a few bytes of ID delta + the value
    s.trimMaxlen(0, false, 0);
    CHECK(s.memoryUsage() == empty);
  }
}

}  // namespace strata::node
