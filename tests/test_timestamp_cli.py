"""``evidence-kit timestamp`` through the in-process CLI, against the real local TSA."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from evidence_kit.devtools.local_tsa import LocalTsa
from tests.fixtures.tsa import write_tsa_settings


def new_case(cli, tmp_path: Path, case_id: str = "OP-2026-017") -> str:
    assert cli("case", "create", case_id, "--title", "ads", "--investigator", "Insp. A. Petrova").exit_code == 0
    evidence = tmp_path / "ad.html"
    evidence.write_text("<html><body>Работа в Германии, +359 88 123 4567</body></html>", "utf-8")
    assert cli("add", str(evidence), "--case", case_id).exit_code == 0
    return case_id


def test_timestamp_json_with_configured_tsa(cli, tmp_path, tsa_settings, local_tsa: LocalTsa):
    case_id = new_case(cli, tmp_path)
    before = json.loads(cli("ledger", case_id, "--json").stdout)
    result = cli("timestamp", case_id, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["case_id"] == case_id
    assert out["head"] == f"{before[-1]['seq']}:{before[-1]['entry_hash']}"
    assert out["covered_artefacts"] == []  # the add was auto-stamped already: only the head is new
    [stamp] = out["stamps"]
    assert stamp["tsa"] == local_tsa.url and stamp["policy"] == local_tsa.policy
    assert stamp["event"] == before[-1]["seq"] + 1 and stamp["gen_time"].endswith("Z")
    assert Path(stamp["token"]).is_file() and Path(stamp["record"]).parent.name == "timestamps"
    run = subprocess.run(shlex.split(stamp["openssl"]), capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "Verification: OK" in run.stdout, run.stderr
    events = json.loads(cli("ledger", case_id, "--json").stdout)
    event = events[-1]
    assert event["action"] == "timestamp" and event["seq"] == stamp["event"]
    assert event["details"]["gen_time"] == stamp["gen_time"] and event["details"]["serial"] == stamp["serial"]
    assert event["details"]["covered_head"] == {
        "seq": before[-1]["seq"],
        "entry_hash": before[-1]["entry_hash"],
    }
    assert sorted(a["role"] for a in event["artefacts"]) == [
        "timestamp-manifest",
        "tsa-certificates",
        "tsa-root",
        "tsa-token",
    ]
    show = json.loads(cli("case", "show", case_id, "--json").stdout)
    assert show["timestamp_pending"] == [] and [s["status"] for s in show["timestamps"]] == [
        "stamped",
        "stamped",
    ]
    verify = cli("verify", case_id, "--json")
    assert verify.exit_code == 0, verify.stdout
    facts = json.loads(verify.stdout)["facts"]["timestamps"]
    assert [f["gen_time"] for f in facts][-1] == stamp["gen_time"] and all(f["ok"] for f in facts)


def test_timestamp_human_output_and_several_tsas(cli, tmp_path, local_tsa, other_tsa):
    write_tsa_settings(local_tsa.settings_entry(), other_tsa.settings_entry(), auto_timestamp=False)
    case_id = new_case(cli, tmp_path)
    result = cli("timestamp", case_id)
    assert result.exit_code == 0, result.output
    assert "RFC 3161 tokens" in result.stdout and result.stdout.count("openssl ts -verify") == 2
    verify = json.loads(cli("verify", case_id, "--json").stdout)
    assert verify["ok"] and {f["tsa"] for f in verify["facts"]["timestamps"]} == {
        local_tsa.url,
        other_tsa.url,
    }
    assert len({f["root_sha256"] for f in verify["facts"]["timestamps"]}) == 2


def test_timestamp_needs_a_tsa(cli, tmp_path):
    case_id = new_case(cli, tmp_path)
    result = cli("timestamp", case_id)
    assert result.exit_code == 2
    assert "no TSA configured" in result.stderr
    result = cli("timestamp", case_id, "--tsa-root", str(tmp_path / "x.pem"))
    assert result.exit_code == 2 and "--tsa-root and --tsa-cert need --tsa URL" in result.stderr


def test_timestamp_refuses_a_reply_that_does_not_chain_to_the_given_root(cli, tmp_path, local_tsa, other_tsa):
    case_id = new_case(cli, tmp_path)
    result = cli("timestamp", case_id, "--tsa", local_tsa.url, "--tsa-root", str(other_tsa.ca_pem))
    assert result.exit_code == 3
    assert "does not chain to a trusted root" in result.stderr
    events = json.loads(cli("ledger", case_id, "--json").stdout)
    assert not [e for e in events if e["action"] == "timestamp"]  # nothing unverifiable is stored


def test_timestamp_without_root_and_unreachable_tsa(cli, tmp_path, local_tsa, offline_tsa):
    case_id = new_case(cli, tmp_path)
    result = cli("timestamp", case_id, "--tsa", local_tsa.url)
    assert result.exit_code == 3 and "no trusted root certificate" in result.stderr
    result = cli("timestamp", case_id, "--tsa", offline_tsa.url, "--tsa-root", str(offline_tsa.ca_pem))
    assert result.exit_code == 3 and "did not answer" in result.stderr
    # One TSA down, one up: stamped, and the failure is recorded with the stamp and printed as a warning.
    result = cli(
        "timestamp",
        case_id,
        "--tsa",
        offline_tsa.url,
        "--tsa",
        local_tsa.url,
        "--tsa-root",
        str(local_tsa.ca_pem),
        "--tsa-root",
        str(offline_tsa.ca_pem),
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [s["tsa"] for s in out["stamps"]] == [local_tsa.url]
    assert [f["tsa"] for f in out["failures"]] == [offline_tsa.url]
    event = json.loads(cli("ledger", case_id, "--json").stdout)[-1]
    assert event["action"] == "timestamp" and event["details"]["failed_tsas"][0]["tsa"] == offline_tsa.url
    result = cli("timestamp", case_id, "--tsa", local_tsa.url, "--tsa-root", str(tmp_path / "missing.pem"))
    assert result.exit_code == 2 and "cannot read root certificate" in result.stderr


def test_timestamp_help(cli):
    result = cli("timestamp", "--help")
    assert result.exit_code == 0
    for option in ("--tsa", "--tsa-root", "--tsa-cert", "--json", "RFC 3161"):
        assert option in result.stdout


def test_local_tsa_from_the_shell_for_the_demo(cli, tmp_path):
    """`python -m evidence_kit.devtools.local_tsa DIR --write-settings CONFIG`, as the README demo runs it."""
    import os
    import sys

    config = Path(os.environ["EVIDENCE_KIT_CONFIG"])
    config.write_text(json.dumps({"investigator": "Insp. A. Petrova"}), "utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evidence_kit.devtools.local_tsa",
            str(tmp_path / "demo-tsa"),
            "--write-settings",
            str(config),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        entry = json.loads(process.stdout.readline())
        assert entry["url"].startswith("http://127.0.0.1:") and Path(entry["roots"][0]).is_file()
        settings = json.loads(config.read_text("utf-8"))
        assert settings == {"investigator": "Insp. A. Petrova", "tsas": [entry]}
        case_id = new_case(cli, tmp_path)  # auto-stamped by the demo TSA
        show = json.loads(cli("case", "show", case_id, "--json").stdout)
        assert [s["tsa"] for s in show["timestamps"]] == [entry["url"]] and show["timestamp_pending"] == []
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_timestamp_with_the_tsa_certificate_given(cli, tmp_path, local_tsa, other_tsa):
    case_id = new_case(cli, tmp_path)
    base = ("timestamp", case_id, "--tsa", local_tsa.url, "--tsa-root", str(local_tsa.ca_pem))
    result = cli(*base, "--tsa-cert", str(local_tsa.tsa_pem), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stamps"][0]["tsa_subject"] == "CN=evidence-kit local test TSA,O=evidence-kit"
    result = cli(*base, "--tsa-cert", str(other_tsa.tsa_pem))  # the reply is signed by someone else
    assert result.exit_code == 3
    assert "not by the expected TSA certificate CN=another test TSA" in result.stderr
