// Listpack writer and the listpack/ziplist/zipmap/intset readers (layouts in listpack.c,
// ziplist.c, zipmap.c, intset.c of Redis; see rdb_blobs.h). Every offset is checked against the
// blob before it is read.
#include "node/persistence/rdb_blobs.h"

#include <charconv>

#include "common/resp/number.h"
#include "node/keyspace/listpack.h"

namespace strata::node::rdb {

namespace {

uint64_t getLE(const char* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  }
  return v;
}

// Sign-extends the low `bits` bits of `u`.
int64_t signExtend(uint64_t u, unsigned bits) {
  if (bits == 64) return static_cast<int64_t>(u);
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((u ^ sign) - sign);
}

constexpr size_t kLpHeader = 6;  // total bytes (4) + element count (2)
constexpr uint8_t kLpEnd = 0xFF;
constexpr uint16_t kLpUnknownCount = 65535;

// The entry bytes (without backlen) of an integer / a string of `len` bytes.
size_t lpIntEntryLen(int64_t v) {
  return redisListpackIntSize(v) - 1;  // entries of <= 9 bytes have a 1-byte backlen
}

size_t lpStrEntryLen(size_t len) {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

size_t backlenSize(size_t len) {
  return redisListpackBacklenSize(len);
}

}  // namespace

std::string_view PackedItem::text(char* buf) const {
  if (!isInt) return str;
  const auto r = std::to_chars(buf, buf + kTextBuf, num);
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

// ---- ListpackBuilder ----

ListpackBuilder::ListpackBuilder(std::string& out) : out_(out), start_(out.size()) {
  out_.append(kLpHeader, '\0');
}

size_t ListpackBuilder::entrySize(std::string_view s) {
  return redisListpackStringSize(s);
}

void ListpackBuilder::backlen(size_t l) {
  char buf[5];
  size_t n = backlenSize(l);
  // Most significant 7-bit group first; every byte but the first has the high bit set.
  for (size_t i = 0; i < n; ++i) {
    const unsigned shift = static_cast<unsigned>(7 * (n - 1 - i));
    buf[i] = static_cast<char>(((l >> shift) & 127) | (i == 0 ? 0 : 128));
  }
  out_.append(buf, n);
}

void ListpackBuilder::addInt(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  const size_t len = lpIntEntryLen(v);
  auto putLE = [&](uint64_t x, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((x >> (8 * i)) & 0xFF));
  };
  switch (len) {
    case 1:
      out_.push_back(static_cast<char>(v));
      break;
    case 2:
      out_.push_back(static_cast<char>(0xC0 | ((u >> 8) & 0x1F)));
      out_.push_back(static_cast<char>(u & 0xFF));
      break;
    case 3:
      out_.push_back(static_cast<char>(0xF1));
      putLE(u, 2);
      break;
    case 4:
      out_.push_back(static_cast<char>(0xF2));
      putLE(u, 3);
      break;
    case 5:
      out_.push_back(static_cast<char>(0xF3));
      putLE(u, 4);
      break;
    default:
      out_.push_back(static_cast<char>(0xF4));
      putLE(u, 8);
      break;
  }
  backlen(len);
  ++count_;
}

void ListpackBuilder::add(std::string_view s) {
  int64_t v;
  if (resp::parseInt64(s, v)) {
    addInt(v);
    return;
  }
  const size_t n = s.size();
  if (n < 64) {
    out_.push_back(static_cast<char>(0x80 | n));
  } else if (n < 4096) {
    out_.push_back(static_cast<char>(0xE0 | (n >> 8)));
    out_.push_back(static_cast<char>(n & 0xFF));
  } else {
    out_.push_back(static_cast<char>(0xF0));
    for (size_t i = 0; i < 4; ++i) out_.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  out_.append(s);
  backlen(lpStrEntryLen(n));
  ++count_;
}

void ListpackBuilder::finish() {
  out_.push_back(static_cast<char>(kLpEnd));
  const size_t total = out_.size() - start_;
  const uint16_t count = count_ < kLpUnknownCount ? static_cast<uint16_t>(count_) : kLpUnknownCount;
  char* h = out_.data() + start_;
  for (size_t i = 0; i < 4; ++i) h[i] = static_cast<char>((total >> (8 * i)) & 0xFF);
  h[4] = static_cast<char>(count & 0xFF);
  h[5] = static_cast<char>(count >> 8);
}

// ---- ListpackReader ----

ListpackReader::ListpackReader(std::string_view blob) : blob_(blob), pos_(kLpHeader) {
  if (blob.size() < kLpHeader + 1 || getLE(blob.data(), 4) != blob.size() ||
      static_cast<uint8_t>(blob.back()) != kLpEnd) {
    failed_ = true;
    return;
  }
  headerCount_ = static_cast<uint32_t>(getLE(blob.data() + 4, 2));
}

bool ListpackReader::next(PackedItem& item) {
  if (failed_) return false;
  const size_t end = blob_.size() - 1;  // the end byte
  const char* p = blob_.data() + pos_;
  const size_t left = end - pos_;
  if (left == 0) {
    if (headerCount_ != kLpUnknownCount && headerCount_ != count_) failed_ = true;
    return false;
  }
  const auto b = static_cast<uint8_t>(p[0]);
  size_t hdr = 1, len = 0;  // encoding bytes, string bytes (entry = hdr + len)
  item.isInt = true;
  item.str = {};
  if ((b & 0x80) == 0) {
    item.num = b & 0x7F;
  } else if ((b & 0xC0) == 0x80) {
    item.isInt = false;
    len = b & 0x3F;
  } else if ((b & 0xE0) == 0xC0) {
    hdr = 2;
    if (left < 2) return failed_ = true, false;
    item.num = signExtend((static_cast<uint64_t>(b & 0x1F) << 8) | static_cast<uint8_t>(p[1]), 13);
  } else if ((b & 0xF0) == 0xE0) {
    hdr = 2;
    if (left < 2) return failed_ = true, false;
    item.isInt = false;
    len = (static_cast<size_t>(b & 0x0F) << 8) | static_cast<uint8_t>(p[1]);
  } else if (b >= 0xF1 && b <= 0xF4) {
    static constexpr size_t kBytes[] = {2, 3, 4, 8};
    const size_t n = kBytes[b - 0xF1];
    hdr = 1 + n;
    if (left < hdr) return failed_ = true, false;
    item.num = signExtend(getLE(p + 1, n), static_cast<unsigned>(8 * n));
  } else if (b == 0xF0) {
    hdr = 5;
    if (left < 5) return failed_ = true, false;
    item.isInt = false;
    len = static_cast<size_t>(getLE(p + 1, 4));
  } else {
    return failed_ = true, false;  // 0xF5..0xFE are no encoding; 0xFF before the end byte
  }
  if (len > left || hdr + len > left) return failed_ = true, false;
  const size_t entry = hdr + len;
  const size_t bl = backlenSize(entry);
  if (entry + bl > left) return failed_ = true, false;
  // The backlen must spell `entry` exactly as lpEncodeBacklen writes it.
  for (size_t i = 0; i < bl; ++i) {
    const unsigned shift = static_cast<unsigned>(7 * (bl - 1 - i));
    const auto want = static_cast<uint8_t>(((entry >> shift) & 127) | (i == 0 ? 0 : 128));
    if (static_cast<uint8_t>(p[entry + i]) != want) return failed_ = true, false;
  }
  if (!item.isInt) item.str = std::string_view(p + hdr, len);
  pos_ += entry + bl;
  ++count_;
  return true;
}

// ---- ZiplistReader ----

namespace {
constexpr size_t kZlHeader = 10;  // zlbytes (4), zltail (4), zllen (2)
}

ZiplistReader::ZiplistReader(std::string_view blob) : blob_(blob), pos_(kZlHeader) {
  if (blob.size() < kZlHeader + 1 || getLE(blob.data(), 4) != blob.size() ||
      static_cast<uint8_t>(blob.back()) != 0xFF) {
    failed_ = true;
    return;
  }
  tail_ = static_cast<uint32_t>(getLE(blob.data() + 4, 4));
  headerCount_ = static_cast<uint16_t>(getLE(blob.data() + 8, 2));
  lastStart_ = kZlHeader;
}

bool ZiplistReader::next(PackedItem& item) {
  if (failed_) return false;
  const size_t end = blob_.size() - 1;
  if (pos_ == end) {
    if ((headerCount_ != 0xFFFF && headerCount_ != count_) || tail_ != lastStart_) {
      failed_ = true;
    }
    return false;
  }
  const char* p = blob_.data() + pos_;
  const size_t left = end - pos_;
  size_t h = 0;
  // prevlen: 1 byte, or 254 then 4 bytes; it must be the previous entry's size.
  size_t prev = static_cast<uint8_t>(p[0]);
  if (prev == 0xFF) return failed_ = true, false;
  if (prev == 254) {
    if (left < 5) return failed_ = true, false;
    prev = static_cast<size_t>(getLE(p + 1, 4));
    h = 5;
  } else {
    h = 1;
  }
  if (prev != prevLen_) return failed_ = true, false;
  if (left < h + 1) return failed_ = true, false;
  const auto e = static_cast<uint8_t>(p[h]);
  size_t len = 0;
  item.isInt = true;
  item.str = {};
  auto need = [&](size_t n) { return left >= h + n; };
  if ((e >> 6) == 0) {
    item.isInt = false;
    len = e & 0x3F;
    h += 1;
  } else if ((e >> 6) == 1) {
    if (!need(2)) return failed_ = true, false;
    item.isInt = false;
    len = (static_cast<size_t>(e & 0x3F) << 8) | static_cast<uint8_t>(p[h + 1]);
    h += 2;
  } else if ((e >> 6) == 2) {
    if (!need(5)) return failed_ = true, false;
    item.isInt = false;
    len = 0;
    for (size_t i = 1; i <= 4; ++i) len = (len << 8) | static_cast<uint8_t>(p[h + i]);
    h += 5;
  } else {
    size_t n = 0;
    unsigned bits = 0;
    switch (e) {
      case 0xC0:
        n = 2, bits = 16;
        break;
      case 0xD0:
        n = 4, bits = 32;
        break;
      case 0xE0:
        n = 8, bits = 64;
        break;
      case 0xF0:
        n = 3, bits = 24;
        break;
      case 0xFE:
        n = 1, bits = 8;
        break;
      default:
        if (e >= 0xF1 && e <= 0xFD) {
          item.num = (e & 0x0F) - 1;
        } else {
          return failed_ = true, false;
        }
    }
    if (!need(1 + n)) return failed_ = true, false;
    if (n > 0) item.num = signExtend(getLE(p + h + 1, n), bits);
    h += 1 + n;
  }
  if (len > left || h + len > left) return failed_ = true, false;
  if (!item.isInt) item.str = std::string_view(p + h, len);
  lastStart_ = pos_;
  prevLen_ = h + len;
  pos_ += h + len;
  ++count_;
  return true;
}

// ---- ZipmapReader ----

ZipmapReader::ZipmapReader(std::string_view blob) : blob_(blob) {
  if (blob.size() < 2 || static_cast<uint8_t>(blob.back()) != 0xFF) failed_ = true;
}

bool ZipmapReader::next(PackedItem& item) {
  if (failed_) return false;
  const size_t end = blob_.size() - 1;
  auto fail = [&] { return failed_ = true, false; };
  if (pos_ > end) return fail();
  if (!value_ && pos_ == end) {
    const auto zmlen = static_cast<uint8_t>(blob_[0]);
    if (zmlen < 254 && zmlen != count_ / 2) failed_ = true;
    return false;
  }
  const char* p = blob_.data() + pos_;
  const size_t left = end - pos_;
  size_t len = static_cast<uint8_t>(p[0]), h = 1;
  if (len == 0xFF) return fail();
  if (len == 254) {
    if (left < 5) return fail();
    len = static_cast<size_t>(getLE(p + 1, 4));
    h = 5;
  }
  size_t freeBytes = 0;
  if (value_) {  // a value's length is followed by its free-space byte
    if (left < h + 1) return fail();
    freeBytes = static_cast<uint8_t>(p[h]);
    h += 1;
  }
  if (len > left || h + len + freeBytes > left) return fail();
  item.isInt = false;
  item.str = std::string_view(p + h, len);
  pos_ += h + len + freeBytes;
  value_ = !value_;
  ++count_;
  return true;
}

// ---- IntsetReader ----

IntsetReader::IntsetReader(std::string_view blob) : blob_(blob) {
  if (blob.size() < 8) return;
  width_ = static_cast<uint32_t>(getLE(blob.data(), 4));
  const uint64_t n = getLE(blob.data() + 4, 4);
  if (width_ != 2 && width_ != 4 && width_ != 8) return;
  if (n == 0 || (blob.size() - 8) / width_ != n || (blob.size() - 8) % width_ != 0) return;
  size_ = static_cast<size_t>(n);
  for (size_t i = 1; i < size_; ++i) {
    if (at(i - 1) >= at(i)) return;
  }
  valid_ = true;
}

int64_t IntsetReader::at(size_t i) const {
  return signExtend(getLE(blob_.data() + 8 + i * width_, width_), 8 * width_);
}

}  // namespace strata::node::rdb
