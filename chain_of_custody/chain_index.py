"""A compact index of a walked chain: what later checks (timestamps, bundles) need of it.

About 48 bytes an event, so verifying a 100,000-event ledger keeps memory flat.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .ledger import Event


@dataclass(frozen=True)
class ExpectedArtefact:
    blake3: str
    sha256: str
    size: int
    first_seq: int


class ChainIndex:
    """What later checks need of a walked chain, in about 48 bytes an event (memory stays flat).

    Keeps each event's seq, entry hash and the latest event time up to it, plus the full timestamp
    events (few).
    """

    def __init__(self) -> None:
        self.seqs = array("q")
        self.hashes = bytearray()
        self.latest_times = array("q")  # microseconds since the epoch, running maximum
        self.timestamp_events: list[Event] = []
        self.capture_records: list[tuple[int, str, str]] = []  # (seq, capture id, record digest)
        self.actors: set[str] = set()

    def add(self, event: Event, moment: datetime | None) -> None:
        self.add_fields(event.seq, event.entry_hash, event.actor, moment)
        if event.action.startswith("timestamp"):
            self.timestamp_events.append(event)
        elif event.action == "capture":
            self.note_capture(event.seq, event.details, event.artefacts)

    def add_fields(self, seq: int, entry_hash: str, actor: str, moment: datetime | None) -> None:
        """What every event adds (the walk adds timestamp events and capture records on their own)."""
        self.seqs.append(seq)
        raw = entry_hash.split(":", 1)[-1]
        try:
            self.hashes += bytes.fromhex(raw)[:32].ljust(32, b"\0")
        except ValueError:
            self.hashes += b"\0" * 32
        micros = int(moment.timestamp() * 1_000_000) if moment else 0
        previous = self.latest_times[-1] if self.latest_times else 0
        self.latest_times.append(max(micros, previous))
        self.actors.add(actor)

    def note_capture(self, seq: int, details: Any, artefacts: Any) -> None:
        if isinstance(details, dict) and isinstance(artefacts, list):
            for item in artefacts:
                if isinstance(item, dict) and item.get("role") == "capture-record":
                    self.capture_records.append((seq, str(details.get("capture_id")), str(item.get("blake3"))))

    def _position(self, seq: int) -> int | None:
        if self.seqs:  # an unbroken chain holds event N at N - first
            index = seq - self.seqs[0]
            if 0 <= index < len(self.seqs) and self.seqs[index] == seq:
                return index
        index = bisect_left(self.seqs, seq)
        if index < len(self.seqs) and self.seqs[index] == seq:
            return index
        return None

    def entry_hash(self, seq: int) -> str | None:
        index = self._position(seq)
        if index is None:
            return None
        return "blake3:" + self.hashes[index * 32 : (index + 1) * 32].hex()

    def latest_time_upto(self, seq: int) -> datetime | None:
        index = self._position(seq)
        if index is None:
            return None
        return datetime.fromtimestamp(self.latest_times[index] / 1_000_000, UTC)

    def has(self, seq: int, entry_hash: str) -> bool:
        return self.entry_hash(seq) == entry_hash
