// The descriptors the proxy keeps besides its clients', passed as the reserve of
// net::adjustOpenFilesLimit (common/net/open_files.h) by Server at start-up and when a SIGHUP
// changes maxclients: RLIMIT_NOFILE must hold maxclients + this. A fixed, generous count rather
// than the cluster's current size, so a cluster that grows does not push clients out:
//   32 for the process (stdio, log file, the client listeners, the metrics endpoint and its
//      connections, the topology thread's links, the main loop's epoll and signal pipe), plus
//   per worker: 4 (its epoll, its eventfd, slack) and the shared links to 16 nodes, RESP2 and
//      RESP3 each, backend-connections of each.
// With 2 workers and backend-connections 1 that is 32 + 2 x (4 + 2 x 16) = 104. Dedicated links
// (blocking commands, transactions, pub/sub) are one per client using them and are not reserved:
// when descriptors run out, their requests fail and the listeners pause (net::AcceptBackoff).
#pragma once

#include <cstdint>

#include "proxy/settings.h"

namespace strata::proxy {

inline constexpr int64_t kProcessReservedFds = 32;
inline constexpr int64_t kWorkerReservedFds = 4;
inline constexpr int64_t kReservedNodes = 16;

// `settings.threads` must already be resolved (> 0: Server's constructor does it).
inline int64_t openFilesReserve(const ProxySettings& settings) {
  const int64_t sharedLinks = 2 * int64_t{settings.backendConnections} * kReservedNodes;
  return kProcessReservedFds + int64_t{settings.threads} * (kWorkerReservedFds + sharedLinks);
}

}  // namespace strata::proxy
