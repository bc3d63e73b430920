"""Every decoded form of a stored file, for the tests that search evidence for secret values.

Written apart from the code under test (``evidence_kit/personas/scan.py``), so a search that misses a
layer there is not missed here too.
"""

from __future__ import annotations

import gzip
import io
import quopri
import re
import zipfile
import zlib
from collections.abc import Iterator


def layers(data: bytes, where: str, depth: int = 0) -> Iterator[tuple[str, bytes]]:
    """(where, bytes) for the file and each layer inside it: gzip, zip members, PDF streams, quoted-printable."""
    yield where, data
    if depth > 4:
        return
    if data[:2] == b"\x1f\x8b":
        yield from layers(gzip.GzipFile(fileobj=io.BytesIO(data)).read(), where + " (gunzip)", depth + 1)
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield from layers(archive.read(name), f"{where}!{name}", depth + 1)
    if data[:5] == b"%PDF-":
        for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
            try:
                yield where + " (pdf stream)", zlib.decompress(match.group(1).rstrip(b"\r\n"))
            except zlib.error:
                pass
    if b"quoted-printable" in data[:100000]:
        yield where + " (qp)", quopri.decodestring(data)
