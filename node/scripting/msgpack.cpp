// cmsgpack for scripts (see msgpack.h): MessagePack encoding of Lua values and decoding back
// onto the Lua stack. Event-loop thread (the scripting engine's Lua states).
#include "node/scripting/msgpack.h"

#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" {
#include <lauxlib.h>
}

namespace strata::node::scripting {

namespace {

constexpr int kMaxNesting = 16;   // deeper tables encode as nil, as Redis's cmsgpack
constexpr int kMaxDecodeDepth = 1000;

void putBE(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t getBE(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

void encodeInt(std::string& out, int64_t v) {
  if (v >= 0) {
    const auto u = static_cast<uint64_t>(v);
    if (u <= 127) {
      out.push_back(static_cast<char>(u));
    } else if (u <= 0xff) {
      out.push_back(static_cast<char>(0xcc));
      putBE(out, u, 1);
    } else if (u <= 0xffff) {
      out.push_back(static_cast<char>(0xcd));
      putBE(out, u, 2);
    } else if (u <= 0xffffffffULL) {
      out.push_back(static_cast<char>(0xce));
      putBE(out, u, 4);
    } else {
      out.push_back(static_cast<char>(0xcf));
      putBE(out, u, 8);
    }
    return;
  }
  const auto u = static_cast<uint64_t>(v);
  if (v >= -32) {
    out.push_back(static_cast<char>(v));
  } else if (v >= -128) {
    out.push_back(static_cast<char>(0xd0));
    putBE(out, u, 1);
  } else if (v >= -32768) {
    out.push_back(static_cast<char>(0xd1));
    putBE(out, u, 2);
  } else if (v >= -2147483648LL) {
    out.push_back(static_cast<char>(0xd2));
    putBE(out, u, 4);
  } else {
    out.push_back(static_cast<char>(0xd3));
    putBE(out, u, 8);
  }
}

void encodeNumber(std::string& out, lua_Number n) {
  if (std::isfinite(n) && n == std::floor(n) && n >= -9223372036854775808.0 &&
      n < 9223372036854775808.0) {
    encodeInt(out, static_cast<int64_t>(n));
    return;
  }
  const auto f = static_cast<float>(n);
  if (static_cast<double>(f) == n) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof(bits));
    out.push_back(static_cast<char>(0xca));
    putBE(out, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &n, sizeof(bits));
    out.push_back(static_cast<char>(0xcb));
    putBE(out, bits, 8);
  }
}

void encodeString(std::string& out, const char* s, size_t len) {
  if (len < 32) {
    out.push_back(static_cast<char>(0xa0 | len));
  } else if (len <= 0xff) {
    out.push_back(static_cast<char>(0xd9));
    putBE(out, len, 1);
  } else if (len <= 0xffff) {
    out.push_back(static_cast<char>(0xda));
    putBE(out, len, 2);
  } else {
    out.push_back(static_cast<char>(0xdb));
    putBE(out, len, 4);
  }
  out.append(s, len);
}

void encodeHeader(std::string& out, size_t n, bool map) {
  if (n < 16) {
    out.push_back(static_cast<char>((map ? 0x80 : 0x90) | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(map ? 0xde : 0xdc));
    putBE(out, n, 2);
  } else {
    out.push_back(static_cast<char>(map ? 0xdf : 0xdd));
    putBE(out, n, 4);
  }
}

// Array when the keys are exactly the integers 1..n (n >= 0); `count` gets the pair count.
bool isArray(lua_State* L, int index, size_t& count) {
  count = 0;
  lua_Number max = 0;
  bool array = true;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    lua_pop(L, 1);
    ++count;
    if (array && lua_type(L, -1) == LUA_TNUMBER) {
      const lua_Number k = lua_tonumber(L, -1);
      if (k > 0 && k == std::floor(k)) {
        if (k > max) max = k;
        continue;
      }
    }
    array = false;
  }
  return array && max == static_cast<lua_Number>(count);
}

void encodeValue(lua_State* L, int index, std::string& out, int level) {
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN:
      out.push_back(static_cast<char>(lua_toboolean(L, index) ? 0xc3 : 0xc2));
      return;
    case LUA_TNUMBER:
      encodeNumber(out, lua_tonumber(L, index));
      return;
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      encodeString(out, s, len);
      return;
    }
    case LUA_TTABLE: {
      if (level >= kMaxNesting || !lua_checkstack(L, 4)) break;
      size_t count = 0;
      if (isArray(L, index, count)) {
        encodeHeader(out, count, false);
        for (size_t i = 1; i <= count; ++i) {
          lua_rawgeti(L, index, static_cast<int>(i));
          encodeValue(L, lua_gettop(L), out, level + 1);
          lua_pop(L, 1);
        }
      } else {
        encodeHeader(out, count, true);
        lua_pushnil(L);
        while (lua_next(L, index) != 0) {
          const int top = lua_gettop(L);
          encodeValue(L, top - 1, out, level + 1);
          encodeValue(L, top, out, level + 1);
          lua_pop(L, 1);
        }
      }
      return;
    }
    default:
      break;
  }
  out.push_back(static_cast<char>(0xc0));
}

bool decodeValue(lua_State* L, const unsigned char* p, size_t len, size_t& pos, int depth);

bool need(size_t len, size_t pos, size_t n) {
  return len - pos >= n;
}

bool decodeAggregate(lua_State* L, const unsigned char* p, size_t len, size_t& pos, size_t n,
                     bool map, int depth) {
  if (depth > kMaxDecodeDepth || !lua_checkstack(L, 4)) return false;
  // Every element takes at least one byte: a count larger than the input is invalid.
  if (n > len - pos) return false;
  lua_createtable(L, map ? 0 : static_cast<int>(n), map ? static_cast<int>(n) : 0);
  for (size_t i = 0; i < n; ++i) {
    if (map) {
      if (!decodeValue(L, p, len, pos, depth + 1)) return lua_pop(L, 1), false;
      if (!decodeValue(L, p, len, pos, depth + 1)) return lua_pop(L, 2), false;
      if (lua_isnil(L, -2)) {
        lua_pop(L, 2);  // a nil key cannot be stored
      } else {
        lua_settable(L, -3);
      }
    } else {
      if (!decodeValue(L, p, len, pos, depth + 1)) return lua_pop(L, 1), false;
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  }
  return true;
}

bool decodeBytes(lua_State* L, const unsigned char* p, size_t len, size_t& pos, int lenBytes) {
  if (!need(len, pos, static_cast<size_t>(lenBytes))) return false;
  const uint64_t n = getBE(p + pos, lenBytes);
  pos += static_cast<size_t>(lenBytes);
  if (!need(len, pos, n)) return false;
  lua_pushlstring(L, reinterpret_cast<const char*>(p + pos), n);
  pos += n;
  return true;
}

bool decodeValue(lua_State* L, const unsigned char* p, size_t len, size_t& pos, int depth) {
  if (!need(len, pos, 1)) return false;
  const unsigned char t = p[pos++];
  if (t <= 0x7f) return lua_pushnumber(L, t), true;
  if (t >= 0xe0) return lua_pushnumber(L, static_cast<int8_t>(t)), true;
  if ((t & 0xe0) == 0xa0) {
    const size_t n = t & 0x1f;
    if (!need(len, pos, n)) return false;
    lua_pushlstring(L, reinterpret_cast<const char*>(p + pos), n);
    pos += n;
    return true;
  }
  if ((t & 0xf0) == 0x90) return decodeAggregate(L, p, len, pos, t & 0x0f, false, depth);
  if ((t & 0xf0) == 0x80) return decodeAggregate(L, p, len, pos, t & 0x0f, true, depth);
  auto fixed = [&](int bytes, uint64_t& v) {
    if (!need(len, pos, static_cast<size_t>(bytes))) return false;
    v = getBE(p + pos, bytes);
    pos += static_cast<size_t>(bytes);
    return true;
  };
  uint64_t v = 0;
  switch (t) {
    case 0xc0:
      lua_pushnil(L);
      return true;
    case 0xc2:
    case 0xc3:
      lua_pushboolean(L, t == 0xc3);
      return true;
    case 0xc4:
    case 0xd9:
      return decodeBytes(L, p, len, pos, 1);
    case 0xc5:
    case 0xda:
      return decodeBytes(L, p, len, pos, 2);
    case 0xc6:
    case 0xdb:
      return decodeBytes(L, p, len, pos, 4);
    case 0xca: {
      if (!fixed(4, v)) return false;
      float f;
      const auto bits = static_cast<uint32_t>(v);
      std::memcpy(&f, &bits, sizeof(f));
      lua_pushnumber(L, static_cast<lua_Number>(f));
      return true;
    }
    case 0xcb: {
      if (!fixed(8, v)) return false;
      double d;
      std::memcpy(&d, &v, sizeof(d));
      lua_pushnumber(L, d);
      return true;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
      const int bytes = 1 << (t - 0xcc);
      if (!fixed(bytes, v)) return false;
      lua_pushnumber(L, static_cast<lua_Number>(v));
      return true;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const int bytes = 1 << (t - 0xd0);
      if (!fixed(bytes, v)) return false;
      int64_t s;
      if (bytes == 1) {
        s = static_cast<int8_t>(v);
      } else if (bytes == 2) {
        s = static_cast<int16_t>(v);
      } else if (bytes == 4) {
        s = static_cast<int32_t>(v);
      } else {
        s = static_cast<int64_t>(v);
      }
      lua_pushnumber(L, static_cast<lua_Number>(s));
      return true;
    }
    case 0xdc:
    case 0xde:
      if (!fixed(2, v)) return false;
      return decodeAggregate(L, p, len, pos, v, t == 0xde, depth);
    case 0xdd:
    case 0xdf:
      if (!fixed(4, v)) return false;
      return decodeAggregate(L, p, len, pos, v, t == 0xdf, depth);
    default:
      return false;  // ext types and reserved bytes are not supported
  }
}

// Lua entry points. Each does its C++ work first and raises (longjmp) only from a frame that
// holds no object with a destructor.
int packImpl(lua_State* L) {
  std::string out;
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) encodeValue(L, i, out, 0);
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

int luaPack(lua_State* L) {
  if (lua_gettop(L) == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  return packImpl(L);
}

// Unpacks up to `limit` values (0: all) from `offset`; pushes the next offset first when
// `withOffset`. Returns the count of pushed values, or -1 with an error message pushed.
int unpackImpl(lua_State* L, int limit, size_t offset, bool withOffset) {
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (offset > len) {
    lua_pushstring(L, "Start offset greater than input length.");
    return -1;
  }
  if (withOffset) lua_pushnil(L);  // placeholder for the next offset
  const int base = lua_gettop(L);
  size_t pos = offset;
  int count = 0;
  while (pos < len && (limit == 0 || count < limit)) {
    if (!lua_checkstack(L, 2) ||
        !decodeValue(L, reinterpret_cast<const unsigned char*>(s), len, pos, 0)) {
      lua_settop(L, base - (withOffset ? 1 : 0));
      lua_pushstring(L, "Missing bytes in input.");
      return -1;
    }
    ++count;
  }
  if (withOffset) {
    lua_pushnumber(L, pos >= len ? -1 : static_cast<lua_Number>(pos));
    lua_replace(L, base);
    return count + 1;
  }
  return count;
}

int unpackEntry(lua_State* L, int limit, int offsetArg, bool withOffset) {
  luaL_checkstring(L, 1);
  lua_Integer offset = offsetArg > 0 ? luaL_optinteger(L, offsetArg, 0) : 0;
  if (offset < 0) offset = 0;
  lua_settop(L, 1);
  const int n = unpackImpl(L, limit, static_cast<size_t>(offset), withOffset);
  if (n < 0) return lua_error(L);
  return n;
}

int luaUnpack(lua_State* L) {
  return unpackEntry(L, 0, 0, false);
}

int luaUnpackOne(lua_State* L) {
  return unpackEntry(L, 1, 2, true);
}

int luaUnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  return unpackEntry(L, limit > 0 ? static_cast<int>(limit) : 0, 3, true);
}

}  // namespace

void msgpackEncode(lua_State* L, int index, std::string& out) {
  encodeValue(L, index, out, 0);
}

bool msgpackDecode(lua_State* L, const char* data, size_t len, size_t& pos) {
  return decodeValue(L, reinterpret_cast<const unsigned char*>(data), len, pos, 0);
}

int openCmsgpack(lua_State* L) {
  static const luaL_Reg kFuncs[] = {{"pack", luaPack},
                                    {"unpack", luaUnpack},
                                    {"unpack_one", luaUnpackOne},
                                    {"unpack_limit", luaUnpackLimit},
                                    {nullptr, nullptr}};
  luaL_register(L, "cmsgpack", kFuncs);
  lua_pushliteral(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "0.4.0");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}

}  // namespace strata::node::scripting
