"""Issue 11 §1–3: who signed (enrolled keys, --trust), a tail that cannot be cut silently, and everything the
court reads covered by the chain. Every test tampers with a real case on disk and runs the real verifier."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chain_of_custody import journal
from chain_of_custody.keys import export_public, fingerprint_of, load_or_create
from chain_of_custody.ledger import Event
from chain_of_custody.verify import verify_case
from evidence_kit.case import Case
from evidence_kit.errors import InvalidInput


def findings(path: Path, **kwargs) -> tuple[object, set[tuple[str, str]]]:
    report = verify_case(path, **kwargs)
    return report, {(f.check, f.where.split(" at ")[0]) for f in report.findings}


def checks_of(report) -> dict[str, tuple[int, int]]:
    return {c.name: (c.checked, c.failed) for c in report.checks.values()}


@pytest.fixture
def small_case(make_case, tmp_path: Path) -> Case:
    case = make_case()
    identity = case.identity()
    evidence = tmp_path / "chat.txt"
    evidence.write_text("Work in Germany, call +359 88 812 3456", "utf-8")
    case.add_files([evidence], identity, source="handed over by W-3", then_pipeline=False)
    case.record(identity, "handover", note="sealed bag 44", to="Prosecutor M. Ionescu")
    case.record(identity, "note", note="reviewed")
    case.close()
    return case


def _forge(case: Case, signer, seq: int, action: str = "note") -> None:
    """Append an event signed by ``signer``, chained and hashed correctly (the tamperer knows the format)."""
    connection = sqlite3.connect(case.path / "ledger.sqlite")
    time, prev = connection.execute("SELECT time, entry_hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()
    draft = Event(
        seq=seq,
        time=time,
        actor=signer.name,
        key_id=signer.key_id,
        action=action,
        case_id=case.id,
        artefacts=[],
        details={"note": "forged"},
        prev_hash=prev,
    )
    event = Event(**{**draft.__dict__, "entry_hash": draft.compute_hash()})
    event = Event(**{**event.__dict__, "signature": signer.sign(event.entry_hash.encode())})
    connection.execute(
        "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            event.seq,
            event.time,
            event.actor,
            event.key_id,
            event.action,
            event.case_id,
            "[]",
            json.dumps(event.details),
            event.prev_hash,
            event.entry_hash,
            event.signature,
        ),
    )
    connection.commit()
    connection.close()


# -- §1 who signed --------------------------------------------------------------------------------------------
def test_untouched_case_lists_each_signer_with_its_fingerprint(small_case):
    report, found = findings(small_case.path)
    assert found == set() and report.ok
    lead = load_or_create(small_case.settings.keys_dir, "Insp. A. Petrova")[0]
    assert report.facts["signing_keys"] == [
        {
            "name": "Insp. A. Petrova",
            "key_id": lead.key_id,
            "fingerprint": fingerprint_of(lead.public_key),
            "enrolled": True,
            "events": 4,
        }
    ]
    assert checks_of(report)["signer-enrolled"] == (4, 0)


def test_a_fresh_key_dropped_into_keys_signs_nothing(small_case, settings):
    """Anyone who can write to the folder makes a key under the lead's name: verify must not list it as the lead."""
    impostor, _ = load_or_create(settings.keys_dir / "elsewhere", "Insp. A. Petrova")
    export_public(impostor, small_case.path / "keys")
    _forge(small_case, impostor, 5)
    report, found = findings(small_case.path)
    assert not report.ok
    assert found == {("signer-enrolled", "event 5")}
    message = next(f.message for f in report.findings)
    assert impostor.key_id in message and "not enrolled" in message
    listed = {k["key_id"]: k for k in report.facts["signing_keys"]}
    assert listed[impostor.key_id]["enrolled"] is False
    assert len(listed) == 2


def test_an_enrolled_second_investigator_signs_and_the_enrolment_is_in_the_chain(small_case, cli):
    result = cli("case", "add-investigator", small_case.id, "--name", "Sgt. B. Ivanov", "--json")
    assert result.exit_code == 0, result.output
    enrolled = json.loads(result.output)
    assert enrolled["key_created"] is True and enrolled["fingerprint"].startswith("sha256:")
    assert (
        cli(
            "ledger",
            "record",
            small_case.id,
            "--action",
            "note",
            "--note",
            "second pair of eyes",
            "--investigator",
            "Sgt. B. Ivanov",
        ).exit_code
        == 0
    )
    report, found = findings(small_case.path)
    assert found == set(), report.findings
    assert sorted(k["name"] for k in report.facts["signing_keys"]) == ["Insp. A. Petrova", "Sgt. B. Ivanov"]
    with sqlite3.connect(small_case.path / "ledger.sqlite") as connection:
        rows = connection.execute("SELECT seq, action FROM events ORDER BY seq").fetchall()
    assert [a for _, a in rows][-2:] == ["enrol", "note"]


def test_an_enrolled_key_signing_under_another_name_fails(small_case, settings):
    case = Case.open_folder(small_case.path, settings)
    case.enrol(case.identity(), "Sgt. B. Ivanov")
    case.close()
    ivanov, _ = load_or_create(settings.keys_dir, "Sgt. B. Ivanov")
    posing = type(ivanov)("Insp. A. Petrova", ivanov.private_key)  # Ivanov's key, the lead's name
    _forge(small_case, posing, 6)
    _, found = findings(small_case.path)
    assert found == {("signer-enrolled", "event 6")}


def test_an_unknown_name_gets_no_key_and_signs_nothing(small_case, cli, settings):
    before = sorted(p.name for p in settings.keys_dir.iterdir())
    result = cli("ledger", "record", small_case.id, "--action", "note", "--note", "x", "--investigator", "Typo Name")
    assert result.exit_code == 2
    assert "is not an investigator of case" in result.stderr and "add-investigator" in result.stderr
    assert sorted(p.name for p in settings.keys_dir.iterdir()) == before  # no key was made silently
    with pytest.raises(InvalidInput):
        Case.open_folder(small_case.path, settings).identity("Typo Name")


def test_trust_pins_the_keys_a_court_expert_was_told_about(small_case, cli, settings):
    lead = load_or_create(settings.keys_dir, "Insp. A. Petrova")[0]
    fingerprint = fingerprint_of(lead.public_key)
    ok = cli("verify", small_case.id, "--trust", fingerprint, "--json")
    assert ok.exit_code == 0, ok.output
    assert checks_of_json(ok.output)["trusted-signer"] == (1, 0)
    assert cli("verify", small_case.id, "--trust", lead.key_id).exit_code == 0  # the key id works too
    other = load_or_create(settings.keys_dir, "Forger")[0]
    bad = cli("verify", small_case.id, "--trust", fingerprint_of(other.public_key), "--json")
    assert bad.exit_code == 1
    found = [f for f in json.loads(bad.output)["findings"] if f["check"] == "trusted-signer"]
    assert [f["where"] for f in found] == [f"key {lead.key_id}"]
    assert "events 1–4" in found[0]["message"]
    # A whole ledger re-signed by a forger's key that was enrolled from event 1 on: only --trust can tell.
    assert cli("verify", small_case.id, "--trust", "sha256:abcd").exit_code == 1  # too short to name a key


def checks_of_json(output: str) -> dict[str, tuple[int, int]]:
    return {c["name"]: (c["checked"], c["failed"]) for c in json.loads(output)["checks"]}


# -- §2 the tail cannot be cut silently ----------------------------------------------------------------------
def _cut(case: Case, from_seq: int) -> None:
    with sqlite3.connect(case.path / "ledger.sqlite") as connection:
        connection.execute("DELETE FROM events WHERE seq >= ?", (from_seq,))


def test_a_cut_tail_is_caught_by_the_head_journal(small_case):
    _cut(small_case, 3)
    report, found = findings(small_case.path)
    assert found == {("head-journal", f"head journal {_journal(small_case)}")}
    assert "ends at event 2" in report.findings[0].message and "up to 4" in report.findings[0].message


def test_without_the_journal_the_cut_passes_and_verify_says_what_is_unanchored(small_case):
    _journal(small_case).unlink()
    _cut(small_case, 3)
    report, found = findings(small_case.path)
    assert found == set()  # nothing left in the folder witnesses events 3-4: verify says so plainly
    assert report.facts["not_time_stamped"] == (
        "events 1–2 are signed but not yet time-stamped: a cut there is detectable only through the head "
        "journal or an exported head (none was found here)"
    )
    assert report.facts["head_journal"].startswith("none at ")


def test_an_outside_head_still_catches_the_cut_without_the_journal(small_case):
    head = Case.open_folder(small_case.path, small_case.settings).ledger.head()
    _journal(small_case).unlink()
    _cut(small_case, 4)
    _, found = findings(small_case.path, expect_head=str(head))
    assert found == {("head", f"head {head}")}


def test_a_rewritten_event_below_the_journalled_head_is_named(small_case):
    with sqlite3.connect(small_case.path / "ledger.sqlite") as connection:
        connection.execute("UPDATE events SET entry_hash = 'blake3:' || printf('%064d', 0) WHERE seq = 4")
    _, found = findings(small_case.path)
    assert ("head-journal", "event 4") in found


def test_cutting_a_stamped_tail_with_its_copies_is_caught(make_case, tsa_settings, tmp_path, cli):
    """The timestamp event and its sidecar copies are cut too: the journal still witnesses the head."""
    case = Case.create(tsa_settings, "TS-1", "stamped", "Insp. A. Petrova")
    evidence = tmp_path / "a.txt"
    evidence.write_text("a", "utf-8")
    case.add_files([evidence], case.identity())  # the pipeline stamps: TSAs are configured
    stamp_seq = max(e.seq for e in case.events() if e.action == "timestamp")
    case.close()
    report = verify_case(case.path)
    assert report.ok, report.findings
    assert report.facts["time_stamped"].startswith("events 1–")
    shutil.rmtree(case.path / "timestamps")
    _cut(case, stamp_seq)
    _, found = findings(case.path)
    assert {c for c, _ in found} == {"head-journal", "index-artefacts"}  # the index still lists the cut stamp


def _journal(case: Case) -> Path:
    with sqlite3.connect(case.path / "ledger.sqlite") as connection:
        first = connection.execute("SELECT entry_hash FROM events WHERE seq = 1").fetchone()[0]
    path = journal.path_for(journal.default_dir(), case.id, first)
    assert path.is_file()
    return path


def test_the_journal_records_every_committed_head_of_concurrent_writers(small_case):
    heads, problems = journal.read(_journal(small_case), small_case.id)
    assert problems == [] and sorted(heads) == [1, 2, 3, 4]


# -- §3 everything the court reads is covered ---------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "Something else"),
        ("jurisdiction", "FR"),
        ("organisation", "Nobody"),
        ("created", "2020-01-01T00:00:00.000000Z"),
    ],
)
def test_editing_case_json_is_caught_and_named(small_case, field, value):
    path = small_case.path / "case.json"
    data = json.loads(path.read_text("utf-8"))
    data[field] = value
    path.write_text(json.dumps(data), "utf-8")
    report, found = findings(small_case.path)
    assert found == {("case-facts", f"case.json {field}")}
    assert repr(value) in report.findings[0].found


def test_adding_an_investigator_to_case_json_is_caught(small_case):
    path = small_case.path / "case.json"
    data = json.loads(path.read_text("utf-8"))
    data["investigators"].append({"name": "Ghost", "key_id": "ed25519:" + "0" * 32})
    path.write_text(json.dumps(data), "utf-8")
    _, found = findings(small_case.path)
    assert found == {("case-facts", "case.json investigators")}


def test_case_update_changes_the_facts_through_a_signed_event(small_case, cli):
    assert cli("case", "update", small_case.id, "--title", "Star Models and Co").exit_code == 0
    report, found = findings(small_case.path)
    assert found == set()
    shown = json.loads(cli("case", "show", small_case.id, "--json").output)
    assert shown["title"] == "Star Models and Co"
    assert json.loads((small_case.path / "case.json").read_text("utf-8"))["title"] == "Star Models and Co"
    # What the toolkit shows comes from the events, not from case.json.
    path = small_case.path / "case.json"
    data = json.loads(path.read_text("utf-8"))
    data["title"] = "Forged title"
    path.write_text(json.dumps(data), "utf-8")
    shown = json.loads(cli("case", "show", small_case.id, "--json").output)
    assert shown["title"] == "Star Models and Co"


def test_the_authorisation_for_covert_access_is_a_signed_fact_named_only_once_set(small_case, cli):
    # A case made before the field existed (or without it) has no such key in case.json, and verifies.
    assert "authorisation" not in json.loads((small_case.path / "case.json").read_text("utf-8"))
    order = "Prosecutor's order 17/2026 of 3 November 2026"
    assert cli("case", "update", small_case.id, "--authorisation", order).exit_code == 0
    assert findings(small_case.path)[1] == set()
    assert json.loads((small_case.path / "case.json").read_text("utf-8"))["authorisation"] == order
    # Changing it in the readable copy is caught like any other fact.
    path = small_case.path / "case.json"
    data = json.loads(path.read_text("utf-8"))
    data["authorisation"] = "none needed"
    path.write_text(json.dumps(data), "utf-8")
    assert findings(small_case.path)[1] == {("case-facts", "case.json authorisation")}


def test_a_forged_gen_time_in_a_timestamp_sidecar_is_caught(tsa_settings, tmp_path):
    case = Case.create(tsa_settings, "TS-2", "stamped", "Insp. A. Petrova")
    evidence = tmp_path / "a.txt"
    evidence.write_text("a", "utf-8")
    case.add_files([evidence], case.identity())
    case.close()
    sidecar = next((case.path / "timestamps").glob("*.json"))
    data = json.loads(sidecar.read_bytes())
    data["gen_time"] = "2019-01-01T00:00:00.000000Z"
    os.chmod(sidecar, 0o644)
    sidecar.write_text(json.dumps(data), "utf-8")
    report, found = findings(case.path)
    assert found == {("timestamp-record", f"timestamps/{sidecar.name}")}
    assert "gen_time" in report.findings[0].message


def test_an_edited_capture_record_copy_fails_and_a_missing_one_is_a_warning(exported_case, tmp_path, settings):
    """A missing copy is what a command killed between the capture event and the copy leaves: the record is
    the checked artefact, so verify warns and the next command writes the copy; an edited copy fails."""
    case_dir = tmp_path / "case"
    shutil.copytree(exported_case.case_dir, case_dir)
    assert verify_case(case_dir).ok
    records = sorted((case_dir / "captures").glob("*.json"))
    assert len(records) == 2
    records[0].unlink()
    report, found = findings(case_dir)
    assert found == set() and report.ok
    assert [w for w in report.warnings if records[0].name in w and "is missing" in w]
    with Case.open_folder(case_dir, settings) as case:  # what the next command writes again
        behind = dict(case.readable_copies_behind(older_than=0))
        record = next(r for r in case.capture_records() if f"{r['id']}.json" == records[0].name)
    assert list(behind) == [f"captures/{records[0].name}"]
    assert json.loads(behind[f"captures/{records[0].name}"]) == record
    os.chmod(records[1], 0o644)
    records[1].write_bytes(records[1].read_bytes().replace(b'"status"', b'"status" ', 1))
    _, found = findings(case_dir)
    assert found == {("capture-record", f"captures/{records[1].name}")}


def test_the_next_command_writes_readable_copies_again_and_records_it(small_case, settings, clock):
    case = Case.open_folder(small_case.path, settings, clock)  # events dated 2026-03: long past the grace time
    case.update(case.identity(), {"title": "Renamed"})
    case.close()
    path = small_case.path / "case.json"
    data = json.loads(path.read_text("utf-8"))
    data["title"] = "Star Models recruitment ads"  # what it said before the update: a kill in between
    path.write_text(json.dumps(data, indent=2), "utf-8")
    report, found = findings(small_case.path)
    assert found == set() and [w for w in report.warnings if "before the later case events" in w]
    case = Case.open_folder(small_case.path, settings, clock)
    case.identity()  # what any command that writes does first
    cleanup = [e for e in case.events() if e.action == "cleanup"]
    case.close()
    assert [r["path"] for r in cleanup[-1].details["restored"]] == ["case.json"]
    assert json.loads(path.read_text("utf-8"))["title"] == "Renamed"
    report, found = findings(small_case.path)
    assert found == set() and not [w for w in report.warnings if "case.json" in w]


def test_a_bundle_without_bagit_txt_fails_verification(exported_case, tmp_path, cli):
    bag = exported_case.copy(tmp_path)
    (bag / "bagit.txt").unlink()
    result = cli("verify", str(bag), "--json")
    assert result.exit_code == 1
    assert ("bagit", "bagit.txt") in {(f["check"], f["where"]) for f in json.loads(result.output)["findings"]}


def test_the_bundle_case_json_must_say_what_its_ledger_says(exported_case, tmp_path):
    from chain_of_custody.bundle import verify_bundle

    bag = exported_case.copy(tmp_path)
    path = bag / "data" / "case.json"
    data = json.loads(path.read_text("utf-8"))
    data["title"] = "Another title"
    path.write_text(json.dumps(data), "utf-8")
    report = verify_bundle(bag)
    found = {(f.check, f.where.split(":")[0]) for f in report.findings}
    assert ("case-facts", "data/case.json title") in found


# -- what the hostile review found -------------------------------------------------------------------------
def _resign_all(case: Case, signer, edit_first) -> None:
    """Rewrite every event, re-hashed, re-linked and re-signed with ``signer`` (the lead's own stolen key):
    the chain is whole again, only witnesses outside the folder can tell."""
    from chain_of_custody.ledger import genesis_hash

    connection = sqlite3.connect(case.path / "ledger.sqlite")
    rows = connection.execute(
        "SELECT seq, time, actor, key_id, action, case_id, artefacts, details FROM events ORDER BY seq"
    ).fetchall()
    prev = genesis_hash(case.id)
    for seq, time, actor, key_id, action, case_id, artefacts, details in rows:
        details = json.loads(details)
        if seq == 1:
            edit_first(details)
        draft = Event(seq, time, actor, key_id, action, case_id, json.loads(artefacts), details, prev)
        entry = draft.compute_hash()
        connection.execute(
            "UPDATE events SET details=?, prev_hash=?, entry_hash=?, signature=? WHERE seq=?",
            (json.dumps(details), prev, entry, signer.sign(entry.encode()), seq),
        )
        prev = entry
    connection.commit()
    connection.close()


def test_a_ledger_rewritten_from_its_first_event_is_caught_by_the_folders_journal(small_case, settings):
    lead = load_or_create(settings.keys_dir, "Insp. A. Petrova")[0]
    _resign_all(small_case, lead, lambda details: details.update(title="A different case"))
    data = json.loads((small_case.path / "case.json").read_text("utf-8"))
    data["title"] = "A different case"
    (small_case.path / "case.json").write_text(json.dumps(data), "utf-8")
    report, found = findings(small_case.path)
    assert [c for c, _ in found] == ["head-journal"]
    assert "begins with another first event" in report.findings[0].message


def test_a_case_whose_id_begins_with_this_ones_changes_nothing_in_its_journal_check(small_case, settings):
    """OP-X and OP-X-2 keep their head journals side by side: the untouched case stays VERIFIED with no
    journal warning, and the same case rewritten from its first event is still caught."""
    other = Case.create(settings, f"{small_case.id}-2", "another operation", "Insp. A. Petrova")
    other.record(other.identity(), "note", note="an event of the other case")
    other.close()
    assert journal.path_for(journal.default_dir(), other.id, "x").name.startswith(f"{small_case.id}-")
    report, found = findings(small_case.path)
    assert report.ok and not found, report.findings
    assert not [w for w in report.warnings if "head journal" in w], report.warnings
    assert checks_of(report)["head-journal"] == (1, 0)
    lead = load_or_create(settings.keys_dir, "Insp. A. Petrova")[0]
    _resign_all(small_case, lead, lambda details: details.update(title="A different case"))
    data = json.loads((small_case.path / "case.json").read_text("utf-8"))
    data["title"] = "A different case"
    (small_case.path / "case.json").write_text(json.dumps(data), "utf-8")
    report, found = findings(small_case.path)
    assert [c for c, _ in found] == ["head-journal"]
    assert "begins with another first event" in report.findings[0].message


def test_a_case_json_or_sidecar_naming_a_key_twice_is_caught(small_case, tsa_settings, tmp_path):
    path = small_case.path / "case.json"
    text = path.read_text("utf-8")
    path.write_text(text.replace("{", '{"title": "Case of Mallory (forged)",', 1), "utf-8")
    report, found = findings(small_case.path)
    assert found == {("case-facts", "case.json")}
    assert "'title' appears twice" in report.findings[0].message
    case = Case.create(tsa_settings, "TS-3", "stamped", "Insp. A. Petrova")
    evidence = tmp_path / "b.txt"
    evidence.write_text("b", "utf-8")
    case.add_files([evidence], case.identity())
    case.close()
    sidecar = next((case.path / "timestamps").glob("*.json"))
    os.chmod(sidecar, 0o644)
    sidecar.write_bytes(sidecar.read_bytes().replace(b"{", b'{"gen_time":"2019-01-01T00:00:00.000000Z",', 1))
    _, found = findings(case.path)
    assert found == {("timestamp-record", f"timestamps/{sidecar.name}")}


def test_an_enrolment_under_a_name_already_enrolled_is_refused_by_verify(small_case, settings):
    case = Case.open_folder(small_case.path, settings)
    case.enrol(case.identity(), "Sgt. B. Ivanov")
    ivanov = case.identity("Sgt. B. Ivanov")
    case.close()
    second, _ = load_or_create(settings.keys_dir / "other", "Insp. A. Petrova")
    connection = sqlite3.connect(small_case.path / "ledger.sqlite")
    time, prev = connection.execute("SELECT time, entry_hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    seq = connection.execute("SELECT max(seq) FROM events").fetchone()[0] + 1
    details = {"investigator": second.enrolment_record(), "key_created": True}
    draft = Event(seq, time, ivanov.name, ivanov.key_id, "enrol", small_case.id, [], details, prev)
    entry = draft.compute_hash()
    connection.execute(
        "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            seq,
            time,
            ivanov.name,
            ivanov.key_id,
            "enrol",
            small_case.id,
            "[]",
            json.dumps(details),
            prev,
            entry,
            ivanov.sign(entry.encode()),
        ),
    )
    connection.commit()
    connection.close()
    report, found = findings(small_case.path)
    assert ("case-facts", f"event {seq}") in found
    assert any("already enrolled with another key" in f.message for f in report.findings)


def test_the_note_of_a_key_that_never_signed_is_checked_too(small_case, settings):
    case = Case.open_folder(small_case.path, settings)
    event, _ = case.enrol(case.identity(), "Sgt. B. Ivanov")
    case.close()
    key_id = event.details["investigator"]["key_id"]
    note = small_case.path / "keys" / f"{key_id.replace(':', '-')}.json"
    note.write_text(json.dumps({"name": "Mallory", "key_id": key_id, "algorithm": "Ed25519"}), "utf-8")
    _, found = findings(small_case.path)
    assert found == {("signer-key", f"keys/{note.name}")}
    note.unlink()
    (small_case.path / "keys" / f"{key_id.replace(':', '-')}.pem").unlink()
    _, found = findings(small_case.path)
    assert found == {("signer-key", f"event {event.seq}")}


def _rebag(bag: Path) -> None:
    """What a tamperer with no key does after editing a bag: compute every manifest and tag manifest again."""
    from chain_of_custody.bagit_check import ALGORITHMS, encode_manifest_path
    from chain_of_custody.hashing import hash_file

    payload = sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file())
    digests = {rel: hash_file(bag / rel, algorithms=ALGORITHMS) for rel in payload}
    info = (bag / "bag-info.txt").read_text("utf-8").splitlines()
    oxum = f"{sum(d.size for d in digests.values())}.{len(digests)}"
    info = [f"Payload-Oxum: {oxum}" if line.startswith("Payload-Oxum:") else line for line in info]
    (bag / "bag-info.txt").write_text("\n".join(info) + "\n", "utf-8")
    for algorithm in ALGORITHMS:
        (bag / f"manifest-{algorithm}.txt").write_text(
            "".join(f"{d.hex(algorithm)}  {encode_manifest_path(rel)}\n" for rel, d in digests.items()), "utf-8"
        )
    tags = ["bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in ALGORITHMS)]
    for algorithm in ALGORITHMS:
        (bag / f"tagmanifest-{algorithm}.txt").write_text(
            "".join(f"{hash_file(bag / t, algorithms=ALGORITHMS).hex(algorithm)}  {t}\n" for t in tags), "utf-8"
        )


def test_a_bundle_edited_and_rebagged_without_the_key_fails_its_signature(exported_case, tmp_path):
    from chain_of_custody.bundle import verify_bundle

    bag = exported_case.copy(tmp_path)
    report_html = bag / "data" / "report" / "report.html"
    report_html.write_text(report_html.read_text("utf-8").replace("Star Models", "Someone Else"), "utf-8")
    _rebag(bag)
    report = verify_bundle(bag)  # every bag check passes on the recomputed manifests: only the signature tells
    assert {(f.check, f.where) for f in report.findings} == {("bundle-signature", "bundle-signature.json")}
    assert "tag manifest" in report.findings[0].message


def test_a_bundle_whose_ledger_was_cut_and_rebagged_fails_its_signature(exported_case, tmp_path):
    from chain_of_custody.bundle import verify_bundle
    from chain_of_custody.ledger import read_jsonl

    bag = exported_case.copy(tmp_path)
    ledger = bag / "data" / "ledger" / "ledger.jsonl"
    lines = ledger.read_text("utf-8").splitlines()[:-2]
    ledger.write_text("\n".join(lines) + "\n", "utf-8")
    head = list(read_jsonl(ledger))[-1]
    head_text = f"{head.seq}:{head.entry_hash}"
    (bag / "data" / "ledger" / "head.json").write_text(json.dumps({"head": head_text}), "utf-8")
    info = (bag / "bag-info.txt").read_text("utf-8").splitlines()
    info = [f"Ledger-Head: {head_text}" if line.startswith("Ledger-Head:") else line for line in info]
    (bag / "bag-info.txt").write_text("\n".join(info) + "\n", "utf-8")
    _rebag(bag)
    found = {(f.check, f.message.split(" (")[0]) for f in verify_bundle(bag).findings}
    assert ("bundle-signature", "the signed statement names another ledger head than this bundle has") in found


def test_a_bundle_without_its_signature_or_signed_by_an_unpinned_key_fails(exported_case, tmp_path, settings):
    from chain_of_custody.bundle import verify_bundle

    bag = exported_case.copy(tmp_path)
    report = verify_bundle(bag, trust=["sha256:" + "ab" * 32])
    assert ("bundle-signature", "bundle-signature.json") in {(f.check, f.where) for f in report.findings}
    (bag / "bundle-signature.json").unlink()
    report = verify_bundle(bag)
    assert {(f.check, f.where) for f in report.findings} == {("bundle-signature", "bundle-signature.json")}
    assert "is missing" in report.findings[0].message


def _verdict_to_a_closed_pipe(*command: str) -> tuple[int, str]:
    """Run a verifier whose reader has gone before it prints (``verify … | head`` at its worst)."""
    read, write = os.pipe()
    os.close(read)  # nobody reads: the first write gets EPIPE (Python ignores SIGPIPE)
    try:
        done = subprocess.run(
            [sys.executable, "-m", *command], stdout=write, stderr=subprocess.PIPE, text=True, timeout=120
        )
    finally:
        os.close(write)
    return done.returncode, done.stderr


def test_a_reader_that_stops_reading_never_changes_the_verdict(small_case):
    target = str(small_case.path)
    commands = [
        ("evidence_kit", "verify", target),
        ("evidence_kit", "verify", target, "--json"),
        ("chain_of_custody", "verify", target),
        ("chain_of_custody", "verify", target, "--json"),
    ]
    for command in commands:  # untouched: still 0, not rich's or click's 1 for a broken pipe
        assert _verdict_to_a_closed_pipe(*command) == (0, ""), command
    path = small_case.path / "case.json"
    data = json.loads(path.read_text("utf-8"))
    data["title"] = "Forged title"
    path.write_text(json.dumps(data), "utf-8")
    for command in commands:  # tampered: still 1
        code, errors = _verdict_to_a_closed_pipe(*command)
        assert code == 1 and "Traceback" not in errors, (command, errors)
