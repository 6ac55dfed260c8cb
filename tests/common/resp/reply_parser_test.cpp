// ReplyParser: framing and tree parsing of every RESP2/RESP3 type, values split at every byte
// boundary, attributes and pushes, top-level error texts, and malformed input (bad lengths,
// garbage type bytes, nesting beyond the limit) failing with a text instead of crashing.
#include "common/resp/reply_parser.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <string_view>

#include "common/errors.h"

using namespace std::string_literals;
using namespace strata;
using namespace strata::resp;

namespace {

Value parseValue(std::string_view in) {
  ReplyParser p;
  Value v;
  const ParseStatus st = p.parse(in, v);
  REQUIRE_MESSAGE(st == ParseStatus::kOk, p.error());
  CHECK(p.consumed() == in.size());
  return v;
}

std::string frameError(std::string_view in, const Limits& limits = {}) {
  ReplyParser p(limits);
  CHECK(p.frame(in) == ParseStatus::kError);
  Value v;
  ReplyParser q(limits);
  CHECK(q.parse(in, v) == ParseStatus::kError);
  CHECK(q.error() == p.error());
  return std::string(p.error());
}

// Every prefix of `in` is incomplete and the whole is exactly one value; also when the parser
// resumes across two calls at every split point, and when fed one byte at a time.
void checkSplits(std::string_view in) {
  CAPTURE(in);
  for (size_t split = 0; split < in.size(); ++split) {
    ReplyParser p;
    REQUIRE(p.frame(in.data(), split) == ParseStatus::kIncomplete);
    const std::string moved(in);  // resume on a different allocation
    REQUIRE(p.frame(moved) == ParseStatus::kOk);
    CHECK(p.consumed() == in.size());
  }
  ReplyParser p;
  for (size_t n = 0; n < in.size(); ++n) REQUIRE(p.frame(in.data(), n) == ParseStatus::kIncomplete);
  REQUIRE(p.frame(in) == ParseStatus::kOk);
  CHECK(p.consumed() == in.size());
}

}  // namespace

TEST_SUITE("common.resp") {
  TEST_CASE("RESP2 scalars and nulls") {
    Value v = parseValue("+OK\r\n");
    CHECK(v.type == Type::kSimpleString);
    CHECK(v.str == "OK");
    v = parseValue("-ERR oops\r\n");
    CHECK(v.type == Type::kError);
    CHECK(v.isError());
    CHECK(v.str == "ERR oops");
    CHECK(parseValue(":-9223372036854775808\r\n").integer == INT64_MIN);
    CHECK(parseValue(":0\r\n").integer == 0);
    v = parseValue("$5\r\nhe\r\no\r\n");
    CHECK(v.type == Type::kBulkString);
    CHECK(v.str == "he\r\no");
    CHECK(parseValue("$0\r\n\r\n").str.empty());
    v = parseValue("$-1\r\n");
    CHECK(v.type == Type::kNull);
    CHECK(v.wire == '$');
    v = parseValue("*-1\r\n");
    CHECK(v.type == Type::kNull);
    CHECK(v.wire == '*');
    v = parseValue("*0\r\n");
    CHECK(v.type == Type::kArray);
    CHECK(v.elements.empty());
  }

  TEST_CASE("RESP3 scalars") {
    Value v = parseValue("_\r\n");
    CHECK(v.type == Type::kNull);
    CHECK(v.wire == '_');
    CHECK(parseValue(",3.25\r\n").dbl == 3.25);
    CHECK(parseValue(",-1e10\r\n").dbl == -1e10);
    CHECK(parseValue(",+2\r\n").dbl == 2);
    CHECK(parseValue(",inf\r\n").dbl == INFINITY);
    CHECK(parseValue(",-inf\r\n").dbl == -INFINITY);
    CHECK(std::isnan(parseValue(",nan\r\n").dbl));
    v = parseValue("#t\r\n");
    CHECK(v.type == Type::kBoolean);
    CHECK(v.boolean);
    CHECK_FALSE(parseValue("#f\r\n").boolean);
    v = parseValue("(-3492890328409238509324850943850943825024385\r\n");
    CHECK(v.type == Type::kBigNumber);
    CHECK(v.str == "-3492890328409238509324850943850943825024385");
    v = parseValue("=15\r\ntxt:Some string\r\n");
    CHECK(v.type == Type::kVerbatim);
    CHECK(v.format == "txt");
    CHECK(v.str == "Some string");
    v = parseValue("!22\r\nSYNTAX invalid\r\nsyntax\r\n");
    CHECK(v.type == Type::kBlobError);
    CHECK(v.isError());
    CHECK(v.str == "SYNTAX invalid\r\nsyntax");
  }

  TEST_CASE("aggregates: map flattened, set, push, nested") {
    Value v = parseValue("%2\r\n+first\r\n:1\r\n+second\r\n*2\r\n$1\r\na\r\n_\r\n");
    CHECK(v.type == Type::kMap);
    REQUIRE(v.elements.size() == 4);
    CHECK(v.elements[0].str == "first");
    CHECK(v.elements[1].integer == 1);
    CHECK(v.elements[3].type == Type::kArray);
    CHECK(v.elements[3].elements[1].type == Type::kNull);
    v = parseValue("~3\r\n:1\r\n:2\r\n:3\r\n");
    CHECK(v.type == Type::kSet);
    CHECK(v.elements.size() == 3);
    v = parseValue(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    CHECK(v.type == Type::kPush);
    CHECK(v.elements[2].str == "hi");
    CHECK(v.isAggregate());
  }

  TEST_CASE("attributes annotate the following value and belong to its frame") {
    const std::string in =
        "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
        "*2\r\n:2039123\r\n:9543892\r\n";
    ReplyParser p;
    Value v;
    REQUIRE(p.parse(in, v) == ParseStatus::kOk);
    CHECK(p.consumed() == in.size());
    CHECK(p.type() == '*');
    CHECK(v.type == Type::kArray);
    REQUIRE(v.attributes.size() == 2);
    CHECK(v.attributes[0].str == "key-popularity");
    CHECK(v.attributes[1].type == Type::kMap);
    CHECK(v.elements[1].integer == 9543892);

    // Inside an aggregate, an attribute is not one of its elements.
    v = parseValue("*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nx\r\n|0\r\n:5\r\n");
    REQUIRE(v.elements.size() == 2);
    CHECK(v.elements[0].str == "x");
    CHECK(v.elements[0].attributes.size() == 2);
    CHECK(v.elements[1].integer == 5);
  }

  TEST_CASE("frame() finds one value in a pipeline and exposes top-level errors") {
    ReplyParser p;
    const std::string in = "-MOVED 3999 127.0.0.1:6381\r\n+OK\r\n";
    REQUIRE(p.frame(in) == ParseStatus::kOk);
    CHECK(p.consumed() == 28);
    CHECK(p.type() == '-');
    CHECK(p.errorText() == "MOVED 3999 127.0.0.1:6381");
    REQUIRE(p.frame(std::string_view(in).substr(28)) == ParseStatus::kOk);
    CHECK(p.type() == '+');
    CHECK(p.errorText().empty());

    REQUIRE(p.frame("*1\r\n-ERR nested\r\n") == ParseStatus::kOk);
    CHECK(p.type() == '*');
    CHECK(p.errorText().empty());
    REQUIRE(p.frame("|1\r\n+a\r\n-ERR x\r\n-ASK 1 h:1\r\n") == ParseStatus::kOk);
    CHECK(p.type() == '-');
    CHECK(p.errorText() == "ASK 1 h:1");
    REQUIRE(p.frame("!9\r\nTRYAGAIN!\r\n") == ParseStatus::kOk);
    CHECK(p.type() == '!');
    CHECK(p.errorText() == "TRYAGAIN!");
  }

  TEST_CASE("framing nested, attribute and push values split at every byte") {
    checkSplits("+OK\r\n");
    checkSplits(":12345\r\n");
    checkSplits("$12\r\nhello\r\nworld\r\n");
    checkSplits("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
    checkSplits("*2\r\n*2\r\n:1\r\n*0\r\n%1\r\n+k\r\n~2\r\n#t\r\n_\r\n");
    checkSplits("|1\r\n+key\r\n%1\r\n$1\r\na\r\n,0.5\r\n*2\r\n:1\r\n:2\r\n");
    checkSplits(">4\r\n+pubsub\r\n+message\r\n+ch\r\n$5\r\nhello\r\n");
    checkSplits("=9\r\ntxt:hello\r\n");
    checkSplits("*3\r\n$-1\r\n*-1\r\n(123\r\n");
    checkSplits("*1\r\n|1\r\n+a\r\n|0\r\n:1\r\n:2\r\n");
  }

  TEST_CASE("short replies framed whole (the fast path) agree with the general loop") {
    // Whole input takes tryFastFrame for + - : $; one byte at a time always takes the loop.
    // Both must agree on the outcome, the extent, the type, the error text and the error.
    Limits tinyBulk;
    tinyBulk.maxBulkLen = 4;
    for (std::string_view in :
         {"+OK\r\n", "-MOVED 3999 127.0.0.1:6381\r\n", ":0\r\n", ":-12\r\n", "$-1\r\n",
          "$0\r\n\r\n", "$5\r\nhello\r\n+next\r\n", "+OK\rX", ":01\r\n", ":x\r\n", "$-2\r\n",
          "$3\r\nabcde", "$5\r\nhello\r\n", ":1\r\n:2\r\n", "$1\r\n\r\r\n",
          "$12\r\nhello world!\r\n", "$05\r\nhello\r\n", "$0\r\n\r\n", "$10\r\n0123456789\r\r"}) {
      for (const Limits& limits : {Limits{}, tinyBulk}) {
        CAPTURE(in);
        ReplyParser whole(limits), bytewise(limits);
        const ParseStatus a = whole.frame(in);
        ParseStatus b = ParseStatus::kIncomplete;
        for (size_t n = 0; n <= in.size() && b == ParseStatus::kIncomplete; ++n)
          b = bytewise.frame(in.data(), n);
        REQUIRE(a == b);
        if (a == ParseStatus::kOk) {
          CHECK(whole.consumed() == bytewise.consumed());
          CHECK(whole.type() == bytewise.type());
          CHECK(whole.errorText() == bytewise.errorText());
        } else {
          CHECK(whole.error() == bytewise.error());
        }
      }
    }
  }

  TEST_CASE("a long simple line and a big bulk arrive byte by byte in O(n)") {
    const std::string line = "+" + std::string(60000, 'x') + "\r\n";
    const std::string bulk = "$200000\r\n" + std::string(200000, 'y') + "\r\n";
    for (const std::string& in : {line, bulk}) {
      ReplyParser p;
      for (size_t n = 0; n < in.size(); ++n)
        REQUIRE(p.frame(in.data(), n) == ParseStatus::kIncomplete);
      REQUIRE(p.frame(in) == ParseStatus::kOk);
      CHECK(p.consumed() == in.size());
    }
  }

  TEST_CASE("malformed replies fail with a text") {
    CHECK(frameError("?1\r\n") == errors::kInvalidReplyType);
    CHECK(frameError("\x01") == errors::kInvalidReplyType);
    CHECK(frameError("*1\r\nX\r\n") == errors::kInvalidReplyType);
    CHECK(frameError("$-2\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("$abc\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("$536870913\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("$99999999999999999999999\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("*-2\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("%-1\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("!-1\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("*2147483648\r\n") == errors::kInvalidReplyLength);
    CHECK(frameError("*?\r\n") == errors::kInvalidReplyLength);  // streamed aggregates
    CHECK(frameError(":1a\r\n") == errors::kInvalidReplyInteger);
    CHECK(frameError(":\r\n") == errors::kInvalidReplyInteger);
    CHECK(frameError(",1.5x\r\n") == errors::kInvalidReplyDouble);
    CHECK(frameError(",\r\n") == errors::kInvalidReplyDouble);
    CHECK(frameError(",+-1\r\n") == errors::kInvalidReplyDouble);
    CHECK(frameError("#x\r\n") == errors::kInvalidReplyBoolean);
    CHECK(frameError("#tt\r\n") == errors::kInvalidReplyBoolean);
    CHECK(frameError("_x\r\n") == errors::kInvalidReplyNull);
    CHECK(frameError("(12a\r\n") == errors::kInvalidReplyBigNumber);
    CHECK(frameError("(\r\n") == errors::kInvalidReplyBigNumber);
    CHECK(frameError("=3\r\nabc\r\n") == errors::kInvalidReplyVerbatim);
    CHECK(frameError("=5\r\ntxtab\r\n") == errors::kInvalidReplyVerbatim);
    CHECK(frameError("$3\r\nabcXY") == errors::kReplyMissingCrlf);
    CHECK(frameError("+a\rb\r\n") == errors::kReplyMissingCrlf);
    CHECK(frameError("+" + std::string(64 * 1024, 'x')) == errors::kTooBigReplyLine);
    CHECK(frameError("+" + std::string(64 * 1024, 'x') + "\r\n") == errors::kTooBigReplyLine);
  }

  TEST_CASE("nesting deeper than maxNesting fails") {
    std::string ok;
    for (int i = 0; i < 128; ++i) ok += "*1\r\n";
    ok += ":1\r\n";
    Value v = parseValue(ok);
    CHECK(v.type == Type::kArray);
    CHECK(frameError("*1\r\n" + ok) == errors::kTooDeepNesting);
    CHECK(frameError("|1\r\n" + ok) == errors::kTooDeepNesting);

    Limits shallow;
    shallow.maxNesting = 2;
    ReplyParser p(shallow);
    CHECK(p.frame("*1\r\n%1\r\n:1\r\n:2\r\n") == ParseStatus::kOk);
    CHECK(p.frame("*1\r\n%1\r\n:1\r\n*0\r\n") == ParseStatus::kOk);  // *0 opens no level
    CHECK(frameError("*1\r\n*1\r\n*1\r\n", shallow) == errors::kTooDeepNesting);
    shallow.maxNesting = 0;
    CHECK(frameError("*1\r\n:1\r\n", shallow) == errors::kTooDeepNesting);
  }

  TEST_CASE("huge announced counts neither allocate nor crash") {
    ReplyParser p;
    CHECK(p.frame("*2147483647\r\n:1\r\n") == ParseStatus::kIncomplete);
    p.reset();
    CHECK(p.frame("%2147483647\r\n") == ParseStatus::kIncomplete);
    p.reset();
    Value v;
    CHECK(p.parse("$536870912\r\nabc", v) == ParseStatus::kIncomplete);
  }

  TEST_CASE("errors are sticky until reset") {
    ReplyParser p;
    REQUIRE(p.frame("x") == ParseStatus::kError);
    CHECK(p.frame("+OK\r\n") == ParseStatus::kError);
    p.reset();
    CHECK(p.frame("+OK\r\n") == ParseStatus::kOk);
  }
}
