// Helpers shared by the sorted set command files (zsets.cpp: single-key commands and pops;
// zset_ranges.cpp: ZRANGE and the range counts/removals; zset_setops.cpp: ZUNION/ZINTER/ZDIFF):
// typed lookups, the limits from the settings, Redis 7.0's argument parsers (scores, score and
// lex ranges) and the reply shapes of (member, score) lists. Event-loop thread only.
#pragma once

#include <cstdint>
#include <string_view>

#include "node/commands/collections.h"
#include "node/keyspace/zset.h"

namespace strata::node {

inline constexpr ValueType kZSet = ValueType::kZSet;

// lookupKeyRead / lookupKeyWrite + checkType (WRONGTYPE written, `wrong` set).
inline ZSetObject* readZSet(CommandContext& ctx, std::string_view key, bool& wrong,
                            Entry** e = nullptr) {
  return lookupTyped<ZSetObject>(ctx, key, kZSet, wrong, e);
}
inline ZSetObject* writeZSet(CommandContext& ctx, std::string_view key, bool& wrong,
                             Entry** e = nullptr) {
  return lookupTyped<ZSetObject>(ctx, key, kZSet, wrong, e, false);
}

// zset-max-listpack-entries / -value from the settings.
ZSetLimits zsetLimits(CommandContext& ctx);

// getDoubleFromObject: strtod over the whole argument, no leading space, no NaN, no overflow.
bool parseScore(std::string_view s, double& out);
// getDoubleFromObjectOrReply: "ERR value is not a valid float" (or "ERR <msg>").
bool scoreArgOrReply(CommandContext& ctx, std::string_view s, double& out,
                     std::string_view msg = {});
// zslParseRange / zslParseLexRange: false on a malformed bound (the caller writes the error).
bool parseScoreRange(std::string_view min, std::string_view max, ScoreRange& out);
bool parseLexRange(std::string_view min, std::string_view max, LexRange& out);

// Replies of (member, score) lists: RESP2 one flat array (member, score, ...), RESP3 an array of
// [member, score] pairs when `withscores`; plain members otherwise.
void scoredHeader(resp::Writer& w, size_t n, bool withscores);
void scoredItem(resp::Writer& w, std::string_view member, double score, bool withscores);

// Stores `sorted` under `dst` (ZRANGESTORE, Z*STORE): replaces any value and its TTL, or deletes
// `dst` when empty; wakes clients blocked on `dst`; replies with the cardinality. `event`: the
// keyspace event of a store (Redis's: the command's name; GEO's "georadiusstore").
void storeSortedResult(CommandContext& ctx, std::string_view dst, std::string_view event,
                       const std::vector<std::pair<std::string, double>>& sorted);

}  // namespace strata::node
