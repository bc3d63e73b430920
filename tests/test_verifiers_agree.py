"""Issue 10 §2: ``evidence-kit verify`` and ``python -m chain_of_custody verify`` run the same catalogue of checks
and report the same findings, on the same case and bundle, untouched and tampered."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chain_of_custody import checks


def _both(target: Path, env: dict[str, str]) -> tuple[dict, dict]:
    kit = subprocess.run(
        [sys.executable, "-m", "evidence_kit", "verify", str(target), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    court = subprocess.run(
        [sys.executable, "-m", "chain_of_custody", "verify", str(target), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert kit.returncode == court.returncode, (kit.stderr, court.stderr)
    assert "Traceback" not in kit.stderr + court.stderr
    return json.loads(kit.stdout), json.loads(court.stdout)


def _same(kit: dict, court: dict) -> None:
    assert [(c["name"], c["checked"], c["failed"]) for c in kit["checks"]] == [
        (c["name"], c["checked"], c["failed"]) for c in court["checks"]
    ]
    assert kit["findings"] == court["findings"]
    assert kit["ok"] == court["ok"]
    assert {c["name"] for c in kit["checks"]} <= set(checks.ALL)  # every check is in the catalogue


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "EVIDENCE_KIT_HOME": str(tmp_path / "home"), "EVIDENCE_KIT_JOURNAL": str(tmp_path / "j")}


@pytest.mark.slow
def test_same_checks_on_a_case_untouched_and_tampered(exported_case, tmp_path):
    case_dir = tmp_path / "case"
    shutil.copytree(exported_case.case_dir, case_dir)
    kit, court = _both(case_dir, _env(tmp_path))
    _same(kit, court)
    assert kit["ok"] and len(kit["checks"]) >= 18
    description = next(p for p in (case_dir / "captures").glob("*.json"))
    os.chmod(description, 0o644)
    description.write_bytes(description.read_bytes() + b" ")
    (case_dir / "case.json").write_text(json.dumps({"id": exported_case.case_dir.name, "title": "x"}), "utf-8")
    kit, court = _both(case_dir, _env(tmp_path))
    _same(kit, court)
    assert {f["check"] for f in kit["findings"]} >= {"capture-record", "case-facts"}


@pytest.mark.slow
def test_same_checks_on_a_bundle_untouched_and_tampered(exported_case, tmp_path):
    kit, court = _both(exported_case.folder, _env(tmp_path))
    _same(kit, court)
    assert kit["ok"]
    bag = exported_case.copy(tmp_path)
    wacz = next((bag / "data" / "wacz").glob("*.wacz"))
    data = bytearray(wacz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wacz.write_bytes(bytes(data))
    kit, court = _both(bag, _env(tmp_path))
    _same(kit, court)
    assert not kit["ok"]


def _printed(target: Path, env: dict[str, str]) -> tuple[str, str]:
    """What each verifier prints for a person (not a terminal: no colours)."""
    outputs = []
    for module in ("evidence_kit", "chain_of_custody"):
        done = subprocess.run(
            [sys.executable, "-m", module, "verify", str(target)], capture_output=True, text=True, env=env, timeout=300
        )
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
        outputs.append(done.stdout)
    return outputs[0], outputs[1]


@pytest.mark.slow
def test_both_verifiers_print_the_same_report_for_a_person(exported_case, tmp_path):
    """One printer (chain_of_custody.report.report_lines): the same lines, failures and warnings included."""
    bag = exported_case.copy(tmp_path)
    (bag / "data" / "README.txt").write_text("edited", "utf-8")
    kit, court = _printed(bag, _env(tmp_path))
    assert kit == court
    assert kit.startswith("VERIFICATION FAILED") and "\nFAIL " in kit and "[FAIL] " in kit and "\033[" not in kit
