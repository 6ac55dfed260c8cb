// Strict decimal integer parsing for RESP headers and integer replies: exactly Redis's
// string2ll() (util.c), so we accept and reject the same length fields as redis-server — no sign
// '+', no leading zeros, no "-0", no spaces, at most 20 characters, overflow rejected. Header-only
// and allocation-free; used by RequestParser and ReplyParser on their hot paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::resp {

// Parses s[0..len) as a whole; returns false (leaving *out untouched) unless it is a valid int64.
inline bool parseInt64(const char* s, size_t len, int64_t* out) {
  constexpr size_t kMaxChars = 20;  // "-9223372036854775808"
  if (len == 0 || len > kMaxChars) return false;
  if (len == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == len) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(s[i++] - '0');
  for (; i < len; ++i) {
    const unsigned digit = static_cast<unsigned char>(s[i]) - '0';
    if (digit > 9) return false;
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

inline bool parseInt64(std::string_view s, int64_t& out) {
  return parseInt64(s.data(), s.size(), &out);
}

}  // namespace strata::resp
