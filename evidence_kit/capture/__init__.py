"""Web capture: one page load in a fresh browser context → WARC, screenshots, PDF, MHTML, DOM, text,
video and a capture record, all stored in the case and named by one custody event.

The names below are loaded when first used: importing ``evidence_kit.capture.bounds`` (the CLI's
defaults) must not start Playwright's import, which costs every command about 0.1 s.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .behaviours import Limits
    from .options import CaptureOptions
    from .session import CaptureResult, Targets, capture_urls, check_targets

_WHERE = {
    "Limits": "behaviours",
    "CaptureOptions": "options",
    "CaptureResult": "session",
    "Targets": "session",
    "capture_urls": "session",
    "check_targets": "session",
}

__all__ = ["CaptureOptions", "CaptureResult", "Limits", "Targets", "capture_urls", "check_targets"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
