# ioredis's Cluster client against a 6-node cluster (3 masters + 3 replicas, each node started as
# `--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
# --appendonly yes` in its own dir): harness/ioredis_cluster.js asserts every reply of the data
# types, expiry, MGET/MSET with hash tags, pipelines across slots, MULTI/EXEC, pub/sub,
# SSUBSCRIBE/SPUBLISH, a slot moved under it (SETSLOT + MIGRATE: ASK then MOVED) and a kill -9
# failover it must recover from. STRATA_NODE_BIN picks the nodes (CTest: our node;
# `redis-server` proves the script against Redis 7.0). Skipped with the reason when Node.js or
# ioredis is missing (npm ci --prefix tests). Every process is stopped.
# ctest-timeout: 240
import json
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from harness.cluster import RedisCluster  # noqa: E402
from harness.runner import main  # noqa: E402
from harness import differential  # noqa: E402

SCRIPT = os.path.join(HERE, "..", "harness", "ioredis_cluster.js")
NODE_MODULES = os.path.join(HERE, "..", "..", "node_modules")


def node_bin():
    return differential.node_bin(redis_too=True)


@unittest.skipUnless(shutil.which("node"), "node (Node.js) is not installed")
@unittest.skipUnless(os.path.exists(os.path.join(NODE_MODULES, "ioredis", "package.json")),
                     "tests/node_modules/ioredis missing: run `npm ci --prefix tests`")
class IoredisCluster(unittest.TestCase):
    def setUp(self):
        self.cluster = RedisCluster(binary=node_bin(), node_timeout_ms=5000).start(timeout=90)

    def tearDown(self):
        self.cluster.stop()

    def test_functional_script(self):
        cfg = {"nodes": [{"host": n.host, "port": n.port, "pid": n.proc.pid}
                         for n in self.cluster.nodes]}
        env = dict(os.environ, NODE_PATH=os.path.abspath(NODE_MODULES))
        p = subprocess.run(["node", SCRIPT, json.dumps(cfg)], capture_output=True, text=True,
                           timeout=180, stdin=subprocess.DEVNULL, env=env)
        print(p.stdout, end="", flush=True)
        self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-3000:])
        self.assertIn("cluster: all ok", p.stdout)
        self.assertIn("failover: served again after", p.stdout)


if __name__ == "__main__":
    sys.exit(main())
