// AOF formats and propagation: the multi-part manifest (Redis 7.0's lines, comments, quoting,
// duplicates and non-monotonic incr sequences refused), the replay of AOF bytes (MULTI ... EXEC
// delivered at EXEC, '#' annotations, a truncated tail vs a corrupt middle with its offset, a
// truncated transaction reverted to before MULTI), the RESP encoder, the snapshot writer
// (chunked containers, PEXPIREAT) replayed into a second keyspace, and the Propagator's frames.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/keyspace/keyspace.h"
#include "node/persistence/aof_format.h"
#include "node/persistence/propagation.h"
#include "node/persistence/snapshot.h"

using namespace strata::node;

namespace {

std::string resp(std::initializer_list<std::string_view> argv) {
  std::string out;
  appendRespCommand(out, argv);
  return out;
}

struct Recorder {
  std::vector<std::vector<std::string>> commands;
  AofApply fn() {
    return [this](const std::vector<std::string_view>& argv, std::string&) {
      commands.emplace_back(argv.begin(), argv.end());
      return true;
    };
  }
};

struct Sink : PropagationSink {
  std::string fed;
  int calls = 0;
  void feed(std::string_view bytes) override {
    fed.append(bytes);
    ++calls;
  }
};

}  // namespace

TEST_SUITE("node.aof") {
  TEST_CASE("manifest: Redis 7.0 lines round trip") {
    std::string text =
        "file appendonly.aof.1.base.aof seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n";
    AofManifest m;
    std::string err;
    REQUIRE(AofManifest::parse(text, m, err));
    CHECK(m.hasBase);
    CHECK(m.base.name == "appendonly.aof.1.base.aof");
    REQUIRE(m.incrs.size() == 2);
    CHECK(m.incrs[1].seq == 2);
    CHECK(m.serialize() == text);
    CHECK(aofBaseName("appendonly.aof", 3) == "appendonly.aof.3.base.aof");
    CHECK(aofIncrName("x", 7) == "x.7.incr.aof");
    CHECK(aofManifestName("appendonly.aof") == "appendonly.aof.manifest");
  }

  TEST_CASE("manifest: comments, key order, history, quoted names") {
    std::string text =
        "# a comment\n"
        "seq 4 type h file old.aof\n"
        "file \"my file.aof\" seq 2 type b\n"
        "\n"
        "file a.5.incr.aof seq 5 type i extra ignored\n";
    AofManifest m;
    std::string err;
    REQUIRE(AofManifest::parse(text, m, err));
    CHECK(m.base.name == "my file.aof");
    CHECK(m.history.size() == 1);
    CHECK(m.incrs.size() == 1);
    AofManifest again;
    REQUIRE(AofManifest::parse(m.serialize(), again, err));
    CHECK(again.base.name == "my file.aof");
  }

  TEST_CASE("manifest: a file name with any byte but NUL and '/' round trips") {
    for (int b = 0; b < 256; ++b) {
      const std::string name = "x" + std::string(1, static_cast<char>(b)) + "y.1.base.aof";
      AofManifest m;
      m.hasBase = true;
      m.base = AofManifest::File{name, 1, 'b'};
      const std::string text = m.serialize();
      AofManifest again;
      std::string err;
      const bool parsed = AofManifest::parse(text, again, err);
      if (b == 0 || b == '/') {
        CHECK_MESSAGE(!parsed, text);
      } else {
        REQUIRE_MESSAGE(parsed, (text + err));
        CHECK_MESSAGE(again.base.name == name, text);
      }
    }
    // Names of up to 200 random bytes (the longest allowed: 4 bytes each escaped).
    std::mt19937 rng(7);
    for (int round = 0; round < 500; ++round) {
      std::string name(1 + rng() % 200, ' ');
      for (char& c : name) {
        do {
          c = static_cast<char>(rng() & 0xff);
        } while (c == '\0' || c == '/');
      }
      AofManifest m;
      m.incrs.push_back(AofManifest::File{name, 1, 'i'});
      AofManifest again;
      std::string err;
      REQUIRE_MESSAGE(AofManifest::parse(m.serialize(), again, err), err);
      REQUIRE(again.incrs.size() == 1);
      CHECK(again.incrs[0].name == name);
    }
    // Redis's sdssplitargs escapes, which its manifest reader understands, \a and \b included.
    AofManifest m;
    std::string err;
    REQUIRE(AofManifest::parse("file \"a\\a\\b\\x41\\t'\" seq 1 type b\n", m, err));
    CHECK(m.base.name == "a\a\bA\t'");
  }

  TEST_CASE("manifest: lines the earlier writer produced still load") {
    // Before the writer quoted names with a single quote (as Redis's sdsneedsrepr, it did not),
    // and with \xhh for every control byte.
    const std::string text =
        "file it's.aof.1.base.aof seq 1 type b\n"
        "file \"my file\\\\\\\"\\xc3\\xa9\\x07.aof.1.incr.aof\" seq 1 type i\n"
        "file 'quoted'.aof.2.incr.aof seq 2 type i\n";
    AofManifest m;
    std::string err;
    REQUIRE_MESSAGE(AofManifest::parse(text, m, err), err);
    CHECK(m.base.name == "it's.aof.1.base.aof");
    REQUIRE(m.incrs.size() == 2);
    CHECK(m.incrs[0].name == "my file\\\"\xc3\xa9\x07.aof.1.incr.aof");
    CHECK(m.incrs[1].name == "'quoted'.aof.2.incr.aof");
    // Written again, they are quoted the way both Redis's reader and ours take them.
    CHECK(m.serialize() ==
          "file \"it's.aof.1.base.aof\" seq 1 type b\n"
          "file \"my file\\\\\\\"\\xc3\\xa9\\a.aof.1.incr.aof\" seq 1 type i\n"
          "file \"'quoted'.aof.2.incr.aof\" seq 2 type i\n");
  }

  TEST_CASE("manifest: invalid ones are refused") {
    AofManifest m;
    std::string err;
    CHECK_FALSE(AofManifest::parse("file a seq 1 type b\nfile b seq 2 type b\n", m, err));
    CHECK(err == "Found duplicate base file information");
    CHECK_FALSE(AofManifest::parse("file a seq 2 type i\nfile b seq 1 type i\n", m, err));
    CHECK(err == "Found a non-monotonic sequence number");
    CHECK_FALSE(AofManifest::parse("file a seq 1 type x\n", m, err));
    CHECK_FALSE(AofManifest::parse("file a seq x type i\n", m, err));
    CHECK_FALSE(AofManifest::parse("file a seq 1\n", m, err));
    CHECK_FALSE(AofManifest::parse("file a seq 1 type i", m, err));  // unterminated
    CHECK_FALSE(AofManifest::parse("file \"a seq 1 type i\n", m, err));
    CHECK_FALSE(AofManifest::parse("file ../a seq 1 type i\n", m, err));
    CHECK_FALSE(AofManifest::parse("file \"a\\x00\" seq 1 type i\n", m, err));
    CHECK_FALSE(AofManifest::parse("file \"a\\x2f\" seq 1 type i\n", m, err));
    CHECK_FALSE(AofManifest::parse("file " + std::string(201, 'a') + " seq 1 type i\n", m, err));
    CHECK_FALSE(AofManifest::parse("# only a comment\n", m, err));
    CHECK_FALSE(AofManifest::parse("file " + std::string(2000, 'a') + " seq 1 type i\n", m, err));
  }

  TEST_CASE("replay: commands, annotations, MULTI/EXEC") {
    std::string data = resp({"SET", "a", "1"}) + "#TS:12345\r\n" + resp({"MULTI"}) +
                       resp({"INCR", "a"}) + resp({"SET", "b", std::string_view("x\r\ny", 4)}) +
                       resp({"EXEC"}) + resp({"DEL", "a"});
    Recorder r;
    AofReplayResult res = replayAof(data, r.fn());
    CHECK(res.status == AofReplayResult::Status::kOk);
    CHECK(res.validUpTo == data.size());
    REQUIRE(r.commands.size() == 4);
    CHECK(r.commands[1] == std::vector<std::string>{"INCR", "a"});
    CHECK(r.commands[2][2] == "x\r\ny");
    CHECK(r.commands[3][0] == "DEL");
  }

  TEST_CASE("replay: a truncated tail at every cut point") {
    std::string good = resp({"SET", "k", "v"}) + resp({"RPUSH", "l", "a", "b"});
    std::string last = resp({"SET", "key", "value"});
    for (size_t cut = 1; cut < last.size(); ++cut) {
      Recorder r;
      AofReplayResult res = replayAof(good + last.substr(0, cut), r.fn());
      CHECK(res.status == AofReplayResult::Status::kTruncated);
      CHECK(res.validUpTo == good.size());
      CHECK(r.commands.size() == 2);
    }
  }

  TEST_CASE("replay: a transaction without EXEC reverts to before MULTI") {
    std::string head = resp({"SET", "k", "v"});
    std::string data = head + resp({"MULTI"}) + resp({"INCR", "k"});
    Recorder r;
    AofReplayResult res = replayAof(data, r.fn());
    CHECK(res.status == AofReplayResult::Status::kTruncated);
    CHECK(res.validUpTo == head.size());
    CHECK(r.commands.size() == 1);  // the INCR was never applied
  }

  TEST_CASE("replay: a corrupt middle names its offset") {
    std::string a = resp({"SET", "k", "v"});
    std::string b = resp({"SET", "k2", "v2"});
    std::string c = resp({"DEL", "k"});
    SUBCASE("bad command start") {
      std::string bad = b;
      bad[0] = '!';
      Recorder r;
      AofReplayResult res = replayAof(a + bad + c, r.fn());
      CHECK(res.status == AofReplayResult::Status::kCorrupt);
      CHECK(res.errorOffset == a.size());
      CHECK(r.commands.size() == 1);
    }
    SUBCASE("bad bulk terminator") {
      std::string bad = b;
      bad[bad.size() - 1] = 'x';
      AofReplayResult res = replayAof(a + bad + c, Recorder().fn());
      CHECK(res.status == AofReplayResult::Status::kCorrupt);
      CHECK(res.errorOffset == a.size());
    }
    SUBCASE("zero arguments, EXEC without MULTI") {
      CHECK(replayAof(a + "*0\r\n" + c, Recorder().fn()).status ==
            AofReplayResult::Status::kCorrupt);
      CHECK(replayAof(a + resp({"EXEC"}), Recorder().fn()).errorOffset == a.size());
    }
  }

  TEST_CASE("replay: an apply failure stops with the command's offset") {
    std::string a = resp({"SET", "k", "v"});
    std::string data = a + resp({"NOSUCH", "x"});
    AofReplayResult res = replayAof(data, [](const auto& argv, std::string& err) {
      if (argv[0] == "NOSUCH") {
        err = "Unknown command 'NOSUCH'";
        return false;
      }
      return true;
    });
    CHECK(res.status == AofReplayResult::Status::kApplyFailed);
    CHECK(res.errorOffset == a.size());
    CHECK(res.error == "Unknown command 'NOSUCH'");
  }

  TEST_CASE("snapshot: every type in bounded commands, replayed into an equal keyspace") {
    Keyspace ks;
    ks.setNow(1000);
    ks.set("s", Value::string("hello"));
    ks.set("i", Value::string("42"));
    Entry* e = ks.set("t", Value::string("v"));
    ks.setExpireAt(e, 99999);
    auto list = std::make_unique<ListObject>();
    for (int i = 0; i < 150; ++i) list->push("e" + std::to_string(i), false);
    ks.set("l", Value::object(ValueType::kList, Encoding::kQuicklist, std::move(list)));
    auto set = std::make_unique<SetObject>();
    set->startWith("m0");
    for (int i = 0; i < 70; ++i) set->add("m" + std::to_string(i));
    ks.set("st", Value::object(ValueType::kSet, Encoding::kHashtable, std::move(set)));
    auto hash = std::make_unique<HashObject>();
    for (int i = 0; i < 65; ++i) hash->set("f" + std::to_string(i), "v" + std::to_string(i));
    ks.set("h", Value::object(ValueType::kHash, Encoding::kHashtable, std::move(hash)));

    std::string out;
    int chunks = 0;
    REQUIRE(writeSnapshot(ks, [&](std::string_view c) {
      out.append(c);
      ++chunks;
      return true;
    }));
    CHECK(chunks >= 1);
    Recorder r;
    REQUIRE(replayAof(out, r.fn()).status == AofReplayResult::Status::kOk);
    size_t rpush = 0, sadd = 0, hset = 0, pexpireat = 0, maxArgs = 0;
    std::vector<std::string> listItems;
    for (const auto& c : r.commands) {
      maxArgs = std::max(maxArgs, c.size());
      if (c[0] == "RPUSH") {
        ++rpush;
        listItems.insert(listItems.end(), c.begin() + 2, c.end());
      }
      sadd += c[0] == "SADD";
      hset += c[0] == "HSET";
      if (c[0] == "PEXPIREAT") {
        ++pexpireat;
        CHECK(c[1] == "t");
        CHECK(c[2] == "99999");
      }
    }
    CHECK(rpush == 3);  // 150 items: 64 + 64 + 22
    CHECK(sadd == 2);
    CHECK(hset == 2);
    CHECK(pexpireat == 1);
    CHECK(maxArgs <= 2 + 2 * kSnapshotItemsPerCommand);
    REQUIRE(listItems.size() == 150);
    CHECK(listItems.front() == "e0");
    CHECK(listItems.back() == "e149");
    // A failing output stops the walk.
    CHECK_FALSE(writeSnapshot(ks, [](std::string_view) { return false; }));
  }

  TEST_CASE("propagator: one feed per outermost call, MULTI/EXEC for a transaction") {
    Propagator p;
    Sink sink;
    p.addSink(&sink);
    REQUIRE(p.active());
    // A plain command.
    auto f = p.begin();
    p.add({"SET", "a", "1"});
    p.end(f);
    CHECK(sink.fed == resp({"SET", "a", "1"}));
    CHECK(sink.calls == 1);
    // EXEC with two nested commands: wrapped.
    sink.fed.clear();
    auto outer = p.begin();
    for (const char* k : {"x", "y"}) {
      auto inner = p.begin();
      p.add({"DEL", k});
      p.end(inner);
    }
    p.markTransaction();
    p.end(outer);
    CHECK(sink.fed == resp({"MULTI"}) + resp({"DEL", "x"}) + resp({"DEL", "y"}) + resp({"EXEC"}));
    // An override replaces the command; an override without a change is dropped at end().
    sink.fed.clear();
    f = p.begin();
    p.overrideWith({"LPOP", "q"});
    p.commitOverrides();
    p.end(f);
    CHECK(sink.fed == resp({"LPOP", "q"}));
    sink.fed.clear();
    f = p.begin();
    p.overrideWith({"LPOP", "q"});
    p.end(f);
    CHECK(sink.fed.empty());
    // Suppressed (loading): nothing is recorded.
    p.setSuppressed(true);
    f = p.begin();
    p.add({"SET", "a", "1"});
    p.end(f);
    CHECK(sink.fed.empty());
    p.setSuppressed(false);
    // Outside any call (active expiry in cron): sent at once.
    p.add({"DEL", "expired"});
    CHECK(sink.fed == resp({"DEL", "expired"}));
    p.removeSink(&sink);
    CHECK_FALSE(p.active());
  }
}
