# The node's client listener when accept() runs out of descriptors: its soft RLIMIT_NOFILE is
# lowered (prlimit(2) from this process) to just above its highest descriptor, so a new client
# waits in the backlog while accept() fails with EMFILE. The listener pauses 100 ms at a time
# (common/net/accept_backoff.h) instead of spinning: the node's CPU time stays far below the wall
# time, the clients it has are served, the log carries at most about one line a second, and once a
# client leaves the waiting one is accepted and served. (redis-server 7.0 spins here, logging
# "Accepting client connection: Too many open files" on every loop, so this is not differential.)
# Needs STRATA_NODE_BIN (CTest sets it).
# ctest-timeout: 120
import os
import select
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness.descriptors import (connect_until_backlogged, cpu_over,  # noqa: E402
                                 limit_to_open_descriptors)
from harness.differential import node_bin  # noqa: E402
from harness.procs import wait_until  # noqa: E402
from harness.resp import RespConn  # noqa: E402
from harness.runner import main  # noqa: E402
from harness.standalone import Standalone  # noqa: E402

HOST = "127.0.0.1"


class AcceptOutOfDescriptors(unittest.TestCase):
    def test_emfile_pauses_the_listener_and_recovers(self):
        node = Standalone(binary=node_bin()).start()
        self.addCleanup(node.stop)
        pid = node.proc.pid
        served = [RespConn(HOST, node.port) for _ in range(3)]
        for c in served:
            self.addCleanup(c.close)
            self.assertEqual(c.call("SET", "fdlimit:n", "1"), "OK")
        # No other descriptor may close meanwhile (that would let the waiting client in early):
        # the fixture's start-up client must be gone first.
        wait_until(lambda: b"connected_clients:3\r\n" in served[0].call("INFO", "clients"), 10,
                   "the start-up client to leave")

        restore = limit_to_open_descriptors(pid)
        self.addCleanup(restore)
        sockets = []
        self.addCleanup(lambda: [s.close() for s in sockets])
        waiting = connect_until_backlogged(node.port, sockets)
        self.assertIsNotNone(waiting, "every client was accepted: the limit did not bind")

        cpu, wall = cpu_over(pid, 2)
        self.assertLess(cpu, wall / 2, f"the node used {cpu:.2f} s of CPU in {wall:.2f} s")
        for c in served:
            self.assertEqual(c.call("GET", "fdlimit:n"), b"1")
        self.assertFalse(select.select([waiting], [], [], 0)[0])

        served.pop().close()  # one descriptor frees: the waiting client gets in
        waiting.settimeout(10)
        self.assertEqual(waiting.recv(64), b"+PONG\r\n")
        restore()
        last = RespConn(HOST, node.port)
        self.addCleanup(last.close)
        self.assertEqual(last.call("GET", "fdlimit:n"), b"1")
        with open(os.path.join(node.dir, "server.log"), errors="replace") as f:
            lines = [x for x in f if "Accepting client connection: Too many open files" in x]
        self.assertGreaterEqual(len(lines), 1)
        self.assertLessEqual(len(lines), 10)  # ~2 s of EMFILE: about one line a second
        self.assertTrue(node.proc.alive())


if __name__ == "__main__":
    main()
