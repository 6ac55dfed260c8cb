// ACL SETUSER / GETUSER / DELUSER / USERS / LIST / WHOAMI / CAT / GENPASS / DRYRUN / LOG / LOAD /
// SAVE / HELP with redis-server 7.0's replies and error texts; the users and their rules live in
// server/acl.h.
#include <openssl/rand.h>

#include <string>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/server/acl.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

// Disconnects the clients authenticated as `user` (the calling one after its reply), as
// Redis's ACLFreeUserAndKillClients.
void killClientsOf(CommandContext& ctx, const AclUser* user) {
  std::vector<Client*> victims;
  for (const auto& [id, c] : ctx.server.clients()) {
    if (c->user.get() == user) victims.push_back(c);
  }
  for (Client* c : victims) {
    if (c == &ctx.client) {
      c->closeAfterReply();
    } else {
      c->close("its ACL user was deleted");
    }
  }
}

// ACLKillPubsubClientsIfNeeded: a client of `user` subscribed to a channel, shard channel or
// pattern the new rules no longer allow is disconnected (the calling one after its reply).
void killSubscribersNoLongerAllowed(CommandContext& ctx, const AclUser& user) {
  if (user.allChannels) return;
  std::vector<Client*> victims;
  for (const auto& [id, c] : ctx.server.clients()) {
    if (c->user.get() != &user) continue;
    const ClientSession& s = c->session;
    bool ok = true;
    for (const auto& ch : s.channels) ok = ok && Acl::channelAllowed(user, ch, false);
    for (const auto& ch : s.shardChannels) ok = ok && Acl::channelAllowed(user, ch, false);
    for (const auto& p : s.patterns) ok = ok && Acl::channelAllowed(user, p, true);
    if (!ok) victims.push_back(c);
  }
  for (Client* c : victims) {
    if (c == &ctx.client) {
      c->closeAfterReply();
    } else {
      c->close("its ACL user lost a channel it is subscribed to");
    }
  }
}

}  // namespace

namespace cmd {

void aclSetuser(CommandContext& ctx) {
  if (aclHasSpaces(ctx.arg(2))) {
    ctx.w.error("ERR Usernames can't contain spaces or null characters");
    return;
  }
  std::vector<std::string_view> rules(ctx.argv.begin() + 3, ctx.argv.end());
  if (auto error = ctx.server.acl().setUser(ctx.arg(2), rules)) {
    ctx.w.error(*error);
    return;
  }
  killSubscribersNoLongerAllowed(ctx, *ctx.server.acl().find(ctx.arg(2)));
  ctx.w.ok();
}

void aclGetuser(CommandContext& ctx) {
  const Acl& acl = ctx.server.acl();
  auto u = acl.find(ctx.arg(2));
  if (!u) {
    ctx.w.null();
    return;
  }
  resp::Writer& w = ctx.w;
  w.mapHeader(6);
  w.bulk("flags");
  std::vector<std::string_view> flags;
  flags.push_back(u->enabled ? "on" : "off");
  if (u->nopass) flags.push_back("nopass");
  if (u->skipSanitizePayload) flags.push_back("skip-sanitize-payload");
  if (u->sanitizePayload) flags.push_back("sanitize-payload");
  w.arrayHeader(flags.size());
  for (auto f : flags) w.bulk(f);
  w.bulk("passwords");
  w.arrayHeader(u->passwords.size());
  for (const auto& p : u->passwords) w.bulk(p);
  w.bulk("commands");
  w.bulk(acl.describeCommands(*u));
  w.bulk("keys");
  w.bulk(Acl::describeKeys(*u));
  w.bulk("channels");
  w.bulk(Acl::describeChannels(*u));
  w.bulk("selectors");
  w.arrayHeader(u->selectors.size());
  for (const AclSelector& s : u->selectors) {
    w.mapHeader(3);
    w.bulk("commands");
    w.bulk(acl.describeCommands(s));
    w.bulk("keys");
    w.bulk(Acl::describeKeys(s));
    w.bulk("channels");
    w.bulk(Acl::describeChannels(s));
  }
}

void aclDeluser(CommandContext& ctx) {
  Acl& acl = ctx.server.acl();
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (ctx.arg(j) == "default") {
      ctx.w.error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  int64_t deleted = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    auto u = acl.find(ctx.arg(j));
    if (!u || !acl.deleteUser(ctx.arg(j))) continue;
    killClientsOf(ctx, u.get());
    ++deleted;
  }
  ctx.w.integer(deleted);
}

void aclUsers(CommandContext& ctx) {
  const auto& users = ctx.server.acl().users();
  ctx.w.arrayHeader(users.size());
  for (const auto& [name, u] : users) ctx.w.bulk(name);
}

void aclList(CommandContext& ctx) {
  const Acl& acl = ctx.server.acl();
  ctx.w.arrayHeader(acl.users().size());
  for (const auto& [name, u] : acl.users()) ctx.w.bulk(acl.describe(*u));
}

void aclWhoami(CommandContext& ctx) {
  ctx.w.bulk(ctx.client.user->name);
}

void aclCat(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.w.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(ctx.arg(1)) + "'. Try ACL HELP.");
    return;
  }
  if (ctx.argc() == 2) {
    ctx.w.arrayHeader(std::size(kAclCategories));
    for (auto c : kAclCategories) ctx.w.bulk(c);
    return;
  }
  const uint32_t bit = aclCategoryBit(ctx.arg(2));
  if (bit == 0) {
    ctx.w.error("ERR Unknown category '" + std::string(ctx.arg(2)) + "'");
    return;
  }
  std::vector<std::string_view> names;
  for (const CommandDef* def : ctx.server.commands().byAclId()) {
    if (def->aclCategoryBits & bit) names.push_back(def->name);
  }
  ctx.w.arrayHeader(names.size());
  for (auto n : names) ctx.w.bulk(n);
}

void aclGenpass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argc() > 3) {
    ctx.w.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(ctx.arg(1)) + "'. Try ACL HELP.");
    return;
  }
  if (ctx.argc() == 3 && !intArgOrReply(ctx, ctx.arg(2), bits)) return;
  if (bits <= 0 || bits > 4096) {
    ctx.w.error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
        "number up to 4096");
    return;
  }
  const size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string bytes((chars + 1) / 2, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(chars);
  for (size_t i = 0; i < chars; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i / 2]);
    out += kHex[i % 2 ? (b & 15) : (b >> 4)];
  }
  ctx.w.bulk(out);
}

void aclDryrun(CommandContext& ctx) {
  const Acl& acl = ctx.server.acl();
  auto u = acl.find(ctx.arg(2));
  if (!u) {
    ctx.w.error("ERR User '" + std::string(ctx.arg(2)) + "' not found");
    return;
  }
  const std::vector<std::string_view> argv(ctx.argv.begin() + 3, ctx.argv.end());
  const CommandDef* def = ctx.server.commands().find(argv[0]);
  if (def != nullptr && !def->subcommands.empty() && argv.size() >= 2) {
    def = CommandTable::findSub(*def, argv[1]);
  }
  if (def == nullptr) {
    ctx.w.error("ERR Command '" + std::string(argv[0]) + "' not found");
    return;
  }
  const int argc = static_cast<int>(argv.size());
  if ((def->arity > 0 && argc != def->arity) || argc < -def->arity) {
    ctx.w.error("ERR wrong number of arguments for '" + std::string(def->name) + "' command");
    return;
  }
  size_t pos = 0;
  switch (acl.check(*u, *def, argv, pos)) {
    case Acl::Verdict::kOk:
      ctx.w.ok();
      break;
    case Acl::Verdict::kCommand:
      ctx.w.bulk("This user has no permissions to run the '" + std::string(def->name) +
                 "' command");
      break;
    case Acl::Verdict::kKey:
      ctx.w.bulk("This user has no permissions to access the '" + std::string(argv[pos]) + "' key");
      break;
    case Acl::Verdict::kChannel:
      ctx.w.bulk("This user has no permissions to access the '" + std::string(argv[pos]) +
                 "' channel");
      break;
  }
}

void aclLog(CommandContext& ctx) {
  Acl& acl = ctx.server.acl();
  int64_t count = 10;
  if (ctx.argc() > 3) {
    ctx.w.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(ctx.arg(1)) + "'. Try ACL HELP.");
    return;
  }
  if (ctx.argc() == 3) {
    if (equalsNoCase(ctx.arg(2), "reset")) {
      acl.resetLog();
      ctx.w.ok();
      return;
    }
    if (!intArgOrReply(ctx, ctx.arg(2), count)) return;
    if (count < 0) count = 0;
  }
  const auto& entries = acl.logEntries();
  const size_t n = std::min(entries.size(), static_cast<size_t>(count));
  const int64_t now = nowMs();
  ctx.w.arrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const AclLogEntry& e = entries[i];
    ctx.w.mapHeader(7);
    ctx.w.bulk("count");
    ctx.w.integer(static_cast<int64_t>(e.count));
    ctx.w.bulk("reason");
    ctx.w.bulk(e.reason);
    ctx.w.bulk("context");
    ctx.w.bulk(e.context);
    ctx.w.bulk("object");
    ctx.w.bulk(e.object);
    ctx.w.bulk("username");
    ctx.w.bulk(e.username);
    ctx.w.bulk("age-seconds");
    ctx.w.doubleValue(static_cast<double>(now - e.createdMs) / 1000.0);
    ctx.w.bulk("client-info");
    ctx.w.bulk(e.clientInfo);
  }
}

void aclLoad(CommandContext& ctx) {
  const std::string& path = ctx.server.settings().aclfile;
  if (path.empty()) {
    ctx.w.error(kNoAclFile);
    return;
  }
  Acl& acl = ctx.server.acl();
  if (auto error = acl.loadFile(path)) {
    ctx.w.error(*error);
    return;
  }
  // As 7.0: every user object was replaced, so their clients are disconnected (the default
  // user's object is kept).
  std::vector<Client*> victims;
  for (const auto& [id, c] : ctx.server.clients()) {
    if (c->user != acl.defaultUser()) victims.push_back(c);
  }
  for (Client* c : victims) {
    if (c == &ctx.client) {
      c->closeAfterReply();
    } else {
      c->close("ACL LOAD replaced its user");
    }
  }
  ctx.w.ok();
}

void aclSave(CommandContext& ctx) {
  const std::string& path = ctx.server.settings().aclfile;
  if (path.empty()) {
    ctx.w.error(kNoAclFile);
    return;
  }
  if (auto error = ctx.server.acl().saveFile(path)) {
    ctx.w.error(*error);
    return;
  }
  ctx.w.ok();
}

void aclHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the "
      "command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ctx.w.arrayHeader(std::size(kLines));
  for (auto line : kLines) ctx.w.simpleString(line);
}

}  // namespace cmd

}  // namespace strata::node
