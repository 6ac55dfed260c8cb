// TLS contexts (SSL_CTX) built from PEM certificate, key and CA files, for the node's client and
// cluster-bus listeners (server side) and for the proxy's and node's outgoing links (client
// side). A TlsContext owns one SSL_CTX; it is immutable once built and used through
// `std::shared_ptr<const TlsContext>`, so any thread may call newSsl() concurrently.
//
// Reloading on SIGHUP: build a new context with makeServerContext()/makeClientContext() and, if
// it succeeded, publish it with TlsContextSlot::store(). New connections take the new context from
// load(); established connections keep working on the old one, because every SSL object holds its
// own reference on the SSL_CTX it was made from (and the shared_ptr keeps the TlsContext alive
// while anyone still holds it). A failed rebuild leaves the old context in place.
//
// Defaults (the node overrides some from its tls-* options): TLS 1.2 minimum, no compression, no
// renegotiation, server cipher preference, no session cache and no session
// tickets (a full handshake per connection: simple and safe across certificate reloads),
// SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS
// (as libevent's bufferevent_openssl expects; idle connections free their buffers).
// Builders never throw: they return the context or an error naming the file and OpenSSL's reason.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "common/net/handles.h"

namespace strata::net {

struct TlsServerOptions {
  std::string certFile;  // PEM certificate chain: leaf first, then intermediates
  std::string keyFile;   // PEM private key of the leaf certificate
  std::string caFile;    // optional: CA(s) that client certificates are verified against
  // Require a client certificate signed by caFile (mutual TLS); needs caFile. When caFile is set
  // and this is false, a client certificate is optional but verified if presented.
  bool requireClientCert = false;
  std::string ciphers;       // optional: TLS 1.2 cipher list (OpenSSL syntax); empty = default
  std::string ciphersuites;  // optional: TLS 1.3 ciphersuites; empty = default
  // The options below default to the proxy's behaviour; the node sets them from Redis's tls-*.
  std::string keyPassword;  // optional: passphrase of an encrypted keyFile
  std::string caDir;        // optional: hashed CA directory (c_rehash), with or without caFile
  std::string protocols;    // optional: "TLSv1.2 TLSv1.3" style subset; empty = TLS 1.2 and up
  bool preferServerCiphers = true;
  // Server-side session cache (resumption): 0 = off; size and timeout in seconds.
  long sessionCacheSize = 0;
  long sessionCacheTimeout = 300;
  // Verify a client certificate if one is presented, without requiring one (needs a CA).
  bool verifyClientCert = true;
};

struct TlsClientOptions {
  // CA(s) that the server certificate is verified against; empty = the system's default trust
  // store. Only used when verifyPeer is true.
  std::string caFile;
  std::string certFile;      // optional, with keyFile: client certificate for mutual TLS
  std::string keyFile;       // optional, with certFile
  std::string serverName;    // optional: sent as SNI, and checked against the certificate when
                             // verifyPeer (DNS name or IP address)
  bool verifyPeer = true;    // false = accept any server certificate (tests and debugging only)
  std::string ciphers;       // optional: TLS 1.2 cipher list
  std::string ciphersuites;  // optional: TLS 1.3 ciphersuites
  std::string keyPassword;   // optional: passphrase of an encrypted keyFile
  std::string caDir;         // optional: hashed CA directory, with or without caFile
  std::string protocols;     // optional: as TlsServerOptions::protocols
};

class TlsContext {
 public:
  enum class Role { kServer, kClient };

  TlsContext(SslCtxPtr ctx, Role role, std::string serverName, bool verifyPeer) noexcept;

  Role role() const noexcept { return role_; }

  // A new SSL object for one connection, in the right mode (accept or connect), with SNI and the
  // host-name check applied for client contexts. Null on failure (allocation).
  SslPtr newSsl() const;

  // The underlying SSL_CTX, for APIs that need it (e.g. bufferevent_openssl). Do not modify it:
  // the context is shared between threads.
  SSL_CTX* native() const noexcept { return ctx_.get(); }

 private:
  SslCtxPtr ctx_;
  Role role_;
  std::string serverName_;
  bool verifyPeer_;
};

// A built context or the reason it could not be built.
struct TlsResult {
  std::shared_ptr<const TlsContext> context;  // null on error
  std::string error;                          // empty on success

  explicit operator bool() const noexcept { return context != nullptr; }
};

TlsResult makeServerContext(const TlsServerOptions& options);
TlsResult makeClientContext(const TlsClientOptions& options);

// Checks that the private key in keyFile belongs to the (first) certificate in certFile.
// Returns nullopt when it does, else an error naming the file(s) at fault.
std::optional<std::string> checkKeyMatchesCert(const std::string& certFile,
                                               const std::string& keyFile);

// The current context of a listener or connector, swapped atomically on reload (see above).
// Any thread may call load() and store().
class TlsContextSlot {
 public:
  explicit TlsContextSlot(std::shared_ptr<const TlsContext> initial = nullptr)
      : current_(std::move(initial)) {}

  std::shared_ptr<const TlsContext> load() const { return current_.load(); }
  void store(std::shared_ptr<const TlsContext> next) { current_.store(std::move(next)); }

 private:
  std::atomic<std::shared_ptr<const TlsContext>> current_;
};

}  // namespace strata::net
