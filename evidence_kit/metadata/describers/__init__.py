"""One describer per kind of content, each ``describe(item, out)``, run in this order for every artefact.

A describer looks at one artefact (:class:`~.base.Item`: its bytes, file type, exiftool's answer and
the capture it belongs to) and adds what it knows to the description being made (:class:`~.base.Out`:
JSON body, selectors, flags, the text indexed for search). It returns quietly when the artefact is not
its kind. To add one: write a module with ``describe(item, out)`` and put it in :data:`DESCRIBERS`.
"""

from __future__ import annotations

from . import (
    added_text,
    archive,
    capture_page,
    capture_text,
    chat,
    document,
    email_message,
    embedded,
    file,
    image_hashes,
    office_document,
    social_profile,
)
from .base import CaptureFindings, Describer, Item, Out, Work

DESCRIBERS: tuple[Describer, ...] = (
    file.describe,  # source, type from content, extension mismatch, WARC provenance
    embedded.describe,  # exiftool: GPS, author tags
    capture_page.describe,  # a capture's DOM: page metadata, links, forms
    capture_text.describe,  # a capture's visible text
    archive.describe,  # a ZIP or TAR handed over: its members (taken out by metadata/derived.py)
    email_message.describe,  # an .eml or a message of an .mbox: headers, Received: hops, attachments
    chat.describe,  # a WhatsApp or Telegram export: participants, messages, attachments
    office_document.describe,  # DOCX, XLSX, PPTX, ODT, ODS: text and authors
    added_text.describe,  # a text or HTML file added by hand (not a chat export)
    document.describe,  # a PDF added or downloaded
    image_hashes.describe,  # pHash/dHash of photos
    social_profile.describe,  # a recorded social-media Profile: its account identifiers
)

__all__ = ["DESCRIBERS", "CaptureFindings", "Describer", "Item", "Out", "Work"]
