"""Chromium driven over the DevTools protocol on a pipe, for printing a bundle's HTML files to PDF.

Printing needs a handful of DevTools commands, not Playwright: Playwright runs a Node.js driver between
Python and Chromium, a third program that costs about as much processor time to start as Chromium
itself, on the same two cores the export copies evidence with. Chromium is started here with
``--remote-debugging-pipe``: it reads commands on descriptor 3 and writes answers and events on
descriptor 4, each one JSON message ended by a NUL byte.

Nothing leaves the machine while printing. The page may load ``file:`` and ``data:`` URLs only (every
other request is failed as it is made, by Fetch interception); host names are never looked up (the
resolver answers "not found" for all of them, so no name on a page reaches a DNS server); and every
connection Chromium would still open by itself (a preconnect to an address on the page, a background
service) goes to a proxy on a loopback port where nothing listens.
"""

from __future__ import annotations

import base64
import fcntl
import itertools
import json
import os
import signal
import tempfile
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

# What each flag is for: no sandbox (containers lack user namespaces), no GPU (headless servers), and
# none of the browser's own traffic (first run, updates, sync, field trials, crash reports, metrics,
# search preconnects, network time). The last three keep every request and connection on the machine.
PRINT_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-client-side-phishing-detection",
    "--disable-field-trial-config",
    "--metrics-recording-only",
    "--no-service-autorun",
    "--password-store=basic",
    "--use-mock-keychain",
    "--disable-dev-shm-usage",
    "--force-color-profile=srgb",
    "--hide-scrollbars",
    "--mute-audio",
    "--disable-features=Translate,MediaRouter,OptimizationHints,NetworkTimeServiceQuerying,PreconnectToSearch,"
    "AimEnabled,LensOverlay",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:1",
    "--proxy-bypass-list=<-loopback>",
)
LOCAL_SCHEMES = ("file:", "data:")
MM = 1 / 25.4  # inches


class ChromiumError(Exception):
    """Chromium did not start, went away, refused a command or did not answer in time."""


class Chromium:
    """One headless Chromium on a DevTools pipe; :meth:`close` ends it (and everything it started)."""

    def __init__(self, executable: str, timeout: float = 60.0):
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="evidence-kit-print-")
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._lifecycle: set[tuple[str, str]] = set()  # (loaderId, name) of the page's lifecycle events
        self._changed = threading.Condition()
        self._write_lock = threading.Lock()
        self._gone: str | None = None
        stderr_path = Path(self._profile.name) / "stderr.txt"
        to_chromium, commands = os.pipe()
        answers, from_chromium = os.pipe()
        # Above 4 first, so that placing them on 3 and 4 in the child can never overwrite one another.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_chromium, from_chromium)]
        os.close(to_chromium)
        os.close(from_chromium)
        devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        stderr = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        argv = [
            executable,
            *PRINT_ARGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile.name}",
            "about:blank",
        ]
        try:
            self._pid = os.posix_spawnp(
                executable,
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, ends[0], 3),
                    (os.POSIX_SPAWN_DUP2, ends[1], 4),
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, devnull, 1),
                    (os.POSIX_SPAWN_DUP2, stderr, 2),
                ],
                setpgroup=0,  # its own process group: closing or failing ends every process it started
            )
        except OSError as exc:
            for fd in (*ends, devnull, stderr, commands, answers):
                os.close(fd)
            self._profile.cleanup()
            raise ChromiumError(f"Chromium at {executable} did not start: {exc.strerror}") from None
        for fd in (*ends, devnull, stderr):
            os.close(fd)
        self._stderr_path = stderr_path
        self._commands, self._answers = commands, answers
        self._reader = threading.Thread(target=self._read, name="chromium-pipe", daemon=True)
        self._reader.start()

    # -- the protocol --------------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its answer (``ChromiumError`` if it fails or takes too long)."""
        return self._send(method, params, session).result_or_raise(self.timeout, method)

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> _Answer:
        answer = _Answer()
        with self._write_lock:
            if self._gone is not None:
                answer.set_exception(ChromiumError(self._gone))
                return answer
            number = next(self._ids)
            message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
            if session is not None:
                message["sessionId"] = session
            self._pending[number] = answer
            data = json.dumps(message).encode() + b"\0"
            try:
                while data:
                    data = data[os.write(self._commands, data) :]
                return answer
            except OSError as exc:
                self._pending.pop(number, None)
                broken = f"Chromium went away: {exc.strerror}"
        # The pipe broke because Chromium exited: once the reader has seen its end, say what it wrote.
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout=2)
        answer.set_exception(ChromiumError(self._gone or broken))
        return answer

    def _read(self) -> None:
        buffered = b""
        try:
            while chunk := os.read(self._answers, 1 << 16):
                buffered += chunk
                *messages, buffered = buffered.split(b"\0")
                for raw in messages:
                    self._dispatch(json.loads(raw))
        except (OSError, ValueError):
            pass
        self._went_away()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            answer = self._pending.pop(message["id"], None)
            if answer is None:
                return
            if "error" in message:
                error = message["error"]
                answer.set_exception(ChromiumError(str(error.get("message", error))))
            else:
                answer.set_result(message.get("result", {}))
            return
        method, params = message.get("method"), message.get("params", {})
        if method == "Fetch.requestPaused":  # answered at once: the page waits on it
            url = str(params.get("request", {}).get("url", ""))
            request = {"requestId": params["requestId"]}
            if url.startswith(LOCAL_SCHEMES):
                self._send("Fetch.continueRequest", request, message.get("sessionId"))
            else:
                self._send("Fetch.failRequest", {**request, "errorReason": "BlockedByClient"}, message.get("sessionId"))
        elif method == "Page.lifecycleEvent":
            with self._changed:
                self._lifecycle.add((str(params.get("loaderId")), str(params.get("name"))))
                self._changed.notify_all()

    def _went_away(self) -> None:
        last = ""
        try:
            lines = self._stderr_path.read_text(errors="replace").strip().splitlines()
            last = f": {lines[-1][:200]}" if lines else ""
        except OSError:
            pass
        with self._write_lock:
            self._gone = f"Chromium exited{last}"
            pending, self._pending = self._pending, {}
        for answer in pending.values():
            answer.set_exception(ChromiumError(self._gone))
        with self._changed:
            self._changed.notify_all()

    # -- pages ---------------------------------------------------------------------------------------

    def open_page(self) -> str:
        """A new page that loads only local files; returns its DevTools session."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = str(self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"])
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session)
        self.send("Page.enable", {}, session)
        self.send("Page.setLifecycleEventsEnabled", {"enabled": True}, session)
        return session

    def load(self, session: str, url: str) -> None:
        """Navigate and wait for the page's load event."""
        navigated = self.send("Page.navigate", {"url": url}, session)
        if navigated.get("errorText"):
            raise ChromiumError(f"{url} did not load: {navigated['errorText']}")
        loader = str(navigated.get("loaderId"))
        deadline = time.monotonic() + self.timeout
        with self._changed:
            while (loader, "load") not in self._lifecycle:
                left = deadline - time.monotonic()
                if self._gone is not None:
                    raise ChromiumError(self._gone)
                if left <= 0:
                    raise ChromiumError(f"{url} did not finish loading in {self.timeout:.0f} s")
                self._changed.wait(left)

    def print_pdf(self, session: str, pdf_file: Path, footer: str) -> None:
        """Print the loaded page as A4, streamed to a file, with ``footer`` and "page / pages" at the
        foot of every page.

        The footer is a CSS page-margin box added to the page (:func:`footer_css`), not Chromium's
        header and footer templates: those lay out a document of their own for every page, which cost a
        third of the printing (the 60-page report of 320 files: 1.0-1.1 s against 0.6-0.7 s).
        """
        added = self.send(
            "Runtime.evaluate",
            {
                "expression": "(() => { const style = document.createElement('style'); "
                f"style.textContent = {json.dumps(footer_css(footer))}; "
                "(document.head || document.documentElement).append(style); return true; })()",
                "returnByValue": True,
            },
            session,
        )
        if added.get("exceptionDetails") or added.get("result", {}).get("value") is not True:
            raise ChromiumError("the page footer could not be added to the page before printing")
        printed = self.send(
            "Page.printToPDF",
            {
                "paperWidth": 210 * MM,
                "paperHeight": 297 * MM,
                "marginTop": 14 * MM,
                "marginBottom": 16 * MM,
                "marginLeft": 10 * MM,
                "marginRight": 10 * MM,
                "printBackground": True,
                "displayHeaderFooter": False,
                "preferCSSPageSize": False,
                "generateTaggedPDF": False,
                "transferMode": "ReturnAsStream",
            },
            session,
        )
        stream = printed["stream"]
        with open(pdf_file, "wb") as sink:
            while True:
                piece = self.send("IO.read", {"handle": stream, "size": 1 << 20}, session)
                data = piece.get("data", "")
                sink.write(base64.b64decode(data) if piece.get("base64Encoded") else data.encode("latin-1"))
                if piece.get("eof"):
                    break
        self.send("IO.close", {"handle": stream}, session)

    def close(self) -> None:
        """Ask Chromium to close, wait a little, then end its process group; remove its profile."""
        if self._gone is None:
            try:
                self._send("Browser.close", None, None).result(timeout=5)
            except (ChromiumError, FutureTimeout):
                pass
        deadline = time.monotonic() + 5
        # Waited for without reaping it, so that its process id (its group's id) cannot be reused
        # before what is left of the group is ended.
        while os.waitid(os.P_PID, self._pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        try:
            os.killpg(self._pid, signal.SIGKILL)  # what is left of it (a renderer, a utility process)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        os.close(self._commands)
        self._reader.join(timeout=5)
        os.close(self._answers)
        self._profile.cleanup()


def footer_css(footer: str) -> str:
    """The stylesheet that prints ``footer — <page> / <pages>`` centred at the foot of every page.

    Every character of the footer but letters, digits and spaces is written as a CSS escape, so no
    footer (a case name with quotes, a backslash or ``</style>``) can end the string or the rule.

    """
    text = "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in footer)
    return (
        f'@page {{ @bottom-center {{ content: "{text} \\2014  " counter(page) " / " counter(pages); '
        'font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8px; color: #444; } }'
    )


class _Answer(Future[dict[str, Any]]):
    def result_or_raise(self, timeout: float, method: str) -> dict[str, Any]:
        try:
            return self.result(timeout=timeout)
        except FutureTimeout:
            raise ChromiumError(f"Chromium did not answer {method} in {timeout:.0f} s") from None
