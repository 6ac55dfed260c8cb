// Redis's packed blobs as they travel inside RDB strings: listpack (written and read), and the
// older ziplist, zipmap and intset (read; intset written too). Readers walk a blob one element
// at a time and check everything Redis's deep integrity check does (header sizes and counts,
// every entry inside the blob, prevlen/backlen consistency, the end byte, intset order), so a
// hostile blob is refused, never misread. They never allocate. Used by rdb_codec's object
// loaders and savers; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::node::rdb {

// One element of a packed blob: a string or an integer (as Redis's blobs store them).
struct PackedItem {
  std::string_view str;
  int64_t num = 0;
  bool isInt = false;
  static constexpr size_t kTextBuf = 24;
  // The element as text (an integer formatted into buf, kTextBuf bytes).
  std::string_view text(char* buf) const;
};

// Appends a Redis listpack to `out`: add() elements, then finish().
class ListpackBuilder {
 public:
  explicit ListpackBuilder(std::string& out);
  // lpAppend: stored as an integer when the bytes are a canonical int64.
  void add(std::string_view s);
  void addInt(int64_t v);
  size_t count() const { return count_; }
  // Bytes the finished listpack would take.
  size_t bytes() const { return out_.size() - start_ + 1; }
  // The bytes an element would add (lpEntrySizeInteger / string form plus backlen).
  static size_t entrySize(std::string_view s);
  void finish();

 private:
  void backlen(size_t entryLen);
  std::string& out_;
  size_t start_;
  size_t count_ = 0;
};

// Reads a listpack; next() is false at the end or on a malformed entry (then failed()).
class ListpackReader {
 public:
  explicit ListpackReader(std::string_view blob);
  bool next(PackedItem& item);
  // After next() returned false: true if the blob was malformed (or its count is wrong).
  bool failed() const { return failed_; }
  size_t count() const { return count_; }

 private:
  std::string_view blob_;
  size_t pos_ = 0;
  size_t count_ = 0;
  uint32_t headerCount_ = 0;
  bool failed_ = false;
};

// Reads a ziplist (RDB types 10, 12, 13 and the nodes of 14).
class ZiplistReader {
 public:
  explicit ZiplistReader(std::string_view blob);
  bool next(PackedItem& item);
  bool failed() const { return failed_; }
  size_t count() const { return count_; }

 private:
  std::string_view blob_;
  size_t pos_ = 0;
  size_t prevLen_ = 0;
  size_t lastStart_ = 0;
  size_t count_ = 0;
  uint32_t tail_ = 0;
  uint16_t headerCount_ = 0;
  bool failed_ = false;
};

// Reads a zipmap (RDB type 9): next() gives field then value alternately.
class ZipmapReader {
 public:
  explicit ZipmapReader(std::string_view blob);
  bool next(PackedItem& item);
  bool failed() const { return failed_; }
  size_t count() const { return count_; }

 private:
  std::string_view blob_;
  size_t pos_ = 1;
  size_t count_ = 0;  // elements (fields + values)
  bool value_ = false;
  bool failed_ = false;
};

// Reads an intset (RDB type 11): validated whole up front (sorted, no duplicates, not empty).
class IntsetReader {
 public:
  explicit IntsetReader(std::string_view blob);
  bool valid() const { return valid_; }
  size_t size() const { return size_; }
  int64_t at(size_t i) const;

 private:
  std::string_view blob_;
  uint32_t width_ = 0;
  size_t size_ = 0;
  bool valid_ = false;
};

// Appends an intset of `n` ascending distinct values, at(i) giving the i-th, to `out`.
template <class At>
void writeIntset(std::string& out, size_t n, At at) {
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = at(i);
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  uint32_t width = 2;
  if (lo < INT32_MIN || hi > INT32_MAX) {
    width = 8;
  } else if (lo < INT16_MIN || hi > INT16_MAX) {
    width = 4;
  }
  auto put = [&](uint64_t v, uint32_t bytes) {
    for (uint32_t i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  put(width, 4);
  put(n, 4);
  for (size_t i = 0; i < n; ++i) put(static_cast<uint64_t>(at(i)), width);
}

}  // namespace strata::node::rdb
