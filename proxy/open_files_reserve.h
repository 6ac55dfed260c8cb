// The descriptors the proxy needs, passed to net::adjustOpenFilesLimit (common/net/open_files.h)
// by Server at start-up and when a SIGHUP changes maxclients: RLIMIT_NOFILE must hold
// maxclients x kFdsPerClient + openFilesReserve().
//
// Per client, kFdsPerClient = 2: its socket and one dedicated backend link, what a client holds
// while in a blocking command (one at a time per client: commands/exclusive.cpp queues a
// client's next blocking command until the previous one is answered), a WATCH ... EXEC, or
// SUBSCRIBE / PSUBSCRIBE (one link to one master). A client can hold more: WATCH and a blocking
// command at once (RESP3 or not), a SCRIPT KILL (one link per master for a moment), SSUBSCRIBE
// to several masters' channels, keyspace-notification subscriptions (one link per master).
// Those are not reserved: when descriptors run out, the command that needed the link gets
// "-ERR proxy: cannot open a dedicated connection to <node> (...)" at once
// (BackendPool::leaseFailure), and the listeners pause (net::AcceptBackoff).
//
// Besides the clients', a fixed, generous count rather than the cluster's current size, so a
// cluster that grows does not push clients out:
//   32 for the process (stdio, log file, the client listeners, the metrics endpoint and its
//      connections, the topology thread's links, the main loop's epoll and signal pipe), plus
//   per worker: 4 (its epoll, its eventfd, slack), the shared links to 16 nodes, RESP2 and
//      RESP3 each, backend-connections of each, and the idle dedicated links it keeps for reuse
//      (kMaxIdleLeasesPerWorker).
// With 2 workers and backend-connections 1 that is 32 + 2 x (4 + 2 x 16 + 16) = 136.
#pragma once

#include <cstdint>

#include "proxy/settings.h"

namespace strata::proxy {

inline constexpr int64_t kFdsPerClient = 2;
inline constexpr int64_t kProcessReservedFds = 32;
inline constexpr int64_t kWorkerReservedFds = 4;
inline constexpr int64_t kReservedNodes = 16;
inline constexpr int64_t kMaxIdleLeasesPerWorker = 16;  // BackendPool's idle cache, all nodes

// `settings.threads` must already be resolved (> 0: Server's constructor does it).
inline int64_t openFilesReserve(const ProxySettings& settings) {
  const int64_t sharedLinks = 2 * int64_t{settings.backendConnections} * kReservedNodes;
  return kProcessReservedFds +
         int64_t{settings.threads} * (kWorkerReservedFds + sharedLinks + kMaxIdleLeasesPerWorker);
}

}  // namespace strata::proxy
