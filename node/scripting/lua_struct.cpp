// The Lua `struct` library (see lua_struct.h). Only plain C types live in these frames: every
// luaL_error / luaL_argerror longjmps out of them.
#include "node/scripting/lua_struct.h"

#include <bit>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" {
#include <lauxlib.h>
}

namespace strata::node::scripting {

namespace {

constexpr int kMaxIntSize = 32;  // bytes, for 'i'/'I'
constexpr int kMaxAlign = 8;     // '!' without a number: the alignment of a double
constexpr bool kNativeLittle = std::endian::native == std::endian::little;

struct Header {
  bool little = kNativeLittle;
  int align = 1;
};

// A decimal count after an option ('i4', 'c10', '!2'), or `def` when none follows.
int readCount(lua_State* L, const char** fmt, int def) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return def;
  int a = 0;
  do {
    const int digit = **fmt - '0';
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
    a = a * 10 + digit;
    ++*fmt;
  } while (std::isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

// The size of option `opt` (reading its count); 0 for the options that are not data.
size_t optionSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
      return 8;
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<size_t>(readCount(L, fmt, 1));
    case 'i':
    case 'I': {
      const int n = readCount(L, fmt, 4);
      if (n > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", n, kMaxIntSize);
      }
      return static_cast<size_t>(n);
    }
    default:
      return 0;
  }
}

// b B h H l L T i I: integers of optionSize() bytes, signed when lower case.
bool isIntegerOption(char opt) {
  return opt != '\0' && std::strchr("bBhHlLTiI", opt) != nullptr;
}

// Padding before an item of `size` bytes at offset `len` (the library's formula, also for sizes
// that are not powers of 2).
size_t paddingBefore(size_t len, const Header& h, char opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return (size - (len & (size - 1))) & (size - 1);
}

// ' ', '<', '>' and '![n]'; anything else is an invalid option.
void controlOption(lua_State* L, char opt, const char** fmt, Header& h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h.little = false;
      return;
    case '<':
      h.little = true;
      return;
    case '!': {
      const int a = readCount(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h.align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// double -> int64 as x86-64's cvttsd2si: NaN and out-of-range values give INT64_MIN.
uint64_t truncateToInt64Bits(double n) {
  if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0)) return uint64_t{1} << 63;
  return static_cast<uint64_t>(static_cast<int64_t>(n));
}

// The bits redis-server packs for the number `n` (a C cast to unsigned long, as compiled there).
uint64_t integerBits(double n) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (n < 0 || !(n >= kTwo63)) return truncateToInt64Bits(n);
  if (n >= 2 * kTwo63) return 0;
  return truncateToInt64Bits(n - kTwo63) ^ (uint64_t{1} << 63);
}

void putInteger(lua_State* L, luaL_Buffer* b, int arg, bool little, size_t size) {
  uint64_t value = integerBits(luaL_checknumber(L, arg));
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    buf[little ? i : size - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  luaL_addlstring(b, buf, size);
}

double getInteger(const char* p, bool little, bool isSigned, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    v <<= 8;
    v |= static_cast<unsigned char>(p[little ? size - 1 - i : i]);
  }
  if (!isSigned) return static_cast<double>(v);
  // Sign extension from the top bit; for sizes over 8 bytes the shift wraps as on x86-64.
  const uint64_t mask = ~uint64_t{0} << ((static_cast<unsigned>(size) * 8 - 1) & 63);
  if (v & mask) v |= mask;
  return static_cast<double>(static_cast<int64_t>(v));
}

void toNativeOrder(char* p, size_t size, bool little) {
  if (little == kNativeLittle) return;
  for (size_t i = 0, j = size - 1; i < j; ++i, --j) {
    const char t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
}

// 'f' / 'd': the number as a C float / double in the header's byte order.
template <typename Float>
void putFloat(lua_State* L, luaL_Buffer* b, int arg, bool little) {
  auto f = static_cast<Float>(luaL_checknumber(L, arg));
  toNativeOrder(reinterpret_cast<char*>(&f), sizeof(f), little);
  luaL_addlstring(b, reinterpret_cast<const char*>(&f), sizeof(f));
}

template <typename Float>
lua_Number getFloat(const char* p, bool little) {
  Float f;
  std::memcpy(&f, p, sizeof(f));
  toNativeOrder(reinterpret_cast<char*>(&f), sizeof(f), little);
  return static_cast<lua_Number>(f);
}

int structPack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);  // separates the arguments from the buffer's stack slots
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const char opt = *fmt++;
    size_t size = optionSize(L, opt, &fmt);
    size_t pad = paddingBefore(total, h, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f':
        putFloat<float>(L, &b, arg++, h.little);
        break;
      case 'd':
        putFloat<double>(L, &b, arg++, h.little);
        break;
      case 'c':
      case 's': {
        size_t len = 0;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          ++size;
        }
        break;
      }
      default:
        if (isIntegerOption(opt)) {
          putInteger(L, &b, arg++, h.little, size);
        } else {
          controlOption(L, opt, &fmt, h);
        }
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

int structUnpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Header h;
  int n = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    size_t size = optionSize(L, opt, &fmt);
    pos += paddingBefore(pos, h, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'x':
        break;
      case 'f':
        lua_pushnumber(L, getFloat<float>(data + pos, h.little));
        ++n;
        break;
      case 'd':
        lua_pushnumber(L, getFloat<double>(data + pos, h.little));
        ++n;
        break;
      case 'c':
        if (size == 0) {  // as many characters as the number just unpacked
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          --n;
          luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        ++n;
        break;
      case 's': {
        const void* end = std::memchr(data + pos, '\0', len - pos);
        if (end == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        ++n;
        break;
      }
      default:
        if (isIntegerOption(opt)) {
          lua_pushnumber(L, getInteger(data + pos, h.little, std::islower(opt) != 0, size));
          ++n;
        } else {
          controlOption(L, opt, &fmt, h);
        }
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int structSize(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    const size_t size = optionSize(L, opt, &fmt);
    pos += paddingBefore(pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!std::isalnum(static_cast<unsigned char>(opt))) controlOption(L, opt, &fmt, h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int openStruct(lua_State* L) {
  static const luaL_Reg kFuncs[] = {
      {"pack", structPack}, {"unpack", structUnpack}, {"size", structSize}, {nullptr, nullptr}};
  luaL_register(L, "struct", kFuncs);
  return 1;
}

}  // namespace strata::node::scripting
