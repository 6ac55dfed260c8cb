// Out-of-line part of common/net/callback.h: reporting an exception that a libevent callback
// handler let escape. Called on any event-loop thread; spdlog's loggers are thread-safe.
#include "common/net/callback.h"

#include <spdlog/spdlog.h>

namespace strata::net::detail {

void reportCallbackException(const char* what) noexcept {
  try {
    spdlog::error("exception escaped a libevent callback: {}", what);
  } catch (...) {
    // Logging failed too: nothing left to do, and nothing may propagate into libevent.
  }
}

}  // namespace strata::net::detail
