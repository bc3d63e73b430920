"""Captures and exports that run in the background, through the library, while the page shows progress.

A job runs on its own thread (the library is synchronous; a thread owns the SQLite connection it opens)
and keeps a list of items with a state and a sentence each. The page follows it through server-sent
events (:func:`stream`). Cancelling stops the job at the next item: the page being captured at that moment
finishes (at most its timeout) and is stored like any other; the URLs after it are not captured.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from chain_of_custody.errors import CustodyError

from ..case import Case
from ..config import Settings
from .explain import explain_capture, explain_error


@dataclass
class Item:
    label: str  # the URL, or the export step
    state: str = "waiting"  # waiting | running | complete | partial | failed | cancelled
    message: str = ""
    link: str | None = None  # the capture's page once it is stored
    notes: list[str] = field(default_factory=list)


@dataclass
class Job:
    id: str
    kind: str  # "capture" | "export"
    case_id: str
    items: list[Item]
    finished: bool = False
    cancelled: bool = False
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, change: Callable[[Job], None]) -> None:
        with self._lock:
            change(self)
            self.version += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "id": self.id,
                "kind": self.kind,
                "case_id": self.case_id,
                "finished": self.finished,
                "cancelled": self.cancelled,
                "message": self.message,
                "result": dict(self.result),
                "version": self.version,
                "rows": [
                    {"label": i.label, "state": i.state, "message": i.message, "link": i.link, "notes": list(i.notes)}
                    for i in self.items
                ],
            }


class Jobs:
    """Every job of this UI run, by id (held in memory; the evidence itself is in the cases)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(self, kind: str, case_id: str, labels: list[str], work: Callable[[Job], None]) -> Job:
        job = Job(secrets.token_hex(8), kind, case_id, [Item(label) for label in labels])
        with self._lock:
            self._jobs[job.id] = job

        def run() -> None:
            try:
                work(job)
            except CustodyError as exc:
                message = explain_error(str(exc))
                job.update(lambda j: setattr(j, "message", message))
            except Exception as exc:  # noqa: BLE001  shown on the page; the thread must not die silently
                unexpected = f"the job stopped on an unexpected error: {exc!r}"
                job.update(lambda j: setattr(j, "message", unexpected))
            finally:
                job.update(lambda j: setattr(j, "finished", True))

        threading.Thread(target=run, name=f"evidence-kit-ui-{kind}-{job.id}", daemon=True).start()
        return job


def capture_work(
    settings: Settings, case_id: str, urls: list[str], options: Any, allow_private: bool, investigator: str | None
) -> Callable[[Job], None]:
    """One URL after another through ``capture_urls``, so each URL's state is known as it changes."""

    def work(job: Job) -> None:
        from ..capture import capture_urls, check_targets

        with Case.open(settings, case_id) as case:
            identity = case.identity(investigator)
            for index, url in enumerate(urls):
                if job.cancelled:
                    job.update(_setter(index, "cancelled", "not captured: the job was cancelled"))
                    continue
                job.update(_setter(index, "running", "loading the page in the browser…"))
                try:
                    targets = check_targets([url], allow_private)
                    results = capture_urls(case, identity, targets, options)
                except CustodyError as exc:
                    job.update(_setter(index, "failed", explain_error(str(exc))))
                    continue
                for result in results:
                    state, sentence, notes = explain_capture(result.status, list(result.errors), result.record)
                    link = f"/cases/{case_id}/captures/{result.id}"

                    def done(
                        j: Job, i: int = index, s: str = state, m: str = sentence, n: list[str] = notes, at: str = link
                    ) -> None:
                        _set(j.items[i], s, m)
                        j.items[i].link = at
                        j.items[i].notes = n

                    job.update(done)

    return work


def profile_work(
    settings: Settings,
    case_id: str,
    urls: list[str],
    options: Any,
    allow_private: bool,
    investigator: str | None,
    request: Any,
) -> Callable[[Job], None]:
    """One account URL after another through ``social.session.capture_profiles`` (as ``capture-profile``)."""

    def work(job: Job) -> None:
        from ..capture import check_targets
        from ..social.session import capture_profiles

        with Case.open(settings, case_id) as case:
            identity = case.identity(investigator)
            for index, url in enumerate(urls):
                if job.cancelled:
                    job.update(_setter(index, "cancelled", "not captured: the job was cancelled"))
                    continue
                job.update(_setter(index, "running", "loading the account page and reading its timeline…"))
                try:
                    results = capture_profiles(
                        case,
                        identity,
                        check_targets([url], allow_private),
                        options,
                        max_posts=request.max_posts,
                        platform=request.platform,
                        capture_posts=request.capture_posts,
                    )
                except CustodyError as exc:
                    job.update(_setter(index, "failed", explain_error(str(exc))))
                    continue
                for result in results:
                    capture = result.capture
                    state, sentence, notes = explain_capture(capture.status, list(capture.errors), capture.record)
                    notes = account_notes(result) + notes
                    link = f"/cases/{case_id}/captures/{capture.id}"

                    def done(
                        j: Job, i: int = index, s: str = state, m: str = sentence, n: list[str] = notes, at: str = link
                    ) -> None:
                        _set(j.items[i], s, m)
                        j.items[i].link = at
                        j.items[i].notes = n

                    job.update(done)

    return work


def account_notes(result: Any) -> list[str]:
    """What the account capture found, in the library's sentences (``social.session.summary``, the lines
    ``capture-profile`` prints); the capture's own errors are in the notes of :func:`explain_capture`."""
    from ..social.session import summary

    return [line for kind, line in summary(result) if kind != "error"]


def _setter(index: int, state: str, message: str) -> Callable[[Job], None]:
    return lambda job: _set(job.items[index], state, message)


def _set(item: Item, state: str, message: str) -> None:
    item.state = state
    item.message = message


async def stream(job: Job, render: Callable[[dict[str, Any]], str]) -> AsyncIterator[bytes]:
    """Server-sent events: the rendered progress each time it changes, then one ``done`` event."""
    seen = -1
    while True:
        snapshot = job.snapshot()
        if snapshot["version"] != seen:
            seen = snapshot["version"]
            html = render(snapshot)
            yield ("event: progress\n" + "".join(f"data: {line}\n" for line in html.splitlines()) + "\n").encode()
        if snapshot["finished"]:
            yield b"event: done\ndata: finished\n\n"
            return
        await asyncio.sleep(0.25)
