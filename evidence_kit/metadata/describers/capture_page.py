"""A capture's DOM: the page's metadata, the selectors in its links and attributes, identity forms."""

from __future__ import annotations

from .base import Item, Out


def describe(item: Item, out: Out) -> None:
    capture = item.capture
    if not item.is_dom or capture is None or capture.page is None:
        return
    out.body["page"] = capture.page.to_json()
    out.selectors += capture.dom_selectors
    if {"passport", "id-document"} & {k for form in capture.page.forms for k in form.asks}:
        out.flags.append("form-asks-identity-document")
