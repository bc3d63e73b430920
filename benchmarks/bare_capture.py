"""The capture baseline as a person's quick script runs it: one process, one Chromium, and for each URL a
goto, a stepwise scroll and a full-page screenshot (no WARC, PDF, MHTML, DOM, record or custody).

    python benchmarks/bare_capture.py OUT_FOLDER URL [URL ...]

Run as a whole process by :mod:`benchmarks.process_speed` beside ``evidence-kit capture`` of the same
pages; it uses the same Chromium with the same launch arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path

SCROLL = """async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 800) {
        window.scrollTo(0, y); await new Promise(r => setTimeout(r, 50));
    }
}"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    from evidence_kit.capture.browser import LAUNCH_ARGS, find_chromium

    out, urls = Path(sys.argv[1]), sys.argv[2:]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=list(LAUNCH_ARGS))
        for number, url in enumerate(urls):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.evaluate(SCROLL)
            page.screenshot(path=str(out / f"{number:03}.png"), full_page=True)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
