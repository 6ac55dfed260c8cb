# The Helm chart's command lines and proxy.toml are accepted by the real binaries: the chart is
# rendered offline (deploy/helm/render) with default values and with auth; the node container's
# command + args (Kubernetes' $(VAR) expansion applied, ports, /data and the pod IP mapped to this
# machine) start our `node`, which answers PING (and with auth, requires the password); the
# proxy's rendered proxy.toml (ports and seed nodes mapped to a local redis-server cluster) and
# args start our `proxy`, which serves SET/GET and /readyz. Catches an option the chart passes
# that a binary does not know, or a config key the proxy rejects.
# ctest-targets: proxy
# ctest-timeout: 120
import os
import re
import shutil
import subprocess
import sys
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import redis  # noqa: E402
import yaml  # noqa: E402

from harness import ports, procs  # noqa: E402
from harness.cluster import RedisCluster  # noqa: E402
from harness.runner import main  # noqa: E402
from local_cluster import build_dir  # noqa: E402
from test_chart_cluster_job import build_renderer  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CHART = os.path.join(ROOT, "deploy", "helm", "strata")
PASSWORD = "chart-s3cret"


def render(binary, *sets):
    argv = [binary, "--chart", CHART, "--name", "t", "--namespace", "ns"]
    for s in sets:
        argv += ["--set", s]
    out = subprocess.run(argv, stdout=subprocess.PIPE, check=True, text=True, timeout=60).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def container(docs, kind):
    return next(d for d in docs if d["kind"] == kind)["spec"]["template"]["spec"]["containers"][0]


def expand(args, env):
    """Kubernetes' $(VAR) expansion of command and args."""
    return [re.sub(r"\$\(([A-Z_]+)\)", lambda m: env.get(m.group(1), m.group(0)), a) for a in args]


class ChartBinaries(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = procs.make_temp_dir("chartbin")
        cls.render_bin = build_renderer(cls.dir)
        b = build_dir()
        env_node = os.environ.get("STRATA_NODE_BIN", "")
        cls.node_bin = env_node if os.path.basename(env_node) == "node" else os.path.join(b, "node", "node")
        cls.proxy_bin = os.environ.get("STRATA_PROXY_BIN") or os.path.join(b, "proxy", "proxy")

    def start_node(self, docs, env):
        c = container(docs, "StatefulSet")
        port, bus, metrics = ports.allocate_ports(3)
        data = procs.make_temp_dir("chartnode")
        argv = expand(c["command"] + c["args"], env)
        argv[0] = self.node_bin
        mapping = {"6379": str(port), "16379": str(bus), "9122": str(metrics), "/data": data,
                   "/data/nodes.conf": os.path.join(data, "nodes.conf"), "0.0.0.0": "127.0.0.1"}
        argv = [mapping.get(a, a) for a in argv]
        self.assertIn("--cluster-announce-ip", argv)
        p = procs.Proc("chart-node", argv, cwd=data, log_path=os.path.join(data, "log")).start()
        self.addCleanup(p.kill9)
        self.addCleanup(ports.release_ports, [port, bus, metrics])
        return p, port

    def test_node_args_default_and_auth(self):
        if not os.path.exists(self.node_bin):
            self.skipTest(f"{self.node_bin} not built")
        docs = render(self.render_bin)
        p, port = self.start_node(docs, {"POD_IP": "127.0.0.1"})
        r = redis.Redis(port=port, socket_timeout=5)
        procs.wait_until(r.ping, 10, "node from the chart's args answering PING",
                         fail_if=lambda: None if p.alive() else f"node exited: {p.log_tail()}")

        docs = render(self.render_bin, "auth.enabled=true", f"auth.password={PASSWORD}")
        p, port = self.start_node(docs, {"POD_IP": "127.0.0.1", "STRATA_PASSWORD": PASSWORD})
        ok = redis.Redis(port=port, password=PASSWORD, socket_timeout=5)
        procs.wait_until(ok.ping, 10, "node with requirepass answering PING",
                         fail_if=lambda: None if p.alive() else f"node exited: {p.log_tail()}")
        with self.assertRaises(redis.AuthenticationError):
            redis.Redis(port=port, socket_timeout=5).get("a")

    def test_proxy_config_and_args(self):
        cluster = RedisCluster(binary=shutil.which("redis-server"), replicas=0).start()
        self.addCleanup(cluster.stop)
        docs = render(self.render_bin)
        cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-proxy"))
        port, metrics = ports.allocate_ports(2)
        seeds = ", ".join(f'"{n.addr}"' for n in cluster.nodes)
        conf = []
        for line in cm["data"]["proxy.toml"].splitlines():
            if line.startswith("nodes = "):
                line = f"nodes = [{seeds}]"
            line = re.sub(r"^port = \d+", f"port = {port}", line)
            line = re.sub(r"^metrics-port = \d+", f"metrics-port = {metrics}", line)
            line = line.replace('"0.0.0.0"', '"127.0.0.1"')
            conf.append(line)
        d = procs.make_temp_dir("chartproxy")
        path = os.path.join(d, "proxy.toml")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        c = container(docs, "Deployment")
        argv = [self.proxy_bin] + [path if a == "/etc/strata/proxy.toml" else a for a in c["args"]]
        p = procs.Proc("proxy-chart", argv, cwd=d, log_path=os.path.join(d, "log")).start()
        self.addCleanup(p.kill9)
        r = redis.Redis(port=port, socket_timeout=5)
        procs.wait_until(r.ping, 15, "proxy from the chart's proxy.toml answering PING",
                         fail_if=lambda: None if p.alive() else f"proxy exited: {p.log_tail()}")
        self.assertTrue(r.set("chart", "1"))
        self.assertEqual(r.get("chart"), b"1")
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/readyz", timeout=5) as resp:
            self.assertEqual(resp.status, 200)


if __name__ == "__main__":
    sys.exit(main())
