"""The README's main-job command, end to end: sample site → capture → add → timestamp → export → verify."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.mark.browser
@pytest.mark.slow
def test_demo_captures_exports_and_verifies_the_sample_site(tmp_path: Path):
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "evidence_kit.demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("VERIFIED") == 2, result.stdout[-3000:]
    [case_dir] = (out / "cases").iterdir()
    [bundle] = out.glob("*-bundle.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
    assert any(name.endswith("manifest-sha256.txt") for name in names)
    assert any(name.endswith(".wacz") for name in names)
    records = [json.loads(p.read_text()) for p in (case_dir / "captures").glob("*.json")]
    assert len(records) >= 5 and all(r["status"] == "complete" for r in records), [r["errors"] for r in records]
    assert "+359881234567" in result.stdout  # the ad's phone number, found by selectors
    # The sample MLA form is filled with plausible values but one field, which the annexes list as missing.
    with zipfile.ZipFile(bundle) as archive:
        summary = json.loads(archive.read(next(n for n in names if n.endswith("data/mla/annexes.json"))))
        annexes = [archive.read(n).decode() for n in names if n.endswith(".html") and "/data/mla/" in n]
    assert summary["missing_required_fields"] == ["request.reference"]
    assert annexes and all(page.count("[MISSING — required]") == 1 for page in annexes)
    assert all("Insp. A. Petrova" in page and "Criminal Code Art. 159a" in page for page in annexes)
    assert "MLA form field missing: request.reference" in result.stderr


def test_demo_form_is_complete_but_for_the_one_field_left_empty():
    from evidence_kit.demo import LEFT_EMPTY, demo_form
    from evidence_kit.export.mla import form_template, missing_fields, parse_form

    form = parse_form(json.dumps(demo_form(form_template(), "2026-12-02")))  # what export --mla reads
    assert missing_fields(form) == [LEFT_EMPTY]
