// SLOWLOG GET [count] / LEN / RESET / HELP with Redis 7.0's replies. The log itself is kept by
// Server::slowlogRecord (server/slowlog.cpp).
#include <algorithm>

#include "node/commands/handlers.h"
#include "node/server/server.h"

namespace strata::node::cmd {

void slowlogGet(CommandContext& ctx) {
  const auto& log = ctx.server.txps().slowlog;
  int64_t count = 10;
  if (ctx.argc() > 3) {
    ctx.w.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(ctx.arg(1).substr(0, 128)) + "'. Try SLOWLOG HELP.");
    return;
  }
  if (ctx.argc() == 3) {
    if (!parseInt64(ctx.arg(2), count) || count < -1) {
      ctx.w.error("ERR count should be greater than or equal to -1");
      return;
    }
    if (count == -1) count = static_cast<int64_t>(log.size());
  }
  const size_t n = std::min(log.size(), static_cast<size_t>(count));
  ctx.w.arrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowlogEntry& e = log[i];
    ctx.w.arrayHeader(6);
    ctx.w.integer(e.id);
    ctx.w.integer(e.time);
    ctx.w.integer(e.duration);
    ctx.w.arrayHeader(e.argv.size());
    for (const auto& a : e.argv) ctx.w.bulk(a);
    ctx.w.bulk(e.peer);
    ctx.w.bulk(e.name);
  }
}

void slowlogLen(CommandContext& ctx) {
  ctx.w.integer(static_cast<int64_t>(ctx.server.txps().slowlog.size()));
}

void slowlogReset(CommandContext& ctx) {
  ctx.server.txps().slowlog.clear();
  ctx.w.ok();
}

void slowlogHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
  };
  replyHelp(ctx, "SLOWLOG", kLines);
}

}  // namespace strata::node::cmd
