"""A verify check: every WARC record a social-media Profile, its Posts or a stored media file cites is real.

A recorded account (``evidence-kit capture-profile``) is a set of canonical-JSON artefacts: the Profile
(role ``social-profile``) and the Posts (``social-posts``) name the capture they were read from and,
for every value, the ``warc_record_id`` of the response it came from; each picture or video stored from
the capture (``social-media``) names its WARC (``source``) and record in the event. A court expert is
told they can open the WARC and find the bytes behind any value, so this check opens it: every record
id cited must be the ``WARC-Record-ID`` of a record in a WARC of the capture the artefact names.

A value read from somewhere else (the rendered DOM, a saved file with no WARC) cites no record and is
not this check's business; an artefact that cites none passes. The WARCs are read as the standard
writes them, one gzip member per record (plain WARCs too), headers only, streamed: the payloads are
inflated and thrown away, so memory stays flat whatever their size. Standard library only.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from .checks import describe
from .errors import Finding
from .index_rows import artefact_path
from .report import Report

CHECK = "social-source"
DESCRIPTION = describe(CHECK)
CITING = ("social-profile", "social-posts")
MAX_LINE = 64 * 1024  # a WARC header line longer than this is not one
MAX_DEPTH = 64  # a Profile or Posts JSON nested deeper than this is not one
CHUNK = 1 << 20

# (seq, action, details, artefacts) of the capture and social-profile events, in ledger order.
SocialEvent = tuple[int, str, Any, Any]


class UnreadableWarc(ValueError):
    """The file is not a WARC this reader can walk (the sentence says where it stopped)."""


def warc_record_ids(path: Path) -> set[str]:
    """The ``WARC-Record-ID`` of every record of a WARC (gzip members or plain), headers only, streamed."""
    ids: set[str] = set()
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw  # type: ignore[assignment]
        try:
            _walk(stream, ids)
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise UnreadableWarc(f"the WARC does not read to its end: {exc}") from exc
    return ids


def _walk(stream: BinaryIO, ids: set[str]) -> None:
    records = 0
    while True:
        line = stream.readline(MAX_LINE)
        if not line:
            return
        if line in (b"\r\n", b"\n"):
            continue  # the two line breaks that end each record
        if not line.startswith(b"WARC/"):
            raise UnreadableWarc(f"record {records + 1} does not start with a WARC version line")
        length: int | None = None
        while True:
            line = stream.readline(MAX_LINE)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("utf-8", "replace").partition(":")
            name = name.strip().lower()
            if name == "warc-record-id":
                ids.add(value.strip())
            elif name == "content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    length = None
        if length is None or length < 0:
            raise UnreadableWarc(f"record {records + 1} has no Content-Length")
        while length > 0:  # the block is skipped, never held
            got = stream.read(min(CHUNK, length))
            if not got:
                raise UnreadableWarc(f"record {records + 1} ends before its Content-Length")
            length -= len(got)
        records += 1


def cited_records(value: Any) -> set[str]:
    """Every ``warc_record_id`` an artefact's JSON names (a source object anywhere in it)."""
    found: set[str] = set()
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError("nested too deep")
        if isinstance(item, dict):
            record = item.get("warc_record_id")
            if isinstance(record, str):
                found.add(record)
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return found


def check_social(case_dir: Path, report: Report) -> None:
    """The ``social-source`` check on a case folder (its ledger's capture and social-profile events)."""
    ledger = case_dir / "ledger.sqlite"
    if not ledger.is_file():
        return
    connection = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=30)
    try:
        rows = connection.execute(
            "SELECT seq, action, details, artefacts FROM events "
            "WHERE action IN ('capture', 'social-profile') ORDER BY seq"
        ).fetchall()
    except sqlite3.DatabaseError:
        return  # the ledger checks already report an unreadable ledger
    finally:
        connection.close()
    events: list[SocialEvent] = []
    for seq, action, details, artefacts in rows:
        try:
            events.append((seq, action, json.loads(details), json.loads(artefacts)))
        except ValueError:
            continue  # entry-hash and chain checks name this event
    check_social_events(events, lambda digest: artefact_path(case_dir, digest), report)


def check_social_events(events: Iterable[SocialEvent], locate: Callable[[str], Path | None], report: Report) -> None:
    """The same check over the events, wherever the files are (a case folder, or a bundle's payload)."""
    warcs: dict[str, list[str]] = {}  # capture id -> its WARC artefacts (by the signed capture events)
    records: dict[str, set[str] | str | None] = {}  # WARC digest -> its record ids, a problem, or None

    def ids_of(digest: str) -> set[str] | str | None:
        if digest not in records:
            path = locate(digest)
            if path is None or not path.is_file():
                records[digest] = None  # artefact-present (or the bundle's checks) name the missing file
            else:
                try:
                    records[digest] = warc_record_ids(path)
                except (OSError, UnreadableWarc) as exc:
                    records[digest] = str(exc)
        return records[digest]

    def fail(where: str, message: str, expected: str | None = None, found: str | None = None) -> None:
        report.fail(CHECK, DESCRIPTION, Finding(CHECK, where, message, expected, found))

    def in_warcs(where: str, cited: set[str], digests: list[str]) -> None:
        known: set[str] = set()
        for digest in digests:
            ids = ids_of(digest)
            if ids is None:
                return  # a WARC is missing: reported elsewhere; nothing can be said here
            if isinstance(ids, str):
                fail(where, f"cites records of the WARC {digest}, which cannot be read: {ids}")
                return
            known |= ids
        missing = sorted(cited - known)
        if missing:
            shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
            fail(
                where,
                f"cites {len(missing)} WARC record(s) that are not in the capture's web archive",
                f"records of {', '.join(digests)}",
                shown,
            )
        else:
            report.passed_item(CHECK, DESCRIPTION)

    for seq, action, details, artefacts in events:
        entries = [e for e in artefacts if isinstance(e, dict)] if isinstance(artefacts, list) else []
        if action == "capture":
            capture_id = details.get("capture_id") if isinstance(details, dict) else None
            if capture_id:
                warcs.setdefault(str(capture_id), []).extend(
                    str(e.get("blake3")) for e in entries if e.get("role") == "warc"
                )
            continue
        for entry in entries:
            role, digest = entry.get("role"), str(entry.get("blake3"))
            where = f"event {seq} {role} {digest}"
            if role == "social-media" and isinstance(entry.get("warc_record_id"), str):
                in_warcs(where, {entry["warc_record_id"]}, [str(entry.get("source"))])
                continue
            if role not in CITING:
                continue
            path = locate(digest)
            if path is None or not path.is_file():
                continue  # artefact-present reports the missing file
            try:
                body = json.loads(path.read_bytes())
                cited = cited_records(body)
                named = body["capture"]["id"] if role == "social-profile" else body["capture_id"]
            except (OSError, ValueError, KeyError, TypeError, RecursionError):
                fail(where, "is not a readable social-media artefact (its capture and sources cannot be read)")
                continue
            if not cited:
                report.passed_item(CHECK, DESCRIPTION)  # read from no WARC (a saved file, the DOM): nothing cited
                continue
            found = warcs.get(str(named), [])
            if not found:
                fail(
                    where,
                    "cites WARC records, but the capture it names has no web archive recorded before it",
                    None,
                    f"capture {named}",
                )
                continue
            in_warcs(where, cited, found)
