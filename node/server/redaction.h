// Which arguments of a command are secrets that Redis 7.0 redacts before showing a command
// elsewhere (the slow log, MONITOR): AUTH's, HELLO ... AUTH's and MIGRATE ... AUTH/AUTH2's.
// Off the fast path: called only for a slow command or while someone monitors.
#pragma once

#include <string_view>
#include <vector>

#include "node/server/command_table.h"

namespace strata::node {

// One flag per argument of `argv`: true for an argument shown as "(redacted)".
std::vector<bool> redactedArgs(const CommandDef& def, const std::vector<std::string_view>& argv);

}  // namespace strata::node
