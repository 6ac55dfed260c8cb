#!/usr/bin/python3
# Captures the seed corpora of cluster_bus_fuzz and nodes_conf_fuzz from a running cluster of
# our node (run by hand when the bus format or nodes.conf changes; the results are committed):
#   - nodes_conf/: the nodes.conf of a master and of a replica of a 6-node cluster formed with
#     `redis-cli --cluster create`, and of the master again with a slot MIGRATING and another
#     IMPORTING (the [slot->-id] / [slot-<-id] markers);
#   - cluster_bus/: the PONG (header + gossip about the other nodes) a node sends back when a
#     PING arrives on its bus port, and, built on that real header, one message of every other
#     type (PING, MEET, FAIL, UPDATE, PUBLISH, PUBLISHSHARD, AUTH_REQUEST, AUTH_ACK, MFSTART)
#     plus two PONGs back to back (the link's byte stream).
#   STRATA_NODE_BIN=build/node/node /usr/bin/python3 tests/fuzz/capture_cluster_seeds.py
import os
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import RedisCluster  # noqa: E402

HEADER = 2222
TYPES = {"ping": 0, "pong": 1, "meet": 2, "fail": 3, "publish": 4, "auth_request": 5,
         "auth_ack": 6, "update": 7, "mfstart": 8, "publishshard": 10}


def message(header: bytes, type_: int, body: bytes, count: int = 0) -> bytes:
    h = bytearray(header)
    struct.pack_into("<HIH", h, 6, type_, HEADER + len(body), count)
    return bytes(h) + body


def read_message(sock) -> bytes:
    buf = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(buf) >= 12:
            total = struct.unpack_from("<I", buf, 8)[0]
            if len(buf) >= total:
                return buf[:total]
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    raise RuntimeError("no complete message from the node")


def main():
    binary = os.environ.get("STRATA_NODE_BIN")
    if not binary:
        sys.exit("set STRATA_NODE_BIN to our node binary")
    out_bus = os.path.join(HERE, "corpus", "cluster_bus")
    out_conf = os.path.join(HERE, "corpus", "nodes_conf")
    os.makedirs(out_bus, exist_ok=True)
    os.makedirs(out_conf, exist_ok=True)
    cluster = RedisCluster(binary=binary, node_timeout_ms=2000).start()
    try:
        master = cluster.masters()[0]
        replica = cluster.replicas_of(master.port)[0]
        for name, n in (("master", master), ("replica", replica)):
            with open(os.path.join(n.dir, "nodes.conf"), "rb") as f:
                data = f.read()
            with open(os.path.join(out_conf, name), "wb") as f:
                f.write(data)
        # A migration in flight: markers on the myself line of both ends.
        other = cluster.masters()[1]
        c, o = master.client(), other.client()
        mid, oid = c.execute_command("CLUSTER", "MYID"), o.execute_command("CLUSTER", "MYID")
        slot = next(s for s, e, m, _ in cluster.slot_map(master) if m == master.addr)
        o.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", mid)
        c.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", oid)
        c.execute_command("CLUSTER", "SAVECONFIG")
        o.execute_command("CLUSTER", "SAVECONFIG")
        for name, n in (("master-migrating", master), ("importing", other)):
            with open(os.path.join(n.dir, "nodes.conf"), "rb") as f:
                data = f.read()
            with open(os.path.join(out_conf, name), "wb") as f:
                f.write(data)
        c.execute_command("CLUSTER", "SETSLOT", slot, "STABLE")
        o.execute_command("CLUSTER", "SETSLOT", slot, "STABLE")
        # PING the bus port with the node's own-looking header; keep its PONG.
        with socket.create_connection((master.host, master.port + 10000), timeout=5) as s:
            probe = bytearray(HEADER)
            probe[0:4] = b"STcb"
            struct.pack_into("<H", probe, 4, 2)  # the bus version (cluster_wire.h kVersion)
            s.sendall(message(bytes(probe), TYPES["ping"], b""))
            pong = read_message(s)
        with open(os.path.join(out_bus, "pong-captured"), "wb") as f:
            f.write(pong)
        header = pong[:HEADER]
        count = struct.unpack_from("<H", pong, 12)[0]
        gossip = pong[HEADER:]
        name = header[40:80]
        seeds = {
            "ping": message(header, TYPES["ping"], gossip, count),
            "meet": message(header, TYPES["meet"], b"", 0),
            "fail": message(header, TYPES["fail"], gossip[:40] if gossip else name),
            "update": message(header, TYPES["update"],
                              struct.pack("<Q", 7) + name + header[172:172 + 2048]),
            "publish": message(header, TYPES["publish"],
                               struct.pack("<II", 4, 5) + b"chan" + b"hello"),
            "publishshard": message(header, TYPES["publishshard"],
                                    struct.pack("<II", 3, 0) + b"{a}"),
            "auth_request": message(header, TYPES["auth_request"], b""),
            "auth_ack": message(header, TYPES["auth_ack"], b""),
            "mfstart": message(header, TYPES["mfstart"], b""),
            "stream-two-pongs": pong + pong,
        }
        for k, v in seeds.items():
            with open(os.path.join(out_bus, k), "wb") as f:
                f.write(v)
        print(f"captured {len(seeds) + 1} bus seeds ({len(pong)}-byte PONG, {count} gossip) "
              f"and 4 nodes.conf files")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
