"""A capture's visible text (its text artefact, else its DOM's text): selectors and the search text."""

from __future__ import annotations

from .base import Item, Out


def describe(item: Item, out: Out) -> None:
    capture = item.capture
    if not item.is_text or capture is None:
        return
    out.selectors += capture.text_selectors
    out.text, out.title = capture.text, capture.title
