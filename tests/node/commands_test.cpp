// Command handlers through the in-process Server: requests are executed directly with
// Server::execute() on a client whose replies are read back from its output buffer (no sockets
// are written: the client's fd is one end of a socketpair; tests/node/server_fixture.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/server/acl.h"
#include "node/server/client.h"
#include "node/server/server.h"
#include "tests/node/server_fixture.h"

using strata::node::Client;
using strata::node::Server;

using Fixture = strata::node::testing::ServerFixture;

TEST_SUITE("node.commands") {
  TEST_CASE("SET options and GET") {
    Fixture f;
    CHECK(f.run({"SET", "k", "v"}) == "+OK\r\n");
    CHECK(f.run({"GET", "k"}) == "$1\r\nv\r\n");
    CHECK(f.run({"SET", "k", "w", "NX"}) == "$-1\r\n");
    CHECK(f.run({"SET", "k", "w", "XX", "GET"}) == "$1\r\nv\r\n");
    CHECK(f.run({"SET", "k", "w", "EX", "0"}) == "-ERR invalid expire time in 'set' command\r\n");
    CHECK(f.run({"SET", "k", "w", "EX", "10", "PX", "10"}) == "-ERR syntax error\r\n");
    CHECK(f.run({"SET", "k", "w", "EX", "x"}) ==
          "-ERR value is not an integer or out of range\r\n");
    CHECK(f.run({"GET"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  }

  TEST_CASE("counters and overflow") {
    Fixture f;
    CHECK(f.run({"INCR", "n"}) == ":1\r\n");
    CHECK(f.run({"INCRBY", "n", "9223372036854775806"}) == ":9223372036854775807\r\n");
    CHECK(f.run({"INCR", "n"}) == "-ERR increment or decrement would overflow\r\n");
    CHECK(f.run({"DECRBY", "n", "-9223372036854775808"}) == "-ERR decrement would overflow\r\n");
    CHECK(f.run({"OBJECT", "ENCODING", "n"}) == "$3\r\nint\r\n");
    CHECK(f.run({"SET", "f", "10.5"}) == "+OK\r\n");
    CHECK(f.run({"INCRBYFLOAT", "f", "0.1"}) == "$4\r\n10.6\r\n");
    CHECK(f.run({"INCR", "f"}) == "-ERR value is not an integer or out of range\r\n");
  }

  TEST_CASE("expiry commands") {
    Fixture f;
    f.run({"SET", "k", "v"});
    CHECK(f.run({"TTL", "k"}) == ":-1\r\n");
    CHECK(f.run({"EXPIRE", "k", "100", "XX"}) == ":0\r\n");
    CHECK(f.run({"EXPIRE", "k", "100", "NX"}) == ":1\r\n");
    CHECK(f.run({"TTL", "k"}) == ":100\r\n");
    CHECK(f.run({"EXPIRE", "k", "50", "GT"}) == ":0\r\n");
    CHECK(f.run({"EXPIRE", "k", "100", "NX", "XX"}) ==
          "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    CHECK(f.run({"PERSIST", "k"}) == ":1\r\n");
    CHECK(f.run({"EXPIRE", "k", "-1"}) == ":1\r\n");
    CHECK(f.run({"EXISTS", "k"}) == ":0\r\n");
    CHECK(f.run({"TTL", "k"}) == ":-2\r\n");
  }

  TEST_CASE("unknown commands, auth and RESP3") {
    Fixture f;
    CHECK(f.run({"NOPE", "a"}) ==
          "-ERR unknown command 'NOPE', with args beginning with: 'a' \r\n");
    CHECK(f.run({"CLIENT", "NOPE"}) == "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
    CHECK(f.run({"HELLO", "3"}).rfind("%7\r\n", 0) == 0);
    CHECK(f.run({"GET", "missing"}) == "_\r\n");
    f.server.settings().requirepass = "secret";
    f.server.acl().setDefaultPassword("secret");  // what CONFIG SET requirepass does
    f.clients[0]->setAuthenticated(false);
    CHECK(f.run({"GET", "k"}) == "-NOAUTH Authentication required.\r\n");
    CHECK(f.run({"AUTH", "wrong"}) ==
          "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    CHECK(f.run({"AUTH", "secret"}) == "+OK\r\n");
    CHECK(f.run({"DBSIZE"}) == ":0\r\n");
  }
}
