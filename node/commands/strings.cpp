// String commands (SET and its options, GET, MGET/MSET, counters, ranges), byte-exact with
// Redis 7.0's t_string.c: same option grammar, same order of checks, same errors, same encodings
// (int / embstr / raw) for the stored values.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/commands/increment.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

enum : unsigned {
  kNx = 1,
  kXx = 2,
  kGet = 4,
  kKeepTtl = 8,
  kPersist = 16,
  kEx = 32,
  kPx = 64,
  kExAt = 128,
  kPxAt = 256,
};
constexpr unsigned kAnyExpire = kEx | kPx | kExAt | kPxAt;

enum class Grammar { kSet, kGetEx };

using config::equalsNoCase;

// parseExtendedStringArgumentsOrReply.
bool parseExtended(CommandContext& ctx, size_t start, Grammar g, unsigned& flags,
                   std::string_view& expire, bool& hasExpire) {
  for (size_t j = start; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool next = j + 1 < ctx.argc();
    bool set = g == Grammar::kSet;
    auto expireOk = [&](unsigned self) {
      return !(flags & (kKeepTtl | kPersist)) && !(flags & (kAnyExpire & ~self)) && next;
    };
    if (equalsNoCase(opt, "nx") && !(flags & kXx) && set) {
      flags |= kNx;
    } else if (equalsNoCase(opt, "xx") && !(flags & kNx) && set) {
      flags |= kXx;
    } else if (equalsNoCase(opt, "get") && set) {
      flags |= kGet;
    } else if (equalsNoCase(opt, "keepttl") && !(flags & kPersist) && !(flags & kAnyExpire) &&
               set) {
      flags |= kKeepTtl;
    } else if (equalsNoCase(opt, "persist") && !set && !(flags & kAnyExpire) &&
               !(flags & kKeepTtl)) {
      flags |= kPersist;
    } else if (equalsNoCase(opt, "ex") && expireOk(kEx)) {
      flags |= kEx;
      expire = ctx.arg(++j);
      hasExpire = true;
    } else if (equalsNoCase(opt, "px") && expireOk(kPx)) {
      flags |= kPx;
      expire = ctx.arg(++j);
      hasExpire = true;
    } else if (equalsNoCase(opt, "exat") && expireOk(kExAt)) {
      flags |= kExAt;
      expire = ctx.arg(++j);
      hasExpire = true;
    } else if (equalsNoCase(opt, "pxat") && expireOk(kPxAt)) {
      flags |= kPxAt;
      expire = ctx.arg(++j);
      hasExpire = true;
    } else {
      ctx.w.error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void replyExpireTimeError(CommandContext& ctx) {
  ctx.w.error("ERR invalid expire time in '" + std::string(ctx.def.name) + "' command");
}

// getExpireMillisecondsOrReply: absolute expiry in ms.
bool expireMillisOrReply(CommandContext& ctx, std::string_view text, unsigned flags, int64_t& ms) {
  if (!intArgOrReply(ctx, text, ms)) return false;
  bool seconds = flags & (kEx | kExAt);
  if (ms <= 0 || (seconds && ms > INT64_MAX / 1000)) {
    replyExpireTimeError(ctx);
    return false;
  }
  if (seconds) ms *= 1000;
  if (flags & (kEx | kPx)) {
    int64_t now = ctx.server.now();
    if (ms > INT64_MAX - now) {
      replyExpireTimeError(ctx);
      return false;
    }
    ms += now;
  }
  return true;
}

void replyString(CommandContext& ctx, const Entry* e) {
  char scratch[24];
  ctx.w.bulk(e->stringView(scratch));
}

// getGenericCommand: false if the key holds another type (error already written).
bool getGeneric(CommandContext& ctx) {
  Entry* e = lookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.w.null();
    return true;
  }
  if (!e->isString()) {
    ctx.w.error(errors::kWrongType);
    return false;
  }
  replyString(ctx, e);
  return true;
}

enum class Reply { kOk, kOneZero };

void setGeneric(CommandContext& ctx, unsigned flags, std::string_view key, std::string_view val,
                std::string_view expire, bool hasExpire, Reply reply) {
  int64_t ms = 0;
  if (hasExpire && !expireMillisOrReply(ctx, expire, flags, ms)) return;
  if ((flags & kGet) && !getGeneric(ctx)) return;
  bool found = ctx.ks.find(key) != nullptr;
  if (((flags & kNx) && found) || ((flags & kXx) && !found)) {
    if (!(flags & kGet)) {
      if (reply == Reply::kOneZero) {
        ctx.w.integer(0);
      } else {
        ctx.w.null();
      }
    }
    return;
  }
  Entry* e = ctx.ks.set(key, Value::string(val), (flags & kKeepTtl) || hasExpire);
  ctx.server.notifyKeyspaceEvent(notify::kString, "set", key);
  // A past EXAT/PXAT is stored as is (Redis 7.0 too): the key is expired, lazily removed.
  if (hasExpire) {
    ctx.ks.setExpireAt(e, ms);
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "expire", key);
  }
  if (!(flags & kGet)) {
    if (reply == Reply::kOneZero) {
      ctx.w.integer(1);
    } else {
      ctx.w.ok();
    }
  }
}

// checkStringLength.
bool checkStringLength(CommandContext& ctx, uint64_t size, uint64_t append) {
  uint64_t total = size + append;
  if (total > static_cast<uint64_t>(ctx.server.settings().protoMaxBulkLen)) {
    ctx.w.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

void incrDecr(CommandContext& ctx, int64_t incr) {
  Entry* e = ctx.ks.find(ctx.arg(1));
  int64_t value = 0;
  if (e) {
    if (!e->isString()) {
      ctx.w.error(errors::kWrongType);
      return;
    }
    if (e->isInt()) {
      value = e->intValue();
    } else if (!parseInt64(e->bytes(), value)) {
      ctx.w.error(errors::kNotInteger);
      return;
    }
  }
  if (!addOrReplyOverflow(ctx, value, incr)) return;
  ctx.ks.set(ctx.arg(1), Value::integer(value), true);
  ctx.server.notifyKeyspaceEvent(notify::kString, "incrby", ctx.arg(1));
  ctx.w.integer(value);
}

}  // namespace

// string2ld: strtold on the whole string, no leading space, no NaN, no overflow.
bool parseLongDouble(std::string_view s, long double& out) {
  if (s.empty() || s.size() >= 5 * 1024) return false;
  std::string buf(s);
  if (std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(buf.c_str(), &end);
  if (*end != '\0' || static_cast<size_t>(end - buf.c_str()) != s.size()) return false;
  if ((errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) || errno == EINVAL ||
      std::isnan(v)) {
    return false;
  }
  out = v;
  return true;
}

// ld2string(LD_STR_HUMAN).
std::string formatLongDouble(long double v) {
  char buf[5 * 1024];
  int l = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (l < 0 || static_cast<size_t>(l) + 1 > sizeof(buf)) return "0";
  if (std::memchr(buf, '.', static_cast<size_t>(l)) != nullptr) {
    char* p = buf + l - 1;
    while (*p == '0') {
      --p;
      --l;
    }
    if (*p == '.') --l;
  }
  if (l == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    l = 1;
  }
  return std::string(buf, static_cast<size_t>(l));
}

namespace cmd {

void set(CommandContext& ctx) {
  unsigned flags = 0;
  std::string_view expire;
  bool hasExpire = false;
  if (!parseExtended(ctx, 3, Grammar::kSet, flags, expire, hasExpire)) return;
  setGeneric(ctx, flags, ctx.arg(1), ctx.arg(2), expire, hasExpire, Reply::kOk);
}

void setnx(CommandContext& ctx) {
  setGeneric(ctx, kNx, ctx.arg(1), ctx.arg(2), {}, false, Reply::kOneZero);
}

void setex(CommandContext& ctx) {
  setGeneric(ctx, kEx, ctx.arg(1), ctx.arg(3), ctx.arg(2), true, Reply::kOk);
}

void psetex(CommandContext& ctx) {
  setGeneric(ctx, kPx, ctx.arg(1), ctx.arg(3), ctx.arg(2), true, Reply::kOk);
}

void get(CommandContext& ctx) {
  getGeneric(ctx);
}

void getex(CommandContext& ctx) {
  unsigned flags = 0;
  std::string_view expire;
  bool hasExpire = false;
  if (!parseExtended(ctx, 2, Grammar::kGetEx, flags, expire, hasExpire)) return;
  Entry* e = lookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.w.null();
    return;
  }
  if (!e->isString()) {
    ctx.w.error(errors::kWrongType);
    return;
  }
  int64_t ms = 0;
  if (hasExpire && !expireMillisOrReply(ctx, expire, flags, ms)) return;
  replyString(ctx, e);
  if ((flags & (kExAt | kPxAt)) && ms <= ctx.server.now()) {
    ctx.ks.erase(ctx.arg(1));
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", ctx.arg(1));
  } else if (hasExpire) {
    ctx.ks.setExpireAt(e, ms);
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "expire", ctx.arg(1));
  } else if ((flags & kPersist) && e->hasExpire()) {
    ctx.ks.setExpireAt(e, -1);
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "persist", ctx.arg(1));
  }
}

void getdel(CommandContext& ctx) {
  if (!getGeneric(ctx)) return;
  if (ctx.ks.erase(ctx.arg(1))) ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", ctx.arg(1));
}

void getset(CommandContext& ctx) {
  if (!getGeneric(ctx)) return;
  ctx.ks.set(ctx.arg(1), Value::string(ctx.arg(2)));
  ctx.server.notifyKeyspaceEvent(notify::kString, "set", ctx.arg(1));
}

void mget(CommandContext& ctx) {
  ctx.w.arrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Entry* e = lookupRead(ctx, ctx.arg(i));
    if (e == nullptr || !e->isString()) {
      ctx.w.null();
    } else {
      replyString(ctx, e);
    }
  }
}

void mset(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    replyArity(ctx.w, ctx.def.name);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.ks.set(ctx.arg(i), Value::string(ctx.arg(i + 1)));
    ctx.server.notifyKeyspaceEvent(notify::kString, "set", ctx.arg(i));
  }
  ctx.w.ok();
}

void msetnx(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    replyArity(ctx.w, ctx.def.name);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    if (ctx.ks.find(ctx.arg(i)) != nullptr) {
      ctx.w.integer(0);
      return;
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.ks.set(ctx.arg(i), Value::string(ctx.arg(i + 1)));
    ctx.server.notifyKeyspaceEvent(notify::kString, "set", ctx.arg(i));
  }
  ctx.w.integer(1);
}

void append(CommandContext& ctx) {
  Entry* e = ctx.ks.find(ctx.arg(1));
  if (e == nullptr) {
    ctx.ks.set(ctx.arg(1), Value::string(ctx.arg(2)));
    ctx.server.notifyKeyspaceEvent(notify::kString, "append", ctx.arg(1));
    ctx.w.integer(static_cast<int64_t>(ctx.arg(2).size()));
    return;
  }
  if (!e->isString()) {
    ctx.w.error(errors::kWrongType);
    return;
  }
  char scratch[24];
  std::string_view old = e->stringView(scratch);
  if (!checkStringLength(ctx, old.size(), ctx.arg(2).size())) return;
  std::string joined;
  joined.reserve(old.size() + ctx.arg(2).size());
  joined.append(old).append(ctx.arg(2));
  ctx.ks.set(ctx.arg(1), Value::rawString(joined), true);
  ctx.server.notifyKeyspaceEvent(notify::kString, "append", ctx.arg(1));
  ctx.w.integer(static_cast<int64_t>(joined.size()));
}

void strlen(CommandContext& ctx) {
  char scratch[24];
  std::string_view s;
  if (!stringOrReply(ctx, ctx.arg(1), 0, scratch, s)) return;
  ctx.w.integer(static_cast<int64_t>(s.size()));
}

void incr(CommandContext& ctx) {
  incrDecr(ctx, 1);
}
void decr(CommandContext& ctx) {
  incrDecr(ctx, -1);
}

void incrby(CommandContext& ctx) {
  int64_t incr = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), incr)) return;
  incrDecr(ctx, incr);
}

void decrby(CommandContext& ctx) {
  int64_t incr = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), incr)) return;
  if (incr == INT64_MIN) {
    ctx.w.error("ERR decrement would overflow");
    return;
  }
  incrDecr(ctx, -incr);
}

void incrbyfloat(CommandContext& ctx) {
  Entry* e = ctx.ks.find(ctx.arg(1));
  long double value = 0, incr = 0;
  if (e) {
    if (!e->isString()) {
      ctx.w.error(errors::kWrongType);
      return;
    }
    if (e->isInt()) {
      value = static_cast<long double>(e->intValue());
    } else if (!parseLongDouble(e->bytes(), value)) {
      ctx.w.error(errors::kNotFloat);
      return;
    }
  }
  if (!parseLongDouble(ctx.arg(2), incr)) {
    ctx.w.error(errors::kNotFloat);
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.w.error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = formatLongDouble(value);
  ctx.ks.set(ctx.arg(1), Value::plainString(text), true);
  ctx.server.notifyKeyspaceEvent(notify::kString, "incrbyfloat", ctx.arg(1));
  ctx.w.bulk(text);
}

void getrange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), start)) return;
  if (!intArgOrReply(ctx, ctx.arg(3), end)) return;
  Entry* e = lookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.w.bulk("");
    return;
  }
  if (!e->isString()) {
    ctx.w.error(errors::kWrongType);
    return;
  }
  char scratch[24];
  std::string_view s = e->stringView(scratch);
  int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) {
    ctx.w.bulk("");
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    ctx.w.bulk("");
    return;
  }
  ctx.w.bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void substr(CommandContext& ctx) {
  getrange(ctx);
}

void setrange(CommandContext& ctx) {
  int64_t offset = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), offset)) return;
  if (offset < 0) {
    ctx.w.error("ERR offset is out of range");
    return;
  }
  std::string_view value = ctx.arg(3);
  Entry* e = ctx.ks.find(ctx.arg(1));
  std::string result;
  if (e == nullptr) {
    if (value.empty()) {
      ctx.w.integer(0);
      return;
    }
    if (!checkStringLength(ctx, static_cast<uint64_t>(offset), value.size())) return;
  } else {
    if (!e->isString()) {
      ctx.w.error(errors::kWrongType);
      return;
    }
    char scratch[24];
    std::string_view old = e->stringView(scratch);
    if (value.empty()) {
      ctx.w.integer(static_cast<int64_t>(old.size()));
      return;
    }
    if (!checkStringLength(ctx, static_cast<uint64_t>(offset), value.size())) return;
    result.assign(old);
  }
  size_t need = static_cast<size_t>(offset) + value.size();
  if (result.size() < need) result.resize(need, '\0');
  result.replace(static_cast<size_t>(offset), value.size(), value);
  ctx.ks.set(ctx.arg(1), Value::rawString(result), true);
  ctx.server.notifyKeyspaceEvent(notify::kString, "setrange", ctx.arg(1));
  ctx.w.integer(static_cast<int64_t>(result.size()));
}

}  // namespace cmd

}  // namespace strata::node
