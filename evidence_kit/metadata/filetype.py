"""File type from content (libmagic), never from the name: a ``.jpg`` that is a ZIP says it is a ZIP.

The MIME type comes from the function the store sniffs with at ingest
(:func:`evidence_kit.store.sniff_mime`, over the same first :data:`~evidence_kit.store.SNIFF_BYTES`),
so a description and the ledger entry of the same bytes never name two types. libmagic's readable
description and text encoding are read here from the same bytes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..store import SNIFF_BYTES, sniff_mime


@dataclass(frozen=True)
class FileType:
    mime: str  # "image/jpeg"
    description: str  # "JPEG image data, JFIF standard 1.01, …"
    encoding: str | None = None  # "utf-8" for text, None for binary

    def to_json(self) -> dict[str, str | None]:
        return {"mime": self.mime, "description": self.description, "encoding": self.encoding}


_local = threading.local()


def _magics():  # type: ignore[no-untyped-def]
    """libmagic handles are not thread-safe: one pair per thread, reused across files (loading is slow)."""
    if not hasattr(_local, "magics"):
        import magic

        _local.magics = (magic.Magic(), magic.Magic(mime_encoding=True))
    return _local.magics


def libmagic_version() -> str:
    import magic

    try:
        version = magic.version()
    except (AttributeError, NotImplementedError):
        return "libmagic (version unknown)"
    return f"libmagic {version // 100}.{version % 100:02d}"


def identify_bytes(data: bytes) -> FileType:
    if not data:
        return FileType("application/x-empty", "empty", None)
    describe, encoding = _magics()
    head = data[:SNIFF_BYTES]
    mime = sniff_mime(head)
    charset = encoding.from_buffer(head)
    return FileType(
        mime,
        describe.from_buffer(head),
        charset if _texty(mime) and charset not in ("binary", "unknown-8bit") else None,
    )


def identify(path: Path) -> FileType:
    """Type of the file at ``path`` from its first bytes (the name is never consulted)."""
    with open(path, "rb") as handle:
        return identify_bytes(handle.read(SNIFF_BYTES))


def extension_mismatch(name: str, mime: str) -> bool:
    """True when a file name's extension claims a type its content is not (e.g. a ZIP named .jpg)."""
    import mimetypes

    suffix = Path(name).suffix.lower()
    if not suffix:
        return False
    claimed = mimetypes.types_map.get(suffix) or mimetypes.common_types.get(suffix)
    if claimed is None or mime in ("application/octet-stream", "application/x-empty"):
        return False
    if claimed == mime:
        return False
    # Families libmagic and mimetypes name differently but mean the same.
    same = {("text/plain", "text/"), ("application/xml", "text/xml"), ("text/xml", "application/xml")}
    return not any(claimed.startswith(a) and mime.startswith(b) for a, b in same) and not (
        claimed.startswith("text/") and mime.startswith("text/")
    )


def _texty(mime: str | None) -> bool:
    return bool(mime) and (mime.startswith("text/") or mime.endswith(("json", "xml", "javascript")))
