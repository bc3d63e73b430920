"""Web capture: one page load in a fresh browser context → WARC, screenshots, PDF, MHTML, DOM, text,
video and a capture record, all stored in the case and named by one custody event."""

from .behaviours import Limits
from .options import CaptureOptions
from .session import CaptureResult, Targets, capture_urls, check_targets

__all__ = ["CaptureOptions", "CaptureResult", "Limits", "Targets", "capture_urls", "check_targets"]
