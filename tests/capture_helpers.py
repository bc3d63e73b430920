"""Readers the capture tests use to look inside artefacts (WARC, PNG, PDF, MHTML)."""

from __future__ import annotations

import email
import io
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator


@dataclass
class WarcRecord:
    type: str
    uri: str
    warc_headers: dict[str, str]
    status: int | None
    http_headers: list[tuple[str, str]]
    body: bytes


def read_warc(path: str | Path) -> list[WarcRecord]:
    records = []
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            status = None
            headers: list[tuple[str, str]] = []
            if record.http_headers is not None:
                headers = list(record.http_headers.headers)
                if record.rec_type == "response":
                    status = int(record.http_headers.get_statuscode())
            records.append(
                WarcRecord(
                    record.rec_type,
                    record.rec_headers.get_header("WARC-Target-URI") or "",
                    dict(record.rec_headers.headers),
                    status,
                    headers,
                    record.content_stream().read(),
                )
            )
    return records


def responses(records: list[WarcRecord], url: str) -> list[WarcRecord]:
    return [r for r in records if r.type == "response" and r.uri == url]


def artefact(result: Any, role: str) -> Path:
    matches = [a for a in result.artefacts if a.role == role]
    assert matches, f"no {role} artefact in {result.id}: {[a.role for a in result.artefacts]} {result.errors}"
    return Path(matches[0].path)


def png_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def colour_pixels(path: Path, colour: tuple[int, int, int]) -> int:
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        counts = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
    return sum(n for n, c in counts if c == colour)


def pdf_pages(path: Path) -> int:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


def mhtml_html_parts(path: Path) -> list[str]:
    message = email.message_from_bytes(path.read_bytes())
    assert message.is_multipart(), "MHTML is not a multipart message"
    parts = []
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return parts


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    import sys

    warcio = Path(sys.executable).with_name("warcio")
    return subprocess.run([str(warcio), "check", "-v", str(path)], capture_output=True, text=True)


def read_json_bytes(path: Path) -> Any:
    import json

    return json.loads(io.BytesIO(path.read_bytes()).read().decode("utf-8"))
