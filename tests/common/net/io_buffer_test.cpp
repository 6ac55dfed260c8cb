// IoBuffer (common/net/io_buffer.h): append/drop/view, prepare/commit for reads straight into the
// buffer, growth from empty and by doubling, compaction that moves the live bytes to the front
// without losing any, clear, shrinkIfIdle giving memory back only when empty, and appends larger
// than the capacity.
#include "common/net/io_buffer.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

using strata::net::IoBuffer;

namespace {

std::string pattern(size_t n, size_t seed = 0) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i + seed) % 26);
  return s;
}

}  // namespace

TEST_SUITE("common.net") {
  TEST_CASE("IoBuffer: a new buffer is empty and owns no memory") {
    IoBuffer b;
    CHECK(b.empty());
    CHECK(b.size() == 0);
    CHECK(b.capacity() == 0);
    CHECK(b.view().empty());
  }

  TEST_CASE("IoBuffer: append then drop from the front") {
    IoBuffer b;
    b.append("hello ");
    b.append(std::string_view("world"));
    CHECK(b.view() == "hello world");
    CHECK(b.size() == 11);
    b.drop(6);
    CHECK(b.view() == "world");
    CHECK(b.size() == 5);
    b.append("!", 1);
    CHECK(b.view() == "world!");
  }

  TEST_CASE("IoBuffer: dropping everything empties the buffer and rewinds it") {
    IoBuffer b;
    b.append("abc");
    const char* start = b.data();
    b.drop(3);
    CHECK(b.empty());
    b.append("xyz");
    CHECK(b.data() == start);  // reuses the front of the same memory
    CHECK(b.view() == "xyz");
    b.drop(100);  // more than is there
    CHECK(b.empty());
    CHECK(b.size() == 0);
  }

  TEST_CASE("IoBuffer: first growth allocates 4 KiB") {
    IoBuffer b;
    b.append("x");
    CHECK(b.capacity() == 4096);
  }

  TEST_CASE("IoBuffer: prepare gives writable room and commit publishes what was written") {
    IoBuffer b;
    b.append("head:");
    char* p = b.prepare(100);
    REQUIRE(p != nullptr);
    CHECK(b.capacity() - b.size() >= 100);
    std::memcpy(p, "body", 4);
    CHECK(b.view() == "head:");  // nothing visible before commit
    b.commit(4);
    CHECK(b.view() == "head:body");
    // A partial read: room for 16 KiB, only 3 bytes arrive.
    p = b.prepare(16 * 1024);
    CHECK(b.capacity() >= b.size() + 16 * 1024);
    std::memcpy(p, "END", 3);
    b.commit(3);
    CHECK(b.view() == "head:bodyEND");
  }

  TEST_CASE("IoBuffer: prepare(0) and committing nothing change nothing") {
    IoBuffer b;
    b.append("abc");
    const size_t cap = b.capacity();
    b.prepare(0);
    b.commit(0);
    CHECK(b.view() == "abc");
    CHECK(b.capacity() == cap);
  }

  TEST_CASE("IoBuffer: growth doubles and keeps the bytes") {
    IoBuffer b;
    const std::string first = pattern(4000);
    b.append(first);
    CHECK(b.capacity() == 4096);
    const std::string second = pattern(200, 7);
    b.append(second);  // 4200 > 4096
    CHECK(b.capacity() == 8192);
    CHECK(b.view() == first + second);
  }

  TEST_CASE("IoBuffer: a large append grows straight to a big enough power of two") {
    IoBuffer b;
    b.append("x");
    const std::string big = pattern(1 << 20, 3);  // 1 MiB
    b.append(big);
    CHECK(b.capacity() == (2u << 20));  // 4 KiB doubled until > 1 MiB + 1
    CHECK(b.size() == big.size() + 1);
    CHECK(b.view().substr(1) == big);
    CHECK(b.view()[0] == 'x');
  }

  TEST_CASE("IoBuffer: compaction moves the live bytes to the front without growing") {
    IoBuffer b;
    const std::string data = pattern(4096);
    b.append(data);
    REQUIRE(b.capacity() == 4096);
    const char* start = b.data();
    b.drop(3000);  // 1096 live bytes at offset 3000, tail at the end
    REQUIRE(b.view() == std::string_view(data).substr(3000));
    b.append("0123456789");  // no room at the tail; fits once compacted
    CHECK(b.capacity() == 4096);
    CHECK(b.data() == start);
    CHECK(b.view() == data.substr(3000) + "0123456789");
  }

  TEST_CASE("IoBuffer: no compaction when more than half is live: grows instead") {
    IoBuffer b;
    const std::string data = pattern(4096);
    b.append(data);
    b.drop(1000);  // 3096 live > capacity / 2
    b.append(pattern(500, 1));
    CHECK(b.capacity() == 8192);
    CHECK(b.view() == data.substr(1000) + pattern(500, 1));
  }

  TEST_CASE("IoBuffer: many small appends and drops keep a FIFO byte stream intact") {
    IoBuffer b;
    std::string expected;
    size_t produced = 0, consumed = 0;
    for (int round = 0; round < 2000; ++round) {
      const std::string chunk = pattern(1 + (round * 37) % 900, produced);
      b.append(chunk);
      expected += chunk;
      produced += chunk.size();
      const size_t n = std::min<size_t>(b.size(), 1 + (round * 53) % 1000);
      REQUIRE(b.view().substr(0, n) == std::string_view(expected).substr(consumed, n));
      b.drop(n);
      consumed += n;
      REQUIRE(b.size() == produced - consumed);
    }
    CHECK(b.view() == std::string_view(expected).substr(consumed));
    CHECK(b.capacity() <= 8192);  // steady state stays small
  }

  TEST_CASE("IoBuffer: clear forgets the bytes but keeps the memory") {
    IoBuffer b;
    b.append(pattern(5000));
    const size_t cap = b.capacity();
    b.clear();
    CHECK(b.empty());
    CHECK(b.capacity() == cap);
    b.append("again");
    CHECK(b.view() == "again");
  }

  TEST_CASE("IoBuffer: shrinkIfIdle frees an empty oversized buffer only") {
    IoBuffer b;
    b.append(pattern(100000));
    const size_t big = b.capacity();
    REQUIRE(big > 16384);
    b.shrinkIfIdle(16384);  // not empty: kept
    CHECK(b.capacity() == big);
    CHECK(b.size() == 100000);
    b.drop(b.size());
    b.shrinkIfIdle(big);  // not larger than `keep`: kept
    CHECK(b.capacity() == big);
    b.shrinkIfIdle(16384);
    CHECK(b.capacity() == 0);
    CHECK(b.empty());
    b.append("after");  // usable again
    CHECK(b.view() == "after");
    CHECK(b.capacity() == 4096);
  }

  TEST_CASE("IoBuffer: appending empty input is harmless, also before any allocation") {
    IoBuffer b;
    b.append("", 0);
    b.append(std::string_view());
    CHECK(b.empty());
    b.append("a");
    b.append("", 0);
    CHECK(b.view() == "a");
  }
}
