// ZUNION/ZINTER/ZDIFF, their *STORE forms and ZINTERCARD, as Redis 7.0's
// zunionInterDiffGenericCommand: sorted sets and plain sets as inputs (a set member scores 1),
// WEIGHTS and AGGREGATE SUM|MIN|MAX (NaN sums count as 0), WITHSCORES, ZINTERCARD's LIMIT; inputs
// ordered by cardinality for union and intersection like Redis (so SUMs add up in its order).
// The result is sorted by (score, member) and replied or stored in the encoding its size calls
// for. Event-loop thread only.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/zset_common.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input (zsetopsrc): a sorted set, a set, or nothing (missing key).
struct Source {
  const ZSetObject* z = nullptr;
  const SetObject* s = nullptr;
  double weight = 1.0;
  // An intset's members as strings (its forEach views are temporaries; the union keeps views).
  std::vector<std::string> ints;

  size_t size() const { return z ? z->size() : s ? s->size() : 0; }
  bool find(std::string_view m, double& score) const {
    if (z) return z->score(m, score);
    if (s && s->contains(m)) {
      score = 1.0;
      return true;
    }
    return false;
  }
  template <class F>
  void forEach(F f) const {
    if (z) {
      z->walk(0, z->size(), false, f);
    } else if (s) {
      if (s->intset()) {
        for (const auto& m : ints) f(std::string_view(m), 1.0);
      } else {
        s->forEach([&](std::string_view m) { f(m, 1.0); });
      }
    }
  }
};

// zunionInterAggregate.
void aggregate(double& target, double val, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      target += val;
      if (std::isnan(target)) target = 0.0;
      break;
    case Aggregate::kMin:
      target = val < target ? val : target;
      break;
    case Aggregate::kMax:
      target = val > target ? val : target;
      break;
  }
}

// dst: the *STORE destination (empty otherwise); numkeysIdx: where numkeys is.
void setopGeneric(CommandContext& ctx, std::string_view dst, bool store, size_t numkeysIdx,
                  SetOp op, bool cardinalityOnly) {
  int64_t setnum = 0;
  if (!intArgOrReply(ctx, ctx.arg(numkeysIdx), setnum)) return;
  if (setnum < 1) {
    return ctx.w.error("ERR at least 1 input key is needed for '" + std::string(ctx.def.name) +
                       "' command");
  }
  if (setnum > static_cast<int64_t>(ctx.argc() - (numkeysIdx + 1))) {
    return ctx.w.error(errors::kSyntax);
  }
  const size_t n = static_cast<size_t>(setnum);
  std::vector<Source> src(n);
  size_t j = numkeysIdx + 1;
  for (size_t i = 0; i < n; ++i, ++j) {
    Entry* e = lookupRead(ctx, ctx.arg(j));
    if (e == nullptr) continue;
    if (e->type() == ValueType::kZSet) {
      src[i].z = static_cast<const ZSetObject*>(e->object());
    } else if (e->type() == ValueType::kSet) {
      src[i].s = static_cast<const SetObject*>(e->object());
      if (src[i].s->intset()) src[i].ints = src[i].s->list();
    } else {
      return ctx.w.error(errors::kWrongType);
    }
  }
  Aggregate how = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    std::string_view a = ctx.arg(j);
    if (op != SetOp::kDiff && !cardinalityOnly && remaining >= n + 1 &&
        equalsNoCase(a, "weights")) {
      ++j;
      for (size_t i = 0; i < n; ++i, ++j) {
        if (!scoreArgOrReply(ctx, ctx.arg(j), src[i].weight, "weight value is not a float")) {
          return;
        }
      }
    } else if (op != SetOp::kDiff && !cardinalityOnly && remaining >= 2 &&
               equalsNoCase(a, "aggregate")) {
      std::string_view v = ctx.arg(j + 1);
      if (equalsNoCase(v, "sum")) {
        how = Aggregate::kSum;
      } else if (equalsNoCase(v, "min")) {
        how = Aggregate::kMin;
      } else if (equalsNoCase(v, "max")) {
        how = Aggregate::kMax;
      } else {
        return ctx.w.error(errors::kSyntax);
      }
      j += 2;
    } else if (!store && !cardinalityOnly && equalsNoCase(a, "withscores")) {
      ++j;
      withscores = true;
    } else if (cardinalityOnly && remaining >= 2 && equalsNoCase(a, "limit")) {
      if (!positiveArgOrReply(ctx, ctx.arg(j + 1), limit, "LIMIT can't be negative")) return;
      j += 2;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  if (op != SetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }

  std::vector<std::pair<std::string, double>> out;
  uint64_t cardinality = 0;
  if (op == SetOp::kInter) {
    if (src[0].size() > 0) {
      bool stop = false;
      src[0].forEach([&](std::string_view m, double s0) {
        if (stop) return;
        double score = src[0].weight * s0;
        if (std::isnan(score)) score = 0;
        size_t k = 1;
        for (; k < n; ++k) {
          double v = 0;
          if (!src[k].find(m, v)) break;
          aggregate(score, v * src[k].weight, how);
        }
        if (k != n) return;
        if (cardinalityOnly) {
          cardinality++;
          if (limit && cardinality >= static_cast<uint64_t>(limit)) stop = true;
        } else {
          out.emplace_back(m, score);
        }
      });
    }
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string_view, double> acc;
    acc.reserve(src[n - 1].size());
    for (const Source& s : src) {
      s.forEach([&](std::string_view m, double v) {
        double score = s.weight * v;
        if (std::isnan(score)) score = 0;
        auto [it, fresh] = acc.try_emplace(m, score);
        if (!fresh) aggregate(it->second, score, how);
      });
    }
    out.reserve(acc.size());
    for (const auto& [m, s] : acc) out.emplace_back(m, s);
  } else {
    src[0].forEach([&](std::string_view m, double s0) {
      for (size_t k = 1; k < n; ++k) {
        double v = 0;
        if (src[k].find(m, v)) return;
      }
      out.emplace_back(m, s0);
    });
  }

  if (cardinalityOnly) return ctx.w.integer(static_cast<int64_t>(cardinality));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return zsetLess(a.second, a.first, b.second, b.first);
  });
  if (store) return storeSortedResult(ctx, dst, ctx.def.name, out);
  scoredHeader(ctx.w, out.size(), withscores);
  for (const auto& [m, s] : out) scoredItem(ctx.w, m, s, withscores);
}

}  // namespace

namespace cmd {

void zunion(CommandContext& ctx) {
  setopGeneric(ctx, {}, false, 1, SetOp::kUnion, false);
}
void zinter(CommandContext& ctx) {
  setopGeneric(ctx, {}, false, 1, SetOp::kInter, false);
}
void zdiff(CommandContext& ctx) {
  setopGeneric(ctx, {}, false, 1, SetOp::kDiff, false);
}
void zunionstore(CommandContext& ctx) {
  setopGeneric(ctx, ctx.arg(1), true, 2, SetOp::kUnion, false);
}
void zinterstore(CommandContext& ctx) {
  setopGeneric(ctx, ctx.arg(1), true, 2, SetOp::kInter, false);
}
void zdiffstore(CommandContext& ctx) {
  setopGeneric(ctx, ctx.arg(1), true, 2, SetOp::kDiff, false);
}
void zintercard(CommandContext& ctx) {
  setopGeneric(ctx, {}, false, 1, SetOp::kInter, true);
}

}  // namespace cmd

}  // namespace strata::node
