"""A text or HTML file added by hand: its selectors and words are searchable too."""

from __future__ import annotations

from .. import page, selectors
from .base import Item, Out, read_text

MIMES = ("text/plain", "text/html", "application/xhtml+xml")


def describe(item: Item, out: Out) -> None:
    w = item.work
    if w.capture_id is not None or not w.size or item.kind.mime not in MIMES or out.text is not None or w.unpacked:
        return  # a capture's own text, or a file read already (a chat, an e-mail) or unpacked (an mbox)
    text = raw = read_text(w.path)
    title = None
    if item.kind.mime != "text/plain":
        parsed = page.parse(raw, None)
        out.body["page"] = parsed.to_json()
        title = parsed.title
        text = page.visible_text(raw)
        out.selectors += selectors.extract_links([(link.url, link.text) for link in parsed.links], item.region)
    out.selectors += selectors.extract_text(text, item.region)
    out.text, out.title = text, title or w.name
