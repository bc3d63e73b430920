"""Verify a case folder (or, through the same checks, an exported bundle).

Verification walks everything, collects every failure as a :class:`Finding` naming the place, and only
then reports; it never stops at the first problem.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import blake3

from . import artefact_hashing, journal
from .artefact_hashing import Hashing
from .canonical import loads_strict
from .chain_index import ChainIndex, ExpectedArtefact
from .checks import describe
from .checks import failed as _fail
from .checks import passed as _ok
from .clock import parse_rfc3339
from .description_check import check_descriptions
from .errors import CustodyError, Finding
from .facts import CREATE, ENROL, ENROL_WACZ, UPDATE, CaseFacts, differences
from .hashing import Digests, hash_file
from .index_check import check_index
from .keys import fingerprint_of, load_public_keys, matches_trusted, verify_signature
from .ledger import Event, Head, Ledger, _json_or_text, _text, genesis_hash
from .ledger_ranges import (
    COLUMNS,
    KeySchedule,
    RangeResult,
    check_range,
    entry_hash_of,
    read_only,
    start_worker,
)
from .leftovers import interrupted_exports, leftovers
from .report import Report
from .social_check import check_social
from .timestamp_check import check_timestamps, read_token_records

ProgressCallback = Callable[[int, int], None]
BLAKE3_DIGEST = re.compile(r"^blake3:[0-9a-f]{64}$")


# One event as the walk takes it: seq, time, actor, key id, action, case id, artefacts, details (both
# parsed, or the stored text: see ``load`` in _walk), prev hash, entry hash, signature.
Row = tuple[int, str, str, str, str, str, Any, Any, str, str, str]
# One event as a thread or process checks it: where it stands in the walk, seq, actor, key id, public key
# (None: no key, signer-key says so), signature, recorded entry hash, hashed body. Back: the entry hash
# computed from the body and whether the signature verifies (None without a key).
Signed = tuple[int, int, str, str, bytes | None, str, str, dict[str, Any]]
Checked = tuple[str, bool | None]
# Where each check's finding stands among one event's findings: a report lists an event's findings in this
# order, events in ledger order, however the costly checks were shared out.
STAGES = {
    check: stage
    for stage, check in enumerate(
        ("sequence", "chain-link", "entry-hash", "case-id", "signer-enrolled", "case-facts", "signer-key")
    )
}
SIGNATURE_STAGE, TIME_STAGE, ARTEFACT_STAGE = 7, 8, 9
# Events that change the case's facts (CaseFacts.apply does nothing for any other event but event 1).
FACT_ACTIONS = frozenset((CREATE, UPDATE, ENROL, ENROL_WACZ))
Placed = tuple[int, int, Finding]  # (position in the walk, stage, finding)


def _verify_batch(batch: list[Signed]) -> list[Checked]:
    """Each event's entry hash, computed again, and its signature (on worker threads or processes)."""
    return [
        (
            entry_hash_of(body),
            None if key is None else verify_signature(key, signature, entry_hash.encode("ascii", "replace")),
        )
        for _, _, _, _, key, signature, entry_hash, body in batch
    ]


def _bad_hash(seq: int, recorded: str, computed: str) -> Finding:
    return Finding("entry-hash", f"event {seq}", "its content was changed after it was recorded", recorded, computed)


def _bad_signature(seq: int, actor: str, key_id: str) -> Finding:
    return Finding("signature", f"event {seq}", f"signature of {actor!r} ({key_id}) does not verify")


# Above this many events, signatures are checked in worker processes: with threads the walk and the
# checks fight over the GIL (measured: 120 µs an event with threads against ~70 with processes).
PROCESS_POOL_FROM = 20_000
# From this many events a case's ledger is checked by range workers that read the file themselves
# (check_ledger); each task takes RANGE_SIZE events, few enough that the last tasks keep every worker
# busy to the end (one task of 1,024 is about 50 ms of signatures).
RANGES_FROM = 2_000
RANGE_SIZE = 1_024
# Rows whose columns are not all text (an edit wrote a blob or a number): the range walk leaves those
# ledgers to the single-reader walk, which reads such a value as its text.
NOT_TEXT = " OR ".join(f"typeof({column}) != 'text'" for column in COLUMNS.split(", ")[1:])


def _workers() -> int:
    return max(2, os.cpu_count() or 2)


def _pool(processes: bool) -> Executor:
    if processes:
        import multiprocessing  # only for long ledgers: most verifies start without it (issue 16)
        from concurrent.futures import ProcessPoolExecutor

        # fork: the pool starts at the beginning of the walk, before verification starts any thread of
        # its own, and unlike spawn it works however the program was started (-c, stdin, frozen).
        return ProcessPoolExecutor(max_workers=_workers(), mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="ed25519")


class _BatchChecker:
    """Entry hashes and signatures of the events the walk hands over, checked in batches on a pool while
    the walk goes on (bundles, JSON Lines exports, short ledgers)."""

    def __init__(self, pool: Executor, processes: bool) -> None:
        self.pool = pool
        self.size = 2048 if processes else 512
        self.batch: list[Signed] = []
        self.in_flight: deque[tuple[list[Signed], Future[list[Checked]]]] = deque()
        self.placed: list[Placed] = []
        self.hashes_good = self.signatures_good = 0

    def feed(self, position: int, row: Row, key: bytes | None, details: Any) -> None:
        seq, time, actor, key_id, action, case_id, artefacts, _, prev_hash, entry_hash, signature = row
        body = {
            "seq": seq,
            "time": time,
            "actor": actor,
            "key_id": key_id,
            "action": action,
            "case_id": case_id,
            "artefacts": artefacts,
            "details": details,
            "prev_hash": prev_hash,
        }
        self.batch.append((position, seq, actor, key_id, key, signature, entry_hash, body))
        if len(self.batch) >= self.size:
            self.in_flight.append((self.batch, self.pool.submit(_verify_batch, self.batch)))
            self.batch = []
            while len(self.in_flight) > 8:
                self._collect(*self.in_flight.popleft())

    def _collect(self, sent: list[Signed], future: Future[list[Checked]]) -> None:
        for (position, seq, actor, key_id, _, _, entry_hash, _), (computed, good) in zip(
            sent, future.result(), strict=True
        ):
            if computed != entry_hash:
                self.placed.append((position, STAGES["entry-hash"], _bad_hash(seq, entry_hash, computed)))
            else:
                self.hashes_good += 1
            if good:
                self.signatures_good += 1
            elif good is not None:
                self.placed.append((position, SIGNATURE_STAGE, _bad_signature(seq, actor, key_id)))

    def finish(self, index: ChainIndex) -> bool:
        if self.batch:
            self.in_flight.append((self.batch, self.pool.submit(_verify_batch, self.batch)))
            self.batch = []
        while self.in_flight:
            self._collect(*self.in_flight.popleft())
        return True


class _RangeChecker:
    """Entry hashes and signatures checked by range workers reading the ledger file themselves; the walk
    only notes what it read of each range, to be sure the workers read the same events."""

    def __init__(self, ranges: list[tuple[int, int]], futures: list[Future[RangeResult]]) -> None:
        self.ranges, self.futures = ranges, futures
        self.counts = [0] * len(ranges)
        self.digests = [blake3.blake3() for _ in ranges]
        self.at = 0
        self.placed: list[Placed] = []
        self.hashes_good = self.signatures_good = 0

    def feed(self, position: int, row: Row, key: bytes | None, details: Any) -> None:
        seq = row[0]
        while self.at < len(self.ranges) - 1 and seq > self.ranges[self.at][1]:
            self.at += 1
        self.counts[self.at] += 1
        self.digests[self.at].update(row[9].encode("utf-8", "replace"))

    def finish(self, index: ChainIndex) -> bool:
        """Take the workers' results; False when they did not read what the walk read."""
        agree = True
        for count, digest, future in zip(self.counts, self.digests, self.futures, strict=True):
            result = future.result()
            agree = agree and result.events == count and result.read_digest == digest.hexdigest()
            self.hashes_good += result.hashes_good
            self.signatures_good += result.signatures_good
            for seq, recorded, computed in result.bad_hashes:
                self.placed.append(
                    (bisect_left(index.seqs, seq), STAGES["entry-hash"], _bad_hash(seq, recorded, computed))
                )
            for seq, actor, key_id in result.bad_signatures:
                self.placed.append((bisect_left(index.seqs, seq), SIGNATURE_STAGE, _bad_signature(seq, actor, key_id)))
        return agree


@dataclass
class ChainWalk:
    """What one walk of the chain found: its head, the artefacts it names, its index and its facts."""

    head: Head | None
    artefacts: dict[str, ExpectedArtefact]
    index: ChainIndex
    facts: CaseFacts
    fact_states: list[tuple[int, dict[str, Any]]]  # (seq, what case.json said after it) for each case event
    first_use: dict[str, int] = field(default_factory=dict)  # key id -> the first event it signed
    used: dict[str, list[int]] = field(default_factory=dict)  # key id -> every event it signed
    fingerprints: dict[str, str] = field(default_factory=dict)  # key id -> its key's fingerprint


def _key_note(directory: Path, key_id: str) -> Any:
    """What keys/<key id>.json (the readable note beside a public key) says; None when there is none."""
    path = directory / f"{key_id.replace(':', '-')}.json"
    if not path.is_file():
        return None
    try:
        return loads_strict(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return "(unreadable)"


def _key_problems(
    facts: CaseFacts,
    file_keys: dict[str, bytes],
    first_use: dict[str, int],
    report: Report,
    directory: Path | None,
) -> None:
    """Every enrolled key (whether it signed yet or not) has its readable copy in keys/, holding the same key,
    and its note beside it names the same investigator. Findings name the first event the key signed, else
    the event that enrolled it."""
    enrolled = {key_id: signer.enrolled_at for key_id, signer in facts.signers.items()}
    for key_id, seq in {**enrolled, **first_use}.items():
        signer = facts.signer_for(key_id)
        if signer is None or signer.public_key is None:
            continue  # unenrolled keys are named by signer-enrolled; first-wave keys come from keys/ itself
        copy = file_keys.get(key_id)
        note = _key_note(directory, key_id) if directory is not None else None
        wanted = {"name": signer.name, "key_id": key_id, "algorithm": "Ed25519"}
        if note is not None and note != wanted:
            _fail(
                report,
                "signer-key",
                f"keys/{key_id.replace(':', '-')}.json",
                "the key's readable note does not say what the chain enrolled",
                json.dumps(wanted),
                json.dumps(note, ensure_ascii=False),
            )
        if copy is None:
            _fail(
                report,
                "signer-key",
                f"event {seq}",
                f"the public key file keys/{key_id.replace(':', '-')}.pem of {signer.name!r} is missing or "
                "does not hold its key",
            )
        elif copy != signer.public_key:
            _fail(
                report,
                "signer-key",
                f"event {seq}",
                f"keys/ holds another key than the one enrolled for {signer.name!r}",
            )
        else:
            _ok(report, "signer-key")


def _trust_problems(
    trust: Sequence[str], facts: CaseFacts, used: dict[str, list[int]], fingerprints: dict[str, str], report: Report
) -> None:
    for key_id, seqs in used.items():
        fingerprint = fingerprints.get(key_id, "")
        if any(matches_trusted(fingerprint, pinned) for pinned in trust):
            _ok(report, "trusted-signer")
            continue
        signer = facts.signer_for(key_id)
        name = signer.name if signer else "an unenrolled signer"
        _fail(
            report,
            "trusted-signer",
            f"key {key_id}",
            f"{name} signed {len(seqs)} event(s) ({_ranges(seqs)}) with a key not pinned with --trust",
            ", ".join(trust),
            fingerprint or key_id,
        )


def _ranges(seqs: Sequence[int]) -> str:
    """Event numbers as runs.

    >>> _ranges([1, 2, 3, 7, 9, 10])
    'events 1–3, 7, 9–10'
    """
    parts: list[str] = []
    start = previous = None
    for seq in [*sorted(seqs), None]:
        if start is not None and (seq is None or seq != previous + 1):  # type: ignore[operator]
            parts.append(str(start) if start == previous else f"{start}–{previous}")
            start = None
        if seq is not None and start is None:
            start = seq
        previous = seq
    return ("events " if len(seqs) > 1 else "event ") + ", ".join(parts)


def _event_rows(events: Iterable[Event]) -> Iterator[Row]:
    for e in events:
        yield (
            e.seq, e.time, e.actor, e.key_id, e.action, e.case_id, e.artefacts, e.details, e.prev_hash,
            e.entry_hash, e.signature,
        )  # fmt: skip


def _same(value: Any) -> Any:
    return value


def check_chain(
    events: Iterable[Event],
    case_id: str,
    file_keys: dict[str, bytes],
    report: Report,
    processes: bool = False,
    trust: Sequence[str] = (),
    keys_dir: Path | None = None,
) -> ChainWalk:
    """Walk the chain once: links, hashes, who may sign each event, signatures, and the case's facts.

    A key signs event N only when event 1 or an ``enrol`` event before N enrolled it (see
    :mod:`chain_of_custody.facts`); its public key comes from that signed enrolment, and ``keys/`` is
    only a readable copy. Entry hashes and signatures (the costly part) are checked in batches on worker
    threads, or worker processes for long ledgers (``processes``), while the walk goes on. Each event's
    findings are listed in the order of :data:`STAGES`, events in the order walked, so a report is the
    same every time and whichever way the costly checks were shared out (:func:`check_ledger`).
    """
    walked = Report(report.target, report.kind)
    with _pool(processes) as pool:
        walk = _walk(_event_rows(events), case_id, file_keys, walked, _BatchChecker(pool, processes), _same)
    assert walk is not None  # a batch checker checks what it was handed
    _record(walked, report)
    _signer_problems(walk, file_keys, report, trust, keys_dir)
    return walk


def check_ledger(
    ledger: Ledger,
    case_id: str,
    file_keys: dict[str, bytes],
    report: Report,
    trust: Sequence[str] = (),
    keys_dir: Path | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> ChainWalk:
    """:func:`check_chain` over a case's SQLite ledger, with the same report. ``meanwhile`` runs once, in
    this process, while range workers are still checking (after the walk; at the end without workers).

    A long ledger is shared out in ranges of sequence numbers among worker processes, each opening the
    file read-only and checking entry hashes and signatures (:mod:`chain_of_custody.ledger_ranges`); this
    process walks what must be walked in order (sequence, links, case id, enrolment, facts) from the same
    file meanwhile. If the file changed while it was read (a commit by another process) or a worker read
    other events than the walk, the ledger is walked again the single-reader way.
    """
    count = ledger.count()
    walk = None
    ran: list[bool] = []

    def once() -> None:
        if meanwhile is not None and not ran:
            ran.append(True)
            meanwhile()

    if count >= RANGES_FROM and "fork" in _start_methods():
        from concurrent.futures.process import BrokenProcessPool  # long ledgers only (issue 16: start-up)

        walked = Report(report.target, report.kind)
        try:
            walk = _walk_ranges(ledger.path, case_id, file_keys, walked, once)
        except (sqlite3.Error, BrokenProcessPool):
            walk = None  # e.g. a column that is not UTF-8: the single-reader walk reads it as U+FFFD
        if walk is not None:
            _record(walked, report)
            _signer_problems(walk, file_keys, report, trust, keys_dir)
            return walk
    walk = check_chain(
        ledger.events(),
        case_id,
        file_keys,
        report,
        processes=count >= PROCESS_POOL_FROM,
        trust=trust,
        keys_dir=keys_dir,
    )
    once()
    return walk


def _start_methods() -> list[str]:
    import multiprocessing  # only for ledgers long enough to share out (issue 16: start-up)

    return multiprocessing.get_all_start_methods()


def _schedule(
    connection: sqlite3.Connection, case_id: str, raw_file_keys: dict[str, bytes]
) -> tuple[KeySchedule, dict[str, Any]]:
    """Which key checks each event, from the case events alone (only they enrol keys), folded as the walk
    folds them; also the signers found, which the walk must find too."""
    facts = CaseFacts(case_id)
    marks = ",".join("?" * len(FACT_ACTIONS))
    for row in connection.execute(
        f"SELECT seq, time, actor, key_id, action, details FROM events WHERE seq = 1 OR action IN ({marks})"
        " ORDER BY seq",
        sorted(FACT_ACTIONS),
    ):
        seq, time, actor, key_id, action, details = row[0], *map(_text, row[1:])
        if not facts.authorised(seq, key_id, actor):
            facts.apply(seq, time, action, actor, key_id, _json_or_text(details))
    enrolled = {k: (s.enrolled_at, s.public_key) for k, s in facts.signers.items() if s.public_key is not None}
    return KeySchedule(enrolled, raw_file_keys), dict(facts.signers)


def _ranges_of(connection: sqlite3.Connection) -> list[tuple[int, int]]:
    """The ledger's sequence numbers in runs of :data:`RANGE_SIZE` events, first and last of each (by the
    events there are: a seq edited to 10^12 makes no empty ranges). An unbroken run of numbers, as every
    untouched ledger holds, is cut up from its first, last and count alone (40 ms less on 100,000 events)."""
    first, last, count = connection.execute("SELECT min(seq), max(seq), count(*) FROM events").fetchone()
    if count and isinstance(first, int) and isinstance(last, int) and last - first + 1 == count:
        return [(lo, min(lo + RANGE_SIZE - 1, last)) for lo in range(first, last + 1, RANGE_SIZE)]
    seqs = [seq for (seq,) in connection.execute("SELECT seq FROM events ORDER BY seq")]
    return [(seqs[at], seqs[min(at + RANGE_SIZE, len(seqs)) - 1]) for at in range(0, len(seqs), RANGE_SIZE)]


def _walk_ranges(
    path: Path,
    case_id: str,
    file_keys: dict[str, bytes],
    walked: Report,
    meanwhile: Callable[[], None] | None = None,
) -> ChainWalk | None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    connection = read_only(path)
    try:
        version = connection.execute("PRAGMA data_version").fetchone()[0]
        connection.execute("BEGIN")  # one snapshot for the schedule and the walk
        schedule, signers = _schedule(connection, case_id, file_keys)
        ranges = _ranges_of(connection)
        with ProcessPoolExecutor(
            max_workers=_workers(),
            mp_context=multiprocessing.get_context("fork"),
            initializer=start_worker,
            initargs=(str(path), schedule),
        ) as pool:
            checker = _RangeChecker(ranges, [pool.submit(check_range, a, b) for a, b in ranges])
            try:
                # while the workers start: a column holding a blob or a number sends the ledger to the
                # single-reader walk, which reads such a value as its text
                if connection.execute(f"SELECT count(*) FROM events WHERE {NOT_TEXT}").fetchone()[0]:
                    pool.shutdown(cancel_futures=True)
                    return None
                rows = connection.execute(f"SELECT {COLUMNS} FROM events ORDER BY seq")
                walk = _walk(rows, case_id, file_keys, walked, checker, _json_or_text, meanwhile)
            except BaseException:
                pool.shutdown(cancel_futures=True)  # the ranges not begun yet are not checked for nothing
                raise
        connection.execute("COMMIT")
        unchanged = connection.execute("PRAGMA data_version").fetchone()[0] == version
    finally:
        connection.close()
    if walk is None or not unchanged or walk.facts.signers != signers:
        return None
    return walk


def _walk(
    rows: Iterable[Row],
    case_id: str,
    file_keys: dict[str, bytes],
    walked: Report,
    checker: _BatchChecker | _RangeChecker,
    load: Callable[[Any], Any],
    meanwhile: Callable[[], None] | None = None,
) -> ChainWalk | None:
    """The ordered part of a chain walk, each event in turn; the checker does entry hashes and signatures.
    ``load`` makes a row's artefacts and details what the event holds (rows from SQLite carry them as text,
    parsed only where the walk reads them: details of case, capture and timestamp events, artefacts other
    than none). Findings go to ``walked`` in the order of :data:`STAGES`;
    None when the checker's workers did not read the events walked."""
    expected_seq = 1
    prev = genesis_hash(case_id)
    head: Head | None = None
    artefacts: dict[str, ExpectedArtefact] = {}
    previous_time = None
    index = ChainIndex()
    facts = CaseFacts(case_id)
    fact_states: list[tuple[int, dict[str, Any]]] = []
    passed = dict.fromkeys(("sequence", "chain-link", "entry-hash", "case-id", "signer-enrolled", "signature"), 0)
    placed: list[Placed] = []
    warnings: list[str] = []
    first_use: dict[str, int] = {}
    used: dict[str, list[int]] = {}
    fingerprints: dict[str, str] = {}
    feed = checker.feed
    eager = isinstance(checker, _BatchChecker)  # its workers hash the body, details and all

    def fail(position: int, stage: int, check: str, where: str, message: str, *values: str | None) -> None:
        placed.append((position, stage, Finding(check, where, message, *values)))

    for position, row in enumerate(rows):
        seq, time, actor, key_id, action, event_case, listed, details, prev_hash, entry_hash, signature = row
        if seq != expected_seq:
            fail(
                position,
                0,
                "sequence",
                f"event {seq}",
                f"event {expected_seq} was expected here: events were deleted, inserted or reordered",
                str(expected_seq),
                str(seq),
            )
        else:
            passed["sequence"] += 1
        if prev_hash != prev:
            fail(position, 1, "chain-link", f"event {seq}", "does not link to the event before it", prev, prev_hash)
        else:
            passed["chain-link"] += 1
        if event_case != case_id:
            fail(position, 3, "case-id", f"event {seq}", "belongs to another case", case_id, event_case)
        else:
            passed["case-id"] += 1
        needs_details = seq == 1 or action in FACT_ACTIONS
        stamped = action.startswith("timestamp")
        if needs_details or stamped or action == "capture" or eager:
            details = load(details)  # once: text that is JSON of text must not be read twice
        if listed != "[]" or stamped or eager:
            listed = load(listed)
        refused = facts.authorised(seq, key_id, actor)
        if refused:
            fail(position, 4, "signer-enrolled", f"event {seq}", refused)
        else:
            passed["signer-enrolled"] += 1
            if needs_details:  # no other event changes the facts
                unsound = facts.apply(seq, time, action, actor, key_id, details)
                if seq == 1 or action in (UPDATE, ENROL):
                    fact_states.append((seq, facts.case_json()))
                if unsound:
                    fail(position, 5, "case-facts", f"event {seq}", unsound)
        signer = facts.signer_for(key_id)
        key = signer.public_key if signer is not None and signer.public_key else file_keys.get(key_id)
        first_use.setdefault(key_id, seq)
        used.setdefault(key_id, []).append(seq)
        if key is None:
            fail(position, 6, "signer-key", f"event {seq}", f"no public key {key_id} for signer {actor!r}")
        elif key_id not in fingerprints:
            fingerprints[key_id] = fingerprint_of(key)
        feed(position, row, key, details)
        moment = None
        try:
            moment = parse_rfc3339(time)
            if previous_time is not None and moment < previous_time:
                warnings.append(f"event {seq} is dated before the event preceding it ({time})")
            previous_time = moment
        except ValueError:
            fail(position, TIME_STAGE, "entry-hash", f"event {seq}", f"time {time!r} is not an RFC 3339 time")
        for item in listed if isinstance(listed, list) else []:
            digest = item.get("blake3") if isinstance(item, dict) else None
            if isinstance(digest, str) and not BLAKE3_DIGEST.match(digest):
                fail(
                    position,
                    ARTEFACT_STAGE,
                    "artefact-present",
                    f"event {seq}",
                    f"names an artefact by a malformed digest {digest!r}",
                )
                continue
            if isinstance(digest, str) and digest not in artefacts:
                try:
                    size = int(item.get("size", -1))
                except (TypeError, ValueError):
                    size = -1
                artefacts[digest] = ExpectedArtefact(digest, str(item.get("sha256")), size, seq)
        index.add_fields(seq, entry_hash, actor, moment)
        if stamped:
            index.timestamp_events.append(
                Event(seq, time, actor, key_id, action, event_case, listed, details, prev_hash, entry_hash, signature)
            )
        elif action == "capture":
            index.note_capture(seq, details, listed)
        prev = entry_hash
        expected_seq = seq + 1
        head = Head(seq, entry_hash)
    if meanwhile is not None:
        meanwhile()
    if not checker.finish(index):
        return None
    placed += checker.placed
    passed["entry-hash"] = checker.hashes_good
    passed["signature"] = checker.signatures_good
    placed.sort(key=lambda item: item[:2])  # stable: one stage's several findings keep their order
    for _, _, finding in placed:
        walked.fail(finding.check, describe(finding.check), finding)
    for name, count in passed.items():
        _ok(walked, name, count)
    walked.warnings += warnings
    return ChainWalk(head, artefacts, index, facts, fact_states, first_use, used, fingerprints)


def _record(walked: Report, report: Report) -> None:
    """Add what a walk recorded on its own report to ``report``, as if recorded there directly."""
    for name, result in walked.checks.items():
        mine = report.check(name, result.description)
        mine.checked += result.checked
        mine.failed += result.failed
    report.findings += walked.findings
    report.warnings += walked.warnings


def _signer_problems(
    walk: ChainWalk,
    file_keys: dict[str, bytes],
    report: Report,
    trust: Sequence[str],
    keys_dir: Path | None,
) -> None:
    facts, used, fingerprints = walk.facts, walk.used, walk.fingerprints
    _key_problems(facts, file_keys, walk.first_use, report, keys_dir)
    if trust:
        _trust_problems(trust, facts, used, fingerprints, report)
    report.facts["signers"] = sorted(walk.index.actors)
    report.facts["signing_keys"] = [
        {
            "name": signer.name if signer else None,
            "key_id": k,
            "fingerprint": fingerprints.get(k),
            "enrolled": signer is not None,
            "events": len(seqs),
        }
        for k, seqs in used.items()
        for signer in [facts.signer_for(k)]
    ]


class Unreadable(str):
    """What a readable copy is when it cannot be read: the reason, as text."""


def read_json_copy(path: Path) -> Any:
    """A readable copy as the court would read it, or :class:`Unreadable` saying why it cannot be read."""
    try:
        return loads_strict(path.read_bytes())
    except OSError as exc:
        return Unreadable(f"cannot be read: {exc.strerror}")
    except (ValueError, RecursionError) as exc:  # not JSON, a key named twice, too deep
        return Unreadable(f"is not one plain JSON object: {exc}")


def check_case_facts(
    stated: Any, facts: CaseFacts, where: str, report: Report, earlier: Sequence[tuple[int, dict[str, Any]]] = ()
) -> None:
    """The readable copy (case.json) against the facts the signed events state.

    ``earlier``: the facts after each earlier case event. A copy that says exactly what the facts were before
    the last case event is what a command killed between that event and rewriting case.json leaves: a
    warning (the next command rewrites it), never a second version of the facts.
    """
    if isinstance(stated, Unreadable):
        _fail(report, "case-facts", where, f"the readable copy of the case's facts {stated}")
        return
    behind = [seq for seq, state in earlier[:-1] if stated == state]
    if behind and differences(stated, facts):
        report.warnings.append(
            f"{where} says what the case's facts were after event {behind[-1]}, before the later case events "
            "changed them (a command killed before it rewrote the copy leaves this; the next command rewrites it)"
        )
        _ok(report, "case-facts")
        return
    problems = differences(stated, facts)
    for name, have, want in problems:
        _fail(
            report,
            "case-facts",
            f"{where} {name}",
            "the readable copy disagrees with the signed case events",
            want,
            have,
        )
    if not problems:
        _ok(report, "case-facts")


def check_journal(
    journals: list[journal.Journal], directory: Path, case_id: str, case_dir: Path, walk: ChainWalk, report: Report
) -> bool:
    """Compare the chain with the head journal outside the case (read before the ledger was opened);
    return whether this case's journal was found."""
    first = walk.index.entry_hash(1)
    if first is None:
        return False
    path = journal.path_for(directory, case_id, first)
    mine = next((j for j in journals if j.path == path), None)
    folder = str(case_dir.resolve())
    for other in journals:
        if other is not mine and folder in other.folders:
            _fail(
                report,
                "head-journal",
                f"head journal {other.path}",
                "the journal kept for this very case folder begins with another first event: the ledger was "
                "rewritten from its first event on",
            )
    if mine is None:
        report.facts["head_journal"] = f"none at {path}"
        return False
    heads = mine.heads
    for problem in mine.problems:
        report.warnings.append(f"head journal {path.name} {problem}")
    last = walk.head.seq if walk.head else 0
    beyond = sorted(seq for seq in heads if seq > last)
    if beyond:
        _fail(
            report,
            "head-journal",
            f"head journal {path}",
            f"the ledger ends at event {last} but the journal outside the case recorded events up to "
            f"{beyond[-1]}: events after {last} were cut off (or this folder is an older copy of the case)",
            f"{beyond[-1]}:{heads[beyond[-1]]}",
            str(walk.head),
        )
    rewritten = [seq for seq in sorted(heads) if seq <= last and not walk.index.has(seq, heads[seq])]
    if rewritten:
        seq = rewritten[0]
        _fail(
            report,
            "head-journal",
            f"event {seq}",
            f"the journal outside the case recorded another hash for this event ({len(rewritten)} event(s) "
            "differ): the ledger was rewritten",
            heads[seq],
            walk.index.entry_hash(seq) or "no such event",
        )
    if not beyond and not rewritten:
        _ok(report, "head-journal")
    report.facts["head_journal"] = f"{path} ({len(heads)} heads, up to event {max(heads, default=0)})"
    return True


def anchoring(
    walk: ChainWalk, report: Report, journal_found: bool, witnessed: int | None = None, signed_head: bool = False
) -> None:
    """Say plainly which events an RFC 3161 token anchors and which only the signatures protect."""
    good = {fact.get("event") for fact in report.facts.get("timestamps", []) if fact.get("ok")}
    stamped = 0
    for event in walk.index.timestamp_events:
        covered = event.details.get("covered_head") if isinstance(event.details, dict) else None
        if event.seq in good and isinstance(covered, dict) and isinstance(covered.get("seq"), int):
            stamped = max(stamped, covered["seq"])
    last = walk.head.seq if walk.head else 0
    if stamped:
        report.facts["time_stamped"] = f"events 1–{stamped} are anchored by an RFC 3161 token"
    if stamped < last:
        first = stamped + 1
        span = f"event {first}" if first == last else f"events {first}–{last}"
        witnesses = []
        if journal_found:
            witnesses.append("the head journal")
        if witnessed:
            witnesses.append(f"a head recorded outside (to event {witnessed})")
        if signed_head:
            witnesses.append(f"the investigator's signature over this bundle and its head (event {last})")
        report.facts["not_time_stamped"] = (
            f"{span} {'is' if first == last else 'are'} signed but not yet time-stamped: a cut there is "
            "detectable only through the head journal or an exported head"
            + (f" (here: {', '.join(witnesses)})" if witnesses else " (none was found here)")
        )


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
        _fail(
            report,
            "head",
            f"head {expect_head}",
            "the ledger no longer contains this head: it was truncated or rewritten",
        )


def check_artefacts(
    expected: dict[str, ExpectedArtefact],
    locate: Callable[[str], Path | None],
    report: Report,
    on_progress: ProgressCallback | None = None,
    known: Callable[[Path], Digests | None] | None = None,
    fast: bool = False,
    started: Hashing | None = None,
) -> None:
    """Re-hash every artefact the ledger names and compare.

    The files are shared out between threads, largest first (:mod:`.artefact_hashing`),
    streamed; ``started`` is a :class:`Hashing` already at work on some of them (the case's store). The
    findings are recorded in the ledger's order once every file is hashed, so they come in the same order
    whatever finished first, and progress is reported from the calling thread only. ``known`` returns
    digests already computed from the same bytes in this run (a bundle's manifest check reads every
    payload file once), so no file is read twice. ``fast`` checks BLAKE3 and size only (check
    ``artefact-blake3``) and says in the report that SHA-256 was not checked.
    """
    total = sum(max(a.size, 0) for a in expected.values())
    check = "artefact-blake3" if fast else "artefact-digest"
    if fast:
        report.mark_unchecked(
            "SHA-256 of the artefacts", "verify --fast checks BLAKE3 and size only; run verify without --fast"
        )
    # In the ledger's order: (digest, artefact, path or None when missing, digests already known).
    listed: list[tuple[str, ExpectedArtefact, Path | None, Digests | None]] = []
    for digest, artefact in expected.items():
        path = locate(digest)
        present = path is not None and path.is_file()
        reused = known(path) if known is not None and present and path is not None else None
        listed.append((digest, artefact, path if present else None, reused))
    unread = sum(max(a.size, 0) for _, a, path, reused in listed if path is None or reused is not None)
    reported = 0

    def show(done: int) -> None:
        """Progress never goes back."""
        nonlocal reported
        if on_progress is not None:
            reported = max(reported, min(done, total))
            on_progress(reported, total)

    hashing = started if started is not None and started.fast == fast else Hashing(fast)
    try:
        hashing.add(
            [(path, a.size) for _, a, path, reused in listed if path is not None and reused is None],
            progress=on_progress is not None,
        )
        while on_progress is not None and (running := hashing.running()):
            with hashing.hashed.lock:
                show(hashing.hashed.done + unread)
            wait(running, timeout=0.25, return_when=FIRST_EXCEPTION)
        for digest, artefact, path, reused in listed:
            where = f"artefact {digest} (recorded in event {artefact.first_seq})"
            if path is None:
                _fail(report, "artefact-present", where, "the file is missing")
                continue
            _ok(report, "artefact-present")
            parts = [reused.to_json()] if reused is not None else hashing.result(path)
            got = {key: value for part in parts for key, value in part.items()}
            sizes = {part["size"] for part in parts}
            problems = []
            if got.get("blake3") != artefact.blake3:
                problems.append(("BLAKE3", artefact.blake3, str(got.get("blake3"))))
            if not fast and got.get("sha256") != artefact.sha256:
                problems.append(("SHA-256", artefact.sha256, str(got.get("sha256"))))
            if sizes != {artefact.size}:  # both halves of a split file read what the ledger recorded
                problems.append(("size", str(artefact.size), ", ".join(sorted(map(str, sizes - {artefact.size})))))
            if problems:
                names = ", ".join(p[0] for p in problems)
                _fail(
                    report,
                    check,
                    f"{where} at {path}",
                    f"the file was altered ({names} differ)",
                    problems[0][1],
                    problems[0][2],
                )
            else:
                _ok(report, check)
    finally:
        if hashing is not started:
            hashing.close()
    show(total)


def artefact_path(case_dir: Path, digest: str) -> Path:
    hex_digest = digest.partition(":")[2] or digest  # a malformed digest names a file that is not there
    return case_dir / "artefacts" / hex_digest[:2] / hex_digest


def read_case_json(case_dir: Path) -> tuple[str, Any]:
    """The case id and what case.json says (for the case-facts check).

    The id comes from the ledger (its genesis value is derived from it, so every event's link checks it),
    and only from case.json when the ledger does not open (then the ledger check fails anyway).
    """
    stated = read_json_copy(case_dir / "case.json")  # unreadable: case-facts names it
    try:
        with Ledger.open(case_dir / "ledger.sqlite") as ledger:
            return ledger.case_id, stated
    except CustodyError:
        if isinstance(stated, dict) and isinstance(stated.get("id"), str):
            return stated["id"], stated
        raise CustodyError(f"{case_dir} is not a case folder (neither case.json nor the ledger names a case)") from None


def read_case_id(case_dir: Path) -> str:
    return read_case_json(case_dir)[0]


def _recorded_after(case_dir: Path, walk: ChainWalk, copy: Path) -> bool:
    """Whether a capture event after the walked head records exactly this copy (verify ran while it was made)."""
    last = walk.head.seq if walk.head else 0
    digest = hash_file(copy).blake3
    try:
        with Ledger.open(case_dir / "ledger.sqlite") as ledger:
            rows = ledger.connection.execute(
                "SELECT artefacts FROM events WHERE action = 'capture' AND seq > ?", (last,)
            ).fetchall()
    except (CustodyError, sqlite3.DatabaseError):
        return False
    return any(f'"{digest}"' in str(artefacts) for (artefacts,) in rows)


def check_capture_records(
    folder: Path, label: str, walk: ChainWalk, report: Report, left_out: Collection[str] = (), in_case: bool = False
) -> None:
    """Each capture the ledger records has its record in ``folder``, byte for byte; nothing else is there.

    ``label`` is how findings name the folder (``captures``, ``data/captures``); ``left_out``: digests of
    records an export left out on purpose (their captures were not selected). ``in_case``: in a case folder
    a missing copy is a warning (a command killed between the capture event and the copy leaves it, the
    record itself is the checked artefact, and the next command writes the copy again); in a bundle it fails.
    """
    named: set[str] = set()
    for seq, capture_id, digest in walk.index.capture_records:
        name = f"{capture_id}.json"
        named.add(name)
        if digest in left_out:
            continue
        path = folder / name
        if not path.is_file() and in_case:
            report.warnings.append(
                f"{label}/{name}, the readable copy of the record of capture {capture_id} (event {seq}), is "
                f"missing; the record itself is artefact {digest}; the next command on the case writes the copy"
            )
            continue
        if not path.is_file():
            _fail(
                report,
                "capture-record",
                f"{label}/{name}",
                f"the readable copy of the record of capture {capture_id} (event {seq}) is missing",
                digest,
            )
            continue
        found = hash_file(path).blake3
        if found != digest:
            _fail(
                report,
                "capture-record",
                f"{label}/{name}",
                f"this capture record is not the one event {seq} recorded",
                digest,
                found,
            )
        else:
            _ok(report, "capture-record")
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.name not in named and in_case and _recorded_after(folder.parent, walk, path):
            continue  # a capture committed after the head this verify walked to: its copy is not checked now
        if path.name not in named:
            _fail(
                report,
                "capture-record",
                f"{label}/{path.name}",
                "no capture event records this capture record",
                None,
                hash_file(path).blake3,
            )


def verify_case(
    case_dir: Path,
    expect_head: str | None = None,
    on_progress: ProgressCallback | None = None,
    tsa_roots: Sequence[Any] = (),
    trust: Sequence[str] = (),
    journal_dir: Path | None = None,
    fast: bool = False,
    started: Hashing | None = None,
) -> Report:
    """Verify a case folder: every check of :mod:`chain_of_custody.checks` that applies to a case.

    ``tsa_roots`` (x509 certificates): when given, RFC 3161 tokens must chain to one of them.
    ``trust``: fingerprints (or key ids) pinned out of band; any event signed by another key fails.
    ``journal_dir``: where the head journal lives (default :func:`journal.default_dir`).
    ``fast``: artefacts get BLAKE3 and size only; the report says SHA-256 was not checked.
    ``started``: the store's files already being hashed (:func:`chain_of_custody.artefact_hashing.start`,
    which a command line calls before it loads this module); the caller closes it.
    """
    case_dir = case_dir.resolve()
    if started is not None and started.fast == fast:
        return _verify_case(case_dir, expect_head, on_progress, tsa_roots, trust, journal_dir, fast, started)
    # the store's files are hashed while the chain is walked
    with artefact_hashing.start(case_dir, fast, progress=on_progress is not None) as hashing:
        return _verify_case(case_dir, expect_head, on_progress, tsa_roots, trust, journal_dir, fast, hashing)


def _verify_case(
    case_dir: Path,
    expect_head: str | None,
    on_progress: ProgressCallback | None,
    tsa_roots: Sequence[Any],
    trust: Sequence[str],
    journal_dir: Path | None,
    fast: bool,
    hashing: Hashing,
) -> Report:
    case_id, stated = read_case_json(case_dir)
    journal_dir = journal_dir or journal.default_dir()
    journal_lines = journal.take(journal_dir, case_id)  # before the ledger: see chain_of_custody.journal
    journals: list[journal.Journal] = []
    report = Report(target=str(case_dir), kind="case")
    report.facts["case_id"] = case_id
    file_keys, key_problems = load_public_keys(case_dir / "keys")
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
        walk = check_ledger(
            ledger,
            case_id,
            file_keys,
            report,
            trust=trust,
            keys_dir=case_dir / "keys",
            meanwhile=lambda: journals.extend(journal_lines()),  # while the workers check signatures
        )
    head, expected, index = walk.head, walk.artefacts, walk.index
    if head is None:
        _fail(report, "ledger", "ledger.sqlite", "the ledger holds no events")
    check_case_facts(stated, walk.facts, "case.json", report, walk.fact_states)
    report.facts["events"] = head.seq if head else 0
    report.facts["head"] = str(head) if head else None
    report.facts["artefacts"] = len(expected)
    report.facts["bytes"] = sum(max(a.size, 0) for a in expected.values())
    if expect_head:
        check_expected_head(expect_head, index, report)
    found_journal = check_journal(journals or journal_lines(), journal_dir, case_id, case_dir, walk, report)
    check_artefacts(expected, lambda d: artefact_path(case_dir, d), report, on_progress, fast=fast, started=hashing)
    for path in unrecorded(case_dir, {d.split(":", 1)[1] for d in expected}):
        report.warnings.append(
            f"{path} is stored but no custody event records it (an interrupted ingest leaves such a file)"
        )
    for path in leftovers(case_dir):
        report.warnings.append(
            f"{path} is a temporary file of an interrupted command (the next command on "
            "the case removes it and records that)"
        )
    for record in interrupted_exports(case_dir):
        report.warnings.append(
            f"{record}: an export was interrupted (its process is gone); the next "
            "evidence-kit command on the case removes what it left beside its --out"
        )
    check_capture_records(case_dir / "captures", "captures", walk, report, in_case=True)
    check_timestamps(
        index.timestamp_events,
        lambda d: artefact_path(case_dir, d),
        index,
        expected,
        report,
        case_id=case_id,
        records=read_token_records(case_dir / "timestamps"),
        pinned_roots=tsa_roots,
    )
    check_descriptions(case_dir, expected, report)
    check_social(case_dir, report)
    check_index(case_dir, expected, report)
    anchoring(walk, report, found_journal, witnessed=parse_head(expect_head)[0] if expect_head else None)
    return report


def unrecorded(case_dir: Path, known: set[str]) -> list[str]:
    """Files in the store under a digest name that no event records."""
    return [
        f"artefacts/{path.parent.name}/{entry.name}"
        for entry, path in artefact_hashing.store_entries(case_dir)
        if entry.name not in known
    ]
