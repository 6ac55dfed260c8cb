// DUMP payload codec: CRC64 (Redis's polynomial) and the footer around persistence/rdb_codec's
// object serialization; see value_codec.h.
#include "node/keyspace/value_codec.h"

#include <array>

namespace strata::node::codec {

namespace {

// ---- CRC64 ----

constexpr uint64_t kPolyReflected = 0x95AC9329AC4BC9B5ULL;  // Jones 0xad93d23594c935a9, reflected

constexpr std::array<uint64_t, 256> makeTable() {
  std::array<uint64_t, 256> t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint64_t, 256> kCrcTable = makeTable();

}  // namespace

uint64_t crc64(uint64_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < len; ++i) crc = kCrcTable[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc;
}

void encode(const Entry& e, std::string& out, bool compress) {
  const size_t start = out.size();
  rdb::Writer w(out, compress);
  rdb::saveObject(e, w);
  out.push_back(static_cast<char>(rdb::kVersion & 0xFF));
  out.push_back(static_cast<char>(rdb::kVersion >> 8));
  const uint64_t crc = crc64(0, out.data() + start, out.size() - start);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
}

bool verify(std::string_view payload) {
  if (payload.size() < kFooterSize) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
  const size_t n = payload.size();
  const auto version = static_cast<uint16_t>(p[n - 10] | (p[n - 9] << 8));
  if (version > kMaxPayloadVersion) return false;
  uint64_t crc = 0;
  for (int i = 0; i < 8; ++i) crc |= static_cast<uint64_t>(p[n - 8 + i]) << (8 * i);
  return crc64(0, p, n - 8) == crc;
}

DecodeStatus decode(std::string_view payload, Value& out, std::string& scratch,
                    const rdb::LoadLimits& limits) {
  if (!verify(payload)) return DecodeStatus::kBadChecksum;
  rdb::Reader r(payload.substr(0, payload.size() - kFooterSize), &scratch);
  uint8_t type;
  if (!r.byte(type) || !rdb::isObjectType(type)) return DecodeStatus::kBadFormat;
  // A module type (no modules here) is Bad data format too, as RESTORE of an unknown module's.
  if (rdb::loadObject(type, r, out, limits) != rdb::LoadStatus::kOk || r.remaining() != 0) {
    return DecodeStatus::kBadFormat;
  }
  return DecodeStatus::kOk;
}

}  // namespace strata::node::codec
