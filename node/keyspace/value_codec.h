// The DUMP/RESTORE payload, exactly Redis's (cluster.c's createDumpPayload/verifyDumpPayload):
// DUMP writes it, RESTORE and RESTORE-ASKING read it, MIGRATE carries it between nodes, and it
// moves keys between our nodes and redis-server in both directions (`redis-cli --cluster import`
// has the old redis-server MIGRATE into us). Layout:
//
//   [RDB type:1][RDB object body ...][RDB version:2 LE][CRC64:8 LE]
//
// The type and body are the RDB object serialization of persistence/rdb_codec.h (what
// redis-server 7.0 writes: we write version 10); the CRC is Redis's CRC-64/Jones over every byte
// before it, version included. Decoding accepts payloads up to RDB version 12 (7.4) whose types
// we know; module types and unknown types are Bad data format. Hostile-input safe (see
// rdb_codec.h). Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/keyspace/entry.h"
#include "node/keyspace/value.h"
#include "node/persistence/rdb_codec.h"

namespace strata::node::codec {

inline constexpr size_t kFooterSize = 10;  // version + CRC64
// The newest payload version RESTORE accepts (RDB 12, redis-server 7.4).
inline constexpr uint16_t kMaxPayloadVersion = 12;

// Redis's crc64 (Jones polynomial, reflected, as src/crc64.c): crc64(0, "123456789") ==
// 0xe9c6d914c4b8d9ca.
uint64_t crc64(uint64_t crc, const void* data, size_t len);

// Appends the payload of `e`'s value to `out` (compress: LZF for long strings, as Redis's
// rdbcompression). Every value type serializes.
void encode(const Entry& e, std::string& out, bool compress = true);

// Footer check: long enough, version <= kMaxPayloadVersion, CRC matches (verifyDumpPayload).
bool verify(std::string_view payload);

enum class DecodeStatus {
  kOk,
  kBadChecksum,  // "ERR DUMP payload version or checksum are wrong"
  kBadFormat,    // "ERR Bad data format"
};

// Verifies then decodes `payload` into `out`, shaped by `limits` (the *-max-listpack-* and
// set-max-intset-entries settings). A string value borrows its bytes from `payload` or from
// `scratch` (LZF and int-encoded strings), which must both outlive the use of `out`.
DecodeStatus decode(std::string_view payload, Value& out, std::string& scratch,
                    const rdb::LoadLimits& limits = {});

}  // namespace strata::node::codec
