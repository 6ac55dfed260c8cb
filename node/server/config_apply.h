// Redis 7.0's apply functions for the options whose accepted value is then adjusted, so that
// CONFIG GET shows what Redis shows (config.c: updateHZ; updateMaxclients with server.c's
// adjustOpenFilesLimit). main.cpp runs them on the loaded settings at start-up, CONFIG SET
// (commands/server_cmds.cpp) after the registry accepted new values.
#pragma once

#include <cstdint>

#include "node/settings.h"

namespace strata::node {

// hz is a hint: any value >= 0 is accepted and clamped to 1..500 (CONFIG_MIN_HZ..CONFIG_MAX_HZ).
void clampHz(NodeSettings& settings);

// The descriptors kept besides the clients' (Redis's CONFIG_MIN_RESERVED_FDS).
inline constexpr int64_t kReservedFds = 32;

// adjustOpenFilesLimit(): if RLIMIT_NOFILE is below maxclients + 32, raises it to that or as
// close as the OS allows (steps of 16, as Redis), and logs Redis's warnings when it falls short.
// Returns the maxclients the limit allows: `maxclients` when it fits, else the limit - 32
// (<= 0: too few descriptors to run at all).
int64_t adjustOpenFilesLimit(int64_t maxclients);

}  // namespace strata::node
