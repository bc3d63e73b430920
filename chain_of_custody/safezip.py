"""Open an evidence bundle's zip safely: refuse zip-slip paths, links, duplicate entries and decompression
bombs from the central directory alone, before a single byte is written, then unpack within limits.

A bundle may come from anyone; opening it must not be a way to write outside a folder or fill a disk.
"""

from __future__ import annotations

import lzma
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .errors import CustodyError
from .hashing import CHUNK

# Zip safety limits: a bundle is evidence, not a decompression bomb. Deflate cannot pack more than about
# 1032:1, so a ratio above 1000 means zeros made to fill a disk or another codec's bomb (bzip2, LZMA);
# real evidence stays far below (screenshots and videos are compressed already, a 3 MB repetitive HTML
# page packs about 80:1). Declared sizes are also checked against the free disk before unpacking.
MAX_ENTRIES = 200_000
MAX_TOTAL_BYTES = 1 << 40  # 1 TiB declared in all
MAX_RATIO = 1000
RATIO_FLOOR = 1 << 20  # only judge entries above 1 MiB


class UnsafeBundle(CustodyError):
    """The zip would write outside its folder, holds links, or declares absurd sizes."""

    exit_code = 1  # the bundle cannot be trusted: a verification outcome, not a usage error


class DamagedBundle(CustodyError):
    """A zip entry cannot be read back as written (bad CRC, broken compressed data): the bundle fails."""

    exit_code = 1


# What reading a zip entry raises when the zip itself is damaged or uses what Python cannot read:
# a bad CRC-32 or truncation (BadZipFile, EOFError), broken deflate/bzip2/LZMA data (zlib.error,
# OSError, LZMAError), an unknown compression method (NotImplementedError), encryption (RuntimeError).
ZIP_READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def describe_zip_error(exc: BaseException) -> str:
    """A sentence for a :data:`ZIP_READ_ERRORS` exception."""
    if isinstance(exc, NotImplementedError):
        return f"uses a compression method this verifier cannot read ({exc})"
    if isinstance(exc, RuntimeError):
        return f"cannot be read ({exc}; encrypted entries are not evidence)"
    return f"is damaged ({exc})"


def leaves_folder(name: str) -> bool:
    """Whether an entry named ``name`` would be written outside the folder it is unpacked into (an
    absolute or drive path, a backslash, a NUL, a ``..`` part: zip-slip, CVE-2018-1002200)."""
    return (
        not name
        or name.startswith(("/", "\\"))
        or "\\" in name
        or "\0" in name
        or ".." in PurePosixPath(name).parts
        or (len(name) > 1 and name[1] == ":")
    )


def unpacks_to(name: str) -> str:
    """The path an entry unpacks to: ``./a``, ``a//b`` and ``a/`` name the same place as ``a`` and ``a/b``
    ("" for a name that is no file, such as ``./``)."""
    return "/".join(part for part in PurePosixPath(name).parts if part != ".")


def check_zip(archive: zipfile.ZipFile, free_bytes: int | None = None) -> None:
    """Refuse a zip whose entries would escape the folder, are links, or declare absurd sizes.

    Runs on the central directory only, before a single byte is written (zip-slip, CVE-2018-1002200).
    """
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnsafeBundle(f"the zip holds {len(infos)} entries (more than {MAX_ENTRIES}): refused")
    seen: dict[str, str] = {}  # where an entry unpacks to -> its name
    files: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if leaves_folder(name):
            raise UnsafeBundle(f"the zip entry {name!r} points outside the bundle folder: refused")
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if stat.S_ISLNK(mode):
            raise UnsafeBundle(f"the zip entry {name!r} is a symbolic link: refused")
        if kind and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise UnsafeBundle(f"the zip entry {name!r} is not a regular file or folder: refused")
        key = unpacks_to(name)
        if not key:
            raise UnsafeBundle(f"the zip entry {name!r} names no file: refused")
        if key in seen:
            other = seen[key]
            twice = "appears twice" if other == name else f"is the same file as {other!r}"
            raise UnsafeBundle(f"the zip entry {name!r} {twice}: refused")
        seen[key] = name
        if not info.is_dir():
            files.add(key)
        if info.file_size > MAX_TOTAL_BYTES:
            raise UnsafeBundle(f"the zip entry {name!r} declares an absurd size ({info.file_size:,} bytes): refused")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeBundle(
                f"the zip entry {name!r} expands {info.file_size // max(info.compress_size, 1):,} times"
                f" ({info.compress_size:,} to {info.file_size:,} bytes), a decompression bomb: refused"
            )
        total += info.file_size
    for key in seen:
        folder = key.rpartition("/")[0]
        while folder:
            if folder in files:
                raise UnsafeBundle(f"the zip entry {folder!r} is both a file and a folder: refused")
            folder = folder.rpartition("/")[0]
    if total > MAX_TOTAL_BYTES:
        raise UnsafeBundle(f"the zip declares {total:,} bytes in all: refused")
    if free_bytes is not None and total > free_bytes:
        raise UnsafeBundle(f"the zip declares {total:,} bytes but only {free_bytes:,} are free to unpack it")


BAG_MARKERS = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "data/ledger/ledger.jsonl")


def _bag_root_in_zip(names: list[str]) -> str:
    """The bag may sit at the zip's root or in one top folder (as ``evidence-kit export --zip`` writes).

    A bag that lost its ``bagit.txt`` is still a bag (one that fails verification): any of the files every
    bundle has marks where it is.
    """
    present = set(names)
    if any(marker in present for marker in BAG_MARKERS):
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        top = tops.pop()
        if any(f"{top}/{marker}" in present for marker in BAG_MARKERS):
            return top + "/"
    raise CustodyError(
        "the zip holds no evidence bundle (no bagit.txt, bag-info.txt or ledger at its root or in one top folder)"
    )


def extract_zip(path: Path, destination: Path) -> Path:
    """Check then extract ``path`` into ``destination``; return the bag's root folder."""
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_READ_ERRORS as exc:
        raise CustodyError(f"{path} is not a readable zip: {exc}") from None
    with archive:
        destination.mkdir(parents=True, exist_ok=True)
        check_zip(archive, shutil.disk_usage(destination).free)
        root = _bag_root_in_zip([i.filename for i in archive.infolist()])
        base = destination.resolve()
        for info in archive.infolist():
            target = (base / info.filename).resolve()
            if not target.is_relative_to(base):  # belt and braces after check_zip
                raise UnsafeBundle(f"the zip entry {info.filename!r} points outside the bundle folder: refused")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with open(target, "xb") as sink:
                try:
                    source = archive.open(info)
                except ZIP_READ_ERRORS as exc:
                    raise DamagedBundle(f"the zip entry {info.filename!r} {describe_zip_error(exc)}") from None
                with source:
                    while True:
                        try:
                            chunk = source.read(CHUNK)
                        except ZIP_READ_ERRORS as exc:
                            # The CRC is checked as the last bytes come out: what was written is discarded
                            # with the temporary folder.
                            raise DamagedBundle(
                                f"the zip entry {info.filename!r} {describe_zip_error(exc)}: the bundle fails"
                                " verification"
                            ) from None
                        if not chunk:
                            break
                        written += len(chunk)
                        if written > info.file_size:
                            raise UnsafeBundle(f"the zip entry {info.filename!r} holds more than it declares: refused")
                        sink.write(chunk)
    return base / root.rstrip("/") if root else base


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """The bag folder of a bundle folder or zip (a zip is unpacked into a temporary folder, then removed)."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise CustodyError(f"{path} is neither a bundle folder nor a zip")
    with tempfile.TemporaryDirectory(prefix="evidence-bundle-") as temp:
        yield extract_zip(path, Path(temp))
