// RequestParser against redis-server 7.0's behaviour: multibulk and inline parsing, sdssplitargs
// quoting, every protocol error text, unauthenticated limits, and the incremental contract
// (chunked input, pipelining, buffer relocation, O(n) on tiny chunks).
#include "common/resp/request_parser.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "common/errors.h"
#include "tests/common/resp/feed.h"

using namespace std::string_literals;
using namespace strata;
using namespace strata::resp;
using strata::resp::test::Args;
using strata::resp::test::feed;
using strata::resp::test::FeedResult;

namespace {

// Parses a single complete input in one call; returns the error text or the args.
struct One {
  ParseStatus status;
  Args args;
  std::string error;
  size_t consumed;
};

One parseOne(std::string_view in, bool authenticated = true, const Limits& limits = {}) {
  RequestParser p(limits);
  p.setAuthenticated(authenticated);
  const ParseStatus st = p.parse(in);
  One r{st, {}, std::string(p.error()), p.consumed()};
  if (st == ParseStatus::kOk) r.args.assign(p.args().begin(), p.args().end());
  return r;
}

std::string errorOf(std::string_view in, bool authenticated = true, const Limits& limits = {}) {
  One r = parseOne(in, authenticated, limits);
  CHECK(r.status == ParseStatus::kError);
  return r.error;
}

// A mixed pipeline: multibulk, binary bulk, empty requests, inline with quotes.
const std::string kPipeline =
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    "*0\r\n"
    "*2\r\n$3\r\nGET\r\n$7\r\na\r\nb\0c\n\r\n"s
    "*-1\r\n"
    "\r\n"
    "PING\r\n"
    "  set   \"a b\\x41\\n\" 'it\\'s'  \n"
    "*1\r\n$0\r\n\r\n";

const std::vector<Args> kPipelineArgs = {
    {"SET", "key", "value"}, {"GET", "a\r\nb\0c\n"s}, {"PING"}, {"set", "a bA\n", "it's"}, {""}};

}  // namespace

TEST_SUITE("common.resp") {
  TEST_CASE("multibulk request: args are views into the input") {
    const std::string in = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    RequestParser p;
    REQUIRE(p.parse(in) == ParseStatus::kOk);
    CHECK(p.consumed() == in.size());
    REQUIRE(p.args().size() == 3);
    CHECK(p.args()[0] == "SET");
    CHECK(p.args()[1] == "key");
    CHECK(p.args()[2] == "value");
    CHECK(p.args()[0].data() == in.data() + 8);  // no copy
    CHECK(p.args()[2].data() == in.data() + 26);
  }

  TEST_CASE("bulk arguments are binary safe") {
    One r = parseOne("*2\r\n$4\r\nECHO\r\n$6\r\n\r\n\0\xff*$\r\n"s);
    REQUIRE(r.status == ParseStatus::kOk);
    CHECK(r.args == Args{"ECHO", "\r\n\0\xff*$"s});
  }

  TEST_CASE("pipelined requests are returned one per call") {
    RequestParser p;
    std::vector<Args> got;
    std::string_view rest = kPipeline;
    for (;;) {
      const ParseStatus st = p.parse(rest);
      REQUIRE(st != ParseStatus::kError);
      if (st == ParseStatus::kOk) got.emplace_back(p.args().begin(), p.args().end());
      rest.remove_prefix(p.consumed());
      if (st == ParseStatus::kIncomplete) break;
    }
    CHECK(got == kPipelineArgs);
    CHECK(rest.empty());
  }

  TEST_CASE("chunked input gives the same requests as whole input, with relocation") {
    const auto whole = feed(kPipeline);
    CHECK(whole.requests == kPipelineArgs);
    CHECK(whole.leftover == 0);
    for (size_t chunk : {1, 2, 3, 5, 7, 16, 64}) {
      CAPTURE(chunk);
      for (bool relocate : {false, true}) {
        const auto r = feed(kPipeline, chunk, relocate);
        CHECK(r.last == ParseStatus::kIncomplete);
        CHECK(r.requests == kPipelineArgs);
        CHECK(r.leftover == 0);
      }
    }
  }

  TEST_CASE("a partial request survives the buffer moving between calls") {
    const std::string full = "*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\n";
    RequestParser p;
    std::string first = full.substr(0, 20);  // ends inside the second bulk
    REQUIRE(p.parse(first) == ParseStatus::kIncomplete);
    CHECK(p.consumed() == 0);
    CHECK(p.bytesWanted() == 11 + 2 - 1);
    std::string second(full);         // a different allocation holding the same bytes plus the rest
    first.assign(first.size(), 'X');  // the old bytes are gone
    REQUIRE(p.parse(second) == ParseStatus::kOk);
    CHECK(p.consumed() == full.size());
    CHECK(p.args()[0] == "ECHO");
    CHECK(p.args()[1] == "hello world");
    CHECK(p.args()[1].data() == second.data() + 19);
  }

  TEST_CASE("empty requests are skipped and consumed") {
    One r = parseOne("*0\r\n*-1\r\n*-7\r\n\r\n\n \t\r\n*1\r\n$4\r\nPING\r\n");
    REQUIRE(r.status == ParseStatus::kOk);
    CHECK(r.args == Args{"PING"});
    CHECK(r.consumed == 35);

    RequestParser p;  // only empty requests: incomplete, but they are consumed
    CHECK(p.parse("*0\r\n\r\n") == ParseStatus::kIncomplete);
    CHECK(p.consumed() == 6);
    CHECK(p.parse("\r\n*1\r\n$4\r\nPI") == ParseStatus::kIncomplete);
    CHECK(p.consumed() == 2);
    CHECK(p.parse("*1\r\n$4\r\nPING\r\n") == ParseStatus::kOk);
    CHECK(p.consumed() == 14);
  }

  TEST_CASE("inline commands follow sdssplitargs") {
    CHECK(parseOne("PING\r\n").args == Args{"PING"});
    CHECK(parseOne("PING\n").args == Args{"PING"});
    CHECK(parseOne("  SET\tkey   value \r\n").args == Args{"SET", "key", "value"});
    CHECK(parseOne("SET \"a b\" 'c d'\r\n").args == Args{"SET", "a b", "c d"});
    CHECK(parseOne("X \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n").args == Args{"X", "\n\r\t\b\a\\\"q"});
    CHECK(parseOne("X \"\\x41\\x7a\\xZZ\\x4\"\n").args == Args{"X",
                                                               "Azx"
                                                               "ZZx4"});
    CHECK(parseOne("X \"\\x00\"\n").args == Args{"X", "\0"s});
    CHECK(parseOne("X 'it\\'s' 'a\\nb'\n").args == Args{"X", "it's", "a\\nb"});
    CHECK(parseOne("X a\"b c\"\n").args == Args{"X", "ab c"});
    CHECK(parseOne("X \"\" ''\n").args == Args{"X", "", ""});
    CHECK(parseOne("X a\vb\n").args == Args{"X", "a\vb"});        // \v does not end a token
    CHECK(parseOne("X \"a\"\v\n").args == Args{"X", "a"});        // ... but is a space after quotes
    CHECK(parseOne("GET a\0b c\r\n"s).args == Args{"GET", "a"});  // a C string: NUL ends the line
    CHECK(parseOne("GET a\rb\r\n").args == Args{"GET", "a", "b"});  // a lone CR separates
    CHECK(parseOne("PING\r\n").consumed == 6);
  }

  TEST_CASE("inline unescaped arguments stay valid next to views into the input") {
    RequestParser p;
    std::string in = "SET k \"" + std::string(300, 'x') + "\\n\" 'y' z\r\n";
    REQUIRE(p.parse(in) == ParseStatus::kOk);
    REQUIRE(p.args().size() == 5);
    CHECK(p.args()[2] == std::string(300, 'x') + "\n");
    CHECK(p.args()[3] == "y");
    CHECK(p.args()[4] == "z");
    CHECK(p.args()[4].data() == in.data() + in.size() - 3);
  }

  TEST_CASE("unbalanced quotes") {
    for (std::string_view in :
         {"SET \"abc\r\n", "SET 'abc\n", "SET \"a\"b\n", "SET 'a'b\n", "SET \"abc\\\"\n"}) {
      CAPTURE(in);
      CHECK(errorOf(in) == errors::kUnbalancedQuotes);
    }
    CHECK(errorOf("SET \"a\0\"\n"s) == errors::kUnbalancedQuotes);
  }

  TEST_CASE("invalid multibulk length") {
    for (std::string_view in : {"*abc\r\n", "*\r\n", "*+1\r\n", "*01\r\n", "*-0\r\n", "* 1\r\n",
                                "*1 \r\n", "*2147483648\r\n", "*99999999999999999999\r\n"}) {
      CAPTURE(in);
      CHECK(errorOf(in) == errors::kInvalidMultibulkLength);
    }
    Limits small;
    small.maxMultibulkLen = 3;
    CHECK(errorOf("*4\r\n", true, small) == errors::kInvalidMultibulkLength);
    CHECK(parseOne("*2147483647\r\n").status == ParseStatus::kIncomplete);
  }

  TEST_CASE("expected '$'") {
    CHECK(errorOf("*1\r\nfoo\r\n") == "ERR Protocol error: expected '$', got 'f'");
    CHECK(errorOf("*2\r\n$1\r\na\r\n:1\r\n") == "ERR Protocol error: expected '$', got ':'");
    CHECK(errorOf("*1\r\n\r\n") == "ERR Protocol error: expected '$', got ' '");
    CHECK(errorOf("*1\r\n\0x\r\n"s) == "ERR Protocol error: expected '$', got '");
    CHECK(parseOne("*1\r\nfoo").status == ParseStatus::kIncomplete);  // Redis waits for the CR
  }

  TEST_CASE("invalid bulk length") {
    for (std::string_view in : {"*1\r\n$-1\r\n", "*1\r\n$abc\r\n", "*1\r\n$\r\n", "*1\r\n$01\r\n",
                                "*1\r\n$536870913\r\n", "*1\r\n$9223372036854775808\r\n"}) {
      CAPTURE(in);
      CHECK(errorOf(in) == errors::kInvalidBulkLength);
    }
    RequestParser p;  // exactly proto-max-bulk-len is fine: we just wait for the bytes
    CHECK(p.parse("*1\r\n$536870912\r\n") == ParseStatus::kIncomplete);
    CHECK(p.bytesWanted() == 536870912 + 2);
    Limits small;
    small.maxBulkLen = 10;
    CHECK(errorOf("*1\r\n$11\r\n", true, small) == errors::kInvalidBulkLength);
  }

  TEST_CASE("too big count strings and inline requests") {
    const std::string digits(64 * 1024, '1');
    CHECK(errorOf("*" + digits) == errors::kTooBigMbulkCount);
    CHECK(parseOne("*" + digits.substr(1)).status == ParseStatus::kIncomplete);  // 64 KiB: waits
    CHECK(errorOf("*1\r\n$" + digits) == errors::kTooBigBulkCount);
    CHECK(errorOf(std::string(64 * 1024 + 1, 'a')) == errors::kTooBigInlineRequest);
    CHECK(parseOne(std::string(64 * 1024, 'a')).status == ParseStatus::kIncomplete);
    // The outcome does not depend on whether the terminator has arrived yet.
    CHECK(errorOf("*" + digits + "\r\n") == errors::kTooBigMbulkCount);
    CHECK(errorOf(std::string(64 * 1024 + 1, 'a') + "\n") == errors::kTooBigInlineRequest);
    Limits small;
    small.maxInlineLen = 8;
    CHECK(errorOf("GET abcdef", true, small) == errors::kTooBigInlineRequest);
    CHECK(parseOne("GET abcd\n", true, small).args == Args{"GET", "abcd"});
  }

  TEST_CASE("unauthenticated clients get Redis 7's small limits") {
    const std::string eleven = "*11\r\n";
    CHECK(errorOf(eleven, false) == errors::kUnauthMultibulkLength);
    CHECK(parseOne(eleven, true).status == ParseStatus::kIncomplete);
    CHECK(parseOne("*10\r\n", false).status == ParseStatus::kIncomplete);
    CHECK(errorOf("*1\r\n$16385\r\n", false) == errors::kUnauthBulkLength);
    CHECK(parseOne("*1\r\n$16384\r\n", false).status == ParseStatus::kIncomplete);
    CHECK(parseOne("*1\r\n$16385\r\n", true).status == ParseStatus::kIncomplete);
    CHECK(parseOne("*-1\r\n", false).status == ParseStatus::kIncomplete);
    RequestParser p;
    CHECK(p.authenticated());
    p.setAuthenticated(false);
    CHECK(p.parse("*11\r\n") == ParseStatus::kError);
  }

  TEST_CASE("errors are sticky until reset") {
    RequestParser p;
    REQUIRE(p.parse("*x\r\n") == ParseStatus::kError);
    CHECK(p.consumed() == 0);
    CHECK(p.parse("*1\r\n$4\r\nPING\r\n") == ParseStatus::kError);
    CHECK(p.error() == errors::kInvalidMultibulkLength);
    p.reset();
    CHECK(p.error().empty());
    CHECK(p.parse("*1\r\n$4\r\nPING\r\n") == ParseStatus::kOk);
  }

  TEST_CASE("whole requests (the one-pass fast path) agree with chunked input") {
    // Whole input takes tryWholeMultibulk; 1-byte chunks always take the state machine.
    Limits tiny;
    tiny.maxBulkLen = 3;
    tiny.maxMultibulkLen = 2;
    for (std::string_view in :
         {"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI",
          "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", "*0\r\n*1\r\n$1\r\nx\r\n", "*1\r\n$01\r\nx\r\n",
          "*1\r\n$-1\r\n", "*1\r\n:1\r\n", "*3\r\n$1\r\na\r\n", "*1\r\n$3\r\nabcXY"}) {
      for (const Limits& limits : {Limits{}, tiny}) {
        CAPTURE(in);
        const FeedResult whole = feed(in, SIZE_MAX, false, limits);
        const FeedResult chunked = feed(in, 1, true, limits);
        CHECK(whole.requests == chunked.requests);
        CHECK(whole.last == chunked.last);
        CHECK(whole.error == chunked.error);
        CHECK(whole.leftover == chunked.leftover);
      }
    }
    // Unauthenticated limits: 11 arguments, or a bulk over 16384 bytes, fail the same way.
    std::string many = "*11\r\n";
    for (int i = 0; i < 11; ++i) many += "$1\r\na\r\n";
    std::string big = "*1\r\n$16385\r\n" + std::string(16385, 'x') + "\r\n";
    for (const std::string& in : {many, big}) {
      RequestParser a, b;
      a.setAuthenticated(false);
      b.setAuthenticated(false);
      const FeedResult whole = feed(a, in, SIZE_MAX);
      const FeedResult chunked = feed(b, in, 7, true);
      CHECK(whole.last == ParseStatus::kError);
      CHECK(whole.error == chunked.error);
    }
  }

  TEST_CASE("error texts do not depend on chunking") {
    for (std::string_view in :
         {"*1\r\n$3\r\nfoo\r\n*x\r\n", "*2\r\n$1\r\na\r\nb\r\n", "GET \"x\r\n", "*1\r\n$-5\r\n"}) {
      CAPTURE(in);
      const std::string whole = feed(in).error;
      CHECK(!whole.empty());
      for (size_t chunk = 1; chunk < in.size(); ++chunk)
        CHECK(feed(in, chunk, true).error == whole);
    }
  }

  TEST_CASE("tiny chunks cost O(n): a big bulk and a long line byte by byte") {
    RequestParser p;
    std::string big = "*2\r\n$3\r\nSET\r\n$262144\r\n" + std::string(262144, 'v') + "\r\n";
    size_t calls = 0;
    ParseStatus st = ParseStatus::kIncomplete;
    for (size_t n = 1; n <= big.size(); ++n, ++calls) {
      st = p.parse(big.data(), n);
      if (st != ParseStatus::kIncomplete) break;
    }
    CHECK(st == ParseStatus::kOk);
    CHECK(p.args()[1].size() == 262144);
    CHECK(calls == big.size() - 1);

    RequestParser q;  // a 60 KiB inline line, byte by byte
    std::string line = "ECHO " + std::string(60 * 1024, 'x') + "\n";
    for (size_t n = 1; n <= line.size(); ++n) st = q.parse(line.data(), n);
    CHECK(st == ParseStatus::kOk);
    CHECK(q.args().size() == 2);
  }

  TEST_CASE("no reallocation of argv after warm-up") {
    RequestParser p;
    std::string in;
    for (int i = 0; i < 100; ++i) in += "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    std::string_view rest = in;
    REQUIRE(p.parse(rest) == ParseStatus::kOk);
    const auto* storage = p.args().data();
    rest.remove_prefix(p.consumed());
    while (p.parse(rest) == ParseStatus::kOk) {
      CHECK(p.args().data() == storage);
      rest.remove_prefix(p.consumed());
    }
    CHECK(rest.empty());
  }

  TEST_CASE("a huge announced count does not preallocate") {
    RequestParser p;
    CHECK(p.parse("*2000000000\r\n$1\r\na\r\n") == ParseStatus::kIncomplete);
  }

  TEST_CASE("bytes given back shrinking is caught, not read out of bounds") {
    RequestParser p;
    CHECK(p.parse("*1\r\n$10\r\nabc") == ParseStatus::kIncomplete);
    CHECK(p.parse("*1\r\n") == ParseStatus::kError);
    CHECK(p.error() == errors::kInputShrank);
  }
}
