"""Embedded metadata (exiftool): GPS position, and the people and numbers named in author tags."""

from __future__ import annotations

from .. import selectors
from .base import Item, Out


def describe(item: Item, out: Out) -> None:
    embedded = item.embedded
    if embedded is None:
        if item.exif_tried:
            out.body["embedded"] = {"error": "; ".join(item.exif_errors) or "exiftool gave no result"}
        return
    out.body["embedded"] = embedded.to_json()
    out.gps = embedded.gps
    if embedded.gps:
        out.flags.append("gps")
        out.selectors.append(
            selectors.Selector("gps", embedded.gps.value, embedded.gps.readable, "embedded GPS position", "metadata")
        )
    if embedded.highlights:  # authors, owners and copyright lines carry phones and e-mails
        out.selectors += [
            selectors.Selector(s.kind, s.value, s.raw, s.context, "metadata")
            for s in selectors.extract_text("\n".join(embedded.highlights.values()), item.region)
        ]
