# Child-process bookkeeping for the fixtures: each server runs in its own session (process group =
# its pid) with stdout+stderr in a log file and PR_SET_PDEATHSIG=SIGKILL, so it dies with the test
# even on a hard kill. Every live Proc is killed at interpreter exit (atexit), temp dirs are
# removed then unless a failure asked to keep them. Also the one bounded wait helper.
import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time

_live = set()
_all = []
_temp_dirs = []
keep_temp_dirs = False  # set by the runner when a test failed, so logs survive for inspection


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def make_temp_dir(prefix: str) -> str:
    d = tempfile.mkdtemp(prefix=f"strata-it-{prefix}-")
    _temp_dirs.append(d)
    return d


def wait_until(pred, timeout: float, what: str, interval: float = 0.1, fail_if=None):
    """Polls pred() (exceptions count as False) until truthy; returns its value or raises
    TimeoutError. fail_if() returning a string aborts at once with RuntimeError(that string)."""
    deadline = time.monotonic() + timeout
    last_exc = None
    for _ in range(int(timeout / interval) + 2):
        reason = fail_if() if fail_if else None
        if reason:
            raise RuntimeError(f"while waiting for {what}: {reason}")
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - polling: any failure means "not yet"
            last_exc = e
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}"
                       + (f" (last error: {last_exc!r})" if last_exc else ""))


class Proc:
    """One started server process. Must be started and stopped from the main thread."""

    def __init__(self, name: str, argv: list, cwd: str, log_path: str, env=None):
        self.name, self.argv, self.cwd, self.log_path, self.env = name, argv, cwd, log_path, env
        self.popen = None

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def start(self):
        with open(self.log_path, "ab") as log:
            log.write(f"--- start: {' '.join(map(str, self.argv))}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                [str(a) for a in self.argv], cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
                env=self.env)
        _live.add(self)
        if self not in _all:
            _all.append(self)
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def group_gone(self) -> bool:
        """True when no running process of this process group (the server or a fork) remains;
        zombies count as gone (the container's init may not reap them)."""
        return self.popen is None or not group_members(self.popen.pid)

    def _signal_group(self, sig):
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def kill9(self, timeout: float = 10.0):
        if self.popen is None:
            return
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=timeout)
        wait_until(self.group_gone, timeout, f"{self.name} (pid {self.pid}) to be gone")
        _live.discard(self)

    def terminate(self, grace: float = 5.0):
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if self.popen is None:
            return
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill9()

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, "rb") as f:
                data = f.read().decode(errors="replace").splitlines()
        except OSError as e:
            return f"(no log: {e})"
        return "\n".join(data[-lines:])


def group_members(pgid: int) -> list:
    """Pids of non-zombie processes whose process group is `pgid` (read from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry))
    return out


def all_procs() -> list:
    """Every Proc started by this test process, running or not."""
    return list(_all)


def temp_dirs() -> list:
    return list(_temp_dirs)


def _cleanup():
    for p in list(_live):
        try:
            p.kill9()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    if not keep_temp_dirs:
        for d in _temp_dirs:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)
