// The shared helpers of the container families, see collections.h.
#include "node/commands/collections.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string>

#include "common/config/glob.h"
#include "common/config/value_parsers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

void finishWrite(CommandContext& ctx, std::string_view key, Entry* e, size_t size) {
  if (size == 0) {
    ctx.ks.erase(key);
    ctx.server.notifyKeyspaceEvent(notify::kGeneric, "del", key);  // after the command's event
  } else {
    ctx.ks.reaccount(e);
  }
}

bool rangeArgOrReply(CommandContext& ctx, std::string_view s, int64_t min, int64_t max,
                     int64_t& out, std::string_view msg) {
  if (!intArgOrReply(ctx, s, out, msg)) return false;
  if (out < min || out > max) {
    if (!msg.empty()) {
      ctx.w.error("ERR " + std::string(msg));
    } else {
      ctx.w.error("ERR value is out of range, value must between " + std::to_string(min) + " and " +
                  std::to_string(max));
    }
    return false;
  }
  return true;
}

bool positiveArgOrReply(CommandContext& ctx, std::string_view s, int64_t& out,
                        std::string_view msg) {
  // getPositiveLongFromObjectOrReply: one message for both a non-integer and a negative.
  if (msg.empty()) msg = "value is out of range, must be positive";
  return rangeArgOrReply(ctx, s, 0, INT64_MAX, out, msg);
}

bool scanCursorOrReply(CommandContext& ctx, std::string_view s, uint64_t& cursor) {
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  cursor = std::strtoull(buf.c_str(), &end, 10);
  if (buf.empty() || std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
      errno == ERANGE) {
    ctx.w.error("ERR invalid cursor");
    return false;
  }
  return true;
}

bool scanOptionsOrReply(CommandContext& ctx, std::string_view& pattern, bool& usePattern,
                        size_t* countOut) {
  usePattern = false;
  if (countOut) *countOut = 10;
  for (size_t i = 3; i < ctx.argc();) {
    size_t left = ctx.argc() - i;
    if (config::equalsNoCase(ctx.arg(i), "count") && left >= 2) {
      int64_t count = 0;
      if (!intArgOrReply(ctx, ctx.arg(i + 1), count)) return false;
      if (count < 1) {
        ctx.w.error(errors::kSyntax);
        return false;
      }
      if (countOut) *countOut = static_cast<size_t>(count);
      i += 2;
    } else if (config::equalsNoCase(ctx.arg(i), "match") && left >= 2) {
      pattern = ctx.arg(i + 1);
      usePattern = !(pattern.size() == 1 && pattern[0] == '*');
      i += 2;
    } else {
      ctx.w.error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

bool scanMatches(std::string_view pattern, bool usePattern, std::string_view s) {
  return !usePattern || config::globMatch(pattern, s, false);
}

std::mt19937_64& collectionRng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

bool mpopNumkeysOrReply(CommandContext& ctx, size_t numkeysIdx, int64_t& numkeys) {
  if (!rangeArgOrReply(ctx, ctx.arg(numkeysIdx), 1, INT64_MAX, numkeys,
                       "numkeys should be greater than 0")) {
    return false;
  }
  if (numkeys >= static_cast<int64_t>(ctx.argc() - numkeysIdx - 1)) {
    ctx.w.error(errors::kSyntax);
    return false;
  }
  return true;
}

bool mpopCountOrReply(CommandContext& ctx, size_t from, int64_t& count) {
  count = -1;
  for (size_t j = from; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    if (count == -1 && config::equalsNoCase(ctx.arg(j), "count") && more) {
      ++j;
      if (!rangeArgOrReply(ctx, ctx.arg(j), 1, INT64_MAX, count,
                           "count should be greater than 0")) {
        return false;
      }
    } else {
      ctx.w.error(errors::kSyntax);
      return false;
    }
  }
  if (count == -1) count = 1;
  return true;
}

bool blockTimeoutOrReply(CommandContext& ctx, std::string_view s, int64_t& deadline) {
  long double t = 0;
  if (!parseLongDouble(s, t) || std::isnan(t) || std::isinf(t)) {
    ctx.w.error("ERR timeout is not a float or out of range");
    return false;
  }
  long double ms = t * 1000.0L;
  if (ms < 0) {
    ctx.w.error("ERR timeout is negative");
    return false;
  }
  if (ms > static_cast<long double>(INT64_MAX / 2)) {
    ctx.w.error("ERR timeout is out of range");
    return false;
  }
  // Rounded up, as Redis 7.0 (ceill): 0.001 s is 0.99999... ms in binary and must not truncate
  // to 0, which means "block forever" (BullMQ's BZPOPMIN marker 0.001 hung until its watchdog).
  deadline = static_cast<int64_t>(std::ceil(ms));
  if (deadline > 0) deadline += ctx.server.now();
  return true;
}

void blockOrStay(CommandContext& ctx, std::vector<std::string> keys, int64_t deadline) {
  if (ctx.client.reprocessing) {
    ctx.client.stillBlocked = true;
    return;
  }
  ctx.server.blockClient(ctx.client, ctx.argv, std::move(keys), deadline);
}

}  // namespace strata::node
