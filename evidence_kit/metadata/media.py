"""Images and videos a captured page loaded, taken from the WARC's response records.

The site's own copy of a photo often still carries the uploader's GPS and camera, while the screenshot
shows only pixels. Each payload is stored as its own artefact (role ``media``) naming the WARC it came
from, its URL and the WARC record's id and payload digest, so anyone can find the same bytes again in
the WARC (ISO 28500 §5.9 ``WARC-Payload-Digest``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import Artefact, Store

MEDIA_PREFIXES = ("image/", "video/")
MIN_BYTES = 256  # tracking pixels and spacer GIFs are not evidence of anything


@dataclass(frozen=True)
class MediaItem:
    artefact: Artefact
    url: str
    content_type: str | None
    warc_record_id: str | None
    warc_payload_digest: str | None
    warc_date: str | None
    http_status: int
    truncated: bool = False  # fewer bytes than the response's Content-Length: the WARC lost the rest

    def provenance(self, warc_blake3: str) -> dict[str, Any]:
        return {
            "url": self.url,
            "content_type": self.content_type,
            "warc": warc_blake3,
            "warc_record_id": self.warc_record_id,
            "warc_payload_digest": self.warc_payload_digest,
            "warc_date": self.warc_date,
            "http_status": self.http_status,
            "truncated": self.truncated,
        }


def _is_media(content_type: str | None, url: str) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower().startswith(MEDIA_PREFIXES)
    lower = url.lower().split("?")[0]
    return lower.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".heic", ".mp4", ".webm", ".mov"))


def responses(warc_path: Path) -> Iterator[Any]:
    from warcio.archiveiterator import ArchiveIterator

    with open(warc_path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response" and record.http_headers is not None:
                yield record


def extract(warc_path: Path, store: Store) -> tuple[list[MediaItem], str | None]:
    """Store every image and video payload (HTTP 200) in the WARC; duplicates are stored once.

    Returns the items and, when the WARC could not be read to its end, why: what was read before the
    damage is kept (and recorded by the caller), so nothing stored is left without a custody event.
    """
    items: list[MediaItem] = []
    seen: set[str] = set()
    try:
        for record in responses(warc_path):
            item = _store_payload(record, store)
            if item is not None and item.artefact.blake3 not in seen:
                seen.add(item.artefact.blake3)
                items.append(item)
    except Exception as exc:  # noqa: BLE001  warcio, gzip and zlib raise many types for a damaged WARC
        return items, f"WARC {warc_path.name} could not be read to its end ({type(exc).__name__}: {exc})"
    return items, None


def _store_payload(record: Any, store: Store) -> MediaItem | None:
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    content_type = record.http_headers.get_header("Content-Type")
    try:
        status = int(record.http_headers.get_statuscode() or 0)
    except ValueError:
        status = 0
    if status != 200 or not _is_media(content_type, url):
        return None
    # content_stream() undoes chunking and Content-Encoding: the bytes the browser decoded.
    stream = record.content_stream()
    head = stream.read(MIN_BYTES)
    if len(head) < MIN_BYTES:
        return None
    artefact = store.ingest_stream(_Prefixed(head, stream))  # type: ignore[arg-type]  # has read(), all a store needs
    declared = record.http_headers.get_header("Content-Length")
    plain = not record.http_headers.get_header("Content-Encoding") and not record.http_headers.get_header(
        "Transfer-Encoding"
    )
    truncated = bool(plain and declared and declared.strip().isdigit() and artefact.size < int(declared))
    return MediaItem(
        artefact=artefact,
        url=url,
        content_type=content_type,
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
        warc_payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        warc_date=record.rec_headers.get_header("WARC-Date"),
        http_status=status,
        truncated=truncated,
    )


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream: peek at a payload without storing it twice."""

    def __init__(self, head: bytes, rest: Any):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            out, self._head = (
                (self._head, b"") if size < 0 or size >= len(self._head) else (self._head[:size], self._head[size:])
            )
            return out
        return bytes(self._rest.read(size) if size >= 0 else self._rest.read())
