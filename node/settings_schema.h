// The node's option table (settings_schema.cpp): one row per redis-server option it accepts.
// Used by main() (file + command line), CONFIG GET/SET and --help.
#pragma once

#include "common/config/schema.h"
#include "node/settings.h"

namespace strata::node {

const config::Schema<NodeSettings>& nodeSchema();

}  // namespace strata::node
