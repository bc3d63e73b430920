"""How much of a hostile page a capture keeps, and how much memory its browser may use.

A page can answer with hundreds of megabytes or allocate memory in a loop. The bounds below keep the
investigator's machine usable and every record true: whatever a bound cut is said in the record, and a
WARC record cut short is marked ``WARC-Truncated: length`` (docs/capture-record.md lists them all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class Bounds:
    # Bytes of one response body kept. Chromium keeps no part of a body beyond its buffer, so a larger
    # body is recorded with its headers and size, without its bytes.
    body_bytes: int = 64 * MIB
    # Bytes of all response bodies of one capture kept; once used up, later bodies are cut to what is left.
    capture_bytes: int = 256 * MIB
    # Characters of the rendered DOM and of the visible text kept; the MHTML snapshot is not taken of a
    # page whose HTML is larger (it would be larger still).
    document_chars: int = 64 * MIB
    # Bytes of one download kept (the rest is cut, and the record says so).
    download_bytes: int = 256 * MIB
    # V8's heap limit per renderer (--js-flags=--max-old-space-size): a script filling the heap crashes
    # its own renderer, not the machine.
    renderer_heap_mb: int = 1024
    # Resident memory of the whole browser process tree; above it the watchdog ends the largest renderer
    # and the capture ends as partial with that reason.
    browser_rss_mb: int = 3072

    def browser_args(self) -> tuple[str, ...]:
        return (f"--js-flags=--max-old-space-size={self.renderer_heap_mb}",)

    def to_json(self) -> dict[str, Any]:
        return {
            "body_bytes": self.body_bytes,
            "capture_bytes": self.capture_bytes,
            "document_chars": self.document_chars,
            "download_bytes": self.download_bytes,
            "renderer_heap_mb": self.renderer_heap_mb,
            "browser_rss_mb": self.browser_rss_mb,
        }


def size_text(count: float) -> str:
    """Bytes as a person reads them.

    >>> size_text(300_000_000), size_text(64 * MIB), size_text(512)
    ('286.1 MiB', '64 MiB', '512 bytes')
    """
    if count < 1024:
        return f"{int(count)} bytes"
    for unit in ("KiB", "MiB", "GiB"):
        count /= 1024
        if count < 1024 or unit == "GiB":
            return f"{count:.1f} {unit}".replace(".0 ", " ")
    raise AssertionError("unreachable")
