// Persistence commands: BGREWRITEAOF, SAVE, BGSAVE (the AOF, its rewrite and the RDB snapshots
// live in node/persistence/).
#include "node/persistence/persistence.h"
#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/persistence/rdb_snapshots.h"
#include "node/server/server.h"

namespace strata::node::cmd {

void bgrewriteaof(CommandContext& ctx) {
  bool ok = false;
  std::string reply = ctx.server.persistence().bgrewriteaof(ok);
  if (!ok) return ctx.w.error(reply);
  ctx.w.simpleString(reply);
}

void save(CommandContext& ctx) {
  RdbSnapshots& rdb = ctx.server.persistence().rdb();
  if (rdb.inProgress()) return ctx.w.error("ERR Background save already in progress");
  if (!rdb.saveCommand()) return ctx.w.error("ERR");
  ctx.w.ok();
}

void bgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() != 2 || !config::equalsNoCase(ctx.arg(1), "schedule")) {
      return ctx.w.error(errors::kSyntax);
    }
    schedule = true;
  }
  bool ok = false;
  const std::string reply = ctx.server.persistence().rdb().bgsave(schedule, ok);
  if (!ok) return ctx.w.error(reply);
  ctx.w.simpleString(reply);
}

}  // namespace strata::node::cmd
