// Bitmap commands on string values (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
// BITFIELD_RO), byte-exact with Redis 7.0's bitops.c: the same argument checks in the same order,
// the same error texts, the same BYTE/BIT range arithmetic and BITFIELD overflow rules. Bits are
// numbered from the most significant bit of byte 0. An int-encoded string is read as its decimal
// text. SETBIT and BITFIELD write in place through Keyspace::stringForWrite (made raw and grown
// with sds-like headroom, as lookupStringForBitCommand), so a bit write on a 512 MB bitmap costs
// O(1), not a copy of the value; BITOP stores its result through Keyspace::set. Event-loop thread.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

constexpr std::string_view kBitOffsetError = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "ERR bit is not an integer or out of range";
constexpr std::string_view kBitfieldTypeError =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// getBitOffsetFromArgument: a bit offset, or "#n" (times `bits`) when `hash`.
bool bitOffsetOrReply(CommandContext& ctx, std::string_view s, bool hash, int bits, uint64_t& out) {
  bool useHash = !s.empty() && s[0] == '#' && hash && bits > 0;
  int64_t off = 0;
  if (!parseInt64(useHash ? s.substr(1) : s, off)) {
    ctx.w.error(kBitOffsetError);
    return false;
  }
  if (useHash) off = static_cast<int64_t>(static_cast<uint64_t>(off) * static_cast<uint64_t>(bits));
  if (off < 0 || (off >> 3) >= ctx.server.settings().protoMaxBulkLen) {
    ctx.w.error(kBitOffsetError);
    return false;
  }
  out = static_cast<uint64_t>(off);
  return true;
}

// Popcount of `n` bytes.
uint64_t popcount(const unsigned char* p, size_t n) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    count += static_cast<uint64_t>(std::popcount(v));
  }
  for (; i < n; ++i) count += static_cast<uint64_t>(std::popcount(static_cast<unsigned>(p[i])));
  return count;
}

inline int bitAt(const unsigned char* p, uint64_t bit) {
  return (p[bit >> 3] >> (7 - (bit & 7))) & 1;
}

// The first bit equal to `bit` in bits [from, to] (inclusive), or -1.
int64_t findBit(const unsigned char* p, uint64_t from, uint64_t to, int bit) {
  uint64_t i = from;
  while (i <= to && (i & 7) != 0) {
    if (bitAt(p, i) == bit) return static_cast<int64_t>(i);
    ++i;
  }
  // Skip whole words, then whole bytes, that hold no such bit (as redisBitpos: a scan of a
  // 512 MB bitmap is memory bound, not a byte-at-a-time loop).
  const uint64_t skipWord = bit ? 0 : ~uint64_t{0};
  while (i + 63 <= to) {
    uint64_t word;
    std::memcpy(&word, p + (i >> 3), sizeof(word));
    if (word != skipWord) break;
    i += 64;
  }
  const unsigned char skip = bit ? 0x00 : 0xFF;
  while (i + 7 <= to && p[i >> 3] == skip) i += 8;
  for (; i <= to; ++i) {
    if (bitAt(p, i) == bit) return static_cast<int64_t>(i);
  }
  return -1;
}

// lookupStringForBitCommand: the bytes of `key` for writing (created when absent), raw and
// grown with zero bytes to hold bit `maxbit`, in place. `dirty` tells whether the key was created
// or grew (Redis's dirty out-parameter). Nullptr (error written) for another type.
unsigned char* bytesForWrite(CommandContext& ctx, uint64_t maxbit, Entry*& e, bool& dirty) {
  e = ctx.ks.find(ctx.arg(1));
  if (e != nullptr && !e->isString()) {
    ctx.w.error(errors::kWrongType);
    return nullptr;
  }
  size_t need = static_cast<size_t>(maxbit >> 3) + 1;
  dirty = e == nullptr || e->stringLength() < need;
  return reinterpret_cast<unsigned char*>(ctx.ks.stringForWrite(ctx.arg(1), need, e));
}

// ---- BITFIELD ----

enum class Overflow { kWrap, kSat, kFail };
enum class FieldOp { kGet, kSet, kIncrBy };

struct BitfieldOp {
  uint64_t offset;
  int64_t i64;
  FieldOp op;
  Overflow ow;
  int bits;
  bool sign;
};

uint64_t getUnsigned(const unsigned char* p, uint64_t offset, uint64_t bits) {
  uint64_t value = 0;
  while (bits--) {
    value = (value << 1) | static_cast<uint64_t>(bitAt(p, offset));
    ++offset;
  }
  return value;
}

int64_t getSigned(const unsigned char* p, uint64_t offset, uint64_t bits) {
  uint64_t u = getUnsigned(p, offset, bits);
  if (bits < 64 && (u & (uint64_t{1} << (bits - 1)))) u |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(u);
}

void setUnsigned(unsigned char* p, uint64_t offset, uint64_t bits, uint64_t value) {
  for (uint64_t j = 0; j < bits; ++j) {
    uint64_t bitval = (value >> (bits - 1 - j)) & 1;
    uint64_t byte = offset >> 3;
    unsigned bit = 7 - static_cast<unsigned>(offset & 7);
    p[byte] = static_cast<unsigned char>((p[byte] & ~(1u << bit)) | (bitval << bit));
    ++offset;
  }
}

// checkUnsignedBitfieldOverflow: nonzero on overflow; `limit` gets the wrapped/saturated value.
int unsignedOverflow(uint64_t value, int64_t incr, uint64_t bits, Overflow ow, uint64_t& limit) {
  uint64_t max = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  int64_t maxincr = static_cast<int64_t>(max - value);
  int64_t minincr = static_cast<int64_t>(uint64_t{0} - value);
  auto wrap = [&] {
    uint64_t mask = bits == 64 ? 0 : ~uint64_t{0} << bits;
    limit = (value + static_cast<uint64_t>(incr)) & ~mask;
  };
  if (value > max || (incr > 0 && incr > maxincr)) {
    if (ow == Overflow::kWrap) {
      wrap();
    } else if (ow == Overflow::kSat) {
      limit = max;
    }
    return 1;
  }
  if (incr < 0 && incr < minincr) {
    if (ow == Overflow::kWrap) {
      wrap();
      return 1;
    }
    if (ow == Overflow::kSat) limit = 0;
    return -1;
  }
  return 0;
}

// checkSignedBitfieldOverflow.
int signedOverflow(int64_t value, int64_t incr, uint64_t bits, Overflow ow, int64_t& limit) {
  int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  int64_t min = -max - 1;
  int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  auto wrap = [&] {
    uint64_t msb = uint64_t{1} << (bits - 1);
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      uint64_t mask = ~uint64_t{0} << bits;
      c = (c & msb) ? (c | mask) : (c & ~mask);
    }
    limit = static_cast<int64_t>(c);
  };
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    if (ow == Overflow::kWrap) {
      wrap();
    } else if (ow == Overflow::kSat) {
      limit = max;
    }
    return 1;
  }
  if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
    if (ow == Overflow::kWrap) {
      wrap();
      return 1;
    }
    if (ow == Overflow::kSat) limit = min;
    return -1;
  }
  return 0;
}

// getBitfieldTypeFromArgument.
bool bitfieldTypeOrReply(CommandContext& ctx, std::string_view s, bool& sign, int& bits) {
  if (!s.empty() && s[0] == 'i') {
    sign = true;
  } else if (!s.empty() && s[0] == 'u') {
    sign = false;
  } else {
    ctx.w.error(kBitfieldTypeError);
    return false;
  }
  std::string_view digits = s.substr(1);
  size_t nul = digits.find('\0');
  if (nul != std::string_view::npos) digits = digits.substr(0, nul);  // Redis uses strlen()
  int64_t n = 0;
  if (!parseInt64(digits, n) || n < 1 || (sign && n > 64) || (!sign && n > 63)) {
    ctx.w.error(kBitfieldTypeError);
    return false;
  }
  bits = static_cast<int>(n);
  return true;
}

void bitfieldGeneric(CommandContext& ctx, bool readonlyCommand) {
  std::vector<BitfieldOp> ops;
  Overflow ow = Overflow::kWrap;
  bool readonly = true;
  uint64_t highestWrite = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    size_t remargs = ctx.argc() - j - 1;
    std::string_view sub = ctx.arg(j);
    FieldOp op;
    if (equalsNoCase(sub, "get") && remargs >= 2) {
      op = FieldOp::kGet;
    } else if (equalsNoCase(sub, "set") && remargs >= 3) {
      op = FieldOp::kSet;
    } else if (equalsNoCase(sub, "incrby") && remargs >= 3) {
      op = FieldOp::kIncrBy;
    } else if (equalsNoCase(sub, "overflow") && remargs >= 1) {
      std::string_view t = ctx.arg(++j);
      if (equalsNoCase(t, "wrap")) {
        ow = Overflow::kWrap;
      } else if (equalsNoCase(t, "sat")) {
        ow = Overflow::kSat;
      } else if (equalsNoCase(t, "fail")) {
        ow = Overflow::kFail;
      } else {
        ctx.w.error("ERR Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
    bool sign = false;
    int bits = 0;
    if (!bitfieldTypeOrReply(ctx, ctx.arg(j + 1), sign, bits)) return;
    uint64_t offset = 0;
    if (!bitOffsetOrReply(ctx, ctx.arg(j + 2), true, bits, offset)) return;
    int64_t i64 = 0;
    if (op != FieldOp::kGet) {
      readonly = false;
      if (highestWrite < offset + static_cast<uint64_t>(bits) - 1) {
        highestWrite = offset + static_cast<uint64_t>(bits) - 1;
      }
      if (!intArgOrReply(ctx, ctx.arg(j + 3), i64)) return;
    }
    ops.push_back({offset, i64, op, ow, bits, sign});
    j += op == FieldOp::kGet ? 2 : 3;
  }

  std::string_view src;  // what GET reads
  unsigned char* dst = nullptr;
  Entry* e = nullptr;
  bool dirty = false;
  char scratch[24];
  if (readonly) {
    e = lookupRead(ctx, ctx.arg(1));
    if (e != nullptr) {
      if (!e->isString()) {
        ctx.w.error(errors::kWrongType);
        return;
      }
      src = e->stringView(scratch);
    }
  } else {
    if (readonlyCommand) {
      ctx.w.error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    dst = bytesForWrite(ctx, highestWrite, e, dirty);
    if (dst == nullptr) return;
    src = {reinterpret_cast<const char*>(dst), e->bytes().size()};
  }

  ctx.w.arrayHeader(ops.size());
  size_t changes = 0;
  for (const BitfieldOp& op : ops) {
    if (op.op == FieldOp::kGet) {
      // Copy up to 9 bytes so a 64-bit field at the string's end reads zero padding.
      unsigned char tmp[9] = {};
      uint64_t byte = op.offset >> 3;
      for (uint64_t i = 0; i < 9 && byte + i < src.size(); ++i) {
        tmp[i] = static_cast<unsigned char>(src[byte + i]);
      }
      uint64_t rel = op.offset - byte * 8;
      if (op.sign) {
        ctx.w.integer(getSigned(tmp, rel, static_cast<uint64_t>(op.bits)));
      } else {
        ctx.w.integer(static_cast<int64_t>(getUnsigned(tmp, rel, static_cast<uint64_t>(op.bits))));
      }
      continue;
    }
    uint64_t bits = static_cast<uint64_t>(op.bits);
    if (op.sign) {
      int64_t oldval = getSigned(dst, op.offset, bits), newval, retval, wrapped = 0;
      int overflow;
      if (op.op == FieldOp::kIncrBy) {
        overflow = signedOverflow(oldval, op.i64, bits, op.ow, wrapped);
        newval = overflow ? wrapped
                          : static_cast<int64_t>(static_cast<uint64_t>(oldval) +
                                                 static_cast<uint64_t>(op.i64));
        retval = newval;
      } else {
        newval = op.i64;
        overflow = signedOverflow(newval, 0, bits, op.ow, wrapped);
        if (overflow) newval = wrapped;
        retval = oldval;
      }
      if (!(overflow && op.ow == Overflow::kFail)) {
        ctx.w.integer(retval);
        setUnsigned(dst, op.offset, bits, static_cast<uint64_t>(newval));
        if (dirty || oldval != newval) ++changes;
      } else {
        ctx.w.null();
      }
    } else {
      uint64_t oldval = getUnsigned(dst, op.offset, bits), newval, retval, wrapped = 0;
      int overflow;
      if (op.op == FieldOp::kIncrBy) {
        newval = oldval + static_cast<uint64_t>(op.i64);
        overflow = unsignedOverflow(oldval, op.i64, bits, op.ow, wrapped);
        if (overflow) newval = wrapped;
        retval = newval;
      } else {
        newval = static_cast<uint64_t>(op.i64);
        overflow = unsignedOverflow(newval, 0, bits, op.ow, wrapped);
        if (overflow) newval = wrapped;
        retval = oldval;
      }
      if (!(overflow && op.ow == Overflow::kFail)) {
        ctx.w.integer(static_cast<int64_t>(retval));
        setUnsigned(dst, op.offset, bits, newval);
        if (dirty || oldval != newval) ++changes;
      } else {
        ctx.w.null();
      }
    }
  }
  // Written in place: one modification (WATCH, propagation) when any field changed, as Redis
  // (a key created by a write that failed on overflow stays, unpropagated, as in 7.0).
  if (changes) {
    ctx.ks.reaccount(e);
    ctx.server.notifyKeyspaceEvent(notify::kString, "setbit", ctx.arg(1));
  }
}

// Range arguments of BITCOUNT/BITPOS in bits: [first, last] inclusive after Redis's clamping.
struct BitRange {
  int64_t first = 0, last = -1;  // empty when first > last
};

// Converts start/end (already parsed) in BYTE or BIT units to a bit range over `len` bytes.
BitRange clampRange(int64_t start, int64_t end, bool isBit, int64_t len) {
  int64_t total = isBit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  BitRange r;
  if (start > end) return r;
  if (isBit) {
    r.first = start;
    r.last = end;
  } else {
    r.first = start * 8;
    r.last = end * 8 + 7;
  }
  return r;
}

// BYTE / BIT unit argument; false (syntax error written) otherwise.
bool unitOrReply(CommandContext& ctx, std::string_view s, bool& isBit) {
  if (equalsNoCase(s, "bit")) {
    isBit = true;
  } else if (equalsNoCase(s, "byte")) {
    isBit = false;
  } else {
    ctx.w.error(errors::kSyntax);
    return false;
  }
  return true;
}

}  // namespace

namespace cmd {

void setbit(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!bitOffsetOrReply(ctx, ctx.arg(2), false, 0, offset)) return;
  int64_t on = 0;
  if (!parseInt64(ctx.arg(3), on) || (on & ~int64_t{1}) != 0) {
    ctx.w.error(kBitValueError);
    return;
  }
  Entry* e = nullptr;
  bool dirty = false;
  unsigned char* p = bytesForWrite(ctx, offset, e, dirty);
  if (p == nullptr) return;
  size_t byte = static_cast<size_t>(offset >> 3);
  unsigned bit = 7 - static_cast<unsigned>(offset & 7);
  int bitval = (p[byte] >> bit) & 1;
  // Created, grown or a changed bit is a modification; an unchanged bit is not (7.0), though
  // the value has become raw either way.
  if (dirty || bitval != on) {
    p[byte] =
        static_cast<unsigned char>((p[byte] & ~(1u << bit)) | (static_cast<unsigned>(on) << bit));
    ctx.ks.reaccount(e);
    ctx.server.notifyKeyspaceEvent(notify::kString, "setbit", ctx.arg(1));
  }
  ctx.w.integer(bitval);
}

void getbit(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!bitOffsetOrReply(ctx, ctx.arg(2), false, 0, offset)) return;
  char scratch[24];
  std::string_view s;
  if (!stringOrReply(ctx, ctx.arg(1), 0, scratch, s)) return;
  uint64_t byte = offset >> 3;
  int bitval = 0;
  if (byte < s.size()) bitval = bitAt(reinterpret_cast<const unsigned char*>(s.data()), offset);
  ctx.w.integer(bitval);
}

void bitcount(CommandContext& ctx) {
  char scratch[24];
  std::string_view s;
  if (!stringOrReply(ctx, ctx.arg(1), 0, scratch, s)) return;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto len = static_cast<int64_t>(s.size());
  BitRange r;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    int64_t start = 0, end = 0;
    if (!intArgOrReply(ctx, ctx.arg(2), start)) return;
    if (!intArgOrReply(ctx, ctx.arg(3), end)) return;
    if (start < 0 && end < 0 && start > end) {
      ctx.w.integer(0);
      return;
    }
    bool isBit = false;
    if (ctx.argc() == 5 && !unitOrReply(ctx, ctx.arg(4), isBit)) return;
    r = clampRange(start, end, isBit, len);
  } else if (ctx.argc() == 2) {
    r = clampRange(0, -1, false, len);
  } else {
    ctx.w.error(errors::kSyntax);
    return;
  }
  if (r.first > r.last) {
    ctx.w.integer(0);
    return;
  }
  auto firstByte = static_cast<size_t>(r.first >> 3), lastByte = static_cast<size_t>(r.last >> 3);
  uint64_t count = popcount(p + firstByte, lastByte - firstByte + 1);
  // Bits of the edge bytes outside the range.
  unsigned headMask = 0xFFu >> (r.first & 7);  // bits kept in the first byte
  unsigned tailMask = 0xFFu >> (7 - (r.last & 7)) << (7 - (r.last & 7));
  count -=
      static_cast<uint64_t>(std::popcount(static_cast<unsigned>(p[firstByte]) & ~headMask & 0xFF));
  count -=
      static_cast<uint64_t>(std::popcount(static_cast<unsigned>(p[lastByte]) & ~tailMask & 0xFF));
  ctx.w.integer(static_cast<int64_t>(count));
}

void bitpos(CommandContext& ctx) {
  int64_t bit = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.w.error("ERR The bit argument must be 1 or 0.");
    return;
  }
  // A missing key reads as endless zero bits: 0 for bit 0, -1 for bit 1 (an empty string: -1).
  char scratch[24];
  std::string_view s;
  if (!stringOrReply(ctx, ctx.arg(1), bit ? -1 : 0, scratch, s)) return;
  auto len = static_cast<int64_t>(s.size());
  bool endGiven = false;
  BitRange r;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    int64_t start = 0, end = 0;
    if (!intArgOrReply(ctx, ctx.arg(3), start)) return;
    bool isBit = false;
    if (ctx.argc() == 6 && !unitOrReply(ctx, ctx.arg(5), isBit)) return;
    if (ctx.argc() >= 5) {
      if (!intArgOrReply(ctx, ctx.arg(4), end)) return;
      endGiven = true;
    } else {
      end = isBit ? len * 8 + 7 : len - 1;
    }
    r = clampRange(start, end, isBit, len);
  } else if (ctx.argc() == 3) {
    r = clampRange(0, -1, false, len);
  } else {
    ctx.w.error(errors::kSyntax);
    return;
  }
  if (r.first > r.last) {
    ctx.w.integer(-1);
    return;
  }
  int64_t pos =
      findBit(reinterpret_cast<const unsigned char*>(s.data()), static_cast<uint64_t>(r.first),
              static_cast<uint64_t>(r.last), static_cast<int>(bit));
  if (pos < 0 && bit == 0 && !endGiven) pos = r.last + 1;  // zero padding past the end
  ctx.w.integer(pos);
}

void bitop(CommandContext& ctx) {
  std::string_view opname = ctx.arg(1);
  enum { kAnd, kOr, kXor, kNot } op;
  if (equalsNoCase(opname, "and")) {
    op = kAnd;
  } else if (equalsNoCase(opname, "or")) {
    op = kOr;
  } else if (equalsNoCase(opname, "xor")) {
    op = kXor;
  } else if (equalsNoCase(opname, "not")) {
    op = kNot;
  } else {
    ctx.w.error(errors::kSyntax);
    return;
  }
  if (op == kNot && ctx.argc() != 4) {
    ctx.w.error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  size_t numkeys = ctx.argc() - 3;
  // Views of the sources' bytes (entries do not move while we only read; an int is formatted
  // into its own scratch), so no source is copied.
  std::vector<std::string_view> srcs(numkeys);
  struct Scratch {
    char text[24];
  };
  std::vector<Scratch> scratch(numkeys);
  size_t maxlen = 0;
  for (size_t j = 0; j < numkeys; ++j) {
    Entry* e = lookupRead(ctx, ctx.arg(j + 3));
    if (e == nullptr) continue;
    if (!e->isString()) {
      ctx.w.error(errors::kWrongType);
      return;
    }
    srcs[j] = e->stringView(scratch[j].text);
    maxlen = std::max(maxlen, srcs[j].size());
  }
  std::string_view target = ctx.arg(2);
  if (maxlen == 0) {
    if (ctx.ks.erase(target)) ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", target);
    ctx.w.integer(0);
    return;
  }
  // The first source, zero padded, combined with each other one a word at a time (a missing
  // or shorter source reads as zero bytes: AND clears the rest, OR/XOR leave it).
  std::string res(maxlen, '\0');
  auto* out = reinterpret_cast<unsigned char*>(res.data());
  if (!srcs[0].empty()) std::memcpy(out, srcs[0].data(), srcs[0].size());
  auto combine = [&](const unsigned char* in, size_t n, auto f) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
      uint64_t a, b;
      std::memcpy(&a, out + j, 8);
      std::memcpy(&b, in + j, 8);
      a = f(a, b);
      std::memcpy(out + j, &a, 8);
    }
    for (; j < n; ++j) out[j] = static_cast<unsigned char>(f(out[j], in[j]));
  };
  if (op == kNot) {
    combine(out, maxlen, [](uint64_t a, uint64_t) { return ~a; });
  }
  for (size_t i = 1; i < numkeys; ++i) {
    const auto* in = reinterpret_cast<const unsigned char*>(srcs[i].data());
    size_t n = srcs[i].size();
    if (op == kAnd) {
      combine(in, n, [](uint64_t a, uint64_t b) { return a & b; });
      std::memset(out + n, 0, maxlen - n);
    } else if (op == kOr) {
      combine(in, n, [](uint64_t a, uint64_t b) { return a | b; });
    } else {
      combine(in, n, [](uint64_t a, uint64_t b) { return a ^ b; });
    }
  }
  ctx.ks.set(target, Value::rawString(res));
  ctx.server.notifyKeyspaceEvent(notify::kString, "set", target);
  ctx.w.integer(static_cast<int64_t>(maxlen));
}

void bitfield(CommandContext& ctx) {
  bitfieldGeneric(ctx, false);
}

void bitfield_ro(CommandContext& ctx) {
  bitfieldGeneric(ctx, true);
}

}  // namespace cmd

}  // namespace strata::node
