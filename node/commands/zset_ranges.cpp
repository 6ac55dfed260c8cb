// Sorted set range commands: ZRANGE (unified BYSCORE/BYLEX/REV/LIMIT/WITHSCORES syntax) and its
// legacy forms (ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX),
// ZRANGESTORE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBYRANK/SCORE/LEX, as Redis 7.0's
// zrangeGenericCommand and zremrangeGenericCommand (same option grammar, same errors). Every
// range becomes a rank interval of the ZSetObject (zset.h), read with walk() or erased with
// eraseRanks(). Event-loop thread only.
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/zset_common.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// What to emit: `count` elements from rank `start`, descending when `reverse`.
struct RankSlice {
  size_t start = 0;
  size_t count = 0;
  bool reverse = false;
};

// genericZrangebyrankCommand's index sanitizing (reverse: ranks counted from the top).
RankSlice rankSlice(int64_t start, int64_t end, size_t size, bool reverse) {
  const int64_t len = static_cast<int64_t>(size);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return {};
  if (end >= len) end = len - 1;
  RankSlice s;
  s.count = static_cast<size_t>(end - start + 1);
  s.reverse = reverse;
  s.start = reverse ? static_cast<size_t>(len - 1 - start) : static_cast<size_t>(start);
  return s;
}

// [lo, hi) with LIMIT offset/limit applied (a negative offset selects nothing, a negative limit
// everything, as Redis's skip loops do).
RankSlice limitSlice(size_t lo, size_t hi, int64_t offset, int64_t limit, bool reverse) {
  if (offset < 0 || hi <= lo) return {};
  const size_t available = hi - lo;
  if (static_cast<uint64_t>(offset) >= available) return {};
  RankSlice s;
  s.count = available - static_cast<size_t>(offset);
  if (limit >= 0) s.count = std::min(s.count, static_cast<size_t>(limit));
  s.reverse = reverse;
  s.start = reverse ? hi - 1 - static_cast<size_t>(offset) : lo + static_cast<size_t>(offset);
  return s;
}

// zrangeGenericCommand. argStart: index of the source key; dst: ZRANGESTORE's destination.
void zrangeGeneric(CommandContext& ctx, size_t argStart, bool store, RangeType type,
                   Direction dir) {
  const std::string_view key = ctx.arg(argStart);
  size_t minIdx = argStart + 1, maxIdx = argStart + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = argStart + 3; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    std::string_view a = ctx.arg(j);
    if (!store && equalsNoCase(a, "withscores")) {
      withscores = true;
    } else if (equalsNoCase(a, "limit") && left >= 2) {
      if (!intArgOrReply(ctx, ctx.arg(j + 1), offset) ||
          !intArgOrReply(ctx, ctx.arg(j + 2), limit)) {
        return;
      }
      j += 2;
    } else if (dir == Direction::kAuto && equalsNoCase(a, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && equalsNoCase(a, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && equalsNoCase(a, "byscore")) {
      type = RangeType::kScore;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  if (limit != -1 && type == RangeType::kRank) {
    return ctx.w.error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (withscores && type == RangeType::kLex) {
    return ctx.w.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  const bool reverse = dir == Direction::kReverse;
  if (reverse && type != RangeType::kRank) std::swap(minIdx, maxIdx);
  int64_t start = 0, end = 0;
  ScoreRange sr;
  LexRange lr;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!intArgOrReply(ctx, ctx.arg(minIdx), start) ||
          !intArgOrReply(ctx, ctx.arg(maxIdx), end)) {
        return;
      }
      break;
    case RangeType::kScore:
      if (!parseScoreRange(ctx.arg(minIdx), ctx.arg(maxIdx), sr)) {
        return ctx.w.error("ERR min or max is not a float");
      }
      break;
    case RangeType::kLex:
      if (!parseLexRange(ctx.arg(minIdx), ctx.arg(maxIdx), lr)) {
        return ctx.w.error("ERR min or max not valid string range item");
      }
      break;
  }
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, key, wrong);
  if (wrong) return;
  RankSlice slice;
  if (z != nullptr) {
    switch (type) {
      case RangeType::kAuto:
      case RangeType::kRank:
        slice = rankSlice(start, end, z->size(), reverse);
        break;
      case RangeType::kScore:
        slice = limitSlice(z->scoreLowerBound(sr), z->scoreUpperBound(sr), offset, limit, reverse);
        break;
      case RangeType::kLex:
        slice = limitSlice(z->lexLowerBound(lr), z->lexUpperBound(lr), offset, limit, reverse);
        break;
    }
  }
  if (store) {
    std::vector<std::pair<std::string, double>> out;
    out.reserve(slice.count);
    if (z != nullptr) {
      z->walk(slice.start, slice.count, slice.reverse,
              [&](std::string_view m, double s) { out.emplace_back(m, s); });
    }
    if (slice.reverse) std::reverse(out.begin(), out.end());
    return storeSortedResult(ctx, ctx.arg(1), ctx.def.name, out);
  }
  scoredHeader(ctx.w, slice.count, withscores);
  if (z == nullptr) return;
  z->walk(slice.start, slice.count, slice.reverse,
          [&](std::string_view m, double s) { scoredItem(ctx.w, m, s, withscores); });
}

enum class RemoveBy { kRank, kScore, kLex };

// zremrangeGenericCommand.
void zremrangeGeneric(CommandContext& ctx, RemoveBy by) {
  int64_t start = 0, end = 0;
  ScoreRange sr;
  LexRange lr;
  if (by == RemoveBy::kRank) {
    if (!intArgOrReply(ctx, ctx.arg(2), start) || !intArgOrReply(ctx, ctx.arg(3), end)) return;
  } else if (by == RemoveBy::kScore) {
    if (!parseScoreRange(ctx.arg(2), ctx.arg(3), sr)) {
      return ctx.w.error("ERR min or max is not a float");
    }
  } else if (!parseLexRange(ctx.arg(2), ctx.arg(3), lr)) {
    return ctx.w.error("ERR min or max not valid string range item");
  }
  bool wrong = false;
  Entry* e = nullptr;
  ZSetObject* z = writeZSet(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (z == nullptr) return ctx.w.integer(0);
  size_t lo = 0, hi = 0;
  if (by == RemoveBy::kRank) {
    RankSlice s = rankSlice(start, end, z->size(), false);
    lo = s.start;
    hi = s.start + s.count;
  } else if (by == RemoveBy::kScore) {
    lo = z->scoreLowerBound(sr);
    hi = z->scoreUpperBound(sr);
  } else {
    lo = z->lexLowerBound(lr);
    hi = z->lexUpperBound(lr);
  }
  if (hi <= lo) return ctx.w.integer(0);
  z->eraseRanks(lo, hi);
  ctx.server.notifyKeyspaceEvent(notify::kZset,
                                 by == RemoveBy::kRank    ? "zremrangebyrank"
                                 : by == RemoveBy::kScore ? "zremrangebyscore"
                                                          : "zremrangebylex",
                                 ctx.arg(1));
  finishWrite(ctx, ctx.arg(1), e, z->size());
  ctx.w.integer(static_cast<int64_t>(hi - lo));
}

}  // namespace

namespace cmd {

void zrange(CommandContext& ctx) {
  zrangeGeneric(ctx, 1, false, RangeType::kAuto, Direction::kAuto);
}
void zrangestore(CommandContext& ctx) {
  zrangeGeneric(ctx, 2, true, RangeType::kAuto, Direction::kAuto);
}
void zrevrange(CommandContext& ctx) {
  zrangeGeneric(ctx, 1, false, RangeType::kRank, Direction::kReverse);
}
void zrangebyscore(CommandContext& ctx) {
  zrangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kForward);
}
void zrevrangebyscore(CommandContext& ctx) {
  zrangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}
void zrangebylex(CommandContext& ctx) {
  zrangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kForward);
}
void zrevrangebylex(CommandContext& ctx) {
  zrangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}

void zcount(CommandContext& ctx) {
  ScoreRange r;
  if (!parseScoreRange(ctx.arg(2), ctx.arg(3), r)) {
    return ctx.w.error("ERR min or max is not a float");
  }
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (z == nullptr) return ctx.w.integer(0);
  const size_t lo = z->scoreLowerBound(r), hi = z->scoreUpperBound(r);
  ctx.w.integer(hi > lo ? static_cast<int64_t>(hi - lo) : 0);
}

void zlexcount(CommandContext& ctx) {
  LexRange r;
  if (!parseLexRange(ctx.arg(2), ctx.arg(3), r)) {
    return ctx.w.error("ERR min or max not valid string range item");
  }
  bool wrong = false;
  ZSetObject* z = readZSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (z == nullptr) return ctx.w.integer(0);
  const size_t lo = z->lexLowerBound(r), hi = z->lexUpperBound(r);
  ctx.w.integer(hi > lo ? static_cast<int64_t>(hi - lo) : 0);
}

void zremrangebyrank(CommandContext& ctx) {
  zremrangeGeneric(ctx, RemoveBy::kRank);
}
void zremrangebyscore(CommandContext& ctx) {
  zremrangeGeneric(ctx, RemoveBy::kScore);
}
void zremrangebylex(CommandContext& ctx) {
  zremrangeGeneric(ctx, RemoveBy::kLex);
}

}  // namespace cmd

}  // namespace strata::node
