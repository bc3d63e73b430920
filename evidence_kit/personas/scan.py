"""Looking for a persona's secret values in files: what an export refuses and ``verify`` warns about.

A value can hide in a file in more than its plain bytes: a gzipped WARC, a zip (a WACZ, a bundle), a
PDF's compressed streams, quoted-printable MHTML. Each file is read in its plain bytes and in each of
those decoded forms (nested: a gzipped WARC inside a WACZ inside a zip), and every value that could be
a token (``redaction.hunted``), in each form the capture replaces (``redaction.disguises``: URL-, JSON-
and HTML-escaped, base64), is looked for.
"""

from __future__ import annotations

import gzip
import io
import quopri
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..capture.redaction import disguises, hunted, within

MAX_DECODED = 1 << 30  # a decoded layer larger than this is not decoded further
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


@dataclass(frozen=True)
class Hit:
    file: str  # the file, and the member or layer it was found in
    name: str  # what the value is (``persona cookie session`` of persona NAME)


def needles(secrets: Iterable[tuple[str, str]]) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for value, name in (pair for secret in secrets for pair in within(*secret)):
        if not hunted(value):  # the rule the capture used: what it did not replace is not looked for
            continue
        for form in disguises(value):  # the forms the capture replaced (escaped, encoded)
            found.setdefault(form.encode("utf-8"), name)
    return found


def _layers(data: bytes, where: str, depth: int = 0) -> Iterator[tuple[str, bytes]]:
    yield where, data
    if depth > 3:
        return
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
                plain = handle.read(MAX_DECODED)
            yield from _layers(plain, f"{where} (gunzipped)", depth + 1)
        except (OSError, EOFError, zlib.error):
            pass
    elif data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    if info.is_dir() or info.file_size > MAX_DECODED:
                        continue
                    yield from _layers(archive.read(info), f"{where}!{info.filename}", depth + 1)
        except (zipfile.BadZipFile, OSError, zlib.error, NotImplementedError):
            pass
    elif data[:5] == b"%PDF-":
        for number, match in enumerate(_PDF_STREAM.finditer(data)):
            try:
                yield f"{where} (PDF stream {number})", zlib.decompress(match.group(1))
            except zlib.error:
                continue
    if b"quoted-printable" in data[:65536].lower():
        yield f"{where} (quoted-printable decoded)", quopri.decodestring(data)


def find_in_bytes(data: bytes, where: str, wanted: dict[bytes, str]) -> Hit | None:
    if not wanted:
        return None
    for layer, plain in _layers(data, where):
        for needle, name in wanted.items():
            if needle in plain:
                return Hit(layer, name)
    return None


def find_in_file(path: Path, where: str, wanted: dict[bytes, str]) -> Hit | None:
    return find_in_bytes(path.read_bytes(), where, wanted) if wanted else None


def find_in_folder(folder: Path, wanted: dict[bytes, str]) -> Hit | None:
    """The first file under ``folder`` holding a wanted value (its path relative to the folder)."""
    if not wanted:
        return None
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        hit = find_in_file(path, path.relative_to(folder).as_posix(), wanted)
        if hit is not None:
            return hit
    return None
