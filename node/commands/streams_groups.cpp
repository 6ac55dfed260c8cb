// Stream consumer groups: the group read behind XREADGROUP (new entries past the group's
// last-delivered ID, or the consumer's own PEL history), XGROUP CREATE/SETID/DESTROY/
// CREATECONSUMER/DELCONSUMER/HELP, XACK, XPENDING (summary and extended form), XCLAIM and
// XAUTOCLAIM (7.0's third reply element: IDs deleted from the PEL because their entries are
// gone). Byte-exact with Redis 7.0's t_stream.c. Propagation follows 7.0: a group read propagates
// one XCLAIM ... FORCE JUSTID LASTID per delivered entry and XGROUP SETID ... ENTRIESREAD, XCLAIM
// and XAUTOCLAIM propagate the same XCLAIM forms, so replicas and the AOF rebuild the PELs with
// their delivery times and counts. Event-loop thread only.
#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/collections.h"
#include "node/commands/streams_common.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace streams {

void propagateXclaim(CommandContext& ctx, std::string_view key, std::string_view group,
                     const ConsumerGroup& g, StreamID id, const StreamNACK& nack) {
  if (!ctx.server.propagationActive()) return;
  const std::string idStr = id.str();
  const std::string time = std::to_string(nack.deliveryTime);
  const std::string retry = std::to_string(nack.deliveryCount);
  const std::string last = g.lastId.str();
  ctx.server.propagateAs({"XCLAIM", key, group, nack.consumer->name, "0", idStr, "TIME", time,
                          "RETRYCOUNT", retry, "FORCE", "JUSTID", "LASTID", last});
}

// Hands the pending entry `id` to `consumer`, out of its previous owner's PEL (XCLAIM,
// XAUTOCLAIM).
void moveToConsumer(StreamNACK& nack, StreamConsumer* consumer, StreamID id) {
  if (nack.consumer == consumer) return;
  if (nack.consumer) nack.consumer->pel.erase(id);
  consumer->pel.insert(id);
  nack.consumer = consumer;
}

// The reply for one claimed entry: its ID with JUSTID, else the entry, or a null when it has been
// deleted since it was delivered.
void replyClaimed(resp::Writer& w, const StreamObject& s, StreamID id, bool justid) {
  if (justid) {
    replyId(w, id);
    return;
  }
  bool emitted = false;
  s.range(id, id, false, [&](const StreamEntryView& en) {
    replyEntry(w, en);
    emitted = true;
    return false;
  });
  if (!emitted) w.null();
}

void propagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group,
                      const ConsumerGroup& g) {
  if (!ctx.server.propagationActive()) return;
  const std::string last = g.lastId.str();
  const std::string read = std::to_string(g.entriesRead);
  ctx.server.propagateAs({"XGROUP", "SETID", key, group, last, "ENTRIESREAD", read});
}

void replyGroupRange(CommandContext& ctx, std::string_view key, std::string_view groupName,
                     StreamObject* s, ConsumerGroup* g, StreamConsumer* consumer, StreamID start,
                     size_t count, bool noack, bool history) {
  const int64_t now = ctx.server.now();
  Deferred d(ctx.w);
  size_t n = 0;
  if (history) {
    // streamReplyWithRangeFromConsumerPEL: the consumer's PEL from `start`; entries deleted
    // since delivery are reported as [id, nil].
    for (auto it = consumer->pel.lower_bound(start);
         it != consumer->pel.end() && (count == 0 || n < count); ++it) {
      const StreamID id = *it;
      bool found = false;
      s->range(id, id, false, [&](const StreamEntryView& e) {
        replyEntry(d.w, e);
        found = true;
        return false;
      });
      if (!found) {
        d.w.arrayHeader(2);
        replyId(d.w, id);
        d.w.nullArray();
      } else {
        auto nit = g->pel.find(id);
        if (nit != g->pel.end()) {
          nit->second.deliveryTime = now;
          nit->second.deliveryCount++;
        }
      }
      ++n;
    }
    d.flushArray(n);
    return;
  }
  bool propagateLast = false;
  s->range(start, StreamID::max(), false, [&](const StreamEntryView& e) {
    if (e.id > g->lastId) {
      if (g->entriesRead != kInvalidEntriesRead && !s->rangeHasTombstones(e.id, StreamID::max())) {
        g->entriesRead++;
      } else if (s->entriesAdded()) {
        g->entriesRead = s->estimateDistanceFromFirstEver(e.id);
      }
      g->lastId = e.id;
      propagateLast = true;
    }
    replyEntry(d.w, e);
    if (!noack) {
      auto [it, inserted] = g->pel.try_emplace(e.id);
      StreamNACK& nack = it->second;
      if (!inserted) nack.consumer->pel.erase(e.id);
      nack.consumer = consumer;
      nack.deliveryTime = now;
      nack.deliveryCount = 1;
      consumer->pel.insert(e.id);
      propagateXclaim(ctx, key, groupName, *g, e.id, nack);
    }
    ++n;
    return count == 0 || n < count;
  });
  if (propagateLast) propagateGroupId(ctx, key, groupName, *g);
  d.flushArray(n);
}

}  // namespace streams

namespace {

using config::equalsNoCase;
using namespace streams;

std::string noGroupError(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "'";
}

// XGROUP's common prologue: the stream (which must exist unless CREATE ... MKSTREAM) and, for
// SETID/CREATECONSUMER/DELCONSUMER, the group. False after an error reply.
bool xgroupPrologue(CommandContext& ctx, bool needGroup, bool mkstream, Entry*& e, StreamObject*& s,
                    ConsumerGroup*& g) {
  const std::string_view key = ctx.arg(2);
  bool wrong = false;
  s = lookupStream(ctx, key, wrong, &e, false);
  if (wrong) return false;
  if (s == nullptr && !mkstream) {
    ctx.w.error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
    return false;
  }
  g = s ? s->findGroup(ctx.arg(3)) : nullptr;
  if (g == nullptr && needGroup) {
    ctx.w.error("NOGROUP No such consumer group '" + std::string(ctx.arg(3)) + "' for key name '" +
                std::string(key) + "'");
    return false;
  }
  return true;
}

bool entriesReadOrReply(CommandContext& ctx, std::string_view arg, int64_t& out) {
  if (!intArgOrReply(ctx, arg, out)) return false;
  if (out < 0 && out != kInvalidEntriesRead) {
    ctx.w.error("ERR value for ENTRIESREAD must be positive or -1");
    return false;
  }
  return true;
}

void removeNack(ConsumerGroup* g, std::map<StreamID, StreamNACK>::iterator it) {
  if (it->second.consumer) it->second.consumer->pel.erase(it->first);
  g->pel.erase(it);
}

}  // namespace

namespace cmd {

// 7.0's xgroupCommand parses CREATE's and SETID's options before it looks at the key, and
// checks each subcommand's argument count (CREATE 5..8, SETID 5 or 7) only after the key and
// group checks: a bad option answers the subcommand syntax error even on a missing key.
void xgroupCreate(CommandContext& ctx) {
  bool mkstream = false;
  int64_t entriesRead = kInvalidEntriesRead;
  for (size_t i = 5; i < ctx.argc();) {
    if (equalsNoCase(ctx.arg(i), "mkstream")) {
      mkstream = true;
      ++i;
    } else if (equalsNoCase(ctx.arg(i), "entriesread") && i + 1 < ctx.argc()) {
      if (!entriesReadOrReply(ctx, ctx.arg(i + 1), entriesRead)) return;
      i += 2;
    } else {
      return replySubcommandSyntax(ctx);
    }
  }
  Entry* e = nullptr;
  StreamObject* s = nullptr;
  ConsumerGroup* g = nullptr;
  if (!xgroupPrologue(ctx, false, mkstream, e, s, g)) return;
  if (ctx.argc() > 8) return replySubcommandSyntax(ctx);
  StreamID id;
  if (ctx.arg(4) == "$") {
    id = s ? s->lastId() : StreamID{};
  } else if (!idOrReply(ctx, ctx.arg(4), id, 0, true)) {
    return;
  }
  if (s == nullptr) e = createTyped(ctx, ctx.arg(2), ValueType::kStream, s);
  if (s->findGroup(ctx.arg(3)) != nullptr) {
    if (e) ctx.ks.reaccount(e);
    return ctx.w.error("BUSYGROUP Consumer Group name already exists");
  }
  auto ng = std::make_unique<ConsumerGroup>();
  ng->lastId = id;
  ng->entriesRead = entriesRead;
  s->groups().emplace(std::string(ctx.arg(3)), std::move(ng));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-create", ctx.arg(2));
  ctx.w.ok();
}

void xgroupSetid(CommandContext& ctx) {
  int64_t entriesRead = kInvalidEntriesRead;
  for (size_t i = 5; i < ctx.argc(); i += 2) {
    if (!equalsNoCase(ctx.arg(i), "entriesread") || i + 1 >= ctx.argc()) {
      return replySubcommandSyntax(ctx);
    }
    if (!entriesReadOrReply(ctx, ctx.arg(i + 1), entriesRead)) return;
  }
  Entry* e = nullptr;
  StreamObject* s = nullptr;
  ConsumerGroup* g = nullptr;
  if (!xgroupPrologue(ctx, true, false, e, s, g)) return;
  if (ctx.argc() != 5 && ctx.argc() != 7) return replySubcommandSyntax(ctx);
  StreamID id;
  if (ctx.arg(4) == "$") {
    id = s->lastId();
  } else if (!idOrReply(ctx, ctx.arg(4), id, 0)) {
    return;
  }
  g->lastId = id;
  g->entriesRead = entriesRead;
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-setid", ctx.arg(2));
  ctx.w.ok();
}

void xgroupDestroy(CommandContext& ctx) {
  Entry* e = nullptr;
  StreamObject* s = nullptr;
  ConsumerGroup* g = nullptr;
  if (!xgroupPrologue(ctx, false, false, e, s, g)) return;
  if (g == nullptr) return ctx.w.integer(0);
  s->groups().erase(s->groups().find(ctx.arg(3)));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-destroy", ctx.arg(2));
  // Clients blocked in XREADGROUP on this group answer -NOGROUP (re-run on a ready key).
  ctx.server.signalKeyReady(ctx.arg(2));
  ctx.w.integer(1);
}

void xgroupCreateconsumer(CommandContext& ctx) {
  Entry* e = nullptr;
  StreamObject* s = nullptr;
  ConsumerGroup* g = nullptr;
  if (!xgroupPrologue(ctx, true, false, e, s, g)) return;
  if (g->findConsumer(ctx.arg(4)) != nullptr) return ctx.w.integer(0);
  g->createConsumer(ctx.arg(4), ctx.server.now());
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-createconsumer", ctx.arg(2));
  ctx.w.integer(1);
}

void xgroupDelconsumer(CommandContext& ctx) {
  Entry* e = nullptr;
  StreamObject* s = nullptr;
  ConsumerGroup* g = nullptr;
  if (!xgroupPrologue(ctx, true, false, e, s, g)) return;
  if (g->findConsumer(ctx.arg(4)) == nullptr) return ctx.w.integer(0);
  const size_t pending = g->deleteConsumer(ctx.arg(4));
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-delconsumer", ctx.arg(2));
  ctx.w.integer(static_cast<int64_t>(pending));
}

void xgroupHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
  };
  replyHelp(ctx, "XGROUP", kLines);
}

void xack(CommandContext& ctx) {
  bool wrong = false;
  Entry* e = nullptr;
  StreamObject* s = lookupStream(ctx, ctx.arg(1), wrong, &e);
  if (wrong) return;
  ConsumerGroup* g = s ? s->findGroup(ctx.arg(2)) : nullptr;
  if (g == nullptr) return ctx.w.integer(0);
  std::vector<StreamID> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!idOrReply(ctx, ctx.arg(j), ids[j - 3], 0, true)) return;
  }
  int64_t acked = 0;
  for (const StreamID& id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    removeNack(g, it);
    ++acked;
  }
  if (acked) ctx.ks.reaccount(e);
  ctx.w.integer(acked);
}

void xpending(CommandContext& ctx) {
  const bool justinfo = ctx.argc() == 3;
  const std::string_view key = ctx.arg(1), groupName = ctx.arg(2);
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumerName;
  bool haveConsumer = false;
  if (ctx.argc() != 3 && (ctx.argc() < 6 || ctx.argc() > 9)) {
    return ctx.w.error(errors::kSyntax);
  }
  if (ctx.argc() >= 6) {
    size_t startidx = 3;
    if (equalsNoCase(ctx.arg(3), "idle")) {
      if (!intArgOrReply(ctx, ctx.arg(4), minidle)) return;
      if (ctx.argc() < 8) return ctx.w.error(errors::kSyntax);
      startidx += 2;
    }
    if (!intArgOrReply(ctx, ctx.arg(startidx + 2), count)) return;
    if (count < 0) count = 0;
    if (!intervalStartOrReply(ctx, ctx.arg(startidx), start)) return;
    if (!intervalEndOrReply(ctx, ctx.arg(startidx + 1), end)) return;
    if (startidx + 3 < ctx.argc()) {
      consumerName = ctx.arg(startidx + 3);
      haveConsumer = true;
    }
  }
  bool wrong = false;
  StreamObject* s = lookupStream(ctx, key, wrong);
  if (wrong) return;
  ConsumerGroup* g = s ? s->findGroup(groupName) : nullptr;
  if (g == nullptr) return ctx.w.error(noGroupError(key, groupName));
  if (justinfo) {
    ctx.w.arrayHeader(4);
    ctx.w.integer(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      ctx.w.null();
      ctx.w.null();
      ctx.w.nullArray();
      return;
    }
    replyId(ctx.w, g->pel.begin()->first);
    replyId(ctx.w, std::prev(g->pel.end())->first);
    size_t n = 0;
    for (const auto& [name, c] : g->consumers) n += c->pel.empty() ? 0 : 1;
    ctx.w.arrayHeader(n);
    for (const auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      ctx.w.arrayHeader(2);
      ctx.w.bulk(name);
      ctx.w.bulk(std::to_string(c->pel.size()));
    }
    return;
  }
  const int64_t now = ctx.server.now();
  Deferred d(ctx.w);
  size_t n = 0;
  auto emit = [&](StreamID id, const StreamNACK& nack) {
    if (minidle && now - nack.deliveryTime < minidle) return;
    ++n;
    --count;
    d.w.arrayHeader(4);
    replyId(d.w, id);
    d.w.bulk(nack.consumer->name);
    d.w.integer(std::max<int64_t>(0, now - nack.deliveryTime));
    d.w.integer(static_cast<int64_t>(nack.deliveryCount));
  };
  if (haveConsumer) {
    StreamConsumer* c = g->findConsumer(consumerName);
    if (c == nullptr) return ctx.w.arrayHeader(0);
    for (auto it = c->pel.lower_bound(start); count && it != c->pel.end() && *it <= end; ++it) {
      emit(*it, g->pel.at(*it));
    }
  } else {
    for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end;
         ++it) {
      emit(it->first, it->second);
    }
  }
  d.flushArray(n);
}

void xclaim(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1), groupName = ctx.arg(2);
  bool wrong = false;
  Entry* e = nullptr;
  StreamObject* s = lookupStream(ctx, key, wrong, &e);
  if (wrong) return;
  ConsumerGroup* g = s ? s->findGroup(groupName) : nullptr;
  if (g == nullptr) return ctx.w.error(noGroupError(key, groupName));
  int64_t minidle = 0;
  if (!intArgOrReply(ctx, ctx.arg(4), minidle, "Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  if (minidle < 0) minidle = 0;
  size_t j = 5;
  std::vector<StreamID> ids;
  for (; j < ctx.argc(); ++j) {
    StreamID id;
    if (!parseStreamID(ctx.arg(j), id, 0, nullptr, false, true)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.server.now();
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false, propagateLast = false;
  StreamID lastId;
  for (; j < ctx.argc(); ++j) {
    const size_t more = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (equalsNoCase(opt, "force")) {
      force = true;
    } else if (equalsNoCase(opt, "justid")) {
      justid = true;
    } else if (equalsNoCase(opt, "idle") && more) {
      ++j;
      if (!intArgOrReply(ctx, ctx.arg(j), deliverytime,
                         "Invalid IDLE option argument for XCLAIM")) {
        return;
      }
      deliverytime = now - deliverytime;
    } else if (equalsNoCase(opt, "time") && more) {
      ++j;
      if (!intArgOrReply(ctx, ctx.arg(j), deliverytime,
                         "Invalid TIME option argument for XCLAIM")) {
        return;
      }
    } else if (equalsNoCase(opt, "retrycount") && more) {
      ++j;
      if (!intArgOrReply(ctx, ctx.arg(j), retrycount,
                         "Invalid RETRYCOUNT option argument for XCLAIM")) {
        return;
      }
    } else if (equalsNoCase(opt, "lastid") && more) {
      ++j;
      if (!idOrReply(ctx, ctx.arg(j), lastId, 0, true)) return;
    } else {
      return ctx.w.error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
    }
  }
  if (lastId > g->lastId) {
    g->lastId = lastId;
    propagateLast = true;
  }
  if (deliverytime != -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else {
    deliverytime = now;
  }
  StreamConsumer* consumer = nullptr;
  Deferred d(ctx.w);
  size_t n = 0;
  bool changed = propagateLast;
  for (const StreamID& id : ids) {
    auto it = g->pel.find(id);
    if (!s->contains(id)) {
      if (it != g->pel.end()) {
        propagateXclaim(ctx, key, groupName, *g, id, it->second);
        propagateLast = false;
        removeNack(g, it);
        changed = true;
      }
      continue;
    }
    if (force && it == g->pel.end()) {
      it = g->pel.try_emplace(id).first;
      it->second.consumer = nullptr;
      it->second.deliveryCount = 1;
    }
    if (it == g->pel.end()) continue;
    StreamNACK& nack = it->second;
    if (nack.consumer && minidle && now - nack.deliveryTime < minidle) continue;
    if (consumer == nullptr) {
      consumer = g->findConsumer(ctx.arg(3));
      if (consumer == nullptr) {
        consumer = g->createConsumer(ctx.arg(3), now);
        ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-createconsumer", key);
      }
    }
    nack.deliveryTime = deliverytime;
    if (retrycount >= 0) {
      nack.deliveryCount = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      nack.deliveryCount++;
    }
    moveToConsumer(nack, consumer, id);
    replyClaimed(d.w, *s, id, justid);
    ++n;
    propagateXclaim(ctx, key, groupName, *g, id, nack);
    propagateLast = false;
    changed = true;
  }
  if (propagateLast) propagateGroupId(ctx, key, groupName, *g);
  if (consumer) consumer->seenTime = now;
  if (changed) {
    ctx.ks.reaccount(e);
  } else {
    ctx.server.preventPropagation();
  }
  d.flushArray(n);
}

void xautoclaim(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1), groupName = ctx.arg(2);
  // The key is looked up first, as 7.0's xautoclaimCommand does (lookupKeyRead: hit/miss
  // stats and keymiss), its type checked after the arguments.
  lookupRead(ctx, key);
  int64_t minidle = 0;
  if (!intArgOrReply(ctx, ctx.arg(4), minidle, "Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  if (minidle < 0) minidle = 0;
  StreamID start;
  if (!intervalStartOrReply(ctx, ctx.arg(5), start)) return;
  int64_t count = 100;
  bool justid = false;
  constexpr int64_t kAttemptsFactor = 10;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const size_t more = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (equalsNoCase(opt, "count") && more) {
      const int64_t maxCount = LONG_MAX / 16;
      if (!rangeArgOrReply(ctx, ctx.arg(j + 1), 1, maxCount, count, "COUNT must be > 0")) return;
      ++j;
    } else if (equalsNoCase(opt, "justid")) {
      justid = true;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  bool wrong = false;
  Entry* e = nullptr;
  StreamObject* s = lookupStream(ctx, key, wrong, &e, false);
  if (wrong) return;
  ConsumerGroup* g = s ? s->findGroup(groupName) : nullptr;
  if (g == nullptr) return ctx.w.error(noGroupError(key, groupName));
  int64_t attempts = count * kAttemptsFactor;
  const int64_t now = ctx.server.now();
  StreamConsumer* consumer = nullptr;
  Deferred d(ctx.w);
  size_t n = 0;
  std::vector<StreamID> deleted;
  auto it = g->pel.lower_bound(start);
  while (attempts-- && count && it != g->pel.end()) {
    const StreamID id = it->first;
    if (!s->contains(id)) {
      propagateXclaim(ctx, key, groupName, *g, id, it->second);
      auto next = std::next(it);
      removeNack(g, it);
      it = next;
      deleted.push_back(id);
      --count;
      continue;
    }
    StreamNACK& nack = it->second;
    if (minidle && now - nack.deliveryTime < minidle) {
      ++it;
      continue;
    }
    if (consumer == nullptr) {
      consumer = g->findConsumer(ctx.arg(3));
      if (consumer == nullptr) {
        consumer = g->createConsumer(ctx.arg(3), now);
        ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-createconsumer", key);
      }
    }
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    moveToConsumer(nack, consumer, id);
    replyClaimed(d.w, *s, id, justid);
    ++n;
    --count;
    propagateXclaim(ctx, key, groupName, *g, id, nack);
    ++it;
  }
  if (consumer) consumer->seenTime = now;
  const StreamID next = it == g->pel.end() ? StreamID{} : it->first;
  ctx.w.arrayHeader(3);
  replyId(ctx.w, next);
  d.flushArray(n);
  ctx.w.arrayHeader(deleted.size());
  for (const StreamID& id : deleted) replyId(ctx.w, id);
  if (n || !deleted.empty()) {
    ctx.ks.reaccount(e);
  } else {
    ctx.server.preventPropagation();
  }
}

}  // namespace cmd

}  // namespace strata::node
