"""Printing a bundle's HTML documents to PDF with one headless Chromium, on a thread of its own.

An export starts the :class:`Printer` first, so Chromium starts while the evidence is copied; a stage
hands it a document (:meth:`Printer.print_later`) and goes on, and the export waits for the PDF only
before it writes the manifests (:meth:`evidence_kit.export.bag.BagWriter.adopt_later`). Chromium is the
largest fixed cost of an export (measured for the 60-page report of 320 added files on a 2-core machine:
about 2.8 s of processor time to start it, load the report, print it and close it, 0.9 s less than
through Playwright): run after the copies it would add to them, run beside them it shares the cores.

Pages print A4 with the footer and page numbers in a CSS page-margin box
(:func:`.chromium_pipe.footer_css`). Chromium is driven over a DevTools pipe without
Playwright (:mod:`.chromium_pipe`), and nothing but local files may load: nothing leaves the machine
while printing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from ..capture.browser import find_chromium
from ..errors import OperationFailed
from .chromium_pipe import Chromium, ChromiumError

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
        chromium: Chromium | None = None
        try:
            chromium = Chromium(self.executable)
            page = chromium.open_page()
        except ChromiumError as exc:  # Chromium did not start: every document handed over fails
            if chromium is not None:
                chromium.close()
            failure = OperationFailed(f"printing to PDF failed: {exc}")
            while (failed := self._queue.get()) is not None:
                failed[2].set_exception(failure)
            return
        try:
            while (item := self._queue.get()) is not None:
                jobs, ready, done = item
                try:
                    if ready is not None:
                        ready()
                    for html_file, pdf_file, footer in jobs:
                        _print(chromium, page, html_file, pdf_file, footer)
                except ChromiumError as exc:
                    done.set_exception(OperationFailed(f"printing to PDF failed: {exc}"))
                except BaseException as exc:  # a copy the page waited for failed its check
                    done.set_exception(exc)
                else:
                    done.set_result(None)
        finally:
            chromium.close()


def _print(chromium: Chromium, page: str, html_file: Path, pdf_file: Path, footer: str) -> None:
    chromium.load(page, html_file.resolve().as_uri())
    chromium.print_pdf(page, pdf_file, footer)


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
