# Fixture for the deploy tests: deploy/local/cluster.sh itself (the script users run), on ports
# reserved through harness/ports.py (a consecutive block for the nodes, their bus ports and, with
# the strata engine, their metrics ports at port + 20), in a temp dir, with no install or build
# step (--no-build; binaries from the build dir of STRATA_PROXY_BIN, else build/). stop() runs
# `cluster.sh down`, then kills anything whose pid file is still there, so no test leaves a
# process behind even if the script failed half-way.
import atexit
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, ".."))

from harness import ports, procs  # noqa: E402

SCRIPT = os.path.join(ROOT, "deploy", "local", "cluster.sh")
METRICS_OFFSET = 20


def build_dir() -> str:
    proxy = os.environ.get("STRATA_PROXY_BIN")
    if proxy:
        return os.path.dirname(os.path.dirname(os.path.abspath(proxy)))
    return os.path.join(ROOT, "build")


class LocalCluster:
    def __init__(self, engine: str = "auto"):
        self.block = ports.allocate_range(2 * METRICS_OFFSET, bus=True)
        self.base = self.block[0]
        self.proxy_port, self.proxy_metrics = ports.allocate_ports(2)
        self.dir = procs.make_temp_dir("localcluster")
        self.engine_arg = engine
        self.engine = None
        self.up_output = ""
        atexit.register(self.stop)

    def run(self, *args, timeout=120) -> str:
        argv = [SCRIPT, *args, "--dir", self.dir]
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {r.returncode}:\n{r.stdout}")
        return r.stdout

    def start(self):
        self.up_output = self.run("up", "--base-port", str(self.base), "--proxy-port",
                                  str(self.proxy_port), "--metrics-port", str(self.proxy_metrics),
                                  "--engine", self.engine_arg, "--build-dir", build_dir(),
                                  "--no-build")
        with open(os.path.join(self.dir, "cluster.env")) as f:
            env = dict(line.strip().split("=", 1) for line in f if "=" in line)
        self.engine = env["engine"]
        return self

    def node_ports(self) -> list:
        out = []
        for d in sorted(os.listdir(self.dir)):
            p = os.path.join(self.dir, d, "port")
            if d.startswith("node-") and os.path.exists(p):
                out.append(int(open(p).read()))
        return sorted(out)

    def pids(self) -> list:
        files = [os.path.join(self.dir, "proxy.pid")]
        files += [os.path.join(self.dir, f"node-{p}", "pid") for p in self.node_ports()]
        out = []
        for f in files:
            try:
                out.append(int(open(f).read()))
            except (OSError, ValueError):
                pass
        return out

    def stop(self):
        if not os.path.isdir(self.dir):
            return
        pids = self.pids()
        try:
            self.run("down", timeout=60)
        except Exception as e:  # noqa: BLE001 - fall back to killing by pid below
            print(f"cluster.sh down failed: {e}", file=sys.stderr)
        for pid in pids + self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent, the script's subshell, may not have reaped it yet).
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
