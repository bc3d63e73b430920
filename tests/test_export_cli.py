"""The export and mla-form commands through the CLI, on a small case: bad input exits 2 and writes
nothing; a damaged case file stops the export; the template parses and lists what a form must hold."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chain_of_custody import bundle as layout
from evidence_kit.export import mla

pytestmark = pytest.mark.browser  # the report PDF is printed with Chromium


@pytest.fixture
def small_case(cli, tmp_path: Path) -> str:
    assert cli("case", "create", "OP-7", "--title", "Small case", "--investigator", "Insp. A").exit_code == 0
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    assert cli("add", str(photo), "--case", "OP-7", "--source", "e-mail from W-1").exit_code == 0
    assert cli("ledger", "record", "OP-7", "--action", "handover", "--to", "Clerk B").exit_code == 0
    return "OP-7"


def test_mla_form_prints_a_commented_template_that_parses(cli):
    result = cli("mla-form")
    assert result.exit_code == 0
    assert result.stdout.lstrip().startswith("//")
    form = mla.parse_form(result.stdout)
    assert form["preservation"]["period_days"] == 90
    missing = mla.missing_fields(form)
    assert "request.reference" in missing and "summary_of_facts" in missing
    assert "legal_basis" not in missing  # prefilled with the Convention's articles


def test_export_folder_and_zip_through_the_cli(cli, small_case, tmp_path):
    result = cli("export", small_case, "--out", str(tmp_path / "b"), "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["exhibits"] == 1 and out["zip_sha256"] is None
    names = sorted(p.name for p in (tmp_path / "b" / "data" / "artefacts").iterdir())
    assert names[0].startswith("E01-added-file-") and names[0].endswith(".png")
    assert all(n.startswith("E01-metadata-") for n in names[1:])  # its description goes with the exhibit
    assert cli("verify", str(tmp_path / "b")).exit_code == 0
    readme = (tmp_path / "b" / "data" / "README.txt").read_text()
    assert "E01  photo.png" in readme and out["ledger_head"].split(":", 1)[1] in readme
    zipped = cli("export", small_case, "--out", str(tmp_path / "b2"), "--zip")
    assert zipped.exit_code == 0, zipped.stderr
    assert (tmp_path / "b2.zip").is_file() and "zip SHA-256 sha256:" in zipped.stdout
    assert cli("verify", str(tmp_path / "b2.zip")).exit_code == 0
    ledger = json.loads(cli("ledger", small_case, "--json").stdout)
    exports = [e for e in ledger if e["action"] == "export"]
    assert len(exports) == 2 and exports[1]["details"]["zip"]["name"] == "b2.zip"
    assert exports[0]["details"]["ledger_head"].startswith(f"{exports[0]['seq'] - 1}:")
    leftovers = [p.name for p in tmp_path.iterdir() if ".partial-" in p.name]
    assert leftovers == []


def test_bad_export_input_exits_2_and_writes_nothing(cli, small_case, tmp_path):
    (tmp_path / "taken").mkdir()
    cases = [
        (["--out", str(tmp_path / "taken")], "already exists"),
        (["--out", str(tmp_path / "x"), "--lang", "de"], "--lang must be one of en, fr"),
        (["--out", str(tmp_path / "x"), "--mla", str(tmp_path / "nope.json")], "no MLA form"),
        (["--out", str(tmp_path / "no" / "such" / "dir")], "does not exist"),
    ]
    for args, words in cases:
        result = cli("export", small_case, *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert words in result.stderr
    (tmp_path / "bad.json").write_text("{not json")
    result = cli("export", small_case, "--out", str(tmp_path / "x"), "--mla", str(tmp_path / "bad.json"))
    assert result.exit_code == 2 and "not valid JSON" in result.stderr
    assert not (tmp_path / "x").exists()
    assert cli("export", "NO-SUCH-CASE", "--out", str(tmp_path / "y")).exit_code == 2


def test_a_damaged_case_file_stops_the_export(cli, small_case, tmp_path, isolated_env):
    stored = next(p for p in (isolated_env / small_case / "artefacts").glob("??/*"))
    os.chmod(stored, 0o644)
    stored.write_bytes(stored.read_bytes() + b"!")
    result = cli("export", small_case, "--out", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "no longer matches the ledger" in result.stderr
    assert not (tmp_path / "b").exists()
    assert [p for p in tmp_path.iterdir() if ".partial-" in p.name] == []
    ledger = json.loads(cli("ledger", small_case, "--json").stdout)
    assert all(e["action"] != "export" for e in ledger)


def test_every_new_command_has_help(cli):
    for command in ("export", "mla-form"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and len(result.stdout) > 200


def test_export_with_a_form_but_no_captures_lists_no_provider(cli, small_case, tmp_path):
    form = tmp_path / "FORM.json"
    form.write_text(cli("mla-form").stdout)
    result = cli("export", small_case, "--out", str(tmp_path / "b"), "--mla", str(form), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((tmp_path / "b" / "data" / "mla" / "annexes.json").read_text())
    assert summary["providers"] == [] and summary["documents"] == []
    assert "request.reference" in json.loads(result.stdout)["mla_missing"]
    assert "MLA form field missing: request.reference" in result.stderr
    assert cli("verify", str(tmp_path / "b")).exit_code == 0
    assert (tmp_path / "b" / layout.MAPPING).is_file()
