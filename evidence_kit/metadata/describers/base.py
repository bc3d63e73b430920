"""What every describer receives (:class:`Item`) and adds to (:class:`Out`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import exif, filetype, page, selectors

TEXT_LIMIT = 5_000_000  # characters of one text indexed for search


@dataclass(frozen=True)
class Work:
    """One artefact to describe."""

    blake3: str
    sha256: str
    size: int
    path: Path
    role: str | None
    capture_id: str | None
    url: str | None
    time: str | None
    name: str | None = None  # the original file name of an added file
    media: dict[str, Any] | None = None  # provenance when taken from a WARC
    # A handed-over container (archive, e-mail, mbox): what was taken out of it (metadata/derived.py).
    unpacked: dict[str, Any] | None = None
    # A file taken out of a container: {"source": its BLAKE3, "path": inside it, "files": {path: BLAKE3}}.
    container: dict[str, Any] | None = None


@dataclass
class CaptureFindings:
    """What one new capture's DOM and text hold (worked out once per capture, not per artefact)."""

    record: dict[str, Any]
    page: page.PageMetadata | None = None
    dom: str | None = None
    text_artefact: str | None = None
    text: str = ""
    dom_selectors: list[selectors.Selector] = field(default_factory=list)
    text_selectors: list[selectors.Selector] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        return (self.page.title if self.page else None) or (self.record.get("page") or {}).get("title")


@dataclass(frozen=True)
class Item:
    """One artefact with what the batch found about it (file type, exiftool's answer, its capture)."""

    work: Work
    kind: filetype.FileType
    embedded: exif.Embedded | None
    exif_tried: bool
    exif_errors: list[str]
    extractors: list[dict[str, str]]
    capture: CaptureFindings | None
    region: str | None

    @property
    def is_dom(self) -> bool:
        return self.capture is not None and self.capture.dom == self.work.blake3 and self.capture.page is not None

    @property
    def is_text(self) -> bool:
        return self.capture is not None and self.capture.text_artefact == self.work.blake3


@dataclass
class Out:
    """One description being made: its JSON body, selectors, flags, and the text indexed for search."""

    body: dict[str, Any]
    selectors: list[selectors.Selector] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    gps: exif.Gps | None = None
    text: str | None = None
    title: str | None = None


Describer = Callable[[Item, Out], None]


def read_text(path: Path, limit: int = TEXT_LIMIT) -> str:
    with open(path, "rb") as handle:
        return handle.read(limit * 4).decode("utf-8", errors="replace")[:limit]
