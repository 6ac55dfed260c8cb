// Set commands (SADD ... SSCAN), byte-exact with Redis 7.0's t_set.c: same order of argument
// parsing and type checks, same errors, RESP3 sets where Redis sends them, intset/hashtable
// encodings as Redis reports them (see SetObject). Event-loop thread only.
#include <algorithm>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/collections.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr ValueType kSet = ValueType::kSet;

size_t maxIntset(CommandContext& ctx) {
  return static_cast<size_t>(ctx.server.settings().setMaxIntsetEntries);
}

SetObject* readSet(CommandContext& ctx, std::string_view key, bool& wrong, Entry** e = nullptr) {
  return lookupTyped<SetObject>(ctx, key, kSet, wrong, e);
}

SetObject* writeSet(CommandContext& ctx, std::string_view key, bool& wrong, Entry** e) {
  return lookupTyped<SetObject>(ctx, key, kSet, wrong, e, false);
}

void replySet(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.w.setHeader(members.size());
  for (const auto& m : members) ctx.w.bulk(m);
}

// Stores `members` under `dst` as a fresh set (createIntsetObject + setTypeAdd), or deletes
// `dst` when empty; replies the size.
void storeSet(CommandContext& ctx, std::string_view dst, const std::vector<std::string>& members) {
  if (members.empty()) {
    if (ctx.ks.erase(dst)) ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", dst);
    return ctx.w.integer(0);
  }
  auto obj = std::make_unique<SetObject>();
  const size_t limit = maxIntset(ctx);
  for (const auto& m : members) obj->add(m, limit);
  Encoding enc = obj->encoding();
  Entry* e = ctx.ks.set(dst, Value::object(kSet, enc, std::move(obj)));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kSet, ctx.def.name,
                                 dst);  // sinterstore, sunionstore, sdiffstore
  ctx.w.integer(static_cast<int64_t>(members.size()));
}

// sinterGenericCommand. `dst` empty: reply the members (or the cardinality if cardOnly).
void interGeneric(CommandContext& ctx, size_t first, size_t n, std::string_view dst, bool store,
                  bool cardOnly, int64_t limit) {
  std::vector<SetObject*> sets;
  bool empty = false;
  for (size_t j = first; j < first + n; ++j) {
    bool wrong = false;
    SetObject* s = readSet(ctx, ctx.arg(j), wrong);
    if (wrong) return;
    if (s == nullptr) empty = true;
    sets.push_back(s);
  }
  std::vector<std::string> out;
  if (!empty) {
    std::sort(sets.begin(), sets.end(),
              [](const SetObject* a, const SetObject* b) { return a->size() < b->size(); });
    bool full = false;
    sets[0]->forEach([&](std::string_view m) {
      if (full) return;
      bool all = true;
      for (size_t k = 1; k < sets.size() && all; ++k)
        all = sets[k] == sets[0] || sets[k]->contains(m);
      if (!all) return;
      out.emplace_back(m);
      full = cardOnly && limit > 0 && static_cast<int64_t>(out.size()) >= limit;
    });
  }
  if (store) return storeSet(ctx, dst, out);
  if (cardOnly) return ctx.w.integer(static_cast<int64_t>(out.size()));
  replySet(ctx, out);
}

enum class Op { kUnion, kDiff };

// sunionDiffGenericCommand.
void unionDiffGeneric(CommandContext& ctx, size_t first, size_t n, std::string_view dst, bool store,
                      Op op) {
  std::vector<SetObject*> sets;
  for (size_t j = first; j < first + n; ++j) {
    bool wrong = false;
    SetObject* s = readSet(ctx, ctx.arg(j), wrong);
    if (wrong) return;
    sets.push_back(s);
  }
  std::vector<std::string> out;
  if (op == Op::kUnion) {
    SetObject::Set seen;
    for (SetObject* s : sets) {
      if (s == nullptr) continue;
      s->forEach([&](std::string_view m) {
        if (seen.emplace(m).second) out.emplace_back(m);
      });
    }
  } else if (sets[0] != nullptr) {
    sets[0]->forEach([&](std::string_view m) {
      bool drop = false;
      for (size_t k = 1; k < sets.size() && !drop; ++k) drop = sets[k] && sets[k]->contains(m);
      if (!drop) out.emplace_back(m);
    });
  }
  if (store) return storeSet(ctx, dst, out);
  replySet(ctx, out);
}

}  // namespace

namespace cmd {

void sadd(CommandContext& ctx) {
  bool wrong = false;
  Entry* e = nullptr;
  SetObject* s = writeSet(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (s == nullptr) {
    auto obj = std::make_unique<SetObject>();
    obj->startWith(ctx.arg(2));
    s = obj.get();
    Encoding enc = obj->encoding();
    e = ctx.ks.set(ctx.arg(1), Value::object(kSet, enc, std::move(obj)));
  }
  int64_t added = 0;
  const size_t limit = maxIntset(ctx);
  for (size_t i = 2; i < ctx.argc(); ++i) added += s->add(ctx.arg(i), limit);
  ctx.ks.reaccount(e);
  if (added) ctx.server.notifyKeyspaceEvent(notify::kSet, "sadd", ctx.arg(1));
  ctx.w.integer(added);
}

void srem(CommandContext& ctx) {
  bool wrong = false;
  Entry* e = nullptr;
  SetObject* s = writeSet(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (s == nullptr) return ctx.w.integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && s->size() > 0; ++i) removed += s->remove(ctx.arg(i));
  if (removed) ctx.server.notifyKeyspaceEvent(notify::kSet, "srem", ctx.arg(1));
  finishWrite(ctx, ctx.arg(1), e, s->size());
  ctx.w.integer(removed);
}

void sismember(CommandContext& ctx) {
  bool wrong = false;
  SetObject* s = readSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.integer(s && s->contains(ctx.arg(2)) ? 1 : 0);
}

void smismember(CommandContext& ctx) {
  bool wrong = false;
  SetObject* s = readSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.w.integer(s && s->contains(ctx.arg(i)) ? 1 : 0);
}

void smembers(CommandContext& ctx) {
  interGeneric(ctx, 1, 1, {}, false, false, 0);
}

void scard(CommandContext& ctx) {
  bool wrong = false;
  SetObject* s = readSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.integer(s ? static_cast<int64_t>(s->size()) : 0);
}

void spop(CommandContext& ctx) {
  auto& rng = collectionRng();
  if (ctx.argc() > 3) return ctx.w.error(errors::kSyntax);
  int64_t count = 1;
  bool hasCount = ctx.argc() == 3;
  if (hasCount && !positiveArgOrReply(ctx, ctx.arg(2), count)) return;
  bool wrong = false;
  Entry* e = nullptr;
  SetObject* s = writeSet(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (s == nullptr) return hasCount ? ctx.w.setHeader(0) : ctx.w.null();
  if (hasCount && count == 0) return ctx.w.setHeader(0);
  std::vector<std::string> all = s->list();
  std::shuffle(all.begin(), all.end(), rng);
  size_t n = std::min(all.size(), static_cast<size_t>(count));
  all.resize(n);
  for (const auto& m : all) s->remove(m);
  if (ctx.server.propagationActive()) {  // SPOP -> SREM key <popped...>: a deterministic replay
    std::vector<std::string_view> srem{"SREM", ctx.arg(1)};
    srem.insert(srem.end(), all.begin(), all.end());
    ctx.server.propagateAs(srem);
  }
  ctx.server.notifyKeyspaceEvent(notify::kSet, "spop", ctx.arg(1));
  finishWrite(ctx, ctx.arg(1), e, s->size());
  if (!hasCount) return ctx.w.bulk(all[0]);
  replySet(ctx, all);
}

void srandmember(CommandContext& ctx) {
  auto& rng = collectionRng();
  if (ctx.argc() > 3) return ctx.w.error(errors::kSyntax);
  if (ctx.argc() == 3) {
    int64_t l = 0;
    if (!rangeArgOrReply(ctx, ctx.arg(2), -INT64_MAX, INT64_MAX, l)) return;
    bool wrong = false;
    SetObject* s = readSet(ctx, ctx.arg(1), wrong);
    if (wrong) return;
    if (s == nullptr || l == 0) return ctx.w.arrayHeader(0);
    std::vector<std::string> all = s->list();
    size_t count = static_cast<size_t>(l < 0 ? -l : l);
    if (l < 0) {
      std::uniform_int_distribution<size_t> d(0, all.size() - 1);
      ctx.w.arrayHeader(count);
      for (size_t i = 0; i < count; ++i) ctx.w.bulk(all[d(rng)]);
      return;
    }
    // Always an array, even when the whole set is returned (unlike SPOP's RESP3 set).
    if (count < all.size()) {
      std::shuffle(all.begin(), all.end(), rng);
    } else {
      count = all.size();
    }
    ctx.w.arrayHeader(count);
    for (size_t i = 0; i < count; ++i) ctx.w.bulk(all[i]);
    return;
  }
  bool wrong = false;
  SetObject* s = readSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.w.null();
  std::uniform_int_distribution<size_t> d(0, s->size() - 1);
  size_t pick = d(rng);
  s->forEach([&](std::string_view m) {
    if (pick-- == 0) ctx.w.bulk(m);
  });
}

void smove(CommandContext& ctx) {
  bool wrong = false;
  Entry* se = nullptr;
  Entry* de = nullptr;
  SetObject* src = writeSet(ctx, ctx.arg(1), wrong, &se);
  if (wrong) return;
  // Redis looks both keys up before checking types.
  Entry* dstEntry = ctx.ks.find(ctx.arg(2));
  if (src == nullptr) return ctx.w.integer(0);
  if (dstEntry && dstEntry->type() != kSet) return ctx.w.error(errors::kWrongType);
  SetObject* dst = writeSet(ctx, ctx.arg(2), wrong, &de);
  std::string_view ele = ctx.arg(3);
  if (src == dst) return ctx.w.integer(src->contains(ele) ? 1 : 0);
  if (!src->remove(ele)) return ctx.w.integer(0);
  ctx.server.notifyKeyspaceEvent(notify::kSet, "srem", ctx.arg(1));
  finishWrite(ctx, ctx.arg(1), se, src->size());
  if (dst == nullptr) {
    auto obj = std::make_unique<SetObject>();
    obj->startWith(ele);
    dst = obj.get();
    Encoding enc = obj->encoding();
    de = ctx.ks.set(ctx.arg(2), Value::object(kSet, enc, std::move(obj)));
  }
  const bool added = dst->add(ele, maxIntset(ctx));
  ctx.ks.reaccount(de);
  if (added) ctx.server.notifyKeyspaceEvent(notify::kSet, "sadd", ctx.arg(2));
  ctx.w.integer(1);
}

void sinter(CommandContext& ctx) {
  interGeneric(ctx, 1, ctx.argc() - 1, {}, false, false, 0);
}

void sintercard(CommandContext& ctx) {
  int64_t numkeys = 0;
  if (!rangeArgOrReply(ctx, ctx.arg(1), 1, INT64_MAX, numkeys,
                       "numkeys should be greater than 0")) {
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    return ctx.w.error("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    if (config::equalsNoCase(ctx.arg(j), "limit") && more) {
      ++j;
      if (!positiveArgOrReply(ctx, ctx.arg(j), limit, "LIMIT can't be negative")) return;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  interGeneric(ctx, 2, static_cast<size_t>(numkeys), {}, false, true, limit);
}

void sinterstore(CommandContext& ctx) {
  interGeneric(ctx, 2, ctx.argc() - 2, ctx.arg(1), true, false, 0);
}
void sunion(CommandContext& ctx) {
  unionDiffGeneric(ctx, 1, ctx.argc() - 1, {}, false, Op::kUnion);
}
void sunionstore(CommandContext& ctx) {
  unionDiffGeneric(ctx, 2, ctx.argc() - 2, ctx.arg(1), true, Op::kUnion);
}
void sdiff(CommandContext& ctx) {
  unionDiffGeneric(ctx, 1, ctx.argc() - 1, {}, false, Op::kDiff);
}
void sdiffstore(CommandContext& ctx) {
  unionDiffGeneric(ctx, 2, ctx.argc() - 2, ctx.arg(1), true, Op::kDiff);
}

void sscan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!scanCursorOrReply(ctx, ctx.arg(2), cursor)) return;
  bool wrong = false;
  SetObject* s = readSet(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  std::string_view pattern;
  bool usePattern = false;
  size_t count = 10;
  if (s != nullptr && !scanOptionsOrReply(ctx, pattern, usePattern, &count)) return;
  // An intset answers everything at once with cursor 0 (as Redis); a hashtable set a page of
  // about COUNT members per call (SetObject::scanPage).
  std::vector<std::string> out;
  uint64_t next = 0;
  auto take = [&](std::string_view m) {
    if (scanMatches(pattern, usePattern, m)) out.emplace_back(m);
  };
  if (s && s->intset()) {
    s->forEach(take);
  } else if (s) {
    next = s->scanPage(cursor, count, take);
  }
  ctx.w.arrayHeader(2);
  ctx.w.bulk(std::to_string(next));
  ctx.w.arrayHeader(out.size());
  for (const auto& m : out) ctx.w.bulk(m);
}

}  // namespace cmd

}  // namespace strata::node
