# Integration-test harness: starts real processes on 127.0.0.1 (redis-server / our `node` as a
# 6-node Redis Cluster, a standalone redis-server oracle, the strata proxy), hands out free ports,
# speaks raw RESP2/RESP3, and guarantees every process it started is killed at the end.
# stdlib + redis-py 4.3.4 only; always run with /usr/bin/python3.
from .ports import allocate_ports, release_ports
from .procs import Proc, wait_until
from .slots import key_slot, keys_in_distinct_slots
from .resp import RespConn, RespError, NULL, Map, Push, Double
from .standalone import Standalone
from .cluster import RedisCluster
from .proxy import Proxy
from .target import Target, start_target
from .runner import main

__all__ = [
    "allocate_ports", "release_ports", "Proc", "wait_until", "key_slot", "keys_in_distinct_slots",
    "RespConn", "RespError", "NULL", "Map", "Push", "Double", "Standalone", "RedisCluster",
    "Proxy", "Target", "start_target", "main",
]
