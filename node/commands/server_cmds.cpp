// Server commands: INFO (Redis's sections and field names), CONFIG GET/SET/RESETSTAT through
// the config registry, TIME, LASTSAVE, SHUTDOWN and DEBUG SLEEP.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <optional>
#include <string>
#include <thread>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "common/net/open_files.h"
#include "node/commands/handlers.h"
#include "node/persistence/persistence.h"
#include "node/persistence/rdb_snapshots.h"
#include "node/replication/replication.h"
#include "node/server/acl.h"
#include "node/server/client.h"
#include "node/server/command_stats.h"
#include "node/server/config_apply.h"
#include "node/server/eviction.h"
#include "node/server/node_tls.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

void field(std::string& out, std::string_view name, const std::string& value) {
  out.append(name).append(":").append(value).append("\r\n");
}
template <class T>
void field(std::string& out, std::string_view name, T value) {
  field(out, name, std::to_string(value));
}

std::string infoText(CommandContext& ctx, const std::vector<std::string>& wanted) {
  Server& s = ctx.server;
  const auto& st = s.stats();
  auto want = [&](std::string_view section, bool inDefault) {
    if (wanted.empty()) return inDefault;
    for (const auto& w : wanted) {
      if (equalsNoCase(w, section) || equalsNoCase(w, "all") || equalsNoCase(w, "everything") ||
          (equalsNoCase(w, "default") && inDefault)) {
        return true;
      }
    }
    return false;
  };
  std::string out;
  auto section = [&](std::string_view title) {
    if (!out.empty()) out += "\r\n";
    out.append("# ").append(title).append("\r\n");
  };
  int64_t now = s.now();
  if (want("server", true)) {
    section("Server");
    field(out, "redis_version", std::string("7.0.15"));
    field(out, "strata_version", std::string("0.1.0"));
    field(out, "redis_mode", std::string(s.settings().clusterEnabled ? "cluster" : "standalone"));
    field(out, "os", std::string("Linux"));
    field(out, "arch_bits", 64);
    field(out, "multiplexing_api", std::string("epoll"));
    field(out, "process_id", static_cast<int64_t>(getpid()));
    field(out, "tcp_port", s.boundPort());
    field(out, "server_time_usec", nowUs());
    field(out, "uptime_in_seconds", (now - s.startMs()) / 1000);
    field(out, "uptime_in_days", (now - s.startMs()) / 86400000);
    field(out, "hz", s.hz());
    field(out, "configured_hz", s.settings().hz);
    field(out, "lru_clock", ctx.ks.lruClock());
    field(out, "executable", std::string(""));
    field(out, "config_file", std::string(""));
  }
  if (want("clients", true)) {
    section("Clients");
    field(out, "connected_clients", s.clients().size());
    field(out, "cluster_connections", 0);
    field(out, "maxclients", s.settings().maxclients);
    size_t maxIn = 0, maxOut = 0;
    for (const auto& [id, c] : s.clients()) {
      maxIn = std::max(maxIn, c->queryBufferSize());
      maxOut = std::max(maxOut, c->pendingOutput());
    }
    field(out, "client_recent_max_input_buffer", maxIn);
    field(out, "client_recent_max_output_buffer", maxOut);
    field(out, "blocked_clients", s.blockedClients());
    field(out, "tracking_clients", s.trackingInUse() ? s.tracking().clients() : 0);
    field(out, "clients_in_timeout_table", 0);
  }
  if (want("memory", true)) {
    section("Memory");
    out += memoryInfo(s);  // node/commands/memory.cpp
  }
  if (want("persistence", true)) {
    section("Persistence");
    s.persistence().info(out);  // node/persistence/persistence.cpp
  }
  if (want("stats", true)) {
    section("Stats");
    field(out, "total_connections_received", st.totalConnections);
    field(out, "total_commands_processed", st.totalCommands);
    field(out, "instantaneous_ops_per_sec", 0);
    field(out, "total_net_input_bytes", st.netInputBytes);
    field(out, "total_net_output_bytes", st.netOutputBytes);
    field(out, "rejected_connections", st.rejectedConnections);
    field(out, "expired_keys", st.expiredKeys);
    field(out, "evicted_keys", st.evictedKeys);
    field(out, "keyspace_hits", st.keyspaceHits);
    field(out, "keyspace_misses", st.keyspaceMisses);
    field(out, "pubsub_channels", s.txps().channels.size());
    field(out, "pubsub_patterns", s.txps().patterns.size());
    field(out, "pubsubshard_channels", s.txps().shardChannels.size());
    const bool tracking = s.trackingInUse();  // CLIENT TRACKING's tables (server/tracking.h)
    field(out, "tracking_total_keys", tracking ? s.tracking().totalKeys() : 0);
    field(out, "tracking_total_items", tracking ? s.tracking().totalItems() : 0);
    field(out, "tracking_total_prefixes", tracking ? s.tracking().totalPrefixes() : 0);
    field(out, "total_error_replies", st.errorReplies);
    // RESTORE's deep sanitization (sanitize-dump-payload): the node checks every payload whole
    // (value_codec's CRC and bounds), it has no such mode to count.
    field(out, "dump_payload_sanitizations", 0);
    field(out, "client_query_buffer_limit_disconnections", st.queryLimitDisconnections);
    field(out, "client_output_buffer_limit_disconnections", st.outputLimitDisconnections);
    field(out, "strata_auth_failures", st.authFailures);  // not in Redis 7.0: auth_guard.h
    s.replication().infoStats(out);  // sync_full, sync_partial_ok, sync_partial_err
  }
  if (want("replication", true)) {
    section("Replication");
    s.replication().infoReplication(out);
  }
  if (want("cpu", true)) {
    section("CPU");
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(self.ru_stime.tv_sec),
                  static_cast<long>(self.ru_stime.tv_usec));
    field(out, "used_cpu_sys", std::string(buf));
    std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(self.ru_utime.tv_sec),
                  static_cast<long>(self.ru_utime.tv_usec));
    field(out, "used_cpu_user", std::string(buf));
  }
  if (want("commandstats", false)) {
    section("Commandstats");
    out += commandStatsInfo(s.commandStats());
  }
  if (want("errorstats", true)) {
    section("Errorstats");
    out += st.errors.info();
  }
  if (want("latencystats", false)) {
    section("Latencystats");
    if (s.settings().latencyTracking) {
      out += latencyStatsInfo(s.commandStats(), s.settings().latencyTrackingInfoPercentiles);
    }
  }
  if (want("cluster", true)) {
    section("Cluster");
    field(out, "cluster_enabled", s.settings().clusterEnabled ? 1 : 0);
  }
  if (want("keyspace", true)) {
    section("Keyspace");
    if (ctx.ks.size() > 0) {
      out += "db0:keys=" + std::to_string(ctx.ks.size()) +
             ",expires=" + std::to_string(ctx.ks.volatileCount()) + ",avg_ttl=0\r\n";
    }
  }
  return out;
}

}  // namespace

namespace cmd {

void info(CommandContext& ctx) {
  std::vector<std::string> wanted;
  for (size_t i = 1; i < ctx.argc(); ++i) wanted.emplace_back(ctx.arg(i));
  ctx.w.verbatim("txt", infoText(ctx, wanted));
}

void configGet(CommandContext& ctx) {
  std::vector<std::string> patterns;
  for (size_t i = 2; i < ctx.argc(); ++i) patterns.emplace_back(ctx.arg(i));
  auto pairs = ctx.server.registry().getMatching(patterns);
  ctx.w.mapHeader(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.w.bulk(name);
    ctx.w.bulk(value);
  }
}

void configSet(CommandContext& ctx) {
  if ((ctx.argc() - 2) % 2 != 0) {
    replyArity(ctx.w, ctx.def.name);
    return;
  }
  std::vector<config::NameValue> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    pairs.emplace_back(std::string(ctx.arg(i)), std::string(ctx.arg(i + 1)));
  }
  // A tls-* option rebuilds the TLS contexts (new connections use them), a new maxclients
  // needs the open-files limit; if that fails, the whole CONFIG SET is undone, with Redis's reply.
  const std::string* tlsName = nullptr;
  bool maxclientsSet = false;
  for (const auto& [name, value] : pairs) {
    if (config::toLower(name).starts_with("tls-")) tlsName = &name;
    if (config::equalsNoCase(name, "maxclients")) maxclientsSet = true;
  }
  std::optional<NodeSettings> before;
  if (tlsName != nullptr || maxclientsSet) before = ctx.server.settings();
  config::Status st = ctx.server.registry().set(pairs);
  if (!st.isOk()) {
    ctx.w.error(st.message());
    return;
  }
  clampHz(ctx.server.settings());
  if (maxclientsSet && ctx.server.settings().maxclients != before->maxclients) {
    const int64_t allowed =
        net::adjustOpenFilesLimit(ctx.server.settings().maxclients, kReservedFds);
    if (allowed != ctx.server.settings().maxclients) {
      ctx.server.settings() = std::move(*before);
      spdlog::warn(
          "Failed applying new configuration. Possibly related to new maxclients setting. "
          "Restoring previous settings.");
      ctx.w.error(
          "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating "
          "system is not able to handle the specified number of clients, try with " +
          std::to_string(allowed));
      return;
    }
  }
  if (tlsName != nullptr) {
    if (auto error = ctx.server.tls().configure(ctx.server.settings())) {
      ctx.server.settings() = std::move(*before);
      spdlog::warn("Failed to update TLS configuration: {}", *error);
      ctx.w.error("ERR CONFIG SET failed (possibly related to argument '" + *tlsName +
                  "') - Unable to update TLS configuration. Check server logs.");
      return;
    }
  }
  for (const auto& [name, value] : pairs) {  // the default user's password, as Redis
    if (config::toLower(name) == "requirepass") {
      ctx.server.acl().setDefaultPassword(ctx.server.settings().requirepass);
    }
  }
  ctx.server.eviction().configChanged();  // maxmemory-policy, lfu-*: LFU stamps from now on
  ctx.w.ok();
}

void configResetstat(CommandContext& ctx) {
  ctx.server.stats() = Stats{};
  ctx.server.commandStats().reset();
  ctx.server.replication().resetStats();  // sync_full, sync_partial_ok, sync_partial_err
  ctx.w.ok();
}

void configHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help.",
  };
  ctx.w.arrayHeader(std::size(kLines));
  for (auto line : kLines) ctx.w.simpleString(line);
}

void time(CommandContext& ctx) {
  int64_t us = nowUs();
  ctx.w.arrayHeader(2);
  ctx.w.bulk(std::to_string(us / 1000000));
  ctx.w.bulk(std::to_string(us % 1000000));
}

void lastsave(CommandContext& ctx) {
  ctx.w.integer(ctx.server.persistence().rdb().lastSave());
}

void shutdown(CommandContext& ctx) {
  bool nosave = false, save = false, force = false, abort = false, any = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    if (equalsNoCase(a, "nosave")) {
      nosave = any = true;
    } else if (equalsNoCase(a, "save")) {
      save = any = true;
    } else if (equalsNoCase(a, "now")) {
      any = true;
    } else if (equalsNoCase(a, "force")) {
      force = any = true;
    } else if (equalsNoCase(a, "abort")) {
      abort = true;
    } else {
      return ctx.w.error(errors::kSyntax);
    }
  }
  if ((abort && any) || (nosave && save)) return ctx.w.error(errors::kSyntax);
  if (abort) return ctx.w.error("ERR No shutdown in progress.");
  // Redis's finishShutdown: a failed final save keeps the node running (unless FORCE).
  if (!ctx.server.persistence().shutdownSave(save, nosave, force)) {
    return ctx.w.error("ERR Errors trying to SHUTDOWN. Check logs.");
  }
  ctx.server.requestShutdown();
  ctx.client.closeAfterReply();  // Redis sends nothing: the connection just closes
}

void debug(CommandContext& ctx) {
  if (equalsNoCase(ctx.arg(1), "sleep") && ctx.argc() == 3) {
    double seconds = std::strtod(std::string(ctx.arg(2)).c_str(), nullptr);
    if (seconds > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
    }
    ctx.w.ok();
    return;
  }
  if (equalsNoCase(ctx.arg(1), "reload")) {
    // SAVE, flush, load the RDB (node/persistence); the reload itself is not propagated.
    Persistence::DebugReload how;
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (equalsNoCase(ctx.arg(i), "merge")) {
        how.merge = true;
      } else if (equalsNoCase(ctx.arg(i), "noflush")) {
        how.flush = false;
      } else if (equalsNoCase(ctx.arg(i), "nosave")) {
        how.save = false;
      } else {
        return ctx.w.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      }
    }
    ctx.server.preventPropagation();
    std::string error;
    if (!ctx.server.persistence().debugReload(how, error)) return ctx.w.error(error);
    ctx.w.ok();
    return;
  }
  ctx.w.error("ERR unknown subcommand '" + std::string(ctx.arg(1)) + "'. Try DEBUG HELP.");
}

}  // namespace cmd

}  // namespace strata::node
