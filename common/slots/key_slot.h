// Key -> hash slot mapping exactly as the Redis Cluster spec: CRC16 (XMODEM) of the key, or of
// the first non-empty `{...}` hash tag, modulo 16384. Used by the node (ownership checks,
// CROSSSLOT) and the proxy (routing). Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::slots {

inline constexpr uint16_t kSlotCount = 16384;

// CRC16-CCITT (XMODEM): poly 0x1021, init 0, no reflection. crc16("123456789") == 0x31C3.
uint16_t crc16(const char* data, size_t len);
inline uint16_t crc16(std::string_view s) { return crc16(s.data(), s.size()); }

// The part of the key that is hashed: the content of the first `{...}` if it is non-empty,
// otherwise the whole key.
std::string_view hashTag(std::string_view key);

// Slot of a key in [0, 16384).
inline uint16_t keySlot(std::string_view key) {
  std::string_view tag = hashTag(key);
  return crc16(tag) & (kSlotCount - 1);
}

}  // namespace strata::slots
