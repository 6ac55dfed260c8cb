// The `struct` library of the scripting engine's Lua 5.1 state, as Redis 7.0 bundles it
// (Roberto Ierusalimschy's struct 0.2 with Redis's fixes): struct.pack(fmt, v1, ...) -> string,
// struct.unpack(fmt, s [, offset]) -> the values then the next offset, struct.size(fmt) -> bytes.
// Format: '>' big / '<' little endian (native by default), '![n]' maximum alignment (power of 2,
// default 8), 'x' one padding byte, 'b/B' 'h/H' 'l/L' 'T' signed/unsigned 1/2/8/8-byte integers,
// 'i/I[n]' n-byte integers (default 4, up to 32), 'c[n]' n characters ('c0' packs the whole
// string; unpacks as many as the number just read), 's' a zero-terminated string, 'f' float,
// 'd' double, ' ' ignored. Integers travel as Lua numbers (doubles), with the x86-64 results
// redis-server gives for out-of-range values. Our own implementation, same texts and results;
// errors are raised only from frames holding no C++ object (lua_error longjmps).
#pragma once

extern "C" {
#include <lua.h>
}

namespace strata::node::scripting {

// Registers the `struct` table in the state's globals (and returns 1 with it on the stack).
int openStruct(lua_State* L);

}  // namespace strata::node::scripting
