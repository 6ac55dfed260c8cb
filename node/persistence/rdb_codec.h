// Redis's RDB object serialization (RDB version 10, as redis-server 7.0 writes it): the length,
// string and double encodings of rdb.c, and one value's type byte + body (rdbSaveObjectType /
// rdbSaveObject, rdbLoadObject). DUMP/RESTORE/MIGRATE payloads (keyspace/value_codec.h) and the
// whole-file RDB (SAVE/BGSAVE, loading at start) are built on it.
//
// Saving writes what 7.0 writes for the encoding the value has: listpack hashes/zsets (16, 17),
// intset sets (11), quicklist2 lists of listpack or plain nodes (18), and for the big encodings
// set (2), hash (4), zset2 (5); streams as 19. Loading accepts every type 7.0 loads plus 7.2's
// set listpack (20) and stream v3 (21); the ziplist/zipmap/listpack/intset blobs of the compact
// types are parsed entry by entry with every header, length and back-length checked (Redis's deep
// integrity check), duplicates and empty containers rejected, module types kUnsupported. Nothing
// is allocated from a claimed size beyond the bytes left. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/keyspace/containers.h"
#include "node/keyspace/entry.h"
#include "node/keyspace/value.h"
#include "node/keyspace/zset.h"
#include "node/settings.h"

namespace strata::node::rdb {

inline constexpr uint16_t kVersion = 10;  // RDB_VERSION of redis-server 7.0

// RDB type bytes (RDB_TYPE_*) and opcodes (RDB_OPCODE_*), named as Redis's.
enum : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
  kTypeSetListpack = 20,
  kTypeStreamListpacks3 = 21,
  kOpFunction2 = 245,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255
};

// Quicklist2 node containers (QUICKLIST_NODE_CONTAINER_*), and the element size from which
// quicklist keeps an element in a plain node of its own (packed_threshold, 1 GiB).
inline constexpr uint64_t kQuicklistNodePlain = 1;
inline constexpr uint64_t kQuicklistNodePacked = 2;
inline constexpr size_t kPackedThreshold = size_t{1} << 30;

// True for a type byte loadObject() knows (kTypeModule2 included: it answers kUnsupported).
bool isObjectType(uint8_t type);

// Appends RDB encodings to `out`; never fails.
class Writer {
 public:
  // compress: rdbcompression (LZF for strings longer than 20 bytes when it saves space).
  explicit Writer(std::string& out, bool compress = true) : out_(out), compress_(compress) {}
  void byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  // rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit form.
  void len(uint64_t n);
  // rdbSaveRawString: int-encoded when the bytes are a canonical integer of <= 11 chars that
  // fits 32 bits, LZF when compressing and the string is long enough and shrinks, else raw.
  void string(std::string_view s);
  // rdbSaveLongLongAsStringObject.
  void integerString(int64_t v);
  // rdbSaveBinaryDoubleValue: 8 bytes little-endian.
  void binaryDouble(double d);
  // rdbSaveMillisecondTime: 8 bytes little-endian.
  void millis(int64_t ms);
  void raw(std::string_view bytes) { out_.append(bytes); }
  std::string& out() { return out_; }
  bool compresses() const { return compress_; }

 private:
  std::string& out_;
  bool compress_;
  std::string lzf_;  // compression scratch, reused across strings
};

// Reads RDB encodings from an in-memory buffer; every read is bounds-checked and returns false
// on short or malformed input (the position is then unspecified).
class Reader {
 public:
  // `scratch` (optional) receives decompressed and int-formatted strings that stringView()
  // hands out; without one the Reader uses its own.
  explicit Reader(std::string_view in, std::string* scratch = nullptr)
      : in_(in), scratch_(scratch != nullptr ? scratch : &ownScratch_) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool byte(uint8_t& b);
  // rdbLoadLenByRef: *encoded (if given) tells a special string encoding (then n is its kind).
  bool len(uint64_t& n, bool* encoded = nullptr);
  // Any string encoding: raw, int8/16/32, LZF.
  bool string(std::string& out);
  // The same without a copy: raw bytes are a view of the input; int and LZF strings are decoded
  // into the scratch string (valid until the next stringView()).
  bool stringView(std::string_view& out);
  // rdbLoadBinaryDoubleValue.
  bool binaryDouble(double& d);
  // rdbLoadDoubleValue (RDB_TYPE_ZSET's length-prefixed text, 253/254/255 = nan/+inf/-inf).
  bool textDouble(double& d);
  bool millis(int64_t& ms);
  bool raw(size_t n, std::string_view& bytes);
  size_t offset() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  std::string ownScratch_;
  std::string* scratch_;
};

// rdbSaveObjectType + rdbSaveObject for a key's value (a DUMP payload's object).
void saveObject(const Entry& e, Writer& w);
// rdbSaveKeyValuePair's object: the type byte, the key (e.key()) as an RDB string, the body,
// straight into `w` (the RDB file's layout).
void saveKeyValue(const Entry& e, Writer& w);

enum class LoadStatus { kOk, kBadFormat, kUnsupported /* module types */ };

// The encoding thresholds a loaded value is shaped by (Redis's server.*_max_* settings);
// defaults are redis-server 7.0's.
struct LoadLimits {
  HashLimits hash;
  ZSetLimits zset;
  size_t setMaxIntsetEntries = kSetMaxIntsetEntries;
  ListLimits list;
};
// The limits of a node's settings (hash-/zset-max-listpack-*, set-max-intset-entries,
// list-max-listpack-size).
LoadLimits loadLimits(const NodeSettings& s);

// rdbLoadObject: `type` already read; fills `out` (encoding chosen from its contents and limits).
// A string value borrows its bytes from the Reader's input or scratch (Value::string semantics):
// use `out` before either changes.
LoadStatus loadObject(uint8_t type, Reader& r, Value& out, const LoadLimits& limits = {});

}  // namespace strata::node::rdb
