# The Helm chart's cluster Job, run for real: the chart is rendered offline (deploy/helm/render)
# for an install (3 shards x 2) and for an upgrade to 4 shards; the form-cluster.sh of the
# rendered ConfigMap runs under `sh` with the rendered Job's environment against redis-server
# cluster nodes on 127.0.0.1 (NODE_ENDPOINTS stands in for the pods' DNS names). Install: the
# script forms the cluster with redis-cli --cluster create; re-run: changes nothing; upgrade: the
# two new nodes join (one master, one replica), slots are rebalanced onto the new master, and no
# key written before is lost.
# ctest-timeout: 150
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import redis  # noqa: E402
import yaml  # noqa: E402

from harness import ports, procs  # noqa: E402
from harness.runner import main  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CHART = os.path.join(ROOT, "deploy", "helm", "strata")
KEYS = 2000


def build_renderer(out_dir):
    binary = os.path.join(out_dir, "render")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
               GOCACHE=os.path.join(tempfile.gettempdir(), f"strata-gocache-{os.getuid()}"))
    subprocess.run(["go", "build", "-o", binary, "."], cwd=os.path.join(ROOT, "deploy", "helm", "render"),
                   env=env, check=True, timeout=300)
    return binary


def render(binary, *sets, upgrade=False):
    argv = [binary, "--chart", CHART, "--name", "t", "--namespace", "ns"]
    if upgrade:
        argv += ["--upgrade", "--revision", "2"]
    for s in sets:
        argv += ["--set", s]
    out = subprocess.run(argv, stdout=subprocess.PIPE, check=True, text=True, timeout=60).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    script = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-cluster-scripts"))
    job = next(d for d in docs if d["kind"] == "Job")
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"] if "value" in e}
    return script["data"]["form-cluster.sh"], env


def cluster_nodes(port):
    """[(id, address, flags, master_id, slots)] from CLUSTER NODES; slots as (first, last)."""
    text = subprocess.run(["redis-cli", "-p", str(port), "cluster", "nodes"], stdout=subprocess.PIPE,
                          text=True, timeout=10, check=True).stdout
    out = []
    for line in text.splitlines():
        f = line.split()
        slots = [tuple(map(int, s.split("-"))) if "-" in s else (int(s), int(s))
                 for s in f[8:] if not s.startswith("[")]
        out.append((f[0], f[1], f[2], f[3], slots))
    return out


class ChartClusterJob(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = procs.make_temp_dir("chartjob")
        cls.render_bin = build_renderer(cls.dir)
        cls.ports = ports.allocate_range(8, bus=True)
        cls.nodes = []
        for p in cls.ports:
            d = os.path.join(cls.dir, f"node-{p}")
            os.makedirs(d)
            cls.nodes.append(procs.Proc(f"redis-{p}", [
                "redis-server", "--port", p, "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
                "--save", "", "--appendonly", "no"], cwd=d, log_path=os.path.join(d, "log")).start())
        for p in cls.ports:
            procs.wait_until(lambda p=p: redis.Redis(port=p).ping(), 10, f"redis-server on {p}")

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.kill9()

    def run_job(self, script, env, count):
        run_env = dict(os.environ, **env)
        run_env["NODE_ENDPOINTS"] = " ".join(f"127.0.0.1:{p}" for p in self.ports[:count])
        path = os.path.join(self.dir, "form-cluster.sh")
        with open(path, "w") as f:
            f.write(script)
        r = subprocess.run(["sh", path], env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stdout)
        return r.stdout

    def masters(self):
        ms = {}
        for node_id, addr, flags, master_id, slots in cluster_nodes(self.ports[0]):
            if "master" in flags and slots:
                ms[node_id] = sum(b - a + 1 for a, b in slots)
        return ms

    def test_install_rerun_upgrade(self):
        script, env = render(self.render_bin)
        self.assertEqual((env["NODE_COUNT"], env["SHARDS"], env["REPLICAS"]), ("6", "3", "1"))
        out = self.run_job(script, env, 6)
        self.assertIn("creating the cluster: 3 masters, 1 replica(s) each", out)
        self.assertIn("cluster ok: 3 shards, 6 nodes, 3 replicas", out)
        self.assertEqual(sorted(self.masters().values()), [5461, 5461, 5462])

        rc = redis.RedisCluster(host="127.0.0.1", port=self.ports[0], socket_timeout=10)
        for i in range(KEYS):
            rc.set(f"key:{i}", i)

        out = self.run_job(script, env, 6)  # a Job retried or an upgrade with nothing new
        self.assertNotIn("creating", out)
        self.assertNotIn("adding", out)
        self.assertIn("cluster ok: 3 shards, 6 nodes, 3 replicas", out)

        script, env = render(self.render_bin, "shards=4", upgrade=True)
        self.assertEqual((env["NODE_COUNT"], env["SHARDS"]), ("8", "4"))
        out = self.run_job(script, env, 8)
        print(out[-600:], file=sys.stderr)
        self.assertIn("adding node 6 (127.0.0.1:%d) as a master" % self.ports[6], out)
        self.assertIn("adding node 7 (127.0.0.1:%d) as a replica" % self.ports[7], out)
        self.assertIn("rebalancing slots onto the new masters", out)
        self.assertIn("cluster ok: 4 shards, 8 nodes, 4 replicas", out)
        sizes = self.masters()
        self.assertEqual(len(sizes), 4)
        self.assertEqual(sum(sizes.values()), 16384)
        self.assertTrue(all(3900 <= n <= 4300 for n in sizes.values()), sizes)
        # Every master has a replica (the new replica went to the new, replica-less master).
        nodes = cluster_nodes(self.ports[0])
        for master in sizes:
            self.assertTrue(any(m == master for _, _, f, m, _ in nodes if "slave" in f), master)

        rc = redis.RedisCluster(host="127.0.0.1", port=self.ports[0], socket_timeout=10)
        missing = [i for i in range(KEYS) if rc.get(f"key:{i}") != str(i).encode()]
        self.assertEqual(missing, [], f"{len(missing)} keys lost")


if __name__ == "__main__":
    sys.exit(main())
