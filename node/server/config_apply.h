// Redis 7.0's apply functions for the options whose accepted value is then adjusted, so that
// CONFIG GET shows what Redis shows (config.c: updateHZ; updateMaxclients, whose open-files
// search is common/net/open_files.h, called with kReservedFds). main.cpp runs them on the loaded
// settings at start-up, CONFIG SET (commands/server_cmds.cpp) after the registry accepted new
// values.
#pragma once

#include <cstdint>

#include "node/settings.h"

namespace strata::node {

// hz is a hint: any value >= 0 is accepted and clamped to 1..500 (CONFIG_MIN_HZ..CONFIG_MAX_HZ).
void clampHz(NodeSettings& settings);

// The descriptors kept besides the clients' (Redis's CONFIG_MIN_RESERVED_FDS): the reserve the
// node passes to net::adjustOpenFilesLimit.
inline constexpr int64_t kReservedFds = 32;

}  // namespace strata::node
