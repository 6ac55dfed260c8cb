// The `--help` text: usage line plus the option table (name, value syntax, default, whether it
// is reloadable at runtime, help). Built from a Schema so node and proxy never hand-write it;
// the caller prints it when load() returns Action::kHelp.
#pragma once

#include <string>
#include <string_view>

#include "common/config/schema.h"

namespace strata::config {

// `program` is the binary name shown in the usage line (e.g. "strata-node").
std::string helpText(const SchemaBase& schema, std::string_view program);

}  // namespace strata::config
