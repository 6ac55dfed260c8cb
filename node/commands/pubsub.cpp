// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB
// CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB/HELP, byte-exact with Redis 7.0 in RESP2
// (arrays) and RESP3 (push frames). Registries and delivery: server/pubsub.cpp. Confirmations
// are pushes: they are sent even under CLIENT REPLY OFF, like 7.0.
#include <algorithm>

#include "common/config/glob.h"
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// One confirmation: [kind, name (nil when none), count].
void confirm(CommandContext& ctx, std::string_view kind, const std::string_view* name,
             size_t count) {
  std::string& out = ctx.client.out();
  ctx.client.session.beginPush(out);
  ctx.w.pushHeader(3);
  ctx.w.bulk(kind);
  if (name) {
    ctx.w.bulk(*name);
  } else {
    ctx.w.null();
  }
  ctx.w.integer(static_cast<int64_t>(count));
  ctx.client.session.endPush(out.size());
}

size_t countFor(const ClientSession& s, PubsubKind kind) {
  return kind == PubsubKind::kShard ? s.shardChannels.size() : s.subscriptionCount();
}

void subscribeMany(CommandContext& ctx, PubsubKind kind, std::string_view reply) {
  ClientSession& s = ctx.client.session;
  for (size_t j = 1; j < ctx.argc(); ++j) {
    std::string_view name = ctx.arg(j);
    subscribe(ctx.server, ctx.client, name, kind);
    confirm(ctx, reply, &name, countFor(s, kind));
  }
  s.pubsub = true;
}

void unsubscribeMany(CommandContext& ctx, PubsubKind kind, std::string_view reply) {
  ClientSession& s = ctx.client.session;
  if (ctx.argc() > 1) {
    for (size_t j = 1; j < ctx.argc(); ++j) {
      std::string_view name = ctx.arg(j);
      unsubscribe(ctx.server, ctx.client, name, kind);
      confirm(ctx, reply, &name, countFor(s, kind));
    }
  } else {
    std::vector<std::string> names;
    if (kind == PubsubKind::kPattern) {
      names = s.patterns;
    } else {
      const StringSet& set = kind == PubsubKind::kShard ? s.shardChannels : s.channels;
      names.assign(set.begin(), set.end());
    }
    for (const auto& n : names) {
      unsubscribe(ctx.server, ctx.client, n, kind);
      std::string_view name = n;
      confirm(ctx, reply, &name, countFor(s, kind));
    }
    if (names.empty()) confirm(ctx, reply, nullptr, countFor(s, kind));
  }
  if (s.subscriptionCount() + s.shardChannels.size() == 0) s.pubsub = false;
}

// PUBSUB's own arity check: "unknown subcommand or wrong number of arguments for '<sub>'".
bool pubsubArgsOk(CommandContext& ctx, size_t maxArgc) {
  if (ctx.argc() <= maxArgc) return true;
  std::string cmd(ctx.arg(0));
  for (char& c : cmd) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.w.error("ERR unknown subcommand or wrong number of arguments for '" +
              std::string(ctx.arg(1).substr(0, 128)) + "'. Try " + cmd + " HELP.");
  return false;
}

void listChannels(CommandContext& ctx, const StringMap<std::vector<Client*>>& map) {
  if (!pubsubArgsOk(ctx, 3)) return;
  std::vector<std::string_view> names;
  for (const auto& [name, clients] : map) {
    if (ctx.argc() == 2 || config::globMatch(ctx.arg(2), name)) names.push_back(name);
  }
  ctx.w.arrayHeader(names.size());
  for (std::string_view n : names) ctx.w.bulk(n);
}

void countSubscribers(CommandContext& ctx, const StringMap<std::vector<Client*>>& map) {
  ctx.w.arrayHeader((ctx.argc() - 2) * 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    auto it = map.find(ctx.arg(j));
    ctx.w.bulk(ctx.arg(j));
    ctx.w.integer(it == map.end() ? 0 : static_cast<int64_t>(it->second.size()));
  }
}

}  // namespace

namespace cmd {

void subscribe(CommandContext& ctx) {
  subscribeMany(ctx, PubsubKind::kChannel, "subscribe");
}

void psubscribe(CommandContext& ctx) {
  subscribeMany(ctx, PubsubKind::kPattern, "psubscribe");
}

void ssubscribe(CommandContext& ctx) {
  // 7.0 lets SUBSCRIBE/PSUBSCRIBE run inside EXEC (old behaviour) but not SSUBSCRIBE.
  if (ctx.server.inExec()) {
    ctx.w.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  subscribeMany(ctx, PubsubKind::kShard, "ssubscribe");
}

void unsubscribe(CommandContext& ctx) {
  unsubscribeMany(ctx, PubsubKind::kChannel, "unsubscribe");
}

void punsubscribe(CommandContext& ctx) {
  unsubscribeMany(ctx, PubsubKind::kPattern, "punsubscribe");
}

void sunsubscribe(CommandContext& ctx) {
  unsubscribeMany(ctx, PubsubKind::kShard, "sunsubscribe");
}

void publish(CommandContext& ctx) {
  size_t receivers = ctx.server.publishLocal(ctx.arg(1), ctx.arg(2), false);
  ctx.server.clusterPublish(ctx.arg(1), ctx.arg(2), false);
  ctx.w.integer(static_cast<int64_t>(receivers));
}

void spublish(CommandContext& ctx) {
  size_t receivers = ctx.server.publishLocal(ctx.arg(1), ctx.arg(2), true);
  ctx.server.clusterPublish(ctx.arg(1), ctx.arg(2), true);
  ctx.w.integer(static_cast<int64_t>(receivers));
}

void pubsubChannels(CommandContext& ctx) {
  listChannels(ctx, ctx.server.txps().channels);
}

void pubsubShardchannels(CommandContext& ctx) {
  listChannels(ctx, ctx.server.txps().shardChannels);
}

void pubsubNumpat(CommandContext& ctx) {
  ctx.w.integer(static_cast<int64_t>(ctx.server.txps().patterns.size()));
}

void pubsubNumsub(CommandContext& ctx) {
  countSubscribers(ctx, ctx.server.txps().channels);
}

void pubsubShardnumsub(CommandContext& ctx) {
  countSubscribers(ctx, ctx.server.txps().shardChannels);
}

void pubsubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: "
      "'*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
  };
  replyHelp(ctx, "PUBSUB", kLines);
}

}  // namespace cmd

}  // namespace strata::node
