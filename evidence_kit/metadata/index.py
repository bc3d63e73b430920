"""The metadata index: tables beside the custody ledger in the case's ``ledger.sqlite``.

Every table is prefixed ``md_`` so it can never collide with the ledger's own (``events``,
``ledger_meta``, ``artefacts``). The index is derived data: it can be rebuilt from the description
artefacts, and verification never trusts it. Rows are written inside the ``describe`` event's own
transaction, so the index and the ledger never disagree about what was described.

Tables (plain SQL, :data:`SCHEMA`):
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
from pathlib import Path
from typing import Any

from chain_of_custody.errors import LedgerCorrupt
from chain_of_custody.index_rows import COLUMNS, FIRST_WINS, KEYS, Rows

TABLES = ("md_descriptions", "md_selectors", "md_texts", "md_images", "md_media", "md_captures")

# Plain SQL beside the ledger's own schema (chain_of_custody/ledger.py). md_texts_fts indexes md_texts'
# title and text (external content, kept in step by triggers); unicode61 with diacritics removed:
# "Работа" and "работа", "São" and "Sao" match.
SCHEMA = """
CREATE TABLE IF NOT EXISTS md_descriptions (
    source TEXT PRIMARY KEY, description TEXT, role TEXT, mime TEXT, magic TEXT, capture_id TEXT, url TEXT,
    gps_latitude TEXT, gps_longitude TEXT, gps_readable TEXT, flags TEXT, seq INTEGER, time TEXT
);
CREATE TABLE IF NOT EXISTS md_selectors (
    id INTEGER PRIMARY KEY, kind TEXT, value TEXT, raw TEXT, context TEXT, found_in TEXT, artefact TEXT,
    capture_id TEXT, url TEXT, time TEXT, seq INTEGER
);
CREATE INDEX IF NOT EXISTS idx_md_selectors_kind_value ON md_selectors (kind, value);
CREATE INDEX IF NOT EXISTS idx_md_selectors_value ON md_selectors (value);
CREATE TABLE IF NOT EXISTS md_texts (
    id INTEGER PRIMARY KEY, artefact TEXT, capture_id TEXT, url TEXT, title TEXT, time TEXT, text TEXT,
    seq INTEGER
);
CREATE VIRTUAL TABLE IF NOT EXISTS md_texts_fts USING fts5 (
    title, text, content=md_texts, content_rowid=id, tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS md_texts_ai AFTER INSERT ON md_texts BEGIN
    INSERT INTO md_texts_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS md_texts_ad AFTER DELETE ON md_texts BEGIN
    INSERT INTO md_texts_fts (md_texts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS md_texts_au AFTER UPDATE ON md_texts BEGIN
    INSERT INTO md_texts_fts (md_texts_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO md_texts_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TABLE IF NOT EXISTS md_images (
    blake3 TEXT PRIMARY KEY, phash TEXT, dhash TEXT, width INTEGER, height INTEGER, role TEXT, url TEXT,
    capture_id TEXT, seq INTEGER
);
CREATE TABLE IF NOT EXISTS md_media (
    blake3 TEXT, capture_id TEXT, url TEXT, content_type TEXT, warc TEXT, warc_record_id TEXT,
    warc_payload_digest TEXT, seq INTEGER, PRIMARY KEY (blake3, capture_id, url)
);
CREATE TABLE IF NOT EXISTS md_captures (
    capture_id TEXT PRIMARY KEY, url TEXT, final_url TEXT, title TEXT, started TEXT, seq INTEGER
);
"""


def _statements(script: str) -> list[str]:
    """The schema's statements one by one (a trigger body holds semicolons of its own)."""
    out: list[str] = []
    current = ""
    for line in script.strip().splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out


def ensure_schema(connection: sqlite3.Connection) -> None:
    """Create the md_* tables unless present, inside one ``BEGIN IMMEDIATE`` transaction.

    Several processes open a new case at once (three ``add`` loops, a capture): schema changes are
    writes, and a write started from an open read snapshot fails at once with "database is locked"
    in WAL mode, whatever the busy timeout. ``BEGIN IMMEDIATE`` takes the write lock first (waiting
    for it under the connection's busy timeout) and the statements are ``IF NOT EXISTS``, so the last
    of several racing processes finds nothing left to do.
    """
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if present.issuperset((*TABLES, "md_texts_fts")):
        return
    if connection.in_transaction:  # inside a caller's transaction: it holds the lock already
        for statement in _statements(SCHEMA):
            connection.execute(statement)
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(SCHEMA):
            connection.execute(statement)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def drop_tables(connection: sqlite3.Connection) -> None:
    """Drop every md_* table (inside the caller's transaction): the index is derived data."""
    for table in ("md_texts_fts", *TABLES):
        connection.execute(f"DROP TABLE IF EXISTS {table}")


def described_sources(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT source FROM md_descriptions")}


def described_captures(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT capture_id FROM md_captures")}


# --- rows written inside the describe event's transaction ------------------------------------------
def write(connection: sqlite3.Connection, rows: Rows) -> None:
    """Insert derived rows (see chain_of_custody.index_rows) inside the caller's transaction."""
    for table, items in rows.tables():
        columns = COLUMNS[table]
        verb = "INSERT OR IGNORE" if table in FIRST_WINS else "INSERT OR REPLACE" if table in KEYS else "INSERT"
        sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        connection.executemany(sql, items)


# --- reading, also from other cases' ledgers (read-only: looking must not write) --------------------
@contextmanager
def read_only(ledger_path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to a case's ledger, or None when it holds no metadata index yet."""
    if not ledger_path.is_file():
        yield None
        return
    connection = sqlite3.connect(f"file:{ledger_path}?mode=ro", uri=True, timeout=30)
    try:
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise LedgerCorrupt(f"case {ledger_path.parent.name}: the ledger is not readable: {exc}") from None
        yield connection if "md_selectors" in tables else None
    finally:
        connection.close()


def query(connection: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, tuple(params))
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
