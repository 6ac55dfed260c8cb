# Shared pieces of suites that run against "the endpoint" (STRATA_TEST_TARGET): module fixtures
# that start/stop the target once per test module, the proxy_only marker, and a TestCase base
# with a decoded redis-py client, raw RESP connections and per-test key names.
import threading
import unittest

from .procs import wait_until
from .slots import keys_in_distinct_slots
from .target import start_target, target_kind

TARGET = None


def setUpModule():  # noqa: N802 - unittest's name
    global TARGET
    TARGET = start_target()


def tearDownModule():  # noqa: N802
    global TARGET
    if TARGET is not None:
        TARGET.stop()
        TARGET = None


def proxy_only(what: str):
    """Skips on standalone (where a single server accepts what a cluster must reject)."""
    return unittest.skipUnless(
        target_kind() == "proxy",
        f"proxy-only: {what}; a standalone redis-server has no slots and would succeed")


CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"


class Background:
    """Runs fn in a thread (for blocking commands); result() joins with a bound."""

    def __init__(self, fn):
        self.value, self.error = None, None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn):
        try:
            self.value = fn()
        except Exception as e:  # noqa: BLE001 - re-raised in result()
            self.error = e

    def result(self, timeout: float = 15.0):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise TimeoutError(f"background call still blocked after {timeout}s")
        if self.error:
            raise self.error
        return self.value


class TargetTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.t = TARGET
        self.r = self.t.client()
        self.addCleanup(self.r.close)

    def client(self, **kw):
        c = self.t.client(**kw)
        self.addCleanup(c.close)
        return c

    def raw(self, timeout: float = 10.0):
        c = self.t.raw(timeout)
        self.addCleanup(c.close)
        return c

    def k(self, name: str = "k") -> str:
        """A key unique to this test (no hash tag unless `name` has one)."""
        return f"{self._testMethodName}:{name}"

    def tag(self, name: str) -> str:
        """A key sharing this test's hash tag, so all tag() keys of a test share one slot."""
        return f"{{{self._testMethodName}}}:{name}"

    def keys_on_every_master(self):
        """One key of this test per master (through the proxy), or one key (standalone)."""
        keys = keys_in_distinct_slots(f"{self._testMethodName}:", 40)
        if not self.t.is_proxy:
            return keys[:1]
        by_master = {}
        for k in keys:
            by_master.setdefault(self.t.cluster.master_for_key(k).port, k)
        self.assertEqual(len(by_master), len(self.t.cluster.masters()))
        return list(by_master.values())

    def wait_until(self, pred, timeout=10.0, what="condition"):
        return wait_until(pred, timeout, what)
