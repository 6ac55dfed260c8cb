// CommandTable: built from a real redis-server 7.0 `COMMAND INFO` reply (fixtures/
// command_info_resp{2,3}.resp, both protocols checked alike): case-insensitive lookup with
// subcommand resolution (object|encoding, xinfo|stream), flags (write, readonly, blocking,
// pubsub, movablekeys, not_key channels), arity, dense ids and the "special" mark, and
// keyPositions for index/keyword begin searches, range/keynum key finding and MIGRATE's
// incomplete KEYS spec. Key positions match redis-server 7.0's `COMMAND GETKEYS`, except shard
// channels (GETKEYS skips not_key specs; the proxy routes SPUBLISH by them). Also: bad numkeys,
// pre-7 replies without key specs, malformed replies.
#include "proxy/command_table.h"

#include <doctest/doctest.h>

#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/proxy/fixtures.h"

// Key positions print as "[1, 3]" in failure messages.
namespace doctest {
template <>
struct StringMaker<std::vector<uint32_t>> {
  static String convert(const std::vector<uint32_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return (s + "]").c_str();
  }
};
}  // namespace doctest

using namespace strata;
using namespace strata::proxy;
using strata::proxy::test::loadReply;
using strata::proxy::test::parseReply;

namespace {

using Args = std::vector<std::string_view>;
using Keys = std::vector<uint32_t>;

std::shared_ptr<CommandTable> tableFrom(const resp::Value& reply) {
  std::string error;
  auto table = CommandTable::fromCommandReply(reply, error);
  REQUIRE_MESSAGE(table != nullptr, error);
  return table;
}

// Both captured protocols; every test case runs once per protocol.
std::shared_ptr<CommandTable> fixtureTable() {
  std::shared_ptr<CommandTable> table;
  SUBCASE("RESP2") {
    table = tableFrom(loadReply("command_info_resp2.resp"));
  }
  SUBCASE("RESP3") {
    table = tableFrom(loadReply("command_info_resp3.resp"));
  }
  REQUIRE(table != nullptr);
  return table;
}

const CommandInfo& mustFind(const CommandTable& table, const Args& args) {
  const CommandInfo* info = table.lookup(args);
  REQUIRE_MESSAGE(info != nullptr, "no command for " << std::string(args.at(0)));
  return *info;
}

// The key positions of `args`, which must fit the command's key specs.
Keys keysOf(const CommandTable& table, const Args& args) {
  const CommandInfo& info = mustFind(table, args);
  Keys out;
  REQUIRE(CommandTable::keyPositions(info, args, out));
  return out;
}

}  // namespace

TEST_SUITE("proxy.command_table") {
  TEST_CASE("every command of the captured COMMAND INFO reply is known") {
    auto table = fixtureTable();
    CHECK(table->size() == 24);
    for (std::string_view name :
         {"get",       "set",    "mget",        "mset",        "del",        "blpop",
          "brpop",     "blmove", "blmpop",      "xread",       "xreadgroup", "eval",
          "evalsha",   "fcall",  "zunionstore", "zinterstore", "sort",       "migrate",
          "georadius", "object", "xinfo",       "spublish",    "ssubscribe", "publish"}) {
      CAPTURE(name);
      const CommandInfo* info = table->lookup({name});
      REQUIRE(info != nullptr);
      CHECK(info->name == name);
    }
  }

  TEST_CASE("raw() keeps the reply for COMMAND to re-serve") {
    const resp::Value reply = loadReply("command_info_resp2.resp");
    auto table = tableFrom(reply);
    CHECK(table->raw().type == resp::Type::kArray);
    CHECK(table->raw().elements.size() == reply.elements.size());
    CHECK(table->raw().elements[0].elements[0].str == "get");
  }

  TEST_CASE("lookup is case-insensitive") {
    auto table = fixtureTable();
    CHECK(table->lookup({"GET", "k"}) == table->lookup({"get", "k"}));
    CHECK(table->lookup({"gEt", "k"})->name == "get");
    CHECK(table->lookup({"BLPOP"})->name == "blpop");
    CHECK(table->lookup({"Object", "EnCoDiNg", "k"})->name == "object|encoding");
  }

  TEST_CASE("unknown or empty commands are not found") {
    auto table = fixtureTable();
    CHECK(table->lookup({"nosuchcommand", "k"}) == nullptr);
    CHECK(table->lookup({"hget", "h", "f"}) == nullptr);  // not in the captured subset
    CHECK(table->lookup({""}) == nullptr);
    CHECK(table->lookup({}) == nullptr);
    const std::string huge(100, 'g');
    CHECK(table->lookup({huge}) == nullptr);
  }

  TEST_CASE("subcommands resolve to container|sub, else to the container") {
    auto table = fixtureTable();
    const CommandInfo& enc = mustFind(*table, {"OBJECT", "ENCODING", "k"});
    CHECK(enc.name == "object|encoding");
    CHECK(enc.arity == 3);
    CHECK(enc.has(kFlagReadonly));
    CHECK(mustFind(*table, {"xinfo", "stream", "s"}).name == "xinfo|stream");
    CHECK(mustFind(*table, {"object"}).name == "object");
    CHECK(mustFind(*table, {"object", "nosuchsub"}).name == "object");
    const CommandInfo& object = mustFind(*table, {"object"});
    CHECK(object.subcommands.count("encoding") == 1);
    CHECK(object.subcommands.count("freq") == 1);
    // A command without subcommands ignores its second argument.
    CHECK(mustFind(*table, {"get", "encoding"}).name == "get");
  }

  TEST_CASE("flags") {
    auto table = fixtureTable();
    auto info = [&](std::string_view name) -> const CommandInfo& {
      return mustFind(*table, {name});
    };
    CHECK(info("get").has(kFlagReadonly));
    CHECK_FALSE(info("get").has(kFlagWrite));
    CHECK_FALSE(info("get").has(kFlagBlocking));
    CHECK(info("set").has(kFlagWrite));
    CHECK_FALSE(info("set").has(kFlagReadonly));
    CHECK(info("blpop").has(kFlagBlocking));
    CHECK(info("blpop").has(kFlagWrite));
    CHECK(info("brpop").has(kFlagBlocking));
    CHECK(info("blmove").has(kFlagBlocking));
    CHECK(info("blmpop").has(kFlagBlocking));
    CHECK(info("blmpop").has(kFlagMovableKeys));
    CHECK(info("xread").has(kFlagBlocking));
    CHECK(info("xread").has(kFlagReadonly));
    CHECK(info("xread").has(kFlagMovableKeys));
    CHECK(info("eval").has(kFlagNoScript));
    CHECK(info("eval").has(kFlagMovableKeys));
    CHECK(info("migrate").has(kFlagMovableKeys));
    CHECK(info("spublish").has(kFlagNotKeyChannel));
    CHECK(info("spublish").has(kFlagPubsub));
    CHECK(info("ssubscribe").has(kFlagNotKeyChannel));
    CHECK(info("publish").has(kFlagPubsub));
    CHECK_FALSE(info("publish").has(kFlagNotKeyChannel));
    CHECK_FALSE(info("get").has(kFlagNotKeyChannel));
    CHECK_FALSE(info("mset").has(kFlagMovableKeys));
  }

  TEST_CASE("ids are dense and unique, subcommands included") {
    auto table = fixtureTable();
    std::vector<const CommandInfo*> all;
    for (std::string_view name : {"get", "object", "xinfo", "eval", "publish"}) {
      const CommandInfo& info = mustFind(*table, {name});
      all.push_back(&info);
      for (const auto& [sub, child] : info.subcommands) all.push_back(&child);
    }
    std::set<uint16_t> ids;
    for (const CommandInfo* info : all) {
      CHECK(info->id >= 1);
      CHECK(info->id <= table->maxId());
      ids.insert(info->id);
    }
    CHECK(ids.size() == all.size());
    // 24 commands, plus OBJECT's 5 and XINFO's 4 subcommands in redis 7.0.
    CHECK(mustFind(*table, {"object"}).subcommands.size() == 5);
    CHECK(mustFind(*table, {"xinfo"}).subcommands.size() == 4);
    CHECK(table->maxId() == 24 + 5 + 4);
  }

  TEST_CASE("commands the proxy handles itself are marked special") {
    auto table = fixtureTable();
    for (std::string_view name : {"mget", "mset", "del", "ssubscribe", "migrate"}) {
      CAPTURE(name);
      CHECK(mustFind(*table, {name}).special);
    }
    for (std::string_view name : {"get", "set", "blpop", "eval", "xread", "spublish", "publish"}) {
      CAPTURE(name);
      CHECK_FALSE(mustFind(*table, {name}).special);
    }
    CHECK_FALSE(mustFind(*table, {"object", "encoding"}).special);  // inherits from OBJECT
  }

  TEST_CASE("arity") {
    auto table = fixtureTable();
    const CommandInfo& get = mustFind(*table, {"get"});
    CHECK(get.arity == 2);
    CHECK(get.arityOk(2));
    CHECK_FALSE(get.arityOk(1));
    CHECK_FALSE(get.arityOk(3));
    const CommandInfo& mset = mustFind(*table, {"mset"});
    CHECK(mset.arity == -3);
    CHECK_FALSE(mset.arityOk(2));
    CHECK(mset.arityOk(3));
    CHECK(mset.arityOk(101));
  }

  TEST_CASE("keyPositions: fixed and ranged keys") {
    auto table = fixtureTable();
    CHECK(keysOf(*table, {"GET", "k"}) == Keys{1});
    CHECK(keysOf(*table, {"SET", "k", "v", "EX", "10"}) == Keys{1});
    CHECK(keysOf(*table, {"MGET", "a", "b", "c"}) == Keys{1, 2, 3});
    CHECK(keysOf(*table, {"MSET", "k", "v", "k2", "v2"}) == Keys{1, 3});
    CHECK(keysOf(*table, {"DEL", "a", "b", "c"}) == Keys{1, 2, 3});
    CHECK(keysOf(*table, {"BLPOP", "a", "b", "0"}) == Keys{1, 2});
    CHECK(keysOf(*table, {"BRPOP", "a", "0"}) == Keys{1});
    CHECK(keysOf(*table, {"BLMOVE", "a", "b", "LEFT", "RIGHT", "0"}) == Keys{1, 2});
    CHECK(keysOf(*table, {"PUBLISH", "ch", "msg"}).empty());
  }

  TEST_CASE("keyPositions: numkeys") {
    auto table = fixtureTable();
    CHECK(keysOf(*table, {"BLMPOP", "0", "2", "a", "b", "LEFT"}) == Keys{3, 4});
    CHECK(keysOf(*table, {"EVAL", "script", "2", "a", "b", "x"}) == Keys{3, 4});
    CHECK(keysOf(*table, {"EVAL", "script", "0"}).empty());
    CHECK(keysOf(*table, {"EVAL", "script", "0", "arg"}).empty());
    CHECK(keysOf(*table, {"EVALSHA", "sha", "1", "k"}) == Keys{3});
    CHECK(keysOf(*table, {"FCALL", "f", "1", "k", "a"}) == Keys{3});
    CHECK(keysOf(*table, {"ZUNIONSTORE", "d", "2", "a", "b"}) == Keys{1, 3, 4});
    CHECK(keysOf(*table, {"ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"}) ==
          Keys{1, 3, 4});
  }

  TEST_CASE("keyPositions: a bad numkeys does not fit the spec") {
    auto table = fixtureTable();
    for (const Args& args :
         {Args{"EVAL", "s", "5", "a"}, Args{"EVAL", "s", "-1"}, Args{"EVAL", "s", "two", "a", "b"},
          Args{"EVAL", "s", "1"}, Args{"ZUNIONSTORE", "d", "3", "a", "b"},
          Args{"BLMPOP", "0", "x", "a", "LEFT"}}) {
      CAPTURE(args.size());
      Keys out;
      CHECK_FALSE(CommandTable::keyPositions(mustFind(*table, args), args, out));
    }
  }

  TEST_CASE("keyPositions: keyword searches") {
    auto table = fixtureTable();
    CHECK(keysOf(*table, {"XREAD", "COUNT", "1", "STREAMS", "s1", "s2", "0", "0"}) == Keys{4, 5});
    CHECK(keysOf(*table, {"xread", "block", "0", "streams", "s", "$"}) == Keys{4});
    CHECK(keysOf(*table, {"XREAD", "STREAMS", "s", "0"}) == Keys{2});
    CHECK(keysOf(*table, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"}) == Keys{5});
    CHECK(keysOf(*table, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "a", "b", ">",
                          ">"}) == Keys{7, 8});
    // GEORADIUS key lon lat radius unit [STORE key] [STOREDIST key]
    CHECK(keysOf(*table, {"GEORADIUS", "src", "0", "0", "10", "km"}) == Keys{1});
    CHECK(keysOf(*table, {"GEORADIUS", "src", "0", "0", "10", "km", "STORE", "d"}) == Keys{1, 7});
    CHECK(keysOf(*table, {"GEORADIUS", "src", "0", "0", "10", "km", "STOREDIST", "d2"}) ==
          Keys{1, 7});
    CHECK(keysOf(*table, {"georadius", "src", "0", "0", "10", "km", "store", "d"}) == Keys{1, 7});
  }

  TEST_CASE("keyPositions: MIGRATE, single key and KEYS forms") {
    auto table = fixtureTable();
    CHECK(keysOf(*table, {"MIGRATE", "h", "p", "key", "0", "5000"}) == Keys{3});
    CHECK(keysOf(*table, {"MIGRATE", "h", "p", "key", "0", "5000", "COPY", "REPLACE"}) == Keys{3});
    CHECK(keysOf(*table, {"MIGRATE", "h", "p", "", "0", "5000", "KEYS", "a", "b"}) == Keys{7, 8});
    CHECK(keysOf(*table, {"MIGRATE", "h", "p", "", "0", "5000", "REPLACE", "AUTH", "pw", "KEYS",
                          "a"}) == Keys{10});
  }

  TEST_CASE("keyPositions: subcommands and incomplete specs") {
    auto table = fixtureTable();
    CHECK(keysOf(*table, {"OBJECT", "ENCODING", "k"}) == Keys{2});
    CHECK(keysOf(*table, {"object", "freq", "k"}) == Keys{2});
    CHECK(keysOf(*table, {"XINFO", "STREAM", "s", "FULL"}) == Keys{2});
    // SORT's BY/GET patterns can't be known from specs: only the sorted key is reported.
    CHECK(keysOf(*table, {"SORT", "k"}) == Keys{1});
    CHECK(keysOf(*table, {"SORT", "k", "BY", "w_*", "LIMIT", "0", "10"}) == Keys{1});
  }

  TEST_CASE("keyPositions: shard channels are reported as the key position") {
    auto table = fixtureTable();
    CHECK(keysOf(*table, {"SPUBLISH", "ch", "msg"}) == Keys{1});
    CHECK(keysOf(*table, {"SSUBSCRIBE", "a", "b"}) == Keys{1, 2});
  }

  TEST_CASE("keyPositions appends to out") {
    auto table = fixtureTable();
    const Args args{"MGET", "a", "b"};
    Keys out{99};
    REQUIRE(CommandTable::keyPositions(mustFind(*table, args), args, out));
    CHECK(out == Keys{99, 1, 2});
  }

  TEST_CASE("a pre-7 reply without key specs falls back to first/last/step") {
    // Redis 6 COMMAND shape: name, arity, flags, first, last, step, acl categories.
    auto table = tableFrom(parseReply(
        "*3\r\n"
        "*7\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
        "*2\r\n+@read\r\n+@string\r\n"
        "*7\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*0\r\n"
        "*7\r\n$6\r\nrename\r\n:3\r\n*1\r\n+write\r\n:1\r\n:2\r\n:1\r\n*0\r\n"));
    CHECK(table->size() == 3);
    CHECK(keysOf(*table, {"GET", "k"}) == Keys{1});
    CHECK(keysOf(*table, {"MSET", "a", "1", "b", "2", "c", "3"}) == Keys{1, 3, 5});
    CHECK(keysOf(*table, {"RENAME", "a", "b"}) == Keys{1, 2});
    CHECK(mustFind(*table, {"mset"}).has(kFlagWrite));
  }

  TEST_CASE("command names are stored in lower case") {
    auto table = tableFrom(
        parseReply("*1\r\n*6\r\n$3\r\nGET\r\n:2\r\n*1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n"));
    CHECK(mustFind(*table, {"get", "k"}).name == "get");
  }

  TEST_CASE("malformed COMMAND replies give nullptr and an error") {
    for (std::string_view bad :
         {"-ERR unknown command\r\n", "*0\r\n", ":1\r\n", "_\r\n", "%1\r\n$3\r\nget\r\n:2\r\n",
          // entries that are null (COMMAND INFO nosuch) or too short
          "*2\r\n*-1\r\n*2\r\n$3\r\nget\r\n:2\r\n"}) {
      CAPTURE(bad);
      std::string error;
      CHECK(CommandTable::fromCommandReply(parseReply(bad), error) == nullptr);
      CHECK_FALSE(error.empty());
    }
  }

  TEST_CASE("unknown commands in COMMAND INFO (null entries) are skipped") {
    auto table = tableFrom(
        parseReply("*2\r\n*-1\r\n*6\r\n$3\r\nget\r\n:2\r\n*1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n"));
    CHECK(table->size() == 1);
    CHECK(table->lookup({"get"}) != nullptr);
  }
}
