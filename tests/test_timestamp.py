"""RFC 3161 stamps with a real local OpenSSL TSA: stamped cases verify with our verifier and with plain
``openssl ts -verify``, and every tamper case exits 1 naming the token and the reason."""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st

from chain_of_custody import timestamp as tsp
from chain_of_custody.canonical import canonical_json
from chain_of_custody.clock import rfc3339
from chain_of_custody.ledger import Head
from chain_of_custody.timestamp_check import fingerprint, short_digest
from chain_of_custody.verify import verify_case
from evidence_kit import pipeline
from evidence_kit.case import Case
from evidence_kit.devtools.local_tsa import LocalTsa
from tests.fixtures.tsa import write_tsa_settings


@pytest.fixture
def stamped(tsa_settings, clock, tmp_path: Path) -> Case:
    """A case with two added files, auto-stamped by the local TSA after the add."""
    case = Case.create(tsa_settings, "OP-2026-017", "Star Models recruitment ads", "Insp. A. Petrova", clock=clock)
    identity = case.identity()
    files = []
    for name, data in (
        ("photo.jpg", b"\xff\xd8\xff" + b"jpeg bytes" * 100),
        ("chat.txt", "Работа в Германии".encode()),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        files.append(path)
    case.add_files(files, identity, source="handed over by witness W-3")  # ends in the pipeline: describe, stamp
    case.close()
    return case


def stamp_event(case: Case) -> dict:
    """The first ``timestamp`` event (after the adds and whatever other pipeline steps recorded)."""
    connection = sqlite3.connect(case.path / "ledger.sqlite")
    seq, artefacts, details = connection.execute(
        "SELECT seq, artefacts, details FROM events WHERE action='timestamp' ORDER BY seq"
    ).fetchone()
    connection.close()
    return {"seq": seq, "artefacts": {a["role"]: a for a in json.loads(artefacts)}, **json.loads(details)}


def where_of(event: dict) -> str:
    return f"timestamp event {event['seq']} token {short_digest(event['token']['blake3'])}"


def stored(case: Case, digest: str) -> Path:
    return case.store.path_of(digest)


def overwrite(path: Path, data: bytes) -> None:
    os.chmod(path, 0o644)
    path.write_bytes(data)


def verify_cli(cli, target: Case | Path) -> tuple[int, dict, set[tuple[str, str]]]:
    result = cli("verify", str(getattr(target, "path", target)), "--json")
    report = json.loads(result.stdout)
    return result.exit_code, report, {(f["check"], f["where"]) for f in report["findings"]}


def timestamp_findings(findings: set[tuple[str, str]], check: str) -> list[str]:
    return [where for name, where in findings if name == check]


def test_stamped_case_verifies_here_and_with_openssl(stamped, cli, local_tsa: LocalTsa):
    details = stamp_event(stamped)
    assert details["tsa"] == local_tsa.url
    assert details["covered_head"]["seq"] == details["seq"] - 1
    assert details["policy"] == local_tsa.policy
    # The manifest is canonical JSON naming the case, the head and both added files (BLAKE3 + SHA-256).
    manifest_path = stored(stamped, details["manifest"]["blake3"])
    manifest = json.loads(manifest_path.read_bytes())
    assert manifest["format"] == tsp.MANIFEST_FORMAT and manifest["case_id"] == "OP-2026-017"
    assert manifest["ledger_head"] == details["covered_head"]
    with Case.open(stamped.settings, stamped.id) as case:
        rows = {row["blake3"]: row for row in case.artefact_rows()}
    added = {d for d, row in rows.items() if row["first_seq"] in (2, 3)}
    assert len(added) == 2 and added <= {item["blake3"] for item in manifest["artefacts"]}
    for item in manifest["artefacts"]:  # the added files and whatever the describe step derived from them
        assert rows[item["blake3"]]["sha256"] == item["sha256"]
        assert rows[item["blake3"]]["first_seq"] <= details["covered_head"]["seq"]
    # The token's genTime, serial and imprint are the TSA's: read straight from the DER.
    from rfc3161_client import decode_timestamp_response

    token = decode_timestamp_response(stored(stamped, details["token"]["blake3"]).read_bytes())
    assert rfc3339(token.tst_info.gen_time) == details["gen_time"]
    assert str(token.tst_info.serial_number) == details["serial"]
    import hashlib

    assert token.tst_info.message_imprint.message == hashlib.sha256(manifest_path.read_bytes()).digest()

    code, report, findings = verify_cli(cli, stamped)
    assert code == 0, report["findings"]
    assert findings == set()
    fact = report["facts"]["timestamps"][0]
    ca = x509.load_pem_x509_certificate(local_tsa.ca_pem.read_bytes())
    assert fact["tsa"] == local_tsa.url and fact["gen_time"] == details["gen_time"]
    assert fact["serial"] == details["serial"] and fact["policy"] == local_tsa.policy
    assert fact["root_sha256"] == fingerprint(ca) and fact["root_pinned"] is True
    assert report["facts"]["timestamp_pending"] == 0
    checks = {c["name"]: c for c in report["checks"]}
    for name in (
        "timestamp-token",
        "timestamp-signature",
        "timestamp-imprint",
        "timestamp-manifest",
        "timestamp-head",
        "timestamp-artefact",
        "timestamp-time",
    ):
        assert checks[name]["checked"] >= 1 and checks[name]["failed"] == 0, name
    # The court expert's command, exactly as printed, accepts the token.
    commands = [c for c in report["commands"] if c.startswith("openssl ts -verify")]
    assert len(commands) == 1
    assert str(manifest_path.resolve()) in commands[0]
    run = subprocess.run(shlex.split(commands[0]), capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "Verification: OK" in run.stdout


def test_standalone_verifier_checks_stamps_without_settings(stamped):
    """chain_of_custody alone (no evidence_kit settings): trusts the stored root, checks everything."""
    report = verify_case(stamped.path)
    assert report.ok, [str(f) for f in report.findings]
    assert report.facts["timestamps"][0]["root_pinned"] is False
    assert report.checks["timestamp-signature"].checked == 1


def test_token_from_another_tsa_is_caught(stamped, cli, other_tsa: LocalTsa):
    details = stamp_event(stamped)
    manifest = stored(stamped, details["manifest"]["blake3"]).read_bytes()
    ca = x509.load_pem_x509_certificate(other_tsa.ca_pem.read_bytes())
    foreign = tsp.request_token(other_tsa.url, manifest, [ca])  # a good token over the same manifest
    overwrite(stored(stamped, details["token"]["blake3"]), foreign.token)
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    signature = timestamp_findings(findings, "timestamp-signature")
    assert signature == [where_of(details)]
    message = next(f["message"] for f in report["findings"] if f["check"] == "timestamp-signature")
    assert "another test TSA" in message  # names who really signed it
    assert timestamp_findings(findings, "timestamp-token")  # not the token recorded for the stamp
    assert not timestamp_findings(findings, "timestamp-imprint")  # same manifest: only the signer betrays it


def test_swapped_token_is_caught(stamped, cli, local_tsa: LocalTsa):
    with Case.open(stamped.settings, stamped.id) as case:
        from evidence_kit.timestamps import stamp_or_fail

        second = stamp_or_fail(case, case.identity(), case.settings.tsas).stamps[0]
    details = stamp_event(stamped)
    overwrite(stored(stamped, details["token"]["blake3"]), second.token_path.read_bytes())
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    assert timestamp_findings(findings, "timestamp-imprint") == [where_of(details)]
    assert timestamp_findings(findings, "timestamp-token") == [where_of(details)]
    # The other, untouched stamp still verifies.
    assert not any(w.startswith(f"timestamp event {second.event.seq} ") for _, w in findings)


def test_edited_manifest_is_caught(stamped, cli):
    details = stamp_event(stamped)
    path = stored(stamped, details["manifest"]["blake3"])
    manifest = json.loads(path.read_bytes())
    manifest["artefacts"] = manifest["artefacts"][:1]  # hide an artefact from the stamp
    overwrite(path, canonical_json(manifest))
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    assert timestamp_findings(findings, "timestamp-imprint") == [where_of(details)]
    finding = next(f for f in report["findings"] if f["check"] == "timestamp-imprint")
    assert "manifest" in finding["message"] and finding["expected"] != finding["found"]
    assert "timestamp-manifest" in {c for c, _ in findings}  # its artefacts no longer match the event's


def test_artefact_edited_after_stamping_is_caught(stamped, cli):
    details = stamp_event(stamped)
    victim = details["covered_artefacts"][0]["blake3"]
    path = stored(stamped, victim)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    overwrite(path, bytes(data))
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    finding = next(f for f in report["findings"] if f["check"] == "timestamp-artefact")
    assert finding["where"] == where_of(details)
    assert victim in finding["message"] and "stamped at" in finding["message"]
    assert "artefact-digest" in {c for c, _ in findings}


def test_ledger_truncated_below_a_stamped_head_is_caught(stamped, cli):
    details = stamp_event(stamped)
    head = details["covered_head"]["seq"]
    connection = sqlite3.connect(stamped.path / "ledger.sqlite")
    connection.execute("DELETE FROM events WHERE seq >= ?", (head,))  # the stamped head and the stamp event
    connection.commit()
    connection.close()
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    record = timestamp_findings(findings, "timestamp-record")
    assert record == [
        f"timestamps/{details['seq']:06d}-127.0.0.1.json token {short_digest(details['token']['blake3'])}"
    ]
    finding = next(f for f in report["findings"] if f["check"] == "timestamp-head")
    assert finding["where"] == record[0]
    assert f"event {head} " in finding["message"] and "truncated" in finding["message"]
    assert finding["found"] == "no such event"


def test_rewritten_head_is_caught_even_when_the_stamp_event_survives(stamped, cli):
    """Re-hashing a stamped event (here: its hash replaced) leaves the stamp naming a head that is gone."""
    details = stamp_event(stamped)
    connection = sqlite3.connect(stamped.path / "ledger.sqlite")
    connection.execute(
        "UPDATE events SET entry_hash = ? WHERE seq = ?",
        ("blake3:" + "0" * 64, details["covered_head"]["seq"]),
    )
    connection.commit()
    connection.close()
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    assert timestamp_findings(findings, "timestamp-head") == [where_of(details)]


def test_event_dated_after_the_stamp_covering_it_is_caught(stamped, cli):
    connection = sqlite3.connect(stamped.path / "ledger.sqlite")
    connection.execute("UPDATE events SET time = ? WHERE seq = 2", ("2099-01-01T00:00:00.000000Z",))
    connection.commit()
    connection.close()
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    assert ("entry-hash", "event 2") in findings  # the edit also breaks the event's own hash
    finding = next(f for f in report["findings"] if f["check"] == "timestamp-time")
    assert finding["where"] == where_of(stamp_event(stamped))
    assert finding["found"] == "2099-01-01T00:00:00.000000Z"
    assert finding["expected"] == "at most " + stamp_event(stamped)["gen_time"]


def test_pinned_roots_refuse_a_tsa_the_settings_do_not_trust(stamped, cli, other_tsa: LocalTsa):
    write_tsa_settings(other_tsa.settings_entry())  # the expert trusts only the other TSA's root
    code, report, findings = verify_cli(cli, stamped)
    assert code == 1
    finding = next(f for f in report["findings"] if f["check"] == "timestamp-signature")
    assert "does not chain to a trusted root" in finding["message"] and "pinned" in finding["message"]


def test_no_tsa_reachable_queues_and_the_next_stamp_covers_everything(cli, tmp_path, offline_tsa, local_tsa):
    write_tsa_settings(offline_tsa.settings_entry())
    assert cli("case", "create", "OFF-1", "--title", "field work", "--investigator", "Insp. Petrova").exit_code == 0
    evidence = tmp_path / "note.txt"
    evidence.write_text("seen at the border crossing", "utf-8")
    result = cli("add", str(evidence), "--case", "OFF-1", "--json")
    assert result.exit_code == 0, result.output
    digest = json.loads(result.stdout)[0]["blake3"]
    show = json.loads(cli("case", "show", "OFF-1", "--json").stdout)
    pending = [p["blake3"] for p in show["timestamp_pending"]]
    assert digest in pending  # with whatever the describe step derived from it
    assert any("not yet covered by an RFC 3161 timestamp" in w and "did not answer" in w for w in show["warnings"])
    assert [s["status"] for s in show["timestamps"]] == ["queued"]
    assert show["timestamps"][0]["failures"][0]["tsa"] == offline_tsa.url
    # verify warns (it does not fail) while something is pending
    code, report, _ = verify_cli(cli, Path(show["path"]))
    assert code == 0 and any("not yet covered" in w for w in report["warnings"])
    # Back online: one stamp covers everything pending.
    result = cli("timestamp", "OFF-1", "--tsa", local_tsa.url, "--tsa-root", str(local_tsa.ca_pem), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["covered_artefacts"] == pending and out["failures"] == []
    assert out["stamps"][0]["tsa"] == local_tsa.url
    show = json.loads(cli("case", "show", "OFF-1", "--json").stdout)
    assert show["timestamp_pending"] == []
    assert not [w for w in show.get("warnings", []) if "RFC 3161" in w]
    assert [s["status"] for s in show["timestamps"]] == ["queued", "stamped"]
    run = subprocess.run(shlex.split(out["stamps"][0]["openssl"]), capture_output=True, text=True, check=False)
    assert "Verification: OK" in run.stdout, run.stderr


def test_auto_stamp_is_off_without_tsas_and_when_disabled(make_case, tmp_path, local_tsa):
    case = make_case()
    path = tmp_path / "a.txt"
    path.write_text("a", "utf-8")
    added = case.add_files([path], case.identity())  # the pipeline runs; with no TSA configured it stamps nothing
    assert not [e.action for e in case.events() if e.action.startswith("timestamp")]
    settings = write_tsa_settings(local_tsa.settings_entry(), auto_timestamp=False)
    with Case.open(settings, case.id) as again:
        pipeline.after_ingest(again, again.identity(), [a.artefact for a in added])
        assert not [e.action for e in again.events() if e.action.startswith("timestamp")]
    settings = write_tsa_settings(local_tsa.settings_entry())  # on by default once a TSA is configured
    with Case.open(settings, case.id) as again:
        pipeline.after_ingest(again, again.identity(), [a.artefact for a in added])
        assert [e.action for e in again.events()][-1] == "timestamp"


def test_stamp_event_backdated_before_its_gen_time_is_reported(cli, tmp_path, tsa_settings):
    """Real clock here: the stamp event is recorded just after the reply, not dated before genTime."""
    assert cli("case", "create", "BD-1", "--title", "t", "--investigator", "Insp. Petrova").exit_code == 0
    evidence = tmp_path / "a.txt"
    evidence.write_text("a", "utf-8")
    assert cli("add", str(evidence), "--case", "BD-1").exit_code == 0
    code, report, _ = verify_cli(cli, tsa_settings.home / "BD-1")
    assert code == 0 and not any("backdated" in w for w in report["warnings"])
    assert abs(report["facts"]["timestamps"][0]["clock_offset_seconds"]) <= 5
    seq = report["facts"]["timestamps"][0]["event"]
    connection = sqlite3.connect(tsa_settings.home / "BD-1" / "ledger.sqlite")
    connection.execute("UPDATE events SET time = ? WHERE seq = ?", ("2020-01-01T00:00:00.000000Z", seq))
    connection.commit()
    connection.close()
    code, report, findings = verify_cli(cli, tsa_settings.home / "BD-1")
    assert code == 1 and ("entry-hash", f"event {seq}") in findings
    assert [
        w for w in report["warnings"] if w.startswith(f"timestamp event {seq} is dated 2020-01-01") and "backdated" in w
    ]
    assert report["facts"]["timestamps"][0]["clock_offset_seconds"] < -60 * 60 * 24 * 300


digests = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@given(
    case_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
    seq=st.integers(min_value=1, max_value=2**40),
    rows=st.lists(st.tuples(digests, digests, st.integers(min_value=0, max_value=2**50)), max_size=20),
)
def test_manifest_is_canonical_and_round_trips(case_id, seq, rows):
    head = Head(seq, "blake3:" + "ab" * 32)
    artefacts = [{"blake3": "blake3:" + b, "sha256": "sha256:" + s, "size": n, "mime": "x/y"} for b, s, n in rows]
    data = tsp.build_manifest(case_id, head, artefacts)
    parsed = json.loads(data)
    assert canonical_json(parsed) == data  # the bytes the TSA stamps are reproducible from their content
    assert parsed["ledger_head"] == {"seq": seq, "entry_hash": head.entry_hash} and parsed["case_id"] == case_id
    assert [(a["blake3"], a["sha256"], a["size"]) for a in parsed["artefacts"]] == [
        ("blake3:" + b, "sha256:" + s, n) for b, s, n in rows
    ]
