// HyperLogLog commands (PFADD, PFCOUNT, PFMERGE) over string values holding Redis 7.0's HLL
// representation (hll.h), in the order of checks of Redis's hyperloglog.c. The sketch is a plain
// string: GET, DUMP/RESTORE, MIGRATE, the AOF and replication carry it unchanged. Writes go
// through Keyspace::set (raw string, TTL kept), which drives the modified hook (WATCH), the
// dirty counter (propagation) and memory accounting; a single-key PFCOUNT that refreshes the
// cached cardinality is a write too, as in Redis. Event-loop thread.
#include <cstring>
#include <string>

#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/commands/hll.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorrupt = "INVALIDOBJ Corrupted HLL object detected";

// isHLLObjectOrReply: the sketch bytes of `e`, or false with the error written.
bool hllOrReply(CommandContext& ctx, const Entry* e, std::string_view& out) {
  if (!e->isString()) {
    ctx.w.error(errors::kWrongType);
    return false;
  }
  if (e->isInt() || !hll::valid(e->bytes())) {
    ctx.w.error(kNotHll);
    return false;
  }
  out = e->bytes();
  return true;
}

}  // namespace

namespace cmd {

void pfadd(CommandContext& ctx) {
  Entry* e = ctx.ks.find(ctx.arg(1));
  std::string s;
  int updated = 0;
  if (e == nullptr) {
    s = hll::create();
    updated = 1;
  } else {
    std::string_view cur;
    if (!hllOrReply(ctx, e, cur)) return;
    s.assign(cur);
  }
  for (size_t j = 2; j < ctx.argc(); ++j) {
    int r = hll::add(s, ctx.arg(j));
    if (r < 0) {
      ctx.w.error(kCorrupt);
      return;
    }
    updated += r;
  }
  if (updated) {
    hll::invalidateCache(s);
    ctx.ks.set(ctx.arg(1), Value::rawString(s), true);
    ctx.server.notifyKeyspaceEvent(notify::kString, "pfadd", ctx.arg(1));
  }
  ctx.w.integer(updated ? 1 : 0);
}

void pfcount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    uint8_t max[hll::kRegisters];
    std::memset(max, 0, sizeof(max));
    for (size_t j = 1; j < ctx.argc(); ++j) {
      Entry* e = lookupRead(ctx, ctx.arg(j));
      if (e == nullptr) continue;
      std::string_view cur;
      if (!hllOrReply(ctx, e, cur)) return;
      if (!hll::mergeInto(cur, max)) {
        ctx.w.error(kCorrupt);
        return;
      }
    }
    ctx.w.integer(static_cast<int64_t>(hll::countRaw(max)));
    return;
  }
  Entry* e = lookupRead(ctx, ctx.arg(1));
  if (e == nullptr) {
    ctx.w.integer(0);
    return;
  }
  std::string_view cur;
  if (!hllOrReply(ctx, e, cur)) return;
  if (hll::cacheValid(cur)) {
    ctx.w.integer(static_cast<int64_t>(hll::cachedCard(cur)));
    return;
  }
  bool invalid = false;
  uint64_t card = hll::count(cur, &invalid);
  if (invalid) {
    ctx.w.error(kCorrupt);
    return;
  }
  std::string s(cur);
  hll::setCachedCard(s, card);
  ctx.ks.set(ctx.arg(1), Value::rawString(s), true);
  ctx.w.integer(static_cast<int64_t>(card));
}

void pfmerge(CommandContext& ctx) {
  uint8_t max[hll::kRegisters];
  std::memset(max, 0, sizeof(max));
  bool useDense = false;
  for (size_t j = 1; j < ctx.argc(); ++j) {
    Entry* e = lookupRead(ctx, ctx.arg(j));
    if (e == nullptr) continue;
    std::string_view cur;
    if (!hllOrReply(ctx, e, cur)) return;
    if (static_cast<uint8_t>(cur[4]) == hll::kDense) useDense = true;
    if (!hll::mergeInto(cur, max)) {
      ctx.w.error(kCorrupt);
      return;
    }
  }
  Entry* dest = ctx.ks.find(ctx.arg(1));
  std::string s = dest == nullptr ? hll::create() : std::string(dest->bytes());
  if (useDense && !hll::toDense(s)) {
    ctx.w.error(kCorrupt);
    return;
  }
  for (size_t j = 0; j < hll::kRegisters; ++j) {
    if (max[j] == 0) continue;
    if (hll::setRegister(s, j, max[j]) < 0) {
      ctx.w.error(kCorrupt);
      return;
    }
  }
  hll::invalidateCache(s);
  ctx.ks.set(ctx.arg(1), Value::rawString(s), true);
  ctx.server.notifyKeyspaceEvent(notify::kString, "pfadd",
                                 ctx.arg(1));  // Redis: PFMERGE is a mass PFADD
  ctx.w.ok();
}

}  // namespace cmd

}  // namespace strata::node
