// CLIENT PAUSE/UNPAUSE/REPLY/UNBLOCK/NO-EVICT with Redis 7.0's replies and errors. The pause
// machinery is server/client_pause.cpp, CLIENT REPLY's output suppression ClientSession
// (server/txpubsub.h, applied by Client::processInput), CLIENT UNBLOCK's wake-up
// Server::unblockFromCommand (server/blocking.cpp).
#include <cctype>
#include <string>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

// addReplySubcommandSyntaxError.
void subcommandSyntaxError(CommandContext& ctx) {
  std::string cmd(ctx.arg(0));
  for (char& c : cmd) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.w.error("ERR unknown subcommand or wrong number of arguments for '" +
              std::string(ctx.arg(1).substr(0, 128)) + "'. Try " + cmd + " HELP.");
}

}  // namespace

namespace cmd {

void clientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) return subcommandSyntaxError(ctx);
  PauseType type = PauseType::kAll;
  if (ctx.argc() == 4) {
    if (equalsNoCase(ctx.arg(3), "write")) {
      type = PauseType::kWrite;
    } else if (!equalsNoCase(ctx.arg(3), "all")) {
      ctx.w.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  }
  int64_t ms = 0;
  if (!parseInt64(ctx.arg(2), ms)) {
    ctx.w.error("ERR timeout is not an integer or out of range");
    return;
  }
  if (ms < 0) {
    ctx.w.error("ERR timeout is negative");
    return;
  }
  const int64_t now = nowMs();
  if (ms > 0 && ms > INT64_MAX - now) {
    ctx.w.error("ERR timeout is out of range");
    return;
  }
  ctx.server.pauseClients(type, ms > 0 ? now + ms : 0);
  ctx.w.ok();
}

void clientUnpause(CommandContext& ctx) {
  ctx.server.unpauseClients();
  ctx.w.ok();
}

void clientReply(CommandContext& ctx) {
  ClientSession& s = ctx.client.session;
  std::string_view mode = ctx.arg(2);
  if (equalsNoCase(mode, "on")) {
    s.replySkip = s.replyOff = false;
    ctx.w.ok();
  } else if (equalsNoCase(mode, "off")) {
    s.replyOff = true;
  } else if (equalsNoCase(mode, "skip")) {
    if (!s.replyOff) s.replySkipNext = true;
  } else {
    ctx.w.error(errors::kSyntax);
  }
}

void clientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) return subcommandSyntaxError(ctx);
  bool error = false;
  if (ctx.argc() == 4) {
    if (equalsNoCase(ctx.arg(3), "error")) {
      error = true;
    } else if (!equalsNoCase(ctx.arg(3), "timeout")) {
      ctx.w.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  int64_t id = 0;
  if (!intArgOrReply(ctx, ctx.arg(2), id)) return;
  const auto& clients = ctx.server.clients();
  auto it = id > 0 ? clients.find(static_cast<uint64_t>(id)) : clients.end();
  // A client held by CLIENT PAUSE is not blocked on keys: 0 (7.0.15 would crash here).
  const bool done = it != clients.end() && ctx.server.unblockFromCommand(*it->second, error);
  ctx.w.integer(done ? 1 : 0);
}

void clientNoEvict(CommandContext& ctx) {
  if (equalsNoCase(ctx.arg(2), "on")) {
    ctx.client.session.noEvict = true;
  } else if (equalsNoCase(ctx.arg(2), "off")) {
    ctx.client.session.noEvict = false;
  } else {
    ctx.w.error(errors::kSyntax);
    return;
  }
  ctx.w.ok();
}

}  // namespace cmd

}  // namespace strata::node
