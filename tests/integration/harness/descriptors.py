# Running a server out of descriptors, for the accept() tests (tests/integration/proxy/
# test_open_files.py, tests/integration/node/test_accept_out_of_fds.py): lower a running process's
# soft RLIMIT_NOFILE to just above its highest descriptor (prlimit(2) on a child of this process),
# open clients until one waits in the backlog because accept() fails with EMFILE, and read the
# process's CPU time to tell a paused listener from a spinning one.
import os
import resource
import select
import socket
import time

HOST = "127.0.0.1"


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_over(pid: int, seconds: float):
    """(CPU seconds `pid` used, wall seconds) over a sleep of `seconds`: a listener that spins
    on a failing accept() burns about one CPU second per second, a paused one next to none."""
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return cpu_seconds(pid) - cpu0, time.monotonic() - wall0


def limit_to_open_descriptors(pid: int):
    """Sets the soft RLIMIT_NOFILE of `pid` to its highest open descriptor + 1 (the hard limit is
    kept, so it can be restored). Returns a function that restores the old limits."""
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    highest = max(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (highest + 1, hard))

    def restore():
        try:
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
        except ProcessLookupError:
            pass
    return restore


def connect_until_backlogged(port: int, opened: list, tries: int = 20):
    """Connects clients that send an inline PING; the ones answered +PONG within a second fill
    free descriptors below the limit. Returns the first socket left unanswered (waiting in the
    backlog), or None if all `tries` were answered. Every socket is appended to `opened`."""
    for _ in range(tries):
        s = socket.create_connection((HOST, port), timeout=5)
        opened.append(s)
        s.sendall(b"PING\r\n")
        if not select.select([s], [], [], 1.0)[0]:
            return s
        if s.recv(64) != b"+PONG\r\n":
            raise AssertionError("a client filling the descriptors was not answered +PONG")
    return None
