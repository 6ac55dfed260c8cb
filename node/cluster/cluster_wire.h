// The cluster bus wire format (only strata nodes speak it; Redis's semantics, not its bytes).
// Every message is a fixed header followed by a type-specific body, all integers little-endian:
//
//   offset size  field                     offset size  field
//   0      4     magic "STcb"              120    46    myip (announced, NUL padded; "" = use
//   4      2     version (2)                            the connection's address)
//   6      2     type (MsgType)            166    2     port (client)
//   8      4     total length (header+body)168    2     cport (bus)
//   12     2     count (gossip entries)    170    1     state (0 ok, 1 fail)
//   14     2     sender flags              171    1     mflags (failover.h: PAUSED, FORCEACK)
//   16     8     currentEpoch              172    2048  slots bitmap of the sender (its master's
//   24     8     configEpoch                            for a replica), bit j of byte j/8 LSB first
//   32     8     replication offset        2220   2     pport (the plaintext client port under
//   40     40    sender name                            tls-cluster, as Redis 7.0's; else 0)
//   80     40    replicaof name (zeros:    2222         end of header
//                a master)
//
// Bodies: AUTH_REQUEST/AUTH_ACK/MFSTART = empty; PING/PONG/MEET = count x gossip entry (100 bytes:
// name 40, ping_sent s 4, pong_recv s 4, ip 46, port 2, cport 2, flags 2); FAIL = name 40; UPDATE =
// configEpoch 8, name 40, slots 2048; PUBLISH/PUBLISHSHARD = channel length 4, message length 4,
// channel, message. Readers validate the magic, version, type and that the length matches the body
// exactly; anything else drops the link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace strata::node::wire {

inline constexpr char kMagic[4] = {'S', 'T', 'c', 'b'};
inline constexpr uint16_t kVersion = 2;    // 2: pport added (1 had no pport)
inline constexpr size_t kPrefixSize = 12;  // magic, version, type, length
inline constexpr size_t kIpLen = 46;
inline constexpr size_t kNameLen = 40;
inline constexpr size_t kSlotBytes = 2048;

inline constexpr size_t kOffCount = 12;
inline constexpr size_t kOffFlags = 14;
inline constexpr size_t kOffCurrentEpoch = 16;
inline constexpr size_t kOffConfigEpoch = 24;
inline constexpr size_t kOffOffset = 32;
inline constexpr size_t kOffSender = 40;
inline constexpr size_t kOffReplicaOf = 80;
inline constexpr size_t kOffIp = 120;
inline constexpr size_t kOffPort = 166;
inline constexpr size_t kOffCport = 168;
inline constexpr size_t kOffState = 170;
inline constexpr size_t kOffMflags = 171;
inline constexpr size_t kOffSlots = 172;
inline constexpr size_t kOffPport = kOffSlots + kSlotBytes;  // 2220
inline constexpr size_t kHeaderSize = kOffPport + 2;         // 2222
static_assert(kHeaderSize == 2222);

inline constexpr size_t kGossipSize = kNameLen + 4 + 4 + kIpLen + 2 + 2 + 2;  // 100
static_assert(kGossipSize == 100);
inline constexpr size_t kFailBody = kNameLen;
inline constexpr size_t kUpdateBody = 8 + kNameLen + kSlotBytes;
inline constexpr size_t kMaxGossip = 4096;
inline constexpr size_t kMaxPublish = 64u << 20;  // channel + message
inline constexpr size_t kMaxMessage = kHeaderSize + 8 + kMaxPublish;

inline void put16(std::string& s, size_t at, uint16_t v) {
  s[at] = static_cast<char>(v & 0xff);
  s[at + 1] = static_cast<char>(v >> 8);
}
inline void put32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void put64(std::string& s, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
// Copies at most `len` bytes of `v`, NUL padding the rest (the field is pre-zeroed).
inline void putStr(std::string& s, size_t at, std::string_view v, size_t len) {
  std::memcpy(s.data() + at, v.data(), v.size() < len ? v.size() : len);
}
inline uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
inline uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
// A NUL-padded field as a string (up to the first NUL).
inline std::string getStr(const uint8_t* p, size_t len) {
  size_t n = 0;
  while (n < len && p[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

}  // namespace strata::node::wire
