// Implementation of common/net/ssl_error.h.
#include "common/net/ssl_error.h"

#include <openssl/err.h>

#include <cstring>

namespace strata::net {

std::string drainSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    std::string entry;
    if (ERR_SYSTEM_ERROR(code)) {
      entry = std::strerror(static_cast<int>(ERR_GET_REASON(code)));
    } else if (ERR_GET_REASON(code) == ERR_R_SYS_LIB) {
      continue;  // "system lib": a layer passing on the system error already reported
    } else if (const char* reason = ERR_reason_error_string(code)) {
      entry = reason;
      if (const char* lib = ERR_lib_error_string(code)) entry = entry + " (" + lib + ")";
    } else {
      char buf[256];
      ERR_error_string_n(code, buf, sizeof(buf));
      entry = buf;
    }
    if (!out.empty()) out += "; ";
    out += entry;
  }
  if (out.empty()) out = "unknown OpenSSL error";
  return out;
}

}  // namespace strata::net
