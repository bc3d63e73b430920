"""Verify a case folder (or, through the same checks, an exported bundle).

Verification walks everything, collects every failure as a :class:`Finding` naming the place, and only
then reports; it never stops at the first problem.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import journal
from .canonical import canonical_json, loads_strict
from .chain_index import ChainIndex, ExpectedArtefact
from .checks import failed as _fail
from .checks import passed as _ok
from .clock import parse_rfc3339
from .description_check import check_descriptions
from .errors import CustodyError
from .facts import ENROL, UPDATE, CaseFacts, differences
from .hashing import Digests, blake3_digest, blake3_file, hash_file, hash_file_here, sha256_file
from .index_check import check_index
from .keys import fingerprint_of, load_public_keys, matches_trusted, raw_public, verify_signature
from .ledger import Event, Head, Ledger, genesis_hash
from .leftovers import interrupted_exports, leftovers
from .report import Report
from .timestamp_check import check_timestamps, read_token_records

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ProgressCallback = Callable[[int, int], None]
BLAKE3_DIGEST = re.compile(r"^blake3:[0-9a-f]{64}$")


# One event as a worker checks it: seq, actor, key id, public key (None: no key, signer-key says so),
# signature, recorded entry hash, hashed body. Back: seq, actor, key id, whether the signature verifies
# (None without a key) and the entry hash computed from the body.
Signed = tuple[int, str, str, bytes | None, str, str, dict[str, Any]]
Checked = tuple[int, str, str, bool | None, str]


def _verify_batch(batch: list[Signed]) -> list[Checked]:
    """Each event's entry hash, computed again, and its signature: the costly part of a chain walk, done on
    worker processes (or threads) in batches while the walk goes on."""
    checked = []
    for seq, actor, key_id, key, signature, entry_hash, body in batch:
        try:
            computed = blake3_digest(canonical_json(body, strict=False))
        except TypeError as exc:
            computed = f"unhashable: {exc}"
        good = None if key is None else verify_signature(key, signature, entry_hash.encode("ascii"))
        checked.append((seq, actor, key_id, good, computed))
    return checked


# Above this many events, signatures are checked in worker processes: with threads the walk and the
# checks fight over the GIL (measured: 120 µs an event with threads against ~70 with processes).
PROCESS_POOL_FROM = 20_000


def _pool(processes: bool) -> Executor:
    workers = max(2, os.cpu_count() or 2)
    if processes:
        import multiprocessing  # only for long ledgers: most verifies start without it (issue 16)
        from concurrent.futures import ProcessPoolExecutor

        # fork: the pool starts at the beginning of the walk, before verification starts any thread of
        # its own, and unlike spawn it works however the program was started (-c, stdin, frozen).
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ed25519")


@dataclass
class ChainWalk:
    """What one walk of the chain found: its head, the artefacts it names, its index and its facts."""

    head: Head | None
    artefacts: dict[str, ExpectedArtefact]
    index: ChainIndex
    facts: CaseFacts
    fact_states: list[tuple[int, dict[str, Any]]]  # (seq, what case.json said after it) for each case event


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
    file_keys: dict[str, Ed25519PublicKey],
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
        elif raw_public(copy) != signer.public_key:
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


def check_chain(
    events: Iterable[Event],
    case_id: str,
    file_keys: dict[str, Ed25519PublicKey],
    report: Report,
    processes: bool = False,
    trust: Sequence[str] = (),
    keys_dir: Path | None = None,
) -> ChainWalk:
    """Walk the chain once: links, hashes, who may sign each event, signatures, and the case's facts.

    A key signs event N only when event 1 or an ``enrol`` event before N enrolled it (see
    :mod:`chain_of_custody.facts`); its public key comes from that signed enrolment, and ``keys/`` is
    only a readable copy. Entry hashes and signatures (the costly part) are checked in batches on worker
    threads, or worker processes for long ledgers (``processes``), while the walk goes on; their findings
    are recorded batch by batch in seq order, so a report lists them in the same order every time.
    """
    expected_seq = 1
    prev = genesis_hash(case_id)
    head: Head | None = None
    artefacts: dict[str, ExpectedArtefact] = {}
    previous_time = None
    index = ChainIndex()
    facts = CaseFacts(case_id)
    fact_states: list[tuple[int, dict[str, Any]]] = []
    passed = dict.fromkeys(("sequence", "chain-link", "entry-hash", "case-id", "signer-enrolled", "signature"), 0)
    batch: list[Signed] = []
    raw_file_keys = {key_id: raw_public(key) for key_id, key in file_keys.items()}
    # A batch in flight: its events, where each event's entry-hash finding belongs among the findings
    # (the walk checked the hash there before workers did), and the workers' answer.
    in_flight: deque[tuple[list[Signed], list[int], Future[list[Checked]]]] = deque()
    slots: list[int] = []
    placed: list[tuple[int, Any]] = []  # (slot, entry-hash finding), put in place after the walk
    first_use: dict[str, int] = {}
    used: dict[str, list[int]] = {}
    fingerprints: dict[str, str] = {}

    def collect(sent: list[Signed], at: list[int], future: Future[list[Checked]]) -> None:
        for (_, _, _, _, _, entry_hash, _), slot, (seq, actor, key_id, good, computed) in zip(
            sent, at, future.result(), strict=True
        ):
            if computed != entry_hash:
                _fail(
                    report,
                    "entry-hash",
                    f"event {seq}",
                    "its content was changed after it was recorded",
                    entry_hash,
                    computed,
                )
                placed.append((slot, report.findings.pop()))
            else:
                passed["entry-hash"] += 1
            if good:
                passed["signature"] += 1
            elif good is not None:
                _fail(report, "signature", f"event {seq}", f"signature of {actor!r} ({key_id}) does not verify")

    with _pool(processes) as pool:
        for event in events:
            where = f"event {event.seq}"
            if event.seq != expected_seq:
                _fail(
                    report,
                    "sequence",
                    where,
                    f"event {expected_seq} was expected here: events were deleted, inserted or reordered",
                    str(expected_seq),
                    str(event.seq),
                )
            else:
                passed["sequence"] += 1
            if event.prev_hash != prev:
                _fail(report, "chain-link", where, "does not link to the event before it", prev, event.prev_hash)
            else:
                passed["chain-link"] += 1
            slots.append(len(report.findings))  # the entry-hash finding's place, if the workers find one
            if event.case_id != case_id:
                _fail(report, "case-id", where, "belongs to another case", case_id, event.case_id)
            else:
                passed["case-id"] += 1
            refused = facts.authorised(event.seq, event.key_id, event.actor)
            if refused:
                _fail(report, "signer-enrolled", where, refused)
            else:
                passed["signer-enrolled"] += 1
                unsound = facts.apply(event.seq, event.time, event.action, event.actor, event.key_id, event.details)
                if event.seq == 1 or event.action in (UPDATE, ENROL):
                    fact_states.append((event.seq, facts.case_json()))
                if unsound:
                    _fail(report, "case-facts", where, unsound)
            signer = facts.signer_for(event.key_id)
            key = signer.public_key if signer is not None and signer.public_key else raw_file_keys.get(event.key_id)
            first_use.setdefault(event.key_id, event.seq)
            used.setdefault(event.key_id, []).append(event.seq)
            if key is None:
                _fail(report, "signer-key", where, f"no public key {event.key_id} for signer {event.actor!r}")
            elif event.key_id not in fingerprints:
                fingerprints[event.key_id] = fingerprint_of(key)
            body = event.hashed_body()
            batch.append((event.seq, event.actor, event.key_id, key, event.signature, event.entry_hash, body))
            if len(batch) >= (2048 if processes else 512):
                in_flight.append((batch, slots, pool.submit(_verify_batch, batch)))
                batch, slots = [], []
                while len(in_flight) > 8:
                    collect(*in_flight.popleft())
            moment = None
            try:
                moment = parse_rfc3339(event.time)
                if previous_time is not None and moment < previous_time:
                    report.warnings.append(f"event {event.seq} is dated before the event preceding it ({event.time})")
                previous_time = moment
            except ValueError:
                _fail(report, "entry-hash", where, f"time {event.time!r} is not an RFC 3339 time")
            for item in event.artefacts if isinstance(event.artefacts, list) else []:
                digest = item.get("blake3") if isinstance(item, dict) else None
                if isinstance(digest, str) and not BLAKE3_DIGEST.match(digest):
                    _fail(report, "artefact-present", where, f"names an artefact by a malformed digest {digest!r}")
                    continue
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
            in_flight.append((batch, slots, pool.submit(_verify_batch, batch)))
        while in_flight:
            collect(*in_flight.popleft())
    for slot, finding in reversed(placed):  # each where the walk would have recorded it: a fixed order
        report.findings.insert(slot, finding)
    for name, count in passed.items():
        _ok(report, name, count)
    _key_problems(facts, file_keys, first_use, report, keys_dir)
    if trust:
        _trust_problems(trust, facts, used, fingerprints, report)
    report.facts["signers"] = sorted(index.actors)
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
    return ChainWalk(head, artefacts, index, facts, fact_states)


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


# Artefacts are hashed on this many threads at once: hashlib and blake3 release the GIL, so each thread
# keeps a core busy (measured on 2 cores, 320 MiB in 40 files: threads 0.16 s, a fork process pool 0.17 s,
# one stream 0.36 s).
HASH_THREADS = max(2, os.cpu_count() or 2)
# What one byte costs each digest on one core, relative to SHA-256 (measured here: SHA-256 about
# 1.4 GiB/s, BLAKE3 on one thread about 4 GiB/s): how the work is shared out between the threads.
BLAKE3_COST = 0.35


class _Bytes:
    """Bytes hashed so far by every worker, read by the thread that reports progress."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = 0

    def counter(self) -> Callable[[int], None]:
        last = 0

        def add(size: int) -> None:
            nonlocal last
            with self.lock:
                self.done += size - last
            last = size

        return add


# One piece of hashing work: the file, which of its digests it takes, and its cost in SHA-256 bytes.
# ``part``: "both" (BLAKE3 and SHA-256 on one thread), "sha256" and "blake3" (the two halves of a split
# file), "blake3-fast" (verify --fast, one thread) and "blake3-all-cores" (verify --fast, a file larger
# than its share).
@dataclass(frozen=True)
class _Job:
    path: Path
    part: str
    cost: float


def _jobs(files: list[tuple[Path, int]], fast: bool) -> list[_Job]:
    """The hashing work for ``files`` (path, size), largest first.

    Largest first, so that no large file starts last while the other threads have nothing left to do.
    A file that would take longer than its fair share of all the work (one 2 GiB file, or one video among
    small photos) is split: its SHA-256 and its BLAKE3 are two jobs, on two cores at once, each reading
    the file (a copy from the page cache costs little beside SHA-256); with ``fast`` it is hashed on
    every core.
    """
    per_byte = BLAKE3_COST if fast else 1 + BLAKE3_COST
    share = sum(max(size, 0) for _, size in files) * per_byte / HASH_THREADS
    jobs = []
    for path, size in files:
        cost = max(size, 0) * per_byte
        if cost <= share:
            jobs.append(_Job(path, "blake3-fast" if fast else "both", cost))
        elif fast:
            jobs.append(_Job(path, "blake3-all-cores", cost))
        else:
            jobs.append(_Job(path, "sha256", max(size, 0)))
            jobs.append(_Job(path, "blake3", max(size, 0) * BLAKE3_COST))
    return sorted(jobs, key=lambda job: -job.cost)


def _run(job: _Job, on_bytes: Callable[[int], None] | None) -> dict[str, str | int]:
    """One job's digests and the size it read: {"blake3": …, "sha256": …, "size": …} as far as it took them."""
    if job.part == "both":
        digests = hash_file_here(job.path, on_progress=on_bytes)
        return {"blake3": digests.blake3, "sha256": digests.sha256, "size": digests.size}
    if job.part == "sha256":
        digest, size = sha256_file(job.path, on_progress=on_bytes)
        return {"sha256": digest, "size": size}
    digest, size = blake3_file(job.path, all_cores=job.part == "blake3-all-cores", on_progress=on_bytes)
    return {"blake3": digest, "size": size}


class Hashing:
    """Files being hashed on :data:`HASH_THREADS` threads (see :func:`_jobs`); their digests by path.

    :func:`verify_case` starts one on the files in the case's store before it walks the chain, so the
    cores hash while the ledger is read (the walk names the same files); :func:`check_artefacts` adds
    whatever was not started and takes the results.
    """

    def __init__(self, fast: bool) -> None:
        self.fast = fast
        self.hashed = _Bytes()
        self.pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="artefact-hash")
        self.futures: dict[Path, list[Future[dict[str, str | int]]]] = {}

    def add(self, files: list[tuple[Path, int]], progress: bool = True) -> None:
        """Start hashing the files (path, size) not started yet."""
        new = [(path, size) for path, size in dict(files).items() if path not in self.futures]
        for job in _jobs(new, self.fast):
            # the BLAKE3 half of a split file counts no progress: its SHA-256 half counts the file's bytes
            counter = self.hashed.counter() if progress and job.part != "blake3" else None
            self.futures.setdefault(job.path, []).append(self.pool.submit(_run, job, counter))

    def result(self, path: Path) -> list[dict[str, str | int]]:
        """The digests the file's jobs found (a worker's error is raised here)."""
        return [future.result() for future in self.futures[path]]

    def running(self) -> list[Future[dict[str, str | int]]]:
        return [future for futures in self.futures.values() for future in futures if not future.done()]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def stored_files(case_dir: Path) -> list[tuple[Path, int]]:
    """The files in a case's store under a digest name, and their sizes."""
    store = case_dir / "artefacts"
    found = []
    for path in sorted(store.glob("??/*")) if store.is_dir() else []:
        try:
            if path.is_file() and len(path.name) == 64:
                found.append((path, path.stat().st_size))
        except OSError:
            continue  # the walk and check_artefacts name it
    return found


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

    The files are shared out between :data:`HASH_THREADS` threads, largest first (see :func:`_jobs`),
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
) -> Report:
    """Verify a case folder: every check of :mod:`chain_of_custody.checks` that applies to a case.

    ``tsa_roots`` (x509 certificates): when given, RFC 3161 tokens must chain to one of them.
    ``trust``: fingerprints (or key ids) pinned out of band; any event signed by another key fails.
    ``journal_dir``: where the head journal lives (default :func:`journal.default_dir`).
    ``fast``: artefacts get BLAKE3 and size only; the report says SHA-256 was not checked.
    """
    case_dir = case_dir.resolve()
    hashing = Hashing(fast)  # the store's files are hashed while the chain is walked
    try:
        hashing.add(stored_files(case_dir), progress=on_progress is not None)
        return _verify_case(case_dir, expect_head, on_progress, tsa_roots, trust, journal_dir, fast, hashing)
    finally:
        hashing.close()


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
    journals = journal.snapshot(journal_dir, case_id)  # before the ledger: see chain_of_custody.journal
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
        walk = check_chain(
            ledger.events(),
            case_id,
            file_keys,
            report,
            processes=ledger.count() >= PROCESS_POOL_FROM,
            trust=trust,
            keys_dir=case_dir / "keys",
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
    found_journal = check_journal(journals, journal_dir, case_id, case_dir, walk, report)
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
    check_index(case_dir, expected, report)
    anchoring(walk, report, found_journal, witnessed=parse_head(expect_head)[0] if expect_head else None)
    return report


def unrecorded(case_dir: Path, known: set[str]) -> list[str]:
    """Files in the store under a digest name that no event records."""
    store = case_dir / "artefacts"
    return (
        [
            f"artefacts/{p.parent.name}/{p.name}"
            for p in sorted(store.glob("??/*"))
            if p.is_file() and p.name not in known
        ]
        if store.is_dir()
        else []
    )
