// libFuzzer target for the DUMP/RESTORE payload decoder (node/keyspace/value_codec.cpp over
// node/persistence/rdb_*.cpp: Redis's RDB object serialization, ziplist/listpack/zipmap/intset
// blobs, LZF), the bytes RESTORE and RESTORE-ASKING accept from any client. The first input byte
// picks the mode: even = the rest is a payload body that gets a valid footer (version + CRC64), so
// the fuzzer reaches the type decoders instead of stopping at the checksum; odd = the rest is
// passed as is (the seeds in corpus/restore_payload are real redis-server 7.0 DUMP payloads, mostly
// odd). A value that decodes is stored in a keyspace, dumped again, and that payload must decode to
// the same type (the codec accepts everything it writes). Never crashes, leaks or allocates from
// a claimed size (ASan + UBSan, -rss_limit_mb).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/keyspace/keyspace.h"
#include "node/keyspace/value_codec.h"

using strata::node::Keyspace;
using strata::node::Value;
namespace codec = strata::node::codec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool sign = (data[0] & 1) == 0;
  std::string payload(reinterpret_cast<const char*>(data + 1), size - 1);
  if (sign) {
    payload.push_back(static_cast<char>(strata::node::rdb::kVersion & 0xFF));
    payload.push_back(static_cast<char>(strata::node::rdb::kVersion >> 8));
    const uint64_t crc = codec::crc64(0, payload.data(), payload.size());
    for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  }
  Value v;
  std::string scratch;
  if (codec::decode(payload, v, scratch) != codec::DecodeStatus::kOk) return 0;
  const auto type = v.type();
  Keyspace ks;
  ks.set("k", std::move(v));
  std::string again;
  codec::encode(*ks.find("k"), again);
  Value w;
  if (codec::decode(again, w, scratch) != codec::DecodeStatus::kOk || w.type() != type) {
    std::abort();
  }
  return 0;
}
