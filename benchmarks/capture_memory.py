"""Peak memory of a capture of hostile pages: of this process and of the browser's whole process tree.

    python -m benchmarks.capture_memory [--mb 300] [--timeout 60]

Pages, served on 127.0.0.1 (the test site): an HTML document of ``--mb`` megabytes generated as it is
sent, a script that fills V8's heap, a script that allocates typed arrays without end, and an ordinary
page for comparison. Each is captured on its own, with the default bounds (docs/capture-record.md):
the browser tree is sampled every 0.1 s by this benchmark, beside the capture's own watchdog. Prints per
page the capture's time, status and first reason, the browser tree's peak RSS, and this process's
peak RSS (``ru_maxrss``, which only grows: read it as the high-water mark after that page).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from evidence_kit import config
from evidence_kit.capture import CaptureOptions, capture_urls
from evidence_kit.capture.bounds import MIB, Bounds
from evidence_kit.capture.watchdog import browser_tree
from evidence_kit.case import Case
from tests.fixtures.site import _normal, make_handler


class TreeSampler:
    """The browser tree's peak RSS, sampled on a thread while a capture runs."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, sum(p.rss for p in browser_tree()))

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="size of the generated HTML document")
    parser.add_argument("--timeout", type=float, default=60.0, help="capture deadline per page, seconds")
    args = parser.parse_args()
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(stop, _normal(), b""))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = ["/normal", f"/huge?mb={args.mb}", "/heap-hog", "/memory-hog"]
    bounds = Bounds()
    print(
        f"bounds: body {bounds.body_bytes // MIB} MiB, capture {bounds.capture_bytes // MIB} MiB, renderer heap "
        f"{bounds.renderer_heap_mb} MiB, browser tree {bounds.browser_rss_mb} MiB; deadline {args.timeout:g} s"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="ek-bench-memory-") as folder:
            root = Path(folder)
            settings = config.Settings(home=root / "cases", keys_dir=root / "keys")
            with Case.create(settings, "BENCH-MEMORY", "capture memory", "Benchmark") as case:
                options = CaptureOptions(timeout=args.timeout, video=False, allow_private=True, bounds=bounds)
                for path in pages:
                    began = time.monotonic()
                    with TreeSampler() as sampler:
                        [result] = capture_urls(case, case.identity(), [base + path], options)
                    took = time.monotonic() - began
                    ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
                    reason = result.errors[0] if result.errors else ""
                    print(
                        f"{path:14} {took:6.1f} s  {result.status:8}  browser tree peak "
                        f"{sampler.peak // MIB:5} MiB  this process peak {ours:5} MiB  {reason[:90]}"
                    )
    finally:
        stop.set()
        server.shutdown()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
