// The node's resident set size as the kernel reports it (/proc/self/statm): used_memory_rss of
// INFO memory and MEMORY STATS (commands/memory.cpp) and the strata_node_memory_rss_bytes gauge
// (node_metrics.cpp). One small file read per call; 0 when /proc cannot be read.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdio>

namespace strata::node {

inline size_t residentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long pages = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace strata::node
