// Password-guessing defence of the node (issue 8), the node's side of the proxy's
// auth-failure-delay-ms: every failed AUTH / HELLO AUTH (WRONGPASS) is counted
// (Stats::authFailures: INFO stats strata_auth_failures, strata_node_auth_failures_total), logged
// at most once a second with the count and the peer, and answered after auth-failure-delay-ms
// without blocking the loop:
//
//   AUTH handler ──writes -WRONGPASS──> failed(client) ──> client.authHeld (no more input parsed,
//   no output written)  ···delay···>  timer: authHeld off ──> flush + the pipeline resumes in order
//
// The reply is written at once (statistics, MULTI and CLIENT REPLY see it as usual); only its
// delivery waits, with everything the client queued behind it. A second failure of a held client
// (inside EXEC) waits behind the first. Clients are found again by id, so a client that
// disconnects while held is simply forgotten. Owned by the Server (created on first use);
// event-loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>

#include "common/net/handles.h"

namespace strata::node {

class Client;
class Server;

class AuthGuard {
 public:
  explicit AuthGuard(Server& server) : server_(server) {}
  AuthGuard(const AuthGuard&) = delete;
  AuthGuard& operator=(const AuthGuard&) = delete;

  // A failed AUTH / HELLO AUTH of `client`, whose error reply is already in its output.
  void failed(Client& client);
  // Clients held right now (tests).
  size_t held() const { return byClient_.size(); }

 private:
  void onTimer(evutil_socket_t fd, short what);
  void arm();

  Server& server_;
  net::EventPtr timer_;                     // one-shot, at the earliest due
  std::multimap<int64_t, uint64_t> byDue_;  // due (monotonic us) -> client id
  std::unordered_map<uint64_t, decltype(byDue_)::iterator> byClient_;
  int64_t lastLogUs_ = 0;
  uint64_t notLogged_ = 0;  // failures since the last log line
};

}  // namespace strata::node
