"""The ledger: canonical hashing, appends under two processes, crash safety, JSON Lines round trip."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chain_of_custody.canonical import canonical_json
from chain_of_custody.keys import load_or_create
from chain_of_custody.ledger import Ledger, genesis_hash, read_jsonl, write_jsonl
from chain_of_custody.verify import verify_case

SAFE = st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)  # what a double holds exactly (RFC 8785)
json_values = st.recursive(
    st.none() | st.booleans() | SAFE | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_stable_and_round_trips(value):
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


@given(st.dictionaries(st.text(), SAFE, min_size=2))
def test_canonical_json_ignores_key_order(mapping):
    reordered = dict(reversed(list(mapping.items())))
    assert canonical_json(mapping) == canonical_json(reordered)


@given(st.integers(min_value=2**53) | st.integers(max_value=-(2**53)))
def test_canonical_json_refuses_integers_a_double_cannot_hold(number):
    with pytest.raises(TypeError, match="2\\^53"):
        canonical_json({"n": [number]})


def test_canonical_json_refuses_floats():
    with pytest.raises(TypeError, match="floats"):
        canonical_json({"duration": 1.5})


def test_first_event_chains_from_a_case_specific_genesis(make_case):
    case = make_case()
    first = next(case.events())
    assert first.prev_hash == genesis_hash("OP-2026-017") != genesis_hash("OP-2026-018")
    assert first.action == "case-create"
    assert first.time == "2026-03-01T09:00:00.000000Z"  # the fixed clock's first reading: the creation time


def _append_many(args):
    case_dir, keys_dir, name, count = args
    identity, _ = load_or_create(Path(keys_dir), name)
    ledger = Ledger.open(Path(case_dir) / "ledger.sqlite")
    for index in range(count):
        ledger.append(identity, "note", details={"writer": name, "n": index})
    ledger.close()


def test_two_processes_appending_at_once_keep_one_intact_chain(make_case, settings):
    case = make_case()
    case.enrol(case.identity(), "Second Investigator")  # only enrolled keys may sign
    case.close()
    jobs = [(str(case.path), str(settings.keys_dir), name, 150) for name in ("Insp. A. Petrova", "Second Investigator")]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_append_many, jobs)
    report = verify_case(case.path)
    assert report.ok, [str(f) for f in report.findings]
    assert report.facts["events"] == 302  # creation, enrolment, 2 × 150
    assert report.facts["signers"] == ["Insp. A. Petrova", "Second Investigator"]


def test_a_failed_append_leaves_the_chain_as_it_was(make_case):
    case = make_case()
    identity = case.identity()
    before = case.ledger.head()

    def explode(connection, event):
        raise RuntimeError("power cut in the middle of the append")

    with pytest.raises(RuntimeError):
        case.ledger.append(identity, "note", details={"n": 1}, also=explode)
    assert case.ledger.head().entry_hash == before.entry_hash
    case.record(identity, "note", note="after the crash")
    case.close()
    assert verify_case(case.path).ok


def test_jsonl_export_round_trips_and_verifies(make_case, tmp_path):
    case = make_case()
    identity = case.identity()
    case.record(identity, "seal", note="bag 44")
    head = write_jsonl(case.events(), tmp_path / "ledger.jsonl")
    events = list(read_jsonl(tmp_path / "ledger.jsonl"))
    assert [e.seq for e in events] == [1, 2]
    assert all(e.compute_hash() == e.entry_hash for e in events)
    assert str(head) == str(case.ledger.head())


def test_private_key_is_owner_only_and_outside_the_case(make_case, settings):
    case = make_case()
    keys = list(settings.keys_dir.glob("*.key"))
    assert len(keys) == 1
    assert stat.S_IMODE(keys[0].stat().st_mode) == 0o600
    assert not list(case.path.rglob("*.key"))
    assert len(list((case.path / "keys").glob("*.pem"))) == 1


def test_a_world_readable_private_key_is_refused(make_case, settings):
    case = make_case()
    key = next(settings.keys_dir.glob("*.key"))
    key.chmod(0o644)
    from chain_of_custody.errors import KeyProblem

    with pytest.raises(KeyProblem, match="readable by others"):
        case.identity()


def test_ledger_rows_are_plain_sqlite_readable_by_anyone(make_case):
    case = make_case()
    case.close()
    rows = sqlite3.connect(case.path / "ledger.sqlite").execute("SELECT seq, action FROM events").fetchall()
    assert rows == [(1, "case-create")]


def test_killing_a_process_mid_append_leaves_a_verifiable_chain(make_case, settings):
    """SIGKILL while another process appends as fast as it can: whatever was committed verifies."""
    import os
    import signal
    import subprocess
    import sys
    import time

    case = make_case()
    case.close()
    script = (
        "import sys; from pathlib import Path\n"
        "from chain_of_custody.keys import load_or_create\n"
        "from chain_of_custody.ledger import Ledger\n"
        "identity, _ = load_or_create(Path(sys.argv[2]), 'Insp. A. Petrova')\n"
        "ledger = Ledger.open(Path(sys.argv[1]) / 'ledger.sqlite')\n"
        "print('ready', flush=True)\n"
        "for n in range(1_000_000):\n"
        "    ledger.append(identity, 'note', details={'n': n, 'pad': 'x' * 2000})\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(case.path), str(settings.keys_dir)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    report = verify_case(case.path)
    assert report.ok, [str(f) for f in report.findings]
    assert report.facts["events"] > 10  # it really was appending when it died


def test_docstring_examples_hold():
    import doctest

    import chain_of_custody.canonical
    import chain_of_custody.clock

    for module in (chain_of_custody.canonical, chain_of_custody.clock):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
