// The stream body of the RDB object serialization (RDB_TYPE_STREAM_LISTPACKS 15, _2 19, _3 21):
// listpack nodes keyed by their master ID, then length, IDs, entries-added and the consumer
// groups with their PELs and consumers. Split from rdb_save.cpp / rdb_load.cpp because streams
// are the largest format; see rdb_codec.h. Any thread.
#pragma once

#include <cstdint>

#include "node/keyspace/stream.h"
#include "node/keyspace/value.h"
#include "node/persistence/rdb_codec.h"

namespace strata::node::rdb {

// Writes the body of type 19 (what 7.0 writes; the caller writes the type byte).
void saveStream(const StreamObject& s, Writer& w);
// Reads a body of type 15, 19 or 21.
LoadStatus loadStream(uint8_t type, Reader& r, Value& out);

}  // namespace strata::node::rdb
