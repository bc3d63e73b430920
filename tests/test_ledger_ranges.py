"""Issue 16: a long ledger is checked by range workers reading the SQLite file themselves; a tampered event
deep in the chain, past the first worker's range, is still named at its sequence number, and the report is
the one the single-reader walk (events handed to worker threads) gives."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from chain_of_custody import journal
from chain_of_custody import verify as custody_verify
from chain_of_custody.keys import export_public, load_or_create, load_public_keys
from chain_of_custody.ledger import Ledger, PendingEvent
from chain_of_custody.report import Report
from chain_of_custody.verify import check_chain, check_ledger

EVENTS = 5_000
CASE = "OP-RANGES"


@pytest.fixture(scope="module")
def long_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5,000-event case folder (ledger and keys): a second investigator enrolled at event 3,000 signs
    every other event after it, and a key nobody enrolled signs event 4,100."""
    folder = tmp_path_factory.mktemp("ranges") / CASE
    keys = folder / "keys"
    lead, _ = load_or_create(folder.parent / "private", "Insp. A. Lead")
    second, _ = load_or_create(folder.parent / "private", "DC B. Second")
    stranger, _ = load_or_create(folder.parent / "private", "Nobody Enrolled")
    for identity in (lead, second, stranger):
        export_public(identity, keys)
    folder.mkdir(exist_ok=True)
    with Ledger.create(folder / "ledger.sqlite", CASE) as ledger:
        ledger.append(lead, "case-create", details={"title": "ranges", "investigator": lead.enrolment_record()})
        ledger.append_many(lead, [PendingEvent("note", [], {"n": n}) for n in range(2, 3_000)])
        ledger.append(lead, "enrol", details={"investigator": second.enrolment_record()})
        for seq in range(3_001, EVENTS + 1):
            signer = stranger if seq == 4_100 else second if seq % 2 else lead
            ledger.append(signer, "note", details={"n": seq, "text": "a, b: c"})
    return folder


@pytest.fixture
def copy(long_ledger: Path, tmp_path: Path) -> Path:
    target = tmp_path / CASE
    shutil.copytree(long_ledger, target)
    return target


def _sql(folder: Path, statement: str, *params: object) -> None:
    connection = sqlite3.connect(folder / "ledger.sqlite")
    connection.execute(statement, params)
    connection.commit()
    connection.close()


def _both(folder: Path, ranges: bool = True) -> tuple[dict[str, object], dict[str, object]]:
    """The report of check_ledger and that of the single-reader walk over the same ledger; ``ranges``: the
    range workers really checked it (more than one range, no fallback)."""
    keys, _ = load_public_keys(folder / "keys")
    ranged, single = Report("t", "case"), Report("t", "case")
    with Ledger.open(folder / "ledger.sqlite") as ledger:
        assert ledger.count() >= custody_verify.RANGES_FROM and ledger.count() > custody_verify.RANGE_SIZE
        if ranges:
            assert custody_verify._walk_ranges(ledger.path, CASE, keys, Report("t", "case")) is not None
        check_ledger(ledger, CASE, keys, ranged, keys_dir=folder / "keys")
        check_chain(ledger.events(), CASE, keys, single, keys_dir=folder / "keys")
    return ranged.to_json(), single.to_json()


def test_an_untouched_long_ledger_verifies_the_same_both_ways(copy):
    ranged, single = _both(copy)
    assert ranged == single
    assert [(f["check"], f["where"]) for f in ranged["findings"]] == [
        ("signer-enrolled", "event 4100"),
    ]  # the key nobody enrolled; its signature itself verifies
    checks = {c["name"]: (c["checked"], c["failed"]) for c in ranged["checks"]}
    assert checks["signature"] == (EVENTS, 0) and checks["entry-hash"] == (EVENTS, 0)


def test_tampered_events_past_the_first_range_are_named_at_their_seq(copy):
    first = sqlite3.connect(copy / "ledger.sqlite").execute("SELECT signature FROM events WHERE seq=1").fetchone()[0]
    _sql(copy, "UPDATE events SET details=? WHERE seq=4500", json.dumps({"n": 4501, "text": "a, b: c"}))
    _sql(copy, "UPDATE events SET signature=? WHERE seq=4700", first)
    _sql(copy, "UPDATE events SET actor='DC B. Second' WHERE seq=4702")  # the lead's event, now claimed
    _sql(copy, "DELETE FROM events WHERE seq=4900")
    ranged, single = _both(copy)
    assert ranged == single
    assert [(f["check"], f["where"]) for f in ranged["findings"]] == [
        ("signer-enrolled", "event 4100"),
        ("entry-hash", "event 4500"),
        ("signature", "event 4700"),
        ("entry-hash", "event 4702"),
        ("signer-enrolled", "event 4702"),
        ("sequence", "event 4901"),
        ("chain-link", "event 4901"),
    ]


def test_a_column_that_is_not_utf8_is_walked_the_single_reader_way(copy):
    _sql(copy, "UPDATE events SET actor=CAST(x'ff41' AS TEXT) WHERE seq=4800")
    keys, _ = load_public_keys(copy / "keys")
    with Ledger.open(copy / "ledger.sqlite") as ledger:
        with pytest.raises(sqlite3.OperationalError):
            custody_verify._walk_ranges(ledger.path, CASE, keys, Report("t", "case"))
    ranged, single = _both(copy, ranges=False)
    assert ranged == single
    assert ("entry-hash", "event 4800") in [(f["check"], f["where"]) for f in ranged["findings"]]


def test_a_journal_line_is_read_the_same_with_or_without_the_json_parser(tmp_path):
    path = tmp_path / "j.jsonl"
    journal.append(path, "C-1", [(1, "blake3:" + "ab" * 32), (2, "blake3:" + "cd" * 32)], tmp_path / "a b")
    journal.append(path, "C-1", [(3, "blake3:" + "ef" * 32)], tmp_path / "é")  # escaped: parsed as JSON
    journal.append(path, "C-2", [(4, "blake3:" + "00" * 32)])  # another case's line
    with open(path, "ab") as handle:
        handle.write(b'{"case_id": "C-1", "entry_hash": "x", "format": "evidence-kit-head-journal/1", "seq": 2}\n')
    read = journal.read_journal(path, "C-1")
    assert read.heads == {1: "blake3:" + "ab" * 32, 2: "x", 3: "blake3:" + "ef" * 32}  # the last line holds
    assert read.folders == {str((tmp_path / "a b").resolve()), str((tmp_path / "é").resolve())}
    assert read.problems == ["line 4: names case 'C-2'", "line 5: event 2 journalled with two different hashes"]


def test_taking_a_journal_holds_about_its_size_and_reads_what_it_held_when_taken(tmp_path):
    """Taken before the ledger is opened, read while the workers check signatures: the bytes held are the
    file's, not the bound on what is taken in memory (which allocated 256 MiB for every verify)."""
    import tracemalloc

    path = journal.path_for(tmp_path, "C-1", "blake3:" + "ab" * 32)
    journal.append(path, "C-1", [(seq, "blake3:" + f"{seq:064x}") for seq in range(1, 2_001)])
    tracemalloc.start()
    try:
        lines = journal.take(tmp_path, "C-1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * path.stat().st_size + (1 << 20), peak
    journal.append(path, "C-1", [(2_001, "blake3:" + "cd" * 32)])  # after the look: the ledger holds it
    (taken,) = lines()
    assert sorted(taken.heads) == list(range(1, 2_001)) and not taken.problems


def test_a_case_reads_its_own_journals_and_not_those_of_a_case_whose_id_begins_with_its_id(tmp_path):
    mine = journal.path_for(tmp_path, "OP-A", "blake3:" + "ab" * 32)
    rewritten = journal.path_for(tmp_path, "OP-A", "blake3:" + "cd" * 32)  # same id, another first event
    other = journal.path_for(tmp_path, "OP-A-2", "blake3:" + "ef" * 32)
    journal.append(mine, "OP-A", [(1, "blake3:" + "ab" * 32)])
    journal.append(rewritten, "OP-A", [(1, "blake3:" + "cd" * 32)])
    journal.append(other, "OP-A-2", [(seq, "blake3:" + "ef" * 32) for seq in range(1, 100)])
    taken = journal.take(tmp_path, "OP-A")()
    assert sorted(j.path for j in taken) == sorted([mine, rewritten])
    assert not [problem for j in taken for problem in j.problems]


def test_a_column_holding_a_blob_is_walked_the_single_reader_way(copy):
    _sql(copy, "UPDATE events SET details=CAST(details AS BLOB) WHERE seq=4300")
    keys, _ = load_public_keys(copy / "keys")
    with Ledger.open(copy / "ledger.sqlite") as ledger:
        assert custody_verify._walk_ranges(ledger.path, CASE, keys, Report("t", "case")) is None
    ranged, single = _both(copy, ranges=False)
    assert ranged == single  # the blob reads as its text, which is what was signed: no finding for it
    assert [(f["check"], f["where"]) for f in ranged["findings"]] == [("signer-enrolled", "event 4100")]


def test_a_seq_edited_far_away_makes_no_empty_ranges(copy):
    _sql(copy, "UPDATE events SET seq=1000000000000 WHERE seq=4999")
    ranged, single = _both(copy)
    assert ranged == single
    assert [(f["check"], f["where"]) for f in ranged["findings"]][1:] == [
        ("sequence", "event 5000"),
        ("chain-link", "event 5000"),
        ("sequence", "event 1000000000000"),
        ("chain-link", "event 1000000000000"),
        ("entry-hash", "event 1000000000000"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"n": 5}',
        ' {"n": 5}',
        '{"n": 5} ',
        '{"n": 5}x',
        "[]",
        "",
        "not json",
        "\ufeff{}",
        '{"a": 1, "a": 2}',
        "NaN",
        "1e400",
        '{"a": [1, 2.5, null, true, "é\\u00e9\\ud800"]}',
        '{"n": 1',
        '{"k": {"z": 1, "a": [{}]}}',
    ],
)
def test_the_workers_read_and_hash_a_column_as_the_single_reader_walk_does(text):
    """The workers' faster JSON reading and canonical writing give exactly what json.loads and
    canonical_json give, whatever a column was edited to (a lone surrogate cannot be hashed at all)."""
    from chain_of_custody.canonical import canonical_json
    from chain_of_custody.hashing import blake3_digest
    from chain_of_custody.ledger import _json_or_text
    from chain_of_custody.ledger_ranges import entry_hash_of, parsed

    value = parsed(text)
    assert repr(value) == repr(_json_or_text(text))
    body = {"seq": 1, "details": value, "actor": 'é\n\x01"\\'}
    try:
        wanted = blake3_digest(canonical_json(body, strict=False))
    except ValueError as exc:
        wanted = f"unhashable: {exc}"
    assert entry_hash_of(body) == wanted


def test_an_unbroken_run_not_starting_at_one_is_cut_into_the_ranges_its_events_give(copy):
    """Event 1 deleted: the numbers left (2 to 5,000) are still unbroken, so the ranges come from their first,
    last and count; they are the ranges the events themselves give, and both walks name the deletion."""
    _sql(copy, "DELETE FROM events WHERE seq=1")
    connection = sqlite3.connect(copy / "ledger.sqlite")
    seqs = [seq for (seq,) in connection.execute("SELECT seq FROM events ORDER BY seq")]
    size = custody_verify.RANGE_SIZE
    by_events = [(seqs[at], seqs[min(at + size, len(seqs)) - 1]) for at in range(0, len(seqs), size)]
    assert custody_verify._ranges_of(connection) == by_events
    connection.close()
    ranged, single = _both(copy)
    assert ranged == single
    assert ("sequence", "event 2") in [(f["check"], f["where"]) for f in ranged["findings"]]
