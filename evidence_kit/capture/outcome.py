"""What one page load produced, before anything is stored: the page capture and its main document.

The page capture (``page.py``) fills it, the steps (``steps.py``) write their errors into it, and the
record (``record.py``) and the session (``session.py``) read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .recorder import Exchange, Hop


@dataclass
class Download:
    url: str
    suggested_filename: str
    data: bytes | None
    error: str | None = None
    cut: str | None = None  # why fewer bytes were kept than were downloaded (a bound)


@dataclass
class PageCapture:
    """What one page load produced, before anything is stored."""

    url: str
    started: datetime
    final_url: str | None = None
    loaded: datetime | None = None
    finished: datetime | None = None
    failed: bool = False
    is_download: bool = False  # the URL answered with a file to download, not a page
    stopped: str | None = None  # why loading was stopped on purpose (a bound)
    crashed: bool = False  # the renderer died: later renderer steps are skipped, not waited out
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    title: str | None = None
    user_agent: str | None = None
    behaviours: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, str]] = field(default_factory=list)
    address_rules: dict[str, Any] = field(default_factory=dict)  # guard.AddressGuard.to_json() at the end
    blocked_unlisted: int = 0  # blocks beyond guard.MAX_LISTED: counted, not listed
    cut: dict[str, str] = field(default_factory=dict)  # role -> the part of the page that artefact holds
    main_blocked: dict[str, str] | None = None  # the main document's own request or answer was blocked
    dialogs: list[dict[str, Any]] = field(default_factory=list)
    popups: list[dict[str, str]] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    frames: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # role -> bytes
    video_note: str | None = None
    screencast: list[tuple[float, bytes]] = field(default_factory=list)  # screencast, until encoded
    exchanges: list[Exchange] = field(default_factory=list)
    main_frame_id: str | None = None
    # While the page is loaded: the answers recorded so far whose URL holds a text (``Recorder.received``),
    # for a reader that reads on in the page (the page's own API answers). None once recording ended.
    recorded: Callable[[str], Awaitable[list[tuple[str, int, bytes]]]] | None = field(
        default=None, repr=False, compare=False
    )
    tls_chain: list[str] = field(default_factory=list)
    dns: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)  # the browser tree's RSS while this capture ran
    # With a persona, read from the context before it closed (contexts.ContextPool.settle): its cookies and
    # storage (the session to save back, and secrets to redact) and whether the page showed a login form.
    end_state: dict[str, Any] | None = None
    login_form: bool | None = None

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        return "partial" if self.errors else "complete"


def main_exchanges(result: PageCapture) -> list[Exchange]:
    return [
        e
        for e in result.exchanges
        if e.resource_type == "Document" and (result.main_frame_id is None or e.frame_id == result.main_frame_id)
    ]


def main_hop(result: PageCapture) -> Hop | None:
    """The last answered hop of the main frame's documents: the response the page was built from."""
    for exchange in reversed(main_exchanges(result)):
        for hop in reversed(exchange.hops):
            if hop.status is not None:
                return hop
    return None
