# Free-port allocation for parallel test processes: client ports come from 12000-19999 and, for
# cluster nodes, port+10000 (the cluster bus) must be free too. A JSON file under /tmp, guarded by
# flock, records which live test process holds which port, so concurrent tests never pick the
# same one; entries of dead processes are reclaimed. Each candidate is also bind-tested.
import atexit
import fcntl
import json
import os
import random
import socket

LOW, HIGH = 12000, 19999  # bus ports (+10000) stay below the ephemeral range (32768+)
BUS_OFFSET = 10000
_LOCK = "/tmp/strata-it-ports.lock"
_STATE = "/tmp/strata-it-ports.json"
_mine = set()


def _bindable(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class _Locked:
    """Context manager: exclusive flock on the lock file, yields the {port: pid} state."""

    def __enter__(self):
        self.fd = os.open(_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            with open(_STATE) as f:
                raw = json.load(f)
        except (OSError, ValueError):
            raw = {}
        self.state = {int(p): pid for p, pid in raw.items() if _alive(pid)}
        return self.state

    def __exit__(self, *exc):
        tmp = f"{_STATE}.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump({str(p): pid for p, pid in self.state.items()}, f)
        os.replace(tmp, _STATE)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        return False


def allocate_ports(count: int, bus: bool = False) -> list:
    """Reserve `count` ports for this process; with bus=True port+10000 is checked as well."""
    out = []
    with _Locked() as state:
        span = HIGH - LOW + 1
        start = random.randrange(span)
        for i in range(span):
            p = LOW + (start + i) % span
            if p in state or not _bindable(p):
                continue
            if bus and not _bindable(p + BUS_OFFSET):
                continue
            state[p] = os.getpid()
            out.append(p)
            if len(out) == count:
                break
    if len(out) != count:
        release_ports(out)
        raise RuntimeError(f"could not allocate {count} free ports in {LOW}-{HIGH}")
    _mine.update(out)
    return out


def allocate_range(count: int, bus: bool = False) -> list:
    """Reserve `count` consecutive ports (for scripts that take a base port and count up)."""
    with _Locked() as state:
        span = HIGH - LOW + 1 - count
        start = random.randrange(span)
        for i in range(span):
            base = LOW + (start + i) % span
            block = range(base, base + count)
            if any(p in state or not _bindable(p) or (bus and not _bindable(p + BUS_OFFSET))
                   for p in block):
                continue
            for p in block:
                state[p] = os.getpid()
            _mine.update(block)
            return list(block)
    raise RuntimeError(f"could not allocate {count} consecutive free ports in {LOW}-{HIGH}")


def release_ports(ports) -> None:
    ports = [p for p in ports if p in _mine]
    if not ports:
        return
    with _Locked() as state:
        for p in ports:
            if state.get(p) == os.getpid():
                del state[p]
    _mine.difference_update(ports)


atexit.register(lambda: release_ports(list(_mine)))
