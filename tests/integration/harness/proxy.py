# Proxy fixture: runs the strata proxy binary (env STRATA_PROXY_BIN, default
# <repo>/build/proxy/proxy) as `[wrapper...] proxy [config.toml] --port P --bind 127.0.0.1
# --nodes A,B --threads 2 --metrics-port M [extra]` (a wrapper such as `prlimit --nofile=N:N --`
# runs in front), waits (bounded) for PING, logs to a file whose tail is shown when it
# fails to start (the runner prints it on test failures), stops with SIGTERM then SIGKILL.
import os
import re
import urllib.request

import redis

from .ports import allocate_ports, release_ports
from .procs import Proc, make_temp_dir, wait_until

HOST = "127.0.0.1"
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def proxy_binary() -> str:
    return os.environ.get("STRATA_PROXY_BIN") or os.path.join(REPO, "build", "proxy", "proxy")


class Proxy:
    def __init__(self, seeds, binary: str = None, threads: int = 2, extra_args=(), wrapper=(),
                 config_file: str = None):
        """seeds: list of "127.0.0.1:port" cluster node addresses given to --nodes; wrapper: argv
        run in front of the binary; config_file: the TOML file given as first argument."""
        self.seeds = list(seeds)
        self.binary = binary or proxy_binary()
        self.threads = threads
        self.extra_args = list(extra_args)
        self.wrapper = [str(a) for a in wrapper]
        self.config_file = config_file
        self.port = self.metrics_port = None
        self.proc = None
        self.dir = None

    @property
    def log_path(self):
        return os.path.join(self.dir, "proxy.log") if self.dir else None

    @staticmethod
    def check_binary(binary: str = None):
        binary = binary or proxy_binary()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"proxy binary not found or not executable: {binary} "
                               "(build it, or set STRATA_PROXY_BIN)")

    def start(self, timeout: float = 20.0):
        self.check_binary(self.binary)
        self.dir = make_temp_dir("proxy")
        self.port, self.metrics_port = allocate_ports(2)
        return self._launch(timeout)

    def restart(self, timeout: float = 20.0):
        """Starts the proxy again on the same ports and dir after it was killed."""
        if self.proc and self.proc.alive():
            raise RuntimeError(f"proxy on {self.port} is still running")
        return self._launch(timeout)

    def _launch(self, timeout: float):
        argv = [*self.wrapper, self.binary, *([self.config_file] if self.config_file else []),
                "--port", self.port, "--bind", HOST, "--nodes", ",".join(self.seeds),
                "--threads", self.threads, "--metrics-port", self.metrics_port, *self.extra_args]
        self.proc = Proc(f"proxy:{self.port}", argv, self.dir, self.log_path).start()

        try:
            wait_until(lambda: self.client(socket_timeout=2).ping(), timeout,
                       f"proxy on {self.port} to answer PING",
                       fail_if=lambda: None if self.proc.alive() else "the proxy exited")
        except (TimeoutError, RuntimeError) as e:
            self.stop()
            raise RuntimeError(f"proxy did not start: {e}\n--- {self.log_path} ---\n"
                               f"{self.proc.log_tail()}") from None
        return self

    def client(self, **kw) -> redis.Redis:
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 5)
        return redis.Redis(host=HOST, port=self.port, **kw)

    def stop(self, grace: float = 5.0):
        if self.proc:
            self.proc.terminate(grace)
        release_ports([self.port, self.metrics_port])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def metric(proxy: Proxy, name: str, labels: str = "") -> float:
    """Sum of the samples of `name` (whose label set contains `labels`) on the proxy's /metrics."""
    with urllib.request.urlopen(f"http://{HOST}:{proxy.metrics_port}/metrics", timeout=5) as r:
        body = r.read().decode(errors="replace")
    total = 0.0
    for line in body.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)", line)
        if m and m.group(1) == name and labels in (m.group(2) or ""):
            total += float(m.group(3))
    return total
