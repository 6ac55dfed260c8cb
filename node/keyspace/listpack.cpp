// PackedList and IntSet, see listpack.h. Every change reallocs the buffer to its exact size.
#include "node/keyspace/listpack.h"

#include <malloc.h>

#include <cstring>
#include <new>

#include "node/keyspace/value.h"

namespace strata::node {

namespace {

char* mustRealloc(char* p, size_t n) {
  void* out = std::realloc(p, n);
  if (out == nullptr) throw std::bad_alloc();
  return static_cast<char*>(out);
}

}  // namespace

// ---- PackedList ----

PackedList::PackedList(const PackedList& o) {
  if (o.buf_ == nullptr) return;
  const size_t n = kHeader + o.bytes();
  buf_ = mustRealloc(nullptr, n);
  std::memcpy(buf_, o.buf_, n);
}

PackedList& PackedList::operator=(PackedList&& o) noexcept {
  if (this != &o) {
    std::free(buf_);
    buf_ = o.buf_;
    o.buf_ = nullptr;
  }
  return *this;
}

size_t PackedList::allocated() const {
  return buf_ ? malloc_usable_size(buf_) : 0;
}

void PackedList::clear() {
  std::free(buf_);
  buf_ = nullptr;
}

std::string_view PackedList::at(size_t off) const {
  const auto* p = reinterpret_cast<const unsigned char*>(buf_ + off);
  size_t len = 0;
  unsigned shift = 0;
  while (*p & 0x80) {
    len |= static_cast<size_t>(*p++ & 0x7f) << shift;
    shift += 7;
  }
  len |= static_cast<size_t>(*p++) << shift;
  return {reinterpret_cast<const char*>(p), len};
}

size_t PackedList::next(size_t off) const {
  std::string_view v = at(off);
  return static_cast<size_t>(v.data() - buf_) + v.size();
}

size_t PackedList::find(std::string_view v, size_t stride) const {
  for (size_t off = begin(), e = end(); off < e;) {
    std::string_view cur = at(off);
    if (cur == v) return off;
    off = static_cast<size_t>(cur.data() - buf_) + cur.size();
    for (size_t i = 1; i < stride && off < e; ++i) off = next(off);
  }
  return kNone;
}

char* PackedList::put(char* p, std::string_view v) {
  size_t len = v.size();
  while (len >= 0x80) {
    *p++ = static_cast<char>((len & 0x7f) | 0x80);
    len >>= 7;
  }
  *p++ = static_cast<char>(len);
  if (!v.empty()) std::memcpy(p, v.data(), v.size());
  return p + v.size();
}

char* PackedList::splice(size_t off, size_t removeLen, size_t insertLen, long countDelta) {
  const size_t oldTotal = buf_ ? kHeader + header().bytes : kHeader;
  const size_t newTotal = oldTotal - removeLen + insertLen;
  if (buf_ == nullptr) {
    buf_ = mustRealloc(nullptr, newTotal);
    header() = Header{0, 0};
    off = kHeader;
  }
  const size_t tail = oldTotal - off - removeLen;
  if (insertLen < removeLen) {
    std::memmove(buf_ + off + insertLen, buf_ + off + removeLen, tail);
    buf_ = mustRealloc(buf_, newTotal);
  } else if (insertLen > removeLen) {
    buf_ = mustRealloc(buf_, newTotal);
    std::memmove(buf_ + off + insertLen, buf_ + off + removeLen, tail);
  }
  header().bytes = static_cast<uint32_t>(newTotal - kHeader);
  header().count = static_cast<uint32_t>(static_cast<long>(header().count) + countDelta);
  return buf_ + off;
}

void PackedList::insert(size_t off, std::string_view v) {
  put(splice(off, 0, encodedSize(v.size()), 1), v);
}

void PackedList::insert2(size_t off, std::string_view v, std::string_view v2) {
  put(put(splice(off, 0, encodedSize(v.size()) + encodedSize(v2.size()), 2), v), v2);
}

void PackedList::replace(size_t off, std::string_view v) {
  const size_t oldLen = next(off) - off;
  put(splice(off, oldLen, encodedSize(v.size()), 0), v);
}

void PackedList::erase(size_t off, size_t n) {
  size_t e = off;
  for (size_t i = 0; i < n; ++i) e = next(e);
  splice(off, e - off, 0, -static_cast<long>(n));
  if (header().count == 0) clear();
}

// ---- IntSet ----

IntSet::IntSet(const IntSet& o) {
  if (o.buf_ == nullptr) return;
  const size_t n = kHeader + o.size() * o.width();
  buf_ = mustRealloc(nullptr, n);
  std::memcpy(buf_, o.buf_, n);
}

size_t IntSet::allocated() const {
  return buf_ ? malloc_usable_size(buf_) : 0;
}

int64_t IntSet::get(size_t i, uint32_t width) const {
  const char* p = data() + i * width;
  switch (width) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

void IntSet::set(size_t i, int64_t v, uint32_t width) {
  char* p = data() + i * width;
  switch (width) {
    case 2: {
      auto x = static_cast<int16_t>(v);
      std::memcpy(p, &x, 2);
      break;
    }
    case 4: {
      auto x = static_cast<int32_t>(v);
      std::memcpy(p, &x, 4);
      break;
    }
    default:
      std::memcpy(p, &v, 8);
  }
}

int64_t IntSet::at(size_t i) const {
  return get(i, width());
}

bool IntSet::search(int64_t v, size_t& pos) const {
  size_t lo = 0, hi = size();
  const uint32_t w = buf_ ? width() : 2;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t cur = get(mid, w);
    if (cur == v) {
      pos = mid;
      return true;
    }
    if (cur < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  pos = lo;
  return false;
}

bool IntSet::contains(int64_t v) const {
  size_t pos;
  return buf_ != nullptr && search(v, pos);
}

bool IntSet::add(int64_t v) {
  const uint32_t need = (v >= INT16_MIN && v <= INT16_MAX)   ? 2
                        : (v >= INT32_MIN && v <= INT32_MAX) ? 4
                                                             : 8;
  if (buf_ == nullptr) {
    buf_ = mustRealloc(nullptr, kHeader + need);
    setHeader(1, need);
    set(0, v, need);
    return true;
  }
  size_t pos;
  if (search(v, pos)) return false;
  const size_t n = size();
  const uint32_t old = width();
  if (need > old) {  // upgrade: rewrite every member at the new width, from the end
    buf_ = mustRealloc(buf_, kHeader + (n + 1) * need);
    for (size_t i = n; i-- > 0;) {
      const int64_t x = get(i, old);
      set(i < pos ? i : i + 1, x, need);
    }
    setHeader(n, need);
  } else {
    buf_ = mustRealloc(buf_, kHeader + (n + 1) * old);
    std::memmove(data() + (pos + 1) * old, data() + pos * old, (n - pos) * old);
  }
  set(pos, v, width());
  setHeader(n + 1, width());
  return true;
}

bool IntSet::remove(int64_t v) {
  size_t pos;
  if (buf_ == nullptr || !search(v, pos)) return false;
  const size_t n = size();
  const uint32_t w = width();
  if (n == 1) {
    std::free(buf_);
    buf_ = nullptr;
    return true;
  }
  std::memmove(data() + pos * w, data() + (pos + 1) * w, (n - pos - 1) * w);
  setHeader(n - 1, w);
  buf_ = mustRealloc(buf_, kHeader + (n - 1) * w);
  return true;
}

size_t redisListpackBacklenSize(size_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

size_t redisListpackIntSize(int64_t v) {
  size_t enc = 9;
  if (v >= 0 && v <= 127) {
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    enc = 2;
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    enc = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    enc = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    enc = 5;
  }
  return enc + redisListpackBacklenSize(enc);
}

size_t redisListpackStringSize(std::string_view s) {
  int64_t v;
  if (!s.empty() && s.size() <= 20 && parseCanonicalInt(s, v)) return redisListpackIntSize(v);
  size_t enc = 5 + s.size();
  if (s.size() < 64) {
    enc = 1 + s.size();
  } else if (s.size() < 4096) {
    enc = 2 + s.size();
  }
  return enc + redisListpackBacklenSize(enc);
}

}  // namespace strata::node
