// Key-slot vectors from the Redis Cluster spec, plus slots cross-checked with redis-server 7.0's
// CLUSTER KEYSLOT.
#include "common/slots/key_slot.h"

#include <doctest/doctest.h>

#include <string>

using namespace strata::slots;

TEST_SUITE("common.slots") {
  TEST_CASE("CRC16 XMODEM check value") { CHECK(crc16("123456789") == 0x31C3); }

  TEST_CASE("CRC16 of empty input is zero") { CHECK(crc16("") == 0); }

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
  }

  TEST_CASE("binary keys hash every byte") {
    std::string k("a\0b", 3);
    CHECK(keySlot(k) == (crc16(k.data(), 3) & 16383));
    CHECK(keySlot(k) != keySlot("a"));
  }
}
