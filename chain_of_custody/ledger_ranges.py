"""The costly, independent part of a chain walk: each event's entry hash computed again and its signature
checked, event by event, either for events the walk hands over or for a range of a ledger file read here.

For a long ledger, worker processes each open the SQLite file read-only and take a range of sequence
numbers (:func:`check_range`): the walking process ships nothing but the range and never decodes an
event for them. Which key checks event N is fixed before the workers start (:class:`KeySchedule`, from
the case events alone), so every worker can check any range on its own. Workers return only what
failed, plus what binds their reading to the walk's (how many events, and a BLAKE3 over the entry hashes
they read).
"""

from __future__ import annotations

import json
import json.decoder
import json.encoder
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import blake3

from .canonical import _ENCODER, canonical_json
from .keys import verify_signature
from .ledger import _json_or_text, _text

COLUMNS = "seq, time, actor, key_id, action, case_id, artefacts, details, prev_hash, entry_hash, signature"
# A stored row as the writer leaves it: an integer seq and text in every other column.
PLAIN_ROW = (int, *(str,) * 10)


# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) is this C encoder, built
# afresh on every call and with a check for cycles, which values read from JSON cannot hold: built once,
# without it, it writes the same bytes at a third of the cost (canonical_json when it is missing).
_ENCODE = (
    json.encoder.c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", True, False, True)  # type: ignore[attr-defined]
    if getattr(json.encoder, "c_make_encoder", None) is not None
    else None
)
# What json.loads runs on text: called directly, and json.loads itself for whatever this does not take
# whole (leading or trailing white space, an error), so a column reads exactly as json.loads reads it.
_SCAN = json.decoder.JSONDecoder().scan_once  # type: ignore[attr-defined]


def parsed(text: str) -> Any:
    """A stored JSON column (text) as :func:`chain_of_custody.ledger._json_or_text` reads it, faster."""
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError):
        return _json_or_text(text)
    return value if end == len(text) else _json_or_text(text)


def entry_hash_of(body: dict[str, Any]) -> str:
    """An event's entry hash from its hashed fields, as verify computes it (a value the writer would have
    refused yields a different hash, or says why it cannot be hashed). ``body`` holds values read from
    JSON or from text columns."""
    try:
        data = "".join(_ENCODE(body, 0)).encode("utf-8") if _ENCODE else canonical_json(body, strict=False)
        return "blake3:" + blake3.blake3(data).hexdigest()
    except (TypeError, ValueError) as exc:  # ValueError: a lone surrogate that is not UTF-8
        return f"unhashable: {exc}"


@dataclass(frozen=True)
class KeySchedule:
    """Which raw Ed25519 key checks an event: the key the chain enrolled under its key id from the
    enrolling event on, else the readable copy in ``keys/`` (then signer-enrolled names the event)."""

    enrolled: dict[str, tuple[int, bytes]]  # key id -> (enrolling seq, raw public key)
    files: dict[str, bytes]  # key id -> raw public key from keys/

    def key_for(self, seq: int, key_id: str) -> bytes | None:
        enrolled = self.enrolled.get(key_id)
        if enrolled is not None and enrolled[0] <= seq:
            return enrolled[1]
        return self.files.get(key_id)


@dataclass
class RangeResult:
    """What one range's check found: only failures, with counts of what passed."""

    lo: int
    hi: int
    events: int = 0
    hashes_good: int = 0
    signatures_good: int = 0
    bad_hashes: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, recorded, computed)
    bad_signatures: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, actor, key id)
    read_digest: str = ""  # BLAKE3 over the entry hashes read, in seq order


_WORKER: dict[str, Any] = {}


def start_worker(path: str, schedule: KeySchedule) -> None:
    """Pool initialiser: remember the ledger file and the key schedule (the connection opens on first use)."""
    _WORKER.clear()
    _WORKER.update(path=path, schedule=schedule)


def read_only(path: Path | str) -> sqlite3.Connection:
    """A read-only connection that decodes text strictly (a column that is not UTF-8 raises, and the
    caller walks the ledger the slow way, where such text reads as U+FFFD)."""
    connection = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=60)
    connection.execute("PRAGMA busy_timeout = 60000")
    return connection


def check_range(lo: int, hi: int) -> RangeResult:
    """Check the entry hash and signature of every event with ``lo <= seq <= hi`` (in a worker)."""
    connection = _WORKER.get("connection")
    if connection is None:
        connection = _WORKER["connection"] = read_only(_WORKER["path"])
    rows = connection.execute(f"SELECT {COLUMNS} FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq", (lo, hi))
    return check_rows(rows, _WORKER["schedule"], lo, hi)


def check_rows(rows: Iterable[tuple[Any, ...]], schedule: KeySchedule, lo: int = 0, hi: int = 0) -> RangeResult:
    result = RangeResult(lo, hi)
    read = blake3.blake3()
    bad_hashes, bad_signatures = result.bad_hashes, result.bad_signatures
    key_for = schedule.key_for
    hashes_good = signatures_good = events = 0
    for row in rows:
        if tuple(map(type, row)) != PLAIN_ROW:
            row = (row[0] if isinstance(row[0], int) else -1, *map(_text, row[1:]))
        seq, time, actor, key_id, action, case_id, artefacts, details, prev_hash, entry_hash, signature = row
        events += 1
        read.update(entry_hash.encode("utf-8", "replace"))
        body = {
            "seq": seq,
            "time": time,
            "actor": actor,
            "key_id": key_id,
            "action": action,
            "case_id": case_id,
            "artefacts": [] if artefacts == "[]" else parsed(artefacts),
            "details": {} if details == "{}" else parsed(details),
            "prev_hash": prev_hash,
        }
        computed = entry_hash_of(body)
        if computed == entry_hash:
            hashes_good += 1
        else:
            bad_hashes.append((seq, entry_hash, computed))
        key = key_for(seq, key_id)
        if key is None:
            continue  # signer-key names the event on the walk
        if verify_signature(key, signature, entry_hash.encode("ascii", "replace")):
            signatures_good += 1
        else:
            bad_signatures.append((seq, actor, key_id))
    result.events, result.hashes_good, result.signatures_good = events, hashes_good, signatures_good
    result.read_digest = read.hexdigest()
    return result
