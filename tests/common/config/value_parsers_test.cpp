// The shared value parsers: booleans, integers with bounds, Redis memory units, enums, lists and
// the sdssplitargs-compatible tokenizer. These give the words of every config error message.
#include "common/config/value_parsers.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace strata::config;

namespace {

int64_t memory(const std::string& text) {
  int64_t v = -12345;
  Status st = parseMemory(text, {}, v);
  REQUIRE_MESSAGE(st.isOk(), st.message());
  return v;
}

std::string memoryError(const std::string& text, Range range = {}) {
  int64_t v = 0;
  Status st = parseMemory(text, range, v);
  return st.isOk() ? "ok" : st.message();
}

std::vector<std::string> args(const std::string& line) {
  std::vector<std::string> out;
  Status st = splitArgs(line, out);
  REQUIRE_MESSAGE(st.isOk(), st.message());
  return out;
}

}  // namespace

TEST_SUITE("common.config") {
  TEST_CASE("parseBool accepts yes/no, true/false, on/off, 1/0 in any case") {
    for (const char* t : {"yes", "YES", "true", "True", "on", "1"}) {
      bool v = false;
      CHECK_MESSAGE(parseBool(t, v).isOk(), t);
      CHECK(v);
    }
    for (const char* f : {"no", "No", "false", "FALSE", "off", "0"}) {
      bool v = true;
      CHECK_MESSAGE(parseBool(f, v).isOk(), f);
      CHECK_FALSE(v);
    }
    bool v = true;
    Status st = parseBool("maybe", v);
    CHECK(st.message() == "expected yes or no, got 'maybe'");
    CHECK(v);  // untouched on error
    CHECK_FALSE(parseBool("", v).isOk());
    CHECK_FALSE(parseBool("yes ", v).isOk());
    CHECK(renderBool(true) == "yes");
    CHECK(renderBool(false) == "no");
  }

  TEST_CASE("parseInteger is strict and checks bounds") {
    int64_t v = 0;
    CHECK(parseInteger("7000", {0, 65535}, v).isOk());
    CHECK(v == 7000);
    CHECK(parseInteger("-5", {-10, 10}, v).isOk());
    CHECK(v == -5);
    CHECK(parseInteger("0", {0, 0}, v).isOk());
    CHECK(parseInteger("70000", {0, 65535}, v).message() == "70000 is out of range [0, 65535]");
    CHECK(parseInteger("-1", {0, 65535}, v).message() == "-1 is out of range [0, 65535]");
    CHECK(parseInteger("abc", {0, 65535}, v).message() == "expected an integer, got 'abc'");
    CHECK(parseInteger("", {0, 65535}, v).message() == "expected an integer, got ''");
    CHECK(parseInteger("12k", {0, 65535}, v).message() == "expected an integer, got '12k'");
    CHECK_FALSE(parseInteger("+5", {0, 65535}, v).isOk());
    CHECK_FALSE(parseInteger(" 5", {0, 65535}, v).isOk());
    CHECK_FALSE(parseInteger("-", {0, 65535}, v).isOk());
    CHECK(parseInteger("99999999999999999999", {0, 65535}, v).message() ==
          "99999999999999999999 is out of range [0, 65535]");
    CHECK(v == 0);  // last success was "0"
    CHECK(describeRange({}) == "[-inf, +inf]");
    CHECK(describeRange({1, kNoMax}) == "[1, +inf]");
  }

  TEST_CASE("parseMemory understands Redis units, case-insensitively") {
    CHECK(memory("0") == 0);
    CHECK(memory("100") == 100);
    CHECK(memory("100b") == 100);
    CHECK(memory("1k") == 1000);
    CHECK(memory("1kb") == 1024);
    CHECK(memory("1K") == 1000);
    CHECK(memory("1KB") == 1024);
    CHECK(memory("1m") == 1000000);
    CHECK(memory("512mb") == 536870912);
    CHECK(memory("512MB") == 536870912);
    CHECK(memory("1g") == 1000000000);
    CHECK(memory("1gb") == 1073741824);
    CHECK(memory("1Gb") == 1073741824);
    CHECK(memory("4194304gb") == 4194304LL * 1073741824LL);
  }

  TEST_CASE("parseMemory errors") {
    const std::string expected =
        "expected a memory size (bytes, or a number with unit b/k/kb/m/mb/g/gb like 512mb), got ";
    CHECK(memoryError("12xb") == expected + "'12xb'");
    CHECK(memoryError("mb") == expected + "'mb'");
    CHECK(memoryError("") == expected + "''");
    CHECK(memoryError("1.5gb") == expected + "'1.5gb'");
    CHECK(memoryError("1 gb") == expected + "'1 gb'");
    CHECK(memoryError("99999999999gb") == "memory size '99999999999gb' is too large");
    CHECK(memoryError("2gb", {0, 1073741824}) == "2147483648 is out of range [0, 1073741824]");
    CHECK(memoryError("-1", {0, kNoMax}) == "-1 is out of range [0, +inf]");
    CHECK(memoryError("-1", {-1, kNoMax}) == "ok");
  }

  TEST_CASE("parseMemoryU64 reads memtoull's values up to 2^64-1 (maxmemory)") {
    auto parse = [](std::string_view text, Range range = {0, kNoMax}) {
      uint64_t v = 7;
      Status st = parseMemoryU64(text, range, v);
      return st.isOk() ? std::to_string(v) : st.message();
    };
    CHECK(parse("18446744073709551615") == "18446744073709551615");
    CHECK(parse("99999999999999999999999") == "18446744073709551615");  // saturates
    CHECK(parse("9223372036854775808") == "9223372036854775808");
    CHECK(parse("20000000000g") == "1553255926290448384");  // wraps, as Redis
    CHECK(parse("1KB") == "1024");
    CHECK(parse("") == "0");
    CHECK(parse("-1").find("expected a memory size") == 0);
    CHECK(parse("1.5gb").find("expected a memory size") == 0);
    CHECK(parse("10", {1024, kNoMax}) == "10 is out of range [1024, +inf]");
    CHECK(parse("18446744073709551615", {0, 1024}) ==
          "18446744073709551615 is out of range [0, 1024]");
  }

  TEST_CASE("parseEnum is case-insensitive and lists the choices") {
    const std::vector<std::string> choices{"debug", "verbose", "notice", "warning"};
    size_t index = 99;
    CHECK(parseEnum("NOTICE", choices, index).isOk());
    CHECK(index == 2);
    CHECK(parseEnum("loud", choices, index).message() ==
          "expected one of debug|verbose|notice|warning, got 'loud'");
    CHECK(index == 2);
  }

  TEST_CASE("splitList uses commas and spaces") {
    using V = std::vector<std::string>;
    CHECK(splitList("127.0.0.1:7000,127.0.0.1:7001") == V{"127.0.0.1:7000", "127.0.0.1:7001"});
    CHECK(splitList("a, b  c,,d ") == V{"a", "b", "c", "d"});
    CHECK(splitList("") == V{});
    CHECK(renderList({"a", "b"}) == "a b");
    CHECK(renderList({}) == "");
  }

  TEST_CASE("splitArgs follows sdssplitargs") {
    using V = std::vector<std::string>;
    CHECK(args("normal 0 0 0") == V{"normal", "0", "0", "0"});
    CHECK(args("  a   b  ") == V{"a", "b"});
    CHECK(args("") == V{});
    CHECK(args("\"a b\" c") == V{"a b", "c"});
    CHECK(args("\"\"") == V{""});
    CHECK(args("'it\\'s' x") == V{"it's", "x"});
    CHECK(args("\"\\x41\\n\\t\\\"\"") == V{"A\n\t\""});
    CHECK(args("'\\n'") == V{"\\n"});
    std::vector<std::string> out;
    CHECK(splitArgs("\"abc", out).message() == "unbalanced quotes");
    CHECK(splitArgs("'abc", out).message() == "unbalanced quotes");
    CHECK(splitArgs("\"abc\"def", out).message() == "unbalanced quotes");
  }

  TEST_CASE("joinArgs quotes only the words that need it, and splitArgs splits them back") {
    using V = std::vector<std::string>;
    CHECK(joinArgs(V{"app", "on", ">pw", "~app:*"}) == "app on >pw ~app:*");
    CHECK(joinArgs(V{"sp", ">p w", ""}) == "sp \">p w\" \"\"");
    CHECK(joinArgs(V{}) == "");
    const V words{"a b",  "it's", "q\"", "back\\slash", "tab\t", std::string("nul\0", 4),
                  "\x80", "plain"};
    CHECK(args(joinArgs(words)) == words);
  }

  TEST_CASE("appendRepr writes sdscatrepr's text, which splitArgs reads back") {
    std::string out = "x";
    appendRepr(out, std::string_view("a\\\"\n\r\t\a\b\x01\x7f\x80\xff ~'\0z", 17));
    CHECK(out == "x\"a\\\\\\\"\\n\\r\\t\\a\\b\\x01\\x7f\\x80\\xff ~'\\x00z\"");
    for (int b = 0; b < 256; ++b) {
      const std::string text = "<" + std::string(1, static_cast<char>(b)) + ">";
      std::string repr;
      appendRepr(repr, text);
      CHECK_MESSAGE(args(repr) == std::vector<std::string>{text}, repr);
    }
  }
}
