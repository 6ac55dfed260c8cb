// scanBuckets: one page of HSCAN/SSCAN/ZSCAN over a hashtable-encoded container kept in a std
// unordered container (containers.h's hash and set, zset.h's member dict). Header-only, used by
// the command files through the containers' scanPage(); event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::node {

// A page of a hashtable scan: Redis's SCAN contract over a std unordered container. The cursor
// is (bucket_count << 32) | next bucket; a cursor whose bucket_count is not the table's (the
// table grew since) restarts at bucket 0, so every element present for the whole scan is still
// returned at least once (possibly more), and a scan ends once the table stops growing.
// Visits whole buckets until `count` elements (or 10*count empty buckets) are seen; returns the
// next cursor, 0 when done.
template <class Table, class F>
uint64_t scanBuckets(const Table& t, uint64_t cursor, size_t count, F&& f) {
  const size_t buckets = t.bucket_count();
  size_t b = (cursor >> 32) == buckets ? static_cast<size_t>(cursor & 0xffffffffu) : 0;
  size_t seen = 0, empty = 0;
  if (count == 0) count = 1;
  for (; b < buckets && seen < count && empty < count * 10; ++b) {
    if (t.bucket_size(b) == 0) {
      ++empty;
      continue;
    }
    for (auto it = t.begin(b); it != t.end(b); ++it) {
      f(*it);
      ++seen;
    }
  }
  return b >= buckets ? 0 : (static_cast<uint64_t>(buckets) << 32) | b;
}

}  // namespace strata::node
