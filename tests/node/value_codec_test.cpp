// DUMP payload codec (Redis's: RDB object + version + CRC64): our DUMP of each string
// encoding, list, intset, listpack set/hash/zset is byte-identical to redis-server 7.0.15's (the
// expected payloads were captured from it), those Redis payloads load; round trips of every type
// in both encodings; the CRC64 test vector; and hostile payloads (flipped bits, truncation at
// every length, newer versions, huge claimed lengths, duplicates, empty containers, trailing
// bytes, unknown and module types) rejected without crashing.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/keyspace/keyspace.h"
#include "node/keyspace/stream.h"
#include "node/keyspace/value_codec.h"
#include "node/keyspace/zset.h"
#include "node/persistence/rdb_codec.h"

using namespace strata::node;
namespace codec = strata::node::codec;
namespace rdb = strata::node::rdb;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    out.push_back(digits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(digits[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

// Appends a footer (version, CRC64) to a payload body.
std::string sign(std::string body, uint16_t version = rdb::kVersion) {
  body.push_back(static_cast<char>(version & 0xFF));
  body.push_back(static_cast<char>(version >> 8));
  uint64_t crc = codec::crc64(0, body.data(), body.size());
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return body;
}

std::string dumpOf(Keyspace& ks, std::string_view key) {
  std::string out;
  codec::encode(*ks.find(key), out);
  return out;
}

// Decodes `payload` into `key` of `ks`.
codec::DecodeStatus restoreInto(Keyspace& ks, std::string_view key, std::string_view payload,
                                const rdb::LoadLimits& limits = {}) {
  Value v;
  std::string scratch;
  codec::DecodeStatus st = codec::decode(payload, v, scratch, limits);
  if (st == codec::DecodeStatus::kOk) ks.set(key, std::move(v));
  return st;
}

codec::DecodeStatus decodeBody(std::string body, const rdb::LoadLimits& limits = {}) {
  Keyspace ks;
  return restoreInto(ks, "k", sign(std::move(body)), limits);
}

std::string text(const Entry* e) {
  char scratch[24];
  return std::string(e->stringView(scratch));
}

std::vector<std::string> listOf(const Entry* e) {
  std::vector<std::string> out;
  static_cast<const ListObject*>(e->object())->forEach([&](std::string_view v) {
    out.emplace_back(v);
  });
  return out;
}

std::vector<std::string> membersOf(const Entry* e) {
  auto v = static_cast<const SetObject*>(e->object())->list();
  std::sort(v.begin(), v.end());
  return v;
}

std::map<std::string, std::string> fieldsOf(const Entry* e) {
  std::map<std::string, std::string> m;
  static_cast<const HashObject*>(e->object())->forEach([&](std::string_view f, std::string_view v) {
    m.emplace(f, v);
  });
  return m;
}

std::vector<std::pair<std::string, double>> itemsOf(const Entry* e) {
  const auto* z = static_cast<const ZSetObject*>(e->object());
  std::vector<std::pair<std::string, double>> out;
  z->walk(0, z->size(), false,
          [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  return out;
}

// Hand-made blobs of Redis's older encodings, strings of < 64 bytes and small ints only.
std::string ziplist(const std::vector<std::string>& items) {
  std::string body;
  size_t prev = 0, last = 10;
  for (const std::string& s : items) {
    last = 10 + body.size();
    std::string e;
    e.push_back(static_cast<char>(prev));
    int64_t v;
    if (parseCanonicalInt(s, v) && v >= 0 && v <= 12) {
      e.push_back(static_cast<char>(0xF1 + v));  // 4-bit immediate
    } else if (parseCanonicalInt(s, v) && v >= -32768 && v <= 32767) {
      e.push_back(static_cast<char>(0xC0));  // int16
      e.push_back(static_cast<char>(v & 0xFF));
      e.push_back(static_cast<char>((v >> 8) & 0xFF));
    } else {
      e.push_back(static_cast<char>(s.size()));
      e += s;
    }
    prev = e.size();
    body += e;
  }
  std::string out;
  const size_t total = 10 + body.size() + 1;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((total >> (8 * i)) & 0xFF));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((last >> (8 * i)) & 0xFF));
  out.push_back(static_cast<char>(items.size()));
  out.push_back(0);
  return out + body + '\xff';
}

std::string zipmap(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out(1, static_cast<char>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    out.push_back(static_cast<char>(k.size()));
    out += k;
    out.push_back(static_cast<char>(v.size()));
    out.push_back(1);  // one free byte after the value
    out += v;
    out.push_back('?');
  }
  return out + '\xff';
}

// An RDB string holding `blob` raw (length < 64).
std::string rdbString(const std::string& blob) {
  REQUIRE(blob.size() < 64);
  return std::string(1, static_cast<char>(blob.size())) + blob;
}

}  // namespace

TEST_SUITE("node.value_codec") {
  TEST_CASE("crc64 is Redis's (Jones, reflected)") {
    CHECK(codec::crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    CHECK(codec::crc64(0, "", 0) == 0);
  }

  TEST_CASE("DUMP is byte-identical to redis-server 7.0's, and its payloads load") {
    Keyspace ks;
    ks.set("s", Value::string("hello"));
    ks.set("i", Value::string("12345"));
    ks.set("neg", Value::string("-7"));
    ks.set("big", Value::string("9223372036854775807"));
    std::string abc;
    for (int i = 0; i < 50; ++i) abc += "abc";
    ks.set("lzf", Value::string(abc));
    auto list = std::make_unique<ListObject>();
    for (std::string v : {"a", "b", "1", "-300"}) list->push(v, false);
    list->push(std::string(70, 'x'), false);
    ks.set("l", Value::object(ValueType::kList, Encoding::kQuicklist, std::move(list)));
    auto si = std::make_unique<SetObject>();
    si->startWith("1");
    for (std::string m : {"1", "2", "3", "-70000"}) si->add(m);
    ks.set("si", Value::object(ValueType::kSet, Encoding::kIntset, std::move(si)));
    auto h = std::make_unique<HashObject>();
    h->set("f1", "v1");
    h->set("n", "12");
    ks.set("h", Value::object(ValueType::kHash, Encoding::kListpack, std::move(h)));
    ks.set("z", Value::object(ValueType::kZSet, Encoding::kListpack,
                              ZSetObject::fromSorted({{"c", -3}, {"a", 1}, {"b", 2.5}}, {})));
    // redis-server 7.0.15: SET s hello, ..., RPUSH l a b 1 -300 xxx.., SADD si 1 2 3 -70000,
    // HSET h f1 v1 n 12, ZADD z 1 a 2.5 b -3 c; then DUMP of each.
    const std::map<std::string, std::string> redis{
        {"s", "000568656c6c6f0a006372df766534200a"},
        {"i", "00c139300a009d94ea2793fc08b9"},
        {"neg", "00c0f90a005e26d130d7a242ab"},
        {"big", "0013393232333337323033363835343737353830370a003a657e9481e85f22"},
        {"lzf", "00c30b40960361626361e087020162630a00cc4ffc25a4143aeb"},
        {"l",
         "120102c31b405b135b00000005008161028162020101ded402e04678e03c000148ff0a00d3376698565e92"
         "69"},
        {"si", "0b18040000000400000090eefeff0100000002000000030000000a00a8b63c622cbf2c9c"},
        {"h", "10141400000004008266310382763103816e020c01ff0a00cf3e8c3993437336"},
        {"z", "111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2"},
    };
    for (const auto& [key, want] : redis) {
      CAPTURE(key);
      CHECK(hex(dumpOf(ks, key)) == want);
      const std::string copy = key + "2";
      REQUIRE(restoreInto(ks, copy, unhex(want)) == codec::DecodeStatus::kOk);
      CHECK(ks.find(copy)->type() == ks.find(key)->type());
      CHECK(hex(dumpOf(ks, copy)) == want);
    }
    CHECK(text(ks.find("lzf2")) == abc);
    CHECK(ks.find("i2")->encoding() == Encoding::kInt);
    CHECK(listOf(ks.find("l2")) == listOf(ks.find("l")));
    CHECK(membersOf(ks.find("si2")) == membersOf(ks.find("si")));
    CHECK(fieldsOf(ks.find("h2")) == fieldsOf(ks.find("h")));
    CHECK(itemsOf(ks.find("z2")) == itemsOf(ks.find("z")));
  }

  TEST_CASE("strings round trip with Redis's encodings after load") {
    Keyspace ks;
    ks.set("int", Value::string("-9223372036854775808"));
    ks.set("small", Value::string("hello"));
    ks.set("big", Value::string(std::string(1000, 'z')));
    ks.set("random",
           Value::string(std::string("q\x01\x7f\x80\xfe\xff 9 0 1 2 3 4 5 6 7 8 !!", 24)));
    ks.set("raw", Value::rawString("abc"));  // APPEND result: raw, loads as embstr
    ks.set("empty", Value::string(""));
    ks.set("bin", Value::string(std::string("a\0b\r\n\xff", 6)));
    ks.set("padded", Value::string("007"));  // not canonical: stays a string
    for (const char* key : {"int", "small", "big", "random", "raw", "empty", "bin", "padded"}) {
      std::string payload = dumpOf(ks, key);
      std::string copy = std::string(key) + "2";
      REQUIRE(restoreInto(ks, copy, payload) == codec::DecodeStatus::kOk);
      CHECK(text(ks.find(copy)) == text(ks.find(key)));
    }
    CHECK(ks.find("int2")->encoding() == Encoding::kInt);
    CHECK(ks.find("small2")->encoding() == Encoding::kEmbstr);
    CHECK(ks.find("big2")->encoding() == Encoding::kRaw);
    CHECK(ks.find("raw2")->encoding() == Encoding::kEmbstr);
    CHECK(ks.find("padded2")->encoding() == Encoding::kEmbstr);
    // 1000 'z' compress to a few bytes (LZF); rdbcompression off writes them raw.
    CHECK(dumpOf(ks, "big").size() < 40);
    std::string raw;
    codec::encode(*ks.find("big"), raw, false);
    CHECK(raw.size() == 1 + 2 + 1000 + 10);  // type, 14-bit length, bytes, footer
    REQUIRE(restoreInto(ks, "big3", raw) == codec::DecodeStatus::kOk);
    CHECK(text(ks.find("big3")) == text(ks.find("big")));
    // The footer: RDB version 10, little endian, then 8 CRC bytes.
    std::string p = dumpOf(ks, "small");
    CHECK(static_cast<uint8_t>(p[p.size() - 10]) == 10);
    CHECK(static_cast<uint8_t>(p[p.size() - 9]) == 0);
  }

  TEST_CASE("int strings keep their full range") {
    Keyspace ks;
    for (int64_t v :
         {INT64_MIN, INT64_MIN + 1, int64_t{-2147483649}, int64_t{-2147483648}, int64_t{-32769},
          int64_t{-129}, int64_t{-128}, int64_t{-1}, int64_t{0}, int64_t{127}, int64_t{128},
          int64_t{32768}, int64_t{2147483647}, int64_t{2147483648}, INT64_MAX}) {
      CAPTURE(v);
      ks.set("k", Value::integer(v));
      std::string payload = dumpOf(ks, "k");
      Value out;
      std::string scratch;
      REQUIRE(codec::decode(payload, out, scratch) == codec::DecodeStatus::kOk);
      CHECK(out.encoding() == Encoding::kInt);
      CHECK(out.intValue() == v);
    }
  }

  TEST_CASE("lists, sets and hashes round trip (both encodings)") {
    Keyspace ks;
    auto list = std::make_unique<ListObject>();
    for (int i = 0; i < 3000; ++i) list->push("item" + std::to_string(i), false);
    for (int i = 0; i < 300; ++i) list->push(std::to_string(i * 1000003 - 150000000), false);
    list->push(std::string(20000, 'L'), true);  // bigger than a node: a node of its own
    ks.set("list", Value::object(ValueType::kList, Encoding::kQuicklist, std::move(list)));
    auto small = std::make_unique<ListObject>();
    small->push("only", false);
    ks.set("small", Value::object(ValueType::kList, Encoding::kQuicklist, std::move(small)));

    auto ints = std::make_unique<SetObject>();
    ints->startWith("1");
    for (int i = 1; i <= 100; ++i) ints->add(std::to_string(i * 100000 - 5000000));
    ks.set("intset", Value::object(ValueType::kSet, Encoding::kIntset, std::move(ints)));
    auto words = std::make_unique<SetObject>();
    words->startWith("a");
    for (int i = 0; i < 100; ++i) words->add("m" + std::to_string(i));
    ks.set("set", Value::object(ValueType::kSet, Encoding::kHashtable, std::move(words)));

    auto h = std::make_unique<HashObject>();
    h->set("f1", "v1");
    h->set("f2", "");
    h->set("n", "-12345678901");
    ks.set("hash", Value::object(ValueType::kHash, Encoding::kListpack, std::move(h)));
    auto big = std::make_unique<HashObject>();
    for (int i = 0; i < 600; ++i) big->set("f" + std::to_string(i), std::to_string(i));
    ks.set("bighash", Value::object(ValueType::kHash, Encoding::kHashtable, std::move(big)));

    for (const char* key : {"list", "small", "intset", "set", "hash", "bighash"}) {
      CAPTURE(key);
      std::string payload = dumpOf(ks, key);
      std::string copy = std::string(key) + "2";
      REQUIRE(restoreInto(ks, copy, payload) == codec::DecodeStatus::kOk);
      CHECK(ks.find(key)->type() == ks.find(copy)->type());
      CHECK(ks.find(key)->object()->encoding() == ks.find(copy)->object()->encoding());
    }
    CHECK(listOf(ks.find("list2")) == listOf(ks.find("list")));
    CHECK(listOf(ks.find("small2")) == listOf(ks.find("small")));
    CHECK(membersOf(ks.find("set2")) == membersOf(ks.find("set")));
    CHECK(membersOf(ks.find("intset2")) == membersOf(ks.find("intset")));
    CHECK(ks.find("intset2")->object()->encoding() == Encoding::kIntset);
    CHECK(ks.find("set2")->object()->encoding() == Encoding::kHashtable);
    CHECK(fieldsOf(ks.find("hash2")) == fieldsOf(ks.find("hash")));
    CHECK(fieldsOf(ks.find("bighash2")) == fieldsOf(ks.find("bighash")));
    CHECK(ks.find("hash2")->object()->encoding() == Encoding::kListpack);
    CHECK(ks.find("bighash2")->object()->encoding() == Encoding::kHashtable);
    // The list is quicklist2 with several nodes (8 KiB listpacks).
    const std::string lp = dumpOf(ks, "list");
    CHECK(static_cast<uint8_t>(lp[0]) == rdb::kTypeListQuicklist2);
    // Smaller limits on the target: the same compact payloads load as hashtables.
    rdb::LoadLimits tight;
    tight.hash.maxEntries = 2;
    tight.setMaxIntsetEntries = 10;
    REQUIRE(restoreInto(ks, "h3", dumpOf(ks, "hash"), tight) == codec::DecodeStatus::kOk);
    CHECK(ks.find("h3")->object()->encoding() == Encoding::kHashtable);
    CHECK(fieldsOf(ks.find("h3")) == fieldsOf(ks.find("hash")));
    REQUIRE(restoreInto(ks, "s3", dumpOf(ks, "intset"), tight) == codec::DecodeStatus::kOk);
    CHECK(ks.find("s3")->object()->encoding() == Encoding::kHashtable);
    CHECK(membersOf(ks.find("s3")) == membersOf(ks.find("intset")));
  }

  TEST_CASE("packed hashes and zsets convert by length only, as 7.0 loads them") {
    // Made under hash/zset-max-listpack-value 1000: listpack with a 100-byte value / member.
    Keyspace ks;
    auto h = std::make_unique<HashObject>();
    h->set("f", std::string(100, 'v'), HashLimits{512, 1000});
    REQUIRE(h->listpack());
    ks.set("h", Value::object(ValueType::kHash, Encoding::kListpack, std::move(h)));
    auto z = std::make_unique<ZSetObject>();
    z->insert(std::string(100, 'm'), 1, ZSetLimits{128, 1000});
    REQUIRE(z->compact());
    ks.set("z", Value::object(ValueType::kZSet, Encoding::kListpack, std::move(z)));
    // Loaded under the defaults (64): still listpack (redis-server 7.0.15 does the same).
    REQUIRE(restoreInto(ks, "h2", dumpOf(ks, "h")) == codec::DecodeStatus::kOk);
    REQUIRE(restoreInto(ks, "z2", dumpOf(ks, "z")) == codec::DecodeStatus::kOk);
    CHECK(ks.find("h2")->object()->encoding() == Encoding::kListpack);
    CHECK(ks.find("z2")->object()->encoding() == Encoding::kListpack);
    CHECK(fieldsOf(ks.find("h2")) == fieldsOf(ks.find("h")));
    // The plain forms check every length: RDB_TYPE_HASH with a long value is a hashtable.
    std::string plain{rdb::kTypeHash, 1, 1, 'f', 0x40, 100};
    plain.append(100, 'v');
    REQUIRE(restoreInto(ks, "h4", sign(plain)) == codec::DecodeStatus::kOk);
    CHECK(ks.find("h4")->object()->encoding() == Encoding::kHashtable);
    // Too many entries for the target's limits: converted.
    rdb::LoadLimits tight;
    tight.hash.maxEntries = 0;
    tight.zset.maxEntries = 0;
    REQUIRE(restoreInto(ks, "h3", dumpOf(ks, "h"), tight) == codec::DecodeStatus::kOk);
    REQUIRE(restoreInto(ks, "z3", dumpOf(ks, "z"), tight) == codec::DecodeStatus::kOk);
    CHECK(ks.find("h3")->object()->encoding() == Encoding::kHashtable);
    CHECK(ks.find("z3")->object()->encoding() == Encoding::kSkiplist);
  }

  TEST_CASE("zsets round trip in score order, re-deriving listpack or skiplist") {
    Keyspace ks;
    const ZSetLimits limits;
    std::vector<std::pair<std::string, double>> small{{"a", -1.5}, {"b", 0},     {"c", 0},
                                                      {"x", 0.1},  {"d", 1e300}, {"e", HUGE_VAL}};
    ks.set("z", Value::object(ValueType::kZSet, Encoding::kListpack,
                              ZSetObject::fromSorted(small, limits)));
    std::vector<std::pair<std::string, double>> big;
    for (int i = 0; i < 300; ++i) big.emplace_back("m" + std::to_string(1000 + i), i * 0.5);
    big.emplace_back("top", HUGE_VAL);
    ks.set("big", Value::object(ValueType::kZSet, Encoding::kSkiplist,
                                ZSetObject::fromSorted(big, limits)));
    for (const char* key : {"z", "big"}) {
      REQUIRE(restoreInto(ks, "copy", dumpOf(ks, key)) == codec::DecodeStatus::kOk);
      CHECK(itemsOf(ks.find("copy")) == itemsOf(ks.find(key)));
      CHECK(ks.find("copy")->object()->encoding() == ks.find(key)->object()->encoding());
    }
    CHECK(static_cast<uint8_t>(dumpOf(ks, "big")[0]) == rdb::kTypeZSet2);
    // Smaller limits on the target: the same payload loads as a skiplist.
    rdb::LoadLimits tight;
    tight.zset = ZSetLimits{2, 64};
    REQUIRE(restoreInto(ks, "t", dumpOf(ks, "z"), tight) == codec::DecodeStatus::kOk);
    CHECK(ks.find("t")->object()->encoding() == Encoding::kSkiplist);
    // RDB_TYPE_ZSET (3): scores as text, 253/254/255 = nan/+inf/-inf; NaN and duplicates refused.
    std::string z3{rdb::kTypeZSet, 3, 1, 'a', 3, '1', '.', '5', 1, 'b', '\xfe', 1, 'c', '\xff'};
    REQUIRE(restoreInto(ks, "z3", sign(z3)) == codec::DecodeStatus::kOk);
    const std::vector<std::pair<std::string, double>> want{
        {"c", -HUGE_VAL}, {"a", 1.5}, {"b", HUGE_VAL}};
    CHECK(itemsOf(ks.find("z3")) == want);
    CHECK(decodeBody(std::string{rdb::kTypeZSet, 1, 1, 'a', '\xfd'}) ==
          codec::DecodeStatus::kBadFormat);
    std::string dup{rdb::kTypeZSet2, 2, 1, 'a'};
    dup.append(8, '\0');
    dup.append({1, 'a'});
    dup.append(8, '\0');
    CHECK(decodeBody(dup) == codec::DecodeStatus::kBadFormat);
    std::string nan{rdb::kTypeZSet2, 1, 1, 'a'};
    nan.append("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8);
    CHECK(decodeBody(nan) == codec::DecodeStatus::kBadFormat);
  }

  TEST_CASE("ziplist, zipmap, quicklist and 7.2 set listpack payloads load") {
    Keyspace ks;
    // List ziplist (10) and quicklist of ziplists (14, an empty node skipped).
    const std::string zl = ziplist({"a", "7", "-300", "hello"});
    REQUIRE(restoreInto(ks, "l10", sign(std::string(1, rdb::kTypeListZiplist) + rdbString(zl))) ==
            codec::DecodeStatus::kOk);
    const std::vector<std::string> want{"a", "7", "-300", "hello"};
    CHECK(listOf(ks.find("l10")) == want);
    std::string q{rdb::kTypeListQuicklist, 3};
    q += rdbString(zl) + rdbString(ziplist({})) + rdbString(ziplist({"z"}));
    REQUIRE(restoreInto(ks, "l14", sign(q)) == codec::DecodeStatus::kOk);
    CHECK(listOf(ks.find("l14")).size() == 5);
    CHECK(listOf(ks.find("l14")).back() == "z");
    // Quicklist2 with a plain node.
    std::string q2{rdb::kTypeListQuicklist2, 1, 1, 3, 'b', 'i', 'g'};
    REQUIRE(restoreInto(ks, "l18", sign(q2)) == codec::DecodeStatus::kOk);
    CHECK(listOf(ks.find("l18")) == std::vector<std::string>{"big"});
    // List (1), set (2), hash (4): plain length-prefixed forms.
    REQUIRE(restoreInto(ks, "l1", sign(std::string{rdb::kTypeList, 2, 1, 'x', '\xc0', 5})) ==
            codec::DecodeStatus::kOk);
    CHECK(listOf(ks.find("l1")) == std::vector<std::string>{"x", "5"});
    REQUIRE(restoreInto(ks, "s2", sign(std::string{rdb::kTypeSet, 2, '\xc0', 5, '\xc0', 9})) ==
            codec::DecodeStatus::kOk);
    CHECK(ks.find("s2")->object()->encoding() == Encoding::kIntset);
    REQUIRE(restoreInto(ks, "h4", sign(std::string{rdb::kTypeHash, 1, 1, 'f', 1, 'v'})) ==
            codec::DecodeStatus::kOk);
    CHECK(fieldsOf(ks.find("h4")) == std::map<std::string, std::string>{{"f", "v"}});
    // Hash zipmap (9) and ziplist (13).
    const std::map<std::string, std::string> fields{{"f1", "v1"}, {"n", "5"}};
    REQUIRE(restoreInto(ks, "h9",
                        sign(std::string(1, rdb::kTypeHashZipmap) +
                             rdbString(zipmap({{"f1", "v1"}, {"n", "5"}})))) ==
            codec::DecodeStatus::kOk);
    CHECK(fieldsOf(ks.find("h9")) == fields);
    REQUIRE(restoreInto(ks, "h13",
                        sign(std::string(1, rdb::kTypeHashZiplist) +
                             rdbString(ziplist({"f1", "v1", "n", "5"})))) ==
            codec::DecodeStatus::kOk);
    CHECK(fieldsOf(ks.find("h13")) == fields);
    CHECK(ks.find("h13")->object()->encoding() == Encoding::kListpack);
    // Zset ziplist (12): scores as text or ints.
    REQUIRE(restoreInto(ks, "z12",
                        sign(std::string(1, rdb::kTypeZSetZiplist) +
                             rdbString(ziplist({"b", "2.5", "a", "1"})))) ==
            codec::DecodeStatus::kOk);
    CHECK(itemsOf(ks.find("z12")) ==
          std::vector<std::pair<std::string, double>>{{"a", 1}, {"b", 2.5}});
    // 7.2's set listpack (20): ["x", 5, "y"], made with the rdb layer.
    std::string body{rdb::kTypeSetListpack};
    std::string lp = unhex("0f00000003008178020501817902ff");
    lp[0] = static_cast<char>(lp.size());
    body += rdbString(lp);
    REQUIRE(restoreInto(ks, "s20", sign(body)) == codec::DecodeStatus::kOk);
    CHECK(membersOf(ks.find("s20")) == std::vector<std::string>{"5", "x", "y"});
  }

  TEST_CASE("malformed blobs, duplicates and empty containers are bad format") {
    auto bad = [](const std::string& body) {
      return decodeBody(body) == codec::DecodeStatus::kBadFormat;
    };
    const std::string zl = ziplist({"a", "b"});
    CHECK_FALSE(bad(std::string(1, rdb::kTypeListZiplist) + rdbString(zl)));
    // Each header field of the ziplist wrong in turn.
    for (size_t i : {0, 4, 8, 10, 11}) {
      std::string z = zl;
      z[i] = static_cast<char>(z[i] + 1);
      CAPTURE(i);
      CHECK(bad(std::string(1, rdb::kTypeListZiplist) + rdbString(z)));
    }
    // No end byte; an invalid integer encoding.
    std::string noEnd = zl;
    noEnd.back() = 0;
    CHECK(bad(std::string(1, rdb::kTypeListZiplist) + rdbString(noEnd)));
    std::string badEnc = ziplist({"7"});
    badEnc[11] = static_cast<char>(0xC5);
    CHECK(bad(std::string(1, rdb::kTypeListZiplist) + rdbString(badEnc)));
    // Listpack: wrong total, wrong count, bad backlen, unknown encoding.
    const std::string lp = unhex("0f00000003008178020501817902ff");
    std::string good = lp;
    good[0] = static_cast<char>(good.size());
    CHECK_FALSE(bad(std::string(1, rdb::kTypeSetListpack) + rdbString(good)));
    for (size_t i : {0, 4, 8, 10}) {
      std::string b = good;
      b[i] = static_cast<char>(b[i] + 1);
      CAPTURE(i);
      CHECK(bad(std::string(1, rdb::kTypeSetListpack) + rdbString(b)));
    }
    std::string unknown = good;
    unknown[6] = static_cast<char>(0xF7);
    CHECK(bad(std::string(1, rdb::kTypeSetListpack) + rdbString(unknown)));
    // Intset: unsorted, duplicate, bad width, size mismatch, empty.
    auto intset = [](uint32_t width, std::vector<int64_t> v, int extra = 0) {
      std::string b;
      for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((width >> (8 * i)) & 0xFF));
      const uint32_t n = static_cast<uint32_t>(v.size()) + static_cast<uint32_t>(extra);
      for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
      for (int64_t x : v) {
        for (uint32_t i = 0; i < width; ++i) b.push_back(static_cast<char>((x >> (8 * i)) & 0xFF));
      }
      return std::string(1, rdb::kTypeSetIntset) + rdbString(b);
    };
    CHECK_FALSE(bad(intset(2, {1, 2, 3})));
    CHECK(bad(intset(2, {1, 3, 2})));
    CHECK(bad(intset(2, {1, 1})));
    CHECK(bad(intset(3, {1, 2})));
    CHECK(bad(intset(2, {1, 2}, 1)));
    CHECK(bad(intset(4, {})));
    // Duplicates.
    CHECK(bad(std::string{rdb::kTypeSet, 2, 1, 'a', 1, 'a'}));
    CHECK(bad(std::string{rdb::kTypeHash, 2, 1, 'f', 0, 1, 'f', 0}));
    CHECK(bad(std::string(1, rdb::kTypeHashZiplist) + rdbString(ziplist({"f", "1", "f", "2"}))));
    CHECK(bad(std::string(1, rdb::kTypeHashZipmap) + rdbString(zipmap({{"f", "1"}, {"f", "2"}}))));
    CHECK(bad(std::string(1, rdb::kTypeZSetZiplist) + rdbString(ziplist({"a", "1", "a", "2"}))));
    // Odd element counts, bad scores.
    CHECK(bad(std::string(1, rdb::kTypeHashZiplist) + rdbString(ziplist({"f", "1", "g"}))));
    CHECK(bad(std::string(1, rdb::kTypeZSetZiplist) + rdbString(ziplist({"a", "one"}))));
    // Empty containers.
    CHECK(bad(std::string{rdb::kTypeList, 0}));
    CHECK(bad(std::string{rdb::kTypeSet, 0}));
    CHECK(bad(std::string{rdb::kTypeHash, 0}));
    CHECK(bad(std::string{rdb::kTypeZSet2, 0}));
    CHECK(bad(std::string{rdb::kTypeListQuicklist2, 0}));
    CHECK(bad(std::string(1, rdb::kTypeListZiplist) + rdbString(ziplist({}))));
    CHECK(bad(std::string(1, rdb::kTypeHashZipmap) + rdbString(zipmap({}))));
    CHECK(bad(std::string{rdb::kTypeListQuicklist, 1} + rdbString(ziplist({}))));
    // Quicklist2 container other than plain/packed.
    CHECK(bad(std::string{rdb::kTypeListQuicklist2, 1, 3, 1, 'a'}));
    // Unknown and module types, trailing bytes, lengths past the end.
    CHECK(bad(std::string{6, 1, 'a'}));
    CHECK(bad(std::string{8, 1, 'a'}));
    CHECK(bad(std::string{22, 1, 'a'}));
    CHECK(bad(std::string{rdb::kTypeModule2, 1, 'a'}));
    CHECK(bad(std::string{rdb::kTypeString, 1, 'h', 'i'}));
    CHECK(bad(std::string{rdb::kTypeString, 3, 'h', 'i'}));
    // Huge claimed lengths: refused before any allocation (32- and 64-bit forms, LZF sizes).
    CHECK(bad(std::string{rdb::kTypeList, '\x80', '\x7f', '\xff', '\xff', '\xff', 1, 'a'}));
    CHECK(bad(std::string{rdb::kTypeString, '\x81', '\x7f', '\xff', '\xff', '\xff', '\xff', '\xff',
                          '\xff', '\xff', 'a'}));
    CHECK(bad(
        std::string{rdb::kTypeString, '\xc3', 2, '\x80', '\x7f', '\xff', '\xff', '\xff', 0, 'a'}));
    CHECK(bad(std::string{rdb::kTypeString, '\xc3', 2, 5, 0, 'a'}));  // LZF output too short
    CHECK(bad(std::string{rdb::kTypeString, '\xc4'}));                // no such string encoding
    CHECK(bad(std::string{rdb::kTypeString, '\x82', 0}));             // no such length form
  }

  TEST_CASE("redis-server's stream payloads load: deleted entries, groups, PEL, v1 and v3") {
    // redis-server 7.0.15: XADD x 1-1 f v, 1-2 f w, 2-0 g 1; XGROUP CREATE x g 0; XREADGROUP
    // GROUP g alice COUNT 2 STREAMS x >; XDEL x 1-2; DUMP x (type 19).
    const std::string v2 = unhex(
        "130110000000000000000100000000000000013838000000160002010101010181660200010201000100018176"
        "020401030100010101817702040100010101dfff02010181670201010601ff0202000101010203010167010202"
        "02"
        "0000000000000001000000000000000159158952a2010000010000000000000001000000000000000259158952"
        "a2"
        "010000010105616c69636559158952a20100000200000000000000010000000000000001000000000000000100"
        "00"
        "0000000000020a00c89723469ffa1e7a");
    auto check = [](const Entry* e, bool v1) {
      REQUIRE(e->type() == ValueType::kStream);
      const auto* s = static_cast<const StreamObject*>(e->object());
      CHECK(s->length() == 2);
      CHECK(s->lastId() == StreamID{2, 0});
      CHECK(s->entriesAdded() == (v1 ? 2 : 3));
      CHECK(s->maxDeletedId() == (v1 ? StreamID{} : StreamID{1, 2}));
      CHECK_FALSE(s->contains({1, 2}));
      CHECK(s->contains({1, 1}));
      const ConsumerGroup* g = s->findGroup("g");
      REQUIRE(g != nullptr);
      CHECK(g->lastId == StreamID{1, 2});
      CHECK(g->pel.size() == 2);
      const StreamConsumer* alice = g->findConsumer("alice");
      REQUIRE(alice != nullptr);
      CHECK(alice->pel.size() == 2);
      CHECK(g->pel.at({1, 1}).consumer == alice);
      CHECK(g->pel.at({1, 1}).deliveryCount == 1);
    };
    Keyspace ks;
    REQUIRE(restoreInto(ks, "x", v2) == codec::DecodeStatus::kOk);
    check(ks.find("x"), false);
    CHECK(ks.find("x")->object()->encoding() == Encoding::kStream);
    // Our DUMP of it is redis-server's, byte for byte (the deleted entry kept in its node).
    CHECK(hex(dumpOf(ks, "x")) == hex(v2));
    REQUIRE(restoreInto(ks, "y", dumpOf(ks, "x")) == codec::DecodeStatus::kOk);
    check(ks.find("y"), false);
    const std::string body = v2.substr(0, v2.size() - codec::kFooterSize);
    // 7.2's v3 (21): an active time after each consumer's seen time.
    const size_t alice = body.find("alice");
    REQUIRE(alice != std::string::npos);
    std::string v3 = body;
    v3[0] = static_cast<char>(rdb::kTypeStreamListpacks3);
    v3.insert(alice + 5 + 8, body.substr(alice + 5, 8));
    REQUIRE(restoreInto(ks, "v3", sign(v3)) == codec::DecodeStatus::kOk);
    check(ks.find("v3"), false);
    // 5.0's v1 (15): no first/max-deleted IDs, entries-added or entries-read (estimated).
    std::string v1 = body;
    v1[0] = static_cast<char>(rdb::kTypeStreamListpacks);
    const size_t ids = 1 + 1 + 1 + 16 + 1 + 0x38 + 3;  // type, nodes, key, lp, length, last id
    v1.erase(ids, 5);                      // first id (1, 1), max-deleted (1, 2), entries-added 3
    const size_t group = ids + 1 + 2 + 2;  // groups, name, last id
    v1.erase(group, 1);                    // entries-read
    REQUIRE(restoreInto(ks, "v1", sign(v1)) == codec::DecodeStatus::kOk);
    check(ks.find("v1"), true);
    // Corruptions the checksum cannot see: a consumer owning an entry not in the group PEL, a
    // length that disagrees with the entries, an orphan pending entry.
    std::string orphan = body;
    orphan[orphan.size() - 1 - 16] = 5;  // the consumer's first ID: 1-1 -> 1-5
    CHECK(decodeBody(orphan) == codec::DecodeStatus::kBadFormat);
    std::string length = body;
    length[ids - 3] = 3;
    CHECK(decodeBody(length) == codec::DecodeStatus::kBadFormat);
    std::string unowned = body;
    unowned[unowned.size() - 32 - 1] = 1;  // alice owns one of the two pending entries
    CHECK(decodeBody(unowned.substr(0, unowned.size() - 16)) == codec::DecodeStatus::kBadFormat);
  }

  TEST_CASE("every truncation and every flipped bit is rejected; versions up to 12 accepted") {
    Keyspace ks;
    auto h = std::make_unique<HashObject>();
    h->set("field", "value");
    h->set("other", "x");
    ks.set("h", Value::object(ValueType::kHash, Encoding::kListpack, std::move(h)));
    const std::string payload = dumpOf(ks, "h");
    for (size_t n = 0; n < payload.size(); ++n) {
      Keyspace t;
      CHECK(restoreInto(t, "k", payload.substr(0, n)) != codec::DecodeStatus::kOk);
    }
    for (size_t i = 0; i < payload.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = payload;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        Keyspace t;
        CHECK(restoreInto(t, "k", bad) == codec::DecodeStatus::kBadChecksum);
      }
    }
    const std::string body = payload.substr(0, payload.size() - codec::kFooterSize);
    for (uint16_t version : {1, 9, 11, 12}) {
      Keyspace t;
      CHECK(restoreInto(t, "k", sign(body, version)) == codec::DecodeStatus::kOk);
    }
    for (uint16_t version : {13, 0x5301}) {
      Keyspace t;
      CHECK(restoreInto(t, "k", sign(body, version)) == codec::DecodeStatus::kBadChecksum);
    }
    // Shorter than a footer, or a footer alone: no type byte.
    Keyspace t;
    CHECK(restoreInto(t, "k", std::string(9, '\0')) == codec::DecodeStatus::kBadChecksum);
    CHECK(restoreInto(t, "k", sign("")) == codec::DecodeStatus::kBadFormat);
  }
}
