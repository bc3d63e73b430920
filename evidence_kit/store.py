"""The content-addressed artefact store of one case.

An artefact lives at ``artefacts/<blake3[:2]>/<blake3>``, read-only. Ingest streams the bytes once:
they are hashed (BLAKE3 and SHA-256 together), sniffed for their MIME type and written to a temporary
file in the same pass; the file is fsynced and renamed into place, so a crash never leaves a partial
artefact under a digest name. The same bytes ingested twice are stored once.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from chain_of_custody.hashing import Digests, hash_stream

from .errors import InvalidInput

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Artefact:
    digests: Digests
    mime: str
    path: Path
    new: bool  # False when these bytes were already stored

    @property
    def blake3(self) -> str:
        return self.digests.blake3

    @property
    def sha256(self) -> str:
        return self.digests.sha256

    @property
    def size(self) -> int:
        return self.digests.size

    def ledger_entry(self, **extra: str) -> dict[str, str | int]:
        """How an event names this artefact."""
        return {**self.digests.to_json(), "mime": self.mime, **extra}


def sniff_mime(head: bytes) -> str:
    """MIME type from content (libmagic), never from a file name."""
    if not head:
        return "application/x-empty"
    import magic  # imported late: libmagic is a system library

    return magic.from_buffer(head, mime=True) or "application/octet-stream"


class Store:
    def __init__(self, root: Path):
        self.root = root

    def path_of(self, digest: str) -> Path:
        hex_digest = digest.split(":", 1)[1]
        return self.root / hex_digest[:2] / hex_digest

    def has(self, digest: str) -> bool:
        return self.path_of(digest).is_file()

    def ingest_stream(self, reader: BinaryIO, on_progress: Callable[[int], None] | None = None) -> Artefact:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / ".incoming"
        staging.mkdir(exist_ok=True)
        head = bytearray()

        def sniff(chunk: bytes) -> None:
            if len(head) < SNIFF_BYTES:
                head.extend(chunk[: SNIFF_BYTES - len(head)])

        fd, temp_name = tempfile.mkstemp(dir=staging, prefix="ingest-")
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as sink:
                digests = hash_stream(reader, sink=sink, on_chunk=sniff, on_progress=on_progress)
                sink.flush()
                os.fsync(sink.fileno())
            mime = sniff_mime(bytes(head))
            final = self.path_of(digests.blake3)
            if final.exists():
                temp.unlink()
                return Artefact(digests, mime, final, new=False)
            final.parent.mkdir(exist_ok=True)
            os.chmod(temp, 0o444)
            os.replace(temp, final)
            dir_fd = os.open(final.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            return Artefact(digests, mime, final, new=True)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def ingest_file(self, path: Path, on_progress: Callable[[int], None] | None = None) -> Artefact:
        if not path.exists():
            raise InvalidInput(f"no such file: {path}")
        if path.is_dir():
            raise InvalidInput(f"{path} is a folder, not a file (add the files inside it)")
        try:
            handle = open(path, "rb", buffering=0)
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
        with handle:
            return self.ingest_stream(handle, on_progress)

    def ingest_bytes(self, data: bytes) -> Artefact:
        return self.ingest_stream(io.BytesIO(data))
