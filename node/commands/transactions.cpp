// MULTI, EXEC, DISCARD, WATCH, UNWATCH with Redis 7.0's replies. Queueing happens in
// Server::transactionGate (server/transactions.cpp); EXEC runs each queued command through
// Server::call() (slow log, statistics and propagation per command, Server::inExec() set), with
// blocking commands answering as on timeout instead of blocking.
#include "node/commands/handlers.h"
#include "node/server/acl.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// execCommand's re-check: the user's rules may have changed since the command was queued.
// Refused: Redis 7.0's -NOPERM reply in the EXEC array and an ACL LOG entry (context multi).
bool aclStillAllows(Server& server, Client& c, const CommandDef& def,
                    const std::vector<std::string_view>& argv) {
  size_t pos = 0;
  const Acl::Verdict v = server.acl().check(*c.user, def, argv, pos);
  if (v == Acl::Verdict::kOk) return true;
  server.acl().log(Acl::reasonName(v), "multi", v == Acl::Verdict::kCommand ? def.name : argv[pos],
                   c.user->name, c.infoLine(server.now()), server.now(),
                   static_cast<size_t>(server.settings().acllogMaxLen));
  const std::string_view reason =
      v == Acl::Verdict::kCommand ? "no permission to execute the command or subcommand"
      : v == Acl::Verdict::kKey   ? "no permission to touch the specified keys"
                                  : "no permission to access one of the channels used as arguments";
  const size_t before = c.out().size();
  c.writer().error(
      "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
      "call. This command is no longer allowed for the following reason: " +
      std::string(reason));
  server.countIfErrorReply(c, before);
  return false;
}

}  // namespace

namespace cmd {

void multi(CommandContext& ctx) {
  ClientSession& s = ctx.client.session;
  if (s.multi) {
    ctx.w.error("ERR MULTI calls can not be nested");
    return;
  }
  s.multi = true;
  ctx.w.ok();
}

void exec(CommandContext& ctx) {
  Client& c = ctx.client;
  ClientSession& s = c.session;
  Server& server = ctx.server;
  if (!s.multi) {
    ctx.w.error("ERR EXEC without MULTI");
    return;
  }
  if (!s.dirtyCas && watchedKeyExpired(server, c)) s.dirtyCas = true;
  if (s.execAbort || s.dirtyCas) {
    if (s.execAbort) {
      ctx.w.error("EXECABORT Transaction discarded because of previous errors.");
    } else {
      ctx.w.nullArray();
    }
    discardTransaction(server, c);
    return;
  }
  unwatchAllKeys(server, c);  // as Redis: no watched key can abort it any more
  TxPubSub& tx = server.txps();
  tx.inExec = true;
  ctx.w.arrayHeader(s.queued.size());
  std::vector<std::string_view> argv;
  // By index: a command may close this client (output limits), which clears the queue.
  for (size_t j = 0; j < s.queued.size() && !c.closed(); ++j) {
    const ClientSession::Queued& q = s.queued[j];
    argv.assign(q.argv.begin(), q.argv.end());
    if (!c.user->unrestricted && !aclStillAllows(server, c, *q.def, argv)) continue;
    server.call(c, *q.def, argv);
  }
  tx.inExec = false;
  discardTransaction(server, c);
}

void discard(CommandContext& ctx) {
  if (!ctx.client.session.multi) {
    ctx.w.error("ERR DISCARD without MULTI");
    return;
  }
  discardTransaction(ctx.server, ctx.client);
  ctx.w.ok();
}

void watch(CommandContext& ctx) {
  ClientSession& s = ctx.client.session;
  if (s.multi) {
    ctx.w.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  // Already dirty: EXEC will fail whatever else is watched.
  if (!s.dirtyCas) {
    for (size_t j = 1; j < ctx.argc(); ++j) watchKey(ctx.server, ctx.client, ctx.arg(j));
  }
  ctx.w.ok();
}

void unwatch(CommandContext& ctx) {
  unwatchAllKeys(ctx.server, ctx.client);
  ctx.client.session.dirtyCas = false;
  ctx.w.ok();
}

}  // namespace cmd

}  // namespace strata::node
