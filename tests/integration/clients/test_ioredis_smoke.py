# Runs harness/ioredis_smoke.js (Node.js + ioredis from tests/node_modules) against the target
# endpoint (STRATA_TEST_TARGET, default standalone). Skipped with a reason when node or
# ioredis is missing; install it with: npm ci --prefix tests
# ctest-targets: standalone proxy
# ctest-timeout: 120
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from harness.suite import TargetTestCase, setUpModule, tearDownModule  # noqa: E402,F401
from harness.runner import main  # noqa: E402

SMOKE = os.path.join(HERE, "..", "harness", "ioredis_smoke.js")
IOREDIS = os.path.join(HERE, "..", "..", "node_modules", "ioredis", "package.json")


@unittest.skipUnless(shutil.which("node"), "node (Node.js) is not installed")
@unittest.skipUnless(os.path.exists(IOREDIS),
                     "tests/node_modules/ioredis missing: run `npm ci --prefix tests`")
class IoredisSmoke(TargetTestCase):
    def test_set_get(self):
        p = subprocess.run(["node", SMOKE, "127.0.0.1", str(self.t.port)], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("SET/GET ok", p.stdout)


if __name__ == "__main__":
    sys.exit(main())
