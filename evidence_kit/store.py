"""The content-addressed artefact store of one case.

An artefact lives at ``artefacts/<blake3[:2]>/<blake3>``, read-only. Ingest streams the bytes once:
they are hashed (BLAKE3 and SHA-256 together), sniffed for their MIME type and written to a temporary
file in the same pass; the file is fsynced and renamed into place, so a crash never leaves a partial
artefact under a digest name. The same bytes ingested twice are stored once.

The temporary file is ``.incoming/ingest-<pid>-<random>.partial``, locked while written
(:mod:`evidence_kit.staging`): what a killed ingest leaves is provably a leftover, which the next write
to the case removes (:mod:`evidence_kit.cleanup`). Only regular files are read: a FIFO, a device or a
socket is refused before a byte is read (a FIFO would hang, ``/dev/zero`` would fill the disk).
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from chain_of_custody.hashing import Digests, hash_stream

from .errors import InvalidInput
from .staging import locked_temp

SNIFF_BYTES = 64 * 1024
INGEST_PREFIX = "ingest"

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse_unless_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InvalidInput(f"{path} is a folder, not a file (give the files inside it)")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        # A FIFO would hang the ingest and /dev/zero would fill the disk: refuse before reading a byte.
        raise InvalidInput(f"{path} is {kind}, not a regular file: refused before reading")


def readable_name(path: Path | str) -> str:
    """A file name as text that can be recorded: bytes that are not UTF-8 (a name from an old Windows
    archive) become ``\\xNN`` escapes instead of breaking the ledger's UTF-8.

    >>> readable_name(Path(b"photo-\\xe4.jpg".decode("utf-8", "surrogateescape")))
    'photo-\\\\xe4.jpg'
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def check_file(path: Path) -> None:
    """Refuse, before anything is read, a path that is missing, unreadable or not a regular file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    _refuse_unless_regular(path, info.st_mode)
    if not os.access(path, os.R_OK):
        raise InvalidInput(f"cannot read {path}: permission denied")


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading; anything else (swapped in after a check, too) is refused unread."""
    check_file(path)
    try:
        # O_NONBLOCK: opening a FIFO put in the file's place since the check must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    try:
        _refuse_unless_regular(path, os.fstat(fd).st_mode)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


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

        # The temporary file names this process and is locked while written: a kill -9 leaves a file the
        # next command can prove is a leftover (chain_of_custody.leftovers) and remove.
        with locked_temp(staging, INGEST_PREFIX) as (sink, temp):
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

    def ingest_file(self, path: Path, on_progress: Callable[[int], None] | None = None) -> Artefact:
        with open_regular(path) as handle:
            return self.ingest_stream(handle, on_progress)

    def ingest_bytes(self, data: bytes) -> Artefact:
        return self.ingest_stream(io.BytesIO(data))
