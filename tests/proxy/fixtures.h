// Test helper for the proxy tests: loads the raw RESP replies captured from a redis-server 7.0
// cluster (tests/proxy/fixtures/*.resp, see fixtures/README.md) and parses RESP text into a
// resp::Value with the project's own ReplyParser, requiring one complete value.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "common/resp/reply_parser.h"

namespace strata::proxy::test {

// The bytes of tests/proxy/fixtures/<name>, found next to this header. __FILE__ is absolute
// unless ccache's base_dir made the compiler see paths relative to the build directory; then the
// fixture is looked up under the working directory's fixtures/ (CTest runs proxy_test in
// tests/proxy).
inline std::string fixture(std::string_view name) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "fixtures" / name;
  if (!std::filesystem::exists(path)) path = std::filesystem::path("fixtures") / name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Parses exactly one RESP2/RESP3 value that fills `bytes`.
inline resp::Value parseReply(std::string_view bytes) {
  resp::ReplyParser parser;
  resp::Value value;
  const resp::ParseStatus st = parser.parse(bytes, value);
  REQUIRE_MESSAGE(st == resp::ParseStatus::kOk, "fixture does not parse: " << parser.error());
  REQUIRE(parser.consumed() == bytes.size());
  return value;
}

inline resp::Value loadReply(std::string_view name) {
  return parseReply(fixture(name));
}

}  // namespace strata::proxy::test
