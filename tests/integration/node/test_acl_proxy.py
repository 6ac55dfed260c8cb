# The proxy's backend credentials (--backend-user / --backend-password) as a non-default ACL
# user of our nodes: a 3-master cluster of our node, then on every node an ACL user `proxy`
# (+@all ~* &*) and the default user given a password, so that only authenticated connections
# work. A proxy started with that user serves SET/GET across slots, MGET across slots and
# PUBLISH; each node's CLIENT LIST shows the proxy's connections as user=proxy. A proxy with the
# wrong password answers errors, never hangs.
# Run: STRATA_NODE_BIN=build/node/node STRATA_PROXY_BIN=build/proxy/proxy \
#      /usr/bin/python3 tests/integration/node/test_acl_proxy.py
# ctest-targets: proxy
# ctest-timeout: 240
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import Proxy, RedisCluster  # noqa: E402
from harness.differential import node_bin  # noqa: E402
from harness.runner import main  # noqa: E402

ADMIN_PASSWORD = "admin-pw"


class ProxyWithAclUser(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cluster = RedisCluster(binary=node_bin(), masters=3, replicas=0).start(timeout=60)
        cls.proxies = []
        try:
            for n in cls.cluster.nodes:
                c = n.client()
                assert c.execute_command("ACL", "SETUSER", "proxy", "on", ">proxy-pw", "+@all",
                                         "~*", "&*") == "OK"
                assert c.execute_command("ACL", "SETUSER", "default", "resetpass",
                                         ">" + ADMIN_PASSWORD) == "OK"
        except BaseException:
            cls.cluster.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        for p in cls.proxies:
            p.stop()
        cls.cluster.stop()

    def start_proxy(self, password):
        p = Proxy([n.addr for n in self.cluster.nodes],
                  extra_args=["--backend-user", "proxy", "--backend-password", password])
        self.proxies.append(p)
        return p

    def test_proxy_as_acl_user(self):
        p = self.start_proxy("proxy-pw").start()
        r = p.client(decode_responses=True)
        for i in range(200):
            self.assertTrue(r.set(f"key:{i}", i))
        self.assertEqual([r.get(f"key:{i}") for i in range(200)], [str(i) for i in range(200)])
        self.assertEqual(r.mget("key:1", "key:2", "key:3"), ["1", "2", "3"])
        self.assertEqual(r.publish("chan", "m"), 0)
        users = set()
        for n in self.cluster.nodes:
            c = n.client(password=ADMIN_PASSWORD)
            for line in c.execute_command("CLIENT", "LIST").splitlines():
                users.add(line.split(" user=")[1].split(" ")[0])
            # Unauthenticated connections are refused: the proxy really used its user.
            with self.assertRaises(redis.exceptions.AuthenticationError):
                n.client().get("x")
        self.assertIn("proxy", users)

    def test_wrong_password_fails_cleanly(self):
        p = self.start_proxy("wrong")
        try:
            p.start(timeout=10)
        except RuntimeError:
            return  # refused to become ready: clean failure
        r = p.client(decode_responses=True, socket_timeout=10)
        with self.assertRaises(redis.exceptions.ResponseError):
            r.get("key:1")


if __name__ == "__main__":
    main()
