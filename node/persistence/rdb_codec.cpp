// RDB primitives: lengths, strings (int-encoded, LZF through Debian's liblzf, raw), doubles and
// millisecond times, as rdb.c reads and writes them. The per-type object bodies live in
// rdb_objects.cpp (saving) and rdb_load.cpp (loading).
#include "node/persistence/rdb_codec.h"

#include <lzf.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "common/resp/number.h"

namespace strata::node::rdb {

namespace {

constexpr uint8_t kEncVal = 3;  // RDB_ENCVAL: the top two bits of a special string encoding
constexpr uint8_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;
// lzf's longest back-reference turns 3 input bytes into 264 output bytes: a claimed length
// above this many times the compressed size cannot be honest.
constexpr uint64_t kLzfMaxRatio = 88;

void putLE(std::string& out, uint64_t v, int bytes) {
  char buf[8];
  for (int i = 0; i < bytes; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(buf, static_cast<size_t>(bytes));
}

uint64_t getLE(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// rdbEncodeInteger: the int8/16/32 special encoding of `v` into buf; 0 if it does not fit.
size_t encodeInteger(int64_t v, char (&buf)[5]) {
  auto put = [&](uint8_t enc, int bytes) {
    buf[0] = static_cast<char>((kEncVal << 6) | enc);
    for (int i = 0; i < bytes; ++i) {
      buf[1 + i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFF);
    }
    return static_cast<size_t>(1 + bytes);
  };
  if (v >= -(1 << 7) && v <= (1 << 7) - 1) return put(kEncInt8, 1);
  if (v >= -(1 << 15) && v <= (1 << 15) - 1) return put(kEncInt16, 2);
  if (v >= -(int64_t{1} << 31) && v <= (int64_t{1} << 31) - 1) return put(kEncInt32, 4);
  return 0;
}

}  // namespace

bool isObjectType(uint8_t type) {
  return type <= kTypeZSet2 || type == kTypeModule2 ||
         (type >= kTypeHashZipmap && type <= kTypeStreamListpacks3);
}

// ---- Writer ----

void Writer::len(uint64_t n) {
  if (n < (1 << 6)) {
    byte(static_cast<uint8_t>(n));
  } else if (n < (1 << 14)) {
    byte(static_cast<uint8_t>(0x40 | (n >> 8)));
    byte(static_cast<uint8_t>(n & 0xFF));
  } else if (n <= UINT32_MAX) {
    byte(0x80);
    for (int i = 3; i >= 0; --i) byte(static_cast<uint8_t>((n >> (8 * i)) & 0xFF));
  } else {
    byte(0x81);
    for (int i = 7; i >= 0; --i) byte(static_cast<uint8_t>((n >> (8 * i)) & 0xFF));
  }
}

void Writer::string(std::string_view s) {
  // rdbTryIntegerEncoding: only a canonical integer (what ll2string gives back) is encoded.
  if (s.size() <= 11) {
    int64_t v;
    char buf[5];
    if (resp::parseInt64(s, v)) {
      if (const size_t n = encodeInteger(v, buf); n > 0) {
        out_.append(buf, n);
        return;
      }
    }
  }
  // rdbSaveLzfStringObject: only when it saves at least 4 bytes.
  if (compress_ && s.size() > 20 && s.size() <= UINT32_MAX) {  // liblzf sizes are unsigned int
    lzf_.resize(s.size() - 4 + 1);
    const unsigned int clen = lzf_compress(s.data(), static_cast<unsigned int>(s.size()),
                                           lzf_.data(), static_cast<unsigned int>(s.size() - 4));
    if (clen > 0) {
      byte((kEncVal << 6) | kEncLzf);
      len(clen);
      len(s.size());
      out_.append(lzf_.data(), clen);
      return;
    }
  }
  len(s.size());
  out_.append(s);
}

void Writer::integerString(int64_t v) {
  char buf[5];
  if (const size_t n = encodeInteger(v, buf); n > 0) {
    out_.append(buf, n);
    return;
  }
  char text[24];
  const auto r = std::to_chars(text, text + sizeof(text), v);
  const auto n = static_cast<size_t>(r.ptr - text);
  len(n);
  out_.append(text, n);
}

void Writer::binaryDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  putLE(out_, bits, 8);
}

void Writer::millis(int64_t ms) {
  putLE(out_, static_cast<uint64_t>(ms), 8);
}

// ---- Reader ----

bool Reader::byte(uint8_t& b) {
  if (remaining() < 1) return false;
  b = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool Reader::raw(size_t n, std::string_view& bytes) {
  if (remaining() < n) return false;
  bytes = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::len(uint64_t& n, bool* encoded) {
  if (encoded != nullptr) *encoded = false;
  uint8_t b;
  if (!byte(b)) return false;
  const uint8_t kind = b >> 6;
  if (kind == kEncVal) {
    if (encoded == nullptr) return false;  // a length was expected here
    *encoded = true;
    n = b & 0x3F;
    return true;
  }
  if (kind == 0) {
    n = b & 0x3F;
    return true;
  }
  if (kind == 1) {
    uint8_t lo;
    if (!byte(lo)) return false;
    n = (static_cast<uint64_t>(b & 0x3F) << 8) | lo;
    return true;
  }
  int bytes = 0;
  if (b == 0x80) {
    bytes = 4;
  } else if (b == 0x81) {
    bytes = 8;
  } else {
    return false;
  }
  std::string_view p;
  if (!raw(static_cast<size_t>(bytes), p)) return false;
  n = 0;
  for (char c : p) n = (n << 8) | static_cast<uint8_t>(c);
  return true;
}

bool Reader::stringView(std::string_view& out) {
  bool encoded;
  uint64_t n;
  if (!len(n, &encoded)) return false;
  if (!encoded) {
    if (n > remaining()) return false;
    return raw(static_cast<size_t>(n), out);
  }
  std::string_view p;
  int64_t v = 0;
  switch (n) {
    case kEncInt8:
      if (!raw(1, p)) return false;
      v = static_cast<int8_t>(p[0]);
      break;
    case kEncInt16:
      if (!raw(2, p)) return false;
      v = static_cast<int16_t>(getLE(p.data(), 2));
      break;
    case kEncInt32:
      if (!raw(4, p)) return false;
      v = static_cast<int32_t>(getLE(p.data(), 4));
      break;
    case kEncLzf: {
      uint64_t clen, ulen;
      if (!len(clen) || !len(ulen) || clen == 0 || ulen == 0) return false;
      // liblzf takes unsigned int sizes: nothing longer fits its API.
      if (clen > remaining() || ulen > clen * kLzfMaxRatio || ulen > UINT32_MAX) return false;
      std::string_view c;
      if (!raw(static_cast<size_t>(clen), c)) return false;
      scratch_->resize(static_cast<size_t>(ulen));
      const unsigned int got = lzf_decompress(c.data(), static_cast<unsigned int>(clen),
                                              scratch_->data(), static_cast<unsigned int>(ulen));
      if (got != ulen) return false;
      out = *scratch_;
      return true;
    }
    default:
      return false;
  }
  scratch_->resize(24);
  const auto r = std::to_chars(scratch_->data(), scratch_->data() + scratch_->size(), v);
  scratch_->resize(static_cast<size_t>(r.ptr - scratch_->data()));
  out = *scratch_;
  return true;
}

bool Reader::string(std::string& out) {
  std::string_view v;
  if (!stringView(v)) return false;
  out.assign(v);
  return true;
}

bool Reader::binaryDouble(double& d) {
  std::string_view p;
  if (!raw(8, p)) return false;
  const uint64_t bits = getLE(p.data(), 8);
  std::memcpy(&d, &bits, sizeof(d));
  return true;
}

bool Reader::textDouble(double& d) {
  uint8_t n;
  if (!byte(n)) return false;
  switch (n) {
    case 255:
      d = -HUGE_VAL;
      return true;
    case 254:
      d = HUGE_VAL;
      return true;
    case 253:
      d = std::nan("");
      return true;
    default:
      break;
  }
  std::string_view p;
  if (!raw(n, p)) return false;
  char buf[256];
  std::memcpy(buf, p.data(), n);
  buf[n] = '\0';
  char* end = nullptr;
  d = std::strtod(buf, &end);
  return end == buf + n && n > 0;
}

bool Reader::millis(int64_t& ms) {
  std::string_view p;
  if (!raw(8, p)) return false;
  ms = static_cast<int64_t>(getLE(p.data(), 8));
  return true;
}

}  // namespace strata::node::rdb
