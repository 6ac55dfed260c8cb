# ACL users on the node side by side with redis-server 7.0 (RESP2 and RESP3, equal replies):
#   - ACL SETUSER rules (on/off, >pass, <pass, #hash, !hash, nopass, resetpass, +cmd, -cmd,
#     +cmd|sub, +cmd|firstarg, +@category, -@category, allcommands, nocommands, ~, %R~, %W~,
#     allkeys, resetkeys, &, allchannels, resetchannels, reset) and every error text, as seen
#     through ACL GETUSER, ACL LIST, ACL USERS;
#   - AUTH user pass, AUTH pass, HELLO 3 AUTH, WRONGPASS, NOAUTH, WHOAMI, requirepass and CONFIG
#     SET requirepass as the default user's password, RESET back to the default user;
#   - -NOPERM for commands, subcommands, keys (read/write patterns), channels (PUBLISH,
#     SUBSCRIBE, PSUBSCRIBE; SETUSER disconnects subscribers to channels no longer allowed),
#     inside MULTI (EXECABORT) and EXEC after the rules changed, and
#     from scripts' redis.call / pcall; ACL DRYRUN, ACL CAT, ACL GENPASS, ACL LOG fields,
#     ACL DELUSER disconnecting the user's clients, SETUSER applying to connected clients;
#   - selectors "(...)" and clearselectors: SETUSER forms (a selector over several arguments)
#     and errors, GETUSER's selectors, ACL LIST, -NOPERM / DRYRUN / ACL LOG for what only a
#     selector allows, the refusal reported when none does, the aclfile and CONFIG REWRITE;
#   - ACL LOAD / ACL SAVE with an aclfile (Redis 7.0's line splitting and error texts), `user`
#     lines in the TOML file and on the command line, CONFIG REWRITE writing the users back (the
#     node alone: Redis's are .conf directives).
# Run: STRATA_NODE_BIN=build/node/node /usr/bin/python3 tests/integration/node/test_acl.py
# ctest-timeout: 120
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.resp import RespConn, RespError  # noqa: E402
from harness.differential import DifferentialCase, node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.standalone import Standalone  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"


def fresh(c):
    """Deletes every user but default and restores default's initial rules."""
    users = c.call("ACL", "USERS")
    others = [u for u in users if u != b"default"]
    if others:
        c.call("ACL", "DELUSER", *others)
    c.call("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
    c.call("ACL", "LOG", "RESET")


def sort_single_commands(text):
    """Command rules as 'the +@all/-@all and category part, then the single commands sorted':
    Redis 7.0 lists single commands in its command dict's order, random per process. An ACL
    LIST line's selectors "(... -@all +set +get)" are sorted each on its own."""
    if b" (" in text and text.endswith(b")"):
        root, *selectors = text.split(b" (")
        return b" (".join([sort_single_commands(root)] +
                          [sort_single_commands(sel[:-1]) + b")" for sel in selectors])
    tokens = text.split(b" ")
    starts = [i for i, tok in enumerate(tokens) if tok in (b"+@all", b"-@all")]
    if not starts:
        return text
    i = starts[0] + 1
    while i < len(tokens) and tokens[i][1:2] == b"@":
        i += 1
    return b" ".join(tokens[:i] + sorted(tokens[i:]))


def normalize_rules(value):
    if isinstance(value, bytes):
        return sort_single_commands(value)
    if isinstance(value, dict):
        return type(value)((k, normalize_rules(v)) for k, v in value.items())
    if isinstance(value, list) and not isinstance(value, RespError):
        return type(value)(normalize_rules(v) for v in value)
    return value


def log_summary(c):
    """ACL LOG's entries as (count, reason, context, object, username) (RESP2 or RESP3)."""
    entries = []
    for e in c.call("ACL", "LOG"):
        e = dict(e) if isinstance(e, dict) else dict(zip(e[::2], e[1::2]))
        entries.append((e[b"count"], e[b"reason"], e[b"context"], e[b"object"], e[b"username"]))
    return entries


class Acl(DifferentialCase):
    node_args = ("--auth-failure-delay-ms", "0")

    def normalize(self, transcript):
        return normalize_rules(transcript)

    def admin(self, port, proto):
        c = self.conn(port, proto)
        fresh(c)
        return c

    def test_setuser_getuser_list(self):
        def check(port, proto):
            c = self.admin(port, proto)
            out = []
            for rules in (
                    [],
                    ["on", ">p1", "~k*", "%R~r*", "&ch*", "+get", "+@hash", "-hget"],
                    ["reset"],
                    ["+@all", "-@dangerous", "allkeys", "allchannels", "nopass"],
                    ["-@all", "+@read"],
                    ["-@all", "+config|get", "+select|0"],
                    ["+config", "-config|set"],
                    ["~x*", "~x*", "%W~x*", "%R~y*", "%RW~z*", "resetkeys", "%W~w*"],
                    ["#" + "a" * 64, ">second", "<second", "!" + "a" * 64, ">third"],
                    ["on", "off", "skip-sanitize-payload", "nocommands", "allcommands"],
                    ["resetpass", "~*", "&a", "&b", "resetchannels", "&c"]):
                out.append(c.call("ACL", "SETUSER", "u", *rules))
                out.append(c.call("ACL", "GETUSER", "u"))
                out.append(c.call("ACL", "LIST"))
            for bad in ("foo", "+nosuch", "+@nosuch", "-get|x", "+config|nosuch",
                        "+config|get|x", "+@all|x", "%X~a", "%~a", "%RR~a", "%Rx", "#abc",
                        "#" + "A" * 64, "<nope", "!" + "0" * 64, "~a b"):
                out.append(c.call("ACL", "SETUSER", "e", "on", bad))
            out.append(c.call("ACL", "SETUSER", "e", "allkeys", "~a"))
            out.append(c.call("ACL", "SETUSER", "e", "allchannels", "&a"))
            out.append(c.call("ACL", "SETUSER", "e", "allkeys", "~*", "&*", "allchannels"))
            out.append(c.call("ACL", "SETUSER", "u", "off", "bad"))  # u unchanged
            out.append(c.call("ACL", "GETUSER", "u"))
            out.append(c.call("ACL", "GETUSER", "nosuch"))
            out.append(c.call("ACL", "USERS"))
            out.append(c.call("ACL", "SETUSER"))
            out.append(c.call("ACL", "GETUSER"))
            out.append(c.call("ACL", "DELUSER", "default"))
            out.append(c.call("ACL", "DELUSER", "u", "nosuch"))
            out.append(c.call("ACL", "USERS"))
            out.append(c.call("ACL", "HELP"))
            return out

        self.same(check)

    def test_auth_and_default_user(self):
        def check(port, proto):
            c = self.admin(port, proto)
            out = [c.call("ACL", "SETUSER", "app", "on", ">secret", "+@all", "~*")]
            a = self.conn(port, proto)
            out.append(a.call("AUTH", "app", "wrong"))
            out.append(a.call("AUTH", "nosuch", "x"))
            out.append(a.call("AUTH", "x"))  # the default user has no password
            out.append(a.call("AUTH", "app", "secret"))
            out.append(a.call("ACL", "WHOAMI"))
            out.append(c.call("ACL", "SETUSER", "app", "off"))
            out.append(a.call("ACL", "WHOAMI"))  # still connected, still app
            out.append(a.call("AUTH", "app", "secret"))  # disabled
            out.append(a.call("RESET"))
            out.append(a.call("ACL", "WHOAMI"))
            # requirepass through CONFIG SET: the default user's password.
            out.append(c.call("CONFIG", "SET", "requirepass", "pw"))
            out.append(c.call("ACL", "GETUSER", "default")[1 if proto == 2 else b"flags"])
            b = self.conn(port, 2)
            out.append(b.call("GET", "k"))
            out.append(b.call("AUTH", "bad"))
            out.append(b.call("AUTH", "pw"))
            out.append(b.call("ACL", "WHOAMI"))
            d = self.conn(port, 2)
            out.append(d.call("HELLO", "3", "AUTH", "app", "secret"))
            out.append(c.call("ACL", "SETUSER", "app", "on"))
            out.append(d.call("HELLO", "3", "AUTH", "app", "secret")[b"proto"])
            out.append(d.call("ACL", "WHOAMI"))
            out.append(c.call("CONFIG", "SET", "requirepass", ""))
            out.append(c.call("ACL", "LIST"))
            return out

        self.same(check)

    def test_default_user_off_and_auth_log(self):
        def check(port, proto):
            a = self.admin(port, proto)
            out = [a.call("ACL", "SETUSER", "default", "off")]
            b = self.conn(port, 2)
            out.append(b.call("HELLO", str(proto)))
            out.append(b.call("GET", "x"))
            out.append(b.call("AUTH", "default", "x"))
            out.append(b.call("HELLO", "3", "AUTH", "default", "x"))
            out.append(a.call("ACL", "SETUSER", "default", "on", "resetpass"))
            d = self.conn(port, 2)
            out.append(d.call("PING"))
            out.append(d.call("AUTH", "x"))
            out.append(d.call("auth", "default", "y"))
            out.append(a.call("ACL", "SETUSER", "default", "nopass", "-@all", "+acl"))
            out.append(a.call("PING"))
            out.append(a.call("ACL", "SETUSER", "default", "+@all"))
            out.append(log_summary(a))
            return out

        self.same(check)

    def test_noperm(self):
        def check(port, proto):
            c = self.admin(port, proto)
            out = [c.call("ACL", "SETUSER", "u", "on", ">pw", "+@all", "-flushall", "~k*",
                          "%R~r*", "%W~w*", "&ch*", "-config", "+config|get")]
            u = self.conn(port, proto)
            out.append(u.call("AUTH", "u", "pw"))
            for cmd in (["GET", "k1"], ["GET", "x"], ["GET", "r1"], ["SET", "r1", "v"],
                        ["SET", "w1", "v"], ["GET", "w1"], ["COPY", "k1", "r1"],
                        ["MGET", "k1", "r1", "x"], ["FLUSHALL"], ["CONFIG", "GET", "maxmemory"],
                        ["CONFIG", "SET", "port", "1"], ["PUBLISH", "ch1", "m"],
                        ["PUBLISH", "zz", "m"], ["SUBSCRIBE", "zz"], ["PSUBSCRIBE", "c*"],
                        ["EXISTS", "anything"],
                        ["EVAL", "return redis.call('get', 'x')", "0"],
                        ["EVAL", "return redis.pcall('get', 'x')", "0"],
                        ["EVAL", "return redis.pcall('flushall')", "0"],
                        ["EVAL", "return redis.pcall('publish', 'zz', 'm')", "0"],
                        ["EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "w2"],
                        ["MULTI"], ["SET", "k1", "v"], ["SET", "x", "v"], ["EXEC"],
                        ["MULTI"], ["SET", "k1", "v"], ["GET", "k1"]):
                out.append(u.call(*cmd))
            out.append(c.call("ACL", "SETUSER", "u", "-get", "resetkeys", "~zz"))
            out.append(u.call("EXEC"))
            out.append(u.call("GET", "k1"))
            for cmd in (["u", "get", "k1"], ["u", "set", "zz", "v"], ["u", "set", "x", "v"],
                        ["u", "publish", "zz", "m"], ["u", "publish", "ch", "m"],
                        ["nosuch", "get", "a"], ["u", "nosuchcmd"], ["u", "get"],
                        ["u", "config", "get", "x"], ["u", "config", "set", "a", "b"],
                        ["default", "flushall"]):
                out.append(c.call("ACL", "DRYRUN", *cmd))
            log = c.call("ACL", "LOG")
            entries = []
            for e in log:
                e = dict(e) if isinstance(e, dict) else dict(zip(e[::2], e[1::2]))
                entries.append((e[b"count"], e[b"reason"], e[b"context"], e[b"object"],
                                e[b"username"], b"user=u" in e[b"client-info"]))
            out.append(entries)
            out.append(c.call("ACL", "LOG", "2") and len(c.call("ACL", "LOG", "2")))
            out.append(c.call("ACL", "LOG", "RESET"))
            out.append(c.call("ACL", "LOG"))
            out.append(c.call("ACL", "LOG", "x"))
            out.append(c.call("ACL", "LOG", "1", "2"))
            return out

        self.same(check)

    def test_deluser_disconnects_and_cat(self):
        def check(port, proto):
            c = self.admin(port, proto)
            out = [c.call("ACL", "SETUSER", "gone", "on", "nopass", "+@all")]
            g = self.conn(port, proto)
            out.append(g.call("AUTH", "gone", "x"))
            out.append(c.call("ACL", "DELUSER", "gone"))
            try:
                out.append(g.call("PING"))
            except (ConnectionError, OSError):
                out.append("disconnected")
            out.append(c.call("ACL", "CAT"))
            out.append(sorted(c.call("ACL", "CAT", "transaction")))
            out.append(c.call("ACL", "CAT", "nosuch"))
            out.append(len(c.call("ACL", "GENPASS")))
            out.append(len(c.call("ACL", "GENPASS", "5")))
            out.append(c.call("ACL", "GENPASS", "0"))
            out.append(c.call("ACL", "GENPASS", "4097"))
            out.append(c.call("ACL", "LOAD"))
            out.append(c.call("ACL", "SAVE"))
            return out

        got = self.same(check)
        self.assertEqual(got[2][3], "disconnected")


    def test_setuser_kills_subscribers_losing_channels(self):
        def check(port, proto):
            c = self.admin(port, proto)
            out = [c.call("ACL", "SETUSER", "sub", "on", "nopass", "+@all", "~*", "&ch*")]
            kept, lost = self.conn(port, proto), self.conn(port, proto)
            for s, channel in ((kept, "ch1"), (lost, "ch2")):
                out.append(s.call("AUTH", "sub", "x"))
                out.append(s.call("SUBSCRIBE", channel))
            out.append(c.call("ACL", "SETUSER", "sub", "&ch1"))  # still allowed: both stay
            out.append(c.call("ACL", "SETUSER", "sub", "resetchannels", "&ch1"))
            out.append(c.call("PUBLISH", "ch1", "m"))
            out.append(kept.read())
            try:
                out.append(lost.call("PING"))
            except (ConnectionError, OSError):
                out.append("disconnected")
            return out

        got = self.same(check)
        self.assertEqual(got[2][-1], "disconnected")
        self.assertEqual(got[2][-3], 1)

    def test_selectors_setuser_getuser_list(self):
        def check(port, proto):
            c = self.admin(port, proto)
            out = []
            for user, rules in (
                    ("u", ["on", "nopass", "~a*", "-@all", "+get", "(~b*", "+set)",
                           "(%R~c*", "&ch", "+publish", "+subscribe", ")"]),
                    ("u", ["(~d* %W~e* allchannels +@hash -hget +config|get +select|0)"]),
                    ("v", ["(~x", "(~y", "+get)", "()", '("a b)', "(  ~z  )"]),
                    ("v", ["clearselectors", "(allkeys allchannels allcommands)"]),
                    ("w", ["(~x*", "+get)", "reset", "on", "(+@read", "~r*)"]),
                    ("w", ["(-@all +@all -@dangerous ~* &* resetkeys resetchannels)"])):
                out.append(c.call("ACL", "SETUSER", user, *rules))
                out.append(c.call("ACL", "GETUSER", user))
                out.append(c.call("ACL", "LIST"))
            for bad in (["(~x"], ["(~x", "+get"], ["ok", "(~x", "y", "(z"], ["(on)"], [")"],
                        ["(foo bar)"], ["(+nosuch)"], ["(+@nosuch)"], ["(~a", "", "x)"],
                        ["(~* ~x)"], ["(&* &x)"], ["(reset)"], ["(clearselectors)"],
                        ["(>pw)"], ["(%X~a)"], ["(~a b)"], ['(~"a b")'], ['(~a "")'],
                        ["(+get|x|y)"], ["(+config|get|x)"], ["(-config|get|x)"], ["(+get|)"],
                        ["(-get|x)"], ["(+select|0|1)"], ["(+|x)"], ["(+)"],
                        ["+get|x|y"], ["+get|"], ["-config|get|x"], ["+nosuch|x"],
                        ["on", "(~a)", "bad"]):
                out.append(c.call("ACL", "SETUSER", "e", *bad))
            out.append(c.call("ACL", "GETUSER", "e"))
            out.append(c.call("ACL", "GETUSER", "u"))  # unchanged by the errors above
            return out

        self.same(check)

    def test_selectors_noperm_dryrun_log(self):
        def check(port, proto):
            c = self.admin(port, proto)
            out = [c.call("ACL", "SETUSER", "s", "on", ">pw", "-@all", "+get", "+mget", "~a*",
                          "(~b*", "+set", "+get)", "(&ch*", "+publish", "+subscribe)",
                          "(%R~r*", "+@read)")]
            s = self.conn(port, proto)
            out.append(s.call("AUTH", "s", "pw"))
            for cmd in (["GET", "a1"], ["GET", "b1"], ["SET", "b1", "v"], ["MGET", "r1", "r2"],
                        ["PUBLISH", "ch1", "m"], ["SET", "a1", "v"], ["MGET", "a1", "b1"],
                        ["MGET", "b1", "a1", "x"], ["DEL", "b1"], ["PUBLISH", "zz", "m"],
                        ["SUBSCRIBE", "ch1", "zz"], ["PSUBSCRIBE", "ch*"],
                        ["EVAL", "return redis.pcall('set', 'a1', 'v')", "0"],
                        ["MULTI"], ["SET", "b2", "v"], ["SET", "a2", "v"], ["DISCARD"]):
                out.append(s.call(*cmd))
            for cmd in (["get", "b1"], ["set", "a1", "v"], ["mget", "a1", "b1"], ["del", "b1"],
                        ["publish", "zz", "m"], ["subscribe", "ch1", "zz"],
                        ["psubscribe", "ch*"], ["hget", "r1", "f"], ["hset", "r1", "f", "v"]):
                out.append(c.call("ACL", "DRYRUN", "s", *cmd))
            out.append(log_summary(c))
            # A subscriber whose channel only a selector allows stays; clearselectors drops it.
            sub = self.conn(port, proto)
            out.append(sub.call("AUTH", "s", "pw"))
            out.append(sub.call("SUBSCRIBE", "ch1"))
            out.append(c.call("ACL", "SETUSER", "s", "(~q*", "+get)"))
            out.append(c.call("PUBLISH", "ch1", "m"))
            out.append(sub.read())
            out.append(c.call("ACL", "SETUSER", "s", "clearselectors"))
            try:
                out.append(sub.call("PING"))
            except (ConnectionError, OSError):
                out.append("disconnected")
            out.append(s.call("GET", "b1"))  # SETUSER applied to the connected client
            return out

        got = self.same(check)
        self.assertEqual(got[2][-2], "disconnected")


class AclFile(DifferentialCase):
    """ACL LOAD / SAVE with an aclfile, side by side: each server has its own file, written with
    the same text; replies are compared with the path replaced by <aclfile>."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="strata-acl-")
        cls.paths = {}
        for name in ("redis", "node"):
            os.mkdir(os.path.join(cls.dir, name))
            cls.paths[name] = os.path.join(cls.dir, name, "users.acl")
        cls.write_all("user default on nopass ~* &* +@all\n"
                      "user app on #" + "b" * 64 + " ~app:* resetchannels -@all +get +set\n")
        cls.redis_args = ("--aclfile", cls.paths["redis"])
        cls.node_args = ("--aclfile", cls.paths["node"])
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.dir, True)

    @classmethod
    def write_all(cls, text):
        for path in cls.paths.values():
            with open(path, "w") as f:
                f.write(text)

    def each(self, check):
        """check(name, conn) on both servers; the transcripts, path-free, must be equal."""
        got = {}
        for name, server in self.servers.items():
            out = check(name, self.conn(server.port))
            got[name] = normalize_rules(
                [RespError(o.replace(self.paths[name], "<aclfile>")) if isinstance(o, RespError) else o
                 for o in out])
        self.assertEqual(got["node"], got["redis"])
        return got["redis"]

    def test_load_save(self):
        self.write_all("user default on nopass ~* &* +@all\n"
                       "user app on #" + "b" * 64 + " ~app:* resetchannels -@all +get +set\n")

        def load_setuser_save(name, c):
            out = [c.call("ACL", "LOAD"), c.call("ACL", "LIST"),
                   c.call("ACL", "SETUSER", "new", "on", ">pw", "+@all", "~*"),
                   c.call("ACL", "SAVE")]
            a = self.conn(self.servers[name].port)
            out.append(a.call("AUTH", "new", "pw"))
            with open(self.paths[name], "rb") as f:
                out.append(sorted(f.read().splitlines()))
            return out

        got = self.each(load_setuser_save)
        self.assertEqual(got[0], "OK")
        self.assertEqual(got[1], [
            b"user app on #" + b"b" * 64 + b" ~app:* resetchannels -@all +get +set",
            b"user default on nopass ~* &* +@all"])
        self.assertIn(b"user new on #" + hashlib.sha256(b"pw").hexdigest().encode() +
                      b" ~* resetchannels +@all", got[5])

    def test_bad_files_change_nothing(self):
        # Redis 7.0 splits a line on single spaces and allows no comments; it reports every
        # line's first error (and every unknown command), then leaves the users as they were.
        bad_files = [
            "# a comment\nuser default on nopass ~* &* +@all\n",
            "user default on nopass ~* &* +@all\nuser  two   spaces on\n",
            "user default on nopass ~* &* +@all\nuser z on +nosuch w -nosuch2 x >a\n",
            "user default on nopass ~* &* +@all\nuser x on >a\nfoo\nuser x off\nuser\n",
            "user default on nopass ~* &* +@all\nuser a\tb on\n",
            "user default on nopass ~* &* +@all\nuser q on \">p w\" ~*\n",
            "user default on nopass ~* &* +@all\nuser k on ~a allkeys ~b\n",
            "user default on nopass ~* &* +@all\nuser c on <nopass\n",
        ]
        before = {}
        for name, server in self.servers.items():
            before[name] = self.conn(server.port).call("ACL", "LIST")
        for text in bad_files:
            with self.subTest(text=text):
                self.write_all(text)
                got = self.each(lambda name, c: [c.call("ACL", "LOAD"), c.call("ACL", "LIST")])
                self.assertIsInstance(got[0], RespError)
                self.assertTrue(got[0].endswith(
                    "WARNING: ACL errors detected, no change to the previously active ACL "
                    "rules was performed"), got[0])
        for name, server in self.servers.items():
            self.assertEqual(self.conn(server.port).call("ACL", "LIST"), before[name])

    def test_good_files(self):
        # Blank lines, CRLF endings and spaces around a line are fine; a tab inside a rule is
        # part of it (the password "pw\t~*" below), as in Redis.
        good = ("\n  user default on nopass ~* &* +@all  \r\n\n"
                "user bob on >pw\t~* +@all\r\nuser eve off\n")
        self.write_all(good)
        got = self.each(lambda name, c: [c.call("ACL", "LOAD"), c.call("ACL", "LIST")])
        self.assertEqual(got[0], "OK")
        self.assertEqual(len(got[1]), 3)

    def test_selectors_round_trip(self):
        # Selector words are merged after the single-space split ("(~b*  +get )" has an empty
        # word inside); ACL SAVE writes them in ACL LIST's form and ACL LOAD reads that back.
        self.write_all("user default on nopass ~* &* +@all\n"
                       "user a on nopass ~a* (~b*  +get ) (&x  ~y +publish) (allkeys +@read)\n")

        def round_trip(name, c):
            out = [c.call("ACL", "LOAD"), c.call("ACL", "LIST"), c.call("ACL", "GETUSER", "a"),
                   c.call("ACL", "SETUSER", "n", "on", ">pw", "-@all", "+get", "~n*",
                          "(~m*", "+set", "&c*", "+subscribe)", "(%W~w*", "+@write)"),
                   c.call("ACL", "SAVE")]
            with open(self.paths[name], "rb") as f:
                out.append(normalize_rules(sorted(f.read().splitlines())))
            out += [c.call("ACL", "LOAD"), c.call("ACL", "LIST")]
            a = self.conn(self.servers[name].port)
            out += [a.call("AUTH", "n", "pw"), a.call("SET", "m1", "v"), a.call("SET", "n1", "v"),
                    a.call("SET", "w1", "v"), a.call("GET", "w1")]
            return out

        got = self.each(round_trip)
        self.assertEqual(got[0], "OK")
        self.assertEqual(got[1][0], b"user a on nopass ~a* resetchannels -@all (~b* resetchannels "
                         b"-@all +get) (~y resetchannels &x -@all +publish) (~* resetchannels "
                         b"-@all +@read)")
        self.assertEqual(got[6], "OK")
        self.assertEqual(got[7], got[1][:1] + [
            b"user default on nopass ~* &* +@all",
            b"user n on #" + hashlib.sha256(b"pw").hexdigest().encode() +
            b" ~n* resetchannels -@all +get (~m* resetchannels &c* -@all +set +subscribe) "
            b"(%W~w* resetchannels -@all +@write)"])
        self.assertEqual(got[8:10], ["OK", "OK"])  # AUTH; SET m1 only a selector allows
        self.assertIsInstance(got[10], RespError)
        self.assertEqual(got[11], "OK")  # %W~w* +@write
        self.assertIsInstance(got[12], RespError)

    def test_selector_errors_in_file(self):
        self.write_all("user default on nopass ~* &* +@all\n"
                       "user b on (~x +nosuch) (~y foo) (+nosuch2) (on)\n"
                       "user c on (~* ~x) &a\n")
        got = self.each(lambda name, c: [c.call("ACL", "LOAD")])
        self.assertIsInstance(got[0], RespError)
        self.assertIn("Error in applying operation '(~x +nosuch)'", got[0])
        # An unclosed selector: redis-server 7.0.15 crashes, the node refuses the file.
        port = self.servers["node"].port
        c = self.conn(port)
        before = c.call("ACL", "LIST")
        with open(self.paths["node"], "w") as f:
            f.write("user default on nopass ~* &* +@all\nuser u on (~x +get\n")
        self.assertEqual(c.call("ACL", "LOAD"), RespError(
            "ERR " + self.paths["node"] + ":2: Unmatched parenthesis in selector definition."
            "WARNING: ACL errors detected, no change to the previously active ACL rules was "
            "performed"))
        self.assertEqual(c.call("ACL", "LIST"), before)

    def test_missing_file(self):
        for path in self.paths.values():
            if os.path.exists(path):
                os.remove(path)
        got = self.each(lambda name, c: [c.call("ACL", "LOAD")])
        self.assertEqual(got[0], RespError(
            "ERR Error loading ACLs, opening file '<aclfile>': No such file or directory"))

    def test_replaced_users_are_disconnected(self):
        port = self.servers["node"].port
        c = self.conn(port)
        self.write_all("user default on nopass ~* &* +@all\nuser new on >pw +@all ~*\n")
        self.assertEqual(c.call("ACL", "LOAD"), "OK")
        a = self.conn(port)
        self.assertEqual(a.call("AUTH", "new", "pw"), "OK")
        self.write_all("user other on nopass +@all ~*\n")
        self.assertEqual(c.call("ACL", "LOAD"), "OK")
        self.assertEqual(c.call("ACL", "USERS"), [b"default", b"other"])
        self.assertEqual(c.call("ACL", "LIST")[0], b"user default on nopass ~* &* +@all")
        deadline = time.time() + 5
        gone = False
        while time.time() < deadline and not gone:  # `new`'s client was disconnected
            try:
                a.call("PING")
                time.sleep(0.05)
            except (ConnectionError, OSError):
                gone = True
        self.assertTrue(gone)

    def test_usernames(self):
        def names(name, c):
            return [c.call("ACL", "SETUSER", "a b", "on"), c.call("ACL", "SETUSER", "n\0", "on"),
                    c.call("ACL", "SETUSER", "e", "", "on"), c.call("ACL", "GETUSER", "e")[1]]
        got = self.each(names)
        self.assertEqual(got[0], RespError(
            "ERR Usernames can't contain spaces or null characters"))
        self.assertEqual(got[2], "OK")


class AclConfigUsers(unittest.TestCase):
    """`user` lines in the TOML file and on the command line (the node's form of redis.conf's
    user directive), CONFIG REWRITE writing the current users back, and the restart from the
    rewritten file; `user` together with aclfile refuses to start."""

    def start_node(self, argv, d, port):
        proc = subprocess.Popen(argv, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.kill(), proc.wait()))
        for _ in range(100):
            try:
                return proc, RespConn(HOST, port)
            except OSError:
                if proc.poll() is not None:
                    return proc, None
                time.sleep(0.05)
        return proc, None

    def test_user_lines_and_rewrite(self):
        d = tempfile.mkdtemp(prefix="strata-it-acl-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "node.toml")
        with open(path, "w") as f:
            f.write('user = ["app on >pw ~app:* -@all +get", "ro on nopass %R~* +@read", '
                    "'qq on \">q q\" +@all ~*']\n")
        (port,) = allocate_ports(1)
        self.addCleanup(release_ports, [port])
        argv = [node_bin(), path, "--port", str(port), "--bind", HOST, "--save", "",
                "--appendonly", "no"]
        # --user with one word is a whole line; with several, each is one word of the rule.
        proc, c = self.start_node(argv + ["--user", "cli on nopass +@all ~* (~x +get)",
                                           "--user", "sp", "on", ">p w", "+@all"], d, port)
        self.assertIsNotNone(c)
        self.assertEqual(c.call("ACL", "USERS"), [b"app", b"cli", b"default", b"qq", b"ro",
                                                   b"sp"])
        self.assertEqual(c.call("ACL", "LIST")[1],
                         b"user cli on nopass ~* resetchannels +@all (~x resetchannels -@all +get)")
        self.assertEqual(c.call("AUTH", "sp", "p w"), "OK")  # one shell word, spaces and all
        self.assertEqual(c.call("AUTH", "qq", "q q"), "OK")  # quoted as in redis.conf
        self.assertEqual(c.call("AUTH", "app", "pw"), "OK")
        self.assertEqual(c.call("SET", "app:1", "v"),
                         RespError("NOPERM this user has no permissions to run the 'set' command"))
        self.assertEqual(c.call("AUTH", "cli", "x"), "OK")
        self.assertEqual(c.call("CONFIG", "SET", "user", "x on"),
                         RespError("ERR CONFIG SET failed (possibly related to argument 'user') - "
                                   "can't set immutable config"))
        self.assertEqual(c.call("ACL", "SETUSER", "later", "on", ">x", "+ping", "+acl|whoami"),
                         "OK")
        self.assertEqual(c.call("ACL", "SETUSER", "sel", "on", "nopass", "-@all", "+get",
                                "~a*", "(~b*", "+set)", "(&ch +publish)"), "OK")
        selLine = c.call("ACL", "LIST")[-2]  # sel, sp
        self.assertEqual(selLine, b"user sel on nopass ~a* resetchannels -@all +get (~b* "
                         b"resetchannels -@all +set) (resetchannels &ch -@all +publish)")
        self.assertEqual(c.call("ACL", "DELUSER", "ro"), 1)
        self.assertEqual(c.call("CONFIG", "REWRITE"), "OK")
        c.close()
        proc.kill()
        proc.wait()
        with open(path) as f:
            text = f.read()
        self.assertIn("user = ", text)
        proc, c = self.start_node(argv, d, port)
        self.assertIsNotNone(c)
        self.assertEqual(c.call("ACL", "USERS"), [b"app", b"cli", b"default", b"later", b"qq",
                                                   b"sel", b"sp"])
        self.assertEqual(c.call("ACL", "LIST")[-2], selLine)  # the selectors came back
        self.assertEqual(c.call("AUTH", "sp", "p w"), "OK")  # CONFIG REWRITE kept the hash
        self.assertEqual(c.call("AUTH", "later", "x"), "OK")
        self.assertEqual(c.call("ACL", "WHOAMI"), b"later")
        c.close()
        # user lines and an aclfile together: refused, as Redis.
        acl = os.path.join(d, "users.acl")
        with open(acl, "w") as f:
            f.write("user default on nopass ~* &* +@all\n")
        proc.kill()
        proc.wait()
        bad = subprocess.run(argv + ["--aclfile", acl], cwd=d, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, timeout=20)
        self.assertNotEqual(bad.returncode, 0)
        # A quoted user name with a space refuses the start, as redis-server's.
        with open(path, "w") as f:
            f.write("user = ['\"a b\" on']\n")
        bad = subprocess.run(argv, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=20)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn(b"Spaces not allowed in ACL usernames", bad.stdout)


if __name__ == "__main__":
    main()
