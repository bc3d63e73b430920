"""Every tamper case of issue 3, done for real on a case on disk, caught by verify with the place named."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chain_of_custody.keys import load_or_create
from chain_of_custody.verify import verify_case
from evidence_kit.case import Case


@pytest.fixture
def sealed_case(make_case, tmp_path: Path) -> Case:
    """A case with two added files, a handover and a note: six events."""
    case = make_case()
    identity = case.identity()
    files = []
    samples = (("photo.jpg", b"\xff\xd8\xff" + b"jpeg bytes" * 100), ("chat.txt", "Работа в Германии".encode()))
    for name, data in samples:
        path = tmp_path / name
        path.write_bytes(data)
        files.append(path)
    case.add_files(files, identity, source="handed over by witness W-3", then_pipeline=False)
    case.record(identity, "handover", note="sealed USB, bag 44", to="Prosecutor M. Ionescu")
    case.record(identity, "note", note="reviewed")
    case.close()
    return case


def findings(case: Case, **kwargs):
    report = verify_case(case.path, **kwargs)
    return report, {(f.check, f.where.split(" at ")[0]) for f in report.findings}


def sql(case: Case, statement: str, *params) -> None:
    connection = sqlite3.connect(case.path / "ledger.sqlite")
    connection.execute(statement, params)
    connection.commit()
    connection.close()


def artefact_file(case: Case, seq: int) -> tuple[str, Path]:
    connection = sqlite3.connect(case.path / "ledger.sqlite")
    artefacts = json.loads(connection.execute("SELECT artefacts FROM events WHERE seq=?", (seq,)).fetchone()[0])
    connection.close()
    digest = artefacts[0]["blake3"]
    return digest, case.store.path_of(digest)


def test_untouched_case_verifies(sealed_case):
    report, found = findings(sealed_case)
    assert found == set()
    assert report.ok
    assert report.facts["events"] == 5
    assert report.checks["signature"].checked == 5
    assert report.checks["artefact-digest"].checked == 2


@pytest.mark.parametrize(
    "column,value",
    [
        ("actor", "Somebody Else"),
        ("action", "dispose"),
        ("time", "2026-03-01T08:00:00.000000Z"),
        ("details", '{"note": "changed"}'),
        ("artefacts", "[]"),
    ],
)
def test_editing_any_field_is_caught_at_that_event(sealed_case, column, value):
    sql(sealed_case, f"UPDATE events SET {column}=? WHERE seq=3", value)
    report, found = findings(sealed_case)
    assert not report.ok
    assert ("entry-hash", "event 3") in found


def test_editing_a_field_and_its_hash_breaks_signature_and_next_link(sealed_case):
    with Case.open_folder(sealed_case.path, sealed_case.settings) as case:
        event = next(e for e in case.events() if e.seq == 3)
    from chain_of_custody.ledger import Event

    forged = Event(**{**event.__dict__, "details": {**event.details, "note": "forged"}})
    sql(
        sealed_case,
        "UPDATE events SET details=?, entry_hash=? WHERE seq=3",
        json.dumps(forged.details),
        forged.compute_hash(),
    )
    _, found = findings(sealed_case)
    assert ("signature", "event 3") in found
    assert ("chain-link", "event 4") in found
    assert ("entry-hash", "event 3") not in found


def test_deleting_an_event_is_caught(sealed_case):
    sql(sealed_case, "DELETE FROM events WHERE seq=3")
    _, found = findings(sealed_case)
    assert ("sequence", "event 4") in found
    assert ("chain-link", "event 4") in found


def test_deleting_the_first_event_is_caught(sealed_case):
    sql(sealed_case, "DELETE FROM events WHERE seq=1")
    _, found = findings(sealed_case)
    assert ("sequence", "event 2") in found
    assert ("chain-link", "event 2") in found


def test_reordering_events_is_caught(sealed_case):
    connection = sqlite3.connect(sealed_case.path / "ledger.sqlite")
    connection.execute("UPDATE events SET seq=-1 WHERE seq=2")
    connection.execute("UPDATE events SET seq=2 WHERE seq=3")
    connection.execute("UPDATE events SET seq=3 WHERE seq=-1")
    connection.commit()
    connection.close()
    _, found = findings(sealed_case)
    assert ("entry-hash", "event 2") in found and ("entry-hash", "event 3") in found
    assert ("chain-link", "event 2") in found


def test_inserting_an_event_is_caught(sealed_case, settings):
    """An insider with a valid key of their own signs a forged event and slots it in."""
    intruder, _ = load_or_create(settings.keys_dir, "Intruder")
    with Case.open_folder(sealed_case.path, sealed_case.settings) as case:
        events = list(case.events())
    from chain_of_custody.ledger import Event

    draft = Event(
        seq=3,
        time=events[2].time,
        actor=intruder.name,
        key_id=intruder.key_id,
        action="note",
        case_id=events[0].case_id,
        artefacts=[],
        details={"note": "forged"},
        prev_hash=events[1].entry_hash,
    )
    forged = Event(**{**draft.__dict__, "entry_hash": draft.compute_hash()})
    forged = Event(**{**forged.__dict__, "signature": intruder.sign(forged.entry_hash.encode())})
    connection = sqlite3.connect(sealed_case.path / "ledger.sqlite")
    connection.execute("UPDATE events SET seq = seq + 100 WHERE seq >= 3")
    connection.execute("UPDATE events SET seq = seq - 99 WHERE seq >= 103")
    connection.execute(
        "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            3,
            forged.time,
            forged.actor,
            forged.key_id,
            forged.action,
            forged.case_id,
            "[]",
            json.dumps(forged.details),
            forged.prev_hash,
            forged.entry_hash,
            forged.signature,
        ),
    )
    connection.commit()
    connection.close()
    _, found = findings(sealed_case)
    assert ("signer-key", "event 3") in found  # the intruder's key was never part of this case
    assert ("chain-link", "event 4") in found  # the original event 3, now 4, does not link to the forgery


def test_swapping_a_signature_is_caught(sealed_case):
    connection = sqlite3.connect(sealed_case.path / "ledger.sqlite")
    other = connection.execute("SELECT signature FROM events WHERE seq=2").fetchone()[0]
    connection.execute("UPDATE events SET signature=? WHERE seq=4", (other,))
    connection.commit()
    connection.close()
    _, found = findings(sealed_case)
    assert found == {("signature", "event 4")}


def test_swapping_the_public_key_is_caught(sealed_case, settings):
    other, _ = load_or_create(settings.keys_dir, "Someone Else")
    from chain_of_custody.keys import public_pem

    pem = next((sealed_case.path / "keys").glob("*.pem"))
    os.chmod(pem, 0o644)
    pem.write_bytes(public_pem(other.public_key))
    report, found = findings(sealed_case)
    assert ("signer-key", f"keys/{pem.name}") in found
    assert ("signer-key", "event 1") in found


def test_replacing_key_and_all_signatures_with_a_forgers_is_caught(sealed_case, settings):
    """Re-signing every event with a new key needs the key id in every event to change, which breaks hashes."""
    forger, _ = load_or_create(settings.keys_dir, "Forger")
    connection = sqlite3.connect(sealed_case.path / "ledger.sqlite")
    for seq, entry_hash in connection.execute("SELECT seq, entry_hash FROM events").fetchall():
        connection.execute("UPDATE events SET signature=? WHERE seq=?", (forger.sign(entry_hash.encode()), seq))
    connection.commit()
    connection.close()
    _, found = findings(sealed_case)
    assert {("signature", f"event {n}") for n in range(1, 6)} <= found


def test_editing_an_artefact_byte_is_caught(sealed_case):
    digest, path = artefact_file(sealed_case, 2)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[5] ^= 0x01
    path.write_bytes(bytes(data))
    report, found = findings(sealed_case)
    assert found == {("artefact-digest", f"artefact {digest} (recorded in event 2)")}
    assert report.findings[0].expected == digest


def test_deleting_an_artefact_is_caught(sealed_case):
    digest, path = artefact_file(sealed_case, 3)
    path.unlink()
    _, found = findings(sealed_case)
    assert found == {("artefact-present", f"artefact {digest} (recorded in event 3)")}


def test_truncation_below_an_outside_head_is_caught(sealed_case):
    with Case.open_folder(sealed_case.path, sealed_case.settings) as case:
        head = str(case.ledger.head())
    report, found = findings(sealed_case, expect_head=head)
    assert report.ok
    sql(sealed_case, "DELETE FROM events WHERE seq >= 4")
    report, found = findings(sealed_case, expect_head=head)
    assert ("head", f"head {head}") in found
    assert report.facts["events"] == 3


def test_a_corrupt_ledger_file_is_a_finding_not_a_crash(sealed_case):
    ledger = sealed_case.path / "ledger.sqlite"
    for extra in ("-wal", "-shm"):
        Path(str(ledger) + extra).unlink(missing_ok=True)
    ledger.write_bytes(b"this is not sqlite" * 100)
    report, found = findings(sealed_case)
    assert ("ledger", "ledger.sqlite") in found


def test_cli_names_the_place_and_exits_1(sealed_case, cli, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sealed_case.path, copy)
    sql(Case(copy, sealed_case.id, sealed_case.settings), "UPDATE events SET actor='X' WHERE seq=2")
    result = cli("verify", str(copy), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {"check": "entry-hash", "where": "event 2"}.items() <= report["findings"][0].items()
    result = cli("verify", sealed_case.id)
    assert result.exit_code == 0, result.stdout
    assert "VERIFIED" in result.stdout


def test_the_process_pool_path_for_long_ledgers_names_a_bad_signature(sealed_case):
    """Long ledgers check signatures in worker processes; a forged signature must still be named."""
    from chain_of_custody.keys import load_public_keys
    from chain_of_custody.ledger import Ledger
    from chain_of_custody.report import Report
    from chain_of_custody.verify import check_chain

    connection = sqlite3.connect(sealed_case.path / "ledger.sqlite")
    other = connection.execute("SELECT signature FROM events WHERE seq=1").fetchone()[0]
    connection.execute("UPDATE events SET signature=? WHERE seq=5", (other,))
    connection.commit()
    connection.close()
    keys, _ = load_public_keys(sealed_case.path / "keys")
    report = Report(target="t", kind="case")
    with Ledger.open(sealed_case.path / "ledger.sqlite") as ledger:
        head = check_chain(ledger.events(), sealed_case.id, keys, report, processes=True).head
    assert head.seq == 5
    assert [(f.check, f.where) for f in report.findings] == [("signature", "event 5")]
    assert report.checks["signature"].checked == 5 and report.checks["signature"].failed == 1


def _standalone_without_pynacl(case: Case) -> dict:
    """The standalone verifier's JSON report, run where PyNaCl cannot be imported (cryptography alone)."""
    blocked = (
        "import sys; sys.modules['nacl'] = None; "
        "from chain_of_custody.__main__ import main; raise SystemExit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocked, "verify", str(case.path), "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_without_pynacl_the_signatures_are_checked_all_the_same(sealed_case):
    """libsodium is a speed-up only: with cryptography alone an untouched case verifies and a swapped
    signature is caught at the same event."""
    untouched = _standalone_without_pynacl(sealed_case)
    signature = next(check for check in untouched["checks"] if check["name"] == "signature")
    assert untouched["ok"] is True and signature["checked"] == 5
    connection = sqlite3.connect(sealed_case.path / "ledger.sqlite")
    other = connection.execute("SELECT signature FROM events WHERE seq=2").fetchone()[0]
    connection.execute("UPDATE events SET signature=? WHERE seq=4", (other,))
    connection.commit()
    connection.close()
    swapped = _standalone_without_pynacl(sealed_case)
    assert swapped["ok"] is False
    assert {(f["check"], f["where"]) for f in swapped["findings"]} == {("signature", "event 4")}


def test_a_key_file_in_another_pem_form_still_verifies(sealed_case):
    """The same key written with other line breaks is read by cryptography's parser, not refused."""
    pem = next((sealed_case.path / "keys").glob("*.pem"))
    os.chmod(pem, 0o644)
    pem.write_bytes(pem.read_bytes().replace(b"\n", b"\r\n"))
    report, found = findings(sealed_case)
    assert found == set() and report.ok


def test_a_key_file_holding_another_key_type_is_caught(sealed_case):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = next((sealed_case.path / "keys").glob("*.pem"))
    os.chmod(pem, 0o644)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem.write_bytes(other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    report, found = findings(sealed_case)
    assert ("signer-key", f"keys/{pem.name}") in found
    assert any(f.message == "public key is not Ed25519" for f in report.findings)
    assert not report.ok
