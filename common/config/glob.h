// Glob matching with the exact semantics of Redis's stringmatchlen(): `*`, `?`, `[...]` classes
// with ranges (`[a-z]`, reversed ranges allowed), negation (`[^a]`), `\` escapes (inside and
// outside classes), and an optional case-insensitive mode. Used by CONFIG GET (nocase) and, later,
// by KEYS / SCAN MATCH / PSUBSCRIBE (case-sensitive). Pure function, thread-safe, no allocation.
//
// Like Redis 7, it gives up early on hopeless `*` backtracking (so `a*a*a*a*...b` is linear per
// star, not exponential) and stops matching beyond a nesting depth of 1000 stars.
#pragma once

#include <string_view>

namespace strata::config {

// True if `text` matches the glob `pattern`. With `nocase`, letters compare case-insensitively
// (ASCII), including range bounds in classes, as Redis does.
bool globMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace strata::config
