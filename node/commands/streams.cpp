// Stream commands on entries: XADD (auto, partial-auto and explicit IDs, NOMKSTREAM, MAXLEN/MINID
// with = / ~ and LIMIT), XRANGE/XREVRANGE (exclusive bounds, COUNT), XLEN, XDEL, XTRIM, XSETID
// and XREAD/XREADGROUP (COUNT, BLOCK, STREAMS with $ / > / IDs; a blocked read is parked through
// Server::blockClient with its $ resolved to the concrete last ID, and re-run when an XADD makes
// one of its keys ready). Byte-exact with Redis 7.0's t_stream.c: same argument parsing order,
// errors and reply shapes (RESP3 maps for XREAD). What is propagated follows 7.0's rewrites: XADD
// with the concrete ID, approximate trimming as exact (= with the resulting length / first ID).
// Consumer-group commands are in streams_groups.cpp, XINFO in streams_info.cpp.
// Event-loop thread only.
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/collections.h"
#include "node/commands/streams_common.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace streams {

using config::equalsNoCase;

bool idOrReply(CommandContext& ctx, std::string_view s, StreamID& out, uint64_t missingSeq,
               bool strict) {
  if (!parseStreamID(s, out, missingSeq, nullptr, false, strict)) {
    ctx.w.error(kInvalidId);
    return false;
  }
  return true;
}

bool intervalStartOrReply(CommandContext& ctx, std::string_view s, StreamID& out) {
  const bool ex = s.size() > 1 && s[0] == '(';
  if (!idOrReply(ctx, ex ? s.substr(1) : s, out, 0, ex)) return false;
  if (ex && !out.incr()) {
    ctx.w.error("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool intervalEndOrReply(CommandContext& ctx, std::string_view s, StreamID& out) {
  const bool ex = s.size() > 1 && s[0] == '(';
  if (!idOrReply(ctx, ex ? s.substr(1) : s, out, UINT64_MAX, ex)) return false;
  if (ex && !out.decr()) {
    ctx.w.error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

StreamObject* lookupStream(CommandContext& ctx, std::string_view key, bool& wrong, Entry** entryOut,
                           bool read) {
  return lookupTyped<StreamObject>(ctx, key, ValueType::kStream, wrong, entryOut, read);
}

void replyId(resp::Writer& w, StreamID id) {
  char buf[48];
  w.bulk(id.format(buf));
}

void replyEntry(resp::Writer& w, const StreamEntryView& e) {
  w.arrayHeader(2);
  replyId(w, e.id);
  w.arrayHeader(e.fv->size());
  for (std::string_view s : *e.fv) w.bulk(s);
}

void replySubcommandSyntax(CommandContext& ctx) {
  std::string cmd(ctx.arg(0));
  for (char& c : cmd) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.w.error("ERR unknown subcommand or wrong number of arguments for '" +
              std::string(ctx.arg(1)) + "'. Try " + cmd + " HELP.");
}

}  // namespace streams

namespace {

using config::equalsNoCase;
using namespace streams;

enum class Trim { kNone, kMaxlen, kMinid };

struct AddTrimArgs {
  Trim strategy = Trim::kNone;
  bool approx = false;
  int64_t maxlen = 0;
  StreamID minid;
  int64_t limit = 0;
  size_t strategyArgIdx = 0;  // the MAXLEN/MINID value's position
  bool noMkstream = false;
  bool idGiven = false;
  bool seqGiven = true;
  StreamID id;
};

// streamParseAddOrTrimArgsOrReply: returns the index of the ID (XADD) or argc, -1 on error.
long parseAddOrTrim(CommandContext& ctx, AddTrimArgs& a, bool xadd) {
  size_t i = 2;
  bool limitGiven = false;
  const size_t argc = ctx.argc();
  for (; i < argc; ++i) {
    const size_t more = argc - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (xadd && opt == "*") break;
    const bool maxlen = equalsNoCase(opt, "maxlen");
    if ((maxlen || equalsNoCase(opt, "minid")) && more) {
      if (a.strategy != Trim::kNone) {
        ctx.w.error(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      // MAXLEN|MINID [~|=] value
      const std::string_view next = ctx.arg(i + 1);
      a.approx = more >= 2 && next == "~";
      if (more >= 2 && (next == "~" || next == "=")) ++i;
      if (maxlen) {
        if (!intArgOrReply(ctx, ctx.arg(i + 1), a.maxlen)) return -1;
        if (a.maxlen < 0) {
          ctx.w.error("ERR The MAXLEN argument must be >= 0.");
          return -1;
        }
      } else if (!idOrReply(ctx, ctx.arg(i + 1), a.minid, 0, true)) {
        return -1;
      }
      ++i;
      a.strategy = maxlen ? Trim::kMaxlen : Trim::kMinid;
      a.strategyArgIdx = i;
    } else if (equalsNoCase(opt, "limit") && more) {
      if (!intArgOrReply(ctx, ctx.arg(i + 1), a.limit)) return -1;
      if (a.limit < 0) {
        ctx.w.error("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      limitGiven = true;
      ++i;
    } else if (xadd && equalsNoCase(opt, "nomkstream")) {
      a.noMkstream = true;
    } else if (xadd) {
      if (!parseStreamID(opt, a.id, 0, &a.seqGiven, true, true)) {
        ctx.w.error(kInvalidId);
        return -1;
      }
      a.idGiven = true;
      break;
    } else {
      ctx.w.error(errors::kSyntax);
      return -1;
    }
  }
  if (a.limit && a.strategy == Trim::kNone) {
    ctx.w.error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && a.strategy == Trim::kNone) {
    ctx.w.error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (limitGiven) {
    if (!a.approx) {
      ctx.w.error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else if (a.approx) {
    a.limit = 100 * static_cast<int64_t>(StreamObject::kNodeMaxEntries);
  } else {
    a.limit = 0;
  }
  return static_cast<long>(i);
}

int64_t applyTrim(StreamObject* s, const AddTrimArgs& a) {
  if (a.strategy == Trim::kMaxlen) {
    return s->trimMaxlen(static_cast<uint64_t>(a.maxlen), a.approx, a.limit);
  }
  if (a.strategy == Trim::kMinid) return s->trimMinid(a.minid, a.approx, a.limit);
  return 0;
}

// The deterministic form of an approximate trim: "= <length>" or "= <first id>" (Redis's
// streamRewriteApproxSpecifier + streamRewriteTrimArgument), LIMIT dropped (a replica and the
// AOF loader trim exactly).
void pushExactTrim(std::vector<std::string_view>& out, const StreamObject* s, const AddTrimArgs& a,
                   std::string& scratch) {
  if (a.strategy == Trim::kMaxlen || s->length() == 0) {
    scratch = std::to_string(s->length());
    out.insert(out.end(), {"MAXLEN", "=", scratch});
  } else {
    scratch = s->firstId().str();
    out.insert(out.end(), {"MINID", "=", scratch});
  }
}

void pushTrimAsGiven(std::vector<std::string_view>& out, const CommandContext& ctx,
                     const AddTrimArgs& a) {
  out.push_back(a.strategy == Trim::kMaxlen ? "MAXLEN" : "MINID");
  out.push_back("=");
  out.push_back(ctx.arg(a.strategyArgIdx));
}

void rangeGeneric(CommandContext& ctx, bool rev) {
  std::string_view startArg = rev ? ctx.arg(3) : ctx.arg(2);
  std::string_view endArg = rev ? ctx.arg(2) : ctx.arg(3);
  StreamID start, end;
  if (!intervalStartOrReply(ctx, startArg, start)) return;
  if (!intervalEndOrReply(ctx, endArg, end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const size_t additional = ctx.argc() - j - 1;
    if (equalsNoCase(ctx.arg(j), "count") && additional >= 1) {
      if (!intArgOrReply(ctx, ctx.arg(j + 1), count)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  bool wrong = false;
  StreamObject* s = lookupStream(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  if (s == nullptr) return ctx.w.arrayHeader(0);
  if (count == 0) return ctx.w.nullArray();
  Deferred d(ctx.w);
  size_t n = 0;
  s->range(start, end, rev, [&](const StreamEntryView& e) {
    replyEntry(d.w, e);
    ++n;
    return count < 0 || n < static_cast<size_t>(count);
  });
  d.flushArray(n);
}

}  // namespace

namespace cmd {

void xadd(CommandContext& ctx) {
  AddTrimArgs a;
  const long idpos = parseAddOrTrim(ctx, a, true);
  if (idpos < 0) return;
  const size_t fieldPos = static_cast<size_t>(idpos) + 1;
  const size_t nf = ctx.argc() > fieldPos ? ctx.argc() - fieldPos : 0;
  if (nf < 2 || nf % 2 == 1) return replyArity(ctx.w, "xadd");
  if (a.idGiven && a.seqGiven && a.id.isZero()) {
    return ctx.w.error("ERR The ID specified in XADD must be greater than 0-0");
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Entry* e = nullptr;
  StreamObject* s = lookupStream(ctx, key, wrong, &e, false);
  if (wrong) return;
  if (s == nullptr) {
    if (a.noMkstream) return ctx.w.null();
    e = createTyped(ctx, key, ValueType::kStream, s);
  }
  const StreamID last = s->lastId();
  if (last == StreamID::max()) {
    return ctx.w.error(
        "ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamID id;
  bool ok = true;
  if (a.idGiven) {
    if (a.seqGiven) {
      id = a.id;
    } else if (last.ms == a.id.ms) {
      if (last.seq == UINT64_MAX) {
        ok = false;
      } else {
        id = {last.ms, last.seq + 1};
      }
    } else {
      id = {a.id.ms, 0};
    }
  } else {
    const auto ms = static_cast<uint64_t>(nowMs());
    if (ms > last.ms) {
      id = {ms, 0};
    } else {
      id = last;
      id.incr();
    }
  }
  if (!ok || id <= last) {
    if (s->length() == 0 && s->groups().empty() && s->entriesAdded() == 0 && last.isZero()) {
      ctx.ks.erase(key);  // a stream just created for this XADD
    }
    return ctx.w.error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  s->append(id, &ctx.argv[fieldPos], nf);
  replyId(ctx.w, id);
  ctx.server.signalKeyReady(key);
  ctx.server.notifyKeyspaceEvent(notify::kStream, "xadd", key);
  if (a.strategy != Trim::kNone && applyTrim(s, a) > 0)
    ctx.server.notifyKeyspaceEvent(notify::kStream, "xtrim", key);
  ctx.ks.reaccount(e);
  if (ctx.server.propagationActive() && (!a.idGiven || !a.seqGiven || a.approx)) {
    std::vector<std::string_view> argv{"XADD", key};
    if (a.noMkstream) argv.push_back("NOMKSTREAM");
    std::string scratch;
    if (a.strategy != Trim::kNone) {
      if (a.approx) {
        pushExactTrim(argv, s, a, scratch);
      } else {
        pushTrimAsGiven(argv, ctx, a);
      }
    }
    const std::string idStr = id.str();
    argv.push_back(idStr);
    for (size_t i = fieldPos; i < ctx.argc(); ++i) argv.push_back(ctx.arg(i));
    ctx.server.propagateAs(argv);
  }
}

void xrange(CommandContext& ctx) {
  rangeGeneric(ctx, false);
}

void xrevrange(CommandContext& ctx) {
  rangeGeneric(ctx, true);
}

void xlen(CommandContext& ctx) {
  bool wrong = false;
  StreamObject* s = lookupStream(ctx, ctx.arg(1), wrong);
  if (wrong) return;
  ctx.w.integer(s ? static_cast<int64_t>(s->length()) : 0);
}

void xdel(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Entry* e = nullptr;
  StreamObject* s = lookupStream(ctx, key, wrong, &e, false);
  if (wrong) return;
  if (s == nullptr) return ctx.w.integer(0);
  std::vector<StreamID> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (!idOrReply(ctx, ctx.arg(j), ids[j - 2], 0, true)) return;
  }
  int64_t deleted = 0;
  for (const StreamID& id : ids) deleted += s->remove(id) ? 1 : 0;
  if (deleted) {
    ctx.ks.reaccount(e);
    ctx.server.notifyKeyspaceEvent(notify::kStream, "xdel", key);
  }
  ctx.w.integer(deleted);
}

void xtrim(CommandContext& ctx) {
  AddTrimArgs a;
  if (parseAddOrTrim(ctx, a, false) < 0) return;
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Entry* e = nullptr;
  StreamObject* s = lookupStream(ctx, key, wrong, &e, false);
  if (wrong) return;
  if (s == nullptr) return ctx.w.integer(0);
  const int64_t deleted = applyTrim(s, a);
  if (deleted) {
    ctx.ks.reaccount(e);
    ctx.server.notifyKeyspaceEvent(notify::kStream, "xtrim", key);
    if (ctx.server.propagationActive()) {
      std::vector<std::string_view> argv{"XTRIM", key};
      std::string scratch;
      if (a.approx) {
        pushExactTrim(argv, s, a, scratch);
      } else {
        pushTrimAsGiven(argv, ctx, a);
      }
      ctx.server.propagateAs(argv);
    }
  }
  ctx.w.integer(deleted);
}

void xsetid(CommandContext& ctx) {
  StreamID id, maxXdel;
  int64_t entriesAdded = -1;
  if (!idOrReply(ctx, ctx.arg(2), id, 0, true)) return;
  for (size_t i = 3; i < ctx.argc();) {
    const size_t more = ctx.argc() - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (equalsNoCase(opt, "entriesadded") && more) {
      if (!intArgOrReply(ctx, ctx.arg(i + 1), entriesAdded)) return;
      if (entriesAdded < 0) return ctx.w.error("ERR entries_added must be positive");
      i += 2;
    } else if (equalsNoCase(opt, "maxdeletedid") && more) {
      if (!idOrReply(ctx, ctx.arg(i + 1), maxXdel, 0, true)) return;
      if (id < maxXdel) {
        return ctx.w.error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      i += 2;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  bool wrong = false;
  Entry* e = nullptr;
  StreamObject* s = lookupStream(ctx, ctx.arg(1), wrong, &e, false);
  if (wrong) return;
  if (s == nullptr) return ctx.w.error("ERR no such key");
  // 7.0 does not compare the ID with the stream's current max_deleted_entry_id (only with the
  // MAXDELETEDID given, above, and the last live entry).
  if (s->length() > 0) {
    StreamID maxid;  // streamLastValidID: the last live entry, not last-generated-id
    s->edgeId(false, maxid);
    if (id < maxid) {
      return ctx.w.error(
          "ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entriesAdded != -1 && s->length() > static_cast<uint64_t>(entriesAdded)) {
      return ctx.w.error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->setLastId(id);
  if (entriesAdded != -1) s->setEntriesAdded(static_cast<uint64_t>(entriesAdded));
  if (!maxXdel.isZero()) s->setMaxDeletedId(maxXdel);
  ctx.ks.reaccount(e);
  ctx.server.notifyKeyspaceEvent(notify::kStream, "xsetid", ctx.arg(1));
  ctx.w.ok();
}

// xreadCommand (XREAD and XREADGROUP).
void xread(CommandContext& ctx) {
  const bool group = ctx.arg(0).size() == 10;
  int64_t timeout = -1;
  int64_t count = 0;
  size_t streamsArg = 0, streamsCount = 0;
  bool noack = false;
  std::string_view groupName, consumerName;
  bool haveGroup = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - i - 1;
    std::string_view o = ctx.arg(i);
    if (equalsNoCase(o, "block") && more) {
      ++i;
      if (!intArgOrReply(ctx, ctx.arg(i), timeout, "timeout is not an integer or out of range")) {
        return;
      }
      if (timeout < 0) return ctx.w.error("ERR timeout is negative");
      if (timeout > 0) {
        if (timeout > INT64_MAX - ctx.server.now()) {
          return ctx.w.error("ERR timeout is out of range");
        }
      }
    } else if (equalsNoCase(o, "count") && more) {
      ++i;
      if (!intArgOrReply(ctx, ctx.arg(i), count)) return;
      if (count < 0) count = 0;
    } else if (equalsNoCase(o, "streams") && more) {
      streamsArg = i + 1;
      streamsCount = ctx.argc() - streamsArg;
      if (streamsCount % 2 != 0) {
        // 7.0 answers XREADGROUP with the same XREAD / '$' text.
        return ctx.w.error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
      }
      streamsCount /= 2;
      break;
    } else if (equalsNoCase(o, "group") && more >= 2) {
      if (!group) {
        return ctx.w.error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      }
      groupName = ctx.arg(i + 1);
      consumerName = ctx.arg(i + 2);
      haveGroup = true;
      i += 2;
    } else if (equalsNoCase(o, "noack")) {
      if (!group) {
        return ctx.w.error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      }
      noack = true;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  if (streamsArg == 0) return ctx.w.error(errors::kSyntax);
  if (group && !haveGroup) return ctx.w.error("ERR Missing GROUP option for XREADGROUP");

  std::vector<StreamID> ids(streamsCount);
  std::vector<ConsumerGroup*> groups(streamsCount, nullptr);
  std::vector<bool> dollar(streamsCount, false);
  for (size_t i = streamsArg + streamsCount; i < ctx.argc(); ++i) {
    const size_t idx = i - streamsArg - streamsCount;
    const std::string_view key = ctx.arg(i - streamsCount);
    bool wrong = false;
    StreamObject* s = lookupStream(ctx, key, wrong);
    if (wrong) return;
    if (haveGroup) {
      ConsumerGroup* g = s ? s->findGroup(groupName) : nullptr;
      if (g == nullptr) {
        if (ctx.client.reprocessing) {
          // The group (or its stream) went away while this client was blocked on it.
          return ctx.w.error(
              "NOGROUP the consumer group this client was blocked on no longer exists");
        }
        return ctx.w.error("NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
                           std::string(groupName) + "' in XREADGROUP with GROUP option");
      }
      groups[idx] = g;
    }
    std::string_view arg = ctx.arg(i);
    if (arg == "$") {
      if (group) {
        return ctx.w.error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
      }
      ids[idx] = s ? s->lastId() : StreamID{};
      dollar[idx] = true;
      continue;
    }
    if (arg == ">") {
      if (!group) {
        return ctx.w.error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
      }
      ids[idx] = StreamID::max();
      continue;
    }
    if (!idOrReply(ctx, arg, ids[idx], 0, true)) return;
  }

  Deferred d(ctx.w);
  size_t arraylen = 0;
  // Served entries go to d.w; replyGroupRange writes through ctx.w, so point it at the buffer.
  CommandContext sub{ctx.server, ctx.client, ctx.ks, ctx.argv, d.w, ctx.def};
  for (size_t i = 0; i < streamsCount; ++i) {
    const std::string_view key = ctx.arg(streamsArg + i);
    Entry* e = nullptr;
    bool wrong = false;
    StreamObject* s = lookupStream(ctx, key, wrong, &e);
    if (s == nullptr) continue;
    StreamID gt = ids[i];
    bool serve = false, history = false;
    // Served at once only if an entry follows: 7.0 compares with the last live entry
    // (streamLastValidID), not last-generated-id, which XSETID can have moved past it.
    StreamID maxid;
    const bool any = s->length() && s->edgeId(false, maxid);
    if (haveGroup) {
      if (gt != StreamID::max()) {
        serve = history = true;
      } else if (any && maxid > groups[i]->lastId) {
        serve = true;
        gt = groups[i]->lastId;
      }
    } else if (any && maxid > gt) {
      serve = true;
    }
    if (!serve) continue;
    ++arraylen;
    StreamID start = gt;
    start.incr();
    if (ctx.client.protocol() == resp::Protocol::kResp2) d.w.arrayHeader(2);
    d.w.bulk(key);
    if (haveGroup) {
      ConsumerGroup* g = groups[i];
      StreamConsumer* consumer = g->findConsumer(consumerName);
      if (consumer == nullptr) {
        consumer = g->createConsumer(consumerName, ctx.server.now());
        ctx.server.notifyKeyspaceEvent(notify::kStream, "xgroup-createconsumer", key);
        // With NOACK no XCLAIM will carry the new consumer to replicas (7.0 propagates it).
        if (noack && ctx.server.propagationActive()) {
          ctx.server.propagateAs({"XGROUP", "CREATECONSUMER", key, groupName, consumerName});
        }
      }
      consumer->seenTime = ctx.server.now();
      replyGroupRange(sub, key, groupName, s, g, consumer, start, static_cast<size_t>(count), noack,
                      history);
      ctx.ks.reaccount(e);
    } else {
      Deferred inner(d.w);
      size_t n = 0;
      s->range(start, StreamID::max(), false, [&](const StreamEntryView& en) {
        replyEntry(inner.w, en);
        ++n;
        return count == 0 || n < static_cast<size_t>(count);
      });
      inner.flushArray(n);
    }
  }
  // A group read propagates only the XCLAIM / XGROUP forms it emitted (7.0's
  // preventCommandPropagation), never itself.
  if (haveGroup) ctx.server.preventPropagation();
  if (arraylen) {
    if (ctx.client.protocol() == resp::Protocol::kResp2) {
      d.flushArray(arraylen);
    } else {
      d.flushMap(arraylen);
    }
    return;
  }
  if (timeout != -1) {
    if (ctx.client.reprocessing) {
      ctx.client.stillBlocked = true;
      return;
    }
    // Park with $ resolved to the last ID seen now (Redis blocks for IDs, not for "$").
    std::vector<std::string> owned(ctx.argv.begin(), ctx.argv.end());
    for (size_t i = 0; i < streamsCount; ++i) {
      if (dollar[i]) owned[streamsArg + streamsCount + i] = ids[i].str();
    }
    std::vector<std::string_view> argv(owned.begin(), owned.end());
    std::vector<std::string> keys;
    for (size_t i = 0; i < streamsCount; ++i) keys.emplace_back(ctx.arg(streamsArg + i));
    const int64_t deadline = timeout > 0 ? ctx.server.now() + timeout : 0;
    ctx.server.blockClient(ctx.client, argv, std::move(keys), deadline);
    return;
  }
  ctx.w.nullArray();
}

void xreadgroup(CommandContext& ctx) {
  xread(ctx);
}

}  // namespace cmd

}  // namespace strata::node
