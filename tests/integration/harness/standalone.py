# Standalone fixture: one plain redis-server on a free port in its own temp dir, the oracle the
# functional suite is validated against. No persistence; killed with the test.
import os
import shutil

import redis

from .ports import allocate_ports, release_ports
from .procs import Proc, make_temp_dir, wait_until

HOST = "127.0.0.1"


class Standalone:
    def __init__(self, binary: str = None, extra_args=()):
        self.binary = binary or shutil.which("redis-server") or "/usr/bin/redis-server"
        self.extra_args = list(extra_args)
        self.port = None
        self.dir = None
        self.proc = None

    def start(self, timeout: float = 15.0):
        self.dir = make_temp_dir("standalone")
        (self.port,) = allocate_ports(1)
        argv = [self.binary, "--port", self.port, "--bind", HOST, "--save", "",
                "--appendonly", "no", *self.extra_args]
        self.proc = Proc(f"redis-server:{self.port}", argv, self.dir,
                         os.path.join(self.dir, "server.log")).start()
        try:
            wait_until(self._answers, timeout,
                       f"standalone redis-server on {self.port} to answer PING",
                       fail_if=lambda: None if self.proc.alive() else "the server exited")
        except (TimeoutError, RuntimeError) as e:
            raise RuntimeError(f"{e}\n--- log ---\n{self.proc.log_tail()}") from None
        return self

    def _answers(self) -> bool:
        """PONG, or the NOAUTH refusal of a server started with --requirepass: either way it
        serves."""
        try:
            return self.client().ping()
        except redis.AuthenticationError:
            return True
        except redis.ResponseError as e:
            return str(e).startswith("NOAUTH")

    def client(self, **kw) -> redis.Redis:
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 5)
        return redis.Redis(host=HOST, port=self.port, **kw)

    def stop(self):
        if self.proc:
            self.proc.kill9()
        release_ports([self.port])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
