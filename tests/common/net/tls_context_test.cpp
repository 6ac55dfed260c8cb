// TLS contexts of common/net/tls_context.h, exercised by real handshakes between a client and a
// server SSL joined by an in-memory BIO pair, with a PKI generated at test time (test_certs.h).
#include "common/net/tls_context.h"

#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/net/ssl_error.h"
#include "tests/common/net/test_certs.h"

// Options are written as designated initializers naming only the fields a case sets; GCC 12 warns
// about the omitted (defaulted) ones.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace strata::net;
using strata::testing::TestCertDir;

namespace {

struct HandshakeOutcome {
  bool clientOk = false;
  bool serverOk = false;
  std::string clientError;
  std::string serverError;
  std::string serverReceived;  // what the server read after the handshake

  bool ok() const { return clientOk && serverOk && serverReceived == "PING"; }
};

// Runs one step of SSL_do_handshake; returns true when this side is finished (done or failed).
bool step(SSL* ssl, bool& ok, std::string& error) {
  if (ok || !error.empty()) return true;
  int r = SSL_do_handshake(ssl);
  if (r == 1) {
    ok = true;
    return true;
  }
  int e = SSL_get_error(ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return false;
  error = drainSslErrors();
  return true;
}

// Handshakes `client` against `server` over a BIO pair, then sends "PING" from the client so a
// late rejection (TLS 1.3 checks the client certificate after the client has finished) shows.
HandshakeOutcome handshake(SslPtr client, SslPtr server) {
  HandshakeOutcome out;
  REQUIRE(client);
  REQUIRE(server);
  BIO* clientBio = nullptr;
  BIO* serverBio = nullptr;
  REQUIRE(BIO_new_bio_pair(&clientBio, 0, &serverBio, 0) == 1);
  SSL_set_bio(client.get(), clientBio, clientBio);  // the SSLs own the BIOs now
  SSL_set_bio(server.get(), serverBio, serverBio);
  ERR_clear_error();
  for (int i = 0; i < 50; ++i) {
    bool c = step(client.get(), out.clientOk, out.clientError);
    bool s = step(server.get(), out.serverOk, out.serverError);
    if (c && s) break;
  }
  if (out.clientOk && out.serverOk) {
    if (SSL_write(client.get(), "PING", 4) != 4) out.clientError = drainSslErrors();
    char buf[16];
    int n = SSL_read(server.get(), buf, sizeof(buf));
    if (n > 0) {
      out.serverReceived.assign(buf, static_cast<size_t>(n));
    } else {
      out.serverError = drainSslErrors();
    }
  }
  // A client whose certificate was rejected after its handshake learns it on its next read.
  if (out.clientOk && !out.serverOk) {
    char buf[16];
    if (SSL_read(client.get(), buf, sizeof(buf)) <= 0) {
      out.clientOk = false;
      out.clientError = drainSslErrors();
    }
  }
  return out;
}

std::shared_ptr<const TlsContext> server(const TlsServerOptions& o) {
  TlsResult r = makeServerContext(o);
  INFO(r.error);
  REQUIRE(r);
  CHECK(r.error.empty());
  return r.context;
}

std::shared_ptr<const TlsContext> client(const TlsClientOptions& o) {
  TlsResult r = makeClientContext(o);
  INFO(r.error);
  REQUIRE(r);
  return r.context;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_SUITE("common.net") {
  TEST_CASE("handshake succeeds when the client trusts the server's CA") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()});
    auto cli = client({.caFile = pki.caCert(), .serverName = "localhost"});
    CHECK(srv->role() == TlsContext::Role::kServer);
    CHECK(cli->role() == TlsContext::Role::kClient);
    HandshakeOutcome out = handshake(cli->newSsl(), srv->newSsl());
    INFO(out.clientError, " / ", out.serverError);
    CHECK(out.ok());
  }

  TEST_CASE("handshake verifies an IP address as server name") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()});
    auto cli = client({.caFile = pki.caCert(), .serverName = "127.0.0.1"});
    CHECK(handshake(cli->newSsl(), srv->newSsl()).ok());
  }

  TEST_CASE("handshake fails when the client trusts another CA") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()});
    auto cli = client({.caFile = pki.otherCaCert(), .serverName = "localhost"});
    HandshakeOutcome out = handshake(cli->newSsl(), srv->newSsl());
    CHECK_FALSE(out.clientOk);
    CHECK(contains(out.clientError, "certificate verify failed"));
  }

  TEST_CASE("handshake fails when the server name does not match the certificate") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()});
    auto cli = client({.caFile = pki.caCert(), .serverName = "redis.example.com"});
    HandshakeOutcome out = handshake(cli->newSsl(), srv->newSsl());
    CHECK_FALSE(out.clientOk);
    CHECK(contains(out.clientError, "certificate verify failed"));
  }

  TEST_CASE("verifyPeer=false accepts an untrusted server") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()});
    auto cli = client({.caFile = pki.otherCaCert(), .verifyPeer = false});
    CHECK(handshake(cli->newSsl(), srv->newSsl()).ok());
  }

  TEST_CASE("mutual TLS: a required client certificate") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(),
                       .keyFile = pki.serverKey(),
                       .caFile = pki.caCert(),
                       .requireClientCert = true});

    SUBCASE("missing: the server refuses") {
      auto cli = client({.caFile = pki.caCert()});
      HandshakeOutcome out = handshake(cli->newSsl(), srv->newSsl());
      CHECK_FALSE(out.serverOk);
      CHECK(contains(out.serverError, "peer did not return a certificate"));
      CHECK_FALSE(out.clientOk);
    }
    SUBCASE("signed by the right CA: accepted") {
      auto cli = client(
          {.caFile = pki.caCert(), .certFile = pki.clientCert(), .keyFile = pki.clientKey()});
      HandshakeOutcome out = handshake(cli->newSsl(), srv->newSsl());
      INFO(out.clientError, " / ", out.serverError);
      CHECK(out.ok());
    }
    SUBCASE("signed by an unrelated CA: the server refuses") {
      auto cli = client({.caFile = pki.caCert(),
                         .certFile = pki.otherClientCert(),
                         .keyFile = pki.otherClientKey()});
      HandshakeOutcome out = handshake(cli->newSsl(), srv->newSsl());
      CHECK_FALSE(out.serverOk);
      CHECK(contains(out.serverError, "certificate verify failed"));
    }
  }

  TEST_CASE("optional client certificate: none is fine, a bad one is refused") {
    TestCertDir pki;
    auto srv =
        server({.certFile = pki.serverCert(), .keyFile = pki.serverKey(), .caFile = pki.caCert()});
    CHECK(handshake(client({.caFile = pki.caCert()})->newSsl(), srv->newSsl()).ok());
    auto bad = client({.caFile = pki.caCert(),
                       .certFile = pki.otherClientCert(),
                       .keyFile = pki.otherClientKey()});
    CHECK_FALSE(handshake(bad->newSsl(), srv->newSsl()).serverOk);
  }

  TEST_CASE("TLS 1.1 is refused by the server") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()});
    // A raw client that can only speak TLS 1.1 (security level 0 lets OpenSSL 3 offer it).
    SslCtxPtr old(SSL_CTX_new(TLS_client_method()));
    REQUIRE(old);
    SSL_CTX_set_security_level(old.get(), 0);
    REQUIRE(SSL_CTX_set_cipher_list(old.get(), "DEFAULT:@SECLEVEL=0") == 1);
    REQUIRE(SSL_CTX_set_min_proto_version(old.get(), TLS1_1_VERSION) == 1);
    REQUIRE(SSL_CTX_set_max_proto_version(old.get(), TLS1_1_VERSION) == 1);
    SSL_CTX_set_verify(old.get(), SSL_VERIFY_NONE, nullptr);
    SslPtr ssl(SSL_new(old.get()));
    SSL_set_connect_state(ssl.get());
    HandshakeOutcome out = handshake(std::move(ssl), srv->newSsl());
    CHECK_FALSE(out.serverOk);
    CHECK_FALSE(out.clientOk);
    INFO(out.serverError);
    CHECK(contains(out.serverError, "unsupported protocol"));
  }

  TEST_CASE("missing files are reported by name") {
    TestCertDir pki;
    std::string missing = pki.path("nope.pem");
    TlsResult r = makeServerContext({.certFile = missing, .keyFile = pki.serverKey()});
    CHECK_FALSE(r);
    CHECK(contains(r.error, missing));
    CHECK(contains(r.error, "No such file"));

    r = makeServerContext({.certFile = pki.serverCert(), .keyFile = missing});
    CHECK_FALSE(r);
    CHECK(contains(r.error, "private key file '" + missing + "'"));

    r = makeServerContext(
        {.certFile = pki.serverCert(), .keyFile = pki.serverKey(), .caFile = missing});
    CHECK_FALSE(r);
    CHECK(contains(r.error, "CA file '" + missing + "'"));

    r = makeClientContext({.caFile = missing});
    CHECK_FALSE(r);
    CHECK(contains(r.error, missing));

    std::string garbage = pki.path("garbage.pem");
    std::ofstream(garbage) << "not a certificate\n";
    r = makeServerContext({.certFile = garbage, .keyFile = pki.serverKey()});
    CHECK_FALSE(r);
    CHECK(contains(r.error, garbage));
  }

  TEST_CASE("a key that does not match its certificate is reported") {
    TestCertDir pki;
    TlsResult r = makeServerContext({.certFile = pki.serverCert(), .keyFile = pki.clientKey()});
    CHECK_FALSE(r);
    CHECK(contains(r.error, pki.clientKey()));
    CHECK(contains(r.error, "does not match"));

    r = makeClientContext(
        {.caFile = pki.caCert(), .certFile = pki.clientCert(), .keyFile = pki.serverKey()});
    CHECK_FALSE(r);
    CHECK(contains(r.error, pki.serverKey()));

    CHECK_FALSE(checkKeyMatchesCert(pki.serverCert(), pki.serverKey()).has_value());
    auto err = checkKeyMatchesCert(pki.serverCert(), pki.clientKey());
    REQUIRE(err.has_value());
    CHECK(contains(*err, pki.clientKey()));
    CHECK(contains(*err, pki.serverCert()));
    err = checkKeyMatchesCert(pki.path("absent.pem"), pki.serverKey());
    REQUIRE(err.has_value());
    CHECK(contains(*err, pki.path("absent.pem")));
  }

  TEST_CASE("option errors") {
    CHECK_FALSE(makeServerContext({}));
    TlsResult r =
        makeServerContext({.certFile = "a.pem", .keyFile = "a.key", .requireClientCert = true});
    CHECK_FALSE(r);
    CHECK(contains(r.error, "CA file"));
    r = makeClientContext({.certFile = "c.pem"});
    CHECK_FALSE(r);
    TestCertDir pki;
    r = makeServerContext(
        {.certFile = pki.serverCert(), .keyFile = pki.serverKey(), .ciphers = "NO-SUCH-CIPHER"});
    CHECK_FALSE(r);
    CHECK(contains(r.error, "NO-SUCH-CIPHER"));
  }

  TEST_CASE("contexts have the documented defaults") {
    TestCertDir pki;
    auto srv = server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()});
    SSL_CTX* ctx = srv->native();
    CHECK(SSL_CTX_get_min_proto_version(ctx) == TLS1_2_VERSION);
    CHECK((SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION) != 0);
    CHECK((SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION) != 0);
    CHECK((SSL_CTX_get_mode(ctx) & SSL_MODE_ENABLE_PARTIAL_WRITE) != 0);
    CHECK((SSL_CTX_get_mode(ctx) & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER) != 0);
    CHECK(SSL_CTX_get_session_cache_mode(ctx) == SSL_SESS_CACHE_OFF);
  }

  TEST_CASE("reload: swapping the context keeps established connections alive") {
    TestCertDir pki;
    TlsContextSlot slot(server({.certFile = pki.serverCert(), .keyFile = pki.serverKey()}));
    auto cli = client({.caFile = pki.caCert()});

    // A connection made from the first context.
    SslPtr oldServerSide = slot.load()->newSsl();
    SslPtr clientSide = cli->newSsl();
    BIO* a = nullptr;
    BIO* b = nullptr;
    REQUIRE(BIO_new_bio_pair(&a, 0, &b, 0) == 1);
    SSL_set_bio(clientSide.get(), a, a);
    SSL_set_bio(oldServerSide.get(), b, b);
    bool cOk = false, sOk = false;
    std::string cErr, sErr;
    for (int i = 0; i < 20; ++i) {
      step(clientSide.get(), cOk, cErr);
      step(oldServerSide.get(), sOk, sErr);
    }
    REQUIRE(cOk);
    REQUIRE(sOk);

    // SIGHUP: a new context (here: now requiring client certificates) replaces the old one,
    // concurrently with readers.
    std::thread reader([&] {
      for (int i = 0; i < 1000; ++i) CHECK(slot.load() != nullptr);
    });
    slot.store(server({.certFile = pki.serverCert(),
                       .keyFile = pki.serverKey(),
                       .caFile = pki.caCert(),
                       .requireClientCert = true}));
    reader.join();

    // The established connection still works, on the old (now unreferenced) context.
    CHECK(SSL_write(clientSide.get(), "PING", 4) == 4);
    char buf[8];
    CHECK(SSL_read(oldServerSide.get(), buf, sizeof(buf)) == 4);
    // New connections get the new policy.
    CHECK_FALSE(handshake(cli->newSsl(), slot.load()->newSsl()).serverOk);
  }

  TEST_CASE("protocol lists (tls-protocols) bound the versions both sides accept") {
    TestCertDir pki;
    auto only12 =
        server({.certFile = pki.serverCert(), .keyFile = pki.serverKey(), .protocols = "TLSv1.2"});
    auto only13 = client({.caFile = pki.caCert(), .protocols = "tlsv1.3"});
    HandshakeOutcome mismatch = handshake(only13->newSsl(), only12->newSsl());
    CHECK_FALSE(mismatch.clientOk);
    auto both = client({.caFile = pki.caCert(), .protocols = "TLSv1.2 TLSv1.3"});
    CHECK(handshake(both->newSsl(), only12->newSsl()).ok());

    TlsResult bad = makeServerContext(
        {.certFile = pki.serverCert(), .keyFile = pki.serverKey(), .protocols = "TLSv1.2 SSLv3"});
    CHECK_FALSE(bad);
    CHECK(contains(bad.error, "invalid protocol 'sslv3'"));
  }

  TEST_CASE("an encrypted key loads with its passphrase and fails without it") {
    TestCertDir pki;
    // Re-encrypt the server key with a passphrase.
    BioPtr in(BIO_new_file(pki.serverKey().c_str(), "r"));
    REQUIRE(in);
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
    REQUIRE(key);
    const std::string encrypted = pki.path("encrypted.key");
    BioPtr out(BIO_new_file(encrypted.c_str(), "w"));
    REQUIRE(out);
    static const char kPass[] = "s3cret";
    REQUIRE(PEM_write_bio_PrivateKey(out.get(), key.get(), EVP_aes_128_cbc(),
                                     reinterpret_cast<const unsigned char*>(kPass),
                                     sizeof(kPass) - 1, nullptr, nullptr) == 1);
    out.reset();
    CHECK(makeServerContext(
        {.certFile = pki.serverCert(), .keyFile = encrypted, .keyPassword = "s3cret"}));
    CHECK_FALSE(makeServerContext(
        {.certFile = pki.serverCert(), .keyFile = encrypted, .keyPassword = "wrong"}));
    CHECK_FALSE(makeServerContext({.certFile = pki.serverCert(), .keyFile = encrypted}));
  }

  TEST_CASE("client certificates verified only when presented (tls-auth-clients optional)") {
    TestCertDir pki;
    auto optional = server({.certFile = pki.serverCert(),
                            .keyFile = pki.serverKey(),
                            .caFile = pki.caCert(),
                            .requireClientCert = false});
    auto anonymous = client({.caFile = pki.caCert()});
    CHECK(handshake(anonymous->newSsl(), optional->newSsl()).ok());
    auto stranger = client({.caFile = pki.caCert(),
                            .certFile = pki.otherClientCert(),
                            .keyFile = pki.otherClientKey()});
    CHECK_FALSE(handshake(stranger->newSsl(), optional->newSsl()).ok());
    // tls-auth-clients no: not even a stranger's certificate is looked at.
    auto none = server({.certFile = pki.serverCert(),
                        .keyFile = pki.serverKey(),
                        .caFile = pki.caCert(),
                        .verifyClientCert = false});
    CHECK(handshake(stranger->newSsl(), none->newSsl()).ok());
  }
}
