// Key extraction (node/server/command_keys.h) on the node's real command table: the positions
// and the read/write access bits keysWithSpecs reports (what ACL's %R~ / %W~ check), from key
// specs and from getkeys procs, and the InlineVector they live in (inline up to 8, then heap).
#include "node/server/command_keys.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace strata::node {

namespace {

const CommandTable& table() {
  static const CommandTable t;
  return t;
}

// (position, access bits) of each key of `argv`.
std::vector<std::pair<size_t, uint8_t>> keys(std::vector<std::string_view> argv) {
  const CommandDef* def = table().find(argv[0]);
  REQUIRE(def != nullptr);
  std::vector<std::pair<size_t, uint8_t>> out;
  for (const KeyRef& k : keysWithSpecs(*def, argv)) out.emplace_back(k.pos, k.access);
  return out;
}

using Keys = std::vector<std::pair<size_t, uint8_t>>;
constexpr uint8_t kRW = kKeyRead | kKeyWrite;

}  // namespace

TEST_SUITE("node.command_keys") {
  TEST_CASE("keysWithSpecs reports each key's access bits") {
    CHECK(keys({"get", "k"}) == Keys{{1, kKeyRead}});
    CHECK(keys({"del", "a", "b"}) == Keys{{1, kKeyWrite}, {2, kKeyWrite}});
    CHECK(keys({"lmove", "s", "d", "left", "right"}) == Keys{{1, kRW}, {2, kKeyWrite}});
    CHECK(keys({"exists", "a"}) == Keys{{1, 0}});  // RO without "access": no read needed
    // getkeys procs: SORT ... STORE (read the source, overwrite the destination), MIGRATE's
    // KEYS (read, write, delete).
    CHECK(keys({"sort", "src", "store", "dst"}) == Keys{{1, kKeyRead}, {3, kKeyWrite}});
    CHECK(keys({"migrate", "h", "1", "", "0", "5", "keys", "a", "b"}) == Keys{{7, kRW}, {8, kRW}});
    CHECK(keys({"zunionstore", "d", "2", "a", "b"}).size() == 3);
  }

  TEST_CASE("more than 8 keys move to the heap and truncate comes back inline") {
    std::vector<std::string_view> argv{"del"};
    std::vector<std::string> names;
    for (int i = 0; i < 20; ++i) names.push_back("k" + std::to_string(i));
    for (const auto& n : names) argv.push_back(n);
    const KeyRefs refs = keysWithSpecs(*table().find("del"), argv);
    REQUIRE(refs.size() == 20);
    for (size_t i = 0; i < refs.size(); ++i) CHECK(refs[i].pos == i + 1);

    KeyPositions p;
    for (size_t i = 0; i < 12; ++i) p.push_back(i);
    p.truncate(10);
    CHECK(p.size() == 10);
    CHECK(p[9] == 9);
    p.truncate(3);  // back inline: the first three kept
    CHECK(p.size() == 3);
    CHECK(p[2] == 2);
    for (size_t i = 3; i < 11; ++i) p.push_back(i * 10);  // over the inline size again
    REQUIRE(p.size() == 11);
    CHECK(p[2] == 2);
    CHECK(p[3] == 30);
    CHECK(p[10] == 100);
    p.clear();
    CHECK(p.empty());
    CHECK(p.begin() == p.end());
  }
}

}  // namespace strata::node
