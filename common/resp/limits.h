// Size limits for the RESP parsers. Everything a peer can make us allocate or scan is bounded by
// one of these; the defaults are Redis 7.0's. Owned by whoever configures a listener or a backend
// pool (node server, proxy), passed by value into RequestParser and ReplyParser.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::resp {

struct Limits {
  // Longest bulk string accepted (Redis `proto-max-bulk-len`, 512 MiB).
  int64_t maxBulkLen = 512LL * 1024 * 1024;
  // Largest element count of a request multibulk or a reply aggregate (Redis: INT_MAX).
  int64_t maxMultibulkLen = INT32_MAX;
  // Longest line without its terminator: an inline request, a `*`/`$` header, or a reply's
  // simple line (`+ - : , ( # _` and aggregate headers). Redis PROTO_INLINE_MAX_SIZE.
  size_t maxInlineLen = 64 * 1024;
  // Deepest aggregate nesting accepted in replies (each open array/map/set/push/attribute is one
  // level). Requests are flat and never nest.
  int maxNesting = 128;
};

// Parsers never reserve room for more elements than this from a count the peer announced; larger
// vectors grow as the elements actually arrive (Redis caps argv preallocation the same way).
inline constexpr size_t kMaxPreallocElements = 1024;

}  // namespace strata::resp
