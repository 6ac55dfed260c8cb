// Hashes, sets and lists: the container objects' encodings and byte accounting, and the command
// families through the in-process Server (replies byte-exact with Redis 7.0, WRONGTYPE across
// types, RESP3 maps/sets, blocking pops woken by a push from another client, FIFO).
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "node/keyspace/containers.h"
#include "node/server/client.h"
#include "node/server/server.h"
#include "node/settings_schema.h"
#include "tests/node/server_fixture.h"

using strata::node::Client;
using strata::node::Encoding;
using strata::node::HashObject;
using strata::node::ListObject;
using strata::node::Server;
using strata::node::SetObject;

namespace {

using Fixture = strata::node::testing::ServerFixture;

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

}  // namespace

TEST_SUITE("node.containers") {
  TEST_CASE("hash encoding turns hashtable past 512 fields or a 65-byte value, for good") {
    HashObject h;
    CHECK(h.encoding() == Encoding::kListpack);
    for (int i = 0; i < 512; ++i) h.set("f" + std::to_string(i), "v");
    CHECK(h.encoding() == Encoding::kListpack);
    h.set("one-more", "v");
    CHECK(h.encoding() == Encoding::kHashtable);
    h.erase("one-more");
    CHECK(h.encoding() == Encoding::kHashtable);
    HashObject g;
    g.noteArgLength(65);
    CHECK(g.encoding() == Encoding::kHashtable);
  }

  TEST_CASE("set encoding: intset while all canonical ints and <= 512") {
    SetObject s;
    s.startWith("1");
    for (int i = 0; i < 512; ++i) s.add(std::to_string(i));
    CHECK(s.encoding() == Encoding::kIntset);
    s.add("512");
    CHECK(s.encoding() == Encoding::kHashtable);
    SetObject t;
    t.startWith("01");
    CHECK(t.encoding() == Encoding::kHashtable);
  }

  TEST_CASE("memory usage follows the payload") {
    ListObject l;
    size_t empty = l.memoryUsage();
    l.push(std::string(1000, 'x'), true);
    CHECK(l.memoryUsage() >= empty + 1000);
    l.pop(false);
    CHECK(l.memoryUsage() == empty);
    auto copy = l.clone();
    CHECK(copy->encoding() == Encoding::kQuicklist);
  }

  TEST_CASE("hash commands") {
    Fixture f;
    CHECK(f.run({"HSET", "h", "a", "1", "b", "2"}) == ":2\r\n");
    CHECK(f.run({"HSET", "h", "a"}) == "-ERR wrong number of arguments for 'hset' command\r\n");
    CHECK(f.run({"HGET", "h", "a"}) == "$1\r\n1\r\n");
    CHECK(f.run({"HINCRBY", "h", "a", "x"}) == "-ERR value is not an integer or out of range\r\n");
    CHECK(f.run({"HINCRBY", "h", "a", "41"}) == ":42\r\n");
    CHECK(f.run({"HINCRBYFLOAT", "h", "b", "0.5"}) == "$3\r\n2.5\r\n");
    CHECK(f.run({"HINCRBY", "h", "b", "1"}) == "-ERR hash value is not an integer\r\n");
    CHECK(f.run({"HLEN", "h"}) == ":2\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "h"}) == "$8\r\nlistpack\r\n");
    CHECK(f.run({"HDEL", "h", "a", "b", "c"}) == ":2\r\n");
    CHECK(f.run({"EXISTS", "h"}) == ":0\r\n");
    f.run({"HELLO", "3"});
    CHECK(f.run({"HSET", "h", "a", "1"}) == ":1\r\n");
    CHECK(f.run({"HGETALL", "h"}) == "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
    CHECK(f.run({"HGETALL", "nosuch"}) == "%0\r\n");
  }

  TEST_CASE("set commands") {
    Fixture f;
    CHECK(f.run({"SADD", "s", "1", "2", "2"}) == ":2\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "s"}) == "$6\r\nintset\r\n");
    CHECK(f.run({"SADD", "t", "2", "x"}) == ":2\r\n");
    CHECK(f.run({"SINTER", "s", "t"}) == "*1\r\n$1\r\n2\r\n");
    CHECK(f.run({"SINTERCARD", "0", "s"}) == "-ERR numkeys should be greater than 0\r\n");
    CHECK(f.run({"SINTERCARD", "2", "s", "t", "LIMIT", "-1"}) ==
          "-ERR LIMIT can't be negative\r\n");
    CHECK(f.run({"SDIFFSTORE", "d", "s", "t"}) == ":1\r\n");
    CHECK(f.run({"SMEMBERS", "d"}) == "*1\r\n$1\r\n1\r\n");
    CHECK(f.run({"SMOVE", "d", "t", "1"}) == ":1\r\n");
    CHECK(f.run({"EXISTS", "d"}) == ":0\r\n");
    CHECK(f.run({"SPOP", "s", "-1"}) == "-ERR value is out of range, must be positive\r\n");
    f.run({"HELLO", "3"});
    CHECK(f.run({"SMEMBERS", "nosuch"}) == "~0\r\n");
  }

  TEST_CASE("list commands") {
    Fixture f;
    CHECK(f.run({"RPUSH", "l", "a", "b", "c", "b"}) == ":4\r\n");
    CHECK(f.run({"LRANGE", "l", "1", "-2"}) == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    CHECK(f.run({"LPOS", "l", "b", "RANK", "-1"}) == ":3\r\n");
    CHECK(f.run({"LPOS", "l", "b", "COUNT", "0"}) == "*2\r\n:1\r\n:3\r\n");
    CHECK(f.run({"LINSERT", "l", "BEFORE", "c", "x"}) == ":5\r\n");
    CHECK(f.run({"LREM", "l", "-1", "b"}) == ":1\r\n");
    CHECK(f.run({"LSET", "l", "9", "z"}) == "-ERR index out of range\r\n");
    CHECK(f.run({"LMOVE", "l", "m", "LEFT", "RIGHT"}) == "$1\r\na\r\n");
    CHECK(f.run({"LMPOP", "2", "none", "l", "RIGHT", "COUNT", "2"}) ==
          "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nx\r\n");
    CHECK(f.run({"LTRIM", "l", "5", "1"}) == "+OK\r\n");
    CHECK(f.run({"EXISTS", "l"}) == ":0\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "m"}) == "$9\r\nquicklist\r\n");
  }

  TEST_CASE("WRONGTYPE across every family") {
    Fixture f;
    f.run({"SET", "str", "v"});
    f.run({"RPUSH", "list", "v"});
    CHECK(f.run({"HGET", "str", "f"}) == kWrongType);
    CHECK(f.run({"SADD", "list", "m"}) == kWrongType);
    CHECK(f.run({"LPUSH", "str", "x"}) == kWrongType);
    CHECK(f.run({"GET", "list"}) == kWrongType);
    CHECK(f.run({"SUNION", "nosuch", "list"}) == kWrongType);
    CHECK(f.run({"BLPOP", "str", "0"}) == kWrongType);
    CHECK(f.run({"TYPE", "list"}) == "+list\r\n");
  }

  TEST_CASE("blocking pops: served by a later push, FIFO, timeout errors") {
    Fixture f;
    f.addClient();
    f.addClient();
    CHECK(f.run({"BLPOP", "q", "x"}) == "-ERR timeout is not a float or out of range\r\n");
    CHECK(f.run({"BLPOP", "q", "-1"}) == "-ERR timeout is negative\r\n");
    CHECK(f.run({"BLPOP", "q", "0"}, 0).empty());
    CHECK(f.run({"BRPOP", "other", "q", "0"}, 1).empty());
    CHECK(f.server.blockedClients() == 2);
    CHECK(f.run({"INFO", "clients"}, 2).find("blocked_clients:2\r\n") != std::string::npos);
    CHECK(f.run({"RPUSH", "q", "a"}, 2) == ":1\r\n");
    // The first blocked client is served; the second keeps waiting.
    CHECK(f.clients[0]->out() == "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    CHECK(f.clients[1]->out().empty());
    CHECK(f.run({"RPUSH", "q", "b", "c"}, 2) == ":2\r\n");
    CHECK(f.clients[1]->out() == "*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
    CHECK(f.server.blockedClients() == 0);
    CHECK(f.run({"LRANGE", "q", "0", "-1"}) == "*1\r\n$1\r\nb\r\n");
    // BLMOVE into a key another client waits on: both are served in the same round.
    f.run({"DEL", "q"});
    CHECK(f.run({"BLPOP", "dst", "0"}, 1).empty());
    CHECK(f.run({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}, 0).empty());
    CHECK(f.run({"LPUSH", "src", "v"}, 2) == ":1\r\n");
    CHECK(f.clients[0]->out() == "$1\r\nv\r\n");
    CHECK(f.clients[1]->out() == "*2\r\n$3\r\ndst\r\n$1\r\nv\r\n");
    CHECK(f.run({"EXISTS", "src", "dst"}, 2) == ":0\r\n");
    // A list renamed onto a key a client waits on serves it too (Redis's dbAdd signal).
    CHECK(f.run({"BRPOP", "target", "0"}, 0).empty());
    f.run({"RPUSH", "tmp", "x", "y"}, 2);
    CHECK(f.run({"RENAME", "tmp", "target"}, 2) == "+OK\r\n");
    CHECK(f.clients[0]->out() == "*2\r\n$6\r\ntarget\r\n$1\r\ny\r\n");
  }
}
