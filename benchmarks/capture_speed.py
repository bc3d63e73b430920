"""Capture speed on the bundled sample site, with one warm browser (issue 4 target: the full artefact set
in under 1.5 s per normal page, video aside).

    python -m benchmarks.capture_speed [--rounds 2] [--concurrency 1] [--video]

Prints, per capture, the time between progress reports (what a user waits per page, storing and the
custody event included) and the browser steps that took longest; then the median and the total, and the
ratio to a baseline measured in the same run on the same pages and the same Chromium: a bare Playwright
goto + stepwise scroll + full-page screenshot (what a person's quick script does, with no WARC, PDF,
MHTML, DOM, record or custody).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from evidence_kit import config
from evidence_kit.capture import CaptureOptions, capture_urls
from evidence_kit.case import Case
from evidence_kit.sample_site.serve import start


def bare_playwright(urls: list[str]) -> list[float]:
    """Seconds per page for goto + scroll in steps + full-page screenshot, one warm browser."""
    from playwright.sync_api import sync_playwright

    from evidence_kit.capture.browser import LAUNCH_ARGS, find_chromium

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=list(LAUNCH_ARGS))
        for url in urls:
            began = time.monotonic()
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.evaluate("""async () => {
                for (let y = 0; y < document.body.scrollHeight; y += 800) {
                    window.scrollTo(0, y); await new Promise(r => setTimeout(r, 50));
                }
            }""")
            page.screenshot(full_page=True)
            context.close()
            times.append(time.monotonic() - began)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each sample page is captured")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--video", action="store_true", help="record and encode video too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as folder:
        root = Path(folder)
        settings = config.Settings(home=root / "cases", keys_dir=root / "keys")
        case = Case.create(settings, "BENCH", "capture speed", "Benchmark")
        options = CaptureOptions(timeout=60, video=args.video, allow_private=True, concurrency=args.concurrency)
        stamps: list[float] = []
        with start() as site, case:
            urls = site.pages * args.rounds
            began = time.monotonic()
            results = capture_urls(
                case,
                case.identity(),
                urls,
                options,
                on_progress=lambda done, total: stamps.append(time.monotonic()),
            )
            total = time.monotonic() - began
        gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
        for result, gap in zip(results, gaps, strict=False):
            slow = sorted(result.record["timings"].items(), key=lambda kv: -kv[1])[:3]
            print(
                f"{gap:5.2f} s  {result.status:8}  {result.url.rsplit('/', 1)[1]:14}  "
                + ", ".join(f"{k} {v:.2f}" for k, v in slow)
            )
        steady = gaps[1:] or gaps
        with start() as site:
            bare = bare_playwright(site.pages * args.rounds)
        bare_median = statistics.median(bare[1:] or bare)
        print(f"baseline: bare Playwright goto + scroll + full-page screenshot, median {bare_median:.2f} s per page")
        print(f"evidence-kit full capture / baseline: {statistics.median(steady) / bare_median:.2f}x")
        print(
            f"{len(results)} captures in {total:.1f} s (browser launch and after-ingest steps included); "
            f"median per page {statistics.median(steady):.2f} s after the first; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
