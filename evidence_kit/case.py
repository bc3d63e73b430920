"""A case: its folder, its ledger, its store. The one object the CLI and the UI talk to."""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import socket
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chain_of_custody.clock import Clock, rfc3339, utc_now
from chain_of_custody.errors import CustodyError
from chain_of_custody.keys import Identity, export_public, load_or_create
from chain_of_custody.ledger import Event, Ledger, PendingEvent

from . import TOOL
from .case_record import read_case_info
from .cleanup import clean_leftovers
from .config import Settings
from .errors import CaseExists, CaseNotFound, InvalidInput
from .store import Artefact, Store, check_file, readable_name

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

# Manual custody actions (ISO/IEC 27037 and SWGDE custody vocabulary).
MANUAL_ACTIONS = ("handover", "transfer", "seal", "unseal", "access", "copy", "review", "note", "dispose")

INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS artefacts (
    blake3 TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT,
    first_seq INTEGER NOT NULL,
    first_time TEXT NOT NULL
);
"""


def validate_case_id(case_id: str) -> str:
    if not CASE_ID.match(case_id) or ".." in case_id:
        raise InvalidInput(
            f"invalid case id {case_id!r}: use letters, digits, '.', '_' and '-' (no slashes, no '..',"
            " at most 80 characters)"
        )
    return case_id


def machine_facts() -> dict[str, str]:
    return {"tool": TOOL, "host": socket.gethostname(), "os": platform.platform()}


def new_capture_id(clock: Clock = utc_now) -> str:
    return "cap-" + clock().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class AddedFile:
    source_path: Path
    artefact: Artefact
    event: Event


class Case:
    def __init__(self, path: Path, info: dict[str, Any], settings: Settings, clock: Clock = utc_now):
        self.path = path
        self.info = info
        self.settings = settings
        self.clock = clock
        self.store = Store(path / "artefacts")
        self._ledger: Ledger | None = None

    # -- opening and creating ------------------------------------------------------------------
    @property
    def id(self) -> str:
        return str(self.info["id"])

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            try:
                self._ledger = Ledger.open(self.path / "ledger.sqlite")
            except CustodyError as exc:
                raise CustodyError(f"case {self.id}: {exc}") from None
            self._ledger.connection.executescript(INDEX_SCHEMA)
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def create(
        cls,
        settings: Settings,
        case_id: str,
        title: str,
        investigator: str,
        jurisdiction: str | None = None,
        offence: str | None = None,
        default_region: str | None = None,
        clock: Clock = utc_now,
    ) -> Case:
        validate_case_id(case_id)
        if not title.strip():
            raise InvalidInput("a case needs a title (--title)")
        settings.home.mkdir(parents=True, exist_ok=True)
        path = settings.home / case_id
        try:
            path.mkdir()
        except FileExistsError:
            raise CaseExists(f"case {case_id} already exists at {path}") from None
        identity, _ = load_or_create(settings.keys_dir, investigator)
        info = {
            "id": case_id,
            "title": title,
            "created": rfc3339(clock()),
            "investigators": [identity.public_record()],
            "jurisdiction": jurisdiction,
            "offence": offence,
            "default_region": default_region,
            "organisation": settings.organisation,
        }
        (path / "artefacts").mkdir()
        (path / "captures").mkdir()
        export_public(identity, path / "keys")
        _write_json(path / "case.json", info)
        Ledger.create(path / "ledger.sqlite", case_id).close()
        case = cls(path, info, settings, clock)
        case.append(identity, "case-create", details={
            "title": title, "jurisdiction": jurisdiction, "offence": offence, **machine_facts()})
        return case

    @classmethod
    def open(cls, settings: Settings, case_id: str, clock: Clock = utc_now) -> Case:
        validate_case_id(case_id)
        return cls.open_folder(settings.home / case_id, settings, clock, name=case_id)

    @classmethod
    def open_folder(cls, path: Path, settings: Settings, clock: Clock = utc_now, name: str | None = None) -> Case:
        info_path = path / "case.json"
        if not info_path.is_file():
            raise CaseNotFound(f"no case {name or path} in {path.parent} (see 'evidence-kit case list')")
        info = read_case_info(info_path, path.name)  # a damaged case.json: one line naming the case
        return cls(path, info, settings, clock)

    @staticmethod
    def list_ids(settings: Settings) -> list[str]:
        if not settings.home.is_dir():
            return []
        return sorted(p.name for p in settings.home.iterdir() if (p / "case.json").is_file())

    # -- identities ----------------------------------------------------------------------------
    def identity(self, name: str | None = None) -> Identity:
        """The acting investigator: the name given, else the settings' default, else the case lead."""
        chosen = name or self.settings.investigator or self.info["investigators"][0]["name"]
        identity, _ = load_or_create(self.settings.keys_dir, chosen)
        export_public(identity, self.path / "keys")
        known = {item["key_id"] for item in self.info.get("investigators", [])}
        if identity.key_id not in known:
            self.info.setdefault("investigators", []).append(identity.public_record())
            _write_json(self.path / "case.json", self.info)
        clean_leftovers(self, identity)  # the first write to the case removes what a killed command left
        return identity

    # -- the ledger ----------------------------------------------------------------------------
    def _index(self, connection: sqlite3.Connection, event: Event) -> None:
        for item in event.artefacts:
            connection.execute(
                "INSERT OR IGNORE INTO artefacts VALUES (?, ?, ?, ?, ?, ?)",
                (item["blake3"], item["sha256"], item["size"], item.get("mime"), event.seq, event.time),
            )

    def append(
        self,
        identity: Identity,
        action: str,
        artefacts: Iterable[dict[str, Any]] = (),
        details: dict[str, Any] | None = None,
        also: Callable[[sqlite3.Connection, Event], None] | None = None,
    ) -> Event:
        """Append one event; ``also`` writes derived index rows in the same transaction."""
        if also is None:
            return self.ledger.append(identity, action, artefacts, details, clock=self.clock, also=self._index)

        def index_both(connection: sqlite3.Connection, event: Event) -> None:
            self._index(connection, event)
            also(connection, event)

        return self.ledger.append(identity, action, artefacts, details, clock=self.clock, also=index_both)

    def append_many(self, identity: Identity, pending: list[PendingEvent]) -> list[Event]:
        return self.ledger.append_many(identity, pending, clock=self.clock, also=self._index)

    def events(self) -> Iterator[Event]:
        return self.ledger.events()

    def record(self, identity: Identity, action: str, note: str | None = None, to: str | None = None,
               artefacts: Iterable[dict[str, Any]] = ()) -> Event:
        if action not in MANUAL_ACTIONS:
            raise InvalidInput(f"unknown custody action {action!r}; use one of: {', '.join(MANUAL_ACTIONS)}")
        if action in ("handover", "transfer") and not to:
            raise InvalidInput(f"a {action} needs --to (who receives the evidence)")
        details: dict[str, Any] = {"from": identity.name, **machine_facts()}
        if to:
            details["to"] = to
        if note:
            details["note"] = note
        return self.append(identity, action, artefacts, details)

    # -- artefacts -----------------------------------------------------------------------------
    def add_files(
        self,
        paths: list[Path],
        identity: Identity,
        source: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[AddedFile]:
        """Ingest files obtained elsewhere: each is streamed once, stored, and recorded as an event.

        Every path is checked before anything is stored, so a bad path in the list changes nothing.
        """
        for path in paths:
            check_file(path)  # missing, unreadable, a folder, a FIFO or a device: refused before reading
        total = sum(p.stat().st_size for p in paths)
        done = 0
        added = []
        for path in paths:
            base = done
            artefact = self.store.ingest_file(
                path, on_progress=(lambda n, base=base: on_progress(base + n, total)) if on_progress else None)
            done += artefact.size
            stat = path.stat()
            details = {
                "source": source,
                "original_name": readable_name(path.name),  # a non-UTF-8 name is kept as \xNN escapes
                "original_path": readable_name(path.resolve()),
                "original_modified": rfc3339(_utc_from_timestamp(stat.st_mtime)),
                "duplicate_of_stored": not artefact.new,
                **machine_facts(),
            }
            event = self.append(identity, "add", [artefact.ledger_entry(role="added-file")], details)
            added.append(AddedFile(path, artefact, event))
        return added

    def ingest_bytes(self, data: bytes) -> Artefact:
        return self.store.ingest_bytes(data)

    def artefact_rows(self) -> list[dict[str, Any]]:
        cursor = self.ledger.connection.execute(
            "SELECT blake3, sha256, size, mime, first_seq, first_time FROM artefacts ORDER BY first_seq")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def capture_records(self) -> list[dict[str, Any]]:
        records = []
        folder = self.path / "captures"
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                try:
                    records.append(json.loads(path.read_text("utf-8")))
                except ValueError:
                    continue
        return records

    def write_capture_record(self, capture_id: str, data: bytes) -> Path:
        path = self.path / "captures" / f"{capture_id}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, 0o444)
        return path


def _utc_from_timestamp(value: float):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(value, UTC)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temp = path.with_suffix(".json.tmp")
    temp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(temp, path)
