// Key-slot vectors from the Redis Cluster spec, plus slots cross-checked with redis-server 7.0's
// CLUSTER KEYSLOT.
#include "common/slots/key_slot.h"

#include <doctest/doctest.h>

#include <string>

using namespace strata::slots;

TEST_SUITE("common.slots") {
  TEST_CASE("CRC16 XMODEM check value") {
    CHECK(crc16("123456789") == 0x31C3);
  }

  TEST_CASE("CRC16 of empty input is zero") {
    CHECK(crc16("") == 0);
  }

  TEST_CASE("sliced CRC16 equals the bitwise definition at every length and alignment") {
    auto bitwise = [](const char* p, size_t n) {
      uint16_t crc = 0;
      for (size_t i = 0; i < n; ++i) {
        crc ^= static_cast<uint16_t>(static_cast<uint8_t>(p[i]) << 8);
        for (int bit = 0; bit < 8; ++bit) {
          crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                               : static_cast<uint16_t>(crc << 1);
        }
      }
      return crc;
    };
    std::string bytes;
    uint32_t x = 12345;
    for (int i = 0; i < 300; ++i) {
      x = x * 1103515245u + 12345u;
      bytes.push_back(static_cast<char>(x >> 16));
    }
    for (size_t offset = 0; offset < 8; ++offset) {
      for (size_t len = 0; len + offset <= bytes.size(); len += (len < 40 ? 1 : 37)) {
        CHECK(crc16(bytes.data() + offset, len) == bitwise(bytes.data() + offset, len));
      }
    }
  }

  TEST_CASE("hash tags as in the cluster spec") {
    CHECK(keySlot("{user1000}.following") == keySlot("{user1000}.followers"));
    CHECK(hashTag("{user1000}.following") == "user1000");
    CHECK(hashTag("foo{}{bar}") == "foo{}{bar}");
    CHECK(keySlot("foo{}{bar}") == (crc16("foo{}{bar}") & 16383));
    CHECK(hashTag("foo{{bar}}zap") == "{bar");
    CHECK(keySlot("foo{{bar}}zap") == (crc16("{bar") & 16383));
    CHECK(hashTag("foo{bar}{zap}") == "bar");
    CHECK(keySlot("foo{bar}{zap}") == keySlot("bar"));
    CHECK(hashTag("no-tag") == "no-tag");
    CHECK(hashTag("open{only") == "open{only");
    CHECK(hashTag("}{x}") == "x");
  }

  TEST_CASE("slots agree with redis-server's CLUSTER KEYSLOT") {
    // Values from redis-server 7.0 `CLUSTER KEYSLOT <key>`.
    CHECK(keySlot("foo") == 12182);
    CHECK(keySlot("bar") == 5061);
    CHECK(keySlot("hello") == 866);
    CHECK(keySlot("") == 0);
    CHECK(keySlot("key:000000000001") == keySlot(std::string("key:000000000001")));
    CHECK(keySlot("key:000000012345") == 12533);
    CHECK(keySlot("user:1000:profile") == 8918);
    CHECK(keySlot("{user1000}.following") == 3443);
  }

  TEST_CASE("binary keys hash every byte") {
    std::string k("a\0b", 3);
    CHECK(keySlot(k) == (crc16(k.data(), 3) & 16383));
    CHECK(keySlot(k) != keySlot("a"));
  }
}
