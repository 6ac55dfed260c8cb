// Implementation of tests/common/net/test_certs.h with OpenSSL 3's EVP and X509 APIs.
#include "tests/common/net/test_certs.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <atomic>
#include <stdexcept>

#include "common/net/ssl_error.h"

namespace strata::testing {
namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("test_certs: " + what + ": " + net::drainSslErrors());
}

net::EvpPkeyPtr newKey() {
  net::EvpPkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

long nextSerial() {
  static std::atomic<long> serial{1000};
  return serial++;
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension " + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok == 1, "X509_add_ext");
}

// A certificate for `key` named `commonName`, valid from one hour ago for one day, unsigned.
net::X509Ptr newCert(EVP_PKEY* key, const std::string& commonName) {
  net::X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), nextSerial()) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) != nullptr, "notAfter");
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("strata tests"), -1, -1,
                                   0) == 1,
        "subject O");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(commonName.c_str()), -1,
                                   -1, 0) == 1,
        "subject CN");
  return cert;
}

}  // namespace

KeyAndCert makeCa(const std::string& commonName) {
  KeyAndCert ca{newKey(), nullptr};
  ca.cert = newCert(ca.key.get(), commonName);
  X509* cert = ca.cert.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1, "issuer");
  addExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  addExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(cert, cert, NID_subject_key_identifier, "hash");
  addExtension(cert, cert, NID_authority_key_identifier, "keyid:always");
  check(X509_sign(cert, ca.key.get(), EVP_sha256()) > 0, "X509_sign CA");
  return ca;
}

KeyAndCert issueCert(const KeyAndCert& issuer, const std::string& commonName, CertUsage usage,
                     const std::vector<std::string>& altNames) {
  KeyAndCert leaf{newKey(), nullptr};
  leaf.cert = newCert(leaf.key.get(), commonName);
  X509* cert = leaf.cert.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(issuer.cert.get())) == 1, "issuer");
  addExtension(cert, issuer.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert, issuer.cert.get(), NID_key_usage, "critical,digitalSignature");
  addExtension(cert, issuer.cert.get(), NID_ext_key_usage,
               usage == CertUsage::kServer ? "serverAuth" : "clientAuth");
  addExtension(cert, issuer.cert.get(), NID_subject_key_identifier, "hash");
  addExtension(cert, issuer.cert.get(), NID_authority_key_identifier, "keyid:always");
  if (!altNames.empty()) {
    std::string san;
    for (const std::string& n : altNames) san += (san.empty() ? "" : ",") + n;
    addExtension(cert, issuer.cert.get(), NID_subject_alt_name, san);
  }
  check(X509_sign(cert, issuer.key.get(), EVP_sha256()) > 0, "X509_sign leaf");
  return leaf;
}

void writeCertPem(const std::filesystem::path& file, X509* cert) {
  net::BioPtr bio(BIO_new_file(file.c_str(), "w"));
  check(bio != nullptr, "open " + file.string());
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "write " + file.string());
}

void writeKeyPem(const std::filesystem::path& file, EVP_PKEY* key) {
  net::BioPtr bio(BIO_new_file(file.c_str(), "w"));
  check(bio != nullptr, "open " + file.string());
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write " + file.string());
}

TestCertDir::TestCertDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "strata-certs-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("test_certs: mkdtemp failed");
  dir_ = tmpl;

  auto save = [this](const std::string& stem, const KeyAndCert& kc) {
    writeCertPem(dir_ / (stem + ".pem"), kc.cert.get());
    writeKeyPem(dir_ / (stem + ".key"), kc.key.get());
  };
  KeyAndCert ca = makeCa("strata test CA");
  save("ca", ca);
  save("server", issueCert(ca, "localhost", CertUsage::kServer, {"DNS:localhost", "IP:127.0.0.1"}));
  save("client", issueCert(ca, "strata-client", CertUsage::kClient));
  KeyAndCert otherCa = makeCa("unrelated test CA");
  save("other_ca", otherCa);
  save("other_client", issueCert(otherCa, "other-client", CertUsage::kClient));
}

TestCertDir::~TestCertDir() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace strata::testing
