# A private LAN for the chaos suite, so one node can be cut off the network: a Linux bridge in
# the test's own network namespace with address 10.214.<k>.254/24, and one network namespace per
# node joined to it by a veth pair (node i at 10.214.<k>.<i+1>). The host side (proxy, redis-cli,
# the test) reaches every node through the bridge; nodes reach each other through it too.
# partition(i) takes node i's link down (its connections stall, new ones time out: a real
# partition, in both directions); heal(i) brings it back. destroy() removes every namespace and
# link it made (also at exit). Needs root (CAP_NET_ADMIN); traffic never leaves this machine.
import atexit
import os
import subprocess


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10,
                          check=check)


class NetnsLan:
    def __init__(self, count: int):
        tag = os.getpid() % 10000
        self.subnet = 10 + (os.getpid() % 200)
        self.bridge = f"stbr{tag}"
        self.count = count
        self.names = [f"strata-chaos-{tag}-{i}" for i in range(count)]
        self.host_links = [f"st{tag}h{i}" for i in range(count)]
        self.made = False

    def ip(self, i: int) -> str:
        return f"10.214.{self.subnet}.{i + 1}"

    def prefix(self, i: int) -> list:
        return ["ip", "netns", "exec", self.names[i]]

    def create(self):
        self.made = True
        atexit.register(self.destroy)
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"10.214.{self.subnet}.254/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for i, (ns, host) in enumerate(zip(self.names, self.host_links)):
            peer = f"{host}c"
            _ip("netns", "add", ns)
            _ip("link", "add", host, "type", "veth", "peer", "name", peer)
            _ip("link", "set", peer, "netns", ns)
            _ip("link", "set", host, "master", self.bridge)
            _ip("link", "set", host, "up")
            _ip("-n", ns, "addr", "add", f"{self.ip(i)}/24", "dev", peer)
            _ip("-n", ns, "link", "set", peer, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "route", "add", "default", "via", f"10.214.{self.subnet}.254")
        return self

    def partition(self, i: int):
        _ip("link", "set", self.host_links[i], "down")

    def heal(self, i: int):
        _ip("link", "set", self.host_links[i], "up")

    def destroy(self):
        if not self.made:
            return
        self.made = False
        for ns, host in zip(self.names, self.host_links):
            _ip("link", "del", host, check=False)
            _ip("netns", "del", ns, check=False)
        _ip("link", "del", self.bridge, check=False)
