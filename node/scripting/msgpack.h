// cmsgpack for the scripting engine's Lua 5.1 state, as Redis exposes it to scripts:
// cmsgpack.pack(v1, v2, ...) -> one string holding each value's MessagePack encoding in turn;
// cmsgpack.unpack(s) -> every value in s; cmsgpack.unpack_one(s [, offset]) and
// cmsgpack.unpack_limit(s, n [, offset]) -> next offset (-1 at the end) then the values.
// Our own encoder/decoder over the Lua stack (Debian has no cmsgpack for 5.1). Encoding rules:
// a table whose keys are exactly 1..n is an array (an empty table too), any other a map; a
// number with an exact int64 value is the smallest integer format, otherwise float32 when exact,
// else float64; strings are str8/16/32; nesting beyond 16 levels encodes nil. Errors are raised
// only from the C entry points (no C++ object is alive across lua_error's longjmp).
#pragma once

#include <cstddef>
#include <string>

extern "C" {
#include <lua.h>
}

namespace strata::node::scripting {

// Registers the `cmsgpack` table in the state's globals (and returns 1 with it on the stack).
int openCmsgpack(lua_State* L);

// Appends the encoding of the value at `index` (nesting as described above).
void msgpackEncode(lua_State* L, int index, std::string& out);
// Decodes one value at data[pos..len), pushes it and advances pos; false on a truncated or
// invalid input (nothing pushed).
bool msgpackDecode(lua_State* L, const char* data, size_t len, size_t& pos);

}  // namespace strata::node::scripting
