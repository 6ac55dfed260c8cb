// Re-encodes a parsed resp::Value with a Writer, in the writer's protocol (RESP3 maps become
// flat arrays in RESP2, and so on). Used where a component re-serves a reply it parsed: the
// proxy's COMMAND and merged fan-out replies, test clients. Off the hot path.
#pragma once

#include "common/resp/value.h"
#include "common/resp/writer.h"

namespace strata::resp {

void writeValue(Writer& w, const Value& v);

}  // namespace strata::resp
