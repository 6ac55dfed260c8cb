// A dataset snapshot as RESP commands: the AOF rewrite's new base file (written by the forked
// child) and the replication full sync use it (DEBUG RELOAD goes through an RDB file). Replaying
// the output through the command table recreates every live key with its value and expiry:
//
//   SET k v | RPUSH k e1..e64 | SADD k m1..m64 | HSET k f1 v1..f64 v64 | ZADD k s1 m1..  then
//   PEXPIREAT k <ms>   (big containers take several commands of at most 64 elements)
//
// The output goes to `out` in chunks of about 64 KB (never splitting a command across chunks is
// NOT guaranteed: treat the output as a byte stream). Runs on whichever thread or process owns a
// stable view of the keyspace (the event-loop thread, or the rewrite child after fork()).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "node/keyspace/keyspace.h"

namespace strata::node {

// Elements per container command (Redis's AOF_REWRITE_ITEMS_PER_CMD).
inline constexpr size_t kSnapshotItemsPerCommand = 64;

// State that is not keys but travels with the dataset (the function libraries as FUNCTION LOAD
// commands, set by node/scripting): RESP commands writeSnapshot emits before the keys. Empty by
// default; set on the event-loop thread, called wherever writeSnapshot runs (fork()ed child).
void setSnapshotPrelude(std::function<std::string()> prelude);

// Emits the commands that recreate `ks`; stops and returns false as soon as `out` returns false.
bool writeSnapshot(const Keyspace& ks, const std::function<bool(std::string_view)>& out);

}  // namespace strata::node
