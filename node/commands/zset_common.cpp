// The sorted set commands' shared helpers, see zset_common.h.
#include "node/commands/zset_common.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "node/server/server.h"

namespace strata::node {

ZSetLimits zsetLimits(CommandContext& ctx) {
  const NodeSettings& s = ctx.server.settings();
  return {static_cast<size_t>(s.zsetMaxListpackEntries),
          static_cast<size_t>(s.zsetMaxListpackValue)};
}

bool parseScore(std::string_view s, double& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  out = v;
  return true;
}

bool scoreArgOrReply(CommandContext& ctx, std::string_view s, double& out, std::string_view msg) {
  if (parseScore(s, out)) return true;
  if (msg.empty()) {
    ctx.w.error("ERR value is not a valid float");
  } else {
    ctx.w.error("ERR " + std::string(msg));
  }
  return false;
}

namespace {

// One bound of zslParseRange: strtod over the C string (so "" is 0 and a NUL ends it), '('
// making it exclusive.
bool parseScoreItem(std::string_view s, double& v, bool& ex) {
  std::string buf(s);
  const char* p = buf.c_str();
  ex = false;
  if (p[0] == '(') {
    ex = true;
    ++p;
  }
  char* end = nullptr;
  v = std::strtod(p, &end);
  return end[0] == '\0' && !std::isnan(v);
}

// zslParseLexRangeItem.
bool parseLexItem(std::string_view s, LexRange::Kind& kind, std::string_view& v, bool& ex) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
    case '-':
      if (s.size() > 1 && s[1] != '\0') return false;
      kind = s[0] == '+' ? LexRange::kPlusInf : LexRange::kMinusInf;
      ex = true;
      return true;
    case '(':
    case '[':
      kind = LexRange::kValue;
      ex = s[0] == '(';
      v = s.substr(1);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool parseScoreRange(std::string_view min, std::string_view max, ScoreRange& out) {
  return parseScoreItem(min, out.min, out.minex) && parseScoreItem(max, out.max, out.maxex);
}

bool parseLexRange(std::string_view min, std::string_view max, LexRange& out) {
  return parseLexItem(min, out.minKind, out.min, out.minex) &&
         parseLexItem(max, out.maxKind, out.max, out.maxex);
}

void scoredHeader(resp::Writer& w, size_t n, bool withscores) {
  w.arrayHeader(withscores && w.protocol() == resp::Protocol::kResp2 ? n * 2 : n);
}

void scoredItem(resp::Writer& w, std::string_view member, double score, bool withscores) {
  if (withscores && w.protocol() == resp::Protocol::kResp3) w.arrayHeader(2);
  w.bulk(member);
  if (withscores) w.doubleValue(score);
}

void storeSortedResult(CommandContext& ctx, std::string_view dst, std::string_view event,
                       const std::vector<std::pair<std::string, double>>& sorted) {
  if (sorted.empty()) {
    if (ctx.ks.erase(dst)) ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", dst);
    return ctx.w.integer(0);
  }
  auto obj = ZSetObject::fromSorted(sorted, zsetLimits(ctx));
  const Encoding enc = obj->encoding();
  ctx.ks.set(dst, Value::object(kZSet, enc, std::move(obj)));
  ctx.server.notifyKeyspaceEvent(notify::kZset, event, dst);
  ctx.server.signalKeyReady(dst);
  ctx.w.integer(static_cast<int64_t>(sorted.size()));
}

}  // namespace strata::node
