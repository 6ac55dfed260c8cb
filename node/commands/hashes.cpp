// Hash commands (HSET ... HSCAN), byte-exact with Redis 7.0's t_hash.c: same order of argument
// parsing and type checks, same errors, RESP3 maps for HGETALL, listpack/hashtable encoding as
// Redis reports it (see HashObject). Event-loop thread only.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/collections.h"
#include "node/commands/increment.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr ValueType kHash = ValueType::kHash;

HashLimits hashLimits(CommandContext& ctx) {
  const NodeSettings& s = ctx.server.settings();
  return {static_cast<size_t>(s.hashMaxListpackEntries),
          static_cast<size_t>(s.hashMaxListpackValue)};
}

HashObject* readHash(CommandContext& ctx, bool& wrong, Entry** e = nullptr) {
  return lookupTyped<HashObject>(ctx, ctx.arg(1), kHash, wrong, e);
}

// hashTypeLookupWriteOrCreate.
HashObject* writeHash(CommandContext& ctx, Entry*& e) {
  bool wrong = false;
  HashObject* h = lookupTyped<HashObject>(ctx, ctx.arg(1), kHash, wrong, &e, false);
  if (wrong) return nullptr;
  if (h == nullptr) e = createTyped(ctx, ctx.arg(1), kHash, h);
  return h;
}

void hsetGeneric(CommandContext& ctx, bool hmset) {
  if (ctx.argc() % 2 == 1) return replyArity(ctx.w, ctx.def.name);
  Entry* e = nullptr;
  HashObject* h = writeHash(ctx, e);
  if (h == nullptr) return;
  const HashLimits limits = hashLimits(ctx);
  for (size_t i = 2; i < ctx.argc(); ++i) h->noteArgLength(ctx.arg(i).size(), limits);
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) created += h->set(ctx.arg(i), ctx.arg(i + 1), limits);
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kHash, "hset", ctx.arg(1));
  if (hmset) {
    ctx.w.ok();
  } else {
    ctx.w.integer(created);
  }
}

enum : unsigned { kKeys = 1, kVals = 2 };

void getallGeneric(CommandContext& ctx, unsigned what) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  bool both = what == (kKeys | kVals);
  size_t n = h ? h->size() : 0;
  if (both) {
    ctx.w.mapHeader(n);
  } else {
    ctx.w.arrayHeader(n);
  }
  if (h == nullptr) return;
  h->forEach([&](std::string_view f, std::string_view v) {
    if (what & kKeys) ctx.w.bulk(f);
    if (what & kVals) ctx.w.bulk(v);
  });
}

}  // namespace

namespace cmd {

void hset(CommandContext& ctx) {
  hsetGeneric(ctx, false);
}
void hmset(CommandContext& ctx) {
  hsetGeneric(ctx, true);
}

void hsetnx(CommandContext& ctx) {
  Entry* e = nullptr;
  HashObject* h = writeHash(ctx, e);
  if (h == nullptr) return;
  if (h->get(ctx.arg(2))) return ctx.w.integer(0);
  const HashLimits limits = hashLimits(ctx);
  h->noteArgLength(ctx.arg(2).size(), limits);
  h->noteArgLength(ctx.arg(3).size(), limits);
  h->set(ctx.arg(2), ctx.arg(3), limits);
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kHash, "hset", ctx.arg(1));
  ctx.w.integer(1);
}

void hget(CommandContext& ctx) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  std::optional<std::string_view> v;
  if (h) v = h->get(ctx.arg(2));
  if (!v) return ctx.w.null();
  ctx.w.bulk(*v);
}

void hmget(CommandContext& ctx) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::optional<std::string_view> v;
    if (h) v = h->get(ctx.arg(i));
    if (!v) {
      ctx.w.null();
    } else {
      ctx.w.bulk(*v);
    }
  }
}

void hdel(CommandContext& ctx) {
  bool wrong = false;
  Entry* e = nullptr;
  HashObject* h = lookupTyped<HashObject>(ctx, ctx.arg(1), kHash, wrong, &e, false);
  if (wrong) return;
  if (h == nullptr) return ctx.w.integer(0);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && h->size() > 0; ++i) deleted += h->erase(ctx.arg(i));
  if (deleted) ctx.server.notifyKeyspaceEvent(notify::kHash, "hdel", ctx.arg(1));
  finishWrite(ctx, ctx.arg(1), e, h->size());
  ctx.w.integer(deleted);
}

void hlen(CommandContext& ctx) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  ctx.w.integer(h ? static_cast<int64_t>(h->size()) : 0);
}

void hstrlen(CommandContext& ctx) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  std::optional<std::string_view> v;
  if (h) v = h->get(ctx.arg(2));
  ctx.w.integer(v ? static_cast<int64_t>(v->size()) : 0);
}

void hexists(CommandContext& ctx) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  ctx.w.integer(h && h->get(ctx.arg(2)) ? 1 : 0);
}

void hkeys(CommandContext& ctx) {
  getallGeneric(ctx, kKeys);
}
void hvals(CommandContext& ctx) {
  getallGeneric(ctx, kVals);
}
void hgetall(CommandContext& ctx) {
  getallGeneric(ctx, kKeys | kVals);
}

void hincrby(CommandContext& ctx) {
  int64_t incr = 0;
  if (!intArgOrReply(ctx, ctx.arg(3), incr)) return;
  Entry* e = nullptr;
  HashObject* h = writeHash(ctx, e);
  if (h == nullptr) return;
  int64_t value = 0;
  if (std::optional<std::string_view> v = h->get(ctx.arg(2))) {
    if (!parseInt64(*v, value)) {
      ctx.w.error("ERR hash value is not an integer");
      return;
    }
  }
  if (!addOrReplyOverflow(ctx, value, incr)) return;
  h->set(ctx.arg(2), std::to_string(value), hashLimits(ctx));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kHash, "hincrby", ctx.arg(1));
  ctx.w.integer(value);
}

void hincrbyfloat(CommandContext& ctx) {
  long double incr = 0;
  if (!parseLongDouble(ctx.arg(3), incr)) {
    ctx.w.error(errors::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    ctx.w.error("ERR value is NaN or Infinity");
    return;
  }
  Entry* e = nullptr;
  HashObject* h = writeHash(ctx, e);
  if (h == nullptr) return;
  long double value = 0;
  if (std::optional<std::string_view> v = h->get(ctx.arg(2))) {
    if (!parseLongDouble(*v, value)) {
      ctx.w.error("ERR hash value is not a float");
      return;
    }
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.w.error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string out = formatLongDouble(value);
  h->set(ctx.arg(2), out, hashLimits(ctx));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kHash, "hincrbyfloat", ctx.arg(1));
  ctx.w.bulk(out);
}

void hrandfield(CommandContext& ctx) {
  auto& rng = collectionRng();
  if (ctx.argc() >= 3) {
    int64_t l = 0;
    if (!rangeArgOrReply(ctx, ctx.arg(2), -INT64_MAX, INT64_MAX, l)) return;
    bool withValues = false;
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !config::equalsNoCase(ctx.arg(3), "withvalues"))) {
      ctx.w.error(errors::kSyntax);
      return;
    }
    if (ctx.argc() == 4) {
      withValues = true;
      if (l < -INT64_MAX / 2 || l > INT64_MAX / 2) {
        ctx.w.error("ERR value is out of range");
        return;
      }
    }
    bool wrong = false;
    HashObject* h = readHash(ctx, wrong);
    if (wrong) return;
    if (h == nullptr || l == 0) return ctx.w.arrayHeader(0);
    bool uniq = l > 0;
    size_t count = static_cast<size_t>(l < 0 ? -l : l);
    using Pair = std::pair<std::string_view, std::string_view>;
    std::vector<Pair> all;
    all.reserve(h->size());
    h->forEach([&](std::string_view f, std::string_view v) { all.emplace_back(f, v); });
    std::vector<Pair> picked;
    if (!uniq) {
      std::uniform_int_distribution<size_t> d(0, all.size() - 1);
      for (size_t i = 0; i < count; ++i) picked.push_back(all[d(rng)]);
    } else if (count >= all.size()) {
      picked = all;
    } else {
      std::shuffle(all.begin(), all.end(), rng);
      picked.assign(all.begin(), all.begin() + static_cast<long>(count));
    }
    bool resp3 = ctx.w.protocol() != resp::Protocol::kResp2;
    ctx.w.arrayHeader(withValues && !resp3 ? picked.size() * 2 : picked.size());
    for (const auto& [f, v] : picked) {
      if (withValues && resp3) ctx.w.arrayHeader(2);
      ctx.w.bulk(f);
      if (withValues) ctx.w.bulk(v);
    }
    return;
  }
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  if (h == nullptr) return ctx.w.null();
  std::uniform_int_distribution<size_t> d(0, h->size() - 1);
  size_t pick = d(rng);
  h->forEach([&](std::string_view f, std::string_view) {
    if (pick-- == 0) ctx.w.bulk(f);
  });
}

void hscan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!scanCursorOrReply(ctx, ctx.arg(2), cursor)) return;
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  std::string_view pattern;
  bool usePattern = false;
  size_t count = 10;
  if (h != nullptr && !scanOptionsOrReply(ctx, pattern, usePattern, &count)) return;
  // A listpack hash answers everything at once with cursor 0 (as Redis); a hashtable one a page
  // of about COUNT fields per call (HashObject::scanPage).
  std::vector<std::pair<std::string_view, std::string_view>> out;
  uint64_t next = 0;
  auto take = [&](std::string_view f, std::string_view v) {
    if (scanMatches(pattern, usePattern, f)) out.emplace_back(f, v);
  };
  if (h && h->listpack()) {
    h->forEach(take);
  } else if (h) {
    next = h->scanPage(cursor, count, take);
  }
  ctx.w.arrayHeader(2);
  ctx.w.bulk(std::to_string(next));
  ctx.w.arrayHeader(out.size() * 2);
  for (const auto& [f, v] : out) {
    ctx.w.bulk(f);
    ctx.w.bulk(v);
  }
}

}  // namespace cmd

}  // namespace strata::node
