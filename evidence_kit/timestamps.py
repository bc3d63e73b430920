"""RFC 3161 stamps for a case: what is pending, stamping with the configured TSAs, the auto-stamp step.

The protocol, the manifest and the checks live in :mod:`chain_of_custody.timestamp` (so a court expert
verifies without this toolkit); this module decides *what* to stamp and *where* to ask, stores what
comes back, and records it in the ledger.

An artefact is *pending* until a ``timestamp`` event's manifest covers it. The stamp's own files
(token, manifest, certificates) are not pending: the token proves itself. When no TSA answers (field
work offline), the auto-stamp step records a ``timestamp-queued`` event saying why, the ``add`` or
``capture`` still succeeds, and the next stamp covers everything pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography import x509

from chain_of_custody import timestamp as tsp
from chain_of_custody import timestamp_check
from chain_of_custody.canonical import canonical_json
from chain_of_custody.errors import CustodyError
from chain_of_custody.keys import Identity
from chain_of_custody.ledger import Event, Head, PendingEvent

from . import TOOL
from .config import TSA_TIMEOUT, Settings, TsaSetting
from .errors import InvalidInput, OperationFailed
from .staging import write_atomically
from .store import Artefact

if TYPE_CHECKING:
    from .case import Case

DEFAULT_TIMEOUT = TSA_TIMEOUT


@dataclass(frozen=True)
class Tsa:
    """A TSA and the certificates its tokens are checked against."""

    url: str
    roots: tuple[x509.Certificate, ...]
    certificates: tuple[x509.Certificate, ...] = ()


def _read_certificates(paths: Sequence[Path], what: str, url: str) -> tuple[x509.Certificate, ...]:
    found: list[x509.Certificate] = []
    for path in paths:
        try:
            found.extend(timestamp_check.load_certificates(Path(path).expanduser().read_bytes()))
        except OSError as exc:
            raise InvalidInput(f"TSA {url}: cannot read {what} {path}: {exc.strerror}") from None
        except CustodyError as exc:
            raise InvalidInput(f"TSA {url}: {what} {path} is {exc}") from None
    return tuple(found)


def load_tsa(setting: TsaSetting) -> Tsa:
    return Tsa(
        setting.url,
        _read_certificates(setting.roots, "root certificate", setting.url),
        _read_certificates(setting.certificates, "TSA certificate", setting.url),
    )


def choose_tsas(
    settings: Settings,
    urls: Sequence[str] = (),
    roots: Sequence[Path] = (),
    certificates: Sequence[Path] = (),
) -> list[TsaSetting]:
    """The TSAs to ask: ``urls`` (``--tsa``) replace the configured ones.

    Roots and certificates given on the command line apply to every URL given; otherwise a configured
    entry with the same URL lends its own.
    """
    if not urls:
        if roots or certificates:
            raise InvalidInput("--tsa-root and --tsa-cert need --tsa URL")
        return list(settings.tsas)
    configured = {t.url: t for t in settings.tsas}
    chosen = []
    for url in urls:
        known = configured.get(url)
        chosen.append(
            TsaSetting(
                url,
                tuple(roots) or (known.roots if known else ()),
                tuple(certificates) or (known.certificates if known else ()),
            )
        )
    return chosen


def pinned_roots(settings: Settings) -> list[x509.Certificate]:
    """Every root the settings trust for TSAs: verify pins tokens to these when any is configured."""
    roots: list[x509.Certificate] = []
    for setting in settings.tsas:
        roots.extend(_read_certificates(setting.roots, "root certificate", setting.url))
    return roots


# -- what is stamped, what is pending ----------------------------------------------------------------
def timestamp_events(case: Case) -> list[Event]:
    """The ``timestamp`` and ``timestamp-queued`` events, read by SQL: long ledgers are not walked."""
    cursor = case.ledger.connection.execute(
        "SELECT seq, time, actor, key_id, action, case_id, artefacts, details, prev_hash, entry_hash,"
        " signature FROM events WHERE action LIKE 'timestamp%' ORDER BY seq"
    )
    return [
        Event(
            seq,
            time,
            actor,
            key_id,
            action,
            case_id_,
            json.loads(artefacts),
            json.loads(details),
            prev,
            entry,
            signature,
        )
        for seq, time, actor, key_id, action, case_id_, artefacts, details, prev, entry, signature in cursor
    ]


def pending_artefacts(case: Case, events: Sequence[Event] | None = None) -> list[dict[str, Any]]:
    """Artefact rows (as ``case.artefact_rows()``) that no stamp covers yet."""
    events = timestamp_events(case) if events is None else events
    covered = tsp.covered_by(events)
    stamp_seqs = {e.seq for e in events if e.action == tsp.ACTION}
    return [row for row in case.artefact_rows() if row["blake3"] not in covered and row["first_seq"] not in stamp_seqs]


def pending_snapshot(case: Case) -> tuple[Head | None, list[dict[str, Any]]]:
    """The ledger head and the artefacts pending at that head, read in one SQLite read transaction.

    Read apart, a concurrent ``add`` committing between the two reads would put an artefact recorded
    after the head into the manifest, and verify would rightly call the untampered case broken.
    """
    connection = case.ledger.connection
    connection.execute("BEGIN")  # deferred: the first SELECT fixes the snapshot (WAL), writers go on
    try:
        head = case.ledger.head()
        return head, pending_artefacts(case)
    finally:
        connection.execute("COMMIT")


def stamp_summaries(case: Case, events: Sequence[Event] | None = None) -> list[dict[str, Any]]:
    """One line per stamp (and per queued attempt) for ``case show``."""
    events = timestamp_events(case) if events is None else events
    rows = []
    for event in events:
        d = event.details
        if event.action == tsp.ACTION:
            rows.append(
                {
                    "event": event.seq,
                    "status": "stamped",
                    "tsa": d.get("tsa"),
                    "gen_time": d.get("gen_time"),
                    "serial": d.get("serial"),
                    "policy": d.get("policy"),
                    "covered_head": d.get("covered_head"),
                    "covered_artefacts": len(d.get("covered_artefacts", [])),
                    "token": (d.get("token") or {}).get("blake3"),
                }
            )
        elif event.action == tsp.ACTION_QUEUED:
            rows.append(
                {
                    "event": event.seq,
                    "status": "queued",
                    "time": event.time,
                    "failures": d.get("failures", []),
                }
            )
    return rows


# -- stamping -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StampResult:
    url: str
    event: Event
    token_path: Path
    record_path: Path
    command: str  # the openssl ts -verify a court expert can run

    def to_json(self) -> dict[str, Any]:
        d = self.event.details
        return {
            "tsa": self.url,
            "event": self.event.seq,
            "gen_time": d["gen_time"],
            "serial": d["serial"],
            "policy": d["policy"],
            "tsa_subject": d["tsa_subject"],
            "root_sha256": d["root_sha256"],
            "token": str(self.token_path.resolve()),
            "record": str(self.record_path.resolve()),
            "openssl": self.command,
        }


@dataclass(frozen=True)
class StampOutcome:
    head: Head
    covered: list[dict[str, Any]]
    manifest: Artefact | None
    stamps: list[StampResult] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (TSA URL, why)

    def to_json(self) -> dict[str, Any]:
        return {
            "head": str(self.head),
            "covered_artefacts": [row["blake3"] for row in self.covered],
            "manifest": None
            if self.manifest is None
            else {**self.manifest.ledger_entry(), "path": str(self.manifest.path.resolve())},
            "stamps": [s.to_json() for s in self.stamps],
            "failures": [{"tsa": url, "error": why} for url, why in self.failures],
        }


def _record_name(seq: int, url: str) -> str:
    host = (urlsplit(url).hostname or "tsa").replace(":", "_")
    return f"{seq:06d}-{host}.json"


def stamp_case(
    case: Case,
    identity: Identity,
    tsas: Sequence[TsaSetting],
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Callable[[int, int], None] | None = None,
) -> StampOutcome:
    """Stamp the ledger head and every pending artefact at each TSA; store and record what verifies.

    Returns what was stamped and which TSAs failed (and why); raises only for bad settings.
    """
    if not tsas:
        raise InvalidInput("no TSA configured: add 'tsas' to the settings file or pass --tsa URL")
    loaded = [load_tsa(setting) for setting in tsas]  # bad settings fail before anything is asked
    head, covered = pending_snapshot(case)
    if head is None:
        raise InvalidInput(f"case {case.id} has an empty ledger: nothing to stamp")
    manifest = tsp.build_manifest(case.id, head, covered)
    answers: list[tsp.Stamp] = []
    failures: list[tuple[str, str]] = []
    for done, tsa in enumerate(loaded):
        try:
            answers.append(tsp.request_token(tsa.url, manifest, tsa.roots, tsa.certificates, timeout))
        except tsp.TimestampFailed as exc:
            failures.append((tsa.url, str(exc)))
        if on_progress:
            on_progress(done + 1, len(loaded))
    if not answers:
        return StampOutcome(head, covered, None, [], failures)
    manifest_artefact = case.ingest_bytes(manifest)
    pending: list[PendingEvent] = []
    stored = []
    for stamp in answers:
        token = case.ingest_bytes(stamp.token)
        chain = case.ingest_bytes(stamp.chain_pem)
        root = case.ingest_bytes(stamp.root_pem)
        stored.append((stamp, token, chain, root))
        details = tsp.event_details(
            stamp, head, covered, manifest_artefact.digests, token.digests, chain.digests, root.digests
        )
        details["tool"] = TOOL
        if failures:  # ISO/IEC 27037: record what was attempted, not only what succeeded
            details["failed_tsas"] = [{"tsa": url, "error": why} for url, why in failures]
        pending.append(
            PendingEvent(
                tsp.ACTION,
                [
                    token.ledger_entry(role=tsp.ROLE_TOKEN),
                    manifest_artefact.ledger_entry(role=tsp.ROLE_MANIFEST),
                    chain.ledger_entry(role=tsp.ROLE_CHAIN),
                    root.ledger_entry(role=tsp.ROLE_ROOT),
                ],
                details,
            )
        )
    events = case.append_many(identity, pending)
    results = []
    folder = case.path / "timestamps"
    folder.mkdir(exist_ok=True)
    for event, (stamp, token, chain, root) in zip(events, stored, strict=True):
        # A copy of the details outside the ledger: cutting off the ledger's tail must not hide a stamp.
        record_path = folder / _record_name(event.seq, stamp.url)
        write_atomically(
            record_path,
            canonical_json({"format": tsp.RECORD_FORMAT, "case_id": case.id, "event_seq": event.seq, **event.details}),
        )
        command = timestamp_check.openssl_command(
            manifest_artefact.path.resolve(), token.path.resolve(), root.path.resolve(), chain.path.resolve()
        )
        results.append(StampResult(stamp.url, event, token.path, record_path, command))
    return StampOutcome(head, covered, manifest_artefact, results, failures)


def record_queued(case: Case, identity: Identity, outcome: StampOutcome) -> Event:
    """Record that no TSA answered, so the pending artefacts wait for the next stamp (ISO/IEC 27037:
    document what was attempted, not only what succeeded)."""
    return case.append(
        identity,
        tsp.ACTION_QUEUED,
        details={
            "failures": [{"tsa": url, "error": why} for url, why in outcome.failures],
            "pending_artefacts": len(outcome.covered),
            "ledger_head": {"seq": outcome.head.seq, "entry_hash": outcome.head.entry_hash},
            "tool": TOOL,
        },
    )


def auto_enabled(settings: Settings) -> bool:
    """Auto-stamping is on whenever a TSA is configured, unless settings say ``"auto_timestamp": false``."""
    return bool(settings.tsas) and settings.raw.get("auto_timestamp", True) is not False


def auto_stamp(
    case: Case, identity: Identity, artefacts: list[Artefact], capture_record: dict[str, Any] | None = None
) -> None:
    """The pipeline step after ``add`` and ``capture``: stamp now, or queue when no TSA answers."""
    if not auto_enabled(case.settings):
        return
    try:
        outcome = stamp_case(case, identity, case.settings.tsas)
    except InvalidInput as exc:  # unreadable root file or similar: the evidence is in; say why it is unstamped
        head, pending = pending_snapshot(case)
        assert head is not None
        outcome = StampOutcome(head, pending, None, [], [("settings", str(exc))])
    if not outcome.stamps:
        record_queued(case, identity, outcome)


def show_extra(case: Case, summary: dict[str, Any]) -> None:
    """``case show``: the stamps, what is pending, and a warning while anything is."""
    events = timestamp_events(case)
    summary["timestamps"] = stamp_summaries(case, events)
    pending = pending_artefacts(case, events)
    summary["timestamp_pending"] = [
        {"blake3": r["blake3"], "sha256": r["sha256"], "first_seq": r["first_seq"]} for r in pending
    ]
    if pending:
        text = (
            f"{len(pending)} artefact(s) not yet covered by an RFC 3161 timestamp; "
            f"run 'evidence-kit timestamp {case.id}'"
        )
        last = events[-1] if events else None
        if last is not None and last.action == tsp.ACTION_QUEUED and last.details.get("failures"):
            text += f" (last attempt, event {last.seq}: {last.details['failures'][0].get('error')})"
        summary.setdefault("warnings", []).append(text)


def stamp_or_fail(
    case: Case, identity: Identity, tsas: Sequence[TsaSetting], timeout: float = DEFAULT_TIMEOUT
) -> StampOutcome:
    """Like :func:`stamp_case` but raises :class:`OperationFailed` (exit 3) when no TSA gave a token."""
    outcome = stamp_case(case, identity, tsas, timeout)
    if not outcome.stamps:
        raise OperationFailed("no TSA gave a token: " + "; ".join(why for _, why in outcome.failures))
    return outcome
