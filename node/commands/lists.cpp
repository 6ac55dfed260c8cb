// List commands (LPUSH ... LMPOP) and the blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
// BLMPOP), byte-exact with Redis 7.0's t_list.c: same order of argument parsing and type checks,
// same errors. A push signals its key as ready (Server::signalKeyReady); a blocking pop that finds
// nothing parks the client (Server::blockClient), and the server re-runs the command for it once
// a push to one of its keys completes (Client::reprocessing set), FIFO among blocked clients.
// Event-loop thread only.
#include <cmath>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/collections.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

constexpr ValueType kList = ValueType::kList;
using config::equalsNoCase;

ListObject* readList(CommandContext& ctx, std::string_view key, bool& wrong, Entry** e = nullptr) {
  return lookupTyped<ListObject>(ctx, key, kList, wrong, e);
}
ListObject* writeList(CommandContext& ctx, std::string_view key, bool& wrong, Entry** e) {
  return lookupTyped<ListObject>(ctx, key, kList, wrong, e, false);
}
// list-max-listpack-size: how big a list stays in one packed buffer.
ListLimits listLimits(CommandContext& ctx) {
  return ListLimits::fromFill(ctx.server.settings().listMaxListpackSize);
}

void pushGeneric(CommandContext& ctx, bool head, bool xx) {
  bool wrong = false;
  Entry* e = nullptr;
  ListObject* l = writeList(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (l == nullptr) {
    if (xx) return ctx.w.integer(0);
    e = createTyped(ctx, ctx.arg(1), kList, l);
  }
  const ListLimits limits = listLimits(ctx);
  for (size_t i = 2; i < ctx.argc(); ++i) l->push(ctx.arg(i), head, limits);
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kList, head ? "lpush" : "rpush", ctx.arg(1));
  ctx.server.signalKeyReady(ctx.arg(1));
  ctx.w.integer(static_cast<int64_t>(l->size()));
}

// Pops up to `count` from `key` (an existing list) and replies them as an array.
void popRangeReply(CommandContext& ctx, std::string_view key, Entry* e, ListObject* l,
                   int64_t count, bool head) {
  size_t n = std::min(l->size(), static_cast<size_t>(count));
  ctx.w.arrayHeader(n);
  for (size_t i = 0; i < n; ++i) ctx.w.bulk(l->pop(head));
  ctx.server.notifyKeyspaceEvent(notify::kList, head ? "lpop" : "rpop", key);
  finishWrite(ctx, key, e, l->size());
}

void popGeneric(CommandContext& ctx, bool head) {
  bool hasCount = ctx.argc() == 3;
  int64_t count = 0;
  if (ctx.argc() > 3) return replyArity(ctx.w, ctx.def.name);
  if (hasCount &&
      !positiveArgOrReply(ctx, ctx.arg(2), count, "value is out of range, must be positive")) {
    return;
  }
  bool wrong = false;
  Entry* e = nullptr;
  ListObject* l = writeList(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (l == nullptr) return hasCount ? ctx.w.nullArray() : ctx.w.null();
  if (hasCount && count == 0) return ctx.w.arrayHeader(0);
  if (!hasCount) {
    ctx.w.bulk(l->pop(head));
    ctx.server.notifyKeyspaceEvent(notify::kList, head ? "lpop" : "rpop", ctx.arg(1));
    return finishWrite(ctx, ctx.arg(1), e, l->size());
  }
  popRangeReply(ctx, ctx.arg(1), e, l, count, head);
}

// getListPositionFromObjectOrReply: true = LEFT (head).
bool positionOrReply(CommandContext& ctx, std::string_view s, bool& head) {
  if (equalsNoCase(s, "left")) {
    head = true;
  } else if (equalsNoCase(s, "right")) {
    head = false;
  } else {
    ctx.w.error(errors::kSyntax);
    return false;
  }
  return true;
}

// lmoveGenericCommand's body once the source is known to be a non-empty list.
void moveOne(CommandContext& ctx, std::string_view src, std::string_view dst, bool from, bool to) {
  bool wrong = false;
  Entry* se = nullptr;
  ListObject* s = writeList(ctx, src, wrong, &se);
  Entry* de = nullptr;
  ListObject* d = writeList(ctx, dst, wrong, &de);
  if (wrong) return;
  std::string value = s->pop(from);
  if (d == nullptr) de = createTyped(ctx, dst, kList, d);
  d->push(value, to, listLimits(ctx));
  ctx.ks.reaccount(de);
  ctx.server.notifyKeyspaceEvent(notify::kList, to ? "lpush" : "rpush",
                                 dst);  // lmoveHandlePush, then the pop
  ctx.server.notifyKeyspaceEvent(notify::kList, from ? "lpop" : "rpop", src);
  ctx.server.signalKeyReady(dst);
  ctx.w.bulk(value);
  if (s->size() == 0) {
    ctx.ks.erase(src);
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", src);
  } else {
    se = ctx.ks.peek(src);
    if (se) ctx.ks.reaccount(se);
  }
}

void lmoveGeneric(CommandContext& ctx, std::string_view src, std::string_view dst, bool from,
                  bool to) {
  bool wrong = false;
  ListObject* s = writeList(ctx, src, wrong, nullptr);
  if (wrong) return;
  if (s == nullptr || s->size() == 0) return ctx.w.null();
  moveOne(ctx, src, dst, from, to);
}

// BLPOP / BRPOP.
void blockingPop(CommandContext& ctx, bool head) {
  int64_t deadline = 0;
  if (!blockTimeoutOrReply(ctx, ctx.arg(ctx.argc() - 1), deadline)) return;
  std::vector<std::string> keys;
  for (size_t j = 1; j + 1 < ctx.argc(); ++j) {
    bool wrong = false;
    Entry* e = nullptr;
    ListObject* l = writeList(ctx, ctx.arg(j), wrong, &e);
    if (wrong) return;
    if (l && l->size() > 0) {
      ctx.w.arrayHeader(2);
      ctx.w.bulk(ctx.arg(j));
      ctx.w.bulk(l->pop(head));
      ctx.server.propagateAs({head ? "LPOP" : "RPOP", ctx.arg(j)});  // deterministic replay
      ctx.server.notifyKeyspaceEvent(notify::kList, head ? "lpop" : "rpop", ctx.arg(j));
      return finishWrite(ctx, ctx.arg(j), e, l->size());
    }
    keys.emplace_back(ctx.arg(j));
  }
  blockOrStay(ctx, std::move(keys), deadline);
}

void blmoveGeneric(CommandContext& ctx, bool from, bool to, std::string_view timeout) {
  int64_t deadline = 0;
  if (!blockTimeoutOrReply(ctx, timeout, deadline)) return;
  bool wrong = false;
  ListObject* s = writeList(ctx, ctx.arg(1), wrong, nullptr);
  if (wrong) return;
  if (s == nullptr || s->size() == 0) return blockOrStay(ctx, {std::string(ctx.arg(1))}, deadline);
  // Propagated as the non-blocking form (BLMOVE -> LMOVE, BRPOPLPUSH -> RPOPLPUSH).
  if (ctx.argc() == 4) {
    ctx.server.propagateAs({"RPOPLPUSH", ctx.arg(1), ctx.arg(2)});
  } else {
    ctx.server.propagateAs({"LMOVE", ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)});
  }
  moveOne(ctx, ctx.arg(1), ctx.arg(2), from, to);
}

// lmpopGenericCommand: LMPOP numkeys key... LEFT|RIGHT [COUNT n]; BLMPOP timeout numkeys ...
void mpopGeneric(CommandContext& ctx, size_t numkeysIdx, bool blocking) {
  int64_t numkeys = 0;
  if (!mpopNumkeysOrReply(ctx, numkeysIdx, numkeys)) return;
  const size_t whereIdx = numkeysIdx + static_cast<size_t>(numkeys) + 1;
  bool head = true;
  if (!positionOrReply(ctx, ctx.arg(whereIdx), head)) return;
  int64_t count = 0;
  if (!mpopCountOrReply(ctx, whereIdx + 1, count)) return;
  int64_t deadline = 0;
  if (blocking && !blockTimeoutOrReply(ctx, ctx.arg(1), deadline)) return;
  std::vector<std::string> keys;
  for (size_t j = numkeysIdx + 1; j < whereIdx; ++j) {
    bool wrong = false;
    Entry* e = nullptr;
    ListObject* l = writeList(ctx, ctx.arg(j), wrong, &e);
    if (wrong) return;
    if (l && l->size() > 0) {
      ctx.w.arrayHeader(2);
      ctx.w.bulk(ctx.arg(j));
      if (ctx.server.propagationActive()) {  // [B]LMPOP -> LPOP/RPOP key <popped>, as Redis 7.0
        const std::string n = std::to_string(std::min(l->size(), static_cast<size_t>(count)));
        ctx.server.propagateAs({head ? "LPOP" : "RPOP", ctx.arg(j), n});
      }
      return popRangeReply(ctx, ctx.arg(j), e, l, count, head);
    }
    keys.emplace_back(ctx.arg(j));
  }
  if (!blocking) return ctx.w.nullArray();
  blockOrStay(ctx, std::move(keys), deadline);
}

// Normalizes [start, end] against `len` like addListRangeReply / ltrimCommand; false if empty.
bool clampRange(int64_t& start, int64_t& end, int64_t len) {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return false;
  if (end >= len) end = len - 1;
  return true;
}

}  // namespace

namespace cmd {

void lpush(CommandContext& ctx) {
  pushGeneric(ctx, true, false);
}
void rpush(CommandContext& ctx) {
  pushGeneric(ctx, false, false);
}
void lpushx(CommandContext& ctx) {
  pushGeneric(ctx, true, true);
}
void rpushx(CommandContext& ctx) {
  pushGeneric(ctx, false, true);
}
void lpop(CommandContext& ctx) {
  popGeneric(ctx, true);
}
void rpop(CommandContext& ctx) {
  popGeneric(ctx, false);
}

void llen(CommandContext& ctx) {
  bool wrong = false;
  ListObject* l = readList(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.integer(l ? static_cast<int64_t>(l->size()) : 0);
}

void lindex(CommandContext& ctx) {
  bool wrong = false;
  ListObject* l = readList(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (l == nullptr) return ctx.w.null();
  int64_t index = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), index)) return;
  int64_t len = static_cast<int64_t>(l->size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return ctx.w.null();
  ctx.w.bulk(l->at(static_cast<size_t>(index)));
}

void lrange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), start) || !intArgOrReply(ctx, ctx.arg(3), end)) return;
  bool wrong = false;
  ListObject* l = readList(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (l == nullptr || !clampRange(start, end, static_cast<int64_t>(l->size()))) {
    return ctx.w.arrayHeader(0);
  }
  ctx.w.arrayHeader(static_cast<size_t>(end - start + 1));
  l->forRange(static_cast<size_t>(start), static_cast<size_t>(end - start + 1),
              [&](std::string_view v) { ctx.w.bulk(v); });
}

void lset(CommandContext& ctx) {
  bool wrong = false;
  Entry* e = nullptr;
  ListObject* l = writeList(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (l == nullptr) return ctx.w.error("ERR no such key");
  int64_t index = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), index)) return;
  int64_t len = static_cast<int64_t>(l->size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return ctx.w.error("ERR index out of range");
  l->edit([&](ListObject::Items& items) { items[static_cast<size_t>(index)].assign(ctx.arg(3)); },
          listLimits(ctx));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kList, "lset", ctx.arg(1));
  ctx.w.ok();
}

void linsert(CommandContext& ctx) {
  bool after = false;
  if (equalsNoCase(ctx.arg(2), "after")) {
    after = true;
  } else if (!equalsNoCase(ctx.arg(2), "before")) {
    return ctx.w.error(errors::kSyntax);
  }
  bool wrong = false;
  Entry* e = nullptr;
  ListObject* l = writeList(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (l == nullptr) return ctx.w.integer(0);
  // Finds the pivot before unpacking: a miss leaves a packed list untouched.
  bool found = false;
  l->forEach([&](std::string_view v) { found = found || v == ctx.arg(3); });
  if (!found) return ctx.w.integer(-1);
  l->edit(
      [&](ListObject::Items& items) {
        for (auto it = items.begin(); it != items.end(); ++it) {
          if (*it != ctx.arg(3)) continue;
          items.emplace(after ? it + 1 : it, ctx.arg(4));
          return;
        }
      },
      listLimits(ctx));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kList, "linsert", ctx.arg(1));
  ctx.w.integer(static_cast<int64_t>(l->size()));
}

void lrem(CommandContext& ctx) {
  int64_t toRemove = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), toRemove)) return;
  bool wrong = false;
  Entry* e = nullptr;
  ListObject* l = writeList(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (l == nullptr) return ctx.w.integer(0);
  int64_t removed = 0;
  std::string_view ele = ctx.arg(3);
  l->edit(
      [&](ListObject::Items& items) {
        if (toRemove >= 0) {
          for (auto it = items.begin(); it != items.end();) {
            if (*it == ele && (toRemove == 0 || removed < toRemove)) {
              it = items.erase(it);
              ++removed;
            } else {
              ++it;
            }
          }
        } else {
          for (size_t i = items.size(); i-- > 0;) {
            if (items[i] == ele && removed < -toRemove) {
              items.erase(items.begin() + static_cast<long>(i));
              ++removed;
            }
          }
        }
      },
      listLimits(ctx));
  if (removed) ctx.server.notifyKeyspaceEvent(notify::kList, "lrem", ctx.arg(1));
  finishWrite(ctx, ctx.arg(1), e, l->size());
  ctx.w.integer(removed);
}

void ltrim(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), start) || !intArgOrReply(ctx, ctx.arg(3), end)) return;
  bool wrong = false;
  Entry* e = nullptr;
  ListObject* l = writeList(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  if (l == nullptr) return ctx.w.ok();
  l->edit(
      [&](ListObject::Items& items) {
        int64_t len = static_cast<int64_t>(items.size());
        if (!clampRange(start, end, len)) {
          items.clear();
        } else {
          items.erase(items.begin() + end + 1, items.end());
          items.erase(items.begin(), items.begin() + start);
        }
      },
      listLimits(ctx));
  ctx.server.notifyKeyspaceEvent(notify::kList, "ltrim", ctx.arg(1));
  finishWrite(ctx, ctx.arg(1), e, l->size());
  ctx.w.ok();
}

void lpos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    if (equalsNoCase(opt, "rank") && more) {
      ++j;
      if (!rangeArgOrReply(ctx, ctx.arg(j), -INT64_MAX, INT64_MAX, rank)) return;
      if (rank == 0) {
        return ctx.w.error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
    } else if (equalsNoCase(opt, "count") && more) {
      ++j;
      if (!positiveArgOrReply(ctx, ctx.arg(j), count, "COUNT can't be negative")) return;
    } else if (equalsNoCase(opt, "maxlen") && more) {
      ++j;
      if (!positiveArgOrReply(ctx, ctx.arg(j), maxlen, "MAXLEN can't be negative")) return;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  bool fromTail = rank < 0;
  if (rank < 0) rank = -rank;
  bool wrong = false;
  ListObject* l = readList(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (l == nullptr) return count != -1 ? ctx.w.arrayHeader(0) : ctx.w.null();
  const std::vector<std::string_view> items = l->views();
  int64_t len = static_cast<int64_t>(items.size());
  std::vector<int64_t> found;
  int64_t matches = 0;
  for (int64_t index = 0; index < len && (maxlen == 0 || index < maxlen); ++index) {
    int64_t pos = fromTail ? len - index - 1 : index;
    if (items[static_cast<size_t>(pos)] != ctx.arg(2)) continue;
    if (++matches < rank) continue;
    found.push_back(pos);
    if (count == -1 || (count != 0 && static_cast<int64_t>(found.size()) == count)) break;
  }
  if (count == -1) return found.empty() ? ctx.w.null() : ctx.w.integer(found[0]);
  ctx.w.arrayHeader(found.size());
  for (int64_t p : found) ctx.w.integer(p);
}

void lmove(CommandContext& ctx) {
  bool from = true, to = true;
  if (!positionOrReply(ctx, ctx.arg(3), from) || !positionOrReply(ctx, ctx.arg(4), to)) return;
  lmoveGeneric(ctx, ctx.arg(1), ctx.arg(2), from, to);
}

void rpoplpush(CommandContext& ctx) {
  lmoveGeneric(ctx, ctx.arg(1), ctx.arg(2), false, true);
}
void lmpop(CommandContext& ctx) {
  mpopGeneric(ctx, 1, false);
}
void blpop(CommandContext& ctx) {
  blockingPop(ctx, true);
}
void brpop(CommandContext& ctx) {
  blockingPop(ctx, false);
}

void blmove(CommandContext& ctx) {
  bool from = true, to = true;
  if (!positionOrReply(ctx, ctx.arg(3), from) || !positionOrReply(ctx, ctx.arg(4), to)) return;
  blmoveGeneric(ctx, from, to, ctx.arg(5));
}

void brpoplpush(CommandContext& ctx) {
  blmoveGeneric(ctx, false, true, ctx.arg(3));
}
void blmpop(CommandContext& ctx) {
  mpopGeneric(ctx, 2, true);
}

}  // namespace cmd

}  // namespace strata::node
