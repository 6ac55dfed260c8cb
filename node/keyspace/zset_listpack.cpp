// PackedZSet, see zset_listpack.h: the score encoding and the linear scans of a small sorted set.
#include "node/keyspace/zset_listpack.h"

#include <cmath>
#include <cstring>

#include "node/keyspace/zset.h"

namespace strata::node {

namespace {

// Integral doubles strictly inside (-2^53, 2^53) are exact int64s (and exact doubles again).
constexpr double kExactIntLimit = 9007199254740992.0;

}  // namespace

std::string_view PackedZSet::encodeScore(double score, char (&buf)[kMaxScoreBytes]) {
  if (score > -kExactIntLimit && score < kExactIntLimit && score == std::trunc(score)) {
    const auto v = static_cast<int64_t>(score);  // -0 becomes 0 here
    uint64_t zigzag = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    size_t n = 0;
    while (zigzag != 0) {  // at most 7 bytes: |v| < 2^53
      buf[n++] = static_cast<char>(zigzag & 0xff);
      zigzag >>= 8;
    }
    return {buf, n};
  }
  std::memcpy(buf, &score, sizeof(score));
  return {buf, sizeof(score)};
}

double PackedZSet::decodeScore(std::string_view bytes) {
  if (bytes.size() == sizeof(double)) {
    double d;
    std::memcpy(&d, bytes.data(), sizeof(d));
    return d;
  }
  uint64_t zigzag = 0;
  for (size_t i = bytes.size(); i-- > 0;) {
    zigzag = (zigzag << 8) | static_cast<unsigned char>(bytes[i]);
  }
  const auto v = static_cast<int64_t>(zigzag >> 1) ^ -static_cast<int64_t>(zigzag & 1);
  return static_cast<double>(v);
}

void PackedZSet::storePointer(void* p) {
  lp_.clear();
  lp_.insert(lp_.end(), std::string_view(reinterpret_cast<const char*>(&p), sizeof(p)));
}

void* PackedZSet::storedPointer() const {
  if (lp_.count() != 1) return nullptr;
  void* p;
  std::memcpy(&p, lp_.at(lp_.begin()).data(), sizeof(p));
  return p;
}

size_t PackedZSet::find(std::string_view member, double* score, size_t* rank) const {
  size_t r = 0;
  for (size_t off = lp_.begin(), e = lp_.end(); off < e; ++r) {
    const std::string_view m = lp_.at(off);
    const size_t soff = off + PackedList::encodedSize(m.size());
    const std::string_view s = lp_.at(soff);
    if (m == member) {
      if (score) *score = decodeScore(s);
      if (rank) *rank = r;
      return off;
    }
    off = soff + PackedList::encodedSize(s.size());
  }
  return kNone;
}

void PackedZSet::insert(std::string_view member, double score) {
  char buf[kMaxScoreBytes];
  const std::string_view enc = encodeScore(score, buf);
  size_t off = lp_.begin();
  for (const size_t e = lp_.end(); off < e;) {
    const std::string_view m = lp_.at(off);
    const size_t soff = off + PackedList::encodedSize(m.size());
    const std::string_view s = lp_.at(soff);
    if (zsetLess(score, member, decodeScore(s), m)) break;
    off = soff + PackedList::encodedSize(s.size());
  }
  lp_.insert2(off, member, enc);
}

void PackedZSet::append(std::string_view member, double score) {
  char buf[kMaxScoreBytes];
  lp_.insert2(lp_.end(), member, encodeScore(score, buf));
}

void PackedZSet::eraseRanks(size_t start, size_t end) {
  end = std::min(end, size());
  if (start >= end) return;
  lp_.erase(offsetOf(start), 2 * (end - start));
}

size_t PackedZSet::offsetOf(size_t rank) const {
  size_t off = lp_.begin();
  for (size_t i = 0; i < rank; ++i) {
    off += PackedList::encodedSize(lp_.at(off).size());
    off += PackedList::encodedSize(lp_.at(off).size());
  }
  return off;
}

std::pair<std::string_view, double> PackedZSet::at(size_t rank) const {
  const size_t off = offsetOf(rank);
  const std::string_view m = lp_.at(off);
  return {m, decodeScore(lp_.at(off + PackedList::encodedSize(m.size())))};
}

}  // namespace strata::node
