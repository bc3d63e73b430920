"""What any artefact is: its digests and origin, its type from content, a name that lies about it."""

from __future__ import annotations

from .. import filetype
from .base import Item, Out


def describe(item: Item, out: Out) -> None:
    w = item.work
    out.body.update(
        {
            "source": {
                "blake3": w.blake3,
                "sha256": w.sha256,
                "size": w.size,
                "role": w.role,
                "capture_id": w.capture_id,
                "url": w.url,
                "original_name": w.name,
            },
            "extractors": item.extractors,
            "filetype": item.kind.to_json(),
            "extension_mismatch": filetype.extension_mismatch(w.name, item.kind.mime) if w.name else None,
        }
    )
    if w.media:
        out.body["media_source"] = w.media
    if out.body["extension_mismatch"]:
        out.flags.append("extension-mismatch")
    if w.media and w.media.get("truncated"):
        out.flags.append("truncated-payload")
