"""One describer per kind of content, each ``describe(item, out)``, run in this order for every artefact.

A describer looks at one artefact (:class:`~.base.Item`: its bytes, file type, exiftool's answer and
the capture it belongs to) and adds what it knows to the description being made (:class:`~.base.Out`:
JSON body, selectors, flags, the text indexed for search). It returns quietly when the artefact is not
its kind. To add one: write a module with ``describe(item, out)`` and put it in :data:`DESCRIBERS`.
"""

from __future__ import annotations

from . import added_text, capture_page, capture_text, document, embedded, file, image_hashes, social_profile
from .base import CaptureFindings, Describer, Item, Out, Work

DESCRIBERS: tuple[Describer, ...] = (
    file.describe,  # source, type from content, extension mismatch, WARC provenance
    embedded.describe,  # exiftool: GPS, author tags
    capture_page.describe,  # a capture's DOM: page metadata, links, forms
    capture_text.describe,  # a capture's visible text
    added_text.describe,  # a text or HTML file added by hand
    document.describe,  # a PDF added or downloaded
    image_hashes.describe,  # pHash/dHash of photos
    social_profile.describe,  # a recorded social-media Profile: its account identifiers
)

__all__ = ["DESCRIBERS", "CaptureFindings", "Describer", "Item", "Out", "Work"]
