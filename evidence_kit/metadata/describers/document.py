"""A PDF handed over or downloaded: its text names people, numbers, accounts."""

from __future__ import annotations

from .. import documents, selectors
from .base import Item, Out


def describe(item: Item, out: Out) -> None:
    w = item.work
    if item.kind.mime != "application/pdf" or not (w.capture_id is None or w.role == "download") or item.is_text:
        return  # the capture's own PDF is a render of a page whose text the capture already holds
    text, problem = documents.pdf_text(w.path)
    out.body["document_text"] = {
        "extractor": documents.pdftotext_version(),
        "characters": len(text or ""),
        "error": problem,
    }
    if text:
        out.selectors += selectors.extract_text(text, item.region)
        out.text, out.title = text, w.name
