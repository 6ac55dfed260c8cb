# Pub/Sub subscriptions through the proxy survive cluster changes without the client doing
# anything, against a real 6-node Redis 7 cluster:
#   - SSUBSCRIBE, then the channel's slot moves to another master by hand (CLUSTER SETSLOT
#     IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE, as redis-cli --cluster reshard does): the old
#     owner drops the subscription (server-side sunsubscribe), the proxy subscribes again on the
#     new owner, and SPUBLISH through another proxy connection still reaches the subscriber;
#   - SUBSCRIBE, then kill -9 of the master the proxy's subscriber connection uses: the proxy
#     subscribes on another node and PUBLISH (broadcast to every node by the cluster) still
#     reaches the subscriber (and, before the kill, 100 PUBLISHes arrive in publish order);
#   - SSUBSCRIBE, then kill -9 of the channel's shard master: after the replica's promotion the
#     proxy subscribes on it and SPUBLISH reaches the subscriber again;
#   - SUBSCRIBE to a keyspace notification channel (published by the key's node only), then
#     kill -9 of the key's master: the promoted replica's events reach the subscriber, once;
#   - the same channel, then a manual CLUSTER FAILOVER of the master the subscriber's own
#     connection is on: the demoted master stays up as a replica and repeats its new master's
#     events, which must still reach the subscriber once.
# The subscriber (a raw RESP connection) never resubscribes and must see only message frames for
# its channel, in publish order, without duplicates. Every wait is bounded.
# Run: STRATA_PROXY_BIN=build/proxy/proxy /usr/bin/python3 tests/integration/proxy/test_pubsub_survives.py
# ctest-targets: proxy
# ctest-timeout: 300
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

from harness import Proxy, RedisCluster, RespConn, key_slot  # noqa: E402
from harness.runner import main  # noqa: E402

NODE_TIMEOUT_MS = 2000
DELIVERY_TIMEOUT = 30.0  # bound on waiting for the first message after a change


def log(msg: str):
    print(f"  {msg}", file=sys.stderr, flush=True)


class PubSubSurvives(unittest.TestCase):
    def setUp(self):
        # A fresh cluster per test: each one kills or moves something.
        Proxy.check_binary()
        self.cluster = RedisCluster(node_timeout_ms=NODE_TIMEOUT_MS).start()
        self.addCleanup(self.cluster.stop)
        self.proxy = Proxy([n.addr for n in self.cluster.masters()]).start()
        self.addCleanup(self.proxy.stop)
        self.pub = self.proxy.client(decode_responses=True, socket_timeout=10)
        self.addCleanup(self.pub.close)

    def subscriber(self, command: str, channel: str) -> RespConn:
        sub = RespConn("127.0.0.1", self.proxy.port, timeout=10)
        self.addCleanup(sub.close)
        self.assertEqual(sub.call(command, channel), [command.lower().encode(), channel.encode(), 1])
        return sub

    def publish_until_received(self, sub: RespConn, publish: str, channel: str, kind: bytes,
                               start: int, since: float) -> int:
        """Publishes channel "m<i>" (i = start, start+1, ...) every 100 ms until the subscriber
        gets one; checks every frame it reads. Returns the number of the first message received."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        i = start
        publish_errors = 0
        while time.monotonic() < deadline:
            try:
                self.pub.execute_command(publish, channel, f"m{i}")
            except redis.RedisError:
                publish_errors += 1  # e.g. routed to the dead node until the deadline
            i += 1
            try:
                frame = sub.read(timeout=0.1)
            except socket.timeout:
                continue
            self.assertIsInstance(frame, list, frame)
            self.assertEqual(frame[:2], [kind, channel.encode()], frame)
            got = int(frame[2].decode()[1:])
            log(f"first {kind.decode()} after the change: m{got}, "
                f"{time.monotonic() - since:.2f}s after it ({publish_errors} publish errors)")
            return got
        self.fail(f"no {kind.decode()} on {channel} within {DELIVERY_TIMEOUT}s after the change")

    def check_in_order(self, sub: RespConn, publish: str, channel: str, kind: bytes, first: int):
        """After the first message: the next ones arrive in order, no duplicates, nothing else."""
        drained = []
        while True:  # messages still in flight from publish_until_received
            try:
                drained.append(sub.read(timeout=0.5))
            except socket.timeout:
                break
        last = first
        for frame in drained:
            self.assertEqual(frame[:2], [kind, channel.encode()], frame)
            n = int(frame[2].decode()[1:])
            self.assertGreater(n, last, f"duplicate or out of order: {drained}")
            last = n
        for i in range(last + 1, last + 11):
            self.assertGreaterEqual(self.pub.execute_command(publish, channel, f"m{i}"), 0)
        for i in range(last + 1, last + 11):
            self.assertEqual(sub.read(timeout=10), [kind, channel.encode(), f"m{i}".encode()])
        with self.assertRaises(socket.timeout):
            extra = sub.read(timeout=0.5)
            self.fail(f"unexpected frame {extra!r}")

    def node_id(self, node) -> str:
        return node.client().execute_command("CLUSTER", "MYID")

    def move_slot(self, slot: int, src, dst, expect_keys: int) -> float:
        """Moves `slot` from src to dst as redis-cli --cluster reshard does (IMPORTING, MIGRATING,
        MIGRATE the keys, SETSLOT NODE on dst, src, the other masters); returns the time the
        source gave it up. Waits until every node agrees."""
        c = self.cluster
        s, d = src.client(), dst.client()
        try:
            src_id, dst_id = self.node_id(src), self.node_id(dst)
            d.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", src_id)
            s.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id)
            keys = s.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100)
            self.assertEqual(len(keys), expect_keys)
            if keys:
                s.execute_command("MIGRATE", "127.0.0.1", dst.port, "", 0, 5000, "KEYS", *keys)
            moved_t = time.monotonic()
            for n in [dst, src] + [m for m in c.masters() if m not in (src, dst)]:
                with n.client() as nc:
                    nc.execute_command("CLUSTER", "SETSLOT", slot, "NODE", dst_id)
        finally:
            s.close()
            d.close()
        c.wait_converged(30)
        self.assertEqual(c.master_for_slot(slot).port, dst.port)
        return moved_t

    def test_ssubscribe_after_a_move_the_proxy_has_not_seen(self):
        # No traffic tells the proxy of the move (its periodic refresh is 10 s away): SSUBSCRIBE
        # goes to the old owner, which answers -MOVED; the client must still get its
        # confirmation, and the subscription must live on the new owner.
        c = self.cluster
        channel = "{pubsub-stale}:chan"
        slot = key_slot(channel)
        src = c.master_for_slot(slot)
        dst = next(m for m in c.masters() if m is not src)
        self.pub.ping()
        self.move_slot(slot, src, dst, expect_keys=0)
        sub = self.subscriber("SSUBSCRIBE", channel)
        first = self.publish_until_received(sub, "SPUBLISH", channel, b"smessage", 1,
                                            time.monotonic())
        self.assertEqual(first, 1, "the confirmation came before the subscription existed")
        self.check_in_order(sub, "SPUBLISH", channel, b"smessage", first)
        with dst.client() as d:
            self.assertEqual(d.execute_command("PUBSUB", "SHARDNUMSUB", channel), [channel, 1])

    def test_ssubscribe_survives_slot_move(self):
        c = self.cluster
        channel = "{pubsub-move}:chan"
        slot = key_slot(channel)
        src = c.master_for_slot(slot)
        dst = next(m for m in c.masters() if m is not src)
        sub = self.subscriber("SSUBSCRIBE", channel)
        self.assertEqual(self.pub.execute_command("SPUBLISH", channel, "m0"), 1)
        self.assertEqual(sub.read(), [b"smessage", channel.encode(), b"m0"])
        for k in range(5):  # keys to migrate along with the slot
            self.pub.set(f"{{pubsub-move}}:k{k}", k)

        s, d = src.client(), dst.client()
        self.addCleanup(s.close)
        self.addCleanup(d.close)
        moved_t = self.move_slot(slot, src, dst, expect_keys=5)
        first = self.publish_until_received(sub, "SPUBLISH", channel, b"smessage", 1, moved_t)
        self.check_in_order(sub, "SPUBLISH", channel, b"smessage", first)
        self.assertEqual(self.pub.get("{pubsub-move}:k3"), "3")
        # The proxy's subscription is on the new owner, and only there.
        self.assertEqual(d.execute_command("PUBSUB", "SHARDNUMSUB", channel), [channel, 1])
        self.assertEqual(s.execute_command("PUBSUB", "SHARDNUMSUB", channel), [channel, 0])

    def test_subscribe_survives_kill_of_its_node(self):
        c = self.cluster
        channel = "pubsub-kill:chan"
        sub = self.subscriber("SUBSCRIBE", channel)
        # Steady state first: one client's PUBLISHes reach the subscriber in order (they must all
        # enter the cluster through one node).
        for i in range(100):
            self.pub.publish(channel, f"s{i}")
        for i in range(100):
            self.assertEqual(sub.read(), [b"message", channel.encode(), f"s{i}".encode()])
        self.assertGreaterEqual(self.pub.publish(channel, "m0"), 0)
        self.assertEqual(sub.read(), [b"message", channel.encode(), b"m0"])
        # The node holding the proxy's subscription (PUBSUB NUMSUB is local to a node).
        holders = [n for n in c.nodes if n.alive()
                   and n.client().execute_command("PUBSUB", "NUMSUB", channel)[1] > 0]
        self.assertEqual(len(holders), 1, holders)
        (holder,) = holders
        self.assertEqual(c.roles()[holder.port][0], "master")
        kill_t = time.monotonic()
        c.kill9(holder.port)

        first = self.publish_until_received(sub, "PUBLISH", channel, b"message", 1, kill_t)
        c.wait_converged(60)  # the publisher's PUBLISH may go to any master
        self.check_in_order(sub, "PUBLISH", channel, b"message", first)
        now_holders = [n for n in c.nodes if n.alive()
                       and n.client().execute_command("PUBSUB", "NUMSUB", channel)[1] > 0]
        self.assertEqual(len(now_holders), 1, now_holders)

    def test_ssubscribe_survives_failover_of_shard_master(self):
        c = self.cluster
        channel = "{pubsub-failover}:chan"
        master = c.master_for_key(channel)
        (replica,) = c.replicas_of(master.port)
        sub = self.subscriber("SSUBSCRIBE", channel)
        self.assertEqual(self.pub.execute_command("SPUBLISH", channel, "m0"), 1)
        self.assertEqual(sub.read(), [b"smessage", channel.encode(), b"m0"])
        kill_t = time.monotonic()
        c.kill9(master.port)
        first = self.publish_until_received(sub, "SPUBLISH", channel, b"smessage", 1, kill_t)
        self.check_in_order(sub, "SPUBLISH", channel, b"smessage", first)
        self.assertEqual(c.roles()[replica.port][0], "master")
        self.assertEqual(replica.client().execute_command("PUBSUB", "SHARDNUMSUB", channel),
                         [channel, 1])

    def test_keyspace_events_survive_failover_of_their_master(self):
        # Keyspace notifications are local to the node of the key: the proxy listens on every
        # master, and on the promoted replica once it is one.
        c = self.cluster
        for n in c.nodes:
            with n.client() as nc:
                nc.config_set("notify-keyspace-events", "KE$")
        key = "{keyspace-failover}:k"
        master = c.master_for_key(key)
        channel = "__keyevent@0__:set"
        sub = self.subscriber("SUBSCRIBE", channel)
        self.pub.set(key, "v0")
        self.assertEqual(sub.read(), [b"message", channel.encode(), key.encode()])
        kill_t = time.monotonic()
        c.kill9(master.port)
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        event = None
        while time.monotonic() < deadline and event is None:
            try:
                self.pub.set(key, "v")
            except redis.RedisError:
                pass  # the slot's master is down until the promotion
            try:
                event = sub.read(timeout=0.1)
            except socket.timeout:
                continue
        self.assertEqual(event, [b"message", channel.encode(), key.encode()])
        log(f"first event after the kill: {time.monotonic() - kill_t:.2f}s")
        c.wait_converged(60)
        while True:  # events of SETs still in flight when the first one arrived
            try:
                self.assertEqual(sub.read(timeout=0.5), event)
            except socket.timeout:
                break
        self.pub.set(key, "once")
        self.assertEqual(sub.read(timeout=10), event)
        with self.assertRaises(socket.timeout):
            extra = sub.read(timeout=0.5)
            self.fail(f"the event came twice: {extra!r}")


    def test_keyspace_events_once_after_manual_failover_of_the_subscribers_node(self):
        # A replica publishes keyspace notifications of the writes it applies, as its master
        # does: the demoted master the subscriber's connection stays on must not repeat them.
        c = self.cluster
        for n in c.nodes:
            with n.client() as nc:
                nc.config_set("notify-keyspace-events", "KE$")
        channel = "__keyevent@0__:set"
        sub = self.subscriber("SUBSCRIBE", channel)

        def numsub(node):
            with node.client() as nc:
                return nc.execute_command("PUBSUB", "NUMSUB", channel)[1]
        # The subscriber's own connection and a notification connection share one master (the
        # notification connections subscribe in the background: polled, bounded).
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        carrier = None
        while carrier is None:
            self.assertLess(time.monotonic(), deadline, "no master carries both connections")
            carrier = next((m for m in c.masters() if numsub(m) == 2), None)
            time.sleep(0.05)
        key = next(k for k in (f"manual-failover:{i}" for i in range(10000))
                   if c.master_for_key(k).port == carrier.port)
        self.pub.set(key, "v0")
        self.assertEqual(sub.read(), [b"message", channel.encode(), key.encode()])
        (replica,) = c.replicas_of(carrier.port)
        with replica.client() as rc:
            rc.execute_command("CLUSTER", "FAILOVER")
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while c.master_for_key(key).port != replica.port or not c.converged():
            self.assertLess(time.monotonic(), deadline, "the failover did not complete")
            time.sleep(0.1)
        self.assertTrue(carrier.alive())
        while True:  # the proxy follows the new master (MOVED) before the event comes once
            self.pub.set(key, "after")
            try:
                self.assertEqual(sub.read(timeout=1), [b"message", channel.encode(), key.encode()])
                break
            except socket.timeout:
                self.assertLess(time.monotonic(), deadline, "no event after the failover")
        while True:  # copies of SETs sent while the proxy's map changed
            try:
                sub.read(timeout=0.5)
            except socket.timeout:
                break
        for i in range(5):
            self.pub.set(key, f"once{i}")
        for i in range(5):
            self.assertEqual(sub.read(timeout=10), [b"message", channel.encode(), key.encode()])
        with self.assertRaises(socket.timeout):
            extra = sub.read(timeout=1)
            self.fail(f"a repeated event: {extra!r}")


if __name__ == "__main__":
    sys.exit(main())
