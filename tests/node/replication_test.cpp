// Unit tests of the replication backlog (node/replication/backlog.h): absolute offsets across
// wrap-around, what PSYNC may continue from, resizing keeps the newest history.
#include <doctest/doctest.h>

#include <string>

#include "node/replication/backlog.h"

namespace strata::node {

TEST_SUITE("node.replication") {
  TEST_CASE("an empty backlog continues exactly at its next offset") {
    Backlog b;
    CHECK_FALSE(b.contains(1));
    b.create(16, 101);
    CHECK(b.active());
    CHECK(b.contains(101));
    CHECK_FALSE(b.contains(100));
    CHECK_FALSE(b.contains(102));
    std::string out;
    b.copyFrom(101, 0, out);
    CHECK(out.empty());
  }

  TEST_CASE("offsets stay absolute across wrap-around") {
    Backlog b;
    b.create(8, 1);
    b.append("abcde");  // offsets 1..5
    CHECK(b.histlen() == 5);
    CHECK(b.firstOffset() == 1);
    b.append("fghij");  // 6..10: 1 and 2 fall out
    CHECK(b.histlen() == 8);
    CHECK(b.firstOffset() == 3);
    CHECK_FALSE(b.contains(2));
    CHECK(b.contains(3));
    CHECK(b.contains(11));
    CHECK_FALSE(b.contains(12));
    std::string out;
    b.copyFrom(3, 0, out);
    CHECK(out == "cdefghij");
    out.clear();
    b.copyFrom(9, 0, out);
    CHECK(out == "ij");
    out.clear();
    b.copyFrom(4, 3, out);
    CHECK(out == "def");
  }

  TEST_CASE("an append larger than the backlog keeps its tail") {
    Backlog b;
    b.create(4, 1);
    b.append("xy");
    b.append("0123456789");  // offsets 3..12
    CHECK(b.firstOffset() == 9);
    CHECK(b.histlen() == 4);
    std::string out;
    b.copyFrom(9, 0, out);
    CHECK(out == "6789");
    b.append("ab");
    out.clear();
    b.copyFrom(11, 0, out);
    CHECK(out == "89ab");
  }

  TEST_CASE("resize keeps the newest history that fits") {
    Backlog b;
    b.create(8, 1);
    b.append("abcdefghij");
    b.resize(4);
    CHECK(b.size() == 4);
    CHECK(b.firstOffset() == 7);
    std::string out;
    b.copyFrom(7, 0, out);
    CHECK(out == "ghij");
    b.resize(16);
    b.append("kl");
    out.clear();
    b.copyFrom(7, 0, out);
    CHECK(out == "ghijkl");
    b.destroy();
    CHECK_FALSE(b.active());
  }
}

}  // namespace strata::node
