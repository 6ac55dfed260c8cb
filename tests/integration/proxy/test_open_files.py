# The proxy's maxclients against its open-files limit, and accept() out of descriptors, against a
# real 3-master Redis 7 cluster:
#   (a) started under `prlimit --nofile=300:300` with maxclients 100000 (threads 2,
#       backend-connections 1: 2 descriptors per client, its socket and a dedicated backend link,
#       and a reserve of 32 + 2 x (4 + 32 + 16) = 136): the log carries Redis's warnings, INFO
#       proxy shows maxclients 82; the 83rd client gets "-ERR max number of clients reached"
#       while the others are served; once some leave, new clients are served again; and all 82
#       can wait in BLPOP at once (each on a dedicated link) and are all woken;
#   (b) under `prlimit --nofile=80:80` (below the reserve) it refuses to start: exit status 1 and a
#       message saying how many descriptors it needs;
#   (c) SIGHUP with a new maxclients in the file: lowered to what fits with the warning, or taken
#       as it is when it fits;
#   (d) the running proxy's soft limit lowered (prlimit(2) from this process) to its next free
#       descriptor: a new client waits in the backlog (accept() fails with EMFILE), the proxy does
#       not spin (its CPU time stays far below the wall time), established clients are served,
#       strata_proxy_errors_total{kind="accept"} counts it, and once a client leaves the waiting
#       one is accepted and served;
#   (e) the same limit, then blocking commands, WATCH and SUBSCRIBE that need a dedicated link the
#       proxy cannot open: each is answered at once with "-ERR proxy: cannot open a dedicated
#       connection to <node> (socket: Too many open files)" (before, a BLPOP ... 0 retried for
#       good: the client hung), the established clients are served, and once the limit is
#       restored blocking commands work again.
# A process with CAP_SYS_RESOURCE (root on most machines) may raise any hard limit, so the proxy
# runs with that capability dropped from its bounding set (setpriv, util-linux): the limit binds
# for everyone and nothing is skipped.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_open_files.py
# ctest-targets: proxy
# ctest-timeout: 300
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import Proxy, RedisCluster, RespConn, RespError, wait_until  # noqa: E402
from harness.descriptors import (connect_until_backlogged, cpu_over,  # noqa: E402
                                 limit_to_open_descriptors)
from harness.ports import allocate_ports, release_ports  # noqa: E402
from harness.procs import make_temp_dir  # noqa: E402
from harness.proxy import metric, proxy_binary  # noqa: E402
from harness.runner import main  # noqa: E402

HOST = "127.0.0.1"
CLUSTER = None
MAXCLIENTS_ERROR = RespError("ERR max number of clients reached")
# proxy/open_files_reserve.h: threads 2, backend-connections 1, 16 idle dedicated links a worker.
RESERVE = 32 + 2 * (4 + 2 * 1 * 16 + 16)
PER_CLIENT = 2  # its socket and one dedicated backend link
NOFILE = 300
LEASE_ERROR = "ERR proxy: cannot open a dedicated connection to 127.0.0.1:"



def setUpModule():  # noqa: N802
    global CLUSTER
    Proxy.check_binary()
    CLUSTER = RedisCluster(replicas=0).start()


def tearDownModule():  # noqa: N802
    global CLUSTER
    if CLUSTER is not None:
        CLUSTER.stop()
        CLUSTER = None


def limit_wrapper(nofile: int) -> list:
    """Runs a command under RLIMIT_NOFILE = nofile (soft and hard) without CAP_SYS_RESOURCE, so
    that not even root can raise it again."""
    return ["setpriv", "--bounding-set", "-sys_resource", "--",
            "prlimit", f"--nofile={nofile}:{nofile}", "--"]


def seeds():
    return [n.addr for n in CLUSTER.masters()]


def limited_proxy(nofile: int, *extra_args, config_file=None) -> Proxy:
    return Proxy(seeds(), extra_args=["--backend-connections", "1", *extra_args],
                 wrapper=limit_wrapper(nofile),
                 config_file=config_file).start()


def log_text(proxy: Proxy) -> str:
    with open(proxy.log_path, errors="replace") as f:
        return f.read()


def info_field(conn: RespConn, name: str) -> int:
    text = conn.call("INFO", "proxy")
    m = re.search(rb"\r\n" + name.encode() + rb":(\d+)\r\n", text)
    if not m:
        raise AssertionError(f"no {name} in INFO proxy: {text!r}")
    return int(m.group(1))


class Conns:
    """Client connections opened by a test, all closed at its end."""

    def __init__(self, test: unittest.TestCase, port: int):
        self.port, self.open = port, []
        test.addCleanup(self.close_all)

    def new(self) -> RespConn:
        c = RespConn(HOST, self.port)
        self.open.append(c)
        return c

    def close_all(self):
        for c in self.open:
            c.close()
        self.open.clear()


class StartUnderLowLimit(unittest.TestCase):
    def test_maxclients_lowered_to_fit(self):
        proxy = limited_proxy(NOFILE, "--maxclients", "100000")
        self.addCleanup(proxy.stop)
        allowed = (NOFILE - RESERVE) // PER_CLIENT
        log = log_text(proxy)
        self.assertIn(f"You requested maxclients of 100000 requiring at least "
                      f"{100000 * PER_CLIENT + RESERVE} max file descriptors.", log)
        self.assertIn("Server can't set maximum open files to", log)
        self.assertIn(f"Current maximum open files is {NOFILE}. maxclients has been reduced to "
                      f"{allowed} to compensate for low ulimit.", log)
        self.assertIn(f"maxclients {allowed}", log)  # the "proxy ready" line

        conns = Conns(self, proxy.port)
        probe = conns.new()
        self.assertEqual(info_field(probe, "maxclients"), allowed)
        # The harness's start-up PING client may still be connected: count from the proxy's view.
        wait_until(lambda: info_field(probe, "connected_clients") == 1, 10,
                   "the start-up client to leave")
        served = [probe]
        for _ in range(allowed - 1):
            c = conns.new()
            self.assertEqual(c.call("PING"), "PONG")
            served.append(c)
        self.assertEqual(info_field(probe, "connected_clients"), allowed)
        for _ in range(3):  # answered with the error, then closed, as by redis-server
            self.assertEqual(conns.new().read(), MAXCLIENTS_ERROR)
        # Everybody already in is still served, through to the cluster too.
        self.assertEqual(served[-1].call("SET", "fdlimit:k", "v"), "OK")
        for c in served:
            self.assertEqual(c.call("GET", "fdlimit:k"), b"v")

        for c in served[-5:]:
            c.close()
        wait_until(lambda: info_field(probe, "connected_clients") == allowed - 5, 10,
                   "5 clients to be gone")
        for _ in range(5):
            self.assertEqual(conns.new().call("PING"), "PONG")
        self.assertEqual(conns.new().read(), MAXCLIENTS_ERROR)
        self.assertTrue(proxy.proc.alive())

    def test_every_client_can_block_at_once(self):
        # The budget counts a dedicated link per client: maxclients clients all in BLPOP fit.
        proxy = limited_proxy(NOFILE, "--maxclients", "100000")
        self.addCleanup(proxy.stop)
        allowed = (NOFILE - RESERVE) // PER_CLIENT
        conns = Conns(self, proxy.port)
        probe = conns.new()
        wait_until(lambda: info_field(probe, "connected_clients") == 1, 10,
                   "the start-up client to leave")
        key = "fdlimit:queue"
        master = CLUSTER.master_for_key(key).client()
        self.addCleanup(master.close)
        waiters = [conns.new() for _ in range(allowed - 1)]
        for c in waiters:
            c.send("BLPOP", key, 30)
        wait_until(lambda: master.info("clients")["blocked_clients"] == len(waiters), 20,
                   f"{len(waiters)} clients blocked on the master")
        # RPUSH answers the length before the waiters take their elements.
        self.assertEqual(probe.call("RPUSH", key, *[f"v{i}" for i in range(len(waiters))]),
                         len(waiters))
        got = sorted(c.read(timeout=10)[1] for c in waiters)
        self.assertEqual(got, sorted(f"v{i}".encode() for i in range(len(waiters))))
        self.assertNotIn("cannot open a dedicated connection", log_text(proxy))
        self.assertTrue(proxy.proc.alive())

    def test_refuses_to_start_below_the_reserve(self):
        port, metrics_port = allocate_ports(2)
        self.addCleanup(release_ports, [port, metrics_port])
        d = make_temp_dir("proxy-nofile")
        argv = [*limit_wrapper(80), proxy_binary(), "--port", str(port), "--bind",
                HOST, "--nodes", ",".join(seeds()), "--threads", "2", "--backend-connections", "1",
                "--metrics-port", str(metrics_port), "--maxclients", "10"]
        done = subprocess.run(argv, cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=30)
        out = done.stdout.decode(errors="replace")
        self.assertEqual(done.returncode, 1, out)
        self.assertIn("Your current 'ulimit -n' of 80 is not enough for the server to start. "
                      f"Please increase your open file limit to at least "
                      f"{10 * PER_CLIENT + RESERVE}.", out)
        self.assertIn(f"maxclients 10 needs {PER_CLIENT} descriptors per client (its socket and a "
                      f"dedicated backend link) and {RESERVE} besides", out)

    def test_sighup_fits_a_new_maxclients(self):
        conf = os.path.join(make_temp_dir("conf"), "proxy.toml")

        def write_conf(maxclients):
            with open(conf + ".tmp", "w") as f:
                f.write(f"maxclients = {maxclients}\n")
            os.replace(conf + ".tmp", conf)

        def reload():
            done = log_text(proxy).count("configuration reloaded")
            proxy.proc.popen.send_signal(signal.SIGHUP)
            wait_until(lambda: log_text(proxy).count("configuration reloaded") > done, 10,
                       "the proxy to log 'configuration reloaded'")

        write_conf(10)
        proxy = limited_proxy(NOFILE, config_file=conf)
        self.addCleanup(proxy.stop)
        probe = Conns(self, proxy.port).new()
        self.assertEqual(info_field(probe, "maxclients"), 10)
        self.assertNotIn("maxclients has been reduced", log_text(proxy))

        write_conf(1000)
        reload()
        allowed = (NOFILE - RESERVE) // PER_CLIENT
        self.assertIn(f"maxclients has been reduced to {allowed}", log_text(proxy))
        self.assertEqual(info_field(probe, "maxclients"), allowed)

        write_conf(20)
        reload()
        self.assertEqual(info_field(probe, "maxclients"), 20)
        self.assertEqual(probe.call("PING"), "PONG")


class AcceptOutOfDescriptors(unittest.TestCase):
    def test_emfile_pauses_the_listener_and_recovers(self):
        proxy = Proxy(seeds(), extra_args=["--slot-refresh-interval", "3600000"]).start()
        self.addCleanup(proxy.stop)
        pid = proxy.proc.pid
        conns = Conns(self, proxy.port)
        served = [conns.new() for _ in range(4)]
        for c in served:
            self.assertEqual(c.call("SET", "fdlimit:e", "1"), "OK")  # backend links are up
        # No other descriptor may close meanwhile (that would let the waiting client in early):
        # the harness's start-up client must be gone first.
        wait_until(lambda: info_field(served[0], "connected_clients") == len(served), 10,
                   "the start-up client to leave")

        restore = limit_to_open_descriptors(pid)
        self.addCleanup(restore)
        sockets = []
        self.addCleanup(lambda: [s.close() for s in sockets])
        waiting = connect_until_backlogged(proxy.port, sockets)
        self.assertIsNotNone(waiting, "every client was accepted: the limit did not bind")

        # While the client waits, the proxy neither spins (a spinning listener burns a whole
        # core: ~2 s of CPU in 2 s) nor stops serving the clients it has.
        cpu, wall = cpu_over(pid, 2)
        self.assertLess(cpu, wall / 2, f"the proxy used {cpu:.2f} s of CPU in {wall:.2f} s")
        for c in served:
            self.assertEqual(c.call("PING"), "PONG")
        self.assertFalse(select.select([waiting], [], [], 0)[0])

        served.pop().close()  # one descriptor frees: the waiting client gets in
        waiting.settimeout(10)
        self.assertEqual(waiting.recv(64), b"+PONG\r\n")
        restore()
        self.assertEqual(conns.new().call("GET", "fdlimit:e"), b"1")
        self.assertIn("pausing accepts for 100 ms", log_text(proxy))
        self.assertGreaterEqual(metric(proxy, "strata_proxy_errors_total", 'kind="accept"'), 1)
        self.assertTrue(proxy.proc.alive())


class DedicatedLinkOutOfDescriptors(unittest.TestCase):
    def test_a_link_that_cannot_be_opened_is_a_clear_error_at_once(self):
        proxy = Proxy(seeds(), extra_args=["--slot-refresh-interval", "3600000"]).start()
        self.addCleanup(proxy.stop)
        pid = proxy.proc.pid
        conns = Conns(self, proxy.port)
        served = conns.new()
        self.assertEqual(served.call("SET", "{fdlimit}:d", "1"), "OK")
        wait_until(lambda: info_field(served, "connected_clients") == 1, 10,
                   "the start-up client to leave")
        blockers = [conns.new() for _ in range(8)]
        for c in blockers:
            self.assertEqual(c.call("PING"), "PONG")
        watcher, subscriber = conns.new(), conns.new()
        self.assertEqual(watcher.call("PING"), "PONG")
        self.assertEqual(subscriber.call("PING"), "PONG")

        # No descriptor left but the holes below the highest one: a few links may take those.
        restore = limit_to_open_descriptors(pid)
        self.addCleanup(restore)
        limit = resource.prlimit(pid, resource.RLIMIT_NOFILE)[0]
        holes = limit - len(os.listdir(f"/proc/{pid}/fd"))
        self.assertLess(holes, len(blockers) - 2, "too many free descriptors below the limit")
        for i, c in enumerate(blockers):
            c.send("BLPOP", f"fdlimit:empty:{i}", 0)  # before: retried for good, the client hung
        errors = 0
        for c in blockers:
            try:
                reply = c.read(timeout=2)
            except socket.timeout:
                continue  # it got a descriptor (a hole) and blocks on its node, as it should
            self.assertIsInstance(reply, RespError, reply)
            self.assertTrue(str(reply).startswith(LEASE_ERROR), reply)
            self.assertIn("Too many open files", str(reply))
            errors += 1
        self.assertGreaterEqual(errors, len(blockers) - holes)

        for c, cmd in ((watcher, ("WATCH", "fdlimit:w")), (subscriber, ("SUBSCRIBE", "fdch"))):
            reply = c.call(*cmd)
            self.assertIsInstance(reply, RespError, cmd)
            self.assertTrue(str(reply).startswith(LEASE_ERROR), reply)
            self.assertEqual(c.call("PING"), "PONG")  # the connection is fine
        # The shared links are untouched: established clients are served (on the link they have:
        # one to another node would need a descriptor too).
        self.assertEqual(served.call("GET", "{fdlimit}:d"), b"1")
        self.assertEqual(served.call("INCR", "{fdlimit}:n"), 1)
        self.assertTrue(proxy.proc.alive())

        restore()
        self.assertIsNone(conns.new().call("BLPOP", "fdlimit:empty:x", "0.2"))
        self.assertEqual(watcher.call("WATCH", "fdlimit:w"), "OK")
        self.assertEqual(subscriber.call("SUBSCRIBE", "fdch"), [b"subscribe", b"fdch", 1])


if __name__ == "__main__":
    main()
