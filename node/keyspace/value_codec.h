// The DUMP/RESTORE payload: one key's value serialized as a self-checking byte string. DUMP
// writes it, RESTORE and RESTORE-ASKING read it, MIGRATE carries it between nodes. Layout:
//
//   [type:1][encoding hint:1][body ...][format version:2 LE][CRC64:8 LE]
//
// The footer has the shape of Redis's (2-byte version, then Redis's CRC-64/Jones over every
// byte before it, version included), but the version is 0x5301 ("S", 1), above any RDB version:
// redis-server rejects our payloads and we reject its payloads, both with "DUMP payload version
// or checksum are wrong", never by misreading. Bodies use LEB128 varints for lengths and counts:
//   string   int hint: zigzag varint of the int64; embstr/raw hint: len, bytes
//   list/set count (>= 1), then count x (len, bytes)
//   hash     count (>= 1), then count x (field len, field, value len, value)
//   zset     count (>= 1), then count x (member len, member, score: IEEE-754 double, 8 bytes LE)
//   stream   last/max-deleted IDs, entries-added, entries (id, fields), consumer groups with their
//            consumers and PEL (see encodeStream in value_codec.cpp)
// The encoding hint is what OBJECT ENCODING reported at DUMP time; decoding checks it is valid
// for the type, and each container re-derives its own encoding from its contents on load, as
// Redis's rdbLoadObject does (a hint lets compact encodings skip that later).
//
// Decoding is hostile-input safe: every length and count is checked against the bytes left
// (so nothing is pre-allocated from a claimed size), varints are bounded, duplicates, empty
// containers and trailing bytes are rejected. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/keyspace/entry.h"
#include "node/keyspace/value.h"
#include "node/keyspace/zset.h"

namespace strata::node::codec {

inline constexpr uint16_t kFormatVersion = 0x5301;
inline constexpr size_t kFooterSize = 10;  // version + CRC64

// Redis's crc64 (Jones polynomial, reflected, as src/crc64.c): crc64(0, "123456789") ==
// 0xe9c6d914c4b8d9ca.
uint64_t crc64(uint64_t crc, const void* data, size_t len);

// Appends the payload of `e`'s value to `out`. False (out unchanged) for a type the codec does
// not serialize yet.
bool encode(const Entry& e, std::string& out);

// Footer check: long enough, our version, CRC matches (Redis's verifyDumpPayload).
bool verify(std::string_view payload);

enum class DecodeStatus {
  kOk,
  kBadChecksum,  // "ERR DUMP payload version or checksum are wrong"
  kBadFormat,    // "ERR Bad data format"
};

// Verifies then decodes `payload` into `out`. A string value borrows its bytes from `payload`
// (Value::string semantics), so `payload` must outlive the use of `out`. A zset takes the
// listpack or skiplist encoding `zsetLimits` (zset-max-listpack-*) call for.
DecodeStatus decode(std::string_view payload, Value& out, const ZSetLimits& zsetLimits = {});

}  // namespace strata::node::codec
