"""Perceptual hashes of a photo, to find resized or recompressed copies (not of page renders)."""

from __future__ import annotations

from ..imagehash import hash_image
from .base import Item, Out

# Screenshots of the same page template would all "match" each other: they are renders, not photos.
NO_IMAGE_HASH_ROLES = {"screenshot", "screenshot-viewport", "pdf"}


def describe(item: Item, out: Out) -> None:
    if not item.kind.mime.startswith("image/") or item.work.role in NO_IMAGE_HASH_ROLES:
        return
    hashes = hash_image(item.work.path)
    if hashes:
        out.body["image_hashes"] = hashes.to_json()
