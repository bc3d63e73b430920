"""ZIP and TAR archives handed over (a zip of photos, a WhatsApp export): every member, unpacked safely.

The rules are those for opening an evidence bundle (:mod:`chain_of_custody.safezip`): no member may
point outside the archive (zip-slip), no links or devices, no two members that unpack to one file
(``a`` and ``./a``), no decompression bomb (a ratio above 1000:1 past 1 MiB, for one member or the
whole archive, or more than :data:`MAX_TOTAL_BYTES` in all), no encrypted member; a compressed tar is
read to the end of its stream, so its CRC is checked. A zip is judged from
its central directory before a byte is unpacked; a tar (no central directory) while it is read. Every
member is unpacked into a temporary folder first, and only when the whole archive came out within the
bounds does the caller store any of it: a refused archive leaves nothing half-stored.

7z is not read: no maintained pure-Python reader is among the dependencies (py7zr would be one more
for a rare format); a 7z archive is stored and typed, and its description says it was not unpacked.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from chain_of_custody import safezip
from chain_of_custody.hashing import CHUNK

ZIP_MIMES = ("application/zip", "application/x-zip-compressed")
TAR_MIMES = ("application/x-tar", "application/gzip", "application/x-gzip", "application/x-bzip2", "application/x-xz")
MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 8 << 30  # 8 GiB unpacked from one archive
MAX_RATIO = safezip.MAX_RATIO
RATIO_FLOOR = safezip.RATIO_FLOOR


class ArchiveRefused(Exception):
    """The archive breaks a bound (path escape, link, bomb, damage): nothing of it is stored."""


@dataclass(frozen=True)
class Member:
    """One file taken out of an archive (folders are implied by the paths)."""

    path: str  # inside the archive, "/"-separated
    size: int
    modified: str | None  # as the archive records it (zip: local time without zone; tar: UTC)
    file: Path  # the unpacked bytes, in the temporary folder


def kind_of(mime: str, path: Path) -> str | None:
    """``"zip"`` or ``"tar"`` for an archive this module unpacks, ``"7z"`` for one it names only."""
    if mime in ZIP_MIMES:
        return "zip"
    if mime == "application/octet-stream" and _starts_as_zip(path):
        return "zip"  # libmagic names some zips only "data" (a first member called "mimetype" that is not ODF)
    if mime == "application/x-7z-compressed":
        return "7z"
    if mime in TAR_MIMES:
        try:
            return "tar" if tarfile.is_tarfile(path) else None  # a gzip of one file is not an archive
        except (OSError, EOFError, ValueError):
            return None
    return None


def _starts_as_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"PK\x03\x04" and zipfile.is_zipfile(path)
    except OSError:
        return False


@contextmanager
def unpacked(path: Path, kind: str) -> Iterator[list[Member]]:
    """The members of the archive at ``path``, unpacked into a temporary folder removed afterwards.

    Raises :class:`ArchiveRefused` (before the block runs) when any bound is broken.
    """
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="evidence-unpack-") as temp:
        folder = Path(temp)
        free = shutil.disk_usage(folder).free
        members = _unzip(path, folder, free) if kind == "zip" else _untar(path, folder, free)
        yield members


def _safe_path(name: str) -> str:
    if safezip.leaves_folder(name):
        raise ArchiveRefused(f"the member {name!r} points outside the archive (zip-slip): the archive is refused")
    return name


def _judge_zip(archive: zipfile.ZipFile, path: Path, limit: int) -> None:
    """Refuse the zip from its central directory alone (no member is inflated)."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveRefused(f"holds {len(infos)} members (more than {MAX_MEMBERS}): the archive is refused")
    try:
        safezip.check_zip(archive, limit)
    except safezip.UnsafeBundle as exc:
        message = str(exc).replace("the zip entry", "the member").replace("bundle folder", "archive")
        raise ArchiveRefused(message) from None
    # check_zip judges each member above 1 MiB; thousands of bzip2 or LZMA members each just under it
    # are a bomb too (46 KB unpacking to 300 MB): the whole archive is judged as a tar is.
    packed = max(path.stat().st_size, 1)
    total = sum(info.file_size for info in infos)
    if total > RATIO_FLOOR and total > MAX_RATIO * packed:
        raise ArchiveRefused(
            f"expands {total // packed:,} times ({packed:,} to {total:,} bytes), a decompression bomb:"
            " the archive is refused"
        )


def _twin(name: str, seen: dict[str, str]) -> None:
    """Refuse a member that unpacks to the same file as one before it (``seen``: file → name); a zip's
    members are judged so by :func:`safezip.check_zip`."""
    other = seen.get(safezip.unpacks_to(name))
    seen.setdefault(safezip.unpacks_to(name), name)
    if other is not None:
        twice = "appears twice" if other == name else f"is the same file as {other!r}"
        raise ArchiveRefused(f"the member {name!r} {twice}: the archive is refused")


def zip_refusal(path: Path) -> str | None:
    """Why the zip at ``path`` (an archive or an office document) is refused, or None (also when it is
    not a readable zip). Other readers ask before they open it: exiftool inflates a zip's ``mimetype``
    member whole, so a 1 MB zip holding a 1 GB ``mimetype`` took it 2 GB of memory."""
    try:
        with zipfile.ZipFile(path) as archive:
            _judge_zip(archive, path, MAX_TOTAL_BYTES)
    except ArchiveRefused as exc:
        return str(exc)
    except safezip.ZIP_READ_ERRORS:
        return None
    return None


def _unzip(path: Path, folder: Path, free: int) -> list[Member]:
    try:
        archive = zipfile.ZipFile(path)
    except safezip.ZIP_READ_ERRORS as exc:
        raise ArchiveRefused(f"is not a readable zip ({exc})") from None
    with archive:
        infos = archive.infolist()
        _judge_zip(archive, path, min(free, MAX_TOTAL_BYTES))
        for info in infos:
            if info.flag_bits & 0x1:
                raise ArchiveRefused(
                    f"the member {info.filename!r} is encrypted (no password is tried): the archive is stored"
                    " as handed over, not unpacked"
                )
        members = []
        for number, info in enumerate(infos):
            if info.is_dir():
                continue
            target = folder / f"{number:06d}"
            with open(target, "xb") as sink:
                try:
                    with archive.open(info) as source:
                        _copy(source, sink, info.file_size, info.filename)
                except safezip.ZIP_READ_ERRORS as exc:
                    raise ArchiveRefused(
                        f"the member {info.filename!r} {safezip.describe_zip_error(exc)}: the archive is refused"
                    ) from None
            year, month, day, hour, minute, second = info.date_time
            modified = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
            members.append(Member(info.filename, info.file_size, modified, target))
        return members


def _copy(source: IO[bytes], sink: IO[bytes], declared: int, name: str) -> int:
    written = 0
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            return written
        written += len(chunk)
        if written > declared:
            raise ArchiveRefused(f"the member {name!r} holds more than it declares: the archive is refused")
        sink.write(chunk)


@contextmanager
def _decompressed(path: Path) -> Iterator[IO[bytes]]:
    """The tar's bytes, through the decompressor its first bytes name. tarfile's own stream reader never
    checks a gzip CRC: a .tar.gz whose data was damaged gave its damaged members as if sound."""
    import bz2
    import gzip
    import lzma

    with open(path, "rb") as raw:
        head = raw.read(6)
        raw.seek(0)
        if head.startswith(b"\x1f\x8b"):
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream  # type: ignore[misc]  # GzipFile is a binary file
        elif head.startswith(b"BZh"):
            with bz2.BZ2File(raw) as bz:
                yield bz
        elif head.startswith(b"\xfd7zXZ\x00"):
            with lzma.LZMAFile(raw) as xz:
                yield xz
        else:
            yield raw


def _drain(stream: IO[bytes], room: int, packed: int) -> None:
    """Read the compressed stream to its end after the tar's last member, so its CRC and length are
    checked (a damaged or cut archive is refused), within the same bounds as the members."""
    drained = 0
    while chunk := stream.read(CHUNK):
        drained += len(chunk)
        if drained > room or (drained > RATIO_FLOOR and drained > MAX_RATIO * packed):
            raise ArchiveRefused("holds more after its last member than it may unpack: the archive is refused")


def _untar(path: Path, folder: Path, free: int) -> list[Member]:
    packed = max(path.stat().st_size, 1)
    limit = min(free, MAX_TOTAL_BYTES)
    members: list[Member] = []
    seen: dict[str, str] = {}
    total = 0
    try:
        with (
            _decompressed(path) as stream,
            tarfile.open(fileobj=stream, mode="r|") as archive,
        ):  # a stream: headers and data read once, in order
            for number, info in enumerate(archive):
                if number >= MAX_MEMBERS:
                    raise ArchiveRefused(f"holds more than {MAX_MEMBERS} members: the archive is refused")
                name = _safe_path(info.name)
                if info.issym() or info.islnk():
                    raise ArchiveRefused(f"the member {name!r} is a link: the archive is refused")
                if info.isdir():
                    continue
                if not info.isreg() or stat.S_IFMT(info.mode) not in (0, stat.S_IFREG):
                    raise ArchiveRefused(f"the member {name!r} is not a regular file or folder: the archive is refused")
                _twin(name, seen)
                total += info.size
                if total > limit:
                    raise ArchiveRefused(f"unpacks to more than {limit:,} bytes: the archive is refused")
                if total > RATIO_FLOOR and total > MAX_RATIO * packed:
                    raise ArchiveRefused(
                        f"expands {total // packed:,} times ({packed:,} to at least {total:,} bytes),"
                        " a decompression bomb: the archive is refused"
                    )
                source = archive.extractfile(info)
                if source is None:
                    continue
                target = folder / f"{number:06d}"
                with open(target, "xb") as sink:
                    _copy(source, sink, info.size, name)
                modified = datetime.fromtimestamp(info.mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                members.append(Member(name, info.size, modified, target))
            _drain(stream, limit - total, packed)
    except ArchiveRefused:
        raise
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise ArchiveRefused(f"is not a readable tar ({type(exc).__name__}: {exc}): the archive is refused") from None
    return members
