// COMMAND and its subcommands (COUNT, INFO, DOCS, GETKEYS, LIST, HELP), rendered from the command
// table in Redis 7.0's format; the proxy reads key specs from here.
#include <algorithm>

#include "common/config/glob.h"
#include "common/config/value_parsers.h"
#include "node/commands/handlers.h"
#include "node/server/command_keys.h"
#include "node/server/server.h"

namespace strata::node {

namespace cmd {

void command(CommandContext& ctx) {
  const auto& all = ctx.server.commands().all();
  ctx.w.arrayHeader(all.size());
  for (const auto& def : all) CommandTable::writeInfo(ctx.w, def);
}

void commandCount(CommandContext& ctx) {
  ctx.w.integer(static_cast<int64_t>(ctx.server.commands().all().size()));
}

void commandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) return command(ctx);
  ctx.w.arrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    const CommandDef* def = nullptr;
    size_t bar = name.find('|');
    if (bar == std::string_view::npos) {
      def = ctx.server.commands().find(name);
    } else if (const CommandDef* parent = ctx.server.commands().find(name.substr(0, bar))) {
      def = CommandTable::findSub(*parent, name.substr(bar + 1));
    }
    if (def) {
      CommandTable::writeInfo(ctx.w, *def);
    } else {
      ctx.w.nullArray();
    }
  }
}

void commandDocs(CommandContext& ctx) {
  const auto& table = ctx.server.commands();
  std::vector<const CommandDef*> defs;
  if (ctx.argc() == 2) {
    for (const auto& d : table.all()) defs.push_back(&d);
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandDef* d = table.find(ctx.arg(i))) defs.push_back(d);
    }
  }
  ctx.w.mapHeader(defs.size());
  for (const CommandDef* d : defs) {
    ctx.w.bulk(d->name);
    CommandTable::writeDocs(ctx.w, *d);
  }
}

namespace {

// COMMAND GETKEYS / GETKEYSANDFLAGS <full-command>: the keys (with their flags) as Redis 7.0's
// getKeysSubcommandImpl: unknown command, then no keys at all, then arity, then the keys; none
// found is an error unless the command's keys are optional (EVAL with numkeys 0).
void replyKeys(CommandContext& ctx, bool withFlags) {
  std::vector<std::string_view> argv(ctx.argv.begin() + 2, ctx.argv.end());
  const CommandDef* def = ctx.server.commands().find(argv[0]);
  if (def && !def->subcommands.empty() && argv.size() >= 2) {
    def = CommandTable::findSub(*def, argv[1]);
  }
  if (def == nullptr) {
    ctx.w.error("ERR Invalid command specified");
    return;
  }
  if (!commandHasKeys(*def)) {
    ctx.w.error("ERR The command has no key arguments");
    return;
  }
  const int argc = static_cast<int>(argv.size());
  if ((def->arity > 0 && argc != def->arity) || argc < -def->arity) {
    ctx.w.error("ERR Invalid number of arguments specified for command");
    return;
  }
  const KeyRefs keys = keysWithSpecs(*def, argv);
  if (keys.empty() && !def->hasFlag("no_mandatory_keys")) {
    ctx.w.error("ERR Invalid arguments specified for command");
    return;
  }
  ctx.w.arrayHeader(keys.size());
  for (const KeyRef& k : keys) {
    if (!withFlags) {
      ctx.w.bulk(argv[k.pos]);
      continue;
    }
    ctx.w.arrayHeader(2);
    ctx.w.bulk(argv[k.pos]);
    ctx.w.setHeader(k.flags->size());
    for (std::string_view f : *k.flags) ctx.w.simpleString(f);
  }
}

}  // namespace

void commandGetkeys(CommandContext& ctx) {
  replyKeys(ctx, false);
}

void commandGetkeysandflags(CommandContext& ctx) {
  replyKeys(ctx, true);
}

void commandList(CommandContext& ctx) {
  std::string_view pattern;
  if (ctx.argc() == 5 && config::equalsNoCase(ctx.arg(2), "filterby") &&
      config::equalsNoCase(ctx.arg(3), "pattern")) {
    pattern = ctx.arg(4);
  } else if (ctx.argc() != 2) {
    ctx.w.error("ERR syntax error");
    return;
  }
  std::vector<std::string_view> names;
  for (const auto& d : ctx.server.commands().all()) {
    if (pattern.empty() || config::globMatch(pattern, d.name, true)) names.push_back(d.name);
    for (const auto& sub : d.subcommands) {
      if (pattern.empty() || config::globMatch(pattern, sub.name, true)) names.push_back(sub.name);
    }
  }
  ctx.w.arrayHeader(names.size());
  for (auto n : names) ctx.w.bulk(n);
}

void commandHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
  };
  replyHelp(ctx, "COMMAND", kLines);
}

}  // namespace cmd

}  // namespace strata::node
