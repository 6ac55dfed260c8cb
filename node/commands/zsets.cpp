// Sorted set commands on one key: ZADD/ZINCRBY (every flag), ZREM, ZCARD, ZSCORE, ZMSCORE,
// ZRANK/ZREVRANK, the pops (ZPOPMIN/ZPOPMAX, ZMPOP) and their blocking forms (BZPOPMIN/BZPOPMAX/
// BZMPOP, parked through Server::blockClient like BLPOP and re-run when a zset appears under one
// of their keys), ZRANDMEMBER and ZSCAN. Byte-exact with Redis 7.0's t_zset.c: the same order
// of argument parsing and type checks, the same errors and reply shapes in RESP2 and RESP3.
// Ranges are in zset_ranges.cpp, ZUNION/ZINTER/ZDIFF in zset_setops.cpp. Event-loop thread only.
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/zset_common.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

constexpr int kAddNx = 1, kAddXx = 2, kAddGt = 4, kAddLt = 8, kAddIncr = 16;
enum class AddOutcome { kAdded, kUpdated, kNop, kSame, kNan };

// zsetAdd: adds or updates one member under the ZADD flags; `newScore` receives the resulting
// score (INCR's reply) unless the outcome is kNop or kNan.
AddOutcome zsetAdd(ZSetObject* z, double score, std::string_view member, int flags,
                   const ZSetLimits& limits, double& newScore) {
  double cur = 0;
  if (z->score(member, cur)) {
    if (flags & kAddNx) return AddOutcome::kNop;
    if (flags & kAddIncr) {
      score += cur;
      if (std::isnan(score)) return AddOutcome::kNan;
    }
    if (((flags & kAddLt) && score >= cur) || ((flags & kAddGt) && score <= cur)) {
      return AddOutcome::kNop;
    }
    newScore = score;
    if (score == cur) return AddOutcome::kSame;
    z->updateScore(member, score);
    return AddOutcome::kUpdated;
  }
  if (flags & kAddXx) return AddOutcome::kNop;
  z->insert(member, score, limits);
  newScore = score;
  return AddOutcome::kAdded;
}

// zaddGenericCommand (ZADD, and ZINCRBY with kAddIncr).
void zaddGeneric(CommandContext& ctx, int flags) {
  size_t scoreIdx = 2;
  bool ch = false;
  for (; scoreIdx < ctx.argc(); ++scoreIdx) {
    std::string_view opt = ctx.arg(scoreIdx);
    if (equalsNoCase(opt, "nx")) {
      flags |= kAddNx;
    } else if (equalsNoCase(opt, "xx")) {
      flags |= kAddXx;
    } else if (equalsNoCase(opt, "ch")) {
      ch = true;
    } else if (equalsNoCase(opt, "incr")) {
      flags |= kAddIncr;
    } else if (equalsNoCase(opt, "gt")) {
      flags |= kAddGt;
    } else if (equalsNoCase(opt, "lt")) {
      flags |= kAddLt;
    } else {
      break;
    }
  }
  const bool incr = flags & kAddIncr, nx = flags & kAddNx, xx = flags & kAddXx;
  const bool gt = flags & kAddGt, lt = flags & kAddLt;
  size_t elements = ctx.argc() - scoreIdx;
  if (elements % 2 != 0 || elements == 0) return ctx.w.error(errors::kSyntax);
  elements /= 2;
  if (nx && xx) return ctx.w.error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return ctx.w.error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && elements > 1) {
    return ctx.w.error("ERR INCR option supports a single increment-element pair");
  }
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; ++j) {
    if (!scoreArgOrReply(ctx, ctx.arg(scoreIdx + j * 2), scores[j])) return;
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Entry* e = nullptr;
  ZSetObject* z = writeZSet(ctx, key, wrong, &e);
  if (wrong) return;
  size_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  if (z == nullptr && !xx) {
    const ZSetLimits limits = zsetLimits(ctx);
    e = createTyped(ctx, key, kZSet, z);
    // createZsetObject vs createZsetListpackObject: decided by the first member.
    if (limits.maxEntries == 0 || limits.maxValue < ctx.arg(scoreIdx + 1).size()) {
      z->convertToSkiplist();
    }
  }
  if (z != nullptr) {
    const ZSetLimits limits = zsetLimits(ctx);
    for (size_t j = 0; j < elements; ++j) {
      double newScore = 0;
      AddOutcome r = zsetAdd(z, scores[j], ctx.arg(scoreIdx + 1 + j * 2), flags, limits, newScore);
      if (r == AddOutcome::kNan) {
        nan = true;
        break;
      }
      if (r == AddOutcome::kAdded) added++;
      if (r == AddOutcome::kUpdated) updated++;
      if (r != AddOutcome::kNop) {
        processed++;
        score = newScore;
      }
    }
    if (added + updated > 0) {
      ctx.ks.reaccount(e);
      ctx.server.notifyKeyspaceEvent(notify::kZset, incr ? "zincr" : "zadd", key);
      ctx.server.signalKeyReady(key);
    }
  }
  if (nan) return ctx.w.error("ERR resulting score is not a number (NaN)");
  if (incr) {
    if (processed) return ctx.w.doubleValue(score);
    return ctx.w.null();
  }
  ctx.w.integer(static_cast<int64_t>(ch ? added + updated : added));
}

void rankGeneric(CommandContext& ctx, bool reverse) {
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  size_t r = 0;
  if (z == nullptr || !z->rank(ctx.arg(2), r)) return ctx.w.null();
  ctx.w.integer(static_cast<int64_t>(reverse ? z->size() - 1 - r : r));
}

// genericZpopCommand: pops up to `count` (-1: one, plain reply) from the first of `keys` that
// exists. emitKey: BZPOP*/ZMPOP shapes; nested: [member, score] pairs; nilWhenEmpty: ZMPOP.
void zpopGeneric(CommandContext& ctx, size_t firstKey, size_t numKeys, bool max, bool emitKey,
                 int64_t count, bool nested, bool nilWhenEmpty) {
  Entry* e = nullptr;
  ZSetObject* z = nullptr;
  std::string_view key;
  for (size_t i = 0; i < numKeys; ++i) {
    key = ctx.arg(firstKey + i);
    bool wrong = false;
    z = writeZSet(ctx, key, wrong, &e);
    if (wrong) return;
    if (z != nullptr) break;
  }
  if (z == nullptr) return nilWhenEmpty ? ctx.w.nullArray() : ctx.w.arrayHeader(0);
  if (count == 0) return ctx.w.arrayHeader(0);
  // BZPOP* (count -1) propagate as ZPOPMIN/ZPOPMAX key, [B]ZMPOP as ZPOPMIN/ZPOPMAX key count:
  // deterministic on replay, as Redis 7.0 rewrites them.
  if (emitKey && ctx.server.propagationActive()) {
    const std::string_view verb = max ? "ZPOPMAX" : "ZPOPMIN";
    if (count == -1) {
      ctx.server.propagateAs({verb, key});
    } else {
      const std::string n = std::to_string(count);
      ctx.server.propagateAs({verb, key, n});
    }
  }
  if (count == -1) count = 1;
  const size_t len = z->size();
  const size_t n = std::min(len, static_cast<size_t>(count));
  if (!nested && !emitKey) {
    ctx.w.arrayHeader(n * 2);
  } else if (nested && !emitKey) {
    ctx.w.arrayHeader(n);
  } else if (!nested && emitKey) {
    ctx.w.arrayHeader(n * 2 + 1);
    ctx.w.bulk(key);
  } else {
    ctx.w.arrayHeader(2);
    ctx.w.bulk(key);
    ctx.w.arrayHeader(n);
  }
  z->walk(max ? len - 1 : 0, n, max, [&](std::string_view m, double s) {
    if (nested) ctx.w.arrayHeader(2);
    ctx.w.bulk(m);
    ctx.w.doubleValue(s);
  });
  if (max) {
    z->eraseRanks(len - n, len);
  } else {
    z->eraseRanks(0, n);
  }
  if (n) ctx.server.notifyKeyspaceEvent(notify::kZset, max ? "zpopmax" : "zpopmin", key);
  finishWrite(ctx, key, e, z->size());
}

void zpopMinMax(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return ctx.w.error(errors::kSyntax);
  int64_t count = -1;
  if (ctx.argc() == 3 && !positiveArgOrReply(ctx, ctx.arg(2), count)) return;
  const bool nested = ctx.client.protocol() == resp::Protocol::kResp3 && count != -1;
  zpopGeneric(ctx, 1, 1, max, false, count, nested, false);
}

// blockingGenericZpopCommand: pops from the first non-empty key, else parks the client.
void blockingZpop(CommandContext& ctx, size_t firstKey, size_t numKeys, bool max,
                  std::string_view timeout, int64_t count, bool nested, bool nilWhenEmpty) {
  int64_t deadline = 0;
  if (!blockTimeoutOrReply(ctx, timeout, deadline)) return;
  std::vector<std::string> keys;
  for (size_t i = 0; i < numKeys; ++i) {
    bool wrong = false;
    ZSetObject* z = writeZSet(ctx, ctx.arg(firstKey + i), wrong);
    if (wrong) return;
    if (z == nullptr || z->size() == 0) {
      keys.emplace_back(ctx.arg(firstKey + i));
      continue;
    }
    return zpopGeneric(ctx, firstKey + i, 1, max, true, count, nested, nilWhenEmpty);
  }
  blockOrStay(ctx, std::move(keys), deadline);
}

// zmpopGenericCommand: [timeout] numkeys key... MIN|MAX [COUNT n].
void zmpopGeneric(CommandContext& ctx, size_t numkeysIdx, bool blocking) {
  int64_t numkeys = 0;
  if (!mpopNumkeysOrReply(ctx, numkeysIdx, numkeys)) return;
  const size_t whereIdx = numkeysIdx + static_cast<size_t>(numkeys) + 1;
  bool max = false;
  if (equalsNoCase(ctx.arg(whereIdx), "min")) {
    max = false;
  } else if (equalsNoCase(ctx.arg(whereIdx), "max")) {
    max = true;
  } else {
    return ctx.w.error(errors::kSyntax);
  }
  int64_t count = 0;
  if (!mpopCountOrReply(ctx, whereIdx + 1, count)) return;
  const size_t n = static_cast<size_t>(numkeys);
  if (blocking) return blockingZpop(ctx, numkeysIdx + 1, n, max, ctx.arg(1), count, true, true);
  zpopGeneric(ctx, numkeysIdx + 1, n, max, true, count, true, true);
}

// zrandmemberWithCountCommand.
void zrandmemberWithCount(CommandContext& ctx, int64_t l, bool withscores) {
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (z == nullptr) return ctx.w.arrayHeader(0);
  const size_t size = z->size();
  const bool uniq = l >= 0;
  const uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) return ctx.w.arrayHeader(0);
  auto& rng = collectionRng();
  // A listpack set finds a rank by a linear scan: index its members once (views stay valid, the
  // set does not change here), so that each draw is O(1) as with a skiplist.
  std::vector<std::pair<std::string_view, double>> byRank;
  if (z->compact()) {
    byRank.reserve(size);
    z->walk(0, size, false, [&](std::string_view m, double s) { byRank.emplace_back(m, s); });
  }
  auto emit = [&](size_t rank) {
    auto [m, s] = byRank.empty() ? z->at(rank) : byRank[rank];
    scoredItem(ctx.w, m, s, withscores);
  };
  if (!uniq || count == 1) {
    scoredHeader(ctx.w, count, withscores);
    std::uniform_int_distribution<size_t> pick(0, size - 1);
    for (uint64_t i = 0; i < count; ++i) emit(pick(rng));
    return;
  }
  if (count >= size) {
    scoredHeader(ctx.w, size, withscores);
    z->walk(0, size, false,
            [&](std::string_view m, double s) { scoredItem(ctx.w, m, s, withscores); });
    return;
  }
  // count distinct ranks: a partial shuffle when they are many, random draws otherwise.
  std::vector<size_t> ranks;
  ranks.reserve(count);
  if (count * 3 > size) {
    std::vector<size_t> all(size);
    for (size_t i = 0; i < size; ++i) all[i] = i;
    for (size_t i = 0; i < count; ++i) {
      std::uniform_int_distribution<size_t> pick(i, size - 1);
      std::swap(all[i], all[pick(rng)]);
      ranks.push_back(all[i]);
    }
  } else {
    std::unordered_set<size_t> seen;
    std::uniform_int_distribution<size_t> pick(0, size - 1);
    while (ranks.size() < count) {
      size_t r = pick(rng);
      if (seen.insert(r).second) ranks.push_back(r);
    }
  }
  scoredHeader(ctx.w, count, withscores);
  for (size_t r : ranks) emit(r);
}

}  // namespace

namespace cmd {

void zadd(CommandContext& ctx) {
  zaddGeneric(ctx, 0);
}

void zincrby(CommandContext& ctx) {
  zaddGeneric(ctx, kAddIncr);
}

void zrem(CommandContext& ctx) {
  bool wrong = false;
  Entry* e = nullptr;
  ZSetObject* z = writeZSet(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (z == nullptr) return ctx.w.integer(0);
  int64_t deleted = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (z->erase(ctx.arg(j))) deleted++;
    if (z->size() == 0) break;
  }
  if (deleted) {
    ctx.server.notifyKeyspaceEvent(notify::kZset, "zrem", ctx.arg(1));
    finishWrite(ctx, ctx.arg(1), e, z->size());
  }
  ctx.w.integer(deleted);
}

void zcard(CommandContext& ctx) {
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.integer(z ? static_cast<int64_t>(z->size()) : 0);
}

void zscore(CommandContext& ctx) {
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  double s = 0;
  if (z == nullptr || !z->score(ctx.arg(2), s)) return ctx.w.null();
  ctx.w.doubleValue(s);
}

void zmscore(CommandContext& ctx) {
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    double s = 0;
    if (z == nullptr || !z->score(ctx.arg(j), s)) {
      ctx.w.null();
    } else {
      ctx.w.doubleValue(s);
    }
  }
}

void zrank(CommandContext& ctx) {
  rankGeneric(ctx, false);
}

void zrevrank(CommandContext& ctx) {
  rankGeneric(ctx, true);
}

void zpopmin(CommandContext& ctx) {
  zpopMinMax(ctx, false);
}

void zpopmax(CommandContext& ctx) {
  zpopMinMax(ctx, true);
}

void zmpop(CommandContext& ctx) {
  zmpopGeneric(ctx, 1, false);
}

void bzpopmin(CommandContext& ctx) {
  blockingZpop(ctx, 1, ctx.argc() - 2, false, ctx.arg(ctx.argc() - 1), -1, false, false);
}

void bzpopmax(CommandContext& ctx) {
  blockingZpop(ctx, 1, ctx.argc() - 2, true, ctx.arg(ctx.argc() - 1), -1, false, false);
}

void bzmpop(CommandContext& ctx) {
  zmpopGeneric(ctx, 2, true);
}

void zrandmember(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t l = 0;
    if (!rangeArgOrReply(ctx, ctx.arg(2), -INT64_MAX, INT64_MAX, l)) return;
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !equalsNoCase(ctx.arg(3), "withscores"))) {
      return ctx.w.error(errors::kSyntax);
    }
    const bool withscores = ctx.argc() == 4;
    if (withscores && (l < -INT64_MAX / 2 || l > INT64_MAX / 2)) {
      return ctx.w.error("ERR value is out of range");
    }
    return zrandmemberWithCount(ctx, l, withscores);
  }
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (z == nullptr) return ctx.w.null();
  std::uniform_int_distribution<size_t> pick(0, z->size() - 1);
  ctx.w.bulk(z->at(pick(collectionRng())).first);
}

void zscan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!scanCursorOrReply(ctx, ctx.arg(2), cursor)) return;
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  std::string_view pattern;
  bool usePattern = false;
  size_t count = 10;
  if (z != nullptr && !scanOptionsOrReply(ctx, pattern, usePattern, &count)) return;
  // A listpack set answers everything at once, cursor 0, in rank order (as Redis); a skiplist
  // one a page of about COUNT members per call (ZSetObject::scanPage). Scores as strings
  // ("%.17g", like ld2string).
  std::vector<std::pair<std::string_view, double>> out;
  uint64_t next = 0;
  auto take = [&](std::string_view m, double s) {
    if (scanMatches(pattern, usePattern, m)) out.emplace_back(m, s);
  };
  if (z && z->compact()) {
    z->walk(0, z->size(), false, take);
  } else if (z) {
    next = z->scanPage(cursor, count, take);
  }
  ctx.w.arrayHeader(2);
  ctx.w.bulk(std::to_string(next));
  ctx.w.arrayHeader(out.size() * 2);
  for (const auto& [m, s] : out) {
    char buf[64];
    int len = std::snprintf(buf, sizeof(buf), "%.17g", s);
    ctx.w.bulk(m);
    ctx.w.bulk(std::string_view(buf, static_cast<size_t>(len)));
  }
}

}  // namespace cmd

}  // namespace strata::node
