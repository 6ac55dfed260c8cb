// NodeTls: the tls-* settings mapped onto common/net's TLS context builders (see node_tls.h).
#include "node/server/node_tls.h"

#include <openssl/ssl.h>

namespace strata::node {

bool NodeTls::wanted(const NodeSettings& s) {
  return s.tlsPort > 0 || s.tlsReplication || s.tlsCluster;
}

std::optional<std::string> NodeTls::configure(const NodeSettings& s) {
  if (!wanted(s)) {
    server_.reset();
    client_.reset();
    return std::nullopt;
  }
  // Redis's messages for the settings it checks itself.
  if (s.tlsCertFile.empty()) return "No tls-cert-file configured!";
  if (s.tlsKeyFile.empty()) return "No tls-key-file configured!";
  const bool haveCa = !s.tlsCaCertFile.empty() || !s.tlsCaCertDir.empty();
  if (!haveCa && (s.tlsAuthClients != "no" || s.tlsReplication || s.tlsCluster)) {
    return "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
           "tls-replication or tls-auth-clients are enabled!";
  }
  net::TlsServerOptions so;
  so.certFile = s.tlsCertFile;
  so.keyFile = s.tlsKeyFile;
  so.keyPassword = s.tlsKeyFilePass;
  so.caFile = s.tlsCaCertFile;
  so.caDir = s.tlsCaCertDir;
  so.requireClientCert = s.tlsAuthClients == "yes";
  so.verifyClientCert = s.tlsAuthClients != "no";
  so.protocols = s.tlsProtocols;
  so.ciphers = s.tlsCiphers;
  so.ciphersuites = s.tlsCiphersuites;
  so.preferServerCiphers = s.tlsPreferServerCiphers;
  // tls-session-cache-size 0: OpenSSL's default size (as Redis).
  const long cacheSize = s.tlsSessionCacheSize > 0 ? static_cast<long>(s.tlsSessionCacheSize)
                                                   : SSL_SESSION_CACHE_MAX_SIZE_DEFAULT;
  so.sessionCacheSize = s.tlsSessionCaching ? cacheSize : 0;
  so.sessionCacheTimeout = s.tlsSessionCacheTimeout;
  net::TlsResult server = net::makeServerContext(so);
  if (!server) return server.error;

  net::TlsClientOptions co;
  const bool ownClientCert = !s.tlsClientCertFile.empty();
  co.certFile = ownClientCert ? s.tlsClientCertFile : s.tlsCertFile;
  co.keyFile = ownClientCert ? s.tlsClientKeyFile : s.tlsKeyFile;
  co.keyPassword = ownClientCert ? s.tlsClientKeyFilePass : s.tlsKeyFilePass;
  co.caFile = s.tlsCaCertFile;
  co.caDir = s.tlsCaCertDir;
  co.verifyPeer = haveCa;  // tls-port only, tls-auth-clients no, no CA: nothing to verify with
  co.protocols = s.tlsProtocols;
  co.ciphers = s.tlsCiphers;
  co.ciphersuites = s.tlsCiphersuites;
  net::TlsResult client = net::makeClientContext(co);
  if (!client) return client.error;

  server_ = std::move(server.context);
  client_ = std::move(client.context);
  return std::nullopt;
}

}  // namespace strata::node
