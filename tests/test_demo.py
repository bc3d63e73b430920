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
