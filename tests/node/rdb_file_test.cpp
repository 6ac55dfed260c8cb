// The whole RDB file (node/persistence/rdb_file.h): a keyspace of every type, with TTLs and a
// function library, saved and loaded back (compressed or not); keys already expired dropped by a
// master and kept by a replica; every truncation of a file refused with an offset inside it; a
// flipped byte caught by the CRC64 (and not when the file's CRC is 0 or rdbchecksum is off);
// versions 1..12 accepted and 13 refused; keys of another database, module AUX data, 7.0 RC
// functions and duplicated keys refused; each key's record is DUMP's object with the key after
// the type byte.
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
#include "node/persistence/rdb_file.h"

using namespace strata::node;
namespace rdb = strata::node::rdb;

namespace {

constexpr Millis kNow = 1'800'000'000'000;
const std::string kLibrary =
    "#!lua name=mylib\nredis.register_function('f', function(keys, args) return 1 end)";

void fill(Keyspace& ks) {
  ks.setNow(kNow);
  ks.set("str", Value::string("hello"));
  ks.set("int", Value::string("-1234567"));
  ks.set("long", Value::string(std::string(5000, 'x') + "tail"));
  auto list = std::make_unique<ListObject>();
  for (int i = 0; i < 2000; ++i) list->push("item" + std::to_string(i), false);
  ks.set("list", Value::object(ValueType::kList, Encoding::kQuicklist, std::move(list)));
  auto ints = std::make_unique<SetObject>();
  ints->startWith("1");
  for (int i = 2; i < 50; ++i) ints->add(std::to_string(i * 7));
  ks.set("intset", Value::object(ValueType::kSet, Encoding::kIntset, std::move(ints)));
  auto words = std::make_unique<SetObject>();
  words->startWith("a");
  for (int i = 0; i < 700; ++i) words->add("m" + std::to_string(i));
  ks.set("set", Value::object(ValueType::kSet, Encoding::kHashtable, std::move(words)));
  auto h = std::make_unique<HashObject>();
  h->set("f1", "v1");
  h->set("f2", "");
  ks.set("hash", Value::object(ValueType::kHash, Encoding::kListpack, std::move(h)));
  auto big = std::make_unique<HashObject>();
  for (int i = 0; i < 600; ++i) big->set("f" + std::to_string(i), std::to_string(i));
  ks.set("bighash", Value::object(ValueType::kHash, Encoding::kHashtable, std::move(big)));
  Entry* e = ks.find("str");
  ks.setExpireAt(e, kNow + 60'000);
}

// A value's contents, independent of hash-table order.
std::string contents(const Entry& e) {
  if (e.type() == ValueType::kSet) {
    auto v = static_cast<const SetObject*>(e.object())->list();
    std::sort(v.begin(), v.end());
    std::string out;
    for (auto& m : v) out += m + ",";
    return out;
  }
  if (e.type() == ValueType::kHash) {
    std::map<std::string, std::string> m;
    static_cast<const HashObject*>(e.object())
        ->forEach([&](std::string_view f, std::string_view v) { m.emplace(f, v); });
    std::string out;
    for (auto& [f, v] : m) out += f + "=" + v + ",";
    return out;
  }
  std::string payload;
  codec::encode(e, payload);
  return payload;
}

std::string saveToString(const Keyspace& ks, bool compress = true, bool checksum = true) {
  rdb::FileSaveOptions o;
  o.compress = compress;
  o.checksum = checksum;
  o.redisVersion = "7.0.15";
  o.ctimeSec = kNow / 1000;
  o.replId = std::string(40, 'a');
  o.forEachLibrary = [](const std::function<void(std::string_view)>& fn) { fn(kLibrary); };
  std::string file;
  REQUIRE(rdb::saveFile(ks, o, [&](std::string_view chunk) {
    file.append(chunk);
    return true;
  }));
  return file;
}

rdb::FileLoadResult loadInto(Keyspace& ks, std::string_view file, bool dropExpired = true,
                             bool verify = true, std::vector<std::string>* libs = nullptr) {
  ks.setNow(kNow);
  rdb::FileLoadOptions o;
  o.dropExpired = dropExpired;
  o.verifyChecksum = verify;
  o.loadLibrary = [libs](std::string_view code, std::string&) {
    if (libs != nullptr) libs->emplace_back(code);
    return true;
  };
  return rdb::loadFile(file, ks, o);
}

// "REDIS0010" + `body` + EOF + a zero CRC (not checked).
std::string handMade(const std::function<void(rdb::Writer&)>& body, std::string version = "0010") {
  std::string file = "REDIS" + version;
  rdb::Writer w(file);
  body(w);
  w.byte(rdb::kOpEof);
  file.append(8, '\0');
  return file;
}

}  // namespace

TEST_SUITE("rdb_file") {
  TEST_CASE("a keyspace of every type round trips through the file") {
    for (bool compress : {true, false}) {
      CAPTURE(compress);
      Keyspace a;
      fill(a);
      const std::string file = saveToString(a, compress);
      CHECK(file.substr(0, 9) == "REDIS0010");
      Keyspace b;
      std::vector<std::string> libs;
      const rdb::FileLoadResult r = loadInto(b, file, true, true, &libs);
      REQUIRE_MESSAGE(r.ok, r.error);
      CHECK(r.version == 10);
      CHECK(r.producer == "7.0.15");
      CHECK(r.keysLoaded == a.size());
      CHECK(r.keysExpired == 0);
      CHECK(libs == std::vector<std::string>{kLibrary});
      CHECK(b.size() == a.size());
      a.forEach([&](const Entry& e) {
        CAPTURE(std::string(e.key()));
        Entry* copy = b.find(e.key());
        REQUIRE(copy != nullptr);
        CHECK(copy->type() == e.type());
        CHECK(contents(*copy) == contents(e));
        CHECK(copy->hasExpire() == e.hasExpire());
        if (e.hasExpire()) CHECK(b.expireAt(copy) == a.expireAt(&e));
      });
    }
  }

  TEST_CASE("each key's record is the type byte, the key, then the DUMP object's body") {
    Keyspace ks;
    fill(ks);
    auto small = std::make_unique<ZSetObject>();
    small->insert("m", 1.5, ZSetLimits{});
    ks.set("zset", Value::object(ValueType::kZSet, Encoding::kListpack, std::move(small)));
    auto big = std::make_unique<ZSetObject>();
    for (int i = 0; i < 300; ++i) big->insert("m" + std::to_string(i), i * 0.5, ZSetLimits{});
    ks.set("bigzset", Value::object(ValueType::kZSet, Encoding::kSkiplist, std::move(big)));
    auto stream = std::make_unique<StreamObject>();
    const std::string_view fv[] = {"field", "value"};
    for (uint64_t i = 1; i <= 3; ++i) stream->append(StreamID{i, 0}, fv, 2);
    ks.set("stream", Value::object(ValueType::kStream, Encoding::kStream, std::move(stream)));
    for (bool compress : {true, false}) {
      CAPTURE(compress);
      const std::string file = saveToString(ks, compress);
      ks.forEach([&](const Entry& e) {
        CAPTURE(std::string(e.key()));
        std::string object, record;
        rdb::Writer objectWriter(object, compress), recordWriter(record, compress);
        rdb::saveObject(e, objectWriter);
        rdb::saveKeyValue(e, recordWriter);
        std::string expected = object.substr(0, 1);
        rdb::Writer(expected, compress).string(e.key());
        expected += object.substr(1);
        CHECK(record == expected);
        CHECK(file.find(record) != std::string::npos);
      });
    }
  }

  TEST_CASE("keys already expired: dropped by a master, kept by a replica") {
    Keyspace a;
    a.setNow(kNow - 10'000);
    a.set("gone", Value::string("x"));
    a.setExpireAt(a.find("gone"), kNow - 1);
    a.set("kept", Value::string("y"));
    const std::string file = saveToString(a);
    Keyspace master;
    rdb::FileLoadResult r = loadInto(master, file, true);
    REQUIRE(r.ok);
    CHECK(r.keysExpired == 1);
    CHECK(master.peek("gone") == nullptr);
    CHECK(master.peek("kept") != nullptr);
    Keyspace replica;
    r = loadInto(replica, file, false);
    REQUIRE(r.ok);
    CHECK(r.keysExpired == 0);
    CHECK(replica.size() == 2);  // the expired key is stored (peek() hides it)
  }

  TEST_CASE("every truncation is refused with an offset inside the file") {
    Keyspace a;
    fill(a);
    const std::string file = saveToString(a);
    for (size_t n = 0; n < file.size(); n += (n < 400 ? 1 : 97)) {
      CAPTURE(n);
      Keyspace b;
      const rdb::FileLoadResult r = loadInto(b, std::string_view(file).substr(0, n));
      CHECK_FALSE(r.ok);
      CHECK(r.offset <= n);
      CHECK_FALSE(r.error.empty());
    }
  }

  TEST_CASE("a flipped byte: the CRC64 catches it unless the CRC is 0 or not verified") {
    Keyspace a;
    a.set("k", Value::string("value-value-value"));
    std::string file = saveToString(a, false);
    const size_t at = file.find("value-value");
    REQUIRE(at != std::string::npos);
    file[at] = 'V';
    Keyspace b;
    rdb::FileLoadResult r = loadInto(b, file);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("Wrong RDB checksum") != std::string::npos);
    CHECK(r.offset == file.size() - 8);
    Keyspace c;
    r = loadInto(c, file, true, false);  // rdbchecksum no
    CHECK(r.ok);
    std::string unchecked = saveToString(a, false, false);
    CHECK(unchecked.substr(unchecked.size() - 8) == std::string(8, '\0'));
    unchecked[unchecked.find("value-value")] = 'V';
    Keyspace d;
    CHECK(loadInto(d, unchecked).ok);
  }

  TEST_CASE("versions 1..12 load, 13 and a bad signature do not") {
    auto body = [](rdb::Writer& w) {
      w.byte(rdb::kOpSelectDb);
      w.len(0);
      w.byte(rdb::kTypeString);
      w.string("k");
      w.string("v");
    };
    for (const char* v : {"0001", "0009", "0010", "0011", "0012"}) {
      CAPTURE(v);
      Keyspace ks;
      const rdb::FileLoadResult r = loadInto(ks, handMade(body, v));
      CHECK_MESSAGE(r.ok, r.error);
      CHECK(ks.peek("k") != nullptr);
    }
    Keyspace ks;
    rdb::FileLoadResult r = loadInto(ks, handMade(body, "0013"));
    CHECK_FALSE(r.ok);
    CHECK(r.error == "Can't handle RDB format version 13");
    std::string bad = handMade(body);
    bad[0] = 'X';
    CHECK_FALSE(loadInto(ks, bad).ok);
  }

  TEST_CASE("keys of another database, module data, 7.0 RC functions, duplicates: refused") {
    Keyspace ks;
    rdb::FileLoadResult r = loadInto(ks, handMade([](rdb::Writer& w) {
                                       w.byte(rdb::kOpSelectDb);
                                       w.len(3);
                                       w.byte(rdb::kTypeString);
                                       w.string("k");
                                       w.string("v");
                                     }));
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("database 3") != std::string::npos);
    // An empty SELECTDB of another database is harmless.
    Keyspace ks2;
    CHECK(loadInto(ks2, handMade([](rdb::Writer& w) {
                     w.byte(rdb::kOpSelectDb);
                     w.len(3);
                     w.byte(rdb::kOpSelectDb);
                     w.len(0);
                   }))
              .ok);
    Keyspace ks3;
    r = loadInto(ks3, handMade([](rdb::Writer& w) {
                   w.byte(rdb::kOpModuleAux);
                   w.len(12345);
                 }));
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("module") != std::string::npos);
    CHECK(r.offset == 9);
    Keyspace ks4;
    r = loadInto(ks4, handMade([](rdb::Writer& w) {
                   w.byte(246);
                   w.string("x");
                 }));
    CHECK_FALSE(r.ok);
    CHECK(r.error == "Pre-release function format not supported.");
    Keyspace ks5;
    r = loadInto(ks5, handMade([](rdb::Writer& w) {
                   for (int i = 0; i < 2; ++i) {
                     w.byte(rdb::kTypeString);
                     w.string("dup");
                     w.string("v");
                   }
                 }));
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("duplicated key 'dup'") != std::string::npos);
  }

  TEST_CASE("replaceExisting (DEBUG RELOAD MERGE): the file's keys replace those already there") {
    Keyspace ks;
    ks.setNow(kNow);
    ks.set("kept", Value::string("mine"));
    ks.set("clash", Value::string("mine"));
    ks.setExpireAt(ks.find("clash"), kNow + 5000);
    const std::string file = handMade([](rdb::Writer& w) {
      w.byte(rdb::kTypeString);
      w.string("clash");
      w.string("theirs");
      w.byte(rdb::kTypeString);
      w.string("new");
      w.string("v");
    });
    rdb::FileLoadResult r = loadInto(ks, file);
    CHECK_FALSE(r.ok);  // without it: a duplicate
    CHECK(r.error.find("duplicated key 'clash'") != std::string::npos);
    rdb::FileLoadOptions o;
    o.replaceExisting = true;
    r = rdb::loadFile(file, ks, o);
    REQUIRE_MESSAGE(r.ok, r.error);
    CHECK(r.keysLoaded == 2);
    CHECK(ks.size() == 3);
    char scratch[24];
    CHECK(ks.find("clash")->stringView(scratch) == "theirs");
    CHECK_FALSE(ks.find("clash")->hasExpire());
    CHECK(ks.find("kept")->stringView(scratch) == "mine");
  }

  TEST_CASE("IDLE and FREQ, EXPIRETIME in seconds, AUX and RESIZEDB are read") {
    Keyspace ks;
    ks.setLruClock(100000);
    const rdb::FileLoadResult r =
        loadInto(ks, handMade([](rdb::Writer& w) {
                   w.byte(rdb::kOpAux);
                   w.string("redis-ver");
                   w.string("6.2.0");
                   w.byte(rdb::kOpResizeDb);
                   w.len(1000000000);
                   w.len(1000000000);
                   w.byte(rdb::kOpIdle);
                   w.len(50);
                   w.byte(rdb::kOpExpireTime);
                   const int32_t secs = static_cast<int32_t>(kNow / 1000 + 100);
                   w.raw(std::string_view(reinterpret_cast<const char*>(&secs), 4));
                   w.byte(rdb::kTypeString);
                   w.string("k");
                   w.string("v");
                 }));
    REQUIRE_MESSAGE(r.ok, r.error);
    CHECK(r.producer == "6.2.0");
    Entry* e = ks.find("k");
    REQUIRE(e != nullptr);
    CHECK(ks.expireAt(e) == (kNow / 1000 + 100) * 1000);
  }
}
