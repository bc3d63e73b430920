"""Verify a case folder (or, through the same checks, an exported bundle).

Verification walks everything, collects every failure as a :class:`Finding` naming the place, and only
then reports; it never stops at the first problem.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .clock import parse_rfc3339
from .errors import CustodyError, Finding
from .hashing import Digests, hash_file
from .keys import load_public_keys, raw_public, verify_signature
from .ledger import Event, Head, Ledger, genesis_hash
from .report import Report

ProgressCallback = Callable[[int, int], None]

CHECKS = {
    "ledger": "the ledger file opens and holds events",
    "sequence": "events are numbered 1, 2, 3 … with none missing, inserted or reordered",
    "entry-hash": "each event's hash matches its content (no field edited)",
    "chain-link": "each event names the hash of the one before it",
    "case-id": "each event belongs to this case",
    "signature": "each event is signed by its investigator's key",
    "signer-key": "the public key of every signer is present and matches its key id",
    "head": "the ledger still reaches the head recorded outside it",
    "artefact-present": "every artefact named in the ledger is stored",
    "artefact-digest": "every stored artefact still has its recorded BLAKE3, SHA-256 and size",
    "capture-record": "every capture record is an artefact recorded in the ledger",
}


@dataclass(frozen=True)
class ExpectedArtefact:
    blake3: str
    sha256: str
    size: int
    first_seq: int


def _fail(report: Report, check: str, where: str, message: str, expected: str | None = None,
          found: str | None = None) -> None:
    report.fail(check, CHECKS.get(check, check), Finding(check, where, message, expected, found))


def _ok(report: Report, check: str) -> None:
    report.passed_item(check, CHECKS.get(check, check))


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
        self.actors: set[str] = set()

    def add(self, event: Event, moment: datetime | None) -> None:
        self.seqs.append(event.seq)
        raw = event.entry_hash.split(":", 1)[-1]
        try:
            self.hashes += bytes.fromhex(raw)[:32].ljust(32, b"\0")
        except ValueError:
            self.hashes += b"\0" * 32
        micros = int(moment.timestamp() * 1_000_000) if moment else 0
        previous = self.latest_times[-1] if self.latest_times else 0
        self.latest_times.append(max(micros, previous))
        if event.action.startswith("timestamp"):
            self.timestamp_events.append(event)
        self.actors.add(event.actor)

    def _position(self, seq: int) -> int | None:
        index = bisect_left(self.seqs, seq)
        if index < len(self.seqs) and self.seqs[index] == seq:
            return index
        return None

    def entry_hash(self, seq: int) -> str | None:
        index = self._position(seq)
        if index is None:
            return None
        return "blake3:" + self.hashes[index * 32:(index + 1) * 32].hex()

    def latest_time_upto(self, seq: int) -> datetime | None:
        index = self._position(seq)
        if index is None:
            return None
        return datetime.fromtimestamp(self.latest_times[index] / 1_000_000, UTC)

    def has(self, seq: int, entry_hash: str) -> bool:
        return self.entry_hash(seq) == entry_hash


def _verify_batch(batch: list[tuple[int, str, str, bytes, str, str]]) -> list[tuple[int, str, str, bool]]:
    return [(seq, actor, key_id, verify_signature(key, signature, entry_hash.encode("ascii")))
            for seq, actor, key_id, key, signature, entry_hash in batch]


# Above this many events, signatures are checked in worker processes: with threads the walk and the
# checks fight over the GIL (measured: 120 µs an event with threads against ~70 with processes).
PROCESS_POOL_FROM = 20_000


def _pool(processes: bool) -> Executor:
    workers = max(2, os.cpu_count() or 2)
    if processes:
        # fork: the pool starts at the beginning of the walk, before verification starts any thread of
        # its own, and unlike spawn it works however the program was started (-c, stdin, frozen).
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ed25519")


def check_chain(
    events: Iterable[Event],
    case_id: str,
    public_keys: dict[str, Ed25519PublicKey],
    report: Report,
    processes: bool = False,
) -> tuple[Head | None, dict[str, ExpectedArtefact], ChainIndex]:
    """Walk the chain once; return its head, the artefacts it names, and a compact index of it.

    Signatures (the costly part) are checked in batches on worker threads, or worker processes for
    long ledgers (``processes``), while the walk goes on.
    """
    expected_seq = 1
    prev = genesis_hash(case_id)
    head: Head | None = None
    artefacts: dict[str, ExpectedArtefact] = {}
    previous_time = None
    index = ChainIndex()
    passed = dict.fromkeys(("sequence", "chain-link", "entry-hash", "case-id", "signature"), 0)
    batch: list[tuple[int, str, str, bytes, str, str]] = []
    raw_keys = {key_id: raw_public(key) for key_id, key in public_keys.items()}
    in_flight: deque[Future[list[tuple[int, str, str, bool]]]] = deque()

    def collect(future: Future[list[tuple[int, str, str, bool]]]) -> None:
        for seq, actor, key_id, good in future.result():
            if good:
                passed["signature"] += 1
            else:
                _fail(report, "signature", f"event {seq}", f"signature of {actor!r} ({key_id}) does not verify")

    with _pool(processes) as pool:
        for event in events:
            where = f"event {event.seq}"
            if event.seq != expected_seq:
                _fail(report, "sequence", where,
                      f"event {expected_seq} was expected here: events were deleted, inserted or reordered",
                      str(expected_seq), str(event.seq))
            else:
                passed["sequence"] += 1
            if event.prev_hash != prev:
                _fail(report, "chain-link", where, "does not link to the event before it", prev, event.prev_hash)
            else:
                passed["chain-link"] += 1
            try:
                computed = event.compute_hash(strict=False)
            except TypeError as exc:
                computed = f"unhashable: {exc}"
            if computed != event.entry_hash:
                _fail(report, "entry-hash", where, "its content was changed after it was recorded",
                      event.entry_hash, computed)
            else:
                passed["entry-hash"] += 1
            if event.case_id != case_id:
                _fail(report, "case-id", where, "belongs to another case", case_id, event.case_id)
            else:
                passed["case-id"] += 1
            key = raw_keys.get(event.key_id)
            if key is None:
                _fail(report, "signer-key", where, f"no public key {event.key_id} for signer {event.actor!r}")
            else:
                batch.append((event.seq, event.actor, event.key_id, key, event.signature, event.entry_hash))
                if len(batch) >= (2048 if processes else 512):
                    in_flight.append(pool.submit(_verify_batch, batch))
                    batch = []
                    while len(in_flight) > 8:
                        collect(in_flight.popleft())
            moment = None
            try:
                moment = parse_rfc3339(event.time)
                if previous_time is not None and moment < previous_time:
                    report.warnings.append(f"event {event.seq} is dated before the event preceding it ({event.time})")
                previous_time = moment
            except ValueError:
                _fail(report, "entry-hash", where, f"time {event.time!r} is not an RFC 3339 time")
            for item in event.artefacts:
                digest = item.get("blake3")
                if isinstance(digest, str) and digest not in artefacts:
                    try:
                        size = int(item.get("size", -1))
                    except (TypeError, ValueError):
                        size = -1
                    artefacts[digest] = ExpectedArtefact(digest, str(item.get("sha256")), size, event.seq)
            index.add(event, moment)
            prev = event.entry_hash
            expected_seq = event.seq + 1
            head = Head(event.seq, event.entry_hash)
        if batch:
            in_flight.append(pool.submit(_verify_batch, batch))
        while in_flight:
            collect(in_flight.popleft())
    for name, count in passed.items():
        result = report.check(name, CHECKS[name])
        result.checked += count
    return head, artefacts, index


def parse_head(text: str) -> tuple[int | None, str]:
    """``blake3:<hex>`` or ``SEQ:blake3:<hex>`` (as printed by ``ledger --json`` and ``case show``)."""
    if text.startswith("blake3:"):
        return None, text
    seq_text, _, digest = text.partition(":")
    if not seq_text.isdigit() or not digest.startswith("blake3:"):
        raise CustodyError(f"not a ledger head: {text!r} (expected blake3:<hex> or SEQ:blake3:<hex>)")
    return int(seq_text), digest


def check_expected_head(expect_head: str, index: ChainIndex, report: Report) -> None:
    seq, digest = parse_head(expect_head)
    if seq is not None:
        found = index.has(seq, digest)
    else:
        found = any(index.entry_hash(s) == digest for s in index.seqs)
    if found:
        _ok(report, "head")
    else:
        _fail(report, "head", f"head {expect_head}",
              "the ledger no longer contains this head: it was truncated or rewritten")


def check_artefacts(
    expected: dict[str, ExpectedArtefact],
    locate: Callable[[str], Path | None],
    report: Report,
    on_progress: ProgressCallback | None = None,
    known: Callable[[Path], Digests | None] | None = None,
) -> None:
    """Re-hash every artefact the ledger names and compare.

    ``known`` returns digests already computed from the same bytes in this run (a bundle's manifest
    check reads every payload file once), so no file is read twice.
    """
    total = sum(max(a.size, 0) for a in expected.values())
    done = 0
    for digest, artefact in expected.items():
        where = f"artefact {digest} (recorded in event {artefact.first_seq})"
        path = locate(digest)
        if path is None or not path.is_file():
            _fail(report, "artefact-present", where, "the file is missing")
            done += max(artefact.size, 0)
            continue
        _ok(report, "artefact-present")
        base = done
        progress = (lambda n, base=base: on_progress(base + n, total)) if on_progress else None
        found = (known(path) if known else None) or hash_file(path, on_progress=progress)
        done += max(artefact.size, 0)
        problems = []
        if found.blake3 != artefact.blake3:
            problems.append(("BLAKE3", artefact.blake3, found.blake3))
        if found.sha256 != artefact.sha256:
            problems.append(("SHA-256", artefact.sha256, found.sha256))
        if found.size != artefact.size:
            problems.append(("size", str(artefact.size), str(found.size)))
        if problems:
            names = ", ".join(p[0] for p in problems)
            _fail(report, "artefact-digest", f"{where} at {path}", f"the file was altered ({names} differ)",
                  problems[0][1], problems[0][2])
        else:
            _ok(report, "artefact-digest")
    if on_progress:
        on_progress(total, total)


def artefact_path(case_dir: Path, digest: str) -> Path:
    hex_digest = digest.split(":", 1)[1]
    return case_dir / "artefacts" / hex_digest[:2] / hex_digest


def read_case_id(case_dir: Path) -> str:
    try:
        return json.loads((case_dir / "case.json").read_text("utf-8"))["id"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:  # a list, no id, too deep
        raise CustodyError(f"{case_dir} is not a case folder (case.json unreadable: {exc!r})") from None


def verify_case(
    case_dir: Path,
    expect_head: str | None = None,
    on_progress: ProgressCallback | None = None,
    extra_checks: Iterable[Callable[[Path, ChainIndex, dict[str, ExpectedArtefact], Report], None]] = (),
    tsa_roots: Sequence[Any] = (),
) -> Report:
    """Verify a case folder: ledger chain, signatures, keys, artefacts, capture records, timestamps.

    ``tsa_roots`` (x509 certificates): when given, RFC 3161 tokens must chain to one of them.
    """
    case_dir = case_dir.resolve()
    case_id = read_case_id(case_dir)
    report = Report(target=str(case_dir), kind="case")
    report.facts["case_id"] = case_id
    public_keys, key_problems = load_public_keys(case_dir / "keys")
    for name, reason in key_problems:
        _fail(report, "signer-key", f"keys/{name}", reason)
    try:
        ledger = Ledger.open(case_dir / "ledger.sqlite")
    except CustodyError as exc:
        _fail(report, "ledger", "ledger.sqlite", str(exc))
        return report
    with ledger:
        _ok(report, "ledger")
        if ledger.case_id != case_id:
            _fail(report, "case-id", "ledger.sqlite", "the ledger belongs to another case", case_id, ledger.case_id)
        head, expected, index = check_chain(ledger.events(), case_id, public_keys, report,
                                            processes=ledger.count() >= PROCESS_POOL_FROM)
    if head is None:
        _fail(report, "ledger", "ledger.sqlite", "the ledger holds no events")
    report.facts["events"] = head.seq if head else 0
    report.facts["head"] = str(head) if head else None
    report.facts["artefacts"] = len(expected)
    report.facts["bytes"] = sum(max(a.size, 0) for a in expected.values())
    report.facts["signers"] = sorted(index.actors)
    if expect_head:
        check_expected_head(expect_head, index, report)
    check_artefacts(expected, lambda d: artefact_path(case_dir, d), report, on_progress)
    store = case_dir / "artefacts"
    if store.is_dir():
        known = {d.split(":", 1)[1] for d in expected}
        for path in sorted(store.glob("??/*")):
            if path.is_file() and path.name not in known:
                report.warnings.append(f"artefacts/{path.parent.name}/{path.name} is stored but no custody "
                                       "event records it (an interrupted ingest leaves such a file)")
    for record in sorted((case_dir / "captures").glob("*.json")) if (case_dir / "captures").is_dir() else []:
        digest = hash_file(record).blake3
        if digest in expected:
            _ok(report, "capture-record")
        else:
            _fail(report, "capture-record", f"captures/{record.name}",
                  "this capture record is not the one recorded in the ledger", None, digest)
    from .timestamp import check_timestamps, read_token_records  # imports rfc3161-client only when verifying

    check_timestamps(index.timestamp_events, lambda d: artefact_path(case_dir, d), index, expected, report,
                     case_id=case_id, records=read_token_records(case_dir / "timestamps"), pinned_roots=tsa_roots)
    for extra in extra_checks:
        extra(case_dir, index, expected, report)
    return report
