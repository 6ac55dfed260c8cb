// Turns OpenSSL's thread-local error queue into one readable string for error messages and logs.
// Used by the TLS context builders and the TLS connection code. Owns nothing; call it on the
// thread that made the failing OpenSSL call (the queue is per thread).
#pragma once

#include <string>

namespace strata::net {

// Empties this thread's OpenSSL error queue and returns its entries, oldest first, joined by
// "; " (e.g. "key values mismatch (x509 certificate routines)"; system errors as strerror()).
// Returns "unknown OpenSSL error" when the queue is empty.
std::string drainSslErrors();

}  // namespace strata::net
