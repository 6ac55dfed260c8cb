// Options the node and the proxy declare alike (same name, default, bounds, reloadability and
// help), written once so that the two tables stay in step. Each program calls these where the
// options stand in its own table, which fixes their order in CONFIG GET * and --help.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/schema.h"

namespace strata::config {

// logfile (start-up only; empty: stderr) and loglevel (Redis's four levels, reloadable).
template <class S>
void logOptions(Schema<S>& s, std::string S::*logfile, std::string S::*loglevel) {
  s.string("logfile", logfile, "", kImmutable, "Log file (empty: stderr)");
  s.enumeration("loglevel", loglevel, {"debug", "verbose", "notice", "warning"}, "notice",
                kReloadable, "Log level");
}

// auth-failure-delay-ms: how long a failed AUTH / HELLO AUTH waits for its answer.
template <class S>
void authFailureDelayOption(Schema<S>& s, int S::*field) {
  s.integer("auth-failure-delay-ms", field, 100, Range{0, 10000}, kReloadable,
            "Delay before a failed AUTH / HELLO AUTH is answered, to slow password guessing: "
            "each failure of a connection waits behind the previous one (0: answer at once)");
}

// client-query-buffer-limit: Redis's default (1gb) and minimum (1mb).
template <class S>
void clientQueryBufferLimitOption(Schema<S>& s, int64_t S::*field) {
  s.memory("client-query-buffer-limit", field, 1LL << 30, Range{1024 * 1024, kNoMax}, kReloadable,
           "Largest unparsed input per client before it is closed");
}

}  // namespace strata::config
