// The node's TLS contexts, built from its tls-* settings as redis-server's tls.c does:
//   - server: what the tls-port listener presents (and the cluster bus listener with
//     tls-cluster yes, and so what replicas see); client certificates required, verified if
//     presented or not requested per tls-auth-clients.
//   - client: what the node presents and verifies on the links it opens itself (the master
//     with tls-replication yes; the cluster bus and MIGRATE with tls-cluster yes), with
//     tls-client-cert-file/-key-file or else tls-cert-file/-key-file, peers checked against
//     tls-ca-cert-file/-dir (no host-name check, as Redis).
// Built once at start (a bad file refuses the start) and again by CONFIG SET of a tls-* option
// (new connections use the new contexts; established ones keep theirs; a failed rebuild keeps the
// old ones). The contexts themselves are common/net/tls_context.h's. Event-loop thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/net/tls_context.h"
#include "node/settings.h"

namespace strata::node {

class NodeTls {
 public:
  // True when `s` asks for TLS anywhere (tls-port, tls-replication or tls-cluster).
  static bool wanted(const NodeSettings& s);

  // Builds both contexts from `s` and installs them; on failure returns the reason and keeps
  // the current contexts. With no TLS wanted, clears them.
  std::optional<std::string> configure(const NodeSettings& s);

  // Null when TLS is not configured.
  const std::shared_ptr<const net::TlsContext>& server() const { return server_; }
  const std::shared_ptr<const net::TlsContext>& client() const { return client_; }

 private:
  std::shared_ptr<const net::TlsContext> server_;
  std::shared_ptr<const net::TlsContext> client_;
};

}  // namespace strata::node
