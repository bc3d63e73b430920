"""The options of a capture: every one of them is written into the capture record."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .behaviours import Limits
from .bounds import Bounds

if TYPE_CHECKING:
    from playwright.async_api import Page

    from .outcome import PageCapture


class Reader(Protocol):
    """Reads on in the loaded page after the behaviours, with the network still recorded (page.py).

    Given the page, the capture being made (to add error sentences to) and the seconds it may use; returns
    a behaviour outcome (``{"name", "outcome", …}``) for the record. ``social.reader.TimelineReader`` is one.
    """

    name: str

    def to_json(self) -> dict[str, Any]: ...

    def __call__(self, page: Page, result: PageCapture, seconds: float) -> Awaitable[dict[str, Any]]: ...


@dataclass(frozen=True)
class CaptureOptions:
    """Every option of a capture; all of them are written into the capture record."""

    timeout: float = 120.0
    video: bool = True
    allow_private: bool = False
    viewport_width: int = 1280
    viewport_height: int = 900
    locale: str = "en-GB"
    timezone: str = "UTC"
    ignore_https_errors: bool = False
    concurrency: int = 1
    purpose: str | None = None
    persona: str | None = None  # capture logged in as this persona (personas/); its secrets never stored
    keep_cookies: bool = False  # public captures: keep Set-Cookie/Cookie values (redacted by default)
    # An encrypted persona's passphrase (else $EVIDENCE_KIT_PERSONA_PASSPHRASE); never in the record.
    persona_passphrase: str | None = field(default=None, repr=False, compare=False)
    limits: Limits = field(default_factory=Limits)
    bounds: Bounds = field(default_factory=Bounds)
    reader: Reader | None = None  # reads on after the behaviours (a social-media timeline); in the record

    def to_json(self) -> dict[str, Any]:
        return {
            "timeout": self.timeout,
            "video": self.video,
            "allow_private": self.allow_private,
            "viewport": {"width": self.viewport_width, "height": self.viewport_height},
            "locale": self.locale,
            "timezone": self.timezone,
            "ignore_https_errors": self.ignore_https_errors,
            "concurrency": self.concurrency,
            "purpose": self.purpose,
            "persona": self.persona,
            "keep_cookies": self.keep_cookies,
            "scroll": {
                "max_height": self.limits.max_height,
                "max_steps": self.limits.max_steps,
                "max_seconds": self.limits.scroll_seconds,
            },
            "bounds": self.bounds.to_json(),
            **({"reader": self.reader.to_json()} if self.reader is not None else {}),
        }
