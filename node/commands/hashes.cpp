// Hash commands (HSET ... HSCAN), byte-exact with Redis 7.0's t_hash.c: same order of argument
// parsing and type checks, same errors, RESP3 maps for HGETALL, listpack/hashtable encoding as
// Redis reports it (see HashObject). Event-loop thread only.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/collections.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr ValueType kHash = ValueType::kHash;

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
  for (size_t i = 2; i < ctx.argc(); ++i) h->noteArgLength(ctx.arg(i).size());
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) created += h->set(ctx.arg(i), ctx.arg(i + 1));
  ctx.ks.reaccount(e);
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
  for (const auto& [f, v] : h->map()) {
    if (what & kKeys) ctx.w.bulk(f);
    if (what & kVals) ctx.w.bulk(v);
  }
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
  if (h->get(ctx.arg(2)) != nullptr) return ctx.w.integer(0);
  h->noteArgLength(ctx.arg(2).size());
  h->noteArgLength(ctx.arg(3).size());
  h->set(ctx.arg(2), ctx.arg(3));
  ctx.ks.reaccount(e);
  ctx.w.integer(1);
}

void hget(CommandContext& ctx) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  const std::string* v = h ? h->get(ctx.arg(2)) : nullptr;
  if (v == nullptr) return ctx.w.null();
  ctx.w.bulk(*v);
}

void hmget(CommandContext& ctx) {
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const std::string* v = h ? h->get(ctx.arg(i)) : nullptr;
    if (v == nullptr) {
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
  const std::string* v = h ? h->get(ctx.arg(2)) : nullptr;
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
  if (const std::string* v = h->get(ctx.arg(2))) {
    if (!parseInt64(*v, value)) {
      ctx.w.error("ERR hash value is not an integer");
      return;
    }
  }
  if ((incr < 0 && value < 0 && incr < (INT64_MIN - value)) ||
      (incr > 0 && value > 0 && incr > (INT64_MAX - value))) {
    ctx.w.error("ERR increment or decrement would overflow");
    return;
  }
  value += incr;
  h->set(ctx.arg(2), std::to_string(value));
  ctx.ks.reaccount(e);
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
  if (const std::string* v = h->get(ctx.arg(2))) {
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
  h->set(ctx.arg(2), out);
  ctx.ks.reaccount(e);
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
    std::vector<const std::pair<const std::string, std::string>*> all;
    all.reserve(h->size());
    for (const auto& kv : h->map()) all.push_back(&kv);
    std::vector<const std::pair<const std::string, std::string>*> picked;
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
    for (const auto* kv : picked) {
      if (withValues && resp3) ctx.w.arrayHeader(2);
      ctx.w.bulk(kv->first);
      if (withValues) ctx.w.bulk(kv->second);
    }
    return;
  }
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  if (h == nullptr) return ctx.w.null();
  std::uniform_int_distribution<size_t> d(0, h->size() - 1);
  auto it = h->map().begin();
  std::advance(it, static_cast<long>(d(rng)));
  ctx.w.bulk(it->first);
}

void hscan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!scanCursorOrReply(ctx, ctx.arg(2), cursor)) return;
  bool wrong = false;
  HashObject* h = readHash(ctx, wrong);
  if (wrong) return;
  std::string_view pattern;
  bool usePattern = false;
  if (h != nullptr && !scanOptionsOrReply(ctx, pattern, usePattern)) return;
  // Every element in one step, cursor 0: what Redis does for listpack hashes; a valid (if
  // unbounded) SCAN for larger ones.
  std::vector<const std::pair<const std::string, std::string>*> out;
  if (h) {
    for (const auto& kv : h->map()) {
      if (scanMatches(pattern, usePattern, kv.first)) out.push_back(&kv);
    }
  }
  ctx.w.arrayHeader(2);
  ctx.w.bulk("0");
  ctx.w.arrayHeader(out.size() * 2);
  for (const auto* kv : out) {
    ctx.w.bulk(kv->first);
    ctx.w.bulk(kv->second);
  }
}

}  // namespace cmd

}  // namespace strata::node
