"""The index tables are derived data: verify checks every row against the signed records, the rebuild
writes them again, and selectors, search and case show show nothing the check has not passed.

Real cases (real libmagic, exiftool, pdftotext), tampered with sqlite3 on disk.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chain_of_custody.canonical import canonical_json
from chain_of_custody.description_check import check_descriptions
from chain_of_custody.index_check import check_index
from chain_of_custody.report import Report
from evidence_kit.case import Case
from evidence_kit.metadata.describe import describe
from tests.fixtures.media_files import minimal_pdf, write_warc

PAGE = """<!doctype html><html><head><title>Star Models casting</title></head><body>
<p>Call +359 88 123 4567 or write to <a href="mailto:casting@star-models.example">us</a>.</p>
<a href="/apply">Apply</a> <a href="https://t.me/starmodels_bg">Telegram</a>
<img src="/img/girl.jpg"></body></html>"""


def _capture(case: Case, tmp_path: Path, capture_id: str, photo: bytes, url: str) -> dict:
    """A capture as the capture stage records it (DOM, text, WARC with a photo), without a browser."""
    warc = tmp_path / f"{capture_id}.warc.gz"
    write_warc(warc, [(url, "text/html", PAGE.encode()), ("http://127.0.0.1:8000/img/girl.jpg", "image/jpeg", photo)])
    stored = {
        "warc": case.store.ingest_file(warc),
        "dom": case.ingest_bytes(PAGE.encode()),
        "text": case.ingest_bytes(
            b"Star Models casting\nCall +359 88 123 4567\nBTC: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT\n"
        ),
    }
    record = {
        "format": "evidence-kit-capture/1",
        "id": capture_id,
        "case_id": case.id,
        "url": url,
        "final_url": url,
        "status": "complete",
        "started": "2026-03-01T09:00:00.000000Z",
        "page": {"title": "Star Models casting"},
        "artefacts": [{"role": role, **a.digests.to_json(), "mime": a.mime} for role, a in stored.items()],
    }
    record_artefact = case.ingest_bytes(canonical_json(record))
    case.write_capture_record(capture_id, canonical_json(record))
    case.append(
        case.identity(),
        "capture",
        [a.ledger_entry(role=role) for role, a in stored.items()]
        + [record_artefact.ledger_entry(role="capture-record")],
        {"capture_id": capture_id, "url": url, "final_url": url, "status": "complete"},
    )
    return record


@pytest.fixture
def described_case(make_case, photo_file, tmp_path) -> Case:
    """Every kind the index holds: a GPS photo, a text note, an HTML file, a PDF, a capture with a photo
    in its WARC, and the same page captured again (its DOM and text are the same bytes)."""
    case = make_case(default_region="BG")
    photo = photo_file("beach.jpg", seed=1, gps=(42.6975, 23.3219))
    (tmp_path / "note.txt").write_text("Contact: jobs@star-models.example, +359 88 765 4321\n", "utf-8")
    (tmp_path / "ad.html").write_text("<title>Ad</title><p>Viber +359 87 111 2233</p>", "utf-8")
    (tmp_path / "contract.pdf").write_bytes(minimal_pdf("Pay to BG80BNBG96611020345678"))
    case.add_files([photo, tmp_path / "note.txt", tmp_path / "ad.html", tmp_path / "contract.pdf"], case.identity())
    girl = photo_file("girl.jpg", seed=5).read_bytes()
    _capture(case, tmp_path, "cap-20260301T090000Z-aaaaaa", girl, "http://127.0.0.1:8000/ad/17")
    _capture(case, tmp_path, "cap-20260301T090500Z-bbbbbb", girl, "http://127.0.0.1:8000/ad/17")
    describe(case, case.identity())
    return case


def _checks(case: Case) -> Report:
    report = Report(target=str(case.path), kind="case")
    check_index(case.path, {}, report)
    return report


def _tamper(case: Case, sql: str, params: tuple = ()) -> None:
    connection = sqlite3.connect(case.path / "ledger.sqlite")
    with connection:
        assert connection.execute(sql, params).rowcount >= 1
    connection.close()


def test_an_untouched_index_passes_and_covers_every_table(described_case) -> None:
    report = _checks(described_case)
    assert report.findings == [], [str(f) for f in report.findings]
    assert report.warnings == []
    assert report.checks["index-metadata"].checked > 20 and report.checks["index-artefacts"].checked > 10
    connection = described_case.ledger.connection
    counts = {
        t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("md_descriptions", "md_selectors", "md_texts", "md_images", "md_media", "md_captures")
    }
    assert all(counts.values()), counts  # the fixture fills every table, so every rule is exercised
    # The second capture (same DOM and text bytes) is indexed from the first one's descriptions.
    second = connection.execute(
        "SELECT count(*) FROM md_selectors WHERE capture_id = 'cap-20260301T090500Z-bbbbbb'"
    ).fetchone()[0]
    assert second > 0
    texts = connection.execute("SELECT count(*) FROM md_texts WHERE capture_id LIKE 'cap-%'").fetchone()[0]
    assert texts == 2


def test_a_changed_selector_value_is_named(described_case) -> None:
    row_id, value = described_case.ledger.connection.execute(
        "SELECT id, value FROM md_selectors WHERE kind = 'phone' ORDER BY id LIMIT 1"
    ).fetchone()
    _tamper(described_case, "UPDATE md_selectors SET value = '+359899999999' WHERE id = ?", (row_id,))
    findings = _checks(described_case).findings
    changed = [f for f in findings if f.where.startswith(f"table md_selectors row {row_id} ")]
    assert len(changed) == 1 and changed[0].check == "index-metadata"
    assert "+359899999999" in changed[0].where
    # The value the description holds is now missing from the table, and that is named too.
    assert any(
        f.where.startswith("table md_selectors (phone") and value in f.where and "missing" in f.message
        for f in findings
    )


def test_changed_size_and_mime_in_the_artefacts_table_are_named(described_case) -> None:
    rows = described_case.ledger.connection.execute(
        "SELECT blake3 FROM artefacts ORDER BY first_seq LIMIT 2"
    ).fetchall()
    (first,), (second,) = rows
    _tamper(described_case, "UPDATE artefacts SET size = size + 1 WHERE blake3 = ?", (first,))
    _tamper(described_case, "UPDATE artefacts SET mime = 'application/x-planted' WHERE blake3 = ?", (second,))
    findings = {f.where: f for f in _checks(described_case).findings}
    assert set(findings) == {f"table artefacts row {first}", f"table artefacts row {second}"}
    assert "size" in findings[f"table artefacts row {first}"].message
    assert "mime" in findings[f"table artefacts row {second}"].message
    assert findings[f"table artefacts row {second}"].found == "application/x-planted"
    assert {f.check for f in findings.values()} == {"index-artefacts"}


def test_deleted_and_added_rows_are_named(described_case) -> None:
    source = described_case.ledger.connection.execute(
        "SELECT source FROM md_descriptions WHERE gps_latitude IS NOT NULL"
    ).fetchone()[0]
    _tamper(described_case, "DELETE FROM md_descriptions WHERE source = ?", (source,))
    _tamper(
        described_case,
        "INSERT INTO md_selectors (kind, value, raw, context, found_in, artefact, capture_id, url, time, seq)"
        " VALUES ('phone', '+359888000111', '0888 000 111', 'planted', 'text', ?, NULL, NULL, NULL, 9)",
        (source,),
    )
    planted = described_case.ledger.connection.execute("SELECT max(id) FROM md_selectors").fetchone()[0]
    _tamper(described_case, "DELETE FROM artefacts WHERE blake3 = ?", (source,))
    _tamper(
        described_case, "INSERT INTO artefacts VALUES ('blake3:' || hex(randomblob(32)), 'sha256:x', 1, NULL, 1, 'x')"
    )
    findings = _checks(described_case).findings
    wheres = [(f.check, f.where, f.message) for f in findings]
    assert ("index-metadata", f"table md_descriptions ({source})") in [(c, w) for c, w, _ in wheres]
    assert any(w.startswith(f"table md_selectors row {planted} (phone '+359888000111'") for _, w, _ in wheres)
    assert ("index-artefacts", f"table artefacts row {source}") in [(c, w) for c, w, _ in wheres]
    assert any(c == "index-artefacts" and m == "no event records this artefact" for c, _, m in wheres)


def test_a_changed_gps_position_and_a_changed_text_are_named(described_case) -> None:
    _tamper(described_case, "UPDATE md_descriptions SET gps_latitude = '41.000000' WHERE gps_latitude IS NOT NULL")
    _tamper(described_case, "UPDATE md_texts SET text = text || ' planted' WHERE capture_id IS NULL")
    findings = _checks(described_case).findings
    gps = [f for f in findings if f.where.startswith("table md_descriptions row")]
    assert len(gps) == 1 and "gps_latitude" in gps[0].message and gps[0].found == "41.000000"
    assert gps[0].expected == "42.697500"
    assert any(f.where.startswith("table md_texts row") for f in findings)


def test_an_altered_description_artefact_vouches_for_nothing(described_case) -> None:
    """Rows are derived only from files that still have their recorded digest."""
    digest = described_case.ledger.connection.execute(
        "SELECT description FROM md_descriptions WHERE gps_latitude IS NOT NULL"
    ).fetchone()[0]
    path = described_case.store.path_of(digest)
    body = json.loads(path.read_text("utf-8"))
    body["embedded"]["gps"]["latitude"] = "41.000000"
    path.chmod(0o644)
    path.write_bytes(canonical_json(body))
    report = _checks(described_case)
    assert any(f"description {digest}" in w and "recorded digest" in w for w in report.warnings)
    assert any(
        f.where.startswith("table md_descriptions row") and "no recorded description" in f.message
        for f in report.findings
    )


def test_rebuild_index_restores_the_rows_and_is_on_the_record(described_case, cli) -> None:
    connection = described_case.ledger.connection
    before = {
        t: sorted(map(tuple, connection.execute(f"SELECT * FROM {t}").fetchall()))
        for t in ("md_descriptions", "md_images", "md_media", "md_captures", "artefacts")
    }
    selectors_before = sorted(connection.execute("SELECT kind, value, artefact, capture_id FROM md_selectors"))
    head = described_case.ledger.head().seq
    _tamper(described_case, "UPDATE md_selectors SET value = '+359899999999' WHERE kind = 'phone'")
    _tamper(described_case, "DELETE FROM md_images")
    _tamper(described_case, "UPDATE artefacts SET size = 0")
    result = cli("describe", described_case.id, "--rebuild-index", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["event"] == head + 1 and len(out["findings_before"]) > 3
    assert _checks(described_case).findings == []
    event = list(described_case.events())[-1]
    assert event.action == "reindex" and event.artefacts == [] and event.details["findings_before_count"] > 3
    after = {t: sorted(map(tuple, connection.execute(f"SELECT * FROM {t}").fetchall())) for t in before}
    assert after == before
    assert sorted(connection.execute("SELECT kind, value, artefact, capture_id FROM md_selectors")) == selectors_before
    again = cli("describe", described_case.id, "--rebuild-index")
    assert again.exit_code == 0 and "already agrees" in again.output
    assert described_case.ledger.head().seq == head + 1


def test_selectors_search_and_case_show_refuse_a_disagreeing_index(
    described_case, make_case, photo_file, cli, runner
) -> None:
    other = make_case("OP-2026-018")
    other.add_files([photo_file("x.jpg", seed=9)], other.identity())
    assert cli("search", described_case.id, "+359881234567").exit_code == 0
    _tamper(described_case, "UPDATE md_selectors SET value = '+359899999999' WHERE kind = 'phone'")
    from evidence_kit.cli import app

    for args in (("selectors", described_case.id), ("search", described_case.id, "+359899999999")):
        result = runner.invoke(app, list(args))
        assert result.exit_code == 1, result.output
        assert "metadata index disagrees" in result.output and "+359899999999" in result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    across = runner.invoke(app, ["search", "--all", "+359899999999", "--json"])
    assert across.exit_code == 0
    assert json.loads(across.stdout) == []  # the planted value is never shown
    assert f"case {described_case.id} left out" in across.stderr
    show = cli("case", "show", described_case.id, "--json")
    metadata = json.loads(show.stdout)["metadata"]
    assert metadata["gps"] == [] and metadata["selectors"] == {} and metadata["index_findings"]


def test_the_checks_read_only_stdlib_and_blake3() -> None:
    code = (
        "import sys, chain_of_custody.index_check, chain_of_custody.description_check;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('evidence_kit', 'sqlite_utils', 'tldextract')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stdout + done.stderr


def test_descriptions_still_name_their_source(described_case) -> None:
    report = Report(target=str(described_case.path), kind="case")
    recorded = {e["blake3"]: e for event in described_case.events() for e in event.artefacts}
    check_descriptions(described_case.path, recorded, report)
    assert report.findings == [] and report.checks["description-source"].checked >= 8
