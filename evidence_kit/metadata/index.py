"""The metadata index: tables beside the custody ledger in the case's ``ledger.sqlite``.

Every table is prefixed ``md_`` so it can never collide with the ledger's own (``events``,
``ledger_meta``, ``artefacts``). The index is derived data: it can be rebuilt from the description
artefacts, and verification never trusts it. Rows are written inside the ``describe`` event's own
transaction, so the index and the ledger never disagree about what was described.

Tables (created with sqlite-utils):
  md_descriptions  one row per described artefact: its description artefact, type, GPS
  md_selectors     one row per selector occurrence, with where it was found
  md_texts         the text of each capture and text artefact, with an FTS5 index (md_texts_fts)
  md_images        perceptual hashes of every photo
  md_media         images and videos taken from WARCs, with their URL and WARC record
  md_captures      captures already described
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .selectors import Selector

TABLES = ("md_descriptions", "md_selectors", "md_texts", "md_images", "md_media", "md_captures")


def database(connection: sqlite3.Connection) -> Any:
    """A sqlite-utils view of the ledger connection (imported late: it pulls in pandas when present)."""
    import sqlite_utils

    # No plugins, no connection-wide pragmas: this is the custody ledger's own connection.
    return sqlite_utils.Database(connection, recursive_triggers=False, execute_plugins=False)


def ensure_schema(connection: sqlite3.Connection) -> None:
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if present.issuperset((*TABLES, "md_texts_fts")):
        return  # the common case: no need to load sqlite-utils (and pandas behind it) at all
    db = database(connection)
    db["md_descriptions"].create(
        {
            "source": str,
            "description": str,
            "role": str,
            "mime": str,
            "magic": str,
            "capture_id": str,
            "url": str,
            "gps_latitude": str,
            "gps_longitude": str,
            "gps_readable": str,
            "flags": str,
            "seq": int,
            "time": str,
        },
        pk="source",
        if_not_exists=True,
    )
    db["md_selectors"].create(
        {
            "id": int,
            "kind": str,
            "value": str,
            "raw": str,
            "context": str,
            "found_in": str,
            "artefact": str,
            "capture_id": str,
            "url": str,
            "time": str,
            "seq": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["md_selectors"].create_index(["kind", "value"], if_not_exists=True)
    db["md_selectors"].create_index(["value"], if_not_exists=True)
    db["md_texts"].create(
        {
            "id": int,
            "artefact": str,
            "capture_id": str,
            "url": str,
            "title": str,
            "time": str,
            "text": str,
            "seq": int,
        },
        pk="id",
        if_not_exists=True,
    )
    if not db["md_texts"].detect_fts():
        # unicode61 with diacritics removed: "Работа" and "работа", "São" and "Sao" match.
        db["md_texts"].enable_fts(
            ["title", "text"],
            fts_version="FTS5",
            create_triggers=True,
            tokenize="unicode61 remove_diacritics 2",
        )
    db["md_images"].create(
        {
            "blake3": str,
            "phash": str,
            "dhash": str,
            "width": int,
            "height": int,
            "role": str,
            "url": str,
            "capture_id": str,
            "seq": int,
        },
        pk="blake3",
        if_not_exists=True,
    )
    db["md_media"].create(
        {
            "blake3": str,
            "capture_id": str,
            "url": str,
            "content_type": str,
            "warc": str,
            "warc_record_id": str,
            "warc_payload_digest": str,
            "seq": int,
        },
        pk=("blake3", "capture_id", "url"),
        if_not_exists=True,
    )
    db["md_captures"].create(
        {
            "capture_id": str,
            "url": str,
            "final_url": str,
            "title": str,
            "started": str,
            "seq": int,
        },
        pk="capture_id",
        if_not_exists=True,
    )


def described_sources(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT source FROM md_descriptions")}


def described_captures(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT capture_id FROM md_captures")}


# --- rows written inside the describe event's transaction (plain execute: sqlite-utils' writes
# --- would commit the ledger's open transaction) ---------------------------------------------------
@dataclass(frozen=True)
class DescriptionRow:
    source: str
    description: str
    role: str | None
    mime: str
    magic: str
    capture_id: str | None
    url: str | None
    gps: tuple[str, str, str] | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class SelectorRow:
    selector: Selector
    artefact: str
    capture_id: str | None
    url: str | None
    time: str | None


@dataclass(frozen=True)
class TextRow:
    artefact: str
    capture_id: str | None
    url: str | None
    title: str | None
    time: str | None
    text: str


@dataclass(frozen=True)
class ImageRow:
    blake3: str
    phash: str
    dhash: str
    width: int
    height: int
    role: str | None
    url: str | None
    capture_id: str | None


@dataclass(frozen=True)
class MediaRow:
    blake3: str
    capture_id: str | None
    url: str
    content_type: str | None
    warc: str
    warc_record_id: str | None
    warc_payload_digest: str | None


@dataclass(frozen=True)
class CaptureRow:
    capture_id: str
    url: str | None
    final_url: str | None
    title: str | None
    started: str | None


@dataclass
class Rows:
    descriptions: list[DescriptionRow]
    selectors: list[SelectorRow]
    texts: list[TextRow]
    images: list[ImageRow]
    media: list[MediaRow]
    captures: list[CaptureRow]


def write(connection: sqlite3.Connection, rows: Rows, seq: int, time: str) -> None:
    execute = connection.execute
    for d in rows.descriptions:
        execute(
            "INSERT OR REPLACE INTO md_descriptions (source, description, role, mime, magic, capture_id, url,"
            " gps_latitude, gps_longitude, gps_readable, flags, seq, time)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                d.source,
                d.description,
                d.role,
                d.mime,
                d.magic,
                d.capture_id,
                d.url,
                *(d.gps or (None, None, None)),
                ",".join(d.flags),
                seq,
                time,
            ),
        )
    for s in rows.selectors:
        execute(
            "INSERT INTO md_selectors"
            " (kind, value, raw, context, found_in, artefact, capture_id, url, time, seq)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                s.selector.kind,
                s.selector.value,
                s.selector.raw,
                s.selector.context,
                s.selector.source,
                s.artefact,
                s.capture_id,
                s.url,
                s.time,
                seq,
            ),
        )
    for t in rows.texts:
        execute(
            "INSERT INTO md_texts (artefact, capture_id, url, title, time, text, seq) VALUES (?,?,?,?,?,?,?)",
            (t.artefact, t.capture_id, t.url, t.title, t.time, t.text, seq),
        )
    for i in rows.images:
        execute(
            "INSERT OR REPLACE INTO md_images"
            " (blake3, phash, dhash, width, height, role, url, capture_id, seq)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (i.blake3, i.phash, i.dhash, i.width, i.height, i.role, i.url, i.capture_id, seq),
        )
    for m in rows.media:
        execute(
            "INSERT OR IGNORE INTO md_media (blake3, capture_id, url, content_type, warc, warc_record_id,"
            " warc_payload_digest, seq) VALUES (?,?,?,?,?,?,?,?)",
            (
                m.blake3,
                m.capture_id,
                m.url,
                m.content_type,
                m.warc,
                m.warc_record_id,
                m.warc_payload_digest,
                seq,
            ),
        )
    for c in rows.captures:
        execute(
            "INSERT OR REPLACE INTO md_captures (capture_id, url, final_url, title, started, seq)"
            " VALUES (?,?,?,?,?,?)",
            (c.capture_id, c.url, c.final_url, c.title, c.started, seq),
        )


# --- reading, also from other cases' ledgers (read-only: looking must not write) --------------------
@contextmanager
def read_only(ledger_path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to a case's ledger, or None when it holds no metadata index yet."""
    if not ledger_path.is_file():
        yield None
        return
    connection = sqlite3.connect(f"file:{ledger_path}?mode=ro", uri=True, timeout=30)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        yield connection if "md_selectors" in tables else None
    finally:
        connection.close()


def query(connection: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, tuple(params))
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
