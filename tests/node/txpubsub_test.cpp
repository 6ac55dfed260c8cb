// Transactions, pub/sub fan-out, CLIENT REPLY and the slow log through the in-process Server:
// requests run with Server::execute() on clients whose replies are read back from their output
// buffers (each client's fd is one end of a socketpair; nothing is flushed). Byte-exact checks of
// the encodings (message/pmessage/smessage in RESP2 and RESP3), of the state the features keep
// (registries emptied by RESET and by closing), and of the slow log's argument truncation.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/server/client.h"
#include "node/server/server.h"
#include "tests/node/server_fixture.h"

using strata::node::Client;
using strata::node::Server;

// request() returns everything the client received since the last call.
using Fixture = strata::node::testing::ServerFixture;

TEST_SUITE("node.txpubsub") {
  TEST_CASE("MULTI queues, EXEC answers each command, WATCH aborts with a null array") {
    Fixture f;
    Client& a = f.conn(0);
    Client& b = f.conn(1);
    CHECK(f.request(a, {"MULTI"}) == "+OK\r\n");
    CHECK(f.request(a, {"SET", "k", "x"}) == "+QUEUED\r\n");
    CHECK(f.request(a, {"INCR", "k"}) == "+QUEUED\r\n");
    CHECK(a.session.queued.size() == 2);
    CHECK(f.request(a, {"EXEC"}) ==
          "*2\r\n+OK\r\n-ERR value is not an integer or out of range\r\n");
    CHECK_FALSE(a.session.multi);
    CHECK_FALSE(f.server.inExec());

    CHECK(f.request(a, {"WATCH", "k"}) == "+OK\r\n");
    CHECK(f.server.txps().watched.size() == 1);
    CHECK(f.request(b, {"SET", "k", "y"}) == "+OK\r\n");
    CHECK(a.session.dirtyCas);
    f.request(a, {"HELLO", "3"});
    CHECK(f.request(a, {"MULTI"}) == "+OK\r\n");
    CHECK(f.request(a, {"EXEC"}) == "_\r\n");
    CHECK(f.server.txps().watched.empty());
  }

  TEST_CASE("a flush touches only the watched keys that exist") {
    Fixture f;
    Client& a = f.conn(0);
    Client& b = f.conn(1);
    f.request(b, {"SET", "there", "1"});
    f.request(a, {"WATCH", "absent"});
    f.request(b, {"FLUSHALL"});
    CHECK_FALSE(a.session.dirtyCas);
    f.request(b, {"SET", "there", "1"});
    f.request(a, {"WATCH", "there"});
    f.request(b, {"FLUSHDB"});
    CHECK(a.session.dirtyCas);
  }

  TEST_CASE("PUBLISH encodes once and appends per protocol") {
    Fixture f;
    Client& r2 = f.conn(0);
    Client& r3 = f.conn(1);
    Client& pub = f.conn(2);
    f.request(r3, {"HELLO", "3"});
    CHECK(f.request(r2, {"SUBSCRIBE", "ch"}) == "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    CHECK(f.request(r3, {"PSUBSCRIBE", "c*"}) == ">3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:1\r\n");
    CHECK(f.request(pub, {"PUBLISH", "ch", "hi"}) == ":2\r\n");
    CHECK(Fixture::take(r2) == "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    CHECK(Fixture::take(r3) == ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    CHECK(f.request(r3, {"SSUBSCRIBE", "s"}) == ">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
    CHECK(f.server.publishLocal("s", "m", true) == 1);
    CHECK(Fixture::take(r3) == ">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n");
    CHECK(f.server.publishLocal("s", "m", false) == 0);
    // The RESP2 subscriber context.
    CHECK(f.request(r2, {"GET", "k"}) ==
          "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
          "RESET are allowed in this context\r\n");
    CHECK(f.request(r2, {"PING"}) == "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    // RESET and close leave no trace in the registries.
    CHECK(f.request(r2, {"RESET"}) == "+RESET\r\n");
    CHECK(f.server.txps().channels.empty());
    f.disconnect(1);
    CHECK(f.server.txps().patterns.empty());
    CHECK(f.server.txps().shardChannels.empty());
    CHECK(f.request(pub, {"PUBLISH", "ch", "x"}) == ":0\r\n");
  }

  TEST_CASE("CLIENT REPLY OFF drops replies but keeps pushes") {
    Fixture f;
    Client& a = f.conn(0);
    CHECK(f.request(a, {"CLIENT", "REPLY", "OFF"}).empty());
    CHECK(f.request(a, {"SET", "k", "v"}).empty());
    f.request(a, {"HELLO", "3"});
    CHECK(f.request(a, {"SUBSCRIBE", "me"}) == ">3\r\n$9\r\nsubscribe\r\n$2\r\nme\r\n:1\r\n");
    // Self-publish: the push stays, the integer reply goes.
    CHECK(f.request(a, {"PUBLISH", "me", "x"}) == ">3\r\n$7\r\nmessage\r\n$2\r\nme\r\n$1\r\nx\r\n");
    CHECK(f.request(a, {"CLIENT", "REPLY", "ON"}) == "+OK\r\n");
    CHECK(f.request(a, {"CLIENT", "REPLY", "SKIP"}).empty());
    CHECK(f.request(a, {"ECHO", "1"}).empty());
    CHECK(f.request(a, {"ECHO", "2"}) == "$1\r\n2\r\n");
  }

  TEST_CASE("slow log: threshold, truncation, max length") {
    Fixture f;
    Client& a = f.conn(0);
    f.request(a, {"PING"});
    CHECK(f.server.txps().slowlog.empty());  // 10 ms threshold: nothing is that slow here
    f.server.settings().slowlogLogSlowerThan = 0;
    std::vector<std::string> big = {"RPUSH", "l"};
    for (int i = 0; i < 40; ++i) big.push_back(std::to_string(i));
    f.request(a, big);
    f.request(a, {"SET", "k", std::string(200, 'x')});
    f.request(a, {"EXEC"});  // skip_slowlog
    const auto& log = f.server.txps().slowlog;
    REQUIRE(log.size() == 2);
    CHECK(log[0].argv[2] == std::string(128, 'x') + "... (72 more bytes)");
    CHECK(log[1].argv.size() == 32);
    CHECK(log[1].argv[31] == "... (11 more arguments)");
    CHECK(log[0].id == log[1].id + 1);
    CHECK(log[0].peer == "test:1");
    f.server.settings().slowlogMaxLen = 1;
    f.request(a, {"PING"});
    CHECK(log.size() == 1);
    CHECK(log[0].argv == std::vector<std::string>{"PING"});
  }

  TEST_CASE("OBJECT REFCOUNT: a COPY holds a private integer") {
    Fixture f;
    Client& a = f.conn(0);
    f.request(a, {"SET", "a", "5"});
    CHECK(f.request(a, {"OBJECT", "REFCOUNT", "a"}) == ":2147483647\r\n");
    f.request(a, {"COPY", "a", "b"});
    CHECK(f.request(a, {"OBJECT", "REFCOUNT", "b"}) == ":1\r\n");
    f.request(a, {"RENAME", "b", "c"});
    CHECK(f.request(a, {"OBJECT", "REFCOUNT", "c"}) == ":1\r\n");
    f.request(a, {"SET", "c", "6"});
    CHECK(f.request(a, {"OBJECT", "REFCOUNT", "c"}) == ":2147483647\r\n");
  }
}
