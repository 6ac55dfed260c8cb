# Lua scripting and functions on the node, differential against redis-server 7.0: well over a
# hundred EVAL scripts (Lua <-> RESP conversions both ways, redis.call / redis.pcall errors and
# their " script: <sha>, on @user_script:<line>." suffixes, error_reply / status_reply, sha1hex,
# setresp(3) and RESP3 values, the sandbox and protected globals, shebang flags, EVAL_RO,
# numkeys errors, math.random's sequence, cjson / bit / cmsgpack) run on both servers in RESP2
# and RESP3 and must answer byte-for-byte the same; then SCRIPT LOAD/EXISTS/FLUSH, EVALSHA and
# NOSCRIPT, FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS and FCALL/FCALL_RO (the same
# transcripts; DUMP payloads only round-trip); SCRIPT KILL of a busy script from a connection
# made while it runs (-BUSY for the others; busy-reply-threshold set by its old name);
# and on the node alone: a script's effects in the AOF as MULTI/EXEC of its write commands,
# FUNCTION LOAD in the AOF and back after a restart (EVALSHA -> NOSCRIPT then), and a replica
# getting both the effects and the functions (full sync and stream).
# Run: STRATA_NODE_BIN=build/node/node /usr/bin/python3 tests/integration/node/test_scripting.py
# (the node defaults to build/node/node; the reference is the redis-server 7.0 on PATH). CTest sets
# nothing else. The exit status is the verdict, by hand as under CTest: 1 when any check failed.
# ctest-timeout: 120
import hashlib
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.differential import DifferentialCase, node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir, wait_until  # noqa: E402
from harness.resp import Map, RespConn, RespError  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"

SETUP = [("SET", "s", "abc"), ("SET", "n", "10"), ("RPUSH", "l", "a", "b", "c"),
         ("HSET", "h", "f", "v"), ("SADD", "st", "m"), ("ZADD", "z", "1.5", "a")]

# (script, keys, args): each runs as EVAL script len(keys) *keys *args.
EVAL_CASES = [
    # Lua -> RESP
    ("return 1", [], []),
    ("return -7", [], []),
    ("return 3.99", [], []),
    ("return -3.99", [], []),
    ("return 1e20", [], []),
    ("return 'hello'", [], []),
    ("return ''", [], []),
    ("return true", [], []),
    ("return false", [], []),
    ("return nil", [], []),
    ("return {}", [], []),
    ("return {1,2,3,'ciao',{1,2}}", [], []),
    ("return {1,2,nil,4}", [], []),
    ("return {1,false,3}", [], []),
    ("return {true,false}", [], []),
    ("return {1.5, 2.7, -0.5}", [], []),
    ("return {{{{'deep'}}}}", [], []),
    ("return {ok='fine'}", [], []),
    ("return {ok='a\\r\\nb'}", [], []),
    ("return {err='My error'}", [], []),
    ("return {err='oneword'}", [], []),
    ("return {err='x\\ny'}", [], []),
    ("return {err=3}", [], []),
    ("return {ok=1}", [], []),
    ("return {a=1, b=2}", [], []),
    ("return {1, 2, a=3}", [], []),
    ("return redis.status_reply('FINE')", [], []),
    ("return redis.error_reply('My err')", [], []),
    ("return redis.error_reply('-CODE the message')", [], []),
    ("return redis.error_reply('x')", [], []),
    ("return redis.error_reply(1)", [], []),
    ("return redis.status_reply()", [], []),
    ("return {double=3.14}", [], []),
    ("return {big_number='123456789012345678901234567890'}", [], []),
    ("return {map={a=1}}", [], []),
    ("return {set={a=true}}", [], []),
    ("return {verbatim_string={format='txt', string='hello'}}", [], []),
    ("return function() end", [], []),
    # KEYS / ARGV
    ("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", ["k1", "k2"], ["a1", "a2"]),
    ("return #KEYS + #ARGV * 10", ["a"], ["b", "c", "d"]),
    ("return ARGV", [], ["x", "y", ""]),
    ("return KEYS", ["x"], []),
    # RESP -> Lua
    ("return redis.call('get', 's')", [], []),
    ("return redis.call('get', 'nokey')", [], []),
    ("return type(redis.call('get', 'nokey'))", [], []),
    ("return tostring(redis.call('get', 'nokey'))", [], []),
    ("return redis.call('incr', 'n')", [], []),
    ("return type(redis.call('incr', 'n'))", [], []),
    ("return redis.call('set', 'x', 'y')", [], []),
    ("return redis.call('set', 'x', 'y')['ok']", [], []),
    ("return type(redis.call('ping'))", [], []),
    ("return redis.call('ping')", [], []),
    ("return redis.call('lrange', 'l', 0, -1)", [], []),
    ("return #redis.call('lrange', 'l', 0, -1)", [], []),
    ("return redis.call('hgetall', 'h')", [], []),
    ("return redis.call('hgetall', 'nokey')", [], []),
    ("return redis.call('zrange', 'z', 0, -1, 'withscores')", [], []),
    ("return redis.call('zscore', 'z', 'a')", [], []),
    ("return redis.call('smembers', 'st')", [], []),
    ("return redis.call('mget', 's', 'nokey', 'n')", [], []),
    ("return redis.call('exists', 's', 'n', 'nokey')", [], []),
    ("return redis.call('set', KEYS[1], 0.1)", ["fk"], []),
    ("redis.call('set', KEYS[1], 0.1); return redis.call('get', KEYS[1])", ["fk"], []),
    ("redis.call('set', KEYS[1], 3); return redis.call('get', KEYS[1])", ["fk"], []),
    ("redis.call('set', KEYS[1], 1e100); return redis.call('get', KEYS[1])", ["fk"], []),
    ("redis.call('set', KEYS[1], -2.5); return redis.call('get', KEYS[1])", ["fk"], []),
    ("return redis.call('GET', 's')", [], []),
    ("return redis.call('config', 'get', 'maxmemory')", [], []),
    ("return redis.call('object', 'encoding', 'n')", [], []),
    ("return redis.call('blpop', 'nolist', 0)", [], []),
    ("return redis.call('type', 's')", [], []),
    # RESP3 inside scripts
    ("redis.setresp(3); return redis.call('hgetall', 'h')", [], []),
    ("redis.setresp(3); return redis.call('hgetall', 'nokey')", [], []),
    ("redis.setresp(3); return type(redis.call('get', 'nokey'))", [], []),
    ("redis.setresp(3); return redis.call('get', 'nokey')", [], []),
    ("redis.setresp(3); return redis.call('smembers', 'st')", [], []),
    ("redis.setresp(3); return redis.call('zscore', 'z', 'a')", [], []),
    ("redis.setresp(3); local r = redis.call('zscore', 'z', 'a'); return r['double'] * 2", [], []),
    ("redis.setresp(3); return redis.call('hgetall', 'h')['map']['f']", [], []),
    ("redis.setresp(3); return true", [], []),
    ("redis.setresp(3); return false", [], []),
    ("redis.setresp(3); return {double=1.5}", [], []),
    ("redis.setresp(3); redis.setresp(2); return redis.call('hgetall', 'h')", [], []),
    ("return redis.setresp(4)", [], []),
    ("return redis.setresp()", [], []),
    # errors from redis.call / redis.pcall
    ("return redis.call('nosuch')", [], []),
    ("return redis.pcall('nosuch')", [], []),
    ("return redis.call('get')", [], []),
    ("return redis.pcall('get')", [], []),
    ("return redis.call()", [], []),
    ("return redis.pcall()", [], []),
    ("return redis.call('incr', 's')", [], []),
    ("return redis.pcall('incr', 's')", [], []),
    ("local t = redis.pcall('incr', 's'); return t['err']", [], []),
    ("return redis.call('lpush', 's', 'x')", [], []),
    ("return redis.pcall('lpush', 's', 'x')", [], []),
    ("return redis.call('set', 'a', {})", [], []),
    ("return redis.pcall('set', 'a', {})", [], []),
    ("return redis.call('set', 'a', nil)", [], []),
    ("return redis.call('eval', 'return 1', 0)", [], []),
    ("return redis.call('multi')", [], []),
    ("return redis.call('subscribe', 'c')", [], []),
    ("return redis.call('config', 'nosuch')", [], []),
    ("return redis.call('config')", [], []),
    ("local ok, e = pcall(redis.call, 'incr', 's'); return e['err']", [], []),
    ("local ok, e = pcall(redis.call, 'nosuch'); return {tostring(ok), e['err']}", [], []),
    # Redis 7.0's global pcall catches an error table as its err string
    ("local ok, e = pcall(redis.call, 'incr', 's'); return {tostring(ok), type(e), e}", [], []),
    ("local ok, e = pcall(error, {err='x'}); return {tostring(ok), type(e), e}", [], []),
    ("local ok, e = pcall(error, {code=1}); return {tostring(ok), type(e), e.code}", [], []),
    ("local ok, e = pcall(redis.call, 'set', 'a', {}); return {tostring(ok), e}", [], []),
    ("return redis.pcall('set', 'a', {})", [], []),
    ("local ok, a, b = pcall(function() return 1, 2 end); return {tostring(ok), a, b}", [], []),
    ("return {pcall()}", [], []),
    ("local t = redis.pcall('incr', 's'); local r = {} for k, v in pairs(t) do "
     "r[#r+1] = tostring(k) .. '=' .. tostring(v) end table.sort(r) return r", [], []),
    ("local t = redis.pcall('nosuch'); local r = {} for k, v in pairs(t) do "
     "r[#r+1] = tostring(k) .. '=' .. tostring(v) end table.sort(r) return r", [], []),
    ("local t = redis.error_reply('x'); local r = {} for k, v in pairs(t) do "
     "r[#r+1] = tostring(k) .. '=' .. tostring(v) end table.sort(r) return r", [], []),
    ("redis.call('set', 'partial', '1'); return redis.call('incr', 's')", [], []),
    ("error('boom')", [], []),
    ("error({err='X boom'})", [], []),
    ("error({err='X boom', source='s', line=3})", [], []),
    ("error()", [], []),
    ("error(42)", [], []),
    ("local x = nil; return x.y", [], []),
    ("return 1 +", [], []),
    ("syntax error here", [], []),
    ("return 'multi\nline\nscript' .. y", [], []),
    ("\n\nerror('line three')", [], []),
    ("local function f() error('in f') end\nf()", [], []),
    ("local function f() return redis.call('nosuch') end\nreturn f()", [], []),
    # sandbox and globals
    ("x = 1", [], []),
    ("return y", [], []),
    ("return os", [], []),
    ("return io", [], []),
    ("return loadfile", [], []),
    ("return dofile", [], []),
    ("return type(print)", [], []),
    ("return type(debug)", [], []),
    ("return type(require)", [], []),
    ("return type(getfenv)", [], []),
    ("return type(loadstring)", [], []),
    ("return type(rawget(_G, 'nothere'))", [], []),
    ("return type(_G)", [], []),
    ("local t = {}; t.x = 1; return t.x", [], []),
    ("local x = 5; return x", [], []),
    ("_G.z = 1", [], []),
    # the library tables are read-only too (new and existing fields, metatables)
    ("redis.x = 1", [], []),
    ("redis.call = function() return 1 end", [], []),
    ("string.x = 1", [], []),
    ("table.insert = nil", [], []),
    ("cjson.x = 1; return 1", [], []),
    ("bit.x = 1", [], []),
    ("struct.pack = nil", [], []),
    ("cmsgpack.pack = nil", [], []),
    ("setmetatable(redis, {})", [], []),
    ("setmetatable(_G, {})", [], []),
    ("return getmetatable(setmetatable({}, {__index = {a = 5}})).__index.a", [], []),
    ("return setmetatable({}, 1)", [], []),
    ("return ('abc'):upper() .. string.rep('x', 2) .. redis.call('ping')['ok']", [], []),
    ("return type(string.format)", [], []),
    ("return string.format('%d-%s', 5, 'x')", [], []),
    ("return table.concat({'a','b','c'}, ',')", [], []),
    ("return math.floor(3.7)", [], []),
    ("return tonumber('42')", [], []),
    ("return select('#', 1, 2, 3)", [], []),
    ("return unpack({1, 2})", [], []),
    ("return {pcall(error, 'e')}", [], []),
    # redis.* helpers
    ("return redis.sha1hex('')", [], []),
    ("return redis.sha1hex('hello world')", [], []),
    ("return redis.sha1hex()", [], []),
    ("return redis.REDIS_VERSION_NUM", [], []),
    ("return redis.REDIS_VERSION", [], []),
    ("return redis.log(redis.LOG_WARNING, 'hello from a script')", [], []),
    ("return redis.log(redis.LOG_NOTICE, 'a', 'b', 3)", [], []),
    ("return redis.log(redis.LOG_DEBUG)", [], []),
    ("return redis.log('x', 'y')", [], []),
    ("return redis.log(9, 'y')", [], []),
    ("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", [], []),
    ("return redis.replicate_commands()", [], []),
    ("return redis.set_repl(redis.REPL_ALL)", [], []),
    ("return redis.set_repl(7)", [], []),
    ("return redis.set_repl()", [], []),
    ("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}", [], []),
    ("return redis.breakpoint()", [], []),
    ("return redis.debug('x')", [], []),
    # math.random is deterministic (same sequence as redis-server's rand48 from start-up)
    ("return {math.random(100), math.random(1, 6), math.floor(math.random() * 1000)}", [], []),
    ("math.randomseed(7); return {math.random(1000), math.random(1000)}", [], []),
    # libraries
    ("return cjson.encode({1, 2, 'x'})", [], []),
    ("return cjson.encode({a='b'})", [], []),
    ("return cjson.decode('[1,2,{\"a\":3}]')[3]['a']", [], []),
    ("return cjson.decode('{\"a\":[1,2]}')['a'][2]", [], []),
    ("return cjson.encode(cjson.decode('{\"k\":\"v\"}'))", [], []),
    ("return bit.band(7, 3)", [], []),
    ("return bit.bor(1, 6)", [], []),
    ("return bit.bxor(5, 1)", [], []),
    ("return bit.lshift(1, 10)", [], []),
    ("return bit.tohex(255)", [], []),
    ("return cmsgpack.pack({1, 2, 3})", [], []),
    ("return cmsgpack.pack('abc', 1, -1, 200, -200, 70000, 1.5, true, false)", [], []),
    ("return cmsgpack.pack({a=1})", [], []),
    ("return cmsgpack.pack(string.rep('x', 40))", [], []),
    ("return cmsgpack.pack(4294967296, -4294967296, 0.1)", [], []),
    ("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}))}", [], []),
    ("local t = cmsgpack.unpack(cmsgpack.pack({a={b='c'}})); return t.a.b", [], []),
    ("return cmsgpack.unpack(cmsgpack.pack(-5.25)) * 4", [], []),
    # struct (Redis's lua_struct): formats, alignment, endianness, limits and their errors
    ("return struct.pack('>i<h!4bIc3s', -2, 513, 7, 70000, 'abcd', 'zz')", [], []),
    ("return {struct.unpack('>i<h!4bIc3s', struct.pack('>i<h!4bIc3s', -2, 513, 7, 70000, 'abc', 'zz'))}", [], []),
    ("return struct.pack('<bBhHlLTi3I5', -1, 255, -2, 65535, -3, 2^40, 9, -4, 2^33)", [], []),
    ("return {struct.unpack('<bBhHlLTi3I5', struct.pack('<bBhHlLTi3I5', -1, 255, -2, 65535, -3, 2^40, 9, -4, 2^33))}", [], []),
    ("return {struct.unpack('<i16', struct.pack('<i16', -3))}", [], []),
    ("return struct.pack('>L', 2^63) .. struct.pack('>L', 2^64) .. struct.pack('>b', 300) .. struct.pack('b', 1e20)", [], []),
    ("return {struct.unpack('>L', struct.pack('>L', -1))}", [], []),
    ("return struct.pack('>fd<fd', 1.5, -0.25, 3, 1e100)", [], []),
    ("return tostring(struct.unpack('<d', struct.pack('<d', 0.1)))", [], []),
    ("return {struct.unpack('>f', struct.pack('>f', 1.5))}", [], []),
    ("return {struct.unpack('<f>d', struct.pack('<f>d', -2.5, 1e-300))}", [], []),
    ("return struct.pack('bd', 1, {})", [], []),
    ("return struct.pack('!4bi!8bd!2bi3', 1, 2, 3, 4, 5, 6)", [], []),
    ("return {struct.size('!4bhbi3bd'), struct.size('bxc5h'), struct.size('<>!x'), struct.size('z')}", [], []),
    ("return {struct.unpack('bc0b', '\\002abc')}", [], []),
    ("return {struct.unpack('xbxb', 'abcd')}", [], []),
    ("return {struct.unpack('s', 'ab\\000c')}", [], []),
    ("return {struct.unpack('b', 'abc', 2.7)}", [], []),
    ("return {struct.unpack('', 'abc', -1)}", [], []),
    ("return struct.pack('c0c s', 'ab', 'c', 'de')", [], []),
    ("return struct.pack('>h', '0x10')", [], []),
    ("return struct.size('s')", [], []),
    ("return struct.size('c0')", [], []),
    ("return struct.size('%')", [], []),
    ("return struct.size('!3')", [], []),
    ("return struct.size('i99999999999')", [], []),
    ("return struct.pack('i33', 1)", [], []),
    ("return struct.pack('z')", [], []),
    ("return struct.pack('s3', 'abcd')", [], []),
    ("return struct.pack('c2', 'a')", [], []),
    ("return struct.pack('b')", [], []),
    ("return struct.pack()", [], []),
    ("return {struct.unpack('b', 'a', 0)}", [], []),
    ("return {struct.unpack('b', 'a', 2)}", [], []),
    ("return {struct.unpack('c0', 'ab')}", [], []),
    ("return {struct.unpack('bc0', '\\005abc')}", [], []),
    ("return {struct.unpack('s', 'ab')}", [], []),
    ("return {struct.unpack('>Q', 'abcdefgh')}", [], []),
    # shebang flags
    ("#!lua\nreturn redis.call('set', 'sb', '1')", [], []),
    ("#!lua flags=no-writes\nreturn redis.call('get', 's')", [], []),
    ("#!lua flags=no-writes\nreturn redis.call('set', 'x', 1)", [], []),
    ("#!lua flags=no-writes,allow-oom\nreturn 1", [], []),
    ("#!lua flags=allow-stale,allow-oom,no-cluster\nreturn 2", [], []),
    ("#!lua flags=bad\nreturn 1", [], []),
    ("#!lua flags=\nreturn 1", [], []),
    ("#!lua other=1\nreturn 1", [], []),
    ("#!js\nreturn 1", [], []),
    ("#!lua\nerror('second line')", [], []),
    ("#!lua flags=no-writes\nreturn redis.call('publish', 'ch', 'm')", [], []),
    ("#!lua flags=no-writes\nreturn redis.call('pfcount', 'hll')", [], []),
    ("#!lua flags=no-writes\nreturn redis.call('spublish', 'ch', 'm')", [], []),
]

# Whole commands (not EVAL): argument errors and the _RO variants.
COMMAND_CASES = [
    ("EVAL", "return 1", "-1"),
    ("EVAL", "return 1", "3", "a"),
    ("EVAL", "return 1", "x"),
    ("EVAL", "return 1"),
    ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"),
    ("EVALSHA", "short", "0"),
    ("EVAL_RO", "return redis.call('get', 's')", "0"),
    ("EVAL_RO", "return redis.call('set', 'x', 1)", "0"),
    ("EVAL_RO", "return redis.call('publish', 'c', 'm')", "0"),
    ("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"),
    ("EVAL_RO", "#!lua\nreturn 1", "0"),
    ("SCRIPT", "LOAD", "return 'loaded'"),
    ("EVALSHA", "2f9ecd23aa8a1a2a3bd41a7c1dd1b9ccb3b4edc2", "0"),
    ("SCRIPT", "EXISTS", "2f9ecd23aa8a1a2a3bd41a7c1dd1b9ccb3b4edc2", "0" * 40),
    ("SCRIPT", "EXISTS", "2F9ECD23AA8A1A2A3BD41A7C1DD1B9CCB3B4EDC2"),
    ("EVALSHA", "2F9ECD23AA8A1A2A3BD41A7C1DD1B9CCB3B4EDC2", "0"),
    ("EVALSHA_RO", "2f9ecd23aa8a1a2a3bd41a7c1dd1b9ccb3b4edc2", "0"),
    ("SCRIPT", "LOAD", "return +"),
    ("SCRIPT", "FLUSH", "BAD"),
    ("SCRIPT", "FLUSH", "SYNC", "X"),
    ("SCRIPT", "FLUSH", "ASYNC"),
    ("SCRIPT", "EXISTS", "2f9ecd23aa8a1a2a3bd41a7c1dd1b9ccb3b4edc2"),
    ("EVALSHA", "2f9ecd23aa8a1a2a3bd41a7c1dd1b9ccb3b4edc2", "0"),
    ("SCRIPT", "FLUSH"),
    ("SCRIPT", "KILL"),
    ("SCRIPT", "HELP"),
    ("SCRIPT", "NOSUCH"),
    ("FUNCTION", "KILL"),
    ("FUNCTION", "HELP"),
    ("FUNCTION", "STATS"),
    ("FUNCTION", "LIST"),
    ("FUNCTION", "LOAD", "return 1"),
    ("FUNCTION", "LOAD", "#!lua\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=x"),
    ("FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"),
    ("FUNCTION", "LOAD", "#!js name=x\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=x\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=x\nreturn +"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')"),
    ("FUNCTION", "LOAD", "#!lua name=x\nerror('at load')"),
    ("FUNCTION", "LOAD", "#!lua name=x\nlocal f = string.format"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.setresp(3)"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function = nil"),
    ("FUNCTION", "LOAD", "#!lua name=x\nreturn redis.LOG_WARNING + redis.REDIS_VERSION_NUM"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f')"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('bad name', function() end)"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='f', callback=function() end, flags={'bad'}}"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='f'}"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{callback=function() end}"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='f', callback=function() end, other=1}"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() end)\nredis.register_function('f', function() end)"),
    ("FUNCTION", "LOAD", "#!lua name=mylib\n"
     "redis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)"),
    ("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f9', function() end)"),
    ("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('f1', function() end)"),
    ("FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\n"
     "redis.register_function('f1', function(keys, args) return {keys[1], args[1], 'v2'} end)\n"
     "redis.register_function{function_name='f2', callback=function(keys, args) "
     "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\n"
     "redis.register_function('fw', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n"
     "redis.register_function('ferr', function(keys, args) error('in function') end)\n"
     "redis.register_function('fglob', function(keys, args) zz = 1 end)\n"
     "redis.register_function('fresp3', function(keys, args) redis.setresp(3); return redis.call('hgetall', keys[1]) end)"),
    ("FCALL", "f1", "1", "k", "a"),
    ("FCALL", "f2", "1", "s"),
    ("FCALL_RO", "f2", "1", "s"),
    ("FCALL_RO", "f1", "0"),
    ("FCALL", "fw", "1", "fwkey", "val"),
    ("FCALL", "ferr", "0"),
    ("FCALL", "fglob", "0"),
    ("FCALL", "fresp3", "1", "h"),
    ("FCALL", "nosuch", "0"),
    ("FCALL", "f1", "x"),
    ("FCALL", "f1", "-1"),
    ("FCALL", "f1", "5", "a"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "myl*"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "nomatch"),
    ("FUNCTION", "LIST", "LIBRARYNAME"),
    ("FUNCTION", "LIST", "BAD"),
    ("FUNCTION", "STATS"),
    ("FUNCTION", "RESTORE", "garbage"),
    ("FUNCTION", "RESTORE", "garbage", "BADPOLICY"),
    ("FUNCTION", "DELETE", "nolib"),
    ("FUNCTION", "DELETE", "mylib"),
    ("FCALL", "f1", "0"),
    ("FUNCTION", "FLUSH", "BAD"),
    ("FUNCTION", "FLUSH", "ASYNC"),
    ("FUNCTION", "LIST"),
]


def sorted_function_list(reply):
    """FUNCTION LIST's reply with its libraries, and each library's functions, sorted by name:
    redis-server lists both in its dicts' (random) order, so only the sets can be compared. The
    RESP2 (flat field lists) and RESP3 (maps) shapes are kept."""
    if not isinstance(reply, list):
        return reply

    def field(entry, key):
        if isinstance(entry, dict):
            return entry.get(key)
        return dict(zip(entry[::2], entry[1::2])).get(key)

    def by_name(functions):
        return sorted(functions, key=lambda f: field(f, b"name"))

    libs = []
    for lib in reply:
        if isinstance(lib, dict):
            lib = Map(lib)
            lib[b"functions"] = by_name(lib[b"functions"])
        else:
            lib = list(lib)
            for i in range(0, len(lib) - 1, 2):
                if lib[i] == b"functions":
                    lib[i + 1] = by_name(lib[i + 1])
        libs.append(lib)
    return sorted(libs, key=lambda lib: field(lib, b"library_name"))


class Scripting(DifferentialCase):

    def setup(self, c):
        for cmd in SETUP:
            c.call(*cmd)

    def test_eval_cases(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = []
            for script, keys, args in EVAL_CASES:
                c.call("FLUSHALL")
                self.setup(c)
                out.append((script, c.call("EVAL", script, str(len(keys)), *keys, *args)))
            return out
        r = self.same(check)
        self.assertGreater(len(EVAL_CASES), 100)
        pinned = dict(r[2])
        self.assertEqual(pinned["return {1,2,nil,4}"], [1, 2])
        self.assertEqual(pinned["return 3.99"], 3)
        self.assertEqual(pinned["x = 1"], RespError(
            "ERR user_script:1: Attempt to modify a readonly table script: "
            f"{hashlib.sha1(b'x = 1').hexdigest()}, on @user_script:1."))

    def test_commands(self):
        def check(port, proto):
            c = self.conn(port, proto)
            self.setup(c)
            c.call("SCRIPT", "FLUSH")
            c.call("FUNCTION", "FLUSH")
            out = []
            for cmd in COMMAND_CASES:
                reply = c.call(*cmd)
                if cmd[:2] == ("FUNCTION", "LIST"):
                    reply = sorted_function_list(reply)
                out.append((cmd, reply))
            return out
        r = self.same(check)
        pinned = dict((tuple(k), v) for k, v in r[2])
        self.assertEqual(pinned[("FCALL", "f1", "1", "k", "a")], [b"k", b"a", b"v2"])

    def test_effects_and_keys(self):
        def check(port, proto):
            c = self.conn(port, proto)
            out = [c.call("EVAL", "redis.call('set', KEYS[1], ARGV[1]); "
                          "redis.call('lpush', KEYS[2], ARGV[1], ARGV[2]); "
                          "return redis.call('lrange', KEYS[2], 0, -1)", "2", "k", "l", "x", "y"),
                   c.call("GET", "k"), c.call("LRANGE", "l", "0", "-1"),
                   c.call("EVAL", "return redis.call('expire', KEYS[1], 100)", "1", "k"),
                   c.call("TTL", "k"),
                   c.call("MULTI"), c.call("EVAL", "return redis.call('incr', 'ctr')", "0"),
                   c.call("EVAL", "return redis.call('incr', 'ctr')", "0"), c.call("EXEC")]
            return out
        self.same(check)

    def test_declared_flags_at_admission_out_of_memory(self):
        # A script's declared flags decide admission as the command's own would (Redis's
        # getCommandFlags): under OOM a no-writes or allow-oom script runs, one declaring no
        # flags is refused as a denyoom command; a script without a shebang is admitted and its
        # writes are refused inside. EVALSHA and FCALL by the cached script / function's flags.
        scripts = ["#!lua flags=no-writes\nreturn redis.call('get', 'k')",
                   "#!lua flags=allow-oom\nreturn redis.call('set', 'k', 'w')",
                   "#!lua\nreturn 1",
                   "return 2",
                   "return redis.call('set', 'k', 'x')"]
        lib = ("#!lua name=oomlib\n"
               "redis.register_function{function_name='ro', callback=function() return 3 end, "
               "flags={'no-writes'}}\n"
               "redis.register_function('rw', function() return 4 end)")

        def check(port, proto):
            c = self.conn(port, proto)
            c.call("SET", "k", "v")
            c.call("FUNCTION", "FLUSH")
            out = [c.call("FUNCTION", "LOAD", lib)]
            shas = [c.call("SCRIPT", "LOAD", s) for s in scripts]
            c.call("CONFIG", "SET", "maxmemory", "1")
            try:
                out += [c.call("EVAL", s, "0") for s in scripts]
                out += [c.call("EVALSHA", sha, "0") for sha in shas]
                out += [c.call("FCALL", "ro", "0"), c.call("FCALL", "rw", "0"),
                        c.call("FCALL_RO", "ro", "0")]
                out += [c.call("MULTI"), c.call("EVAL", scripts[0], "0")]
                c.call("DISCARD")
            finally:
                c.call("CONFIG", "SET", "maxmemory", "0")
                c.call("FUNCTION", "FLUSH")
            return out
        r = self.same(check)
        oom = RespError("OOM command not allowed when used memory > 'maxmemory'.")
        self.assertEqual(r[2][1:5], [b"v", "OK", oom, 2])
        self.assertIsInstance(r[2][5], RespError)  # refused inside, by redis.call('set')
        self.assertTrue(r[2][5].startswith(str(oom) + " script: "), r[2][5])
        self.assertEqual(r[2][11:14], [3, oom, 3])

    def test_dump_restore_roundtrip(self):
        for name in ("redis", "node"):
            c = self.conn(self.servers[name].port)
            c.call("FUNCTION", "FLUSH")
            c.call("FUNCTION", "LOAD",
                   "#!lua name=lib1\nredis.register_function('g1', function() return 1 end)")
            payload = c.call("FUNCTION", "DUMP")
            self.assertEqual(c.call("FUNCTION", "RESTORE", payload),
                             RespError("ERR Library lib1 already exists"))
            self.assertEqual(c.call("FUNCTION", "FLUSH"), "OK")
            self.assertEqual(c.call("FCALL", "g1", "0"), RespError("ERR Function not found"))
            self.assertEqual(c.call("FUNCTION", "RESTORE", payload), "OK")
            self.assertEqual(c.call("FCALL", "g1", "0"), 1)
            self.assertEqual(c.call("FUNCTION", "RESTORE", payload, "REPLACE"), "OK")
            self.assertEqual(c.call("FUNCTION", "RESTORE", payload, "FLUSH"), "OK")
            self.assertEqual(c.call("FCALL", "g1", "0"), 1)
            c.call("FUNCTION", "FLUSH")

    def test_busy_script_and_kill(self):
        def check(port, proto):
            admin = self.conn(port, proto)
            # busy-reply-threshold under its old name, as a redis.conf of 6.x sets it.
            out = [admin.call("CONFIG", "SET", "lua-time-limit", "200"),
                   admin.call("CONFIG", "GET", "busy-reply-threshold")]
            try:
                runner = self.conn(port, proto)
                other = self.conn(port, proto)
                runner.send("EVAL", "local i = 0 while true do i = i + 1 end", "0")
                deadline = time.monotonic() + 20
                busy = None
                while time.monotonic() < deadline:
                    busy = other.call("PING")
                    if isinstance(busy, RespError):
                        break
                    time.sleep(0.05)
                # The operator's redis-cli connects while the script is busy and kills it.
                late = self.conn(port, proto)
                out += [busy, late.call("PING"), late.call("FUNCTION", "KILL"),
                        late.call("SCRIPT", "KILL"), runner.read(timeout=10), other.call("PING"),
                        runner.call("PING")]
            finally:
                admin.call("CONFIG", "SET", "busy-reply-threshold", "5000")
            return out
        r = self.same(check)
        busy = RespError(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
            "NOSAVE.")
        # FUNCTION KILL does not stop an EVAL script: 7.0 answers it -BUSY too.
        self.assertEqual(r[2][:5], ["OK", [b"busy-reply-threshold", b"200"], busy, busy, busy])
        self.assertEqual(r[2][5], "OK")
        self.assertTrue(str(r[2][6]).startswith("ERR Script killed by user with SCRIPT KILL"))
        self.assertEqual(r[2][7:], ["PONG", "PONG"])


    def test_reply_made_just_before_a_busy_script_is_sent(self):
        # A PING and a never-ending EVAL read in the same loop round, the PING first: its PONG
        # must leave while the script runs (Redis flushes pending replies while blocked), not
        # when the script ends.
        blocker = ("local function now() local t = redis.call('time') "
                   "return t[1] * 1000000 + t[2] end "
                   "local s = now() while now() - s < 300000 do end return 1")

        def check(port, proto):
            admin = self.conn(port, proto)
            admin.call("CONFIG", "SET", "busy-reply-threshold", "1000")
            try:
                pinger, runner = self.conn(port, proto), self.conn(port, proto)
                # A 300 ms script, under the threshold: the server reads the next two requests
                # only after it, in one round, the PING first.
                admin.send("EVAL", blocker, "0")
                time.sleep(0.05)
                pinger.send("PING")
                time.sleep(0.02)
                runner.send("EVAL", "while true do end", "0")
                out = [admin.read(timeout=10), pinger.read(timeout=5)]
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    killed = pinger.call("SCRIPT", "KILL")
                    if killed == "OK":
                        break
                    time.sleep(0.05)
                out += [killed, str(runner.read(timeout=10)).startswith(
                    "ERR Script killed by user with SCRIPT KILL")]
            finally:
                admin.call("CONFIG", "SET", "busy-reply-threshold", "5000")
            return out
        r = self.same(check, protos=(2,))
        self.assertEqual(r[2], [1, "PONG", "OK", True])


class Node:
    """One node process with its own dir, restartable on the same port."""

    def __init__(self, *args):
        self.dir = make_temp_dir("scripting")
        (self.port,) = allocate_ports(1)
        self.args = list(args)
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        argv = [node_bin(), "--port", self.port, "--bind", HOST, "--dir", self.dir, *self.args]
        self.proc = Proc(f"node:{self.port}", argv, self.dir,
                         os.path.join(self.dir, f"node-{self.starts}.log")).start()
        wait_until(lambda: self.conn().call("PING") == "PONG", 20, f"node on {self.port}",
                   fail_if=lambda: None if self.proc.alive() else self.proc.log_tail())
        return self

    def conn(self):
        return RespConn(HOST, self.port)

    def stop(self):
        if self.proc:
            self.proc.kill9()
            self.proc = None

    def release(self):
        self.stop()
        release_ports([self.port])


class Persistence(unittest.TestCase):

    def node(self, *args):
        n = Node(*args)
        self.addCleanup(n.release)
        return n.start()

    def aof_text(self, n):
        d = os.path.join(n.dir, "appendonlydir")
        text = b""
        for name in sorted(os.listdir(d)):
            if ".incr." in name:
                with open(os.path.join(d, name), "rb") as f:
                    text += f.read()
        return text

    def test_aof_effects_and_functions(self):
        n = self.node("--appendonly", "yes", "--appendfsync", "always")
        c = n.conn()
        lib = "#!lua name=plib\nredis.register_function('pf', function(k, a) return redis.call('incr', k[1]) end)"
        self.assertEqual(c.call("FUNCTION", "LOAD", lib), b"plib")
        sha = c.call("SCRIPT", "LOAD", "return redis.call('get', KEYS[1])")
        self.assertEqual(c.call("EVAL", "redis.call('set', KEYS[1], 'v'); "
                                "redis.call('rpush', KEYS[2], 'a'); return 1", "2", "a", "b"), 1)
        self.assertEqual(c.call("EVAL", "return redis.call('get', KEYS[1])", "1", "a"), b"v")
        self.assertEqual(c.call("FCALL", "pf", "1", "cnt"), 1)
        c.close()
        aof = self.aof_text(n)
        self.assertIn(b"$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n", aof.upper())
        self.assertIn(lib.encode(), aof)
        self.assertIn(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\nv\r\n"
                      b"*3\r\n$5\r\nrpush\r\n$1\r\nb\r\n$1\r\na\r\n*1\r\n$4\r\nEXEC\r\n", aof)
        self.assertNotIn(b"EVAL", aof.upper().replace(b"EVALSHA", b""))
        self.assertIn(b"$4\r\nincr\r\n$3\r\ncnt\r\n", aof)
        n.stop()
        n.start()
        c = n.conn()
        self.assertEqual(c.call("GET", "a"), b"v")
        self.assertEqual(c.call("FCALL", "pf", "1", "cnt"), 2)
        self.assertEqual(c.call("EVALSHA", sha, "1", "a"),
                         RespError("NOSCRIPT No matching script. Please use EVAL."))
        c.close()

    def test_replica_gets_effects_and_functions(self):
        m = self.node()
        c = m.conn()
        c.call("FUNCTION", "LOAD",
               "#!lua name=rlib\nredis.register_function('rf', function(k, a) return 7 end)")
        c.call("EVAL", "redis.call('set', 'before', '1'); return 1", "0")
        r = self.node("--replicaof", HOST, str(m.port))
        rc = r.conn()
        wait_until(lambda: rc.call("GET", "before") == b"1", 20, "the full sync")
        # A read-only replica refuses a function without the no-writes flag, by FCALL or
        # FCALL_RO, at the command's admission (its flags count as a write command's), as
        # redis-server 7.0.15 does; rf2 below has the flag.
        for cmd in ("FCALL_RO", "FCALL"):
            self.assertEqual(rc.call(cmd, "rf", "0"), RespError(
                "READONLY You can't write against a read only replica."))
        c.call("EVAL", "redis.call('set', 'after', '2'); redis.call('incr', 'n'); return 1", "0")
        c.call("FUNCTION", "LOAD",
               "#!lua name=rlib2\nredis.register_function{function_name='rf2', "
               "callback=function(k, a) return 8 end, flags={'no-writes'}}")
        wait_until(lambda: rc.call("GET", "after") == b"2", 20, "the stream")
        self.assertEqual(rc.call("GET", "n"), b"1")
        wait_until(lambda: rc.call("FCALL_RO", "rf2", "0") == 8, 20, "FUNCTION LOAD streamed")
        err = rc.call("EVAL", "return redis.call('set', 'x', 1)", "0")
        self.assertIsInstance(err, RespError)
        self.assertTrue(err.startswith(
            "READONLY You can't write against a read only replica. script: "), err)
        c.close()
        rc.close()


if __name__ == "__main__":
    sys.exit(main())
