# RDB files of the node against redis-server 7.0 (node/persistence/rdb_file.h, rdb_snapshots.h):
#   - redis-server SAVEs every type and encoding (harness/datasets.fill), TTLs and a FUNCTION
#     library -> the node starts on that dump.rdb -> every value, TTL and the function are equal;
#   - the node's SAVE and BGSAVE files -> redis-server starts on them -> values equal, and
#     redis-check-rdb accepts them;
#   - save points trigger a BGSAVE (bounded wait), SHUTDOWN SAVE / SIGTERM with save points write
#     the file, SHUTDOWN NOSAVE does not;
#   - a truncated or corrupt file, or keys in database 1, refuse the start (exit 1, offset or
#     database named in the log);
#   - a failed BGSAVE turns writes into Redis's -MISCONF (stop-writes-on-bgsave-error) until a
#     BGSAVE succeeds;
#   - BGSAVE of a bigger dataset while a client writes: every write is answered, none slowly;
#   - `redis-cli --rdb <file>` against the node (REPLCONF rdb-only + SYNC) gets a file that
#     redis-server loads with the same values, and the node keeps serving.
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 240
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.datasets import fill, snapshot  # noqa: E402
from harness.differential import node_bin  # noqa: E402
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import Proc, make_temp_dir, wait_until  # noqa: E402
from harness.resp import RespConn  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
LIBRARY = ("#!lua name=rdblib\n"
           "redis.register_function('rdbfn', function(keys, args) return 'from-rdb' end)")
MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error.")


class Server:
    """A node or a redis-server with appendonly no in its own dir, restartable on one port."""

    def __init__(self, binary, *args):
        self.binary = binary
        self.dir = make_temp_dir("rdb")
        (self.port,) = allocate_ports(1)
        self.args = list(args)
        self.proc = None
        self.starts = 0

    @property
    def file(self):
        return os.path.join(self.dir, "dump.rdb")

    def argv(self):
        return [self.binary, "--port", self.port, "--bind", HOST, "--dir", self.dir,
                "--appendonly", "no", *self.args]

    def start(self, timeout=20.0):
        self.starts += 1
        self.log = os.path.join(self.dir, f"server-{self.starts}.log")
        self.proc = Proc(f"{os.path.basename(self.binary)}:{self.port}", self.argv(), self.dir,
                         self.log).start()
        wait_until(self._answers, timeout, f"server on {self.port} to answer PING",
                   fail_if=lambda: None if self.proc.alive() else "it exited:\n" +
                   self.proc.log_tail())
        return self

    def _answers(self):
        try:
            with self.conn() as c:
                return c.call("PING") == "PONG"
        except OSError:
            return False

    def run_expecting_exit(self, timeout=20.0):
        """Starts the server and waits for it to exit by itself; returns (status, log)."""
        self.starts += 1
        log = os.path.join(self.dir, f"server-{self.starts}.log")
        with open(log, "wb") as f:
            p = subprocess.run([str(a) for a in self.argv()], cwd=self.dir, stdout=f,
                               stderr=subprocess.STDOUT, timeout=timeout)
        with open(log, "rb") as f:
            return p.returncode, f.read().decode(errors="replace")

    def conn(self):
        return RespConn(HOST, self.port)

    def info(self, c):
        text = c.call("INFO", "persistence").decode()
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def wait_exit(self, timeout=20.0):
        self.proc.popen.wait(timeout=timeout)
        rc = self.proc.popen.returncode
        self.proc.kill9()
        self.proc = None
        return rc

    def stop(self):
        if self.proc:
            self.proc.kill9()
            self.proc = None

    def release(self):
        self.stop()
        release_ports([self.port])


class RdbFiles(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.release()

    def server(self, binary, *args):
        s = Server(binary, *args)
        self.servers.append(s)
        return s

    def wait_bgsave(self, s, c, timeout=30.0):
        wait_until(lambda: s.info(c)["rdb_bgsave_in_progress"] == "0", timeout, "BGSAVE to end")
        return s.info(c)

    def assert_same(self, src, dst, keys):
        self.assertGreater(len(keys), 20)
        for key in keys:
            with self.subTest(key=key):
                self.assertEqual(snapshot(dst, key), snapshot(src, key))
                self.assertEqual(dst.call("OBJECT", "ENCODING", key),
                                 src.call("OBJECT", "ENCODING", key))
                ttl = src.call("PTTL", key)
                if ttl > 0:
                    self.assertTrue(ttl - 10000 < dst.call("PTTL", key) <= ttl, key)
                else:
                    self.assertEqual(dst.call("PTTL", key), -1)
        self.assertEqual(dst.call("DBSIZE"), src.call("DBSIZE"))

    def test_redis_dump_loads_on_node(self):
        r = self.server(REDIS, "--save", "").start()
        with r.conn() as rc:
            keys = fill(rc)
            self.assertEqual(rc.call("FUNCTION", "LOAD", LIBRARY), b"rdblib")
            self.assertEqual(rc.call("SAVE"), "OK")
            n = self.server(node_bin())
            shutil.copy(r.file, n.file)
            n.start()
            with n.conn() as nc:
                self.assert_same(rc, nc, keys)
                self.assertEqual(nc.call("FCALL", "rdbfn", "0"), b"from-rdb")
                info = n.info(nc)
                self.assertEqual(int(info["rdb_last_load_keys_loaded"]), len(keys))
                self.assertEqual(info["rdb_changes_since_last_save"], "0")
        with open(n.log) as f:
            self.assertIn("Loading RDB produced by version 7.0.15 (RDB version 10)", f.read())

    def test_node_save_and_bgsave_load_on_redis(self):
        n = self.server(node_bin(), "--save", "").start()
        with n.conn() as nc:
            keys = fill(nc)
            self.assertEqual(nc.call("FUNCTION", "LOAD", LIBRARY), b"rdblib")
            before = nc.call("LASTSAVE")
            self.assertEqual(nc.call("SAVE"), "OK")
            self.assertGreaterEqual(nc.call("LASTSAVE"), before)
            self.assertEqual(n.info(nc)["rdb_changes_since_last_save"], "0")
            self.check_redis_loads(n, nc, keys)
            # BGSAVE of a changed dataset, with rdbcompression off.
            keys += fill(nc, prefix="b:")
            self.assertEqual(nc.call("CONFIG", "SET", "rdbcompression", "no"), "OK")
            self.assertEqual(nc.call("BGSAVE"), "Background saving started")
            info = self.wait_bgsave(n, nc)
            self.assertEqual(info["rdb_last_bgsave_status"], "ok")
            self.assertEqual(info["rdb_saves"], "2")
            self.check_redis_loads(n, nc, keys)

    def check_redis_loads(self, n, nc, keys):
        check = subprocess.run(["redis-check-rdb", n.file], capture_output=True, text=True,
                               timeout=60)
        self.assertIn("RDB looks OK", check.stdout + check.stderr)
        r = self.server(REDIS, "--save", "")
        shutil.copy(n.file, r.file)
        r.start()
        with r.conn() as rc:
            self.assert_same(nc, rc, keys)
            self.assertEqual(rc.call("FCALL", "rdbfn", "0"), b"from-rdb")
        r.stop()

    def test_save_points_trigger_a_bgsave(self):
        n = self.server(node_bin(), "--save", "1 5").start()
        with n.conn() as c:
            self.assertEqual(c.call("CONFIG", "GET", "save"), [b"save", b"1 5"])
            for i in range(5):
                c.call("SET", f"k{i}", "v")
            wait_until(lambda: n.info(c)["rdb_changes_since_last_save"] == "0" and
                       n.info(c)["rdb_saves"] == "1", 15, "the save point's BGSAVE")
            self.assertEqual(n.info(c)["rdb_last_bgsave_status"], "ok")
        self.assertTrue(os.path.exists(n.file))
        with open(n.log) as f:
            self.assertIn("5 changes in 1 seconds. Saving...", f.read())

    def test_shutdown_save_nosave_and_sigterm(self):
        n = self.server(node_bin(), "--save", "").start()
        with n.conn() as c:
            c.call("SET", "a", "1")
            self.assertEqual(str(c.call("SHUTDOWN", "SAVE", "NOSAVE")), "ERR syntax error")
            c.send("SHUTDOWN", "SAVE")
        self.assertEqual(n.wait_exit(), 0)
        self.assertTrue(os.path.exists(n.file))
        n.start()
        with n.conn() as c:
            self.assertEqual(c.call("GET", "a"), b"1")
            c.call("CONFIG", "SET", "save", "3600 1")
            c.call("SET", "b", "2")
        n.proc.popen.terminate()  # SIGTERM: save points set -> the final save
        self.assertEqual(n.wait_exit(), 0)
        n.start()
        with n.conn() as c:
            self.assertEqual(c.call("GET", "b"), b"2")
            c.call("SET", "c", "3")
            c.send("SHUTDOWN", "NOSAVE")
        self.assertEqual(n.wait_exit(), 0)
        n.start()
        with n.conn() as c:
            self.assertIsNone(c.call("GET", "c"))
            self.assertEqual(c.call("GET", "b"), b"2")

    def test_truncated_corrupt_or_other_db_refuse_to_start(self):
        n = self.server(node_bin(), "--save", "").start()
        with n.conn() as c:
            for i in range(200):
                c.call("SET", f"key:{i}", "value" * 10)
            c.call("SAVE")
        n.stop()
        with open(n.file, "rb") as f:
            good = f.read()
        with open(n.file, "wb") as f:
            f.write(good[:len(good) // 2])
        status, log = n.run_expecting_exit()
        self.assertEqual(status, 1, log)
        self.assertRegex(log, r"Short read or corrupt RDB file dump.rdb at offset \d+")
        bad = bytearray(good)
        bad[len(good) // 2] ^= 0x01
        with open(n.file, "wb") as f:
            f.write(bytes(bad))
        status, log = n.run_expecting_exit()
        self.assertEqual(status, 1, log)
        self.assertRegex(log, r"at offset \d+ .*(Wrong RDB checksum|Bad data format)")
        # Keys in database 1 (a redis-server's SELECT 1).
        r = self.server(REDIS, "--save", "").start()
        with r.conn() as rc:
            rc.call("SELECT", "1")
            rc.call("SET", "elsewhere", "x")
            rc.call("SAVE")
        shutil.copy(r.file, n.file)
        status, log = n.run_expecting_exit()
        self.assertEqual(status, 1, log)
        self.assertIn("keys in database 1", log)

    def test_failed_bgsave_means_misconf_until_a_save_works(self):
        n = self.server(node_bin(), "--save", "3600 1").start()
        os.makedirs(os.path.join(n.file, "blocker"))  # rename() onto a non-empty directory fails
        with n.conn() as c:
            c.call("SET", "k", "v")
            self.assertEqual(c.call("BGSAVE"), "Background saving started")
            info = self.wait_bgsave(n, c)
            self.assertEqual(info["rdb_last_bgsave_status"], "err")
            self.assertEqual(str(c.call("SET", "k", "w")), MISCONF)
            self.assertEqual(c.call("GET", "k"), b"v")
            self.assertEqual(c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"), "OK")
            self.assertEqual(c.call("SET", "k", "w"), "OK")
            c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
            self.assertEqual(str(c.call("SET", "k", "w")), MISCONF)
            shutil.rmtree(n.file)
            self.assertEqual(c.call("BGSAVE"), "Background saving started")
            self.assertEqual(self.wait_bgsave(n, c)["rdb_last_bgsave_status"], "ok")
            self.assertEqual(c.call("SET", "k", "x"), "OK")

    def test_bgsave_under_write_load_keeps_serving(self):
        n = self.server(node_bin(), "--save", "").start()
        count = 100000
        with n.conn() as c:
            for start in range(0, count, 1000):
                for i in range(start, start + 1000):
                    c.send("SET", f"bulk:{i}", "x" * 100)
                for _ in range(1000):
                    self.assertEqual(c.read(), "OK")
            self.assertEqual(c.call("DBSIZE"), count)
            errors, slowest = [], [0.0]
            done = threading.Event()

            def writer():
                with n.conn() as w:
                    for i in range(3000):
                        t0 = time.monotonic()
                        reply = w.call("SET", f"live:{i}", str(i))
                        slowest[0] = max(slowest[0], time.monotonic() - t0)
                        if reply != "OK":
                            errors.append(reply)
                        if done.is_set() and i > 200:
                            break
            t = threading.Thread(target=writer)
            t.start()
            self.assertEqual(c.call("BGSAVE"), "Background saving started")
            info = self.wait_bgsave(n, c, timeout=60)
            done.set()
            t.join(timeout=60)
            self.assertFalse(t.is_alive())
            self.assertEqual(info["rdb_last_bgsave_status"], "ok")
            self.assertEqual(errors, [])
            self.assertLess(slowest[0], 1.0)
        r = self.server(REDIS, "--save", "")
        shutil.copy(n.file, r.file)
        r.start()
        with r.conn() as rc:
            self.assertGreaterEqual(rc.call("DBSIZE"), count)
            self.assertEqual(rc.call("GET", "bulk:99999"), b"x" * 100)

    def test_redis_cli_rdb_fetches_a_file(self):
        n = self.server(node_bin(), "--save", "").start()
        with n.conn() as nc:
            keys = fill(nc)
            self.assertEqual(nc.call("FUNCTION", "LOAD", LIBRARY), b"rdblib")
            out = os.path.join(n.dir, "fetched.rdb")
            cli = subprocess.run(["redis-cli", "-h", HOST, "-p", str(n.port), "--rdb", out],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(cli.returncode, 0, cli.stdout + cli.stderr)
            self.assertIn("Transfer finished with success", cli.stdout + cli.stderr)
            self.assertEqual(nc.call("PING"), "PONG")
            # The rdb-only client is gone, not left behind as a replica.
            wait_until(lambda: b"connected_slaves:0" in nc.call("INFO", "replication"), 10,
                       "the rdb-only client to be closed")
            r = self.server(REDIS, "--save", "")
            shutil.copy(out, r.file)
            r.start()
            with r.conn() as rc:
                self.assert_same(nc, rc, keys)
                self.assertEqual(rc.call("FCALL", "rdbfn", "0"), b"from-rdb")


if __name__ == "__main__":
    main()
