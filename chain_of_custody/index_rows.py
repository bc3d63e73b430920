"""The rule that turns signed records into the rows of a case's metadata index (the ``md_*`` tables).

The index in ``ledger.sqlite`` is derived data. Every row is a function of what the chain signs: the
``describe`` events (which description artefact describes which artefact, which captures they cover,
which images and videos they took out of a WARC), the description artefacts themselves, the text
artefacts they name, and the capture records. ``evidence-kit describe`` writes the rows this module
derives, ``describe --rebuild-index`` writes them again from the files, and the ``index-metadata``
check derives them from the files and compares: there is one rule, so the three cannot drift apart.

Standard library and blake3 only (a court expert runs this without evidence-kit).

Columns, in order (``id`` of md_selectors and md_texts is a row number and carries nothing)::

    md_descriptions  source description role mime magic capture_id url gps_latitude gps_longitude
                     gps_readable flags seq time
    md_selectors     kind value raw context found_in artefact capture_id url time seq
    md_texts         artefact capture_id url title time text seq
    md_images        blake3 phash dhash width height role url capture_id seq
    md_media         blake3 capture_id url content_type warc warc_record_id warc_payload_digest seq
    md_captures      capture_id url final_url title started seq
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .hashing import blake3_digest

COLUMNS: dict[str, tuple[str, ...]] = {
    "md_descriptions": (
        "source",
        "description",
        "role",
        "mime",
        "magic",
        "capture_id",
        "url",
        "gps_latitude",
        "gps_longitude",
        "gps_readable",
        "flags",
        "seq",
        "time",
    ),
    "md_selectors": ("kind", "value", "raw", "context", "found_in", "artefact", "capture_id", "url", "time", "seq"),
    "md_texts": ("artefact", "capture_id", "url", "title", "time", "text", "seq"),
    "md_images": ("blake3", "phash", "dhash", "width", "height", "role", "url", "capture_id", "seq"),
    "md_media": ("blake3", "capture_id", "url", "content_type", "warc", "warc_record_id", "warc_payload_digest", "seq"),
    "md_captures": ("capture_id", "url", "final_url", "title", "started", "seq"),
}
# Tables with one row per key (a later describe replaces the row, except md_media: the first stays).
KEYS: dict[str, tuple[str, ...]] = {
    "md_descriptions": ("source",),
    "md_images": ("blake3",),
    "md_media": ("blake3", "capture_id", "url"),
    "md_captures": ("capture_id",),
}
FIRST_WINS = {"md_media"}

Row = tuple[Any, ...]


def artefact_path(case_dir: Path, digest: str) -> Path:
    """Where a case stores the artefact with this BLAKE3 digest."""
    hex_digest = digest.partition(":")[2] or digest
    return case_dir / "artefacts" / hex_digest[:2] / hex_digest


@dataclass(frozen=True)
class Description:
    """A description artefact, as its describe event records it."""

    digest: str
    source: str  # the artefact it describes
    body: dict[str, Any]
    seq: int  # the describe event
    time: str


def _keyed_tables() -> dict[str, dict[Row, Row]]:
    return {table: {} for table in KEYS}


def _listed_tables() -> dict[str, list[Row]]:
    return {"md_selectors": [], "md_texts": []}


@dataclass
class Rows:
    """Derived rows: keyed tables by key, row tables as lists (order kept)."""

    keyed: dict[str, dict[Row, Row]] = field(default_factory=_keyed_tables)
    listed: dict[str, list[Row]] = field(default_factory=_listed_tables)

    def put(self, table: str, row: Row) -> None:
        columns = COLUMNS[table]
        key = tuple(row[columns.index(name)] for name in KEYS[table])
        if table in FIRST_WINS and key in self.keyed[table]:
            return
        self.keyed[table][key] = row

    def add(self, table: str, row: Row) -> None:
        self.listed[table].append(row)

    def tables(self) -> Iterator[tuple[str, list[Row]]]:
        for table in COLUMNS:
            yield table, list(self.keyed[table].values()) if table in KEYS else self.listed[table]


@dataclass(frozen=True)
class EventFacts:
    """What one describe event says, beyond its descriptions."""

    seq: int
    time: str
    descriptions: list[Description]
    captures: list[str]  # ids of the captures it describes
    media: list[dict[str, Any]]  # its role-media entries


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def capture_parts(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(DOM artefact, artefact whose text is indexed) of a capture record: its text, else its DOM."""
    by_role: dict[str, str] = {}
    for item in record.get("artefacts") or []:
        if isinstance(item, dict) and isinstance(item.get("blake3"), str):
            by_role.setdefault(str(item.get("role")), item["blake3"])
    dom = by_role.get("dom")
    return dom, by_role.get("text") or dom


def record_url(record: dict[str, Any]) -> str | None:
    return record.get("final_url") or record.get("url")


def capture_title(record: dict[str, Any], lookup: Callable[[str], Description | None]) -> str | None:
    """The page title of a capture: from its DOM's description, else from the capture record."""
    dom, _ = capture_parts(record)
    described = lookup(dom) if dom else None
    title = _dict(described.body.get("page")).get("title") if described else None
    return title or _dict(record.get("page")).get("title")


def _where(source: dict[str, Any]) -> str | None:
    if source.get("url"):
        return str(source["url"])
    return f"file:{source['original_name']}" if source.get("original_name") else None


def rows_for_event(
    facts: EventFacts,
    rows: Rows,
    lookup: Callable[[str], Description | None],
    records: dict[str, dict[str, Any]],
    first_time: Callable[[str], str | None],
    text_of: Callable[[str], str | None],
) -> None:
    """Add to ``rows`` the index rows one describe event accounts for.

    ``lookup`` finds the description of an artefact (this event's or an earlier one), ``records`` the
    capture records by id, ``first_time`` when an artefact was first recorded, ``text_of`` the text
    held by a text artefact (None when it cannot be read as recorded).
    """
    for d in facts.descriptions:
        body = d.body
        source = _dict(body.get("source"))
        capture_id = source.get("capture_id")
        record = records.get(capture_id) if isinstance(capture_id, str) else None
        when = (record or {}).get("started") or first_time(d.source)
        where = _where(source)
        kind = _dict(body.get("filetype"))
        gps = _dict(_dict(body.get("embedded")).get("gps"))
        listed = body.get("flags")
        flags: list[Any] = listed if isinstance(listed, list) else []
        rows.put(
            "md_descriptions",
            (
                d.source,
                d.digest,
                source.get("role"),
                kind.get("mime"),
                kind.get("description"),
                capture_id,
                source.get("url"),
                gps.get("latitude"),
                gps.get("longitude"),
                gps.get("readable"),
                ",".join(str(f) for f in flags),
                facts.seq,
                facts.time,
            ),
        )
        for s in _selectors(body):
            rows.add("md_selectors", (*s, d.source, capture_id, where, when, facts.seq))
        text = _dict(body.get("text"))
        if isinstance(text.get("blake3"), str):
            rows.add(
                "md_texts",
                (d.source, capture_id, source.get("url"), text.get("title"), when, text_of(text["blake3"]), facts.seq),
            )
        hashes = _dict(body.get("image_hashes"))
        if hashes:
            rows.put(
                "md_images",
                (
                    d.source,
                    hashes.get("phash"),
                    hashes.get("dhash"),
                    hashes.get("width"),
                    hashes.get("height"),
                    source.get("role"),
                    source.get("url"),
                    capture_id,
                    facts.seq,
                ),
            )
    for entry in facts.media:
        rows.put(
            "md_media",
            (
                entry.get("blake3"),
                entry.get("capture_id"),
                entry.get("url"),
                entry.get("content_type"),
                entry.get("source"),
                entry.get("warc_record_id"),
                entry.get("warc_payload_digest"),
                facts.seq,
            ),
        )
    for capture_id in facts.captures:
        record = records.get(capture_id)
        if record is None:
            continue
        title = capture_title(record, lookup)
        url, when = record_url(record), record.get("started")
        rows.put("md_captures", (capture_id, record.get("url"), record.get("final_url"), title, when, facts.seq))
        # The same DOM or text bytes captured again (a static page): described once, under the capture
        # that brought them first; the later capture is indexed from that description.
        dom, text_artefact = capture_parts(record)
        for part in dict.fromkeys(p for p in (dom, text_artefact) if p):
            described = lookup(part)
            if described is None or _dict(described.body.get("source")).get("capture_id") == capture_id:
                continue
            for s in _selectors(described.body):
                if s[4] != "metadata":
                    rows.add("md_selectors", (*s, part, capture_id, url, when, facts.seq))
            text = _dict(described.body.get("text"))
            if part == text_artefact and isinstance(text.get("blake3"), str):
                rows.add("md_texts", (part, capture_id, url, title, when, text_of(text["blake3"]), facts.seq))


def _selectors(body: dict[str, Any]) -> list[tuple[Any, Any, Any, Any, Any]]:
    out = []
    for item in body.get("selectors") or []:
        if isinstance(item, dict):
            out.append((item.get("kind"), item.get("value"), item.get("raw"), item.get("context"), item.get("source")))
    return out


# --- reading a case folder -------------------------------------------------------------------------
@dataclass(frozen=True)
class FirstSeen:
    """An artefact as the first event naming it records it (what the ``artefacts`` table holds)."""

    sha256: Any
    size: Any
    mime: Any
    seq: int
    time: str


@dataclass
class Problem:
    """A recorded file the derivation could not use, and why (``source``: the artefact it describes)."""

    where: str
    message: str
    source: str | None = None


@dataclass
class Signed:
    """Everything the index is derived from, read from a case folder once."""

    first: dict[str, FirstSeen]
    events: list[EventFacts]
    records: dict[str, dict[str, Any]]
    problems: list[Problem]
    texts: dict[str, str | None]

    def lookup_table(self) -> dict[str, Description]:
        return {d.source: d for facts in self.events for d in facts.descriptions}


def _read_recorded(
    case_dir: Path, digest: str, problems: list[Problem], what: str, source: str | None = None
) -> bytes | None:
    path = artefact_path(case_dir, digest)
    try:
        data = path.read_bytes()
    except (OSError, IndexError):
        problems.append(Problem(f"{what} {digest}", "the file is missing or unreadable", source))
        return None
    if blake3_digest(data) != digest:
        problems.append(Problem(f"{what} {digest}", "the file no longer has its recorded digest", source))
        return None
    return data


def _json_object(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def read_signed(case_dir: Path, connection: sqlite3.Connection) -> Signed:
    """One pass over the events; each description, text and capture record artefact read once."""
    first: dict[str, FirstSeen] = {}
    pending: list[tuple[int, str, list[dict[str, Any]], list[str], list[dict[str, Any]]]] = []
    record_digests: list[str] = []
    problems: list[Problem] = []
    for seq, time, action, artefacts_json, details_json in connection.execute(
        # An event naming no artefact that is not a describe event adds nothing here: not read at all.
        "SELECT seq, time, action, artefacts, details FROM events WHERE artefacts != '[]' OR action = 'describe'"
        " ORDER BY seq"
    ):
        try:
            entries = json.loads(artefacts_json)
        except (TypeError, ValueError):
            continue  # the entry-hash check names this event
        entries = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
        for item in entries:
            digest = item.get("blake3")
            if isinstance(digest, str) and digest not in first:
                first[digest] = FirstSeen(item.get("sha256"), item.get("size"), item.get("mime"), seq, time)
            if item.get("role") == "capture-record" and isinstance(digest, str):
                record_digests.append(digest)
        if action != "describe":
            continue
        try:
            details = json.loads(details_json)
        except (TypeError, ValueError):
            details = {}
        captures = _dict(details).get("captures")
        metadata = [e for e in entries if e.get("role") == "metadata" and isinstance(e.get("source"), str)]
        media = [e for e in entries if e.get("role") == "media"]
        ids = [c for c in captures if isinstance(c, str)] if isinstance(captures, list) else []
        pending.append((seq, time, metadata, ids, media))
    records: dict[str, dict[str, Any]] = {}
    for digest in record_digests:
        record = _json_object(_read_recorded(case_dir, digest, problems, "capture record"))
        if record is not None and isinstance(record.get("id"), str):
            records.setdefault(record["id"], record)
    events: list[EventFacts] = []
    texts: dict[str, str | None] = {}
    for seq, time, metadata, ids, media in pending:
        descriptions = []
        for entry in metadata:
            body = _json_object(_read_recorded(case_dir, entry["blake3"], problems, "description", entry["source"]))
            if body is None:
                if not problems or problems[-1].source != entry["source"]:
                    problems.append(Problem(f"description {entry['blake3']}", "is not JSON", entry["source"]))
                continue
            descriptions.append(Description(entry["blake3"], entry["source"], body, seq, time))
            text = _dict(body.get("text")).get("blake3")
            if isinstance(text, str) and text not in texts:
                data = _read_recorded(case_dir, text, problems, "indexed text", entry["source"])
                texts[text] = _decode(data)
        events.append(EventFacts(seq, time, descriptions, ids, media))
    return Signed(first, events, records, problems, texts)


def _decode(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def derive(signed: Signed) -> Rows:
    """Every md_* row the signed records account for, in the order describe wrote them."""
    rows = Rows()
    so_far: dict[str, Description] = {}
    for facts in signed.events:
        for d in facts.descriptions:
            so_far[d.source] = d

        def first_time(digest: str) -> str | None:
            seen = signed.first.get(digest)
            return seen.time if seen else None

        rows_for_event(facts, rows, so_far.get, signed.records, first_time, signed.texts.get)
    return rows


def artefact_rows(signed: Signed) -> list[Row]:
    """The ``artefacts`` index table as the events define it (blake3, sha256, size, mime, first_seq,
    first_time), in the order of first record."""
    return [(b, f.sha256, f.size, f.mime, f.seq, f.time) for b, f in signed.first.items()]


def read_table(connection: sqlite3.Connection, table: str) -> Iterable[tuple[int, Row]]:
    """(row id, row in COLUMNS order) of one md_* table as stored."""
    columns = ", ".join(COLUMNS[table])
    for rowid, *values in connection.execute(f"SELECT rowid, {columns} FROM {table} ORDER BY rowid"):
        yield rowid, tuple(values)
