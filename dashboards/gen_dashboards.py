#!/usr/bin/env python3
"""Writes the Grafana dashboards dashboards/strata-proxy.json and dashboards/strata-node.json.

The JSON files are what Grafana imports and what tests/integration/deploy/test_dashboards.py
queries against a live cluster; this script is how they are edited (one panel = one line below).
Every panel's datasource is the dashboard variable ${datasource} (type prometheus), so the
dashboards import into any Grafana with any Prometheus. Run: python3 dashboards/gen_dashboards.py
(--check: only verify that the JSON files match and are well-formed; CTest deploy.dashboards_json).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${datasource}"}
RI = "$__rate_interval"


def panel(title, exprs, unit="short", kind="timeseries", legend=None, desc="", stack=False):
    """exprs: list of (expr, legendFormat)."""
    targets = []
    for i, (expr, fmt) in enumerate(exprs):
        targets.append({"datasource": DS, "expr": expr, "legendFormat": fmt or "__auto",
                        "refId": chr(ord("A") + i), "range": True})
    p = {"type": kind, "title": title, "description": desc, "datasource": DS, "targets": targets,
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []}, "options": {}}
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal" if stack else "none"},
                                                  "fillOpacity": 10}
        p["options"] = {"legend": {"displayMode": "table", "placement": "bottom",
                                   "calcs": ["mean", "max", "lastNotNull"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    elif kind == "stat":
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background",
                        "graphMode": "area"}
    return p


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def layout(items):
    """Rows span the width; panels flow two per line (stats four per line)."""
    out, y, x, pid = [], 0, 0, 1
    line_h = 0
    for it in items:
        it["id"] = pid
        pid += 1
        if it["type"] == "row":
            if x:
                y += line_h
            x, line_h = 0, 0
            it["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
            y += 1
        else:
            w, h = (6, 4) if it["type"] == "stat" else (12, 8)
            if x + w > 24:
                y += line_h
                x, line_h = 0, 0
            it["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
            x += w
            line_h = max(line_h, h)
        out.append(it)
    return out


def dashboard(uid, title, desc, var_metric, items, tags):
    return {
        "uid": uid, "title": title, "description": desc, "tags": tags, "editable": True,
        "schemaVersion": 38, "version": 1, "timezone": "browser", "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "annotations": {"list": []},
        "templating": {"list": [
            {"name": "datasource", "label": "Prometheus", "type": "datasource",
             "query": "prometheus", "current": {}, "hide": 0},
            {"name": "instance", "label": "Instance", "type": "query", "datasource": DS,
             "query": {"query": f"label_values({var_metric}, instance)", "refId": "instance"},
             "definition": f"label_values({var_metric}, instance)", "refresh": 2,
             "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "hide": 0,
             "sort": 1},
        ]},
        "panels": layout(items),
    }


I = 'instance=~"$instance"'


def q(p, expr_pct):
    return (f'histogram_quantile({p}, sum by (command, le) '
            f'(rate(strata_proxy_command_duration_seconds_bucket{{{I}}}[{RI}])))', "{{command}} " + expr_pct)


proxy = dashboard(
    "strata-proxy", "strata / proxy",
    "The strata proxy: throughput, latency by command, errors, redirections, backends, connections.",
    "strata_proxy_commands_total",
    [
        row("Overview"),
        panel("Ops/s", [(f"sum(rate(strata_proxy_commands_total{{{I}}}[{RI}]))", "ops/s")],
              "ops", "stat"),
        panel("Error replies/s", [(f"sum(rate(strata_proxy_command_errors_total{{{I}}}[{RI}]))", "errors/s")],
              "ops", "stat"),
        panel("Slots covered", [(f"min(strata_proxy_slots_covered{{{I}}})", "slots")], "short", "stat",
              desc="Slots the proxy knows a master for (16384 = all)."),
        panel("Client connections", [(f'sum(strata_proxy_connections{{peer="client", {I}}})', "clients")],
              "short", "stat"),
        row("Throughput"),
        panel("Ops/s by command", [(f"sum by (command) (rate(strata_proxy_commands_total{{{I}}}[{RI}]))",
                                    "{{command}}")], "ops", stack=True),
        panel("Ops/s by proxy", [(f"sum by (instance) (rate(strata_proxy_commands_total{{{I}}}[{RI}]))",
                                  "{{instance}}")], "ops", stack=True),
        row("Latency"),
        panel("Latency p50 by command", [q(0.5, "p50")], "s"),
        panel("Latency p99 by command", [q(0.99, "p99")], "s"),
        panel("Latency p999 by command", [q(0.999, "p999")], "s"),
        panel("Mean latency by command", [(
            f"sum by (command) (rate(strata_proxy_command_duration_seconds_sum{{{I}}}[{RI}])) / "
            f"sum by (command) (rate(strata_proxy_command_duration_seconds_count{{{I}}}[{RI}]))",
            "{{command}}")], "s"),
        row("Errors"),
        panel("Error replies/s by command",
              [(f"sum by (command) (rate(strata_proxy_command_errors_total{{{I}}}[{RI}]))", "{{command}}")],
              "ops", desc="Commands answered with an error reply (any -ERR, -MOVED after max-redirects, ...)."),
        panel("Proxy errors/s by kind",
              [(f"sum by (kind) (rate(strata_proxy_errors_total{{{I}}}[{RI}]))", "{{kind}}")], "ops",
              desc="request_failed (no backend answer in time), protocol, auth, client limits, maxclients, accept (listener out of descriptors)."),
        row("Cluster"),
        panel("MOVED / ASK / TRYAGAIN per second",
              [(f"sum by (kind) (rate(strata_proxy_redirections_total{{{I}}}[{RI}]))", "{{kind}}")], "ops",
              desc="Redirections the proxy followed for its clients: high during resharding and failover."),
        panel("Backend health: connections per node",
              [(f"sum by (node) (strata_proxy_backend_up{{{I}}})", "{{node}}")], "short",
              desc="Open connections from the proxies to each node; 0 means the node is unreachable."),
        panel("Masters known and slots covered",
              [(f"min(strata_proxy_masters{{{I}}})", "masters"),
               (f"min(strata_proxy_slots_covered{{{I}}})", "slots covered")], "short"),
        panel("Slot map refreshes and changes per second",
              [(f"sum(rate(strata_proxy_slot_map_refreshes_total{{{I}}}[{RI}]))", "refreshes"),
               (f"sum(rate(strata_proxy_slot_map_changes_total{{{I}}}[{RI}]))", "changes")], "ops"),
        row("Connections and traffic"),
        panel("Connections",
              [(f"sum by (peer) (strata_proxy_connections{{{I}}})", "{{peer}}"),
               (f"sum(rate(strata_proxy_connections_total{{{I}}}[{RI}]))", "new clients/s")], "short"),
        panel("Requests in flight", [(f"sum by (instance) (strata_proxy_requests_in_flight{{{I}}})",
                                      "{{instance}}")], "short"),
        panel("Bytes/s", [(f"sum by (peer, direction) (rate(strata_proxy_bytes_total{{{I}}}[{RI}]))",
                           "{{peer}} {{direction}}")], "Bps"),
    ],
    ["strata", "redis", "proxy"],
)

N = 'instance=~"$instance"'
node = dashboard(
    "strata-node", "strata / nodes",
    "strata cluster nodes: slot coverage, cluster state, failovers, replication, memory, keys, ops/s.",
    "strata_node_up",
    [
        row("Cluster"),
        panel("Cluster state (min over nodes: 1 ok, 0 fail)",
              [(f"min(strata_node_cluster_state{{{N}}})", "state")], "short", "stat"),
        panel("Slots ok (min over nodes)", [(f"min(strata_node_cluster_slots_ok{{{N}}})", "slots ok")],
              "short", "stat"),
        panel("Nodes up", [(f"sum(strata_node_up{{{N}}})", "up")], "short", "stat"),
        panel("Failovers in range", [(f"sum(changes(strata_node_role_master{{{N}}}[$__range])) / 2",
                                      "role changes / 2")], "short", "stat",
              desc="Each failover flips two nodes' role (promoted replica, demoted master)."),
        panel("Slot coverage per node",
              [(f"strata_node_cluster_slots_assigned{{{N}}}", "{{instance}} assigned"),
               (f"strata_node_cluster_slots_ok{{{N}}}", "{{instance}} ok"),
               (f"strata_node_cluster_slots_pfail{{{N}}}", "{{instance}} pfail"),
               (f"strata_node_cluster_slots_fail{{{N}}}", "{{instance}} fail")], "short"),
        panel("Cluster state per node", [(f"strata_node_cluster_state{{{N}}}", "{{instance}}")], "short"),
        panel("Known nodes, cluster size, epochs",
              [(f"max(strata_node_cluster_known_nodes{{{N}}})", "known nodes"),
               (f"max(strata_node_cluster_size{{{N}}})", "masters with slots"),
               (f"max(strata_node_cluster_current_epoch{{{N}}})", "current epoch")], "short"),
        panel("Failovers: role and config epoch changes",
              [(f"sum by (instance) (changes(strata_node_role_master{{{N}}}[{RI}]))", "{{instance}} role"),
               (f"sum by (instance) (changes(strata_node_cluster_my_epoch{{{N}}}[{RI}]))", "{{instance}} epoch")],
              "short"),
        panel("Masters (1) and replicas (0)", [(f"strata_node_role_master{{{N}}}", "{{instance}}")], "short"),
        panel("Cluster bus messages/s by type",
              [(f"sum by (type) (rate(strata_node_cluster_bus_messages_sent_total{{{N}}}[{RI}]))", "sent {{type}}"),
               (f"sum by (type) (rate(strata_node_cluster_bus_messages_received_total{{{N}}}[{RI}]))",
                "received {{type}}")], "ops"),
        row("Replication"),
        panel("Replication lag (bytes)", [(f"strata_node_replication_lag_bytes{{{N}}}", "{{instance}}")], "bytes"),
        panel("Replication offset", [(f"strata_node_replication_offset_bytes{{{N}}}", "{{instance}}")], "bytes"),
        panel("Connected replicas per master",
              [(f"strata_node_connected_replicas{{{N}}} and strata_node_role_master{{{N}}} == 1", "{{instance}}")],
              "short"),
        panel("Master link up (replicas)",
              [(f"strata_node_master_link_up{{{N}}} and strata_node_role_master{{{N}}} == 0", "{{instance}}")],
              "short"),
        row("Memory and keys"),
        panel("Memory", [(f"strata_node_memory_used_bytes{{{N}}}", "{{instance}} used"),
                         (f"strata_node_memory_rss_bytes{{{N}}}", "{{instance}} rss"),
                         (f"strata_node_memory_max_bytes{{{N}}}", "{{instance}} maxmemory (0: none)")], "bytes"),
        panel("Keys and keys with a TTL", [(f"strata_node_keys{{{N}}}", "{{instance}} keys"),
                                           (f"strata_node_expires{{{N}}}", "{{instance}} expires")], "short"),
        panel("Evicted and expired keys/s",
              [(f"sum by (instance) (rate(strata_node_evicted_keys_total{{{N}}}[{RI}]))", "{{instance}} evicted"),
               (f"sum by (instance) (rate(strata_node_expired_keys_total{{{N}}}[{RI}]))", "{{instance}} expired")],
              "ops"),
        panel("Keyspace hit ratio",
              [(f"sum by (instance) (rate(strata_node_keyspace_hits_total{{{N}}}[{RI}])) / "
                f"(sum by (instance) (rate(strata_node_keyspace_hits_total{{{N}}}[{RI}])) + "
                f"sum by (instance) (rate(strata_node_keyspace_misses_total{{{N}}}[{RI}])))", "{{instance}}")],
              "percentunit"),
        row("Load"),
        panel("Ops/s by node", [(f"sum by (instance) (rate(strata_node_commands_total{{{N}}}[{RI}]))",
                                 "{{instance}}")], "ops", stack=True),
        panel("Ops/s by command", [(f"sum by (command) (rate(strata_node_commands_total{{{N}}}[{RI}]))",
                                    "{{command}}")], "ops", stack=True),
        panel("Command latency p99 by command",
              [(f"histogram_quantile(0.99, sum by (command, le) "
                f"(rate(strata_node_command_duration_seconds_bucket{{{N}}}[{RI}])))", "{{command}}")], "s"),
        panel("Clients", [(f"strata_node_connected_clients{{{N}}}", "{{instance}} connected"),
                          (f"strata_node_blocked_clients{{{N}}}", "{{instance}} blocked"),
                          (f"sum by (instance) (rate(strata_node_rejected_connections_total{{{N}}}[{RI}]))",
                           "{{instance}} rejected/s")], "short"),
        panel("Network bytes/s",
              [(f"sum by (instance) (rate(strata_node_net_input_bytes_total{{{N}}}[{RI}]))", "{{instance}} in"),
               (f"sum by (instance) (rate(strata_node_net_output_bytes_total{{{N}}}[{RI}]))", "{{instance}} out")],
              "Bps"),
        panel("AOF enabled and last write ok",
              [(f"strata_node_aof_enabled{{{N}}}", "{{instance}} enabled"),
               (f"strata_node_aof_last_write_ok{{{N}}}", "{{instance}} last write ok")], "short"),
    ],
    ["strata", "redis", "cluster"],
)

def check(d):
    """Structural checks Grafana relies on: unique ids, every panel placed, data source variable."""
    problems = []
    ids = [p["id"] for p in d["panels"]]
    if len(ids) != len(set(ids)):
        problems.append("duplicate panel ids")
    for p in d["panels"]:
        if "gridPos" not in p:
            problems.append(f"{p['title']}: no gridPos")
        if p["type"] != "row":
            if p["datasource"] != DS or any(t["datasource"] != DS for t in p["targets"]):
                problems.append(f"{p['title']}: data source is not ${{datasource}}")
            if not p["targets"] or any(not t["expr"] for t in p["targets"]):
                problems.append(f"{p['title']}: no query")
    return problems


if __name__ == "__main__":
    # --check: the JSON files are what this script writes (CTest deploy.dashboards_json).
    check_only = sys.argv[1:] == ["--check"]
    bad = 0
    for name, d in (("strata-proxy.json", proxy), ("strata-node.json", node)):
        text = json.dumps(d, indent=2) + "\n"
        path = os.path.join(HERE, name)
        for problem in check(d):
            print(f"{name}: {problem}")
            bad += 1
        if check_only:
            with open(path) as f:
                if f.read() != text:
                    print(f"{name} differs from gen_dashboards.py: run python3 dashboards/gen_dashboards.py")
                    bad += 1
        else:
            with open(path, "w") as f:
                f.write(text)
    print(f"dashboards: {bad} problem(s)")
    sys.exit(1 if bad else 0)
