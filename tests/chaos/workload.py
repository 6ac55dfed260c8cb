# The chaos suite's workload and its history checker. Writer threads SET written-once keys
# (chaos:<scenario>:<writer>:<n> = v<n>:<writer>, unique values) through the proxy, each write
# followed by `WAIT 1 <ms>`; a reader thread GETs keys already sent. Every operation is recorded
# with its outcome: acked (SET answered OK), durable (and WAIT answered >= 1), failed (an error
# or a timeout: outcome unknown). check() reads every key back after the cluster healed and
# reports: durable writes lost (must be 0), values never written seen by a reader or at the
# end (must be 0), and the counts. Bounded: each thread stops at its deadline or on stop().
# Acked-but-not-durable writes may vanish (a stopped master resumed serves the SETs queued on its
# links before it learns it was demoted; its resync from the new master then drops them, in Redis
# 7.0 as in our node): only WAIT >= 1 makes a write count. That holds only if WAIT runs on the
# connection that wrote, which the proxy guarantees (tests/soak/README.md, issue 8's soak).
import random
import threading
import time

import redis


class Workload:
    def __init__(self, port: int, scenario: str, writers: int = 3, wait_ms: int = 300,
                 max_seconds: float = 120.0):
        self.port = port
        self.scenario = scenario
        self.writers = writers
        self.wait_ms = wait_ms
        self.deadline = time.monotonic() + max_seconds
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.written = {}      # key -> value sent (acknowledged or not)
        self.acked = set()     # keys whose SET answered OK
        self.durable = set()   # keys whose SET answered OK and WAIT 1 answered >= 1
        self.failed = 0        # operations with an error or a timeout
        self.bad_reads = []    # (key, value) read that was never written to that key
        self.reads = 0
        self.errors = []       # (monotonic time, error text), first 1000
        self.ok_times = []     # monotonic times of successful writes
        self.threads = []

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2,
                           socket_connect_timeout=1)

    def start(self):
        for w in range(self.writers):
            t = threading.Thread(target=self._writer, args=(w,), daemon=True)
            t.start()
            self.threads.append(t)
        t = threading.Thread(target=self._reader, daemon=True)
        t.start()
        self.threads.append(t)
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=10)
        if any(t.is_alive() for t in self.threads):
            raise RuntimeError("a workload thread did not stop")

    def running(self) -> bool:
        return not self.stop_event.is_set() and time.monotonic() < self.deadline

    def _error(self, e):
        with self.lock:
            self.failed += 1
            if len(self.errors) < 1000:
                self.errors.append((time.monotonic(), f"{type(e).__name__}: {e}"))

    def _writer(self, w: int):
        c = self.client()
        n = 0
        while self.running():
            n += 1
            key = f"chaos:{self.scenario}:{w}:{n}"
            value = f"v{n}:{w}"
            with self.lock:
                self.written[key] = value
            try:
                if c.set(key, value) is not True:
                    raise RuntimeError("SET did not answer OK")
                with self.lock:
                    self.acked.add(key)
                    self.ok_times.append(time.monotonic())
                if c.execute_command("WAIT", 1, self.wait_ms) >= 1:
                    with self.lock:
                        self.durable.add(key)
            except Exception as e:  # noqa: BLE001 - every failure is recorded, then retried
                self._error(e)
                c = self.client()
                time.sleep(0.05)
        c.close()

    def _reader(self):
        c = self.client()
        rng = random.Random(7)
        while self.running():
            with self.lock:
                keys = list(self.written.keys())[-500:]
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

    def check(self) -> dict:
        """Reads every key back (after healing) and returns the figures of the run."""
        c = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)
        keys = list(self.written.keys())
        present, lost, invented = 0, [], []
        for i in range(0, len(keys), 200):
            batch = keys[i:i + 200]
            for key, v in zip(batch, c.mget(batch)):
                if v is None:
                    if key in self.durable:
                        lost.append(key)
                    continue
                present += 1
                if v.decode() != self.written[key]:
                    invented.append((key, v))
        c.close()
        return {
            "sent": len(keys), "acked": len(self.acked), "durable": len(self.durable),
            "failed_ops": self.failed, "present": present, "lost_durable": lost,
            "invented": invented + self.bad_reads, "reads": self.reads,
        }
