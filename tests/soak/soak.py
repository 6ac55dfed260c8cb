#!/usr/bin/python3
# The soak (issue 8): on demand, not in CI. Starts a 6-node cluster of our node (3 masters + 3
# replicas, formed with the real `redis-cli --cluster create`: tests/integration/harness) and the
# strata proxy in front, then for --minutes runs, through the proxy,
#   - the chaos suite's lost-write workload (tests/chaos/workload.py: written-once keys,
#     SET + WAIT 1, a reader), whose history is checked at the end, and
#   - a mixed workload (GET/SET/INCR/HSET/HGETALL/LPUSH+LTRIM/SADD/ZADD/ZRANGE/MGET/DEL over a
#     fixed key space) whose per-command latency is recorded,
# with one fault every --fault-every seconds, rotating: kill -9 a master and restart it (it
# rejoins as a replica), SIGSTOP a master past the node timeout then SIGCONT, kill -9 the proxy
# and start it again, kill -9 a replica and restart it. Every --sample-every seconds a sampler
# records the RSS of every node and of the proxy, the latency percentiles of the mixed workload
# in that window, its throughput and errors. At the end it checks the history (no write
# acknowledged under WAIT lost, no value never written read) and writes, under --out:
#   report.md   summary, faults with their recovery times, RSS and latency over time
#   samples.csv one row per sample          soak.png  RSS and latency plot (if matplotlib)
# Exit status 0 when the history is clean and every fault recovered, 1 otherwise.
#
#   nice /usr/bin/python3 tests/soak/soak.py --minutes 30 --out tests/soak/results/<date>
#
# Binaries: STRATA_NODE_BIN (default build/node/node), STRATA_PROXY_BIN (default
# build/proxy/proxy). Every wait is bounded; every process started is killed at exit (harness).
import argparse
import csv
import datetime
import itertools
import os
import random
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(REPO, "tests", "chaos"))

import redis  # noqa: E402

from harness import Proxy, RedisCluster, wait_until  # noqa: E402
from harness import procs  # noqa: E402
from workload import Workload  # noqa: E402

FAULTS = ["kill9_master", "sigstop_master", "kill9_proxy", "kill9_replica"]
RECOVERY_TIMEOUT = 60.0


def log(msg: str):
    stamp = datetime.datetime.utcnow().strftime("%H:%M:%S")
    print(f"[soak {stamp}] {msg}", file=sys.stderr, flush=True)


def rss_kb(pid):
    """Resident set size of pid in KiB, or None when it is gone."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def percentile(sorted_values, p: float):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, int(round(p / 100.0 * (len(sorted_values) - 1))))
    return sorted_values[i]


class SoakWorkload(Workload):
    """The chaos workload, with a reader that picks among the newest 500 keys without copying
    every key written (the chaos reader's list(keys) is O(keys) per read: fine for seconds, a
    slowdown of its own over 30 minutes)."""

    def _reader(self):
        c = self.client()
        rng = random.Random(7)
        while self.running():
            with self.lock:
                keys = list(itertools.islice(reversed(self.written), 500))
            if not keys:
                time.sleep(0.01)
                continue
            key = rng.choice(keys)
            try:
                v = c.get(key)
            except Exception:  # noqa: BLE001 - reads during a fault may fail
                c = self.client()
                time.sleep(0.05)
                continue
            with self.lock:
                self.reads += 1
                if v is not None and v.decode() != self.written[key]:
                    self.bad_reads.append((key, v))
        c.close()


class MixedLoad:
    """Threads running a mix of commands through the proxy over a fixed key space; each command's
    latency goes into the current window, which the sampler swaps out every sample period."""

    KEYS = 10000

    def __init__(self, port: int, threads: int, deadline: float):
        self.port, self.nthreads, self.deadline = port, threads, deadline
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.window = []       # latencies (ms) since the last sample
        self.window_errors = 0
        self.total_ops = 0
        self.total_errors = 0
        self.threads = []

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2,
                           socket_connect_timeout=1)

    def start(self):
        for i in range(self.nthreads):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=10)

    def take_window(self):
        with self.lock:
            w, e = self.window, self.window_errors
            self.window, self.window_errors = [], 0
        return w, e

    def _op(self, c, rng):
        k = rng.randrange(self.KEYS)
        key = f"soak:mix:{{{k % 512}}}:{k}"
        r = rng.random()
        if r < 0.30:
            c.get(key)
        elif r < 0.50:
            c.set(key, "x" * rng.choice((8, 64, 512, 4096)))
        elif r < 0.58:
            c.incr(f"soak:ctr:{k}")
        elif r < 0.66:
            c.hset(f"soak:h:{k % 1000}", f"f{k % 50}", k)
        elif r < 0.70:
            c.hgetall(f"soak:h:{k % 1000}")
        elif r < 0.76:
            p = c.pipeline(transaction=False)
            p.lpush(f"soak:l:{k % 500}", k)
            p.ltrim(f"soak:l:{k % 500}", 0, 99)
            p.execute()
        elif r < 0.82:
            c.sadd(f"soak:s:{k % 500}", k % 200)
        elif r < 0.88:
            c.zadd(f"soak:z:{k % 500}", {f"m{k % 300}": k})
        elif r < 0.91:
            c.zrange(f"soak:z:{k % 500}", 0, 9, withscores=True)
        elif r < 0.97:
            c.mget([f"soak:mix:{{{j % 512}}}:{j}" for j in
                    (rng.randrange(self.KEYS) for _ in range(8))])
        else:
            c.delete(key)

    def _run(self, i: int):
        rng = random.Random(1000 + i)
        c = self.client()
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            t0 = time.perf_counter()
            try:
                self._op(c, rng)
                ms = (time.perf_counter() - t0) * 1000.0
                with self.lock:
                    self.window.append(ms)
                    self.total_ops += 1
            except Exception:  # noqa: BLE001 - errors during faults are counted, then retried
                with self.lock:
                    self.window_errors += 1
                    self.total_errors += 1
                c = self.client()
                time.sleep(0.05)
        c.close()


class Sampler(threading.Thread):
    """Every `period` seconds: RSS of every node and the proxy, and the mixed load's latency
    percentiles, throughput and errors over the window. Rows go to samples.csv as they come."""

    def __init__(self, soak, period: float, csv_path: str):
        super().__init__(daemon=True)
        self.soak, self.period, self.csv_path = soak, period, csv_path
        self.stop_event = threading.Event()
        self.rows = []

    def columns(self):
        names = [f"node{n.index}_rss_mb" for n in self.soak.cluster.nodes]
        return ["t_s", "ops_per_s", "errors", "p50_ms", "p90_ms", "p99_ms", "p999_ms",
                "max_ms", *names, "proxy_rss_mb", "lost_write_load_acked"]

    def run(self):
        with open(self.csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(self.columns())
            last = time.monotonic()
            while not self.stop_event.wait(self.period):
                now = time.monotonic()
                lat, errors = self.soak.mixed.take_window()
                lat.sort()
                mb = lambda kb: None if kb is None else round(kb / 1024.0, 1)  # noqa: E731
                rss = [mb(rss_kb(n.proc.pid if n.proc and n.alive() else None))
                       for n in self.soak.cluster.nodes]
                proxy = self.soak.proxy.proc
                row = [round(now - self.soak.started, 1), round(len(lat) / (now - last), 1),
                       errors, *[None if percentile(lat, p) is None else round(percentile(lat, p), 2)
                                 for p in (50, 90, 99, 99.9, 100)],
                       *rss, mb(rss_kb(proxy.pid if proxy and proxy.alive() else None)),
                       len(self.soak.writes.acked)]
                last = now
                self.rows.append(row)
                w.writerow(row)
                f.flush()


class Soak:
    def __init__(self, args):
        self.args = args
        self.events = []   # dicts: t_s, fault, target, ok, recovery_s, note

    # ---- faults ----------------------------------------------------------------------------
    def role_of(self, node):
        role = node.client(socket_timeout=2).execute_command("ROLE")
        return ("master", None) if role[0] == "master" else ("slave", int(role[2]))

    def master_with_replica(self):
        masters = self.cluster.masters()
        random.Random(len(self.events)).shuffle(masters)
        for m in masters:
            reps = self.cluster.replicas_of(m.port)
            if reps:
                return m, reps[0]
        raise RuntimeError("no master with a replica")

    def wait_promoted(self, replica):
        wait_until(lambda: self.role_of(replica)[0] == "master", RECOVERY_TIMEOUT,
                   f"{replica.addr} to be promoted", interval=0.2)

    def wait_rejoined(self, master):
        wait_until(lambda: self.role_of(master)[0] == "slave", RECOVERY_TIMEOUT,
                   f"{master.addr} to rejoin as a replica", interval=0.2)

    def fault(self, name: str):
        """Injects and heals one fault; returns a description of its target."""
        if name == "kill9_master":
            m, r = self.master_with_replica()
            self.cluster.kill9(m.port)
            self.wait_promoted(r)
            self.cluster.restart(m.port)
            self.wait_rejoined(m)
            return f"{m.addr} (replica {r.addr} promoted)"
        if name == "sigstop_master":
            m, r = self.master_with_replica()
            os.kill(m.proc.pid, signal.SIGSTOP)
            try:
                self.wait_promoted(r)
            finally:
                os.kill(m.proc.pid, signal.SIGCONT)
            self.wait_rejoined(m)
            return f"{m.addr} (replica {r.addr} promoted)"
        if name == "kill9_proxy":
            self.proxy.proc.kill9()
            time.sleep(0.5)
            self.proxy.restart()
            return f"proxy :{self.proxy.port}"
        if name == "kill9_replica":
            _, r = self.master_with_replica()
            self.cluster.kill9(r.port)
            time.sleep(1.0)
            self.cluster.restart(r.port)
            return r.addr
        raise ValueError(name)

    def repair(self):
        """After a failed fault: every node and the proxy running and not stopped."""
        for n in self.cluster.nodes:
            if n.proc and n.alive():
                os.kill(n.proc.pid, signal.SIGCONT)
            elif n.proc:
                try:
                    self.cluster.restart(n.port)
                except Exception as e:  # noqa: BLE001 - reported, the soak goes on
                    log(f"repair: {n.addr} did not restart: {e}")
        if not self.proxy.proc.alive():
            try:
                self.proxy.restart()
            except Exception as e:  # noqa: BLE001
                log(f"repair: proxy did not restart: {e}")

    def wait_writes_served(self, since: float):
        wait_until(lambda: any(t > since for t in list(self.writes.ok_times[-50:])),
                   RECOVERY_TIMEOUT, "writes through the proxy to succeed again")

    # ---- run -------------------------------------------------------------------------------
    def run(self) -> int:
        a = self.args
        os.makedirs(a.out, exist_ok=True)
        total = a.minutes * 60.0
        log(f"starting 6 nodes ({self.node_bin}) and the proxy ({self.proxy_bin})")
        self.cluster = RedisCluster(binary=self.node_bin, node_timeout_ms=a.node_timeout).start()
        self.proxy = Proxy([n.addr for n in self.cluster.nodes[:3]], binary=self.proxy_bin).start()
        self.started = time.monotonic()
        end = self.started + total
        self.writes = SoakWorkload(self.proxy.port, "soak", writers=a.writers,
                               max_seconds=total + 900).start()
        self.mixed = MixedLoad(self.proxy.port, a.threads, end + 900).start()
        self.sampler = Sampler(self, a.sample_every, os.path.join(a.out, "samples.csv"))
        self.sampler.start()
        log(f"load running for {a.minutes} min, a fault every {a.fault_every} s")
        i = 0
        try:
            while True:
                due = self.started + (i + 1) * a.fault_every
                if due >= end:
                    break
                time.sleep(max(0.0, due - time.monotonic()))
                name = FAULTS[i % len(FAULTS)]
                i += 1
                t0 = time.monotonic()
                ev = {"t_s": round(t0 - self.started), "fault": name, "target": "", "ok": False,
                      "recovery_s": None, "note": ""}
                try:
                    ev["target"] = self.fault(name)
                    self.cluster.wait_converged(RECOVERY_TIMEOUT)
                    self.wait_writes_served(time.monotonic())
                    ev["ok"] = True
                except Exception as e:  # noqa: BLE001 - recorded in the report, soak goes on
                    ev["note"] = f"{type(e).__name__}: {e}"[:300]
                    log(f"fault {name} FAILED: {ev['note']}")
                    self.repair()
                ev["recovery_s"] = round(time.monotonic() - t0, 1)
                self.events.append(ev)
                log(f"fault {i} {name} {ev['target']}: ok={ev['ok']} "
                    f"recovered in {ev['recovery_s']} s; acked={len(self.writes.acked)} "
                    f"mixed ops={self.mixed.total_ops}")
            time.sleep(max(0.0, end - time.monotonic()))
        finally:
            self.sampler.stop_event.set()
            self.mixed.stop()
            self.writes.stop()
        self.sampler.join(timeout=30)
        converged = True
        try:
            self.cluster.wait_converged(RECOVERY_TIMEOUT)
        except Exception as e:  # noqa: BLE001
            converged = False
            log(f"cluster not converged at the end: {e}")
        log(f"checking {len(self.writes.written)} written keys")
        self.check = self.writes.check()
        self.converged = converged
        self.write_report()
        clean = (converged and not self.check["lost_durable"] and not self.check["invented"]
                 and all(e["ok"] for e in self.events))
        return 0 if clean else 1

    # ---- report ----------------------------------------------------------------------------
    def write_report(self):
        a, rows, cols = self.args, self.sampler.rows, self.sampler.columns()
        c = self.check
        col = lambda name: [r[cols.index(name)] for r in rows]  # noqa: E731
        nums = lambda xs: [x for x in xs if x is not None]  # noqa: E731
        lines = [f"# Soak report: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC", "",
                 f"- duration: {a.minutes} min; a fault every {a.fault_every} s "
                 f"({len(self.events)} faults: {', '.join(FAULTS)} in rotation); samples every "
                 f"{a.sample_every} s; node timeout {a.node_timeout} ms",
                 f"- node binary `{self.node_bin}`, proxy binary `{self.proxy_bin}`; 6 nodes "
                 "(3 masters + 3 replicas, AOF on), proxy with 2 threads; machine load from "
                 "other work not controlled (2 cores shared)",
                 f"- host load average at the end: {os.getloadavg()[0]:.2f}", "",
                 "## Verdict", "",
                 f"- lost-write history: sent={c['sent']} acked={c['acked']} "
                 f"durable (WAIT 1 >= 1)={c['durable']} failed_ops={c['failed_ops']} "
                 f"present={c['present']} reads={c['reads']}",
                 f"- **lost durable writes: {len(c['lost_durable'])}**, **values never written "
                 f"read: {len(c['invented'])}**",
                 f"- faults recovered: {sum(e['ok'] for e in self.events)}/{len(self.events)}; "
                 f"cluster converged at the end: {self.converged}",
                 f"- mixed load: {self.mixed.total_ops} ops, {self.mixed.total_errors} errors "
                 "(errors are expected while a fault is on: a dead master's slots, a dead "
                 "proxy)", ""]
        if c["lost_durable"]:
            lines += ["first lost keys: " + ", ".join(c["lost_durable"][:10]), ""]
        if c["invented"]:
            lines += ["first invented: " + ", ".join(map(str, c["invented"][:10])), ""]
        rec = sorted(e["recovery_s"] for e in self.events if e["ok"])
        for name in FAULTS:
            rs = sorted(e["recovery_s"] for e in self.events if e["fault"] == name and e["ok"])
            if rs:
                lines.append(f"- {name}: {len(rs)} times, recovery median {percentile(rs, 50)} s,"
                             f" max {rs[-1]} s")
        if rec:
            lines.append("")
        lines += ["## Memory (RSS, MiB)", "",
                  "A node killed and restarted starts again from its AOF, so its RSS drops then.",
                  "", "| process | first | last | min | max |", "|---|---|---|---|---|"]
        for name in cols:
            if name.endswith("_rss_mb"):
                v = nums(col(name))
                if v:
                    lines.append(f"| {name[:-7]} | {v[0]} | {v[-1]} | {min(v)} | {max(v)} |")
        lines += ["", f"## Mixed-load latency through the proxy (ms, per {a.sample_every:g} s window)", "",
                  "Measured by redis-py in Python threads (GIL included): compare runs, not "
                  "absolute figures.", ""]
        ok_rows = [r for r in rows if r[cols.index("p50_ms")] is not None]
        if ok_rows:
            for name in ("p50_ms", "p99_ms", "p999_ms", "max_ms", "ops_per_s"):
                v = sorted(nums(col(name)))
                lines.append(f"- {name}: median over windows {percentile(v, 50)}, "
                             f"worst window {v[-1]}")
            half = len(ok_rows) // 2
            first = sorted(r[cols.index("p99_ms")] for r in ok_rows[:half] or ok_rows)
            second = sorted(r[cols.index("p99_ms")] for r in ok_rows[half:])
            lines.append(f"- p99 median, first half {percentile(first, 50)} ms vs second half "
                         f"{percentile(second, 50)} ms")
        lines += ["", "## Faults", "", "| t (s) | fault | target | ok | recovery (s) | note |",
                  "|---|---|---|---|---|---|"]
        for e in self.events:
            lines.append(f"| {e['t_s']} | {e['fault']} | {e['target']} | {e['ok']} | "
                         f"{e['recovery_s']} | {e['note']} |")
        lines += ["", "Recovery = fault injected until healed, every node cluster_state:ok with "
                  "one slot map and replicas synced, and a write through the proxy acknowledged.",
                  "", "## Samples", "", "Every sample is in `samples.csv`."]
        if self.plot(rows, cols):
            lines += ["", "![RSS and latency](soak.png)"]
        with open(os.path.join(a.out, "report.md"), "w") as f:
            f.write("\n".join(lines) + "\n")
        log(f"report written to {os.path.join(a.out, 'report.md')}")

    def plot(self, rows, cols) -> bool:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return False
        t = [r[0] / 60.0 for r in rows]
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
        for name in cols:
            if name.endswith("_rss_mb"):
                ax1.plot(t, [r[cols.index(name)] for r in rows], label=name[:-7])
        ax1.set_ylabel("RSS (MiB)")
        ax1.legend(fontsize=7, ncol=4)
        for name in ("p50_ms", "p99_ms", "p999_ms"):
            ax2.plot(t, [r[cols.index(name)] for r in rows], label=name[:-3])
        ax2.set_yscale("log")
        ax2.set_ylabel("latency (ms)")
        ax2.set_xlabel("minutes")
        for e in self.events:
            ax2.axvline(e["t_s"] / 60.0, color="grey", alpha=0.3, lw=0.8)
        ax2.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(self.args.out, "soak.png"), dpi=80)
        plt.close(fig)
        return True


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--fault-every", type=float, default=60.0, help="seconds between faults")
    p.add_argument("--sample-every", type=float, default=10.0)
    p.add_argument("--node-timeout", type=int, default=2000, help="cluster-node-timeout, ms")
    p.add_argument("--writers", type=int, default=3, help="lost-write workload writer threads")
    p.add_argument("--threads", type=int, default=2, help="mixed workload threads")
    p.add_argument("--out", default=os.path.join(
        HERE, "results", datetime.datetime.utcnow().strftime("%Y%m%d-%H%M")))
    args = p.parse_args()
    soak = Soak(args)
    soak.node_bin = os.environ.get("STRATA_NODE_BIN") or os.path.join(REPO, "build", "node", "node")
    soak.proxy_bin = (os.environ.get("STRATA_PROXY_BIN")
                      or os.path.join(REPO, "build", "proxy", "proxy"))
    for b in (soak.node_bin, soak.proxy_bin):
        if not os.access(b, os.X_OK):
            sys.exit(f"not executable: {b} (build it, or set STRATA_NODE_BIN/STRATA_PROXY_BIN)")
    rc = 1
    try:
        rc = soak.run()
    finally:
        if rc != 0:
            procs.keep_temp_dirs = True
            log("process logs kept under /tmp/strata-it-*")
        try:
            soak.proxy.stop()
        except Exception:  # noqa: BLE001 - nothing started yet, or already gone
            pass
        try:
            soak.cluster.stop()
        except Exception:  # noqa: BLE001
            pass
    sys.exit(rc)


if __name__ == "__main__":
    main()
