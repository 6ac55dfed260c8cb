// DUMP payload codec: round trip of every type the codec serializes (each string encoding,
// lists, sets, hashes at both encodings), the CRC64 test vector, and hostile payloads (flipped
// bits, truncation at every length, wrong version, huge claimed counts and lengths, duplicates,
// empty containers, trailing bytes, bad type or hint) rejected without crashing.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/keyspace/keyspace.h"
#include "node/keyspace/value_codec.h"
#include "node/keyspace/zset.h"

using namespace strata::node;
namespace codec = strata::node::codec;

namespace {

// Re-signs a payload body (everything before the footer) with a correct footer.
std::string sign(std::string body) {
  body.push_back(static_cast<char>(codec::kFormatVersion & 0xFF));
  body.push_back(static_cast<char>(codec::kFormatVersion >> 8));
  uint64_t crc = codec::crc64(0, body.data(), body.size());
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return body;
}

std::string dumpOf(Keyspace& ks, std::string_view key) {
  std::string out;
  REQUIRE(codec::encode(*ks.find(key), out));
  return out;
}

// Decodes `payload` into `key` of `ks`.
codec::DecodeStatus restoreInto(Keyspace& ks, std::string_view key, std::string_view payload) {
  Value v;
  codec::DecodeStatus st = codec::decode(payload, v);
  if (st == codec::DecodeStatus::kOk) ks.set(key, std::move(v));
  return st;
}

std::string text(const Entry* e) {
  char scratch[24];
  return std::string(e->stringView(scratch));
}

}  // namespace

TEST_SUITE("node.value_codec") {
  TEST_CASE("crc64 is Redis's (Jones, reflected)") {
    CHECK(codec::crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    CHECK(codec::crc64(0, "", 0) == 0);
  }

  TEST_CASE("strings round trip with Redis's encodings after load") {
    Keyspace ks;
    ks.set("int", Value::string("-9223372036854775808"));
    ks.set("small", Value::string("hello"));
    ks.set("big", Value::string(std::string(1000, 'z')));
    ks.set("raw", Value::rawString("abc"));  // APPEND result: raw, loads as embstr
    ks.set("empty", Value::string(""));
    ks.set("bin", Value::string(std::string("a\0b\r\n\xff", 6)));
    for (const char* key : {"int", "small", "big", "raw", "empty", "bin"}) {
      std::string payload = dumpOf(ks, key);
      std::string copy = std::string(key) + "2";
      REQUIRE(restoreInto(ks, copy, payload) == codec::DecodeStatus::kOk);
      CHECK(text(ks.find(copy)) == text(ks.find(key)));
    }
    CHECK(ks.find("int2")->encoding() == Encoding::kInt);
    CHECK(ks.find("small2")->encoding() == Encoding::kEmbstr);
    CHECK(ks.find("big2")->encoding() == Encoding::kRaw);
    CHECK(ks.find("raw2")->encoding() == Encoding::kEmbstr);
    // The footer: our version, little endian, then 8 CRC bytes.
    std::string p = dumpOf(ks, "small");
    CHECK(static_cast<uint8_t>(p[p.size() - 10]) == 0x01);
    CHECK(static_cast<uint8_t>(p[p.size() - 9]) == 0x53);
  }

  TEST_CASE("lists, sets and hashes round trip (both encodings)") {
    Keyspace ks;
    auto list = std::make_unique<ListObject>();
    for (int i = 0; i < 300; ++i) list->push("item" + std::to_string(i), false);
    list->push(std::string(5000, 'L'), true);
    ks.set("list", Value::object(ValueType::kList, Encoding::kQuicklist, std::move(list)));

    auto ints = std::make_unique<SetObject>();
    ints->startWith("1");
    for (int i = 1; i <= 100; ++i) ints->add(std::to_string(i));
    {
      const Encoding enc = ints->encoding();
      ks.set("intset", Value::object(ValueType::kSet, enc, std::move(ints)));
    }
    auto words = std::make_unique<SetObject>();
    words->startWith("a");
    for (int i = 0; i < 100; ++i) words->add("m" + std::to_string(i));
    {
      const Encoding enc = words->encoding();
      ks.set("set", Value::object(ValueType::kSet, enc, std::move(words)));
    }

    auto small = std::make_unique<HashObject>();
    small->set("f1", "v1");
    small->set("f2", "");
    {
      const Encoding enc = small->encoding();
      ks.set("hash", Value::object(ValueType::kHash, enc, std::move(small)));
    }
    auto big = std::make_unique<HashObject>();
    for (int i = 0; i < 600; ++i) big->set("f" + std::to_string(i), std::to_string(i));
    {
      const Encoding enc = big->encoding();
      ks.set("bighash", Value::object(ValueType::kHash, enc, std::move(big)));
    }

    for (const char* key : {"list", "intset", "set", "hash", "bighash"}) {
      std::string payload = dumpOf(ks, key);
      std::string copy = std::string(key) + "2";
      REQUIRE(restoreInto(ks, copy, payload) == codec::DecodeStatus::kOk);
      const Entry* a = ks.find(key);
      const Entry* b = ks.find(copy);
      CHECK(a->type() == b->type());
      CHECK(a->object()->encoding() == b->object()->encoding());
    }
    const auto l1 = static_cast<const ListObject*>(ks.find("list")->object())->views();
    const auto l2 = static_cast<const ListObject*>(ks.find("list2")->object())->views();
    CHECK(l1 == l2);
    auto members = [&](const char* key) {
      auto v = static_cast<const SetObject*>(ks.find(key)->object())->list();
      std::sort(v.begin(), v.end());
      return v;
    };
    CHECK(members("set2") == members("set"));
    CHECK(members("intset2") == members("intset"));
    CHECK(ks.find("intset2")->object()->encoding() == Encoding::kIntset);
    CHECK(ks.find("set2")->object()->encoding() == Encoding::kHashtable);
    auto fields = [&](const char* key) {
      std::map<std::string, std::string> m;
      static_cast<const HashObject*>(ks.find(key)->object())
          ->forEach([&](std::string_view f, std::string_view v) { m.emplace(f, v); });
      return m;
    };
    CHECK(fields("hash2") == fields("hash"));
    CHECK(fields("bighash2") == fields("bighash"));
    CHECK(ks.find("hash2")->object()->encoding() == Encoding::kListpack);
    CHECK(ks.find("bighash2")->object()->encoding() == Encoding::kHashtable);
  }

  TEST_CASE("every truncation and every flipped bit is rejected") {
    Keyspace ks;
    auto h = std::make_unique<HashObject>();
    h->set("field", "value");
    h->set("other", "x");
    {
      const Encoding enc = h->encoding();
      ks.set("h", Value::object(ValueType::kHash, enc, std::move(h)));
    }
    const std::string payload = dumpOf(ks, "h");
    for (size_t n = 0; n < payload.size(); ++n) {
      Value v;
      CHECK(codec::decode(payload.substr(0, n), v) != codec::DecodeStatus::kOk);
    }
    for (size_t i = 0; i < payload.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = payload;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        Value v;
        CHECK(codec::decode(bad, v) == codec::DecodeStatus::kBadChecksum);
      }
    }
    // A Redis 7.0 payload (RDB version 10 footer) is refused by version.
    std::string redis = payload;
    redis[redis.size() - 10] = 10;
    redis[redis.size() - 9] = 0;
    Value v;
    CHECK(codec::decode(redis, v) == codec::DecodeStatus::kBadChecksum);
  }

  TEST_CASE("well-signed but malformed bodies are bad format") {
    const char kString = static_cast<char>(ValueType::kString);
    const char kList = static_cast<char>(ValueType::kList);
    const char kSet = static_cast<char>(ValueType::kSet);
    const char kHash = static_cast<char>(ValueType::kHash);
    const char kRaw = static_cast<char>(Encoding::kRaw);
    const char kQuick = static_cast<char>(Encoding::kQuicklist);
    const char kHt = static_cast<char>(Encoding::kHashtable);
    const char kLp = static_cast<char>(Encoding::kListpack);
    auto bad = [](std::string body) {
      Value v;
      return codec::decode(sign(std::move(body)), v) == codec::DecodeStatus::kBadFormat;
    };
    // Sanity: a well-formed body decodes.
    {
      Value v;
      CHECK(codec::decode(sign(std::string{kString, kRaw, 2, 'h', 'i'}), v) ==
            codec::DecodeStatus::kOk);
    }
    CHECK(bad(std::string{kString, kRaw, 3, 'h', 'i'}));           // length past the end
    CHECK(bad(std::string{kString, kRaw, 1, 'h', 'i'}));           // trailing byte
    CHECK(bad(std::string{kString, kQuick, 1, 'h'}));              // hint invalid for the type
    CHECK(bad(std::string{9, kRaw, 1, 'h'}));                      // unknown type
    CHECK(bad(std::string{kString, 42, 1, 'h'}));                  // unknown encoding
    CHECK(bad(std::string{kList, kQuick, 0}));                     // empty container
    CHECK(bad(std::string{kSet, kHt, 2, 1, 'a', 1, 'a'}));         // duplicate member
    CHECK(bad(std::string{kHash, kLp, 2, 1, 'f', 0, 1, 'f', 0}));  // duplicate field
    CHECK(bad(std::string{kHash, kLp, 1, 1, 'f'}));                // field without value
    // Huge claimed count / length: refused before any allocation.
    CHECK(bad(std::string{kList, kQuick, '\xff', '\xff', '\xff', '\xff', '\x0f', 1, 'a'}));
    CHECK(bad(std::string{kString, kRaw, '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff',
                          '\xff', '\xff', '\x01'}));
    // Overlong varint (11 bytes) and a 10th byte with more than the top bit.
    CHECK(bad(std::string{kString, kRaw, '\x80', '\x80', '\x80', '\x80', '\x80', '\x80', '\x80',
                          '\x80', '\x80', '\x80', 0}));
    CHECK(bad(std::string{kString, static_cast<char>(Encoding::kInt), '\xff', '\xff', '\xff',
                          '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\x7f'}));
    // Shorter than type + hint + footer: refused like a bad footer.
    for (std::string tiny : {std::string{}, std::string{kString}}) {
      Value v;
      CHECK(codec::decode(sign(tiny), v) == codec::DecodeStatus::kBadChecksum);
    }
  }

  TEST_CASE("int strings keep their full range") {
    Keyspace ks;
    for (int64_t v : {INT64_MIN, INT64_MIN + 1, int64_t{-1}, int64_t{0}, int64_t{1}, INT64_MAX}) {
      ks.set("k", Value::integer(v));
      std::string payload = dumpOf(ks, "k");
      Value out;
      REQUIRE(codec::decode(payload, out) == codec::DecodeStatus::kOk);
      CHECK(out.encoding() == Encoding::kInt);
      CHECK(out.intValue() == v);
    }
  }

  TEST_CASE("zsets round trip in score order, re-deriving listpack or skiplist") {
    Keyspace ks;
    const ZSetLimits limits;
    std::vector<std::pair<std::string, double>> small{
        {"a", -1.5}, {"b", 0}, {"c", 0}, {"d", 1e300}};
    ks.set("z", Value::object(ValueType::kZSet, Encoding::kListpack,
                              ZSetObject::fromSorted(small, limits)));
    std::vector<std::pair<std::string, double>> big;
    for (int i = 0; i < 300; ++i) big.emplace_back("m" + std::to_string(1000 + i), i * 0.5);
    ks.set("big", Value::object(ValueType::kZSet, Encoding::kSkiplist,
                                ZSetObject::fromSorted(big, limits)));
    auto items = [](const Entry* e) {
      const auto* z = static_cast<const ZSetObject*>(e->object());
      std::vector<std::pair<std::string, double>> out;
      z->walk(0, z->size(), false,
              [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
      return out;
    };
    for (const char* key : {"z", "big"}) {
      Value v;
      REQUIRE(codec::decode(dumpOf(ks, key), v, limits) == codec::DecodeStatus::kOk);
      ks.set("copy", std::move(v));
      CHECK(items(ks.find("copy")) == items(ks.find(key)));
      CHECK(ks.find("copy")->object()->encoding() == ks.find(key)->object()->encoding());
    }
    CHECK(ks.find("big")->object()->encoding() == Encoding::kSkiplist);
    // Smaller limits on the target: the same payload loads as a skiplist.
    Value v;
    REQUIRE(codec::decode(dumpOf(ks, "z"), v, ZSetLimits{2, 64}) == codec::DecodeStatus::kOk);
    CHECK(v.object()->encoding() == Encoding::kSkiplist);
    // NaN scores and duplicate members are bad format.
    const char kZ = static_cast<char>(ValueType::kZSet);
    const char kLp = static_cast<char>(Encoding::kListpack);
    std::string nan{kZ, kLp, 1, 1, 'a'};
    nan.append("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8);
    Value out;
    CHECK(codec::decode(sign(nan), out) == codec::DecodeStatus::kBadFormat);
    std::string dup{kZ, kLp, 2, 1, 'a'};
    dup.append(8, '\0');
    dup.append({1, 'a'});
    dup.append(8, '\0');
    CHECK(codec::decode(sign(dup), out) == codec::DecodeStatus::kBadFormat);
    std::string ok{kZ, kLp, 1, 1, 'a'};
    ok.append(8, '\0');
    CHECK(codec::decode(sign(ok), out) == codec::DecodeStatus::kOk);
  }
}
