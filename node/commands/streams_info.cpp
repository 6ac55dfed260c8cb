// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS and XINFO HELP, with Redis 7.0's
// fields and order (maps in RESP3). radix-tree-keys is the number of packed nodes (Redis's
// listpacks); radix-tree-nodes is what Redis's rax would hold for those node keys (16-byte
// big-endian IDs), computed by walking the keys as a compressed trie. Event-loop thread only.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/config/value_parsers.h"
#include "node/commands/collections.h"
#include "node/commands/streams_common.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;
using namespace streams;

using Key = std::array<unsigned char, 16>;

Key raxKey(StreamID id) {
  Key k;
  for (int i = 0; i < 8; ++i) {
    k[i] = static_cast<unsigned char>(id.ms >> (56 - 8 * i));
    k[8 + i] = static_cast<unsigned char>(id.seq >> (56 - 8 * i));
  }
  return k;
}

// Nodes of a rax holding keys[lo, hi) below a node at `depth` (the keys share depth bytes).
size_t raxNodes(const std::vector<Key>& keys, size_t lo, size_t hi, size_t depth) {
  size_t count = 1;
  if (depth == 16) return count;  // a key node (leaf)
  // Children: distinct bytes at `depth`.
  if (keys[lo][depth] == keys[hi - 1][depth]) {
    // One child: a compressed run down to where the keys diverge (or end).
    size_t t = depth;
    while (t < 16 && keys[lo][t] == keys[hi - 1][t]) ++t;
    return count + raxNodes(keys, lo, hi, t);
  }
  size_t i = lo;
  while (i < hi) {
    size_t j = i;
    while (j < hi && keys[j][depth] == keys[i][depth]) ++j;
    count += raxNodes(keys, i, j, depth + 1);
    i = j;
  }
  return count;
}

void replyLag(resp::Writer& w, const StreamObject* s, const ConsumerGroup& g) {
  const std::optional<int64_t> lag = s->groupLag(g);
  if (!lag) {
    w.null();
  } else {
    w.integer(*lag);
  }
}

void replyEntriesRead(resp::Writer& w, const ConsumerGroup& g) {
  if (g.entriesRead == kInvalidEntriesRead) {
    w.null();
  } else {
    w.integer(g.entriesRead);
  }
}

StreamObject* infoLookup(CommandContext& ctx) {
  bool wrong = false;
  StreamObject* s = lookupStream(ctx, ctx.arg(2), wrong);
  if (wrong) return nullptr;
  if (s == nullptr) ctx.w.error("ERR no such key");
  return s;
}

}  // namespace

size_t streamRaxNodes(const std::vector<StreamID>& nodeKeys) {
  if (nodeKeys.empty()) return 1;
  std::vector<Key> keys;
  keys.reserve(nodeKeys.size());
  for (StreamID id : nodeKeys) keys.push_back(raxKey(id));
  return raxNodes(keys, 0, keys.size(), 0);
}

namespace cmd {

void xinfoStream(CommandContext& ctx) {
  StreamObject* s = infoLookup(ctx);
  if (s == nullptr) return;
  const size_t optc = ctx.argc() - 3;
  bool full = false;
  int64_t count = 10;
  if (optc != 0) {
    if (optc != 1 && optc != 3) return replySubcommandSyntax(ctx);
    if (!equalsNoCase(ctx.arg(3), "full")) return replySubcommandSyntax(ctx);
    full = true;
    if (optc == 3) {
      if (!equalsNoCase(ctx.arg(4), "count")) return replySubcommandSyntax(ctx);
      if (!intArgOrReply(ctx, ctx.arg(5), count)) return;
      if (count < 0) count = 10;
    }
  }
  resp::Writer& w = ctx.w;
  w.mapHeader(full ? 9 : 10);
  w.bulk("length");
  w.integer(static_cast<int64_t>(s->length()));
  w.bulk("radix-tree-keys");
  w.integer(static_cast<int64_t>(s->nodeCount()));
  w.bulk("radix-tree-nodes");
  w.integer(static_cast<int64_t>(streamRaxNodes(s->nodeKeys())));
  w.bulk("last-generated-id");
  replyId(w, s->lastId());
  w.bulk("max-deleted-entry-id");
  replyId(w, s->maxDeletedId());
  w.bulk("entries-added");
  w.integer(static_cast<int64_t>(s->entriesAdded()));
  w.bulk("recorded-first-entry-id");
  replyId(w, s->firstId());
  if (!full) {
    w.bulk("groups");
    w.integer(static_cast<int64_t>(s->groups().size()));
    for (bool rev : {false, true}) {
      w.bulk(rev ? "last-entry" : "first-entry");
      bool emitted = false;
      s->range(StreamID::min(), StreamID::max(), rev, [&](const StreamEntryView& e) {
        replyEntry(w, e);
        emitted = true;
        return false;
      });
      if (!emitted) w.null();
    }
    return;
  }
  w.bulk("entries");
  {
    Deferred d(w);
    size_t n = 0;
    s->range(StreamID::min(), StreamID::max(), false, [&](const StreamEntryView& e) {
      replyEntry(d.w, e);
      ++n;
      return count == 0 || n < static_cast<size_t>(count);
    });
    d.flushArray(n);
  }
  w.bulk("groups");
  w.arrayHeader(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    w.mapHeader(7);
    w.bulk("name");
    w.bulk(name);
    w.bulk("last-delivered-id");
    replyId(w, g->lastId);
    w.bulk("entries-read");
    replyEntriesRead(w, *g);
    w.bulk("lag");
    replyLag(w, s, *g);
    w.bulk("pel-count");
    w.integer(static_cast<int64_t>(g->pel.size()));
    w.bulk("pending");
    {
      size_t n = count == 0 ? g->pel.size() : std::min(g->pel.size(), static_cast<size_t>(count));
      w.arrayHeader(n);
      auto it = g->pel.begin();
      for (size_t i = 0; i < n; ++i, ++it) {
        w.arrayHeader(4);
        replyId(w, it->first);
        w.bulk(it->second.consumer->name);
        w.integer(it->second.deliveryTime);
        w.integer(static_cast<int64_t>(it->second.deliveryCount));
      }
    }
    w.bulk("consumers");
    w.arrayHeader(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      w.mapHeader(4);
      w.bulk("name");
      w.bulk(cname);
      w.bulk("seen-time");
      w.integer(c->seenTime);
      w.bulk("pel-count");
      w.integer(static_cast<int64_t>(c->pel.size()));
      w.bulk("pending");
      size_t n = count == 0 ? c->pel.size() : std::min(c->pel.size(), static_cast<size_t>(count));
      w.arrayHeader(n);
      auto it = c->pel.begin();
      for (size_t i = 0; i < n; ++i, ++it) {
        const StreamNACK& nack = g->pel.at(*it);
        w.arrayHeader(3);
        replyId(w, *it);
        w.integer(nack.deliveryTime);
        w.integer(static_cast<int64_t>(nack.deliveryCount));
      }
    }
  }
}

void xinfoGroups(CommandContext& ctx) {
  StreamObject* s = infoLookup(ctx);
  if (s == nullptr) return;
  resp::Writer& w = ctx.w;
  w.arrayHeader(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    w.mapHeader(6);
    w.bulk("name");
    w.bulk(name);
    w.bulk("consumers");
    w.integer(static_cast<int64_t>(g->consumers.size()));
    w.bulk("pending");
    w.integer(static_cast<int64_t>(g->pel.size()));
    w.bulk("last-delivered-id");
    replyId(w, g->lastId);
    w.bulk("entries-read");
    replyEntriesRead(w, *g);
    w.bulk("lag");
    replyLag(w, s, *g);
  }
}

void xinfoConsumers(CommandContext& ctx) {
  StreamObject* s = infoLookup(ctx);
  if (s == nullptr) return;
  ConsumerGroup* g = s->findGroup(ctx.arg(3));
  if (g == nullptr) {
    return ctx.w.error("NOGROUP No such consumer group '" + std::string(ctx.arg(3)) +
                       "' for key name '" + std::string(ctx.arg(2)) + "'");
  }
  const int64_t now = nowMs();
  resp::Writer& w = ctx.w;
  w.arrayHeader(g->consumers.size());
  for (const auto& [name, c] : g->consumers) {
    w.mapHeader(3);
    w.bulk("name");
    w.bulk(name);
    w.bulk("pending");
    w.integer(static_cast<int64_t>(c->pel.size()));
    w.bulk("idle");
    w.integer(std::max<int64_t>(0, now - c->seenTime));
  }
}

void xinfoHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
  };
  replyHelp(ctx, "XINFO", kLines);
}

}  // namespace cmd

}  // namespace strata::node
