// Reply aggregators for split and fan-out commands: arrayElements on flat, nested, bulk, null and
// truncated arrays; aggregateSum, aggregateAllOk, aggregateConcatArrays (RESP2 `*` and RESP3
// `~`), aggregateFirstNonNull, aggregateFirstReply, aggregateAndIntegers and aggregateKill on
// hand-built parent and child Requests, including error propagation (the first child error in
// creation order wins).
#include "proxy/commands/aggregators.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/request.h"

using namespace strata::proxy;

namespace {

// A parent whose children completed with the given replies, in creation order.
struct Family {
  Request parent;
  std::vector<std::unique_ptr<Request>> kids;

  explicit Family(std::initializer_list<std::string_view> replies) {
    for (std::string_view r : replies) {
      auto child = std::make_unique<Request>();
      child->parent = &parent;
      child->reply.assign(r);
      child->state = Request::State::kDone;
      parent.children.push_back(child.get());
      kids.push_back(std::move(child));
    }
  }

  const std::string& run(Aggregator aggregate) {
    aggregate(parent);
    return parent.reply;
  }
};

std::vector<std::string> elementsOf(std::string_view reply) {
  std::vector<std::string_view> views;
  REQUIRE(arrayElements(reply, views));
  return {views.begin(), views.end()};
}

}  // namespace

TEST_SUITE("proxy.aggregators") {
  TEST_CASE("arrayElements splits an array into its element frames") {
    CHECK(elementsOf("*3\r\n:1\r\n$3\r\nfoo\r\n+OK\r\n") ==
          std::vector<std::string>{":1\r\n", "$3\r\nfoo\r\n", "+OK\r\n"});
    CHECK(elementsOf("*0\r\n").empty());
  }

  TEST_CASE("arrayElements keeps nested aggregates, nulls and binary bulks whole") {
    const std::string binary("$4\r\na\r\nb\r\n", 10);  // a bulk that contains CRLF
    const std::string reply =
        "*5\r\n*2\r\n$1\r\na\r\n*1\r\n:7\r\n$-1\r\n" + binary + "%1\r\n+k\r\n+v\r\n_\r\n";
    CHECK(elementsOf(reply) == std::vector<std::string>{"*2\r\n$1\r\na\r\n*1\r\n:7\r\n", "$-1\r\n",
                                                        binary, "%1\r\n+k\r\n+v\r\n", "_\r\n"});
  }

  TEST_CASE("arrayElements accepts RESP3 sets") {
    CHECK(elementsOf("~2\r\n$1\r\na\r\n$1\r\nb\r\n") ==
          std::vector<std::string>{"$1\r\na\r\n", "$1\r\nb\r\n"});
  }

  TEST_CASE("arrayElements: a null array has no elements") {
    std::vector<std::string_view> out{"stale"};
    CHECK(arrayElements("*-1\r\n", out));
    CHECK(out.empty());
  }

  TEST_CASE("arrayElements rejects non-arrays and broken arrays") {
    std::vector<std::string_view> out;
    for (std::string_view bad :
         {"", "*", "*1\r", ":1\r\n", "$3\r\nfoo\r\n", "-ERR x\r\n", "%1\r\n+a\r\n", "_\r\n",
          "*-2\r\n", "*x\r\n", "*2\r\n:1\r\n", "*1\r\n$5\r\nab\r\n", "*1\r\n?\r\n"}) {
      CAPTURE(bad);
      out.assign({"stale"});
      CHECK_FALSE(arrayElements(bad, out));
    }
  }

  TEST_CASE("aggregateSum adds integer replies") {
    Family f{":3\r\n", ":0\r\n", ":39\r\n"};
    CHECK(f.run(aggregateSum) == ":42\r\n");
    Family negative{":-5\r\n", ":2\r\n"};
    CHECK(negative.run(aggregateSum) == ":-3\r\n");
    Family big{":4000000000\r\n", ":4000000000\r\n"};
    CHECK(big.run(aggregateSum) == ":8000000000\r\n");
    Family none{};
    CHECK(none.run(aggregateSum) == ":0\r\n");
  }

  TEST_CASE("aggregateSum returns the first child error") {
    Family f{":1\r\n", "-MOVED 3999 127.0.0.1:6381\r\n", "-ERR second\r\n"};
    CHECK(f.run(aggregateSum) == "-MOVED 3999 127.0.0.1:6381\r\n");
    Family blob{":1\r\n", "!9\r\nERR blob!\r\n"};
    CHECK(blob.run(aggregateSum) == "!9\r\nERR blob!\r\n");
  }

  TEST_CASE("aggregateAllOk") {
    Family ok{"+OK\r\n", "+OK\r\n"};
    CHECK(ok.run(aggregateAllOk) == "+OK\r\n");
    Family err{"+OK\r\n", "-OOM command not allowed\r\n", "+OK\r\n"};
    CHECK(err.run(aggregateAllOk) == "-OOM command not allowed\r\n");
  }

  TEST_CASE("aggregateKill: OK from the master that killed, else its error, else NOTBUSY") {
    constexpr std::string_view kNotBusy = "-NOTBUSY No scripts in execution right now.\r\n";
    constexpr std::string_view kUnkillable =
        "-UNKILLABLE Sorry the script already executed write commands against the dataset.\r\n";
    Family killed{kNotBusy, "+OK\r\n", kNotBusy};
    CHECK(killed.run(aggregateKill) == "+OK\r\n");
    Family unkillable{kNotBusy, kNotBusy, kUnkillable};
    CHECK(unkillable.run(aggregateKill) == kUnkillable);
    Family idle{kNotBusy, kNotBusy};
    CHECK(idle.run(aggregateKill) == kNotBusy);
    Family none{};
    CHECK(none.run(aggregateKill) == kNotBusy);
  }

  TEST_CASE("aggregateUnion keeps every element once, in the order first met") {
    Family f{"*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*0\r\n", "*2\r\n$1\r\nc\r\n$1\r\na\r\n"};
    CHECK(f.run(aggregateUnion) == "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    Family err{"*0\r\n", "-ERR down\r\n"};
    CHECK(err.run(aggregateUnion) == "-ERR down\r\n");
  }

  TEST_CASE("aggregateCountsByName sums each name's count, RESP2 pairs or RESP3 map") {
    Family flat{"*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:0\r\n",
                "*4\r\n$1\r\na\r\n:2\r\n$1\r\nb\r\n:5\r\n"};
    CHECK(flat.run(aggregateCountsByName) == "*4\r\n$1\r\na\r\n:3\r\n$1\r\nb\r\n:5\r\n");
    Family map{"%1\r\n$1\r\na\r\n:1\r\n", "%1\r\n$1\r\na\r\n:4\r\n"};
    CHECK(map.run(aggregateCountsByName) == "%1\r\n$1\r\na\r\n:5\r\n");
    Family none{"*0\r\n", "*0\r\n"};
    CHECK(none.run(aggregateCountsByName) == "*0\r\n");
  }

  TEST_CASE("arrayElements reads a RESP3 map's keys and values in turn") {
    CHECK(elementsOf("%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n") ==
          std::vector<std::string>{"$1\r\na\r\n", ":1\r\n", "$1\r\nb\r\n", ":2\r\n"});
  }

  TEST_CASE("aggregateConcatArrays concatenates in child order") {
    Family f{"*2\r\n$1\r\na\r\n$-1\r\n", "*0\r\n", "*1\r\n$2\r\nbc\r\n"};
    CHECK(f.run(aggregateConcatArrays) == "*3\r\n$1\r\na\r\n$-1\r\n$2\r\nbc\r\n");
  }

  TEST_CASE("aggregateConcatArrays keeps nested elements and skips null arrays") {
    Family f{"*1\r\n*2\r\n:1\r\n:2\r\n", "*-1\r\n", "*1\r\n%1\r\n+k\r\n:3\r\n"};
    CHECK(f.run(aggregateConcatArrays) == "*2\r\n*2\r\n:1\r\n:2\r\n%1\r\n+k\r\n:3\r\n");
  }

  TEST_CASE("aggregateConcatArrays answers a RESP3 set when the children do") {
    Family f{"~1\r\n$1\r\na\r\n", "~2\r\n$1\r\nb\r\n$1\r\nc\r\n"};
    CHECK(f.run(aggregateConcatArrays) == "~3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  }

  TEST_CASE("aggregateConcatArrays of no elements is an empty array") {
    Family f{"*0\r\n", "*0\r\n"};
    CHECK(f.run(aggregateConcatArrays) == "*0\r\n");
  }

  TEST_CASE("aggregateConcatArrays returns the first child error") {
    Family f{"*1\r\n:1\r\n", "-TRYAGAIN Multiple keys request during rehashing of slot\r\n",
             "-ERR later\r\n"};
    CHECK(f.run(aggregateConcatArrays) ==
          "-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
  }

  TEST_CASE("aggregateFirstNonNull picks the first non-null reply") {
    Family f{"$-1\r\n", "_\r\n", "$3\r\nkey\r\n", "$4\r\nkey2\r\n"};
    CHECK(f.run(aggregateFirstNonNull) == "$3\r\nkey\r\n");
  }

  TEST_CASE("aggregateFirstNonNull: all null answers the first child's null") {
    Family resp2{"$-1\r\n", "$-1\r\n"};
    CHECK(resp2.run(aggregateFirstNonNull) == "$-1\r\n");
    Family resp3{"_\r\n", "_\r\n"};
    CHECK(resp3.run(aggregateFirstNonNull) == "_\r\n");
    Family none{};
    CHECK(none.run(aggregateFirstNonNull) == "$-1\r\n");
  }

  TEST_CASE("aggregateFirstNonNull: a value beats an error, an error beats nulls") {
    // RANDOMKEY: a master that failed does not hide the key another one returned.
    Family value{"-CLUSTERDOWN The cluster is down\r\n", "$1\r\nk\r\n"};
    CHECK(value.run(aggregateFirstNonNull) == "$1\r\nk\r\n");
    Family errors{"$-1\r\n", "-ERR first\r\n", "-ERR second\r\n"};
    CHECK(errors.run(aggregateFirstNonNull) == "-ERR first\r\n");
  }

  TEST_CASE("aggregateFirstReply returns the first child's reply") {
    Family f{"$40\r\n0123456789012345678901234567890123456789\r\n",
             "$40\r\n0123456789012345678901234567890123456789\r\n"};
    CHECK(f.run(aggregateFirstReply) == "$40\r\n0123456789012345678901234567890123456789\r\n");
    Family err{"$1\r\nx\r\n", "-NOSCRIPT No matching script\r\n"};
    CHECK(err.run(aggregateFirstReply) == "-NOSCRIPT No matching script\r\n");
    Family none{};
    CHECK(none.run(aggregateFirstReply) == "$-1\r\n");
  }

  TEST_CASE("aggregateAndIntegers: 1 only where every child says 1") {
    Family f{"*3\r\n:1\r\n:1\r\n:0\r\n", "*3\r\n:1\r\n:0\r\n:1\r\n", "*3\r\n:1\r\n:1\r\n:1\r\n"};
    CHECK(f.run(aggregateAndIntegers) == "*3\r\n:1\r\n:0\r\n:0\r\n");
    Family all{"*2\r\n:1\r\n:1\r\n", "*2\r\n:1\r\n:1\r\n"};
    CHECK(all.run(aggregateAndIntegers) == "*2\r\n:1\r\n:1\r\n");
  }

  TEST_CASE("aggregateAndIntegers: non-integer elements count as 0") {
    Family f{"*2\r\n:1\r\n$1\r\n1\r\n", "*2\r\n:1\r\n:1\r\n"};
    CHECK(f.run(aggregateAndIntegers) == "*2\r\n:1\r\n:0\r\n");
  }

  TEST_CASE("aggregateAndIntegers: empty and error cases") {
    Family none{};
    CHECK(none.run(aggregateAndIntegers) == "*0\r\n");
    Family err{"*1\r\n:1\r\n", "-ERR script kill\r\n"};
    CHECK(err.run(aggregateAndIntegers) == "-ERR script kill\r\n");
  }

  TEST_CASE("firstError finds the first error child in creation order") {
    Family f{"+OK\r\n", "", "-ERR a\r\n", "!5\r\nERR b\r\n"};
    const Request* e = firstError(f.parent);
    REQUIRE(e != nullptr);
    CHECK(e == f.kids[2].get());
    Family ok{"+OK\r\n", ":1\r\n"};
    CHECK(firstError(ok.parent) == nullptr);
  }

  TEST_CASE("aggregators replace a stale parent reply") {
    Family f{":1\r\n", ":2\r\n"};
    f.parent.reply = "stale bytes";
    CHECK(f.run(aggregateSum) == ":3\r\n");
    Family g{"*1\r\n:1\r\n"};
    g.parent.reply = "stale";
    CHECK(g.run(aggregateConcatArrays) == "*1\r\n:1\r\n");
  }
}
