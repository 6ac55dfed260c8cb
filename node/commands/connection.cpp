// Connection commands: PING, ECHO, HELLO (RESP3 switch), AUTH, SELECT, QUIT, RESET and CLIENT
// SETNAME/GETNAME/ID/LIST/INFO/KILL/HELP, byte-exact with Redis 7.0
// (users and passwords: server/acl.h).
#include <string>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "common/resp/hello_reply.h"
#include "node/commands/handlers.h"
#include "node/server/acl.h"
#include "node/server/auth_guard.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

// AUTH / HELLO AUTH against the ACL users (server/acl.h): on success the client runs as the
// user; a failure is logged in ACL LOG (reason auth) and delayed by the AuthGuard.
bool authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  Acl& acl = ctx.server.acl();
  if (auto u = acl.authenticate(user, password)) {
    ctx.client.user = std::move(u);
    ctx.client.setAuthenticated(true);
    return true;
  }
  const int64_t now = ctx.server.now();
  acl.log("auth", ctx.client.session.multi ? "multi" : "toplevel", ctx.arg(0), user,
          ctx.client.infoLine(now), now, static_cast<size_t>(ctx.server.settings().acllogMaxLen));
  ctx.w.error(errors::kWrongPass);
  ctx.server.authGuard().failed(ctx.client);  // counted, logged, answered after a delay
  return false;
}

// clientSetName's validation; false (error written) if the name is invalid.
bool validName(CommandContext& ctx, std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') {
      ctx.w.error("ERR Client names cannot contain spaces, newlines or special characters.");
      return false;
    }
  }
  return true;
}

void writeLines(CommandContext& ctx, std::string text) {
  ctx.w.verbatim("txt", text);
}

}  // namespace

namespace cmd {

void ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    replyArity(ctx.w, ctx.def.name);
    return;
  }
  if (inPubsubContext(ctx.client)) {  // RESP2 subscriber: ["pong", arg or ""]
    ctx.w.arrayHeader(2);
    ctx.w.bulk("pong");
    ctx.w.bulk(ctx.argc() == 1 ? std::string_view() : ctx.arg(1));
  } else if (ctx.argc() == 1) {
    ctx.w.simpleString("PONG");
  } else {
    ctx.w.bulk(ctx.arg(1));
  }
}

void echo(CommandContext& ctx) {
  ctx.w.bulk(ctx.arg(1));
}

void hello(CommandContext& ctx) {
  int64_t ver = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    if (!intArgOrReply(ctx, ctx.arg(next++), ver,
                       "Protocol version is not an integer or out of range")) {
      return;
    }
    if (ver < 2 || ver > 3) {
      ctx.w.error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view user, pass, name;
  bool hasAuth = false, hasName = false;
  for (size_t j = next; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - 1 - j;
    if (equalsNoCase(ctx.arg(j), "AUTH") && more >= 2) {
      user = ctx.arg(j + 1);
      pass = ctx.arg(j + 2);
      hasAuth = true;
      j += 2;
    } else if (equalsNoCase(ctx.arg(j), "SETNAME") && more >= 1) {
      name = ctx.arg(j + 1);
      hasName = true;
      ++j;
    } else {
      ctx.w.error("ERR Syntax error in HELLO option '" + std::string(ctx.arg(j)) + "'");
      return;
    }
  }
  if (hasAuth && !authenticate(ctx, user, pass)) return;
  if (!ctx.client.authenticated) {
    ctx.w.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client "
        "and select the RESP protocol version at the same time");
    return;
  }
  if (hasName) {
    if (!validName(ctx, name)) return;
    ctx.client.name = std::string(name);
  }
  if (ver) ctx.client.setProtocol(ver == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2);
  resp::writeHelloReply(ctx.w, ctx.client.protocol() == resp::Protocol::kResp3 ? 3 : 2,
                        static_cast<int64_t>(ctx.client.id()),
                        ctx.server.settings().clusterEnabled ? "cluster" : "standalone",
                        ctx.server.isReplica() ? "replica" : "master");
}

void auth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.w.error(errors::kSyntax);
    return;
  }
  std::string_view user = "default", pass;
  if (ctx.argc() == 2) {
    if (ctx.server.acl().defaultUser()->nopass) {
      ctx.w.error(
          "ERR AUTH <password> called without any password configured for the default "
          "user. Are you sure your configuration is correct?");
      return;
    }
    pass = ctx.arg(1);
  } else {
    user = ctx.arg(1);
    pass = ctx.arg(2);
  }
  if (authenticate(ctx, user, pass)) ctx.w.ok();
}

void select(CommandContext& ctx) {
  int64_t id = 0;
  if (!intArgOrReply(ctx, ctx.arg(1), id)) return;
  if (id < INT32_MIN || id > INT32_MAX) {
    ctx.w.error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return;
  }
  if (ctx.server.settings().clusterEnabled && id != 0) {
    ctx.w.error(errors::kSelectNotAllowed);
    return;
  }
  if (id != 0) {
    ctx.w.error("ERR DB index is out of range");
    return;
  }
  ctx.w.ok();
}

void quit(CommandContext& ctx) {
  ctx.w.ok();
  ctx.client.closeAfterReply();
}

void reset(CommandContext& ctx) {
  ctx.server.resetSession(ctx.client);  // MULTI, WATCH, subscriptions, CLIENT REPLY OFF
  ctx.client.name.clear();
  ctx.client.setProtocol(resp::Protocol::kResp2);
  ctx.client.user = ctx.server.acl().defaultUser();  // clientSetDefaultAuth
  ctx.client.setAuthenticated(ctx.client.user->nopass && ctx.client.user->enabled);
  ctx.w.simpleString("RESET");
}

void clientSetname(CommandContext& ctx) {
  if (!validName(ctx, ctx.arg(2))) return;
  ctx.client.name = std::string(ctx.arg(2));
  ctx.w.ok();
}

void clientGetname(CommandContext& ctx) {
  if (ctx.client.name.empty()) {
    ctx.w.null();
  } else {
    ctx.w.bulk(ctx.client.name);
  }
}

void clientId(CommandContext& ctx) {
  ctx.w.integer(static_cast<int64_t>(ctx.client.id()));
}

void clientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  enum { kAny, kNormal, kPubsub } type = kAny;  // subscribed clients are of type pubsub
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (equalsNoCase(ctx.arg(j), "type") && j + 1 < ctx.argc()) {
      std::string_view t = ctx.arg(++j);
      if (!equalsNoCase(t, "normal") && !equalsNoCase(t, "master") && !equalsNoCase(t, "replica") &&
          !equalsNoCase(t, "slave") && !equalsNoCase(t, "pubsub")) {
        ctx.w.error("ERR Unknown client type '" + std::string(t) + "'");
        return;
      }
      if (equalsNoCase(t, "pubsub")) {
        type = kPubsub;
      } else if (equalsNoCase(t, "normal")) {
        type = kNormal;
      } else {
        writeLines(ctx, "");
        return;
      }
    } else if (equalsNoCase(ctx.arg(j), "id") && j + 1 < ctx.argc()) {
      for (++j; j < ctx.argc(); ++j) {
        int64_t id = 0;
        if (!parseInt64(ctx.arg(j), id) || id <= 0) {
          ctx.w.error("ERR Invalid client ID");
          return;
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  std::string out;
  for (const auto& [id, c] : ctx.server.clients()) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (type != kAny && c->session.pubsub != (type == kPubsub)) continue;
    out += c->infoLine(ctx.server.now());
    out += '\n';
  }
  writeLines(ctx, std::move(out));
}

void clientInfo(CommandContext& ctx) {
  writeLines(ctx, ctx.client.infoLine(ctx.server.now()) + "\n");
}

void clientKill(CommandContext& ctx) {
  std::vector<Client*> victims;
  if (ctx.argc() == 3) {
    // Old form: CLIENT KILL addr:port.
    for (const auto& [id, c] : ctx.server.clients()) {
      if (c->peer() == ctx.arg(2)) victims.push_back(c);
    }
    if (victims.empty()) {
      ctx.w.error("ERR No such client");
      return;
    }
    for (Client* c : victims) {
      if (c == &ctx.client) {
        c->closeAfterReply();
      } else {
        c->close("killed");
      }
    }
    ctx.w.ok();
    return;
  }
  uint64_t id = 0;
  std::string_view addr, laddr;
  bool skipme = true;
  bool typeMatchesNone = false;
  int wantPubsub = -1;            // TYPE normal: 0, TYPE pubsub: 1
  std::shared_ptr<AclUser> user;  // USER <name>
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) {
      ctx.w.error(errors::kSyntax);
      return;
    }
    std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
    if (equalsNoCase(opt, "id")) {
      int64_t v = 0;
      if (!parseInt64(val, v) || v <= 0) {
        ctx.w.error("ERR client-id should be greater than 0");
        return;
      }
      id = static_cast<uint64_t>(v);
    } else if (equalsNoCase(opt, "addr")) {
      addr = val;
    } else if (equalsNoCase(opt, "laddr")) {
      laddr = val;
    } else if (equalsNoCase(opt, "type")) {
      if (equalsNoCase(val, "normal")) {
        wantPubsub = 0;
      } else if (equalsNoCase(val, "pubsub")) {
        wantPubsub = 1;
      } else if (equalsNoCase(val, "master") || equalsNoCase(val, "replica") ||
                 equalsNoCase(val, "slave")) {
        typeMatchesNone = true;
      } else {
        ctx.w.error("ERR Unknown client type '" + std::string(val) + "'");
        return;
      }
    } else if (equalsNoCase(opt, "user")) {
      user = ctx.server.acl().find(val);
      if (!user) {
        ctx.w.error("ERR No such user '" + std::string(val) + "'");
        return;
      }
    } else if (equalsNoCase(opt, "skipme")) {
      if (equalsNoCase(val, "yes")) {
        skipme = true;
      } else if (equalsNoCase(val, "no")) {
        skipme = false;
      } else {
        ctx.w.error(errors::kSyntax);
        return;
      }
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  int64_t killed = 0;
  if (!typeMatchesNone) {
    for (const auto& [cid, c] : ctx.server.clients()) {
      if (id && cid != id) continue;
      if (!addr.empty() && c->peer() != addr) continue;
      if (!laddr.empty() && c->local() != laddr) continue;
      if (skipme && c == &ctx.client) continue;
      if (wantPubsub >= 0 && c->session.pubsub != (wantPubsub == 1)) continue;
      if (user && c->user != user) continue;
      victims.push_back(c);
    }
  }
  for (Client* c : victims) {
    if (c == &ctx.client) {
      c->closeAfterReply();
    } else {
      c->close("killed");
    }
    ++killed;
  }
  ctx.w.integer(killed);
}

void clientHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
  };
  replyHelp(ctx, "CLIENT", kLines);
}

}  // namespace cmd

}  // namespace strata::node
