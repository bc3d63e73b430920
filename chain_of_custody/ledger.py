"""The append-only, signed, hash-chained custody ledger (SQLite).

Each event's ``entry_hash`` is BLAKE3 over the canonical JSON of every field but itself and the
signature; ``prev_hash`` is the previous event's ``entry_hash`` (the first event chains from a genesis
value derived from the case id); the signature is Ed25519 over the ASCII ``entry_hash``. Editing,
deleting, inserting or reordering events therefore breaks a hash, a link or a signature, and verify
names the event.

Appends run in ``BEGIN IMMEDIATE`` transactions: two processes appending to one case queue up instead
of forking the chain, and a crash mid-append leaves the previous, intact chain.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .canonical import canonical_json
from .clock import Clock, rfc3339, utc_now
from .errors import CustodyError, LedgerCorrupt
from .hashing import blake3_digest
from .keys import Identity

FORMAT = "evidence-kit-ledger/1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    key_id TEXT NOT NULL,
    action TEXT NOT NULL,
    case_id TEXT NOT NULL,
    artefacts TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""

HASHED_FIELDS = ("seq", "time", "actor", "key_id", "action", "case_id", "artefacts", "details", "prev_hash")


def genesis_hash(case_id: str) -> str:
    """The value the first event of a case chains from."""
    return blake3_digest(canonical_json({"genesis": FORMAT, "case_id": case_id}))


@dataclass(frozen=True)
class Event:
    seq: int
    time: str
    actor: str
    key_id: str
    action: str
    case_id: str
    artefacts: list[dict[str, Any]]
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str = ""
    signature: str = ""

    def hashed_body(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def compute_hash(self, strict: bool = True) -> str:
        return blake3_digest(canonical_json(self.hashed_body(), strict=strict))

    def to_json(self) -> dict[str, Any]:
        return {**self.hashed_body(), "entry_hash": self.entry_hash, "signature": self.signature}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(**{name: data[name] for name in (*HASHED_FIELDS, "entry_hash", "signature")})


@dataclass
class Head:
    seq: int
    entry_hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.entry_hash}"


def _json_or_text(value: Any) -> Any:
    """A stored JSON column; text that is not JSON is kept as it is, so its event's hash check names it."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _text(value: Any) -> str:
    """A text column as text: a value of another type (a blob, a number written over it) reads as its text
    form, so the event's hash check names the edit instead of a later step failing on the type."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _row_to_event(row: tuple[Any, ...]) -> Event:
    seq, time, actor, key_id, action, case_id, artefacts, details, prev_hash, entry_hash, signature = row
    return Event(
        seq=seq if isinstance(seq, int) else -1,
        time=_text(time),
        actor=_text(actor),
        key_id=_text(key_id),
        action=_text(action),
        case_id=_text(case_id),
        artefacts=_json_or_text(artefacts),
        details=_json_or_text(details),
        prev_hash=_text(prev_hash),
        entry_hash=_text(entry_hash),
        signature=_text(signature),
    )


@dataclass
class PendingEvent:
    """What a caller wants recorded; seq, time and the hashes are filled in by the ledger."""

    action: str
    artefacts: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class Ledger:
    """One case's ledger file."""

    def __init__(self, path: Path, connection: sqlite3.Connection, case_id: str):
        self.path = path
        self.connection = connection
        self.case_id = case_id

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        connection.execute("PRAGMA busy_timeout = 60000")
        # Bytes that are not UTF-8 (a damaged or edited file) read as U+FFFD: the event's hash then
        # differs and verify names it, instead of the read failing half-way through the chain.
        connection.text_factory = lambda data: data.decode("utf-8", "replace")
        return connection

    @classmethod
    def create(cls, path: Path, case_id: str) -> Ledger:
        if path.exists():
            raise CustodyError(f"a ledger already exists at {path}")
        connection = cls._connect(path)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(SCHEMA)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO ledger_meta VALUES ('format', ?)", (FORMAT,))
        connection.execute("INSERT INTO ledger_meta VALUES ('case_id', ?)", (case_id,))
        connection.execute("INSERT INTO ledger_meta VALUES ('genesis', ?)", (genesis_hash(case_id),))
        connection.execute("COMMIT")
        return cls(path, connection, case_id)

    @classmethod
    def open(cls, path: Path) -> Ledger:
        if not path.is_file():
            raise LedgerCorrupt(f"no ledger at {path}")
        try:
            connection = cls._connect(path)
            rows = dict(connection.execute("SELECT key, value FROM ledger_meta").fetchall())
            connection.execute("SELECT seq FROM events LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise LedgerCorrupt(f"ledger {path} is not a readable ledger: {exc}") from None
        if rows.get("format") != FORMAT or "case_id" not in rows:
            raise LedgerCorrupt(f"ledger {path} has no {FORMAT} header")
        return cls(path, connection, rows["case_id"])

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def head(self) -> Head | None:
        row = self.connection.execute("SELECT seq, entry_hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(row[0], row[1]) if row else None

    def count(self) -> int:
        return int(self.connection.execute("SELECT count(*) FROM events").fetchone()[0])

    def events(self, since: int = 0) -> Iterator[Event]:
        """Every event in seq order, streamed (memory stays flat for long ledgers)."""
        cursor = self.connection.execute(
            "SELECT seq, time, actor, key_id, action, case_id, artefacts, details, prev_hash, entry_hash,"
            " signature FROM events WHERE seq > ? ORDER BY seq",
            (since,),
        )
        for row in cursor:
            yield _row_to_event(row)

    def append(
        self,
        identity: Identity,
        action: str,
        artefacts: Iterable[dict[str, Any]] = (),
        details: dict[str, Any] | None = None,
        clock: Clock = utc_now,
        also: Callable[[sqlite3.Connection, Event], None] | None = None,
    ) -> Event:
        """Append one signed event. ``also`` runs inside the same transaction (e.g. index rows)."""
        return self.append_many(identity, [PendingEvent(action, list(artefacts), details or {})], clock, also)[0]

    def append_many(
        self,
        identity: Identity,
        pending: list[PendingEvent],
        clock: Clock = utc_now,
        also: Callable[[sqlite3.Connection, Event], None] | None = None,
    ) -> list[Event]:
        """Append several events in one atomic transaction."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = connection.execute("SELECT seq, entry_hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0], row[1]) if row else (0, genesis_hash(self.case_id))
            written: list[Event] = []
            for item in pending:
                seq += 1
                draft = Event(
                    seq=seq,
                    time=rfc3339(clock()),
                    actor=identity.name,
                    key_id=identity.key_id,
                    action=item.action,
                    case_id=self.case_id,
                    artefacts=list(item.artefacts),
                    details=dict(item.details),
                    prev_hash=prev,
                )
                entry_hash = draft.compute_hash()
                event = Event(
                    **{
                        **draft.__dict__,
                        "entry_hash": entry_hash,
                        "signature": identity.sign(entry_hash.encode("ascii")),
                    }
                )
                connection.execute(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.seq,
                        event.time,
                        event.actor,
                        event.key_id,
                        event.action,
                        event.case_id,
                        json.dumps(event.artefacts, ensure_ascii=False, sort_keys=True),
                        json.dumps(event.details, ensure_ascii=False, sort_keys=True),
                        event.prev_hash,
                        event.entry_hash,
                        event.signature,
                    ),
                )
                if also is not None:
                    also(connection, event)
                written.append(event)
                prev = entry_hash
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return written


def read_jsonl(path: Path) -> Iterator[Event]:
    """Events from a JSON Lines ledger export (one event object per line)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")  # a non-UTF-8 line is a corrupt ledger, not a traceback
                if not line.strip():
                    continue
                event = Event.from_json(json.loads(line))
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                raise LedgerCorrupt(f"{path.name} line {number} is not a ledger event: {exc}") from None
            yield event


def write_jsonl(events: Iterable[Event], path: Path) -> Head | None:
    head = None
    with open(path, "w", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(event.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
            head = Head(event.seq, event.entry_hash)
    return head
