// Unit tests of node/scripting: the cmsgpack codec (exact MessagePack bytes for each type and
// size class, decoding back, truncated input, nesting limit) and the struct library (bytes and
// error texts as redis-server 7.0's lua_struct gives them) on a bare Lua state, and EVAL /
// FUNCTION through an in-process Server (conversions, errors, effects on the keyspace).
#include <doctest/doctest.h>

#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "node/scripting/lua_api.h"
#include "node/scripting/lua_struct.h"
#include "node/scripting/msgpack.h"
#include "server_fixture.h"

namespace strata::node {
namespace {

struct LuaFixture {
  lua_State* L = luaL_newstate();
  LuaFixture() {
    luaL_openlibs(L);
    scripting::openCmsgpack(L);
    lua_pop(L, 1);
    scripting::openStruct(L);
    lua_pop(L, 1);
  }
  ~LuaFixture() { lua_close(L); }
  LuaFixture(const LuaFixture&) = delete;
  // Runs `code` (which returns one string) and gives that string.
  std::string eval(const std::string& code) {
    REQUIRE(luaL_loadstring(L, code.c_str()) == 0);
    if (lua_pcall(L, 0, 1, 0) != 0) {
      std::string err = lua_tostring(L, -1);
      lua_pop(L, 1);
      return "error: " + err;
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    std::string out = s != nullptr ? std::string(s, len) : std::string("<non-string>");
    lua_pop(L, 1);
    return out;
  }
  std::string pack(const std::string& args) { return eval("return cmsgpack.pack(" + args + ")"); }
};

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

}  // namespace

TEST_SUITE("node.scripting.msgpack") {
  TEST_CASE("integers take the smallest format") {
    LuaFixture f;
    CHECK(f.pack("0") == bytes({0x00}));
    CHECK(f.pack("127") == bytes({0x7f}));
    CHECK(f.pack("128") == bytes({0xcc, 0x80}));
    CHECK(f.pack("256") == bytes({0xcd, 0x01, 0x00}));
    CHECK(f.pack("65536") == bytes({0xce, 0x00, 0x01, 0x00, 0x00}));
    CHECK(f.pack("4294967296") == bytes({0xcf, 0, 0, 0, 1, 0, 0, 0, 0}));
    CHECK(f.pack("-1") == bytes({0xff}));
    CHECK(f.pack("-32") == bytes({0xe0}));
    CHECK(f.pack("-33") == bytes({0xd0, 0xdf}));
    CHECK(f.pack("-200") == bytes({0xd1, 0xff, 0x38}));
    CHECK(f.pack("-40000") == bytes({0xd2, 0xff, 0xff, 0x63, 0xc0}));
    CHECK(f.pack("-4294967296") == bytes({0xd3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}));
  }

  TEST_CASE("floats, booleans, nil and strings") {
    LuaFixture f;
    CHECK(f.pack("1.5") == bytes({0xca, 0x3f, 0xc0, 0x00, 0x00}));
    CHECK(f.pack("0.1") == bytes({0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}));
    CHECK(f.pack("true, false, nil") == bytes({0xc3, 0xc2, 0xc0}));
    CHECK(f.pack("'abc'") == bytes({0xa3, 'a', 'b', 'c'}));
    CHECK(f.pack("string.rep('x', 40)") == bytes({0xd9, 40}) + std::string(40, 'x'));
    CHECK(f.pack("string.rep('x', 300)") == bytes({0xda, 0x01, 0x2c}) + std::string(300, 'x'));
    CHECK(f.pack("string.rep('x', 70000)").substr(0, 5) == bytes({0xdb, 0, 1, 0x11, 0x70}));
  }

  TEST_CASE("tables: arrays when keys are 1..n, maps otherwise") {
    LuaFixture f;
    CHECK(f.pack("{}") == bytes({0x90}));
    CHECK(f.pack("{1, 2, 3}") == bytes({0x93, 1, 2, 3}));
    CHECK(f.pack("{a=1}") == bytes({0x81, 0xa1, 'a', 1}));
    CHECK(f.pack("{[1]=1, [3]=3}").substr(0, 1) == bytes({0x82}));
    std::string big = f.pack("(function() local t = {} for i=1,20 do t[i]=i end return t end)()");
    CHECK(big.substr(0, 3) == bytes({0xdc, 0x00, 0x14}));
    // Nesting deeper than 16 levels encodes nil.
    std::string deep = f.pack(
        "(function() local t = {} local c = t for i=1,20 do c[1] = {} c = c[1] end return t "
        "end)()");
    CHECK(deep.substr(0, 16) == std::string(16, static_cast<char>(0x91)));
    CHECK(deep[16] == static_cast<char>(0xc0));
  }

  TEST_CASE("unpack gives back what pack encoded") {
    LuaFixture f;
    CHECK(f.eval("local a, b, c = cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, {x='y'}})) "
                 "return a .. b .. c[1] .. c[2].x") == "1two3y");
    CHECK(f.eval("return tostring(cmsgpack.unpack(cmsgpack.pack(-4294967296)))") == "-4294967296");
    CHECK(f.eval("return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))") == "0.1");
    CHECK(f.eval("return tostring(cmsgpack.unpack(cmsgpack.pack(1.5)))") == "1.5");
    CHECK(f.eval("local s = cmsgpack.unpack(cmsgpack.pack(string.rep('z', 70000))) "
                 "return tostring(#s)") == "70000");
    CHECK(f.eval("local t = cmsgpack.unpack(cmsgpack.pack({a={b={c='d'}}})) return t.a.b.c") ==
          "d");
    CHECK(f.eval("return tostring(cmsgpack.unpack(string.char(0xc2)))") == "false");
    CHECK(f.eval("return type(cmsgpack.unpack(string.char(0xc0)))") == "nil");
    // bin 8 decodes to a string
    CHECK(f.eval("return cmsgpack.unpack(string.char(0xc4, 2, 104, 105))") == "hi");
  }

  TEST_CASE("unpack_one and unpack_limit return the next offset") {
    LuaFixture f;
    CHECK(f.eval("local off, v = cmsgpack.unpack_one(cmsgpack.pack(5, 6)) "
                 "return off .. ':' .. v") == "1:5");
    CHECK(f.eval("local off, v = cmsgpack.unpack_one(cmsgpack.pack(5, 6), 1) "
                 "return off .. ':' .. v") == "-1:6");
    CHECK(f.eval("local off, a, b = cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2) "
                 "return off .. ':' .. a .. b") == "2:12");
  }

  TEST_CASE("truncated or invalid input is an error, not a crash") {
    LuaFixture f;
    CHECK(f.eval("return cmsgpack.unpack(string.char(0xa5, 65))").starts_with("error:"));
    CHECK(f.eval("return cmsgpack.unpack(string.char(0xdd, 255, 255, 255, 255))")
              .starts_with("error:"));
    CHECK(f.eval("return cmsgpack.unpack(string.char(0xcb, 1, 2))").starts_with("error:"));
    CHECK(f.eval("return cmsgpack.unpack(string.char(0xc1))").starts_with("error:"));
    CHECK(f.eval("return cmsgpack.pack()").starts_with("error:"));
  }
}

TEST_SUITE("node.scripting.eval") {
  TEST_CASE("struct: bytes, alignment and sizes as redis-server 7.0") {
    LuaFixture f;
    CHECK(f.eval("return struct.pack('>i16', -1)") ==
          std::string(8, '\0') + std::string(8, '\xff'));
    CHECK(f.eval("return struct.pack('<i9', -2)") ==
          bytes({0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}));
    CHECK(f.eval("return struct.pack('!4bi', 1, 2)") == bytes({1, 0, 0, 0, 2, 0, 0, 0}));
    CHECK(f.eval("return struct.pack('!4bi3', 1, 2)") == bytes({1, 0, 0, 2, 0, 0}));
    // Out-of-range numbers give redis-server's (x86-64) bits.
    CHECK(f.eval("return struct.pack('>L', 2^63)") == bytes({0x80, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(f.eval("return struct.pack('>L', 2^64)") == std::string(8, '\0'));
    CHECK(f.eval("return struct.pack('>b', 300)") == ",");
    CHECK(f.eval("return struct.pack('c0c s', 'ab', 'c', 'de')") == std::string("abcde\0", 6));
    CHECK(f.eval("return table.concat({struct.unpack('bc0b', '\\002abc')}, ',')") == "ab,99,5");
    CHECK(f.eval("return table.concat({struct.unpack('<i16', struct.pack('<i16', -3))}, ',')") ==
          "-3,17");
    CHECK(f.eval("return table.concat({struct.unpack('s', 'ab\\000c')}, ',')") == "ab,4");
    CHECK(f.eval("return table.concat({struct.size('!4bhbi3bd'), struct.size('bxc5h')}, ',')") ==
          "20,9");
  }

  TEST_CASE("struct: errors as redis-server 7.0") {
    LuaFixture f;
    auto errorOf = [&](const std::string& code) {
      const std::string out = f.eval(code);
      const size_t at = out.find(": ", out.find("]:"));  // after the chunk's position prefix
      return at == std::string::npos ? out : out.substr(at + 2);
    };
    CHECK(errorOf("return struct.size('s')") ==
          "bad argument #1 to 'size' (option 's' has no fixed size)");
    CHECK(errorOf("return struct.pack('z')") ==
          "bad argument #1 to 'pack' (invalid format option 'z')");
    CHECK(errorOf("return struct.pack('i33', 1)") == "integral size 33 is larger than limit of 32");
    CHECK(errorOf("return struct.size('i99999999999')") == "integral size overflow");
    CHECK(errorOf("return struct.size('!3')") == "alignment 3 is not a power of 2");
    CHECK(errorOf("return struct.pack('c2', 'a')") ==
          "bad argument #3 to 'pack' (string too short)");
    CHECK(errorOf("return struct.unpack('b', 'a', 0)") ==
          "bad argument #3 to 'unpack' (offset must be 1 or greater)");
    CHECK(errorOf("return struct.unpack('b', 'a', 2)") ==
          "bad argument #2 to 'unpack' (data string too short)");
    CHECK(errorOf("return struct.unpack('c0', 'ab')") == "format 'c0' needs a previous size");
    CHECK(errorOf("return struct.unpack('s', 'ab')") == "unfinished string in data");
  }

  TEST_CASE("sha1hex and rand48 match Redis") {
    CHECK(scripting::sha1hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    scripting::redisSrand48(0);
    // lrand48 after srand48(0): the first value of the POSIX sequence.
    CHECK(scripting::redisLrand48() == 366850414);
  }

  TEST_CASE("EVAL conversions and errors through the command path") {
    testing::ServerFixture f;
    CHECK(f.run({"EVAL", "return {1, 'a', 3.7, true, false, {ok='x'}}", "0"}) ==
          "*6\r\n:1\r\n$1\r\na\r\n:3\r\n:1\r\n$-1\r\n+x\r\n");  // as redis-server 7.0
    CHECK(f.run({"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"}) ==
          "+OK\r\n");
    CHECK(f.run({"GET", "k"}) == "$1\r\nv\r\n");
    CHECK(f.run({"EVAL", "return redis.call('incr', KEYS[1])", "1", "k"}) ==
          "-ERR value is not an integer or out of range script: "
          "2bab3b661081db58bd2341920e0ba7cf5dc77b25, on @user_script:1.\r\n");
    CHECK(f.run({"EVAL", "return redis.pcall('incr', KEYS[1])", "1", "k"}) ==
          "-ERR value is not an integer or out of range\r\n");
    CHECK(f.run({"EVAL", "x = 1", "0"})
              .starts_with("-ERR user_script:1: Attempt to modify a readonly table script: "));
    CHECK(f.run({"EVALSHA", std::string(40, 'f'), "0"}) ==
          "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    CHECK(f.run({"EVAL", "return 1", "2", "a"}) ==
          "-ERR Number of keys can't be greater than number of args\r\n");
  }

  TEST_CASE("functions load, run and list") {
    testing::ServerFixture f;
    CHECK(f.run({"FUNCTION", "LOAD",
                 "#!lua name=lib\nredis.register_function('f', function(k, a) return #a end)"}) ==
          "$3\r\nlib\r\n");
    CHECK(f.run({"FCALL", "f", "0", "x", "y"}) == ":2\r\n");
    CHECK(f.run({"FCALL_RO", "f", "0"}) ==
          "-ERR Can not execute a script with write flag using *_ro command.\r\n");
    CHECK(f.run({"FUNCTION", "DELETE", "lib"}) == "+OK\r\n");
    CHECK(f.run({"FCALL", "f", "0"}) == "-ERR Function not found\r\n");
  }
}

}  // namespace strata::node
