// Declaration of the proxy's options. Names follow redis-server where one exists (port, bind,
// maxclients, timeout, tls-*, requirepass, proto-max-bulk-len, logfile, loglevel).
#include "proxy/settings_schema.h"

#include "common/config/shared_options.h"

namespace strata::proxy {

namespace {

using config::kImmutable;
using config::kNoMax;
using config::kReloadable;
using config::Range;
using config::Status;

// [[users]] name = "app" password = "secret"  — or on the command line: --users app:secret,...
config::Codec<std::vector<ProxyUser>> usersCodec() {
  config::Codec<std::vector<ProxyUser>> c;
  c.hint = "name:password,... (TOML: [[users]] tables with name and password)";
  c.parse = [](const std::vector<std::string>& tokens, std::vector<ProxyUser>& out) {
    out.clear();
    for (const auto& token : tokens) {
      size_t start = 0;
      while (start <= token.size()) {
        size_t comma = token.find(',', start);
        std::string item =
            token.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) {
          size_t colon = item.find(':');
          if (colon == std::string::npos || colon == 0) {
            return Status::error("expected name:password, got '" + item + "'");
          }
          out.push_back(ProxyUser{item.substr(0, colon), item.substr(colon + 1)});
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    return Status::ok();
  };
  c.render = [](const std::vector<ProxyUser>& users) {
    std::string out;
    for (const auto& u : users) {
      if (!out.empty()) out += ' ';
      out += u.name;  // never render passwords
    }
    return out;
  };
  c.parse_toml = [](const toml::value& v, std::vector<ProxyUser>& out) {
    if (!v.is_array()) return Status::error("expected an array of tables {name, password}");
    out.clear();
    for (const auto& item : v.as_array()) {
      if (!item.is_table() || !item.contains("name") || !item.contains("password") ||
          !item.at("name").is_string() || !item.at("password").is_string()) {
        return Status::error("each user needs string 'name' and 'password'",
                             static_cast<uint32_t>(item.location().line()));
      }
      out.push_back(
          ProxyUser{item.at("name").as_string().str, item.at("password").as_string().str});
    }
    return Status::ok();
  };
  return c;
}

config::Schema<ProxySettings> build() {
  config::Schema<ProxySettings> s;
  using S = ProxySettings;
  // Listeners.
  s.string("bind", &S::bind, "127.0.0.1", kImmutable, "Address the client listeners bind to");
  s.integer("port", &S::port, 6380, Range{0, 65535}, kImmutable,
            "Plain client port (0: no plain listener)");
  s.integer("tls-port", &S::tlsPort, 0, Range{0, 65535}, kImmutable,
            "TLS client port (0: no TLS listener)");
  s.string("tls-cert-file", &S::tlsCertFile, "", kReloadable,
           "PEM certificate of the TLS listener");
  s.string("tls-key-file", &S::tlsKeyFile, "", kReloadable, "PEM private key of the TLS listener");
  s.string("tls-ca-cert-file", &S::tlsCaFile, "", kReloadable,
           "CA that client certificates are verified against");
  s.boolean("tls-auth-clients", &S::tlsAuthClients, false, kReloadable,
            "Require a client certificate signed by tls-ca-cert-file (mutual TLS)");
  s.integer("threads", &S::threads, 0, Range{0, 256}, kImmutable,
            "Worker threads, each with its own event loop (0: one per core)");
  s.integer("maxclients", &S::maxclients, 10000, Range{1, 1000000}, kReloadable,
            "Most client connections at once; more are answered with an error and closed. "
            "Needs 2 x maxclients (each client's socket and one dedicated backend link) + 32 + "
            "threads x (20 + 32 x backend-connections) open files: the proxy raises its limit, or "
            "lowers maxclients to fit with a warning (INFO proxy shows the value in force) and "
            "exits if even the reserve does not fit");
  s.integer("timeout", &S::timeout, 0, Range{0, 31536000}, kReloadable,
            "Close clients idle for this many seconds (0: never)");
  s.integer("tcp-keepalive", &S::tcpKeepalive, 300, Range{0, 86400}, kReloadable,
            "TCP keepalive period in seconds for client connections (0: off)");
  // Cluster.
  s.stringList("nodes", &S::nodes, {}, kReloadable,
               "Seed nodes of the cluster, host:port (any reachable node will do)");
  s.string("backend-user", &S::backendUser, "", kReloadable,
           "ACL user the proxy uses on the nodes");
  s.string("backend-password", &S::backendPassword, "", kReloadable,
           "Password the proxy uses on the nodes (AUTH)");
  s.boolean("backend-tls", &S::backendTls, false, kImmutable, "Connect to the nodes over TLS");
  s.string("backend-tls-ca-cert-file", &S::backendTlsCaFile, "", kReloadable,
           "CA that node certificates are verified against (empty: system store)");
  s.string("backend-tls-cert-file", &S::backendTlsCertFile, "", kReloadable,
           "Client certificate for mutual TLS with the nodes");
  s.string("backend-tls-key-file", &S::backendTlsKeyFile, "", kReloadable,
           "Private key of backend-tls-cert-file");
  s.string("backend-tls-server-name", &S::backendTlsServerName, "", kReloadable,
           "SNI name and certificate name checked for the nodes");
  s.integer("backend-connections", &S::backendConnections, 1, Range{1, 64}, kImmutable,
            "Shared pipelined connections per node per worker");
  s.integer("request-timeout", &S::requestTimeoutMs, 5000, Range{10, 3600000}, kReloadable,
            "Deadline of every request in ms (blocking commands: their own timeout plus this)");
  s.integer("connect-timeout", &S::connectTimeoutMs, 1000, Range{10, 60000}, kReloadable,
            "Timeout of the topology refresher's connections, ms");
  s.integer("max-redirects", &S::maxRedirects, 5, Range{0, 100}, kReloadable,
            "MOVED/ASK redirections followed per request before the error reaches the client");
  s.integer("slot-refresh-interval", &S::slotRefreshIntervalMs, 10000, Range{100, 3600000},
            kReloadable, "Periodic slot map refresh, ms (also refreshed on MOVED and failures)");
  // Clients.
  s.string("requirepass", &S::requirepass, "", kReloadable,
           "Password of the 'default' user (AUTH <password>); empty: no password");
  s.custom("users", &S::users, {}, usersCodec(), kReloadable,
           "More users for AUTH <user> <password> / HELLO AUTH");
  config::authFailureDelayOption(s, &S::authFailureDelayMs);
  s.memory("proto-max-bulk-len", &S::protoMaxBulkLen, 512LL * 1024 * 1024, Range{1024, kNoMax},
           kReloadable, "Largest bulk string a client may send");
  config::clientQueryBufferLimitOption(s, &S::clientQueryBufferLimit);
  s.memory("client-output-buffer-limit", &S::clientOutputBufferLimit, 256LL * 1024 * 1024,
           Range{1024, kNoMax}, kReloadable,
           "Largest unwritten reply data per client before it is closed");
  s.integer("max-pending-per-client", &S::maxPendingPerClient, 4096, Range{1, 1000000}, kReloadable,
            "In-flight requests per client before the proxy stops reading it");
  s.memory("max-fanout-reply-bytes", &S::maxFanoutReplyBytes, 512LL * 1024 * 1024,
           Range{1024, kNoMax}, kReloadable, "Largest merged reply of a fan-out (KEYS, MGET)");
  // Operations.
  s.string("metrics-bind", &S::metricsBind, "127.0.0.1", kImmutable,
           "Address of the /metrics, /healthz and /readyz endpoint");
  s.integer("metrics-port", &S::metricsPort, 9121, Range{0, 65535}, kImmutable,
            "Port of the metrics endpoint (0: disabled)");
  config::logOptions(s, &S::logfile, &S::loglevel);
  s.enumeration("log-format", &S::logFormat, {"text", "json"}, "text", kImmutable,
                "Log format: text, or json (one object per line)");
  return s;
}

}  // namespace

const config::Schema<ProxySettings>& proxySchema() {
  static const config::Schema<ProxySettings> schema = build();
  return schema;
}

}  // namespace strata::proxy
