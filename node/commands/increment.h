// The overflow rule of INCRBY / DECRBY and HINCRBY (Redis's incrDecrCommand and hincrbyCommand
// test the same bounds with the same text), shared by strings.cpp and hashes.cpp.
#pragma once

#include <cstdint>

#include "node/commands/handlers.h"

namespace strata::node {

// value += incr, or false after Redis's "ERR increment or decrement would overflow" (value kept).
inline bool addOrReplyOverflow(CommandContext& ctx, int64_t& value, int64_t incr) {
  int64_t sum = 0;
  if (__builtin_add_overflow(value, incr, &sum)) {
    ctx.w.error("ERR increment or decrement would overflow");
    return false;
  }
  value = sum;
  return true;
}

}  // namespace strata::node
