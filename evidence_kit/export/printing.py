"""Printing a bundle's HTML documents to PDF with one headless Chromium, on a thread of its own.

An export starts the :class:`Printer` first, so Chromium starts while the evidence is copied; a stage
hands it a document (:meth:`Printer.print_later`) and goes on, and the export waits for the PDF only
before it writes the manifests (:meth:`evidence_kit.export.bag.BagWriter.adopt_later`). Printing a long
report is the largest fixed cost of an export (about 2.5 s for 340 pages on a 2-core machine): run after
the copies it would add to them, run beside them it mostly hides in them.

Pages print A4 with page numbers in the footer, and nothing but ``file:`` URLs may load: nothing leaves
the machine while printing.
"""

from __future__ import annotations

import html
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from ..capture.browser import LAUNCH_ARGS, find_chromium
from ..errors import OperationFailed

if TYPE_CHECKING:
    from playwright.sync_api import Page

# (HTML file, PDF file, footer text before the page number)
PrintJob = tuple[Path, Path, str]
_Item = tuple[list[PrintJob], Callable[[], None] | None, "Future[None]"]


def chromium_path(configured: str | None = None) -> str:
    """The same Chromium the captures use (settings or EVIDENCE_KIT_CHROMIUM, Playwright's own, Debian's)."""
    return find_chromium(configured)


class Printer:
    """One Chromium, started at once on a worker thread, printing documents in the order handed over."""

    def __init__(self, executable: str):
        self.executable = executable
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._finishing = False
        self._thread = threading.Thread(target=self._run, name="pdf-printer", daemon=True)
        self._thread.start()

    def print_later(self, jobs: list[PrintJob], ready: Callable[[], None] | None = None) -> Future[None]:
        """Print ``jobs`` once Chromium is up and ``ready()`` has returned (it waits for the files the
        pages show); the future fails with :class:`OperationFailed` if printing does."""
        done: Future[None] = Future()
        self._queue.put((jobs, ready, done))
        return done

    def finish_later(self) -> None:
        """Nothing more will be handed over: Chromium closes once the last document is printed, while the
        caller goes on (the export writes its manifests and its custody event meanwhile)."""
        if not self._finishing:
            self._finishing = True
            self._queue.put(None)

    def close(self) -> None:
        """Finish what was handed over, then close Chromium, and wait until it is closed."""
        self.finish_later()
        self._thread.join()

    def _run(self) -> None:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=self.executable, args=list(LAUNCH_ARGS))
                try:
                    page = browser.new_page()
                    page.route(
                        "**/*",
                        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
                    )
                    while (item := self._queue.get()) is not None:
                        jobs, ready, done = item
                        try:
                            if ready is not None:
                                ready()
                            for html_file, pdf_file, footer in jobs:
                                _print(page, html_file, pdf_file, footer)
                        except PlaywrightError as exc:
                            done.set_exception(OperationFailed(f"printing to PDF failed: {exc}"))
                        except BaseException as exc:  # a copy the page waited for failed its check
                            done.set_exception(exc)
                        else:
                            done.set_result(None)
                finally:
                    browser.close()
        except PlaywrightError as exc:  # Chromium did not start: every document handed over fails
            failure = OperationFailed(f"printing to PDF failed: {exc}")
            while (item := self._queue.get()) is not None:
                item[2].set_exception(failure)


def _print(page: Page, html_file: Path, pdf_file: Path, footer: str) -> None:
    footer_html = (
        f"<div style='font-size:8px;width:100%;text-align:center;color:#444'>"
        f"{html.escape(footer)} — <span class='pageNumber'></span> / "
        "<span class='totalPages'></span></div>"
    )
    page.goto(html_file.resolve().as_uri(), wait_until="load")
    page.pdf(
        path=str(pdf_file),
        format="A4",
        print_background=True,
        display_header_footer=True,
        header_template="<div></div>",
        footer_template=footer_html,
        margin={"top": "14mm", "bottom": "16mm", "left": "10mm", "right": "10mm"},
    )


def print_pdfs(
    jobs: list[PrintJob],
    executable: str | None = None,
    configured: str | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """Print HTML files to PDF with a Chromium of their own, and wait for them."""
    printer = Printer(executable or chromium_path(configured))
    try:
        printer.print_later(jobs, ready).result()
    finally:
        printer.close()
