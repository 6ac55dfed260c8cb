// Finding the key arguments of a command as Redis 7.0's db.c does, in one place for every user:
// the key-spec walk (getKeysUsingKeySpecs), the getkeys procs of the commands whose keys specs
// cannot describe (SORT ... STORE, MIGRATE ... KEYS, the numkeys commands, GEORADIUS ... STORE,
// XREAD ... STREAMS, SET/BITFIELD's variable flags), and the two ways Redis combines them:
//  - keysWithSpecs(): getKeysFromCommandWithSpecs, for COMMAND GETKEYS / GETKEYSANDFLAGS (specs
//    first, the proc when a spec is invalid or incomplete, keys with their access flags);
//  - routingKeys(): getKeysFromCommand, for cluster routing (getNodeByQuery: the cluster gate,
//    EXEC's re-check and redis.call() from scripts): the proc when the command has one, else the
//    key specs (shard channels included, as Redis's legacy first/last/step range does).
// CommandTable attaches the procs to their CommandDefs when it loads (attachGetKeysProcs).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "node/server/command_table.h"

namespace strata::node {

// A key argument and its flags in COMMAND GETKEYSANDFLAGS's order ("RW", "access", ...); the
// flags live in the key spec or in static storage, never in the argv. `access` is their
// keyAccessBits, found when the table loaded.
struct KeyRef {
  size_t pos;
  const std::vector<std::string_view>* flags;
  uint8_t access;
};
using KeyRefs = InlineVector<KeyRef>;

// Sets CommandDef::getkeys of the commands (and subcommands) that have a getkeys proc in Redis
// 7.0.
void attachGetKeysProcs(std::vector<CommandDef>& defs);

// Redis's doesCommandHaveKeys: a getkeys proc or a key spec that is not "not_key".
bool commandHasKeys(const CommandDef& def);

// getKeysFromCommandWithSpecs(GET_KEYSPEC_DEFAULT): the keys with flags, empty when the
// arguments name none (a bad numkeys, no STREAMS ...). No allocation for up to 8 keys.
KeyRefs keysWithSpecs(const CommandDef& def, const std::vector<std::string_view>& argv);

// getKeysFromCommand: the keys the cluster routes by, appended to `out` (no allocation for up
// to 8 keys).
void routingKeys(const CommandDef& def, const std::vector<std::string_view>& argv,
                 KeyPositions& out);

}  // namespace strata::node
