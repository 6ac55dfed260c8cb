// Everything the proxy can be configured with, as one plain struct filled from the TOML file and
// the command line by the option table in settings.cpp (see deploy/proxy.example.toml for each
// option's documentation). Reloadable options (users, limits, certificates) are re-read on
// SIGHUP; the server publishes a new immutable copy to the workers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/resp/limits.h"

namespace strata::proxy {

struct ProxyUser {
  std::string name;
  std::string password;
  bool operator==(const ProxyUser&) const = default;
};

struct ProxySettings {
  // Listeners.
  std::string bind = "127.0.0.1";
  int port = 6380;
  int tlsPort = 0;  // 0: no TLS listener
  std::string tlsCertFile, tlsKeyFile, tlsCaFile;
  bool tlsAuthClients = false;  // require client certificates signed by tls-ca-cert-file
  int threads = 0;              // 0: one worker per core
  int maxclients = 10000;
  int timeout = 0;  // idle client timeout, seconds (0: never)
  int tcpKeepalive = 300;

  // Cluster.
  std::vector<std::string> nodes;  // seeds "host:port"
  std::string backendUser, backendPassword;
  bool backendTls = false;
  std::string backendTlsCaFile, backendTlsCertFile, backendTlsKeyFile, backendTlsServerName;
  int backendConnections = 1;  // shared pipelined connections per node per worker
  int backendKeepAliveSeconds = 60;
  int requestTimeoutMs = 5000;  // deadline of every request (blocking ones: their timeout +)
  int connectTimeoutMs = 1000;
  int maxRedirects = 5;
  int slotRefreshIntervalMs = 10000;

  // Clients.
  std::string requirepass;       // password of the "default" user
  std::vector<ProxyUser> users;  // more users (AUTH user pass)
  int authFailureDelayMs = 100;  // a failed AUTH / HELLO AUTH is answered this much later
  int64_t protoMaxBulkLen = 512LL * 1024 * 1024;
  int64_t clientQueryBufferLimit = 1024LL * 1024 * 1024;
  int64_t clientOutputBufferLimit = 256LL * 1024 * 1024;  // hard limit: close the client
  int maxPendingPerClient = 4096;  // in-flight requests before the proxy stops reading a client
  int64_t maxFanoutReplyBytes = 512LL * 1024 * 1024;  // KEYS / big MGET merged-reply bound

  // Operations.
  std::string metricsBind = "127.0.0.1";
  int metricsPort = 9121;  // 0: no metrics/health endpoint
  std::string logfile;     // empty: stderr
  std::string loglevel = "notice";
  std::string logFormat = "text";

  bool authRequired() const { return !requirepass.empty() || !users.empty(); }
  // "default" or one of `users` (CLIENT KILL USER).
  bool hasUser(std::string_view name) const {
    return name == "default" || std::any_of(users.begin(), users.end(),
                                            [&](const ProxyUser& u) { return u.name == name; });
  }
  resp::Limits clientLimits() const {
    resp::Limits l;
    l.maxBulkLen = protoMaxBulkLen;
    return l;
  }
  resp::Limits backendLimits() const { return resp::Limits{}; }
};

}  // namespace strata::proxy
