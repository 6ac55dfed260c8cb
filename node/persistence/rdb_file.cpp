// rdb_file.h: the RDB file's frame around rdb_codec.h's objects (Redis 7.0's rdbSaveRio,
// rdbSaveInfoAuxFields, rdbSaveFunctions and rdbLoadRioWithLoadingCtx).
#include "node/persistence/rdb_file.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "node/keyspace/value_codec.h"

namespace strata::node::rdb {

namespace {

constexpr size_t kChunkBytes = 64 * 1024;
constexpr std::string_view kMagic = "REDIS";
// Opcodes of other versions than 7.0's: 7.0 RC's functions (refused, as 7.0.15 does) and 7.4's
// per-slot sizes (skipped).
constexpr uint8_t kOpFunctionPreGa = 246;
constexpr uint8_t kOpSlotInfo = 244;

// Buffers the Writer's bytes and hands them to `out` in chunks, keeping the CRC64 of all of them.
class ChunkedOut {
 public:
  explicit ChunkedOut(const std::function<bool(std::string_view)>& out) : out_(out) {
    buf_.reserve(kChunkBytes * 2);
  }
  std::string& buffer() { return buf_; }
  bool ok() const { return ok_; }
  uint64_t crc() const { return crc_; }
  void maybeFlush() {
    if (buf_.size() >= kChunkBytes) flush();
  }
  void flush() {
    if (!ok_ || buf_.empty()) return;
    crc_ = codec::crc64(crc_, buf_.data(), buf_.size());
    ok_ = out_(buf_);
    buf_.clear();
  }

 private:
  const std::function<bool(std::string_view)>& out_;
  std::string buf_;
  uint64_t crc_ = 0;
  bool ok_ = true;
};

void auxString(Writer& w, std::string_view key, std::string_view value) {
  w.byte(kOpAux);
  w.string(key);
  w.string(value);
}

void auxInt(Writer& w, std::string_view key, int64_t value) {
  w.byte(kOpAux);
  w.string(key);
  w.integerString(value);
}

}  // namespace

bool saveFile(const Keyspace& ks, const FileSaveOptions& opts,
              const std::function<bool(std::string_view)>& out) {
  ChunkedOut chunks(out);
  Writer w(chunks.buffer(), opts.compress);
  char magic[16];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", static_cast<int>(kVersion));
  w.raw(magic);
  // rdbSaveInfoAuxFields.
  auxString(w, "redis-ver", opts.redisVersion);
  auxInt(w, "redis-bits", sizeof(void*) == 8 ? 64 : 32);
  auxInt(w, "ctime", opts.ctimeSec);
  auxInt(w, "used-mem", opts.usedMem);
  if (!opts.replId.empty()) {
    auxInt(w, "repl-stream-db", 0);
    auxString(w, "repl-id", opts.replId);
    auxInt(w, "repl-offset", opts.replOffset);
  }
  auxInt(w, "aof-base", 0);
  // rdbSaveFunctions.
  if (opts.forEachLibrary) {
    opts.forEachLibrary([&](std::string_view code) {
      w.byte(kOpFunction2);
      w.string(code);
      chunks.maybeFlush();
    });
  }
  if (ks.size() > 0) {
    w.byte(kOpSelectDb);
    w.len(0);
    w.byte(kOpResizeDb);
    w.len(ks.size());
    w.len(ks.volatileCount());
    ks.forEach([&](const Entry& e) {
      if (!chunks.ok()) return;
      if (e.hasExpire()) {
        w.byte(kOpExpireTimeMs);
        w.millis(ks.expireAt(&e));
      }
      saveKeyValue(e, w);
      chunks.maybeFlush();
    });
  }
  w.byte(kOpEof);
  chunks.flush();
  if (!chunks.ok()) return false;
  const uint64_t crc = opts.checksum ? chunks.crc() : 0;
  char trailer[8];
  for (int i = 0; i < 8; ++i) trailer[i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  return out(std::string_view(trailer, 8));
}

FileLoadResult loadFile(std::string_view data, Keyspace& ks, const FileLoadOptions& opts) {
  FileLoadResult res;
  auto fail = [&res, &data](std::string why, size_t offset) {
    res.ok = false;
    res.error = std::move(why);
    res.offset = std::min(offset, data.size());
    return res;
  };
  if (data.size() < 9) return fail("Short read: no RDB header", data.size());
  if (data.substr(0, kMagic.size()) != kMagic) {
    return fail("Wrong signature trying to load DB from file", 0);
  }
  int version = 0;
  for (size_t i = 5; i < 9; ++i) {
    if (data[i] < '0' || data[i] > '9') return fail("Wrong RDB version field", i);
    version = version * 10 + (data[i] - '0');
  }
  res.version = version;
  if (version < 1 || version > kMaxLoadVersion) {
    return fail("Can't handle RDB format version " + std::to_string(version), 5);
  }
  Reader r(data);
  std::string_view skipped;
  r.raw(9, skipped);
  const auto shortRead = [&](size_t at) {
    return fail("Short read or corrupt data (unexpected end of file)", std::max(at, r.offset()));
  };
  int64_t expireAt = -1;
  int64_t lfuFreq = -1;
  int64_t lruIdle = -1;
  uint64_t db = 0;
  std::string key, auxKey, auxValue, code;
  for (;;) {
    const size_t at = r.offset();
    uint8_t type = 0;
    if (!r.byte(type)) return shortRead(at);
    uint64_t a = 0, b = 0, c = 0;
    switch (type) {
      case kOpExpireTime: {
        std::string_view four;
        if (!r.raw(4, four)) return shortRead(at);
        int32_t seconds = 0;
        std::memcpy(&seconds, four.data(), 4);  // little-endian, as rdbLoadTime on x86/arm
        expireAt = static_cast<int64_t>(seconds) * 1000;
        continue;
      }
      case kOpExpireTimeMs:
        if (!r.millis(expireAt)) return shortRead(at);
        continue;
      case kOpFreq: {
        uint8_t f = 0;
        if (!r.byte(f)) return shortRead(at);
        lfuFreq = f;
        continue;
      }
      case kOpIdle:
        if (!r.len(a)) return shortRead(at);
        lruIdle = static_cast<int64_t>(a & 0x7FFFFFFFFFFFFFFFULL);
        continue;
      case kOpSelectDb:
        if (!r.len(db)) return shortRead(at);
        continue;
      case kOpResizeDb:  // sizes only: nothing is reserved from a claimed count
        if (!r.len(a) || !r.len(b)) return shortRead(at);
        continue;
      case kOpSlotInfo:  // 7.4: slot id, keys, expires
        if (!r.len(a) || !r.len(b) || !r.len(c)) return shortRead(at);
        continue;
      case kOpAux:
        if (!r.string(auxKey) || !r.string(auxValue)) return shortRead(at);
        if (auxKey == "redis-ver") res.producer = auxValue.substr(0, 64);
        continue;
      case kOpModuleAux:
        return fail("The RDB file contains AUX module data I can't load: this node has no modules",
                    at);
      case kOpFunctionPreGa:
        return fail("Pre-release function format not supported.", at);
      case kOpFunction2: {
        if (!r.string(code)) return shortRead(at);
        std::string why;
        if (!opts.loadLibrary) return fail("The RDB file has a function library and no loader", at);
        if (!opts.loadLibrary(code, why))
          return fail("Failed loading a function library: " + why, at);
        ++res.libraries;
        continue;
      }
      case kOpEof:
        break;
      default: {
        if (!isObjectType(type)) return fail("Unknown RDB object type " + std::to_string(type), at);
        if (!r.string(key)) return shortRead(at);
        if (db != 0) {
          return fail("The RDB file has keys in database " + std::to_string(db) +
                          ", and this node has only database 0: move them to db 0 first "
                          "(MOVE/SWAPDB on the old server) or drop that database",
                      at);
        }
        const size_t valueAt = r.offset();
        Value value;
        const LoadStatus st = loadObject(type, r, value, opts.limits);
        if (st == LoadStatus::kUnsupported) {
          return fail("The RDB file has a module value (key '" + key.substr(0, 128) +
                          "'): this node has no modules",
                      valueAt);
        }
        if (st != LoadStatus::kOk) {
          return fail("Bad data format of key '" + key.substr(0, 128) + "' (type " +
                          std::to_string(type) + ")",
                      std::max(valueAt, r.offset()));
        }
        const int64_t at_ = expireAt;
        const int64_t freq = lfuFreq, idle = lruIdle;
        expireAt = lfuFreq = lruIdle = -1;
        if (opts.dropExpired && at_ != -1 && at_ < ks.now()) {
          ++res.keysExpired;
          continue;
        }
        if (ks.peek(key) != nullptr) {
          if (!opts.replaceExisting) {
            return fail("RDB has duplicated key '" + key.substr(0, 128) + "' in DB 0", at);
          }
          ks.erase(key);
        }
        Entry* e = ks.set(key, std::move(value));
        if (at_ != -1) ks.setExpireAt(e, at_);
        ks.setLruOrLfu(e, freq, idle);
        ++res.keysLoaded;
        continue;
      }
    }
    break;  // EOF
  }
  if (version >= 5) {
    const size_t crcAt = r.offset();
    std::string_view eight;
    if (!r.raw(8, eight)) return shortRead(crcAt);
    uint64_t expected = 0;
    for (int i = 7; i >= 0; --i) {
      expected = (expected << 8) | static_cast<unsigned char>(eight[static_cast<size_t>(i)]);
    }
    if (opts.verifyChecksum && expected != 0) {
      const uint64_t got = codec::crc64(0, data.data(), crcAt);
      if (got != expected) {
        char text[96];
        std::snprintf(text, sizeof(text), "Wrong RDB checksum expected: (%llx) got (%llx)",
                      static_cast<unsigned long long>(expected),
                      static_cast<unsigned long long>(got));
        return fail(text, crcAt);
      }
    }
  }
  res.ok = true;
  return res;
}

}  // namespace strata::node::rdb
