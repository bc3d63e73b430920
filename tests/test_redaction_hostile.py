"""A hostile site against the redaction (issue 13 review): one logged-in page whose traffic carries the
session id in every disguise (JSON-escaped, percent-encoded, HTML references, base64, a custom header,
a redirect, POST bodies, the page title, which Chromium also writes into the PDF's document information).
Through the CLI: persona, capture, export; then every byte of the case (ledger.sqlite too) and of the
bundle, decompressed, is searched for every form of the secret."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .decoded_layers import layers
from .hostile_persona_site import CSRF, SID, forms, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("hostile")
    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": "/usr/bin:/bin",
        "EVIDENCE_KIT_HOME": str(root / "cases"),
        "EVIDENCE_KIT_KEYS": str(root / "keys"),
        "EVIDENCE_KIT_CONFIG": str(root / "config" / "config.json"),
        "EVIDENCE_KIT_JOURNAL": str(root / "journal"),
        "EVIDENCE_KIT_PERSONAS": str(root / "config" / "personas"),
    }

    def ek(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "evidence_kit", *args], env=env, capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    with serve() as site:
        (root / "cookies.txt").write_text(
            "# Netscape HTTP Cookie File\n"
            f"127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t{SID}\n127.0.0.1\tFALSE\t/\tFALSE\t0\tcsrftoken\t{CSRF}\n"
        )
        ek("persona", "create", "eve", "--platform", "vk", "--cookies", str(root / "cookies.txt"))
        ek("case", "create", "OP-H", "--title", "hostile", "--investigator", "Insp. X")
        ek("capture", site.base + "/home", "--case", "OP-H", "--persona", "eve", "--allow-private", "--no-video")
        ek("export", "OP-H", "--out", str(root / "bundle"))
        ek("export", "OP-H", "--out", str(root / "bundle.zip"), "--zip")
    yield {"root": root, "case": root / "cases" / "OP-H", "bundle": root / "bundle", "zip": root / "bundle.zip"}


def test_no_form_of_the_secret_anywhere_in_the_case_or_its_bundles(world: dict[str, object]) -> None:
    wanted = {f"sid {k}": v.encode() for k, v in forms(SID).items()} | {"csrf": CSRF.encode()}
    hits, seen = [], 0
    for top in (world["case"], world["bundle"], world["zip"]):
        assert isinstance(top, Path)
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            for where, data in layers(path.read_bytes(), str(path)):
                seen += 1
                hits += [(where, kind) for kind, value in wanted.items() if value in data]
    assert seen > 50
    assert hits == []


def test_the_pdf_title_is_replaced_and_declared(world: dict[str, object]) -> None:
    import json

    case = world["case"]
    assert isinstance(case, Path)
    (record_path,) = (case / "captures").glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["page"]["title"].startswith("Лента — Feed of REDACTED-")
    assert any(p["artefact"] == "pdf" and p["name"] == "persona cookie sid" for p in record["redaction"]["places"])
