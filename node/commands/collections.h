// Helpers shared by the container families (hashes.cpp, sets.cpp, lists.cpp): typed lookups that
// answer WRONGTYPE like Redis's checkType, creating a container on first write, dropping a key
// whose container became empty, Redis's ranged/positive integer argument parsing, the
// HSCAN/SSCAN option grammar, and the random source. Event-loop thread only.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/keyspace/containers.h"

namespace strata::node {

// Reads `key`: nullptr if absent; `wrong` set (and WRONGTYPE written) if it holds another type.
template <class T>
T* lookupTyped(CommandContext& ctx, std::string_view key, ValueType type, bool& wrong,
               Entry** entryOut = nullptr, bool read = true) {
  wrong = false;
  Entry* e = read ? lookupRead(ctx, key) : ctx.ks.find(key);
  if (entryOut) *entryOut = e;
  if (e == nullptr) return nullptr;
  if (e->type() != type) {
    ctx.w.error(errors::kWrongType);
    wrong = true;
    return nullptr;
  }
  return static_cast<T*>(e->object());
}

// Creates an empty container under `key` (which must be absent) and returns its entry.
template <class T>
Entry* createTyped(CommandContext& ctx, std::string_view key, ValueType type, T*& out) {
  auto obj = std::make_unique<T>();
  out = obj.get();
  Encoding enc = obj->encoding();
  return ctx.ks.set(key, Value::object(type, enc, std::move(obj)));
}

// After a write: deletes the key if its container is empty, else recounts its memory.
void finishWrite(CommandContext& ctx, std::string_view key, Entry* e, size_t size);

// getRangeLongFromObjectOrReply / getPositiveLongFromObjectOrReply (`msg` without "ERR ").
bool rangeArgOrReply(CommandContext& ctx, std::string_view s, int64_t min, int64_t max,
                     int64_t& out, std::string_view msg = {});
bool positiveArgOrReply(CommandContext& ctx, std::string_view s, int64_t& out,
                        std::string_view msg = {});

// parseScanCursorOrReply.
bool scanCursorOrReply(CommandContext& ctx, std::string_view s, uint64_t& cursor);
// HSCAN/SSCAN options from argv[3]: MATCH pattern, COUNT n (>= 1). False after an error reply.
// `count` (if given) receives COUNT (default 10).
bool scanOptionsOrReply(CommandContext& ctx, std::string_view& pattern, bool& usePattern,
                        size_t* count = nullptr);
bool scanMatches(std::string_view pattern, bool usePattern, std::string_view s);

std::mt19937_64& collectionRng();

// LMPOP/BLMPOP and ZMPOP/BZMPOP (lmpopGenericCommand, zmpopGenericCommand): numkeys at
// `numkeysIdx` (>= 1, with the keys and the direction word after it), and the options after the
// direction word at `from`: [COUNT n] (n >= 1; 1 when not given). False after an error reply.
bool mpopNumkeysOrReply(CommandContext& ctx, size_t numkeysIdx, int64_t& numkeys);
bool mpopCountOrReply(CommandContext& ctx, size_t from, int64_t& count);

// Blocking commands (lists, zsets): getTimeoutFromObjectOrReply (seconds as a float) into an
// absolute deadline in ms (0 = forever), and parking the client on `keys` unless the server is
// re-running its command (Client::reprocessing: then it simply stays blocked).
bool blockTimeoutOrReply(CommandContext& ctx, std::string_view s, int64_t& deadline);
void blockOrStay(CommandContext& ctx, std::vector<std::string> keys, int64_t deadline);

}  // namespace strata::node
