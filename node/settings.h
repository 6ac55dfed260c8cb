// Everything the node can be configured with: redis-server's option names and defaults, filled
// from the optional TOML file and `--name value` flags by the option table in settings_schema.cpp
// and changed at run time by CONFIG SET (reloadable options). Persistence and cluster options are
// parsed now and used by later milestones (AOF, cluster mode). Read by the event-loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/resp/limits.h"

namespace strata::node {

// One class of client-output-buffer-limit: close the client when its pending output exceeds
// `hard` bytes, or stays above `soft` bytes for `softSeconds` (0 disables a limit).
struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t softSeconds = 0;
  bool operator==(const OutputBufferLimit&) const = default;
};

struct OutputBufferLimits {
  OutputBufferLimit normal{0, 0, 0};
  OutputBufferLimit replica{256LL << 20, 64LL << 20, 60};
  OutputBufferLimit pubsub{32LL << 20, 8LL << 20, 60};
  bool operator==(const OutputBufferLimits&) const = default;
};

struct NodeSettings {
  // Network and clients.
  int port = 6379;
  std::vector<std::string> bind;
  int64_t maxclients = 10000;
  int timeout = 0;  // idle client timeout, seconds (0: never)
  int tcpKeepalive = 300;
  std::string requirepass;
  int64_t acllogMaxLen = 128;      // ACL LOG entries kept (server/acl.h)
  std::string aclfile;             // ACL LOAD / SAVE file; empty: none
  std::vector<std::string> users;  // `user` lines: "<name> <rules...>" (server/acl.h)
  int authFailureDelayMs = 100;    // a failed AUTH / HELLO AUTH is answered this much later
  bool protectedMode = true;       // no password: refuse clients that are not on loopback
  int64_t protoMaxBulkLen = 512LL << 20;
  int64_t clientQueryBufferLimit = 1LL << 30;
  OutputBufferLimits clientOutputBufferLimit;

  // Process.
  std::string dir = "./";
  bool daemonize = false;  // only "no" is supported
  std::string logfile;
  std::string loglevel = "notice";
  int hz = 10;
  int databases = 16;

  // Memory.
  uint64_t maxmemory = 0;  // 0 .. 2^64-1 as Redis (0: no limit)
  std::string maxmemoryPolicy = "noeviction";
  int maxmemorySamples = 5;
  int lfuLogFactor = 10;
  int lfuDecayTime = 1;

  // Slow log (SLOWLOG): commands slower than this many microseconds (-1: off) are kept, newest
  // first, up to slowlog-max-len entries.
  int64_t slowlogLogSlowerThan = 10000;
  int64_t slowlogMaxLen = 128;
  // LATENCY: commands taking at least this many milliseconds are latency events (0: off).
  int64_t latencyMonitorThreshold = 0;
  // CLIENT TRACKING: most keys the tracking table remembers (0: no limit); past it keys are
  // invalidated (server/tracking.h).
  int64_t trackingTableMaxKeys = 1000000;
  // INFO latencystats (server/latency_histogram.h): per-command latency histograms, and the
  // percentiles INFO reports from them.
  bool latencyTracking = true;
  std::vector<double> latencyTrackingInfoPercentiles{50, 99, 99.9};
  // Scripts and functions: after this many milliseconds a running script lets other clients in
  // (they get -BUSY) and SCRIPT KILL / FUNCTION KILL can stop it (0: at once).
  int64_t busyReplyThreshold = 5000;

  // Compact encodings (zset-max-listpack-*).
  int64_t zsetMaxListpackEntries = 128;
  int64_t zsetMaxListpackValue = 64;
  int64_t hashMaxListpackEntries = 512;  // hash-max-listpack-*, set-max-intset-entries
  int64_t hashMaxListpackValue = 64;
  int64_t setMaxIntsetEntries = 512;
  int64_t listMaxListpackSize = -2;  // list-max-listpack-size

  // Observability: Prometheus /metrics and /healthz on metrics-bind:metrics-port (0: off).
  int metricsPort = 0;
  std::string metricsBind = "127.0.0.1";

  // Persistence (later milestone: AOF).
  bool appendonly = false;
  std::string appendfsync = "everysec";
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  bool aofLoadTruncated = true;
  int autoAofRewritePercentage = 100;
  int64_t autoAofRewriteMinSize = 64LL << 20;
  std::vector<std::string> save;
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stopWritesOnBgsaveError = true;
  int notifyKeyspaceEvents = 0;  // notify:: class bits (server/notify.h)

  // Cluster (later milestone).
  bool clusterEnabled = false;
  std::string clusterConfigFile = "nodes.conf";
  int64_t clusterNodeTimeout = 15000;
  int clusterPort = 0;
  std::string clusterAnnounceIp;
  int clusterAnnouncePort = 0;
  int clusterAnnounceTlsPort = 0;  // tls-cluster: the client port announced instead of tls-port
  int clusterAnnounceBusPort = 0;
  bool clusterRequireFullCoverage = true;
  bool clusterAllowReadsWhenDown = false;
  bool clusterAllowReplicaMigration = true;
  bool clusterReplicaNoFailover = false;  // node/cluster/failover.cpp
  int clusterMigrationBarrier = 1;        // node/cluster/failover.cpp

  // Replication (node/replication/).
  std::string replicaof;  // "host port" to follow at start-up (empty: a master)
  int64_t replBacklogSize = 1LL << 20;
  int64_t replBacklogTtl = 3600;  // seconds a master without replicas keeps its backlog
  int replPingReplicaPeriod = 10;
  int replTimeout = 60;
  bool replicaReadOnly = true;
  bool replicaServeStaleData = true;
  int minReplicasToWrite = 0;
  int minReplicasMaxLag = 10;
  std::string masterauth;
  std::string masteruser;
  std::string replicaAnnounceIp;
  int replicaAnnouncePort = 0;
  bool replDisklessSync = true;  // accepted: full syncs always stream from a fork

  // TLS (node/server/node_tls.h): a listener on tlsPort beside `port`, and TLS on the links to
  // the master (tlsReplication) and on the cluster bus and MIGRATE (tlsCluster).
  int tlsPort = 0;  // 0: no TLS listener
  std::string tlsCertFile;
  std::string tlsKeyFile;
  std::string tlsKeyFilePass;
  std::string tlsClientCertFile;  // outgoing links; empty: tlsCertFile
  std::string tlsClientKeyFile;
  std::string tlsClientKeyFilePass;
  std::string tlsCaCertFile;
  std::string tlsCaCertDir;
  std::string tlsAuthClients = "yes";  // yes | no | optional
  bool tlsReplication = false;
  bool tlsCluster = false;
  std::string tlsProtocols;     // "TLSv1.2 TLSv1.3" subset; empty: TLS 1.2 and 1.3
  std::string tlsCiphers;       // TLS 1.2 cipher list; empty: OpenSSL's default
  std::string tlsCiphersuites;  // TLS 1.3 ciphersuites; empty: OpenSSL's default
  bool tlsPreferServerCiphers = false;
  bool tlsSessionCaching = true;
  int64_t tlsSessionCacheSize = 20480;
  int tlsSessionCacheTimeout = 300;

  resp::Limits clientLimits() const {
    resp::Limits l;
    l.maxBulkLen = protoMaxBulkLen;
    return l;
  }
  bool lfuPolicy() const { return maxmemoryPolicy.find("lfu") != std::string::npos; }
  bool lruPolicy() const { return maxmemoryPolicy.find("lru") != std::string::npos; }
};

}  // namespace strata::node
