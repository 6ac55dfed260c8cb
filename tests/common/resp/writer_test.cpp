// Writer: exact bytes in RESP2 and RESP3 (Redis 7.0's downgrades for RESP2 clients), and round
// trips writer -> ReplyParser for every type in both protocols.
#include "common/resp/writer.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/resp/reply_parser.h"

using namespace std::string_literals;
using namespace strata;
using namespace strata::resp;

namespace {

template <typename F>
std::string encode(Protocol proto, F&& f) {
  std::string out;
  Writer w(out, proto);
  f(w);
  return out;
}

Value decode(const std::string& bytes) {
  ReplyParser p;
  Value v;
  REQUIRE_MESSAGE(p.parse(bytes, v) == ParseStatus::kOk, p.error());
  CHECK(p.consumed() == bytes.size());
  return v;
}

constexpr Protocol kBoth[] = {Protocol::kResp2, Protocol::kResp3};

}  // namespace

TEST_SUITE("common.resp") {
  TEST_CASE("writer: protocol-independent encodings") {
    for (Protocol proto : kBoth) {
      CAPTURE(static_cast<int>(proto));
      CHECK(encode(proto, [](Writer& w) { w.ok(); }) == "+OK\r\n");
      CHECK(encode(proto, [](Writer& w) { w.simpleString("PONG"); }) == "+PONG\r\n");
      CHECK(encode(proto, [](Writer& w) { w.error(errors::kSyntax); }) == "-ERR syntax error\r\n");
      CHECK(encode(proto, [](Writer& w) { w.error("ERR a\r\nb\nc"); }) == "-ERR a  b c\r\n");
      CHECK(encode(proto, [](Writer& w) { w.integer(0); }) == ":0\r\n");
      CHECK(encode(proto, [](Writer& w) { w.integer(INT64_MIN); }) == ":-9223372036854775808\r\n");
      CHECK(encode(proto, [](Writer& w) { w.integer(INT64_MAX); }) == ":9223372036854775807\r\n");
      CHECK(encode(proto, [](Writer& w) { w.bulk("a\r\n\0b"s); }) == "$5\r\na\r\n\0b\r\n"s);
      CHECK(encode(proto, [](Writer& w) { w.bulk(""); }) == "$0\r\n\r\n");
      CHECK(encode(proto, [](Writer& w) { w.arrayHeader(3); }) == "*3\r\n");
      CHECK(encode(proto, [](Writer& w) {
              w.command({"SET", "k", "v"});
            }) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
      const std::vector<std::string_view> args = {"GET", ""};
      CHECK(encode(proto, [&](Writer& w) { w.command(args); }) == "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
    }
  }

  TEST_CASE("writer: RESP3 types and their RESP2 downgrades, byte for byte") {
    struct Case {
      const char* name;
      void (*write)(Writer&);
      std::string resp2;
      std::string resp3;
    };
    const Case cases[] = {
        {"null", [](Writer& w) { w.null(); }, "$-1\r\n", "_\r\n"},
        {"nullArray", [](Writer& w) { w.nullArray(); }, "*-1\r\n", "_\r\n"},
        {"map", [](Writer& w) { w.mapHeader(2); }, "*4\r\n", "%2\r\n"},
        {"set", [](Writer& w) { w.setHeader(2); }, "*2\r\n", "~2\r\n"},
        {"push", [](Writer& w) { w.pushHeader(3); }, "*3\r\n", ">3\r\n"},
        {"true", [](Writer& w) { w.boolean(true); }, ":1\r\n", "#t\r\n"},
        {"false", [](Writer& w) { w.boolean(false); }, ":0\r\n", "#f\r\n"},
        {"1.5", [](Writer& w) { w.doubleValue(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n"},
        {"3.14", [](Writer& w) { w.doubleValue(3.14); }, "$18\r\n3.1400000000000001\r\n",
         ",3.1400000000000001\r\n"},
        {"1e300", [](Writer& w) { w.doubleValue(1e300); }, "$23\r\n1.0000000000000001e+300\r\n",
         ",1.0000000000000001e+300\r\n"},
        {"-0", [](Writer& w) { w.doubleValue(-0.0); }, "$2\r\n-0\r\n", ",-0\r\n"},
        {"inf", [](Writer& w) { w.doubleValue(INFINITY); }, "$3\r\ninf\r\n", ",inf\r\n"},
        {"-inf", [](Writer& w) { w.doubleValue(-INFINITY); }, "$4\r\n-inf\r\n", ",-inf\r\n"},
        {"nan", [](Writer& w) { w.doubleValue(std::nan("")); }, "$3\r\nnan\r\n", ",nan\r\n"},
        {"bignum", [](Writer& w) { w.bigNumber("-12345678901234567890"); },
         "$21\r\n-12345678901234567890\r\n", "(-12345678901234567890\r\n"},
        {"verbatim", [](Writer& w) { w.verbatim("txt", "hi"); }, "$2\r\nhi\r\n",
         "=6\r\ntxt:hi\r\n"},
        {"verbatim-pad", [](Writer& w) { w.verbatim("m", ""); }, "$0\r\n\r\n", "=4\r\nm  :\r\n"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      CHECK(encode(Protocol::kResp2, c.write) == c.resp2);
      CHECK(encode(Protocol::kResp3, c.write) == c.resp3);
    }
  }

  TEST_CASE("writer: attributes exist only in RESP3") {
    std::string out;
    Writer w(out, Protocol::kResp2);
    CHECK_FALSE(w.attributeHeader(1));
    CHECK(out.empty());
    w.setProtocol(Protocol::kResp3);
    CHECK(w.protocol() == Protocol::kResp3);
    CHECK(w.attributeHeader(1));
    CHECK(out == "|1\r\n");
    CHECK(&w.buffer() == &out);
  }

  TEST_CASE("writer appends and never touches what is already buffered") {
    std::string out = "+OK\r\n";
    Writer w(out);
    w.integer(42);
    CHECK(out == "+OK\r\n:42\r\n");
  }

  TEST_CASE("round trip writer -> ReplyParser, every type, both protocols") {
    for (Protocol proto : kBoth) {
      const bool r3 = proto == Protocol::kResp3;
      CAPTURE(static_cast<int>(proto));
      std::string out;
      Writer w(out, proto);
      const bool hasAttribute = w.attributeHeader(1);
      if (hasAttribute) {
        w.simpleString("ttl");
        w.integer(10);
      }
      w.arrayHeader(15);
      w.simpleString("status");
      w.error("ERR bad\nthing");
      w.integer(-7);
      w.bulk("bin\r\n\0"s);
      w.null();
      w.nullArray();
      w.doubleValue(0.1);
      w.doubleValue(-INFINITY);
      w.boolean(true);
      w.bigNumber("123456789012345678901234567890");
      w.verbatim("mkd", "# title");
      w.mapHeader(1);
      w.bulk("k");
      w.setHeader(2);
      w.integer(1);
      w.integer(2);
      w.pushHeader(1);
      w.simpleString("invalidate");
      w.command({"PING"});
      w.ok();

      const Value v = decode(out);
      REQUIRE(v.type == Type::kArray);
      CHECK(v.attributes.size() == (r3 ? 2u : 0u));
      REQUIRE(v.elements.size() == 15);
      const auto& e = v.elements;
      CHECK((e[0].type == Type::kSimpleString && e[0].str == "status"));
      CHECK((e[1].type == Type::kError && e[1].str == "ERR bad thing"));
      CHECK(e[2].integer == -7);
      CHECK(e[3].str == "bin\r\n\0"s);
      CHECK((e[4].type == Type::kNull && e[4].wire == (r3 ? '_' : '$')));
      CHECK((e[5].type == Type::kNull && e[5].wire == (r3 ? '_' : '*')));
      if (r3) {
        CHECK((e[6].type == Type::kDouble && e[6].dbl == 0.1));
        CHECK(e[7].dbl == -INFINITY);
        CHECK((e[8].type == Type::kBoolean && e[8].boolean));
        CHECK((e[9].type == Type::kBigNumber && e[9].str == "123456789012345678901234567890"));
        CHECK((e[10].type == Type::kVerbatim && e[10].format == "mkd" && e[10].str == "# title"));
        CHECK((e[11].type == Type::kMap && e[11].elements.size() == 2));
        CHECK(e[11].elements[1].type == Type::kSet);  // the set is the map's value
        CHECK(e[12].type == Type::kPush);
      } else {
        CHECK((e[6].type == Type::kBulkString && e[6].str == "0.10000000000000001"));
        CHECK(std::stod(e[6].str) == 0.1);
        CHECK(e[7].str == "-inf");
        CHECK((e[8].type == Type::kInteger && e[8].integer == 1));
        CHECK((e[9].type == Type::kBulkString && e[9].str == "123456789012345678901234567890"));
        CHECK((e[10].type == Type::kBulkString && e[10].str == "# title"));
        CHECK((e[11].type == Type::kArray && e[11].elements.size() == 2));
        CHECK(e[11].elements[1].type == Type::kArray);
        CHECK(e[12].type == Type::kArray);
      }
      CHECK(e[11].elements[0].str == "k");
      CHECK(e[11].elements[1].elements[1].integer == 2);
      CHECK(e[12].elements[0].str == "invalidate");
      CHECK(e[13].type == Type::kArray);
      CHECK(e[13].elements[0].str == "PING");
      CHECK((e[14].type == Type::kSimpleString && e[14].str == "OK"));
    }
  }

  TEST_CASE("round trip: doubles survive %.17g exactly") {
    for (double d : {0.1, 1.0 / 3, -2.5e-308, 1.7976931348623157e308, 123456789.125}) {
      CAPTURE(d);
      const Value v3 = decode(encode(Protocol::kResp3, [d](Writer& w) { w.doubleValue(d); }));
      CHECK(v3.dbl == d);
      const Value v2 = decode(encode(Protocol::kResp2, [d](Writer& w) { w.doubleValue(d); }));
      CHECK(std::stod(v2.str) == d);
    }
  }
}
