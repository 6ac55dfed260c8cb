# unittest entry point for every integration suite: verbose run, then a summary that counts
# passed, failed and skipped separately (a skip is never a pass) and lists every skip reason.
# Exit status: 0 all ran tests passed, 1 any failure/error (or nothing ran), 77 everything
# skipped (CTest SKIP_RETURN_CODE). On failure, prints the tail of every fixture process log and
# keeps the temp dirs. SIGTERM/Ctrl-C end the run with 143 and the atexit cleanup still kills servers.
import signal
import sys
import unittest
from typing import NoReturn  # noqa: F401 (main's annotation)

from . import procs

SKIPPED_ALL = 77


class _Result(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test)


def _print_logs():
    """Proxy logs always; other servers' logs only if they exited on their own."""
    for p in procs.all_procs():
        crashed = p.popen is not None and p.popen.poll() not in (None, -9)
        if p.name.startswith("proxy") or crashed:
            print(f"\n--- tail of {p.log_path} ({p.name}) ---\n{p.log_tail()}", file=sys.stderr)


def _on_sigterm(*_):
    raise KeyboardInterrupt("SIGTERM")  # unittest re-raises this one instead of recording it


def main(module: str = "__main__") -> "NoReturn":
    """Runs the suite and exits the process with its status, so a suite that ends with a bare
    `main()` cannot report success to CTest while its checks fail."""
    sys.exit(_run(module))


def _run(module: str) -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=_Result, stream=sys.stderr)
    try:
        prog = unittest.main(module=module, testRunner=runner, exit=False)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping every started process", file=sys.stderr)
        return 143
    r = prog.result
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    print("\n==== summary ====", file=sys.stderr)
    for test, reason in r.skipped:
        print(f"SKIPPED {test.id()}: {reason}", file=sys.stderr)
    for test, _ in r.failures + r.errors:
        print(f"FAILED  {test.id()}", file=sys.stderr)
    print(f"{len(r.passed)} passed, {failed} failed, {len(r.skipped)} skipped", file=sys.stderr)
    if failed:
        procs.keep_temp_dirs = True
        _print_logs()
        print(f"temp dirs kept: {' '.join(procs.temp_dirs())}", file=sys.stderr)
        return 1
    if r.testsRun == 0:
        print("no test ran", file=sys.stderr)
        return 1
    if len(r.skipped) == r.testsRun:
        return SKIPPED_ALL
    return 0
