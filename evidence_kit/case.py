"""A case: its folder, its ledger, its store. The one object the CLI and the UI talk to.

The case's facts (title, jurisdiction, investigators and their keys) live in signed events
(:mod:`chain_of_custody.facts`); ``case.json`` is a readable copy rewritten from them, and
:attr:`Case.info` is always read from the ledger, never from case.json. Every committed event is also
written to the head journal outside the case folder (:mod:`chain_of_custody.journal`).
"""

from __future__ import annotations

import functools
import json
import secrets
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chain_of_custody import facts as case_facts
from chain_of_custody import journal
from chain_of_custody.clock import Clock, rfc3339, utc_now
from chain_of_custody.errors import CustodyError, KeyProblem
from chain_of_custody.keys import Identity, export_public, find_identity, load_or_create, load_public_pem
from chain_of_custody.ledger import Event, Ledger, PendingEvent

from .case_record import read_case_info
from .cleanup import clean_leftovers
from .config import Settings
from .custody_actions import CASE_ID, MANUAL_ACTIONS
from .errors import CaseExists, CaseNotFound, InvalidInput
from .export import leftovers as export_leftovers
from .machine import machine_facts
from .staging import write_atomically
from .store import Artefact, Store, check_file, readable_name

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


def new_capture_id(clock: Clock = utc_now) -> str:
    return "cap-" + clock().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class AddedFile:
    source_path: Path
    artefact: Artefact
    event: Event


class Case:
    def __init__(self, path: Path, case_id: str, settings: Settings, clock: Clock = utc_now):
        self.path = path
        self._id = case_id
        self.settings = settings
        self.clock = clock
        self.store = Store(path / "artefacts")
        self._ledger: Ledger | None = None
        self._facts: case_facts.CaseFacts | None = None
        self._journal: Path | None = None
        self.cleaned: list[str] = []  # what interrupted exports had left, removed when the case was opened to write

    # -- opening and creating ------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def facts(self) -> case_facts.CaseFacts:
        """The case's facts folded from its signed case-create, case-update and enrol events."""
        if self._facts is None:
            folded = case_facts.CaseFacts(self.id)
            cursor = self.ledger.connection.execute(
                "SELECT seq, time, action, actor, key_id, details FROM events WHERE seq = 1 OR action IN (?, ?, ?)"
                " ORDER BY seq",
                (case_facts.UPDATE, case_facts.ENROL, case_facts.ENROL_WACZ),
            )
            for seq, time, action, actor, key_id, details in cursor:
                folded.apply(seq, time, action, actor, key_id, json.loads(details))
            self._facts = folded
        return self._facts

    @property
    def info(self) -> dict[str, Any]:
        """What a report, CASE/UCO and bag-info show of the case: the signed facts, as case.json lays them out."""
        return self.facts.case_json()

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
        # Creating the lead's key here is explicit (case create names the investigator) and logged in event 1.
        identity, created = load_or_create(settings.keys_dir, investigator)
        (path / "artefacts").mkdir()
        (path / "captures").mkdir()
        export_public(identity, path / "keys")
        Ledger.create(path / "ledger.sqlite", case_id).close()
        case = cls(path, case_id, settings, clock)
        case.append(
            identity,
            case_facts.CREATE,
            details={
                "title": title,
                "jurisdiction": jurisdiction,
                "offence": offence,
                "organisation": settings.organisation,
                "default_region": default_region,
                "investigator": identity.enrolment_record(),
                "key_created": created,
                **machine_facts(),
            },
        )
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
        return cls(path, info["id"], settings, clock)

    @staticmethod
    def list_ids(settings: Settings) -> list[str]:
        if not settings.home.is_dir():
            return []
        return sorted(p.name for p in settings.home.iterdir() if (p / "case.json").is_file())

    # -- identities ---------------------------------------------------------------------------
    def identity(self, name: str | None = None) -> Identity:
        """The acting investigator: the name given, else the settings' default, else the case lead.

        Only an investigator enrolled in the case's signed events signs for it, with the very key that was
        enrolled; no key is ever created here (see :meth:`enrol`).
        """
        facts = self.facts
        lead = next(iter(facts.signers.values()), None)
        chosen = name or self.settings.investigator or (lead.name if lead else None)
        signer = facts.by_name(chosen) if chosen else None
        if signer is None:
            raise InvalidInput(
                f"{chosen!r} is not an investigator of case {self.id}; the lead enrols them with "
                f"'evidence-kit case add-investigator {self.id} --name \"{chosen}\"'"
            )
        identity = find_identity(self.settings.keys_dir, signer.key_id, signer.name)
        if identity is None:
            raise KeyProblem(
                f"the signing key of {signer.name} ({signer.key_id}) is not in {self.settings.keys_dir}: "
                "on this machine you cannot sign for them"
            )
        # The first write to the case removes what a killed command left (each removal is a cleanup event).
        clean_leftovers(self, identity)
        self.cleaned.extend(str(removed) for removed in export_leftovers.clean(self, identity))
        return identity

    def enrol(self, lead: Identity, name: str, public_key_pem: bytes | None = None) -> tuple[Event, bool]:
        """Enrol another investigator's signing key, in an ``enrol`` event signed by an enrolled key.

        ``public_key_pem``: the key made on the investigator's own machine. Without it the key is taken from
        this machine's keys folder, and created there if it has none yet: an explicit act, said in the event.
        Returns the event and whether a key was created.
        """
        if not name.strip():
            raise InvalidInput("an investigator needs a name (--name)")
        if self.facts.by_name(name) is not None:
            raise InvalidInput(f"{name!r} is already an investigator of case {self.id}")
        created = False
        if public_key_pem is not None:
            key = load_public_pem(public_key_pem)
            from chain_of_custody.keys import fingerprint_of, key_id_of, raw_public

            record = {
                "name": name,
                "key_id": key_id_of(key),
                "algorithm": "Ed25519",
                "fingerprint": fingerprint_of(key),
                "public_key": raw_public(key).hex(),
            }
            if record["key_id"] in self.facts.signers:
                raise InvalidInput(f"key {record['key_id']} is already enrolled in case {self.id}")
            _export_pem(public_key_pem, record["key_id"], name, self.path / "keys")
        else:
            identity, created = load_or_create(self.settings.keys_dir, name)
            if identity.key_id in self.facts.signers:
                raise InvalidInput(f"key {identity.key_id} is already enrolled in case {self.id}")
            record = identity.enrolment_record()
            export_public(identity, self.path / "keys")
        event = self.append(
            lead,
            case_facts.ENROL,
            details={"investigator": record, "key_created": created, "enrolled_by": lead.name, **machine_facts()},
        )
        return event, created

    def update(self, identity: Identity, changes: Mapping[str, str | None]) -> Event:
        """Change the case's facts in a signed ``case-update`` event (case.json follows)."""
        unknown = set(changes) - set(case_facts.FIELDS)
        if unknown:
            raise InvalidInput(f"cannot update {', '.join(sorted(unknown))}; facts are {', '.join(case_facts.FIELDS)}")
        if "title" in changes and not (changes["title"] or "").strip():
            raise InvalidInput("a case needs a title")
        current = self.facts.fields
        changed = {k: v for k, v in changes.items() if current.get(k) != v}
        if not changed:
            raise InvalidInput("nothing to change: the case already says that")
        return self.append(
            identity,
            case_facts.UPDATE,
            details={"changes": changed, "previous": {k: current.get(k) for k in changed}, **machine_facts()},
        )

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
        return self.append_many(identity, [PendingEvent(action, list(artefacts), details or {})], also)[0]

    def append_many(
        self,
        identity: Identity,
        pending: list[PendingEvent],
        also: Callable[[sqlite3.Connection, Event], None] | None = None,
    ) -> list[Event]:
        """Append events in one transaction; then journal their heads and refresh the readable case.json."""

        def index(connection: sqlite3.Connection, event: Event) -> None:
            self._index(connection, event)
            if also is not None:
                also(connection, event)

        events = self.ledger.append_many(identity, pending, clock=self.clock, also=index)
        # After the commit, never before: the journal must not witness a head that was rolled back.
        journal.append(self._journal_path(events), self.id, [(e.seq, e.entry_hash) for e in events], self.path)
        if any(e.seq == 1 or e.action in (case_facts.UPDATE, case_facts.ENROL) for e in events):
            self._facts = None
            _write_json(self.path / "case.json", self.info)
        elif any(e.action == case_facts.ENROL_WACZ for e in events):
            self._facts = None  # a WACZ key is a fact of the chain, not of case.json
        return events

    def _journal_path(self, events: list[Event]) -> Path:
        if self._journal is None:
            first = (
                events[0].entry_hash
                if events[0].seq == 1
                else self.ledger.connection.execute("SELECT entry_hash FROM events WHERE seq = 1").fetchone()[0]
            )
            self._journal = journal.path_for(journal.default_dir(), self.id, first)
        return self._journal

    def events(self) -> Iterator[Event]:
        return self.ledger.events()

    def record(
        self,
        identity: Identity,
        action: str,
        note: str | None = None,
        to: str | None = None,
        artefacts: Iterable[dict[str, Any]] = (),
    ) -> Event:
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
        then_pipeline: bool = True,
        uploaded_as: list[str] | None = None,
    ) -> list[AddedFile]:
        """Ingest files obtained elsewhere: each is streamed once, stored, and recorded as an event; then
        the after-ingest pipeline runs (describe, timestamp), as after a capture.

        Every path is checked before anything is stored, so a bad path in the list changes nothing.
        ``then_pipeline=False`` stores and records only (a bulk import that runs the pipeline once itself).
        ``uploaded_as``: the names the files had on the sender's computer when they came by upload (the web
        UI streams each into a temporary file first); the event then records that name and no local path.
        """
        for path in paths:
            check_file(path)  # missing, unreadable, a folder, a FIFO or a device: refused before reading
        total = sum(p.stat().st_size for p in paths)
        done = 0
        added = []
        for number, path in enumerate(paths):
            base = done
            artefact = self.store.ingest_file(
                path, on_progress=functools.partial(_offset, on_progress, base, total) if on_progress else None
            )
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
            if uploaded_as is not None:  # the temporary file's name, path and time say nothing of the evidence
                details["original_name"] = readable_name(uploaded_as[number])
                del details["original_path"], details["original_modified"]
                details["received"] = "uploaded through the web interface"
            event = self.append(identity, "add", [artefact.ledger_entry(role="added-file")], details)
            added.append(AddedFile(path, artefact, event))
        if then_pipeline:
            from . import pipeline  # here: describing pulls in the metadata readers, which other commands skip

            pipeline.after_ingest(self, identity, [item.artefact for item in added])
        return added

    def ingest_bytes(self, data: bytes) -> Artefact:
        return self.store.ingest_bytes(data)

    def artefact_rows(self) -> list[dict[str, Any]]:
        cursor = self.ledger.connection.execute(
            "SELECT blake3, sha256, size, mime, first_seq, first_time FROM artefacts ORDER BY first_seq"
        )
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def capture_ids(self) -> list[str]:
        """The capture ids the ledger's capture events name, in ledger order (no capture record is read)."""
        cursor = self.ledger.connection.execute("SELECT details FROM events WHERE action = 'capture' ORDER BY seq")
        named = (json.loads(details).get("capture_id") for (details,) in cursor)
        return [capture for capture in named if isinstance(capture, str)]

    def capture_records(self, ids: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The capture records the ledger names, read from the store (never from the captures/ copies);
        with ``ids``, only those of these captures (each record is read and parsed whole: a case of many
        captures should not read them all to describe one)."""
        records = []
        cursor = self.ledger.connection.execute(
            "SELECT artefacts, details FROM events WHERE action = 'capture' ORDER BY seq"
        )
        for artefacts, details in cursor:
            named = json.loads(details).get("capture_id")
            if ids is not None and isinstance(named, str) and named not in ids:
                continue  # an event that does not name its capture is always read
            for item in json.loads(artefacts):
                if item.get("role") == "capture-record" and self.store.has(item["blake3"]):
                    try:
                        records.append(json.loads(self.store.path_of(item["blake3"]).read_bytes()))
                    except ValueError:
                        continue  # verify names an altered artefact
        return records

    def write_capture_record(self, capture_id: str, data: bytes) -> Path:
        path = self.path / "captures" / f"{capture_id}.json"
        path.parent.mkdir(exist_ok=True)
        write_atomically(path, data)  # 0444; never half-written, and a restored copy is simply replaced
        return path

    def readable_copies_behind(self, older_than: float = 60.0) -> list[tuple[str, bytes]]:
        """Readable copies that are missing or say other than the signed records, as (file, bytes it should
        hold): what a command killed between an event and its copy leaves. Only records older than
        ``older_than`` seconds count (a command still running may be about to write its copy)."""
        from datetime import timedelta

        cutoff = utc_now() - timedelta(seconds=older_than)
        found: list[tuple[str, bytes]] = []
        should = (json.dumps(self.info, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            stated = (self.path / "case.json").read_bytes()
        except OSError:
            stated = b""
        last_fact = self.ledger.connection.execute(
            "SELECT max(time) FROM events WHERE seq = 1 OR action IN (?, ?)", (case_facts.UPDATE, case_facts.ENROL)
        ).fetchone()[0]
        if stated != should and last_fact is not None and last_fact < rfc3339(cutoff):
            found.append(("case.json", should))
        cursor = self.ledger.connection.execute(
            "SELECT time, details, artefacts FROM events WHERE action = 'capture' AND time < ?", (rfc3339(cutoff),)
        )
        for _, details, artefacts in cursor:
            capture_id = json.loads(details).get("capture_id")
            for item in json.loads(artefacts):
                if item.get("role") != "capture-record" or not self.store.has(item["blake3"]):
                    continue
                copy = self.path / "captures" / f"{capture_id}.json"
                if not copy.is_file():
                    found.append((f"captures/{capture_id}.json", self.store.path_of(item["blake3"]).read_bytes()))
        return found


def _utc_from_timestamp(value: float):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(value, UTC)


def _offset(on_progress: Callable[[int, int], None], base: int, total: int, done: int) -> None:
    on_progress(base + done, total)


def _export_pem(pem: bytes, key_id: str, name: str, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = key_id.replace(":", "-")
    (directory / f"{stem}.pem").write_bytes(pem)
    (directory / f"{stem}.json").write_text(
        json.dumps({"name": name, "key_id": key_id, "algorithm": "Ed25519"}, indent=2) + "\n", "utf-8"
    )


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically through a locked temporary file (a killed writer's leftover is cleaned next time)."""
    write_atomically(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), mode=0o644)
