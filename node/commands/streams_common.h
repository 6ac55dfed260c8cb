// Helpers shared by the stream command files (streams.cpp: XADD/XRANGE/XREAD/XTRIM/XDEL/XSETID;
// streams_groups.cpp: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM; streams_info.cpp:
// XINFO): ID arguments with Redis's error texts, entry replies, a deferred-length reply buffer,
// the consumer-group read (streamReplyWithRange with a group) and the propagation forms Redis
// 7.0 uses for groups (XCLAIM ... FORCE JUSTID LASTID, XGROUP SETID ... ENTRIESREAD).
// Event-loop thread only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/keyspace/stream.h"

namespace strata::node::streams {

inline constexpr std::string_view kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";

// streamParseIDOrReply / streamParseStrictIDOrReply.
bool idOrReply(CommandContext& ctx, std::string_view s, StreamID& out, uint64_t missingSeq,
               bool strict = false);
// streamParseIntervalIDOrReply: "(" exclusive bounds, then incr/decr with its own errors.
bool intervalStartOrReply(CommandContext& ctx, std::string_view s, StreamID& out);
bool intervalEndOrReply(CommandContext& ctx, std::string_view s, StreamID& out);

// The stream under `key`: nullptr if absent; `wrong` set (WRONGTYPE written) for another type.
StreamObject* lookupStream(CommandContext& ctx, std::string_view key, bool& wrong,
                           Entry** entryOut = nullptr, bool read = true);

void replyId(resp::Writer& w, StreamID id);
// [id, [field, value, ...]]
void replyEntry(resp::Writer& w, const StreamEntryView& e);

// Collects replies whose count is known only at the end (Redis's deferred lengths).
class Deferred {
 public:
  explicit Deferred(resp::Writer& parent) : parent_(parent), w(buf_, parent.protocol()) {}
  void flushArray(size_t n) {
    parent_.arrayHeader(n);
    parent_.buffer().append(buf_);
  }
  void flushMap(size_t n) {
    parent_.mapHeader(n);
    parent_.buffer().append(buf_);
  }

 private:
  resp::Writer& parent_;
  std::string buf_;

 public:
  resp::Writer w;
};

// streamReplyWithRange with a group (XREADGROUP): emits the array of delivered entries for
// [start, +inf) (history: the consumer's PEL from start), updates the group, PELs and
// propagation. count 0 = no limit.
void replyGroupRange(CommandContext& ctx, std::string_view key, std::string_view groupName,
                     StreamObject* s, ConsumerGroup* g, StreamConsumer* consumer, StreamID start,
                     size_t count, bool noack, bool history);

// Propagation forms (streamPropagateXCLAIM / streamPropagateGroupID).
void propagateXclaim(CommandContext& ctx, std::string_view key, std::string_view group,
                     const ConsumerGroup& g, StreamID id, const StreamNACK& nack);
void propagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group,
                      const ConsumerGroup& g);

// The node count of Redis's rax holding these stream node keys (XINFO radix-tree-nodes).
}  // namespace strata::node::streams
namespace strata::node {
size_t streamRaxNodes(const std::vector<StreamID>& nodeKeys);
}  // namespace strata::node
namespace strata::node::streams {

// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP."
void replySubcommandSyntax(CommandContext& ctx);

}  // namespace strata::node::streams
