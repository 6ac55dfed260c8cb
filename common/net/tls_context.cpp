// Implementation of common/net/tls_context.h: SSL_CTX set-up shared by the server and client
// builders, file loading with file-naming errors, and per-connection SSL objects.
#include "common/net/tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/net/ssl_error.h"

namespace strata::net {
namespace {

// Session-id context for servers: required by OpenSSL whenever client certificates are verified.
constexpr unsigned char kSessionIdContext[] = "strata";

bool isIpAddress(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

std::string fail(const std::string& what) {
  return what + ": " + drainSslErrors();
}

// Applies a "TLSv1.2 TLSv1.3" style protocol list (Redis's tls-protocols) as a minimum and
// maximum version plus SSL_OP_NO_* for versions left out in between. Empty: TLS 1.2 and up.
bool applyProtocols(SSL_CTX* ctx, const std::string& protocols, std::string& error) {
  static constexpr struct {
    const char* name;
    int version;
    uint64_t disable;
  } kVersions[] = {{"tlsv1", TLS1_VERSION, SSL_OP_NO_TLSv1},
                   {"tlsv1.1", TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
                   {"tlsv1.2", TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
                   {"tlsv1.3", TLS1_3_VERSION, SSL_OP_NO_TLSv1_3}};
  bool wanted[4] = {false, false, protocols.empty(), protocols.empty()};
  size_t pos = 0;
  while (pos < protocols.size()) {
    size_t end = protocols.find_first_of(" \t", pos);
    if (end == std::string::npos) end = protocols.size();
    std::string word = protocols.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool known = false;
    for (int i = 0; i < 4; ++i) {
      if (word == kVersions[i].name) wanted[i] = known = true;
    }
    if (!known) {
      error = "tls: invalid protocol '" + word +
              "' in the protocol list: use a combination of TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3";
      return false;
    }
  }
  int lowest = -1, highest = -1;
  for (int i = 0; i < 4; ++i) {
    if (!wanted[i]) continue;
    if (lowest < 0) lowest = i;
    highest = i;
  }
  if (lowest < 0) {
    error = "tls: the protocol list enables no protocol";
    return false;
  }
  if (SSL_CTX_set_min_proto_version(ctx, kVersions[lowest].version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, kVersions[highest].version) != 1) {
    error = fail("tls: cannot set the protocol versions");
    return false;
  }
  for (int i = lowest; i <= highest; ++i) {
    if (!wanted[i]) SSL_CTX_set_options(ctx, kVersions[i].disable);
  }
  return true;
}

// The settings both roles share. Returns null and sets `error` on failure.
SslCtxPtr newBaseContext(const SSL_METHOD* method, const std::string& ciphers,
                         const std::string& ciphersuites, const std::string& protocols,
                         std::string& error) {
  SslCtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) {
    error = fail("tls: cannot create SSL_CTX");
    return nullptr;
  }
  if (!applyProtocols(ctx.get(), protocols, error)) return nullptr;
  SSL_CTX_set_options(ctx.get(),
                      SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                  SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx.get(), ciphers.c_str()) != 1) {
    error = fail("tls: invalid cipher list '" + ciphers + "'");
    return nullptr;
  }
  if (!ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx.get(), ciphersuites.c_str()) != 1) {
    error = fail("tls: invalid TLS 1.3 ciphersuites '" + ciphersuites + "'");
    return nullptr;
  }
  return ctx;
}

// OpenSSL's passphrase callback: copies the passphrase given as userdata (none: empty).
int passwordCallback(char* buf, int size, int, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  if (password == nullptr || size <= 0) return 0;
  int n = static_cast<int>(std::min<size_t>(password->size(), static_cast<size_t>(size)));
  std::memcpy(buf, password->data(), static_cast<size_t>(n));
  return n;
}

// Loads a certificate chain and its key (decrypted with `password` if encrypted) into ctx and
// checks they match. Sets `error` on failure.
bool loadCertAndKey(SSL_CTX* ctx, const std::string& certFile, const std::string& keyFile,
                    const std::string& password, std::string& error) {
  if (SSL_CTX_use_certificate_chain_file(ctx, certFile.c_str()) != 1) {
    error = fail("tls: cannot load certificate file '" + certFile + "'");
    return false;
  }
  // The callback is only used while the key loads: never with a dangling userdata later.
  SSL_CTX_set_default_passwd_cb(ctx, passwordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&password));
  int loaded = SSL_CTX_use_PrivateKey_file(ctx, keyFile.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (loaded != 1) {
    // OpenSSL checks the key against the loaded certificate while loading it.
    int reason = ERR_GET_REASON(ERR_peek_last_error());
    if (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH) {
      error = fail("tls: private key file '" + keyFile + "' does not match certificate file '" +
                   certFile + "'");
    } else {
      error = fail("tls: cannot load private key file '" + keyFile + "'");
    }
    return false;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    error = fail("tls: private key file '" + keyFile + "' does not match certificate file '" +
                 certFile + "'");
    return false;
  }
  return true;
}

bool loadCa(SSL_CTX* ctx, const std::string& caFile, const std::string& caDir, std::string& error) {
  if (SSL_CTX_load_verify_locations(ctx, caFile.empty() ? nullptr : caFile.c_str(),
                                    caDir.empty() ? nullptr : caDir.c_str()) != 1) {
    error = caFile.empty() ? fail("tls: cannot load CA directory '" + caDir + "'")
                           : fail("tls: cannot load CA file '" + caFile + "'");
    return false;
  }
  return true;
}

TlsResult failure(std::string error) {
  return TlsResult{nullptr, std::move(error)};
}

}  // namespace

TlsContext::TlsContext(SslCtxPtr ctx, Role role, std::string serverName, bool verifyPeer) noexcept
    : ctx_(std::move(ctx)),
      role_(role),
      serverName_(std::move(serverName)),
      verifyPeer_(verifyPeer) {}

SslPtr TlsContext::newSsl() const {
  SslPtr ssl(SSL_new(ctx_.get()));
  if (!ssl) return nullptr;
  if (role_ == Role::kServer) {
    SSL_set_accept_state(ssl.get());
    return ssl;
  }
  SSL_set_connect_state(ssl.get());
  if (!serverName_.empty()) {
    bool ip = isIpAddress(serverName_);
    // RFC 6066: SNI carries host names only, never address literals.
    if (!ip && SSL_set_tlsext_host_name(ssl.get(), serverName_.c_str()) != 1) return nullptr;
    if (verifyPeer_) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
      int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, serverName_.c_str())
                  : X509_VERIFY_PARAM_set1_host(param, serverName_.c_str(), 0);
      if (ok != 1) return nullptr;
    }
  }
  return ssl;
}

TlsResult makeServerContext(const TlsServerOptions& options) {
  ERR_clear_error();
  if (options.certFile.empty() || options.keyFile.empty()) {
    return failure("tls: a server needs both a certificate file and a key file");
  }
  const bool haveCa = !options.caFile.empty() || !options.caDir.empty();
  if (options.requireClientCert && !haveCa) {
    return failure("tls: requiring client certificates needs a CA file to verify them");
  }
  std::string error;
  SslCtxPtr ctx = newBaseContext(TLS_server_method(), options.ciphers, options.ciphersuites,
                                 options.protocols, error);
  if (!ctx) return failure(std::move(error));
  if (options.preferServerCiphers) {
    SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
  if (!loadCertAndKey(ctx.get(), options.certFile, options.keyFile, options.keyPassword, error)) {
    return failure(std::move(error));
  }
  SSL_CTX_set_session_id_context(ctx.get(), kSessionIdContext, sizeof(kSessionIdContext) - 1);
  if (options.sessionCacheSize > 0) {
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx.get(), options.sessionCacheSize);
    SSL_CTX_set_timeout(ctx.get(), options.sessionCacheTimeout);
    // TLS 1.2 session ids only: TLS 1.3 tickets cost a round of extra records per connection.
  }
  if (haveCa && (options.verifyClientCert || options.requireClientCert)) {
    if (!loadCa(ctx.get(), options.caFile, options.caDir, error)) return failure(std::move(error));
    // Tell clients which CAs we accept, so they pick the right certificate.
    if (!options.caFile.empty()) {
      STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.caFile.c_str());
      if (names == nullptr) {
        return failure(fail("tls: cannot read CA names from '" + options.caFile + "'"));
      }
      SSL_CTX_set_client_CA_list(ctx.get(), names);  // takes ownership
    }
    int mode = SSL_VERIFY_PEER;
    if (options.requireClientCert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx.get(), mode, nullptr);
  }
  return TlsResult{
      std::make_shared<const TlsContext>(std::move(ctx), TlsContext::Role::kServer, "", false), ""};
}

TlsResult makeClientContext(const TlsClientOptions& options) {
  ERR_clear_error();
  if (options.certFile.empty() != options.keyFile.empty()) {
    return failure("tls: a client certificate needs both a certificate file and a key file");
  }
  std::string error;
  SslCtxPtr ctx = newBaseContext(TLS_client_method(), options.ciphers, options.ciphersuites,
                                 options.protocols, error);
  if (!ctx) return failure(std::move(error));
  if (!options.certFile.empty() &&
      !loadCertAndKey(ctx.get(), options.certFile, options.keyFile, options.keyPassword, error)) {
    return failure(std::move(error));
  }
  if (options.verifyPeer) {
    if (!options.caFile.empty() || !options.caDir.empty()) {
      if (!loadCa(ctx.get(), options.caFile, options.caDir, error)) {
        return failure(std::move(error));
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      return failure(fail("tls: cannot load the system's default CA store"));
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  return TlsResult{std::make_shared<const TlsContext>(std::move(ctx), TlsContext::Role::kClient,
                                                      options.serverName, options.verifyPeer),
                   ""};
}

std::optional<std::string> checkKeyMatchesCert(const std::string& certFile,
                                               const std::string& keyFile) {
  ERR_clear_error();
  BioPtr certBio(BIO_new_file(certFile.c_str(), "r"));
  if (!certBio) return fail("tls: cannot open certificate file '" + certFile + "'");
  X509Ptr cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
  if (!cert) return fail("tls: no PEM certificate in '" + certFile + "'");
  BioPtr keyBio(BIO_new_file(keyFile.c_str(), "r"));
  if (!keyBio) return fail("tls: cannot open private key file '" + keyFile + "'");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!key) return fail("tls: no PEM private key in '" + keyFile + "'");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return fail("tls: private key file '" + keyFile + "' does not match certificate file '" +
                certFile + "'");
  }
  return std::nullopt;
}

}  // namespace strata::net
