// The compact storage of small containers, Redis's listpack and intset in spirit:
//
//   PackedList  one malloc'd buffer: an 8-byte header {payload bytes, entry count} then the
//               entries back to back, each a LEB128 length followed by its bytes. Small hashes
//               (field, value, field, value, ...) and small lists live in one; lookups are linear
//               scans, which is what Redis does too up to its 128-entry / 8 KiB thresholds.
//   IntSet      one malloc'd buffer: a 4-byte {count, width} word then sorted integers of 2, 4 or 8
//   bytes (the
//               narrowest width that holds every member; upgraded on insert, never narrowed),
//               binary-searched. Small all-integer sets live in one.
//
// Both are sized exactly (realloc on every change, as Redis's listpack/intset) so
// allocated() = malloc_usable_size of the buffer is what the container costs. Owned by the
// HashObject/SetObject/ListObject that holds them (containers.h); event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace strata::node {

// Bytes one element takes in a Redis listpack (encoding, data and backlen, as listpack.c sizes
// it): the backlen alone for an entry of `len` bytes; an integer; a string (stored as an integer
// when it is a canonical int64). Streams estimate their node sizes with them; the RDB listpack
// writer (persistence/rdb_blobs.h) writes exactly these.
size_t redisListpackBacklenSize(size_t len);
size_t redisListpackIntSize(int64_t v);
size_t redisListpackStringSize(std::string_view s);

class PackedList {
 public:
  static constexpr size_t kNone = SIZE_MAX;

  PackedList() = default;
  ~PackedList() { std::free(buf_); }
  PackedList(const PackedList& o);
  PackedList& operator=(const PackedList&) = delete;
  PackedList(PackedList&& o) noexcept : buf_(o.buf_) { o.buf_ = nullptr; }
  PackedList& operator=(PackedList&& o) noexcept;

  size_t count() const { return buf_ ? header().count : 0; }
  // Payload bytes (headers of entries included, buffer header excluded).
  size_t bytes() const { return buf_ ? header().bytes : 0; }
  // What the buffer costs (malloc_usable_size); 0 when empty.
  size_t allocated() const;
  void clear();

  // Byte offsets of entries: begin() .. end(); next(off) steps over one entry.
  size_t begin() const { return kHeader; }
  size_t end() const { return kHeader + bytes(); }
  std::string_view at(size_t off) const;
  size_t next(size_t off) const;
  // Offset of the first entry equal to `v` among entries 0, stride, 2*stride, ...; kNone if none.
  size_t find(std::string_view v, size_t stride) const;

  // Inserts `v` (insert2: `v` then `v2`) before the entry at `off` (end() appends).
  void insert(size_t off, std::string_view v);
  void insert2(size_t off, std::string_view v, std::string_view v2);
  // Replaces the entry at `off` with `v`.
  void replace(size_t off, std::string_view v);
  // Removes `n` entries from `off`.
  void erase(size_t off, size_t n);

  template <class F>
  void forEach(F&& f) const {
    for (size_t off = begin(), e = end(); off < e; off = next(off)) f(at(off));
  }

  static size_t encodedSize(size_t len) { return varintSize(len) + len; }

 private:
  struct Header {
    uint32_t bytes;
    uint32_t count;
  };
  static constexpr size_t kHeader = sizeof(Header);
  Header& header() { return *reinterpret_cast<Header*>(buf_); }
  const Header& header() const { return *reinterpret_cast<const Header*>(buf_); }
  static size_t varintSize(size_t v) {
    size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  }
  // Resizes the payload: removes `removeLen` bytes at `off` and opens `insertLen` bytes there;
  // returns where to write them. Adjusts header().count by `countDelta`.
  char* splice(size_t off, size_t removeLen, size_t insertLen, long countDelta);
  static char* put(char* p, std::string_view v);

  char* buf_ = nullptr;
};

class IntSet {
 public:
  // The most members one can hold (the header keeps the count in 28 bits); SetObject converts
  // to a hashtable before that.
  static constexpr size_t kMaxCount = (size_t{1} << 28) - 1;

  IntSet() = default;
  ~IntSet() { std::free(buf_); }
  IntSet(const IntSet& o);
  IntSet& operator=(const IntSet&) = delete;

  size_t size() const { return buf_ ? word() >> 4 : 0; }
  size_t allocated() const;
  void clear() {
    std::free(buf_);
    buf_ = nullptr;
  }
  int64_t at(size_t i) const;
  bool contains(int64_t v) const;
  // True if added (absent before).
  bool add(int64_t v);
  // True if removed.
  bool remove(int64_t v);

 private:
  // A 4-byte header, count << 4 | width (2, 4 or 8): Redis's intset spends 8, but at 10 small
  // members 4 keeps the buffer in glibc's 24-byte size class instead of the 40-byte one.
  static constexpr size_t kHeader = sizeof(uint32_t);
  uint32_t word() const {
    uint32_t w;
    std::memcpy(&w, buf_, sizeof(w));
    return w;
  }
  uint32_t width() const { return word() & 0xf; }
  void setHeader(size_t count, uint32_t width) {
    const auto w = static_cast<uint32_t>(count << 4) | width;
    std::memcpy(buf_, &w, sizeof(w));
  }
  char* data() const { return buf_ + kHeader; }
  int64_t get(size_t i, uint32_t width) const;
  void set(size_t i, int64_t v, uint32_t width);
  // Binary search: true and the index if found, else false and the insertion point.
  bool search(int64_t v, size_t& pos) const;

  char* buf_ = nullptr;
};

}  // namespace strata::node
