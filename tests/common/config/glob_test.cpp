// globMatch() against Redis's stringmatchlen() semantics: wildcards, classes, ranges, negation,
// escapes, nocase, unterminated classes and the backtracking cut-off.
#include "common/config/glob.h"

#include <doctest/doctest.h>

#include <string>

using strata::config::globMatch;

TEST_SUITE("common.config") {
  TEST_CASE("glob: literals and empty strings") {
    CHECK(globMatch("", ""));
    CHECK_FALSE(globMatch("", "a"));
    CHECK_FALSE(globMatch("a", ""));
    CHECK(globMatch("hello", "hello"));
    CHECK_FALSE(globMatch("hello", "hell"));
    CHECK_FALSE(globMatch("hell", "hello"));
    CHECK_FALSE(globMatch("hello", "HELLO"));
  }

  TEST_CASE("glob: star") {
    // Like Redis, a pattern never matches the empty string (KEYS/SCAN special-case "*").
    CHECK_FALSE(globMatch("*", ""));
    CHECK(globMatch("*", "anything"));
    CHECK(globMatch("**", "anything"));
    CHECK(globMatch("h*llo", "hllo"));
    CHECK(globMatch("h*llo", "heeeello"));
    CHECK(globMatch("*a", "ba"));
    CHECK_FALSE(globMatch("*a", "ab"));
    CHECK(globMatch("a*", "a"));
    CHECK_FALSE(globMatch("a*", ""));
    CHECK(globMatch("max*", "maxmemory-policy"));
    CHECK(globMatch("*-*-*", "a-b-c"));
    CHECK_FALSE(globMatch("*-*-*", "a-b"));
    CHECK(globMatch("a*b*c", "axxbyyc"));
    CHECK_FALSE(globMatch("a*b*c", "axxbyy"));
  }

  TEST_CASE("glob: question mark") {
    CHECK(globMatch("h?llo", "hello"));
    CHECK(globMatch("h?llo", "hallo"));
    CHECK_FALSE(globMatch("h?llo", "hllo"));
    CHECK(globMatch("???", "abc"));
    CHECK_FALSE(globMatch("???", "ab"));
  }

  TEST_CASE("glob: classes, ranges and negation") {
    CHECK(globMatch("h[ae]llo", "hello"));
    CHECK(globMatch("h[ae]llo", "hallo"));
    CHECK_FALSE(globMatch("h[ae]llo", "hillo"));
    CHECK(globMatch("h[^e]llo", "hallo"));
    CHECK(globMatch("h[^e]llo", "hbllo"));
    CHECK_FALSE(globMatch("h[^e]llo", "hello"));
    CHECK_FALSE(globMatch("[^a]", "a"));
    CHECK(globMatch("[^a]", "b"));
    CHECK(globMatch("h[a-b]llo", "hallo"));
    CHECK(globMatch("h[a-b]llo", "hbllo"));
    CHECK_FALSE(globMatch("h[a-b]llo", "hcllo"));
    CHECK(globMatch("[z-a]", "m"));  // reversed ranges are swapped
    CHECK(globMatch("[0-9][0-9]", "42"));
    CHECK_FALSE(globMatch("[0-9]", "x"));
    CHECK(globMatch("[^0-9]", "x"));
    CHECK(globMatch("[-abc]", "-"));
    CHECK(globMatch("[a-cx]", "x"));
  }

  TEST_CASE("glob: escapes") {
    CHECK(globMatch("h\\*llo", "h*llo"));
    CHECK_FALSE(globMatch("h\\*llo", "hello"));
    CHECK(globMatch("\\?", "?"));
    CHECK_FALSE(globMatch("\\?", "a"));
    CHECK(globMatch("\\[a]", "[a]"));
    CHECK(globMatch("[\\]]", "]"));
    CHECK(globMatch("[\\-]", "-"));
    CHECK_FALSE(globMatch("[\\-]", "a"));
    CHECK(globMatch("[\\^a]", "^"));
    CHECK(globMatch("abc\\", "abc\\"));  // a trailing backslash is literal
    CHECK(globMatch("\\\\", "\\"));
  }

  TEST_CASE("glob: unterminated class matches its listed characters") {
    CHECK(globMatch("[abc", "b"));
    CHECK_FALSE(globMatch("[abc", "d"));
    CHECK_FALSE(globMatch("[", "a"));
    CHECK(globMatch("[^", "a"));
  }

  TEST_CASE("glob: nocase") {
    CHECK(globMatch("HELLO", "hello", true));
    CHECK(globMatch("Max*", "MAXMEMORY", true));
    CHECK(globMatch("[A-Z]", "q", true));
    CHECK_FALSE(globMatch("[A-Z]", "q", false));
    CHECK(globMatch("[xY]", "y", true));
    CHECK(globMatch("[^A]", "a", false));
    CHECK_FALSE(globMatch("[^A]", "a", true));
  }

  TEST_CASE("glob: hopeless backtracking ends quickly") {
    const std::string text(5000, 'a');
    std::string pattern;
    for (int i = 0; i < 30; ++i) pattern += "a*";
    pattern += "b";
    CHECK_FALSE(globMatch(pattern, text));
    CHECK(globMatch(pattern.substr(0, pattern.size() - 1), text));
  }

  TEST_CASE("glob: binary-safe") {
    const std::string text("a\0b", 3);
    CHECK(globMatch(std::string("a\0b", 3), text));
    CHECK(globMatch("a?b", text));
    CHECK_FALSE(globMatch("a", text));
  }
}
