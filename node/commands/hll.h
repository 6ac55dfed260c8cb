// HyperLogLog sketches in Redis 7.0's string representation, so PFADD/PFCOUNT/PFMERGE give the
// same estimates and GET returns the same bytes as redis-server: a 16-byte header ("HYLL",
// encoding 0 dense / 1 sparse, 3 zero bytes, the cached cardinality little endian with bit 7 of
// the last byte meaning "stale"), then 16384 6-bit registers (p = 14) either packed (dense,
// 12288 bytes, least significant bits first) or run-length coded (sparse opcodes ZERO 00xxxxxx,
// XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx). Elements are hashed with MurmurHash64A (seed
// 0xadc83b19): the low 14 bits pick the register, the position of the first set bit of the rest
// is the value. A sparse sketch turns dense when a register exceeds 32 or the string would pass
// hll-sparse-max-bytes (3000). The estimate is Ertl's improved raw estimator ("New cardinality
// estimation algorithms for HyperLogLog sketches", arXiv:1702.01284), as Redis 7.0 uses.
// Pure functions over std::string; hyperloglog.cpp holds the commands. Any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::node::hll {

inline constexpr int kP = 14;
inline constexpr int kQ = 64 - kP;
inline constexpr size_t kRegisters = size_t{1} << kP;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;
inline constexpr size_t kSparseMaxBytes = 3000;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;

uint64_t murmurHash64A(const void* key, size_t len, uint64_t seed);

// An empty sketch (sparse, one XZERO run, cached cardinality 0 valid): 18 bytes.
std::string create();
// isHLLObjectOrReply's checks: magic, known encoding, exact dense length.
bool valid(std::string_view s);
// Adds an element to the sketch in `s` (which must be valid()). 1 if a register changed, 0 if
// not, -1 if a sparse sketch is corrupt. May convert `s` to dense.
int add(std::string& s, std::string_view element, size_t sparseMaxBytes = kSparseMaxBytes);
// Register-wise max of `s` into `max` (kRegisters bytes). False if `s` is a corrupt sparse one.
bool mergeInto(std::string_view s, uint8_t* max);
// Sets register `index` to `count` if higher (PFMERGE's write-back); -1 on corruption.
int setRegister(std::string& s, size_t index, uint8_t count,
                size_t sparseMaxBytes = kSparseMaxBytes);
// Sparse to dense conversion (no-op if dense); false on corruption.
bool toDense(std::string& s);
// The estimate for the registers of a valid sketch; `invalid` set for a corrupt sparse one.
uint64_t count(std::string_view s, bool* invalid);
// The estimate for raw registers (kRegisters bytes, PFCOUNT of several keys).
uint64_t countRaw(const uint8_t* registers);

// The cached cardinality of the header.
inline bool cacheValid(std::string_view s) {
  return (static_cast<uint8_t>(s[15]) & 0x80) == 0;
}
inline void invalidateCache(std::string& s) {
  s[15] = static_cast<char>(static_cast<uint8_t>(s[15]) | 0x80);
}
uint64_t cachedCard(std::string_view s);
void setCachedCard(std::string& s, uint64_t card);

}  // namespace strata::node::hll
