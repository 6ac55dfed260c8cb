// Text parsers and renderers for option values, shared by the command line (`--port 7000`),
// CONFIG SET and string-valued TOML entries (`maxmemory = "1gb"`), so every source validates a
// value the same way and reports it with the same words. Also the renderers CONFIG GET uses
// (bools as yes/no, memory as plain bytes, lists space-separated) and the tokenizer custom
// options use for multi-word values (`client-output-buffer-limit normal 0 0 0 ...`).
//
// Messages returned in Status never name the option; callers prefix them with where the value
// came from (`node.toml:3: 'port': `, `command line: '--port': `, `ERR CONFIG SET failed ...`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/status.h"

namespace strata::config {

// Inclusive bounds of an integer or memory option.
struct Range {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};

// Upper bound for memory / integer options without a real limit: {0, kNoMax}.
inline constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();

// "[0, 65535]"; an unbounded side prints as -inf / +inf.
std::string describeRange(Range range);

// ok if min <= value <= max, else "70000 is out of range [0, 65535]".
Status checkRange(int64_t value, Range range);

// yes/no, true/false, on/off, 1/0, case-insensitive.
Status parseBool(std::string_view text, bool& out);
inline std::string renderBool(bool value) {
  return value ? "yes" : "no";
}

// A base-10 int64 with optional '-', nothing else (no spaces, no '+', no units), then bounds.
Status parseInteger(std::string_view text, Range range, int64_t& out);

// Redis memory syntax: digits plus an optional case-insensitive unit b, k (1000), kb (1024),
// m (1000^2), mb (1024^2), g (1000^3), gb (1024^3); "512mb" == 536870912. A leading '-' is
// accepted so that ranges below zero can be expressed (bounds reject it otherwise).
Status parseMemory(std::string_view text, Range range, int64_t& out);

// Redis's memtoull(), as CONFIG SET and redis-server's start read memory values: digits (none
// is 0; at most 127) and an optional case-insensitive unit as above; a sign or a fraction is an
// error. As Redis's strtoull() and multiplication, the number saturates at 2^64-1 and the unit
// wraps around ("20000000000g").
bool memtoull(std::string_view text, uint64_t& out);

// A memory option held in a uint64_t (Redis's maxmemory: 0 .. 2^64-1): memtoull(), then at least
// range.min and, unless range.max is kNoMax, at most range.max.
Status parseMemoryU64(std::string_view text, Range range, uint64_t& out);

// Case-insensitive lookup of `text` among `choices`; `index` receives the position.
Status parseEnum(std::string_view text, const std::vector<std::string>& choices, size_t& index);
// "debug|verbose|notice|warning"
std::string joinChoices(const std::vector<std::string>& choices, std::string_view sep = "|");

// A string-list value given as text: items separated by commas and/or whitespace, empty items
// dropped ("a,b c" and "a, b, c" both give {a, b, c}; "" gives {}).
std::vector<std::string> splitList(std::string_view text);
// Space-separated, as CONFIG GET renders `bind` / `save`.
std::string renderList(const std::vector<std::string>& items);

// Split a line into arguments like Redis's sdssplitargs(): whitespace separates, "double quotes"
// allow escapes (\n \r \t \b \a \\ \" \xHH), 'single quotes' allow \'. A closing quote must be
// followed by whitespace or the end. Unbalanced quotes give an error.
Status splitArgs(std::string_view line, std::vector<std::string>& out);

// Redis's sdscatrepr(), the inverse of splitArgs(): appends `text` in double quotes with \\ \"
// \n \r \t \a \b escaped, other bytes outside printable ASCII as \xhh (lower-case hex), the rest
// as they are. MONITOR's lines and the AOF manifest's quoted file names.
void appendRepr(std::string& out, std::string_view text);

// Words joined by spaces into one line that splitArgs() splits back into the same words: a word
// that is empty or holds whitespace, a quote, a backslash or a non-printable byte is quoted by
// appendRepr(), the others stay as they are.
std::string joinArgs(std::span<const std::string> words);

// ASCII helpers used for case-insensitive names and enum choices.
std::string toLower(std::string_view text);
bool equalsNoCase(std::string_view a, std::string_view b);

}  // namespace strata::config
