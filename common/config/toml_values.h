// Conversions from toml11 values (toml::value, toml11 3.7) to the typed values options hold, with
// the error words the loader prints (`expected an integer, got a string`). Used by the TOML
// loader through the Schema bindings, and available to custom option parsers (e.g. the proxy's
// `[[users]]` table) so they report types and lines the same way. Errors carry the line of the
// offending value (an array element, a table field) when toml11 knows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <toml.hpp>

#include "common/config/status.h"
#include "common/config/value_parsers.h"

namespace strata::config {

// "a string", "an integer", "a boolean", "an array", "a table", "a float", "a date-time", ...
std::string tomlTypeName(const toml::value& value);

// 1-based line of the value in its file, or 0 when it did not come from a file.
uint32_t tomlLine(const toml::value& value);

// Status::error("expected <what>, got <type>") at the value's line.
Status tomlTypeError(const toml::value& value, std::string_view expected);

// A TOML boolean, or a string accepted by parseBool ("yes" / "no" ...).
Status boolFromToml(const toml::value& value, bool& out);
// A TOML integer within range.
Status integerFromToml(const toml::value& value, Range range, int64_t& out);
// A TOML integer (bytes) or a string in Redis memory syntax ("512mb"), within range.
Status memoryFromToml(const toml::value& value, Range range, int64_t& out);
// The same for a uint64_t memory option (parseMemoryU64).
Status memoryU64FromToml(const toml::value& value, Range range, uint64_t& out);
// A TOML string.
Status stringFromToml(const toml::value& value, std::string& out);
// A TOML string naming one of `choices` (case-insensitive).
Status enumFromToml(const toml::value& value, const std::vector<std::string>& choices,
                    size_t& index);
// A TOML array of strings (or one string, split like the command line: commas / spaces).
Status stringListFromToml(const toml::value& value, std::vector<std::string>& out);
// Flattens a value into words for a custom option's token parser: a string is split with
// splitArgs(); integers, booleans (yes/no) and strings inside (nested) arrays become one word
// each, so `save = [[900, 1], [300, 10]]` and `save = "900 1 300 10"` give the same tokens.
Status tokensFromToml(const toml::value& value, std::vector<std::string>& out);

}  // namespace strata::config
