# WAIT through the proxy runs on the shared link that carried the client's latest write, or is
# refused: never on another link. Regression test for the soak's 2 lost writes acknowledged under
# WAIT 1 (issue 8, tests/soak/README.md): the proxy used to send WAIT to the *current* master of
# the last write's slot, on whatever link it had. After a failover (or a reconnect) that link was
# another node's or a fresh one, whose WAIT counted replicas that acknowledged other bytes: the
# new master answered 1 (its replica, the old master, had resynced from it) for a SET that only
# the old master had applied and that the resync then erased. Each case here moves the write's
# link away between SET and WAIT, deterministically, and checks that WAIT does not answer with a
# replica count from elsewhere. Runs against redis-server (default) and our node
# (STRATA_NODE_BIN) behind the proxy (STRATA_PROXY_BIN).
# ctest-targets: proxy
# ctest-timeout: 120
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import Proxy, RedisCluster, key_slot, wait_until  # noqa: E402
from harness.runner import main  # noqa: E402

CLUSTER = PROXY = None


def setUpModule():
    global CLUSTER, PROXY
    CLUSTER = RedisCluster(masters=3, replicas=1, node_timeout_ms=2000).start()
    try:
        PROXY = Proxy([n.addr for n in CLUSTER.nodes], threads=1).start()
    except BaseException:
        CLUSTER.stop()
        raise


def tearDownModule():
    for x in (PROXY, CLUSTER):
        if x:
            x.stop()


def proxy_client():
    return redis.Redis(host="127.0.0.1", port=PROXY.port, decode_responses=True,
                       socket_timeout=10, socket_connect_timeout=5)


def wait_replicated(master, timeout=20.0):
    """Every replica of `master` online and caught up (so a WAIT 1 on its links can succeed)."""
    def caught_up():
        info = master.client().info("replication")
        off = info["master_repl_offset"]
        slaves = [v for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)]
        return slaves and all(s["state"] == "online" and s["offset"] >= off for s in slaves)
    wait_until(caught_up, timeout, f"the replicas of {master.addr} to catch up")


class WaitFollowsWrite(unittest.TestCase):
    def test_wait_after_the_writes_link_closed_is_refused(self):
        c = proxy_client()
        key = "wfw:closed:{a}"
        master = CLUSTER.master_for_key(key)
        wait_replicated(master)
        self.assertIs(c.set(key, "1"), True)
        self.assertEqual(c.execute_command("WAIT", 1, 5000), 1)  # the ordinary case
        self.assertIs(c.set(key, "2"), True)
        # The node drops every client link but ours: the proxy's link that carried SET is gone.
        direct = master.client()
        self.assertGreaterEqual(direct.execute_command("CLIENT", "KILL", "TYPE", "normal",
                                                       "SKIPME", "yes"), 1)
        # A WAIT on a fresh link would count the replica at once (Redis: the link wrote
        # nothing), whether or not it has the SET: the proxy must refuse instead.
        with self.assertRaises(redis.ResponseError) as ctx:
            c.execute_command("WAIT", 1, 200)
        self.assertIn("WAIT", str(ctx.exception))
        # A new write sets the link again: WAIT works on it.
        self.assertIs(c.set(key, "3"), True)
        self.assertEqual(c.execute_command("WAIT", 1, 5000), 1)
        self.assertEqual(c.get(key), "3")
        c.close()

    def test_wait_after_a_failover_does_not_count_the_new_masters_replicas(self):
        c = proxy_client()
        key = "wfw:failover:{b}"
        old = CLUSTER.master_for_key(key)
        replica = CLUSTER.replicas_of(old.port)[0]
        wait_replicated(old)
        self.assertIs(c.set(key, "1"), True)
        # Manual failover: the replica takes the slot over, the old master follows it.
        self.assertEqual(replica.client().execute_command("CLUSTER", "FAILOVER"), "OK")
        wait_until(lambda: replica.client().execute_command("ROLE")[0] == "master", 20,
                   "the replica to be promoted")
        wait_until(lambda: CLUSTER.converged(), 30, "the cluster to agree on the new master")
        wait_replicated(replica)
        # Another client writes the slot through the proxy: the proxy now knows the new master
        # (and holds a link to it that has written).
        other = proxy_client()
        wait_until(lambda: other.set("wfw:failover:other:{b}", "x") is True, 20,
                   "the proxy to write the slot on its new master")
        self.assertEqual(CLUSTER.master_for_slot(key_slot(key)).port, replica.port)
        # The client's last write went to the old master. Its WAIT must not be answered by the
        # new master (which would say 1 for its own replica, the old master): it runs on the
        # old link (a replica now: an error, as a direct client gets) or is refused.
        with self.assertRaises(redis.ResponseError):
            c.execute_command("WAIT", 1, 200)
        # Writing again moves the client to the new master's link: WAIT counts there.
        self.assertIs(c.set(key, "2"), True)
        self.assertEqual(c.execute_command("WAIT", 1, 5000), 1)
        other.close()
        c.close()

    def test_pipelined_set_and_wait(self):
        c = proxy_client()
        keys = [f"wfw:pipe:{i}" for i in range(20)]  # many slots: several links
        for m in CLUSTER.masters():
            wait_replicated(m)
        for k in keys:
            p = c.pipeline(transaction=False)
            p.set(k, "v")
            p.execute_command("WAIT", 1, 5000)
            self.assertEqual(p.execute(), [True, 1])
        # A split write (MSET over several slots): WAIT follows the last key's link.
        self.assertIs(c.mset({k: "w" for k in keys}), True)
        self.assertEqual(c.execute_command("WAIT", 1, 5000), 1)
        c.close()


if __name__ == "__main__":
    sys.exit(main())
