// HyperLogLog sketches in Redis 7.0's representation: see hll.h.
#include "node/commands/hll.h"

#include <cmath>
#include <cstring>

namespace strata::node::hll {

namespace {

constexpr uint8_t kRegisterMax = 63;
constexpr int kSparseValMaxValue = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)
constexpr size_t kDenseBytes = kDenseSize - kHeaderSize;

// Sparse opcodes.
inline bool isZero(uint8_t b) {
  return (b & 0xc0) == 0;
}
inline bool isXZero(uint8_t b) {
  return (b & 0xc0) == 0x40;
}
inline bool isVal(uint8_t b) {
  return (b & 0x80) != 0;
}
inline int zeroLen(uint8_t b) {
  return (b & 0x3f) + 1;
}
inline int xzeroLen(const uint8_t* p) {
  return (((p[0] & 0x3f) << 8) | p[1]) + 1;
}
inline int valValue(uint8_t b) {
  return ((b >> 2) & 0x1f) + 1;
}
inline int valLen(uint8_t b) {
  return (b & 0x3) + 1;
}
inline uint8_t makeVal(int value, int len) {
  return static_cast<uint8_t>((((value - 1) << 2) | (len - 1)) | 0x80);
}
inline uint8_t makeZero(int len) {
  return static_cast<uint8_t>(len - 1);
}
inline void makeXZero(uint8_t* p, int len) {
  int l = len - 1;
  p[0] = static_cast<uint8_t>((l >> 8) | 0x40);
  p[1] = static_cast<uint8_t>(l & 0xff);
}

// Dense registers: 6 bits each, packed from the least significant bit of each byte.
inline uint8_t denseGet(const uint8_t* regs, size_t i) {
  size_t byte = i * 6 / 8;
  unsigned fb = static_cast<unsigned>((i * 6) & 7);
  unsigned b0 = regs[byte];
  unsigned b1 = byte + 1 < kDenseBytes ? regs[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}
inline void denseSet(uint8_t* regs, size_t i, uint8_t val) {
  size_t byte = i * 6 / 8;
  unsigned fb = static_cast<unsigned>((i * 6) & 7);
  unsigned fb8 = 8 - fb;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << fb)) | (val << fb));
  if (byte + 1 < kDenseBytes) {
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> fb8)) | (val >> fb8));
  }
}

uint8_t* regsOf(std::string& s) {
  return reinterpret_cast<uint8_t*>(s.data()) + kHeaderSize;
}
const uint8_t* regsOf(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
}

// hllPatLen: register index and run length of the element's hash.
int patLen(std::string_view element, size_t& reg) {
  uint64_t hash = murmurHash64A(element.data(), element.size(), 0xadc83b19ULL);
  reg = static_cast<size_t>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t{1} << kQ;
  int count = 1;
  uint64_t bit = 1;
  while ((hash & bit) == 0) {
    ++count;
    bit <<= 1;
  }
  return count;
}

int denseSetIfHigher(std::string& s, size_t index, uint8_t count) {
  uint8_t* regs = regsOf(s);
  if (count > denseGet(regs, index)) {
    denseSet(regs, index, count);
    return 1;
  }
  return 0;
}

// Sparse walk: f(runlen, value) for each run (value 0 for ZERO/XZERO). False if the runs do
// not cover exactly kRegisters (a corrupt sketch).
template <class F>
bool walkSparse(std::string_view s, F&& f) {
  const uint8_t* p = regsOf(s);
  const uint8_t* end = reinterpret_cast<const uint8_t*>(s.data()) + s.size();
  size_t idx = 0;
  while (p < end) {
    if (isZero(*p)) {
      int run = zeroLen(*p);
      f(idx, run, 0);
      idx += static_cast<size_t>(run);
      ++p;
    } else if (isXZero(*p)) {
      if (p + 1 >= end) break;
      int run = xzeroLen(p);
      f(idx, run, 0);
      idx += static_cast<size_t>(run);
      p += 2;
    } else {
      int run = valLen(*p);
      if (idx + static_cast<size_t>(run) > kRegisters) break;
      f(idx, run, valValue(*p));
      idx += static_cast<size_t>(run);
      ++p;
    }
  }
  return idx == kRegisters;
}

// hllSparseSet: sets register `index` to `count` when higher, splitting the covering opcode and
// merging equal neighbouring VAL runs as Redis does, so the bytes are identical.
int sparseSet(std::string& s, size_t index, uint8_t count, size_t sparseMaxBytes) {
  if (count > kSparseValMaxValue) {
    if (!toDense(s)) return -1;
    return denseSetIfHigher(s, index, count);
  }
  auto* base = reinterpret_cast<uint8_t*>(s.data());
  size_t p = kHeaderSize, end = s.size();
  size_t first = 0, span = 0;
  size_t prev = 0;
  bool hasPrev = false;
  while (p < end) {
    size_t oplen = 1;
    if (isZero(base[p])) {
      span = static_cast<size_t>(zeroLen(base[p]));
    } else if (isVal(base[p])) {
      span = static_cast<size_t>(valLen(base[p]));
    } else {
      if (p + 1 >= end) return -1;
      span = static_cast<size_t>(xzeroLen(base + p));
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    hasPrev = true;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;

  const uint8_t op = base[p];
  const bool zero = isZero(op), xzero = isXZero(op), val = !zero && !xzero;
  const size_t runlen = zero    ? static_cast<size_t>(zeroLen(op))
                        : xzero ? static_cast<size_t>(xzeroLen(base + p))
                                : static_cast<size_t>(valLen(op));
  bool done = false;
  if (val) {
    if (valValue(op) >= count) return 0;
    if (runlen == 1) {
      base[p] = makeVal(count, 1);
      done = true;
    }
  }
  if (!done && zero && runlen == 1) {
    base[p] = makeVal(count, 1);
    done = true;
  }
  if (!done) {
    uint8_t seq[5];
    size_t n = 0;
    size_t last = first + span - 1;
    if (zero || xzero) {
      auto zeros = [&](size_t len) {
        if (len > static_cast<size_t>(kSparseZeroMaxLen)) {
          makeXZero(seq + n, static_cast<int>(len));
          n += 2;
        } else {
          seq[n++] = makeZero(static_cast<int>(len));
        }
      };
      if (index != first) zeros(index - first);
      seq[n++] = makeVal(count, 1);
      if (index != last) zeros(last - index);
    } else {
      int curval = valValue(op);
      if (index != first) seq[n++] = makeVal(curval, static_cast<int>(index - first));
      seq[n++] = makeVal(count, 1);
      if (index != last) seq[n++] = makeVal(curval, static_cast<int>(last - index));
    }
    size_t oldlen = xzero ? 2 : 1;
    auto delta = static_cast<long>(n) - static_cast<long>(oldlen);
    if (delta > 0 && s.size() + static_cast<size_t>(delta) > sparseMaxBytes) {
      if (!toDense(s)) return -1;
      return denseSetIfHigher(s, index, count);
    }
    s.replace(p, oldlen, reinterpret_cast<const char*>(seq), n);
    base = reinterpret_cast<uint8_t*>(s.data());
    end = s.size();
  }

  // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the previous one.
  size_t q = hasPrev ? prev : kHeaderSize;
  int scanlen = 5;
  while (q < end && scanlen--) {
    if (isXZero(base[q])) {
      q += 2;
      continue;
    }
    if (isZero(base[q])) {
      ++q;
      continue;
    }
    if (q + 1 < end && isVal(base[q + 1])) {
      int v1 = valValue(base[q]), v2 = valValue(base[q + 1]);
      if (v1 == v2) {
        int len = valLen(base[q]) + valLen(base[q + 1]);
        if (len <= kSparseValMaxLen) {
          base[q + 1] = makeVal(v1, len);
          s.erase(q, 1);
          base = reinterpret_cast<uint8_t*>(s.data());
          end = s.size();
          continue;
        }
      }
    }
    ++q;
  }
  invalidateCache(s);
  return 1;
}

// hllSigma and hllTau of Ertl's estimator.
double sigma(double x) {
  if (x == 1.) return INFINITY;
  double zPrime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime != z);
  return z;
}

double tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double zPrime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (zPrime != z);
  return z / 3;
}

uint64_t estimate(const int* histo) {
  double m = static_cast<double>(kRegisters);
  double z = m * tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  return static_cast<uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

}  // namespace

uint64_t murmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k;
    std::memcpy(&k, data, sizeof(k));  // little-endian hosts, as Redis reads it
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7:
      h ^= static_cast<uint64_t>(data[6]) << 48;
      [[fallthrough]];
    case 6:
      h ^= static_cast<uint64_t>(data[5]) << 40;
      [[fallthrough]];
    case 5:
      h ^= static_cast<uint64_t>(data[4]) << 32;
      [[fallthrough]];
    case 4:
      h ^= static_cast<uint64_t>(data[3]) << 24;
      [[fallthrough]];
    case 3:
      h ^= static_cast<uint64_t>(data[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint64_t>(data[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint64_t>(data[0]);
      h *= m;
      break;
    default:
      break;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

std::string create() {
  std::string s(kHeaderSize + 2, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  makeXZero(reinterpret_cast<uint8_t*>(s.data()) + kHeaderSize, static_cast<int>(kRegisters));
  return s;
}

bool valid(std::string_view s) {
  if (s.size() < kHeaderSize) return false;
  if (s.substr(0, 4) != "HYLL") return false;
  auto enc = static_cast<uint8_t>(s[4]);
  if (enc > kSparse) return false;
  if (enc == kDense && s.size() != kDenseSize) return false;
  return true;
}

int add(std::string& s, std::string_view element, size_t sparseMaxBytes) {
  size_t reg = 0;
  auto count = static_cast<uint8_t>(patLen(element, reg));
  if (static_cast<uint8_t>(s[4]) == kDense) return denseSetIfHigher(s, reg, count);
  return sparseSet(s, reg, count, sparseMaxBytes);
}

int setRegister(std::string& s, size_t index, uint8_t count, size_t sparseMaxBytes) {
  if (static_cast<uint8_t>(s[4]) == kDense) return denseSetIfHigher(s, index, count);
  return sparseSet(s, index, count, sparseMaxBytes);
}

bool toDense(std::string& s) {
  if (static_cast<uint8_t>(s[4]) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), s.data(), kHeaderSize);
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = regsOf(dense);
  bool ok = walkSparse(s, [&](size_t idx, int run, int value) {
    if (value == 0) return;
    for (int i = 0; i < run; ++i)
      denseSet(regs, idx + static_cast<size_t>(i), static_cast<uint8_t>(value));
  });
  if (!ok) return false;
  s.swap(dense);
  return true;
}

bool mergeInto(std::string_view s, uint8_t* max) {
  if (static_cast<uint8_t>(s[4]) == kDense) {
    const uint8_t* regs = regsOf(s);
    for (size_t i = 0; i < kRegisters; ++i) {
      uint8_t v = denseGet(regs, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  return walkSparse(s, [&](size_t idx, int run, int value) {
    if (value == 0) return;
    for (int i = 0; i < run; ++i) {
      uint8_t& m = max[idx + static_cast<size_t>(i)];
      if (value > m) m = static_cast<uint8_t>(value);
    }
  });
}

uint64_t count(std::string_view s, bool* invalid) {
  int histo[64] = {};
  if (static_cast<uint8_t>(s[4]) == kDense) {
    const uint8_t* regs = regsOf(s);
    for (size_t i = 0; i < kRegisters; ++i) ++histo[denseGet(regs, i)];
  } else {
    bool ok = walkSparse(s, [&](size_t, int run, int value) { histo[value] += run; });
    if (!ok && invalid != nullptr) *invalid = true;
  }
  return estimate(histo);
}

uint64_t countRaw(const uint8_t* registers) {
  int histo[64] = {};
  for (size_t i = 0; i < kRegisters; ++i) ++histo[registers[i] & 63];
  return estimate(histo);
}

uint64_t cachedCard(std::string_view s) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i)
    card = (card << 8) | static_cast<uint8_t>(s[8 + static_cast<size_t>(i)]);
  return card;
}

void setCachedCard(std::string& s, uint64_t card) {
  for (size_t i = 0; i < 8; ++i) s[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

}  // namespace strata::node::hll
