// Helpers shared by the command families: Redis's integer parsing and its error replies, the
// HELP reply of the commands with subcommands, and the read lookups that count keyspace hits and
// misses.
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/server/server.h"

namespace strata::node {

bool parseInt64(std::string_view s, int64_t& out) {
  return parseCanonicalInt(s, out);
}

bool intArgOrReply(CommandContext& ctx, std::string_view s, int64_t& out, std::string_view error) {
  if (parseInt64(s, out)) return true;
  if (error.empty()) {
    ctx.w.error(errors::kNotInteger);
  } else {
    ctx.w.error(std::string("ERR ") + std::string(error));
  }
  return false;
}

void replyArity(resp::Writer& w, std::string_view name) {
  w.error("ERR wrong number of arguments for '" + std::string(name) + "' command");
}

void replyUnknownCommand(resp::Writer& w, const std::vector<std::string_view>& argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
    size_t room = 128 - args.size();
    args += "'";
    args += argv[i].substr(0, room);
    args += "' ";
  }
  w.error("ERR unknown command '" + std::string(argv[0].substr(0, 128)) +
          "', with args beginning with: " + args);
}

void replyUnknownCommand(CommandContext& ctx) {
  replyUnknownCommand(ctx.w, ctx.argv);
}

void replyHelp(CommandContext& ctx, std::string_view command,
               std::span<const std::string_view> lines) {
  ctx.w.arrayHeader(lines.size() + 3);
  ctx.w.simpleString(std::string(command) +
                     " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : lines) ctx.w.simpleString(line);
  ctx.w.simpleString("HELP");
  ctx.w.simpleString("    Prints this help.");
}

Entry* lookupRead(CommandContext& ctx, std::string_view key, unsigned flags) {
  Entry* e = (flags & kLookupNoTouch) ? ctx.ks.peek(key) : ctx.ks.find(key);
  if (e) {
    ctx.server.stats().keyspaceHits++;
  } else {
    ctx.server.stats().keyspaceMisses++;
    if (!(flags & kLookupNoNotify)) {
      ctx.server.notifyKeyspaceEvent(notify::kKeyMiss, "keymiss", key);
    }
  }
  return e;
}

bool stringOrReply(CommandContext& ctx, std::string_view key, int64_t missing, char (&scratch)[24],
                   std::string_view& out) {
  Entry* e = lookupRead(ctx, key);
  if (e == nullptr) {
    ctx.w.integer(missing);
    return false;
  }
  if (!e->isString()) {
    ctx.w.error(errors::kWrongType);
    return false;
  }
  out = e->stringView(scratch);
  return true;
}

}  // namespace strata::node
