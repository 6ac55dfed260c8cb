// Test-only PKI: makes CA, server and client certificates with the OpenSSL API at test time and
// writes them as PEM files into a fresh temporary directory, so no key material is checked in.
// Used by the TLS unit tests and, later, by node/proxy integration tests. Throws
// std::runtime_error on failure (tests only). Not thread-safe per object; make one per test.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/net/handles.h"

namespace strata::testing {

struct KeyAndCert {
  net::EvpPkeyPtr key;
  net::X509Ptr cert;
};

enum class CertUsage { kServer, kClient };

// A self-signed CA (P-256 key, SHA-256, valid from one hour ago for one day).
KeyAndCert makeCa(const std::string& commonName);

// A leaf certificate signed by `issuer`. `altNames` are subjectAltName entries in OpenSSL's
// syntax, e.g. {"DNS:localhost", "IP:127.0.0.1"}.
KeyAndCert issueCert(const KeyAndCert& issuer, const std::string& commonName, CertUsage usage,
                     const std::vector<std::string>& altNames = {});

void writeCertPem(const std::filesystem::path& file, X509* cert);
void writeKeyPem(const std::filesystem::path& file, EVP_PKEY* key);

// A temporary directory holding a complete test PKI, removed on destruction:
//   ca.pem / ca.key            the trusted CA
//   server.pem / server.key    signed by ca, CN=localhost, SAN DNS:localhost, IP:127.0.0.1
//   client.pem / client.key    signed by ca, CN=strata-client, clientAuth
//   other_ca.pem / other_ca.key             an unrelated CA
//   other_client.pem / other_client.key     a client certificate signed by other_ca
class TestCertDir {
 public:
  TestCertDir();
  ~TestCertDir();
  TestCertDir(const TestCertDir&) = delete;
  TestCertDir& operator=(const TestCertDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string caCert() const { return path("ca.pem"); }
  std::string caKey() const { return path("ca.key"); }
  std::string serverCert() const { return path("server.pem"); }
  std::string serverKey() const { return path("server.key"); }
  std::string clientCert() const { return path("client.pem"); }
  std::string clientKey() const { return path("client.key"); }
  std::string otherCaCert() const { return path("other_ca.pem"); }
  std::string otherCaKey() const { return path("other_ca.key"); }
  std::string otherClientCert() const { return path("other_client.pem"); }
  std::string otherClientKey() const { return path("other_client.key"); }

 private:
  std::filesystem::path dir_;
};

}  // namespace strata::testing
