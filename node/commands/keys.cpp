// Generic key commands (DEL, EXISTS, TYPE, the EXPIRE family, TTLs, RENAME, COPY, KEYS, SCAN,
// RANDOMKEY, DBSIZE, FLUSH*, TOUCH, OBJECT), byte-exact with Redis 7.0's db.c/expire.c/object.c.
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>

#include "common/config/glob.h"
#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/persistence/persistence.h"
#include "node/replication/replication.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

enum : unsigned { kExpNx = 1, kExpXx = 2, kExpGt = 4, kExpLt = 8 };

// expireGenericCommand: basetime is now (relative forms) or 0; unit seconds or ms.
void expireGeneric(CommandContext& ctx, int64_t basetime, bool seconds) {
  unsigned flags = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    if (equalsNoCase(opt, "nx")) {
      flags |= kExpNx;
    } else if (equalsNoCase(opt, "xx")) {
      flags |= kExpXx;
    } else if (equalsNoCase(opt, "gt")) {
      flags |= kExpGt;
    } else if (equalsNoCase(opt, "lt")) {
      flags |= kExpLt;
    } else {
      ctx.w.error("ERR Unsupported option " + std::string(opt));
      return;
    }
  }
  if ((flags & kExpNx) && (flags & (kExpXx | kExpGt | kExpLt))) {
    ctx.w.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if ((flags & kExpGt) && (flags & kExpLt)) {
    ctx.w.error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  int64_t when = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), when)) return;
  auto timeError = [&] {
    ctx.w.error("ERR invalid expire time in '" + std::string(ctx.def.name) + "' command");
  };
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return timeError();
    when *= 1000;
  }
  if (when > LLONG_MAX - basetime) return timeError();
  when += basetime;
  Entry* e = ctx.ks.find(ctx.arg(1));
  if (e == nullptr) {
    ctx.w.integer(0);
    return;
  }
  if (flags) {
    int64_t current = ctx.ks.expireAt(e);
    if ((flags & kExpNx) && current != -1) return ctx.w.integer(0);
    if ((flags & kExpXx) && current == -1) return ctx.w.integer(0);
    if ((flags & kExpGt) && (when <= current || current == -1)) return ctx.w.integer(0);
    if ((flags & kExpLt) && current != -1 && when >= current) return ctx.w.integer(0);
  }
  if (when <= ctx.server.now()) {
    ctx.ks.erase(ctx.arg(1));
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", ctx.arg(1));
  } else {
    ctx.ks.setExpireAt(e, when);
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "expire", ctx.arg(1));
  }
  ctx.w.integer(1);
}

// ttlGenericCommand.
void ttlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  Entry* e = lookupRead(ctx, ctx.arg(1), kLookupNoTouch);
  if (e == nullptr) return ctx.w.integer(-2);
  int64_t expire = ctx.ks.expireAt(e);
  if (expire == -1) return ctx.w.integer(-1);
  int64_t ttl = absolute ? expire : expire - ctx.server.now();
  if (ttl < 0) ttl = 0;
  ctx.w.integer(ms ? ttl : (ttl + 500) / 1000);
}

void renameGeneric(CommandContext& ctx, bool nx) {
  bool same = ctx.arg(1) == ctx.arg(2);
  if (ctx.ks.find(ctx.arg(1)) == nullptr) {
    ctx.w.error("ERR no such key");
    return;
  }
  if (same) {
    if (nx) {
      ctx.w.integer(0);
    } else {
      ctx.w.ok();
    }
    return;
  }
  if (nx && ctx.ks.find(ctx.arg(2)) != nullptr) {
    ctx.w.integer(0);
    return;
  }
  ctx.ks.rename(ctx.arg(1), ctx.arg(2));
  ctx.server.notifyKeyspaceEvent(notify::kGeneric, "rename_from", ctx.arg(1));
  ctx.server.notifyKeyspaceEvent(notify::kGeneric, "rename_to", ctx.arg(2));
  // A list arriving under a key clients block on serves them (Redis's dbAdd).
  ctx.server.signalKeyReady(ctx.arg(2));
  if (nx) {
    ctx.w.integer(1);
  } else {
    ctx.w.ok();
  }
}

bool matches(std::string_view pattern, std::string_view key) {
  return (pattern.size() == 1 && pattern[0] == '*') || config::globMatch(pattern, key, false);
}

// Redis 7.0's parseScanCursorOrReply: strtoul (so "-1" wraps and "" is 0), no leading space.
bool parseCursor(std::string_view s, uint64_t& out) {
  std::string buf(s);
  if (!buf.empty() && std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(buf.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  out = v;
  return true;
}

Entry* objectLookup(CommandContext& ctx) {
  Entry* e = lookupRead(ctx, ctx.arg(2), kLookupNoTouch | kLookupNoNotify);
  if (e == nullptr) ctx.w.null();
  return e;
}

}  // namespace

namespace cmd {

void del(CommandContext& ctx) {
  int64_t n = 0;
  // The master's DEL of a key expired here too deletes it as Redis's replica does ("del").
  const bool fromMaster = ctx.server.replication().isMasterClient(ctx.client);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (!ctx.ks.erase(ctx.arg(i), fromMaster)) continue;
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", ctx.arg(i));
    ++n;
  }
  ctx.w.integer(n);
}

void unlink(CommandContext& ctx) {
  del(ctx);
}

void exists(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (lookupRead(ctx, ctx.arg(i), kLookupNoTouch)) ++n;
  }
  ctx.w.integer(n);
}

void touch(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (lookupRead(ctx, ctx.arg(i))) ++n;
  }
  ctx.w.integer(n);
}

void type(CommandContext& ctx) {
  Entry* e = lookupRead(ctx, ctx.arg(1), kLookupNoTouch);
  ctx.w.simpleString(e ? typeName(e->type()) : "none");
}

void expire(CommandContext& ctx) {
  expireGeneric(ctx, ctx.server.now(), true);
}
void pexpire(CommandContext& ctx) {
  expireGeneric(ctx, ctx.server.now(), false);
}
void expireat(CommandContext& ctx) {
  expireGeneric(ctx, 0, true);
}
void pexpireat(CommandContext& ctx) {
  expireGeneric(ctx, 0, false);
}
void ttl(CommandContext& ctx) {
  ttlGeneric(ctx, false, false);
}
void pttl(CommandContext& ctx) {
  ttlGeneric(ctx, true, false);
}
void expiretime(CommandContext& ctx) {
  ttlGeneric(ctx, false, true);
}
void pexpiretime(CommandContext& ctx) {
  ttlGeneric(ctx, true, true);
}

void persist(CommandContext& ctx) {
  Entry* e = ctx.ks.find(ctx.arg(1));
  if (e == nullptr || !e->hasExpire()) return ctx.w.integer(0);
  ctx.ks.setExpireAt(e, -1);
  ctx.server.notifyKeyspaceEvent(notify::kGeneric, "persist", ctx.arg(1));
  ctx.w.integer(1);
}

void rename(CommandContext& ctx) {
  renameGeneric(ctx, false);
}
void renamenx(CommandContext& ctx) {
  renameGeneric(ctx, true);
}

void copy(CommandContext& ctx) {
  bool replace = false;
  int64_t db = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    bool additional = j + 1 < ctx.argc();
    if (equalsNoCase(ctx.arg(j), "replace")) {
      replace = true;
    } else if (equalsNoCase(ctx.arg(j), "db") && additional) {
      if (!intArgOrReply(ctx, ctx.arg(j + 1), db)) return;
      if (db < INT_MIN || db > INT_MAX) {
        ctx.w.error("ERR value is out of range, value must between -2147483648 and 2147483647");
        return;
      }
      if (db != 0) {
        ctx.w.error("ERR DB index is out of range");
        return;
      }
      ++j;
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  if (ctx.arg(1) == ctx.arg(2)) {
    ctx.w.error("ERR source and destination objects are the same");
    return;
  }
  Entry* src = lookupRead(ctx, ctx.arg(1));
  if (src == nullptr) return ctx.w.integer(0);
  if (ctx.ks.find(ctx.arg(2)) != nullptr && !replace) return ctx.w.integer(0);
  ctx.ks.copy(src, ctx.arg(2));
  ctx.server.notifyKeyspaceEvent(notify::kGeneric, "copy_to", ctx.arg(2));
  ctx.server.signalKeyReady(ctx.arg(2));
  ctx.w.integer(1);
}

void keys(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  std::vector<std::string_view> found;
  ctx.ks.forEach([&](const Entry& e) {
    if (matches(pattern, e.key())) found.push_back(e.key());
  });
  ctx.w.arrayHeader(found.size());
  for (auto k : found) ctx.w.bulk(k);
}

void scan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!parseCursor(ctx.arg(1), cursor)) {
    ctx.w.error("ERR invalid cursor");
    return;
  }
  int64_t count = 10;
  std::string_view pattern;
  bool usePattern = false;
  std::string_view typeFilter;
  bool hasType = false;
  for (size_t i = 2; i < ctx.argc();) {
    size_t left = ctx.argc() - i;
    if (equalsNoCase(ctx.arg(i), "count") && left >= 2) {
      if (!intArgOrReply(ctx, ctx.arg(i + 1), count)) return;
      if (count < 1) {
        ctx.w.error(errors::kSyntax);
        return;
      }
      i += 2;
    } else if (equalsNoCase(ctx.arg(i), "match") && left >= 2) {
      pattern = ctx.arg(i + 1);
      usePattern = !(pattern.size() == 1 && pattern[0] == '*');
      i += 2;
    } else if (equalsNoCase(ctx.arg(i), "type") && left >= 2) {
      typeFilter = ctx.arg(i + 1);
      hasType = true;
      i += 2;
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  std::vector<std::string> keys;
  int64_t maxIterations = count * 10;
  do {
    cursor = ctx.ks.scan(cursor, [&](const Entry& e) {
      if (usePattern && !config::globMatch(pattern, e.key(), false)) return;
      if (hasType && !equalsNoCase(typeFilter, typeName(e.type()))) return;
      keys.emplace_back(e.key());
    });
  } while (cursor && maxIterations-- && static_cast<int64_t>(keys.size()) < count);
  ctx.w.arrayHeader(2);
  ctx.w.bulk(std::to_string(cursor));
  ctx.w.arrayHeader(keys.size());
  for (const auto& k : keys) ctx.w.bulk(k);
}

void randomkey(CommandContext& ctx) {
  std::string key;
  if (!ctx.ks.randomKey(key)) return ctx.w.null();
  ctx.w.bulk(key);
}

void dbsize(CommandContext& ctx) {
  ctx.w.integer(static_cast<int64_t>(ctx.ks.size()));
}

void flushall(CommandContext& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !equalsNoCase(ctx.arg(1), "sync") &&
                         !equalsNoCase(ctx.arg(1), "async"))) {
    ctx.w.error(errors::kSyntax);
    return;
  }
  ctx.ks.clear();
  // Redis's flushAllDataAndResetRDB: a running BGSAVE is stopped, the empty dataset saved when
  // save points are set. FLUSHDB (db 0 is the only one) does not.
  if (ctx.def.name == "flushall") ctx.server.persistence().afterFlushAll();
  ctx.w.ok();
}

void flushdb(CommandContext& ctx) {
  flushall(ctx);
}

void objectEncoding(CommandContext& ctx) {
  if (Entry* e = objectLookup(ctx)) {
    ctx.w.bulk(encodingName(e->isString() ? e->encoding() : e->object()->encoding()));
  }
}

void objectIdletime(CommandContext& ctx) {
  Entry* e = objectLookup(ctx);
  if (e == nullptr) return;
  if (ctx.server.settings().lfuPolicy()) {
    ctx.w.error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
        "when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
    return;
  }
  uint32_t clock = ctx.ks.lruClock();
  uint32_t lru = e->lru();
  uint64_t idle = clock >= lru ? clock - lru : clock + (0xFFFFFF - lru);
  ctx.w.integer(static_cast<int64_t>(idle));
}

void objectFreq(CommandContext& ctx) {
  Entry* e = objectLookup(ctx);
  if (e == nullptr) return;
  if (!ctx.server.settings().lfuPolicy()) {
    ctx.w.error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
        "Please note that when switching between policies at runtime LRU and LFU data "
        "will take some time to adjust.");
    return;
  }
  ctx.w.integer(ctx.ks.lfuFrequency(e));
}

void objectRefcount(CommandContext& ctx) {
  Entry* e = objectLookup(ctx);
  if (e == nullptr) return;
  // Redis shares the integers 0..9999 unless an LRU/LFU maxmemory policy needs private objects.
  const auto& s = ctx.server.settings();
  bool sharing = s.maxmemory == 0 || !(s.lruPolicy() || s.lfuPolicy());
  bool shared = e->shareableInt() && e->intValue() >= 0 && e->intValue() < 10000 && sharing;
  ctx.w.integer(shared ? 2147483647 : 1);
}

void objectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
  };
  replyHelp(ctx, "OBJECT", kLines);
}

}  // namespace cmd

}  // namespace strata::node
