// Declaration of the node's options, named and defaulted like redis-server 7.0's (port, bind,
// maxmemory, appendonly, cluster-*, ...), with client-output-buffer-limit's custom codec.
#include "node/settings_schema.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>

#include "common/config/shared_options.h"
#include "common/config/value_parsers.h"
#include "node/server/latency_histogram.h"
#include "node/server/notify.h"

namespace strata::node {

namespace {

using config::kImmutable;
using config::kNoMax;
using config::kReloadable;
using config::Range;
using config::Status;

// `save`'s words checked as Redis 7.0's setConfigSaveOption does: "" alone clears the list, else
// an even count of numbers read by strtoll to their end, seconds >= 1 and changes >= 0; kept as
// CONFIG GET renders them ("%jd %d": "900 +01" is "900 1").
Status parseSavePoints(const std::vector<std::string>& words, std::vector<std::string>& out) {
  const bool none = words.empty() || (words.size() == 1 && words[0].empty());
  if (!none && words.size() % 2 != 0) return Status::error("Invalid save parameters");
  std::vector<std::string> points;
  for (size_t i = 0; !none && i < words.size(); ++i) {
    char* end = nullptr;
    const long long v = std::strtoll(words[i].c_str(), &end, 10);
    const bool seconds = i % 2 == 0;
    if (*end != '\0' || v < (seconds ? 1 : 0)) return Status::error("Invalid save parameters");
    points.push_back(seconds ? std::to_string(v) : std::to_string(static_cast<int>(v)));
  }
  out = std::move(points);
  return Status::ok();
}

// `save 900 1 300 10`. CONFIG SET's text is split on each single space, as Redis does (so
// "900  1" is refused there); TOML values come split by tokensFromToml.
config::Codec<std::vector<std::string>> saveCodec() {
  config::Codec<std::vector<std::string>> c;
  c.hint = "<seconds> <changes> ... (\"\": none)";
  c.parse = parseSavePoints;
  c.parse_text = [](std::string_view text, std::vector<std::string>& out) {
    std::vector<std::string> words;
    for (size_t start = 0; !text.empty() && start <= text.size();) {
      const size_t space = std::min(text.find(' ', start), text.size());
      words.emplace_back(text.substr(start, space - start));
      start = space + 1;
    }
    return parseSavePoints(words, out);
  };
  c.render = [](const std::vector<std::string>& points) { return config::renderList(points); };
  return c;
}

// `notify-keyspace-events`: Redis 7.0's setConfigNotifyKeyspaceEventsOption (one word of class
// letters, "" for none) and its CONFIG GET rendering (canonical: "AKE" for "KEA").
config::Codec<int> notifyKeyspaceEventsCodec() {
  config::Codec<int> c;
  c.hint = "<classes> (K E g $ l s h z x e t m d n A; \"\": off)";
  auto parseWord = [](std::string_view word, int& out) {
    const int flags = notify::flagsFromString(word);
    if (flags == -1) return Status::error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    out = flags;
    return Status::ok();
  };
  c.parse = [parseWord](const std::vector<std::string>& words, int& out) {
    if (words.size() > 1) return Status::error("wrong number of arguments");
    return parseWord(words.empty() ? std::string_view() : std::string_view(words[0]), out);
  };
  c.parse_text = parseWord;
  c.render = [](const int& flags) { return notify::flagsToString(flags); };
  return c;
}

// appendfilename / appenddirname: Redis 7.0's isValidAOFfilename / isValidAOFdirname.
std::function<Status(std::string_view)> aofBaseName(std::string what, std::string kind) {
  return [what = std::move(what), kind = std::move(kind)](std::string_view name) {
    if (name.empty()) return Status::error(what + " can't be empty");
    if (name.find_first_of("/\\") != std::string_view::npos) {
      return Status::error(what + " can't be a path, just a " + kind);
    }
    return Status::ok();
  };
}

// "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60": any subset of the classes, in groups
// of four words; renders like Redis 7.0's CONFIG GET (the replica class is spelled "slave").
config::Codec<OutputBufferLimits> outputLimitsCodec() {
  config::Codec<OutputBufferLimits> c;
  c.hint = "<class> <hard> <soft> <soft-seconds> ... (class: normal|replica|pubsub)";
  c.parse = [](const std::vector<std::string>& tokens, OutputBufferLimits& out) {
    if (tokens.size() % 4 != 0) {
      return Status::error("Wrong number of arguments in buffer limit configuration.");
    }
    OutputBufferLimits next = out;
    for (size_t i = 0; i < tokens.size(); i += 4) {
      std::string cls = config::toLower(tokens[i]);
      OutputBufferLimit* limit = nullptr;
      if (cls == "normal") {
        limit = &next.normal;
      } else if (cls == "replica" || cls == "slave") {
        limit = &next.replica;
      } else if (cls == "pubsub") {
        limit = &next.pubsub;
      } else {
        return Status::error("Invalid client class specified in buffer limit configuration.");
      }
      int64_t hard = 0, soft = 0, seconds = 0;
      if (!config::parseMemory(tokens[i + 1], Range{0, kNoMax}, hard).isOk() ||
          !config::parseMemory(tokens[i + 2], Range{0, kNoMax}, soft).isOk() ||
          !config::parseInteger(tokens[i + 3], Range{0, kNoMax}, seconds).isOk()) {
        return Status::error(
            "Error in hard, soft or soft_seconds setting in buffer limit "
            "configuration.");
      }
      *limit = OutputBufferLimit{hard, soft, seconds};
    }
    out = next;
    return Status::ok();
  };
  c.render = [](const OutputBufferLimits& l) {
    auto one = [](const char* name, const OutputBufferLimit& x) {
      return std::string(name) + " " + std::to_string(x.hard) + " " + std::to_string(x.soft) + " " +
             std::to_string(x.softSeconds);
    };
    return one("normal", l.normal) + " " + one("slave", l.replica) + " " + one("pubsub", l.pubsub);
  };
  return c;
}

// Redis's string2d(): strtod over the whole word, no leading space, no NaN, no overflow or
// underflow to zero.
bool parsePercentile(const std::string& word, double& out) {
  if (word.empty() || std::isspace(static_cast<unsigned char>(word[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(word.c_str(), &end);
  if (static_cast<size_t>(end - word.c_str()) != word.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  out = v;
  return true;
}

Status parsePercentiles(const std::vector<std::string>& words, std::vector<double>& out) {
  std::vector<double> next;
  // One empty word is the empty list (Redis: CONFIG SET ... "").
  if (!(words.size() == 1 && words[0].empty())) {
    for (const std::string& w : words) {
      double p = 0;
      if (!parsePercentile(w, p)) {
        return Status::error("Invalid latency-tracking-info-percentiles parameters");
      }
      if (p > 100.0 || p < 0.0) {
        return Status::error(
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
      }
      next.push_back(p);
    }
  }
  out = std::move(next);
  return Status::ok();
}

// "50 99 99.9": as redis-server 7.0, CONFIG SET splits the text on every single space (no
// quoting; "" is the empty list) and each word must be a double in [0, 100]; TOML also takes an
// array of numbers. Renders each as Redis's trimmed "%f".
config::Codec<std::vector<double>> percentilesCodec() {
  config::Codec<std::vector<double>> c;
  c.hint = "\"<percentile> ...\" (each 0..100; \"\": none)";
  c.parse = parsePercentiles;
  c.parse_text = [](std::string_view text, std::vector<double>& out) {
    std::vector<std::string> words;
    if (!text.empty()) {
      size_t start = 0;
      while (true) {
        const size_t space = text.find(' ', start);
        words.emplace_back(text.substr(start, space - start));
        if (space == std::string_view::npos) break;
        start = space + 1;
      }
    }
    return parsePercentiles(words, out);
  };
  c.parse_toml = [](const toml::value& v, std::vector<double>& out) {
    if (v.is_string()) {
      std::vector<std::string> words;
      Status st = config::splitArgs(v.as_string().str, words);
      return st.isOk() ? parsePercentiles(words, out) : st;
    }
    if (!v.is_array()) return Status::error("expected a string or an array of numbers");
    std::vector<std::string> words;
    for (const toml::value& item : v.as_array()) {
      if (item.is_floating()) {
        char buf[64];  // %.17g reads back as the same double
        std::snprintf(buf, sizeof buf, "%.17g", item.as_floating());
        words.emplace_back(buf);
      } else if (item.is_integer()) {
        words.push_back(std::to_string(item.as_integer()));
      } else if (item.is_string()) {
        words.push_back(item.as_string().str);
      } else {
        return Status::error("expected numbers in latency-tracking-info-percentiles");
      }
    }
    return parsePercentiles(words, out);
  };
  c.render = [](const std::vector<double>& ps) {
    std::string out;
    for (size_t i = 0; i < ps.size(); ++i) {
      if (i > 0) out += ' ';
      out += percentileText(ps[i]);
    }
    return out;
  };
  return c;
}

// `user <name> <rules...>` lines (ACL users, server/acl.h), as redis.conf's repeated `user`
// directive: each --user on the command line adds one; TOML takes an array of strings or one
// string of lines (the form CONFIG REWRITE writes back). Rendered one line per user.
config::Codec<std::vector<std::string>> usersCodec() {
  config::Codec<std::vector<std::string>> c;
  c.hint = "\"<name> <rule> ...\" (repeatable; TOML: array of strings)";
  c.parse = [](const std::vector<std::string>& tokens, std::vector<std::string>& out) {
    std::string line;
    for (const auto& t : tokens) line += (line.empty() ? "" : " ") + t;
    if (!line.empty()) out.push_back(std::move(line));
    return Status::ok();
  };
  c.parse_text = [](std::string_view text, std::vector<std::string>& out) {
    if (!text.empty()) out.emplace_back(text);
    return Status::ok();
  };
  c.parse_toml = [](const toml::value& v, std::vector<std::string>& out) {
    std::vector<std::string> lines;
    if (v.is_string()) {
      lines.push_back(v.as_string().str);
    } else if (v.is_array()) {
      for (const toml::value& item : v.as_array()) {
        if (!item.is_string()) return Status::error("expected strings in user");
        lines.push_back(item.as_string().str);
      }
    } else {
      return Status::error("expected a string or an array of strings");
    }
    for (const auto& text : lines) {
      for (size_t pos = 0; pos <= text.size();) {
        const size_t nl = std::min(text.find('\n', pos), text.size());
        if (nl > pos) out.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
      }
    }
    return Status::ok();
  };
  c.render = [](const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
  };
  return c;
}

config::Schema<NodeSettings> build() {
  config::Schema<NodeSettings> s;
  using S = NodeSettings;
  // Network and clients.
  s.integer("port", &S::port, 6379, Range{0, 65535}, kImmutable, "TCP port (0: do not listen)");
  s.stringList("bind", &S::bind, {"*", "-::*"}, kImmutable,
               "Addresses to listen on ('*' any IPv4, '::*' any IPv6, '-' prefix: optional)");
  s.integer("maxclients", &S::maxclients, 10000, Range{1, 4294967295LL}, kReloadable,
            "Most client connections at once; more are answered with an error and closed");
  s.integer("timeout", &S::timeout, 0, Range{0, 2147483647}, kReloadable,
            "Close clients idle for this many seconds (0: never)");
  s.integer("tcp-keepalive", &S::tcpKeepalive, 300, Range{0, 2147483647}, kReloadable,
            "TCP keepalive period in seconds (0: off)");
  s.boolean("protected-mode", &S::protectedMode, true, kReloadable,
            "Without requirepass, refuse clients that do not connect from loopback (as Redis)");
  s.string("requirepass", &S::requirepass, "", kReloadable,
           "Password of the default user (AUTH <password>); empty: no password");
  s.integer("acllog-max-len", &S::acllogMaxLen, 128, Range{0, kNoMax}, kReloadable,
            "Entries kept by ACL LOG (denied commands, keys, channels and failed AUTHs)");
  s.custom("user", &S::users, {}, usersCodec(), kImmutable,
           "ACL users, one '<name> <rules...>' line each (as redis.conf's user directive); "
           "not with aclfile");
  s.string("aclfile", &S::aclfile, "", kImmutable,
           "File of ACL users ('user <name> <rules>' lines) read at start, by ACL LOAD, "
           "written by ACL SAVE; empty: none");
  config::authFailureDelayOption(s, &S::authFailureDelayMs);
  s.memory("proto-max-bulk-len", &S::protoMaxBulkLen, 512LL << 20, Range{1024 * 1024, kNoMax},
           kReloadable, "Largest bulk string a client may send");
  config::clientQueryBufferLimitOption(s, &S::clientQueryBufferLimit);
  s.custom("client-output-buffer-limit", &S::clientOutputBufferLimit, OutputBufferLimits{},
           outputLimitsCodec(), kReloadable,
           "Hard and soft limits of pending output per client class");
  // Process.
  s.string("dir", &S::dir, "./", kImmutable, "Working directory (AOF, nodes.conf)");
  s.boolean("daemonize", &S::daemonize, false, kImmutable,
            "Only 'no' is supported: run under a supervisor instead");
  config::logOptions(s, &S::logfile, &S::loglevel);
  s.integer("hz", &S::hz, 10, Range{0, 2147483647}, kReloadable,
            "Background task frequency, clamped to [1, 500] (active expiry, timeouts, rehashing)");
  s.integer("databases", &S::databases, 16, Range{1, 2147483647}, kImmutable,
            "Accepted for compatibility; only db 0 exists");
  // Memory.
  s.memory("maxmemory", &S::maxmemory, 0, Range{0, kNoMax}, kReloadable,
           "Memory limit for the dataset (0: none)");
  s.enumeration("maxmemory-policy", &S::maxmemoryPolicy,
                {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
                 "allkeys-lfu", "allkeys-random", "noeviction"},
                "noeviction", kReloadable, "What to evict when maxmemory is reached");
  s.integer("maxmemory-samples", &S::maxmemorySamples, 5, Range{1, 2147483647}, kReloadable,
            "Keys sampled per eviction (approximated LRU/LFU/TTL)");
  s.integer("lfu-log-factor", &S::lfuLogFactor, 10, Range{0, 2147483647}, kReloadable,
            "LFU counter logarithm factor");
  s.integer("lfu-decay-time", &S::lfuDecayTime, 1, Range{0, 2147483647}, kReloadable,
            "Minutes of idleness per LFU counter decrement (0: never decays)");
  s.integer("slowlog-log-slower-than", &S::slowlogLogSlowerThan, 10000, Range{-1, kNoMax},
            kReloadable,
            "Log commands slower than this many microseconds in the slow log (-1: off)");
  s.integer("slowlog-max-len", &S::slowlogMaxLen, 128, Range{0, kNoMax}, kReloadable,
            "Most entries the slow log keeps (oldest dropped first)");
  s.integer("tracking-table-max-keys", &S::trackingTableMaxKeys, 1000000, Range{0, kNoMax},
            kReloadable, "Most keys the CLIENT TRACKING table remembers (0: no limit)");
  s.integer("latency-monitor-threshold", &S::latencyMonitorThreshold, 0, Range{0, kNoMax},
            kReloadable,
            "Commands taking at least this many milliseconds are LATENCY events (0: off)");
  s.boolean("latency-tracking", &S::latencyTracking, true, kReloadable,
            "Keep a latency histogram per command for INFO latencystats");
  s.custom("latency-tracking-info-percentiles", &S::latencyTrackingInfoPercentiles,
           std::vector<double>{50, 99, 99.9}, percentilesCodec(), kReloadable,
           "Percentiles INFO latencystats reports for each command");
  s.custom("notify-keyspace-events", &S::notifyKeyspaceEvents, 0, notifyKeyspaceEventsCodec(),
           kReloadable, "Keyspace notification classes published to local subscribers");
  s.integer("busy-reply-threshold", &S::busyReplyThreshold, 5000, Range{0, kNoMax}, kReloadable,
            "Milliseconds a script or function runs before other clients get -BUSY and SCRIPT "
            "KILL / FUNCTION KILL may stop it");
  // Compact encodings.
  s.integer("zset-max-listpack-entries", &S::zsetMaxListpackEntries, 128, Range{0, kNoMax},
            kReloadable, "Largest sorted set kept in the compact (listpack) encoding");
  s.memory("zset-max-listpack-value", &S::zsetMaxListpackValue, 64, Range{0, kNoMax}, kReloadable,
           "Longest member (bytes) a listpack-encoded sorted set may hold");
  // 512, not redis.conf's 128: redis-server 7.0's built-in default (config.c), what a server
  // started without a config file reports.
  s.integer("hash-max-listpack-entries", &S::hashMaxListpackEntries, 512, Range{0, kNoMax},
            kReloadable, "Largest hash kept in the compact (listpack) encoding");
  s.memory("hash-max-listpack-value", &S::hashMaxListpackValue, 64, Range{0, kNoMax}, kReloadable,
           "Longest field or value (bytes) a listpack-encoded hash may hold");
  s.integer("set-max-intset-entries", &S::setMaxIntsetEntries, 512, Range{0, kNoMax}, kReloadable,
            "Largest all-integer set kept in the compact (intset) encoding");
  s.integer("list-max-listpack-size", &S::listMaxListpackSize, -2,
            Range{-2147483648LL, 2147483647LL}, kReloadable,
            "Largest list kept in one packed buffer: > 0 elements, -1..-5 4/8/16/32/64 KiB");
  // Observability.
  s.integer("metrics-port", &S::metricsPort, 0, Range{0, 65535}, kImmutable,
            "Prometheus /metrics and /healthz port (0: off)");
  s.string("metrics-bind", &S::metricsBind, "127.0.0.1", kImmutable,
           "Address the metrics endpoint listens on");
  // Persistence.
  s.boolean("appendonly", &S::appendonly, false, kReloadable, "Append-only file persistence");
  // Enum choices in Redis's order: CONFIG SET's error lists them so.
  s.enumeration("appendfsync", &S::appendfsync, {"everysec", "always", "no"}, "everysec",
                kReloadable, "When the AOF is fsynced");
  s.string("appendfilename", &S::appendfilename, "appendonly.aof", kImmutable,
           "Base name of the AOF (a file name, not a path)",
           aofBaseName("appendfilename", "filename"));
  s.string("appenddirname", &S::appenddirname, "appendonlydir", kImmutable,
           "Directory (under dir) of the AOF's base, incr and manifest files (a name, not a path)",
           aofBaseName("appenddirname", "dirname"));
  s.boolean("aof-load-truncated", &S::aofLoadTruncated, true, kReloadable,
            "Load an AOF whose last command is truncated (cut to the last complete command)");
  s.integer("auto-aof-rewrite-percentage", &S::autoAofRewritePercentage, 100, Range{0, 2147483647},
            kReloadable, "AOF growth that triggers a rewrite");
  s.memory("auto-aof-rewrite-min-size", &S::autoAofRewriteMinSize, 64LL << 20, Range{0, kNoMax},
           kReloadable, "Smallest AOF that is rewritten");
  s.custom("save", &S::save, {}, saveCodec(), kReloadable,
           "RDB save points: BGSAVE after <seconds> with at least <changes> changes");
  s.string("dbfilename", &S::dbfilename, "dump.rdb", kImmutable,
           "RDB file in dir: written by SAVE/BGSAVE, loaded at start with appendonly no",
           aofBaseName("dbfilename", "filename"));
  s.boolean("rdbcompression", &S::rdbcompression, true, kReloadable,
            "LZF-compress strings in RDB files");
  s.boolean("rdbchecksum", &S::rdbchecksum, true, kReloadable,
            "Write (and verify on load) the RDB file's CRC64");
  s.boolean("stop-writes-on-bgsave-error", &S::stopWritesOnBgsaveError, true, kReloadable,
            "Refuse writes with -MISCONF while the last background save failed");
  // Cluster.
  s.boolean("cluster-enabled", &S::clusterEnabled, false, kImmutable, "Run in cluster mode");
  s.string("cluster-config-file", &S::clusterConfigFile, "nodes.conf", kImmutable,
           "The node's cluster state file");
  s.integer("cluster-node-timeout", &S::clusterNodeTimeout, 15000, Range{0, kNoMax}, kReloadable,
            "Milliseconds before an unreachable node is considered failing");
  s.integer("cluster-port", &S::clusterPort, 0, Range{0, 65535}, kImmutable,
            "Cluster bus port (0: port + 10000)");
  s.string("cluster-announce-ip", &S::clusterAnnounceIp, "", kReloadable,
           "IP announced to the other nodes");
  s.integer("cluster-announce-port", &S::clusterAnnouncePort, 0, Range{0, 65535}, kReloadable,
            "Client port announced to the other nodes");
  s.integer("cluster-announce-tls-port", &S::clusterAnnounceTlsPort, 0, Range{0, 65535},
            kReloadable, "TLS client port announced to the other nodes (with tls-cluster yes)");
  s.integer("cluster-announce-bus-port", &S::clusterAnnounceBusPort, 0, Range{0, 65535},
            kReloadable, "Bus port announced to the other nodes");
  s.boolean("cluster-require-full-coverage", &S::clusterRequireFullCoverage, true, kReloadable,
            "Refuse queries while some slot is not served");
  s.boolean("cluster-allow-reads-when-down", &S::clusterAllowReadsWhenDown, false, kReloadable,
            "Serve reads while the cluster state is fail");
  s.boolean("cluster-allow-replica-migration", &S::clusterAllowReplicaMigration, true, kReloadable,
            "A master left without slots becomes a replica of the new owner");
  s.boolean("cluster-replica-no-failover", &S::clusterReplicaNoFailover, false, kReloadable,
            "A replica never starts an automatic failover (manual CLUSTER FAILOVER still works)");
  s.integer("cluster-migration-barrier", &S::clusterMigrationBarrier, 1, Range{0, 2147483647},
            kReloadable, "Working replicas a master keeps before one migrates to an orphan");
  // Replication.
  s.string("replicaof", &S::replicaof, "", kImmutable,
           "\"<host> <port>\": follow this master at start-up (REPLICAOF changes it at run time)");
  s.memory("repl-backlog-size", &S::replBacklogSize, 1LL << 20, Range{1, kNoMax}, kReloadable,
           "Bytes of replication stream kept for partial resyncs");
  s.integer("repl-backlog-ttl", &S::replBacklogTtl, 3600, Range{0, kNoMax}, kReloadable,
            "Seconds a master without replicas keeps its backlog (0: forever)");
  s.integer("repl-ping-replica-period", &S::replPingReplicaPeriod, 10, Range{1, 2147483647},
            kReloadable, "Seconds between the master's PINGs on the replication stream");
  s.integer("repl-timeout", &S::replTimeout, 60, Range{1, 2147483647}, kReloadable,
            "Seconds without traffic before a replication link is dropped");
  s.boolean("replica-read-only", &S::replicaReadOnly, true, kReloadable,
            "Replicas refuse writes from normal clients");
  s.boolean("replica-serve-stale-data", &S::replicaServeStaleData, true, kReloadable,
            "A replica whose link to the master is down still answers (no: only commands "
            "flagged stale, such as INFO and REPLICAOF; the others get -MASTERDOWN)");
  s.integer("min-replicas-to-write", &S::minReplicasToWrite, 0, Range{0, 2147483647}, kReloadable,
            "Refuse writes unless this many replicas are connected and lagging less");
  s.integer("min-replicas-max-lag", &S::minReplicasMaxLag, 10, Range{0, 2147483647}, kReloadable,
            "Largest acknowledgement lag (seconds) of a replica counted by min-replicas-to-write");
  s.string("masterauth", &S::masterauth, "", kReloadable, "Password sent to the master (AUTH)");
  s.string("masteruser", &S::masteruser, "", kReloadable, "User sent to the master (AUTH)");
  s.string("replica-announce-ip", &S::replicaAnnounceIp, "", kReloadable,
           "IP a replica announces to its master (REPLCONF ip-address)");
  s.integer("replica-announce-port", &S::replicaAnnouncePort, 0, Range{0, 65535}, kReloadable,
            "Port a replica announces to its master (0: the listening port)");
  s.boolean("repl-diskless-sync", &S::replDisklessSync, true, kReloadable,
            "Accepted: full syncs always stream a snapshot from a forked child to the socket");
  // TLS (node/server/node_tls.h). The file options are reloadable: CONFIG SET rebuilds the
  // contexts for new connections, as Redis does.
  s.integer("tls-port", &S::tlsPort, 0, Range{0, 65535}, kImmutable,
            "TLS port for clients (and replicas, and the cluster bus with tls-cluster; 0: off)");
  s.string("tls-cert-file", &S::tlsCertFile, "", kReloadable,
           "PEM certificate the node presents (and, without tls-client-cert-file, uses as client)");
  s.string("tls-key-file", &S::tlsKeyFile, "", kReloadable, "PEM private key of tls-cert-file");
  s.string("tls-key-file-pass", &S::tlsKeyFilePass, "", kReloadable,
           "Passphrase of an encrypted tls-key-file");
  s.string("tls-client-cert-file", &S::tlsClientCertFile, "", kReloadable,
           "PEM certificate for outgoing links (master, cluster bus, MIGRATE)");
  s.string("tls-client-key-file", &S::tlsClientKeyFile, "", kReloadable,
           "PEM private key of tls-client-cert-file");
  s.string("tls-client-key-file-pass", &S::tlsClientKeyFilePass, "", kReloadable,
           "Passphrase of an encrypted tls-client-key-file");
  s.string("tls-ca-cert-file", &S::tlsCaCertFile, "", kReloadable,
           "PEM CA bundle that peer certificates are verified against");
  s.string("tls-ca-cert-dir", &S::tlsCaCertDir, "", kReloadable,
           "Directory of hashed CA certificates (c_rehash) peers are verified against");
  s.enumeration("tls-auth-clients", &S::tlsAuthClients, {"no", "yes", "optional"}, "yes",
                kReloadable,
                "Client certificates: required (yes), verified if presented (optional) or not "
                "requested (no)");
  s.boolean("tls-replication", &S::tlsReplication, false, kImmutable,
            "The link to the master uses TLS");
  s.boolean("tls-cluster", &S::tlsCluster, false, kImmutable,
            "The cluster bus and MIGRATE use TLS; the TLS port is announced as the client port");
  s.string("tls-protocols", &S::tlsProtocols, "", kReloadable,
           "Allowed protocols, e.g. \"TLSv1.2 TLSv1.3\" (empty: TLSv1.2 and TLSv1.3)");
  s.string("tls-ciphers", &S::tlsCiphers, "", kReloadable, "TLS 1.2 cipher list (OpenSSL syntax)");
  s.string("tls-ciphersuites", &S::tlsCiphersuites, "", kReloadable, "TLS 1.3 ciphersuites");
  s.boolean("tls-prefer-server-ciphers", &S::tlsPreferServerCiphers, false, kReloadable,
            "Choose the cipher by the server's preference rather than the client's");
  s.boolean("tls-session-caching", &S::tlsSessionCaching, true, kReloadable,
            "Cache TLS sessions so that clients can resume them");
  s.integer("tls-session-cache-size", &S::tlsSessionCacheSize, 20480, Range{0, 2147483647},
            kReloadable, "Most cached TLS sessions (0: OpenSSL's default)");
  s.integer("tls-session-cache-timeout", &S::tlsSessionCacheTimeout, 300, Range{0, 2147483647},
            kReloadable, "Seconds a cached TLS session can be resumed");
  // The names redis-server 7.0 still accepts for renamed options (config.c's aliases), so an
  // older redis.conf's settings carry over.
  s.alias("lua-time-limit", "busy-reply-threshold")
      .alias("slaveof", "replicaof")
      .alias("slave-read-only", "replica-read-only")
      .alias("slave-serve-stale-data", "replica-serve-stale-data")
      .alias("min-slaves-to-write", "min-replicas-to-write")
      .alias("min-slaves-max-lag", "min-replicas-max-lag")
      .alias("repl-ping-slave-period", "repl-ping-replica-period")
      .alias("slave-announce-ip", "replica-announce-ip")
      .alias("slave-announce-port", "replica-announce-port")
      .alias("cluster-slave-no-failover", "cluster-replica-no-failover")
      .alias("hash-max-ziplist-entries", "hash-max-listpack-entries")
      .alias("hash-max-ziplist-value", "hash-max-listpack-value")
      .alias("zset-max-ziplist-entries", "zset-max-listpack-entries")
      .alias("zset-max-ziplist-value", "zset-max-listpack-value")
      .alias("list-max-ziplist-size", "list-max-listpack-size");
  return s;
}

}  // namespace

const config::Schema<NodeSettings>& nodeSchema() {
  static const config::Schema<NodeSettings> schema = build();
  return schema;
}

}  // namespace strata::node
