"""The exported bundle passes every real validator: bagit.py, sha256sum -c, wacz validate, case_validate,
openssl ts -verify, our verify and the standalone verifier; the export is a custody event; the report
PDF has the exhibits; the MLA annexes name every account."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from chain_of_custody import bagit_check
from chain_of_custody import bundle as layout
from chain_of_custody.hashing import hash_file
from chain_of_custody.ledger import read_jsonl
from evidence_kit.export.bundle import write_zip
from tests.fixtures.bundle import CASE_ID, FORM_MISSING, venv_bin

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, check=False, timeout=120)


def test_bagit_validates_the_bundle(exported_case):
    result = run(venv_bin("bagit.py"), "--validate", str(exported_case.folder))
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stderr


def test_sha256sum_checks_every_payload_file_from_the_bag_root(exported_case):
    result = run("sha256sum", "-c", "manifest-sha256.txt", cwd=exported_case.folder)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.endswith(": OK") for line in lines)
    assert any("data/artefacts/E01-screenshot-" in line for line in lines)
    b3 = run("b3sum", "-c", "manifest-blake3.txt", cwd=exported_case.folder)
    assert b3.returncode == 0, b3.stdout + b3.stderr


def test_bag_info_names_the_case_and_the_cut(exported_case):
    info = bagit_check.read_tag_file(exported_case.folder / "bag-info.txt")
    for label in (
        "Source-Organization",
        "Contact-Name",
        "External-Identifier",
        "External-Description",
        "Bagging-Date",
        "Payload-Oxum",
        "Bag-Software-Agent",
    ):
        assert info.get(label), label
    assert info["External-Identifier"] == CASE_ID
    assert info["Source-Organization"] == "Cybercrime Unit, GDNP"
    assert info["Ledger-Head"] == exported_case.folder_result["ledger_head"]


def test_every_capture_has_a_valid_wacz_holding_its_warc_byte_for_byte(exported_case):
    waczs = sorted((exported_case.folder / "data" / "wacz").glob("*.wacz"))
    assert len(waczs) == len(exported_case.captures) == 2
    mapping = json.loads((exported_case.folder / layout.MAPPING).read_text())
    warc_sha = {a["sha256"].split(":")[1] for a in mapping["artefacts"] if a["role"] == "warc"}
    for wacz in waczs:
        result = run(venv_bin("wacz"), "validate", "-f", str(wacz))
        assert result.returncode == 0 and "is valid" in result.stdout, result.stdout + result.stderr
        with zipfile.ZipFile(wacz) as archive:
            package = json.loads(archive.read("datapackage.json"))
            names = archive.namelist()
        assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl"} <= set(names)
        assert any(n.startswith("indexes/") for n in names)
        archived = [r for r in package["resources"] if r["path"].startswith("archive/")]
        assert archived and archived[0]["hash"].split(":")[1] in warc_sha
        with zipfile.ZipFile(wacz) as archive:
            records = [
                (r.rec_type, r.rec_headers.get_header("WARC-Target-URI") or "")
                for r in ArchiveIterator(io.BytesIO(archive.read(archived[0]["path"])))
            ]
        assert any(t == "resource" and uri.startswith("urn:fullPage:") for t, uri in records)  # screenshot
        assert any(t == "metadata" and uri.startswith("urn:evidence-kit:capture:") for t, uri in records)
        assert any(t == "response" for t, _ in records)


def test_case_uco_passes_case_validate_and_carries_both_hashes(exported_case):
    jsonld = exported_case.folder / "data" / "case.jsonld"
    result = run(venv_bin("case_validate"), str(jsonld))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Conforms: True" in result.stdout
    graph = json.loads(jsonld.read_text())["@graph"]
    types = {node["@type"] for node in graph}
    assert {
        "case-investigation:Investigation",
        "case-investigation:InvestigativeAction",
        "case-investigation:ProvenanceRecord",
        "uco-observable:File",
        "uco-tool:Tool",
        "uco-identity:Person",
    } <= types
    mapping = json.loads((exported_case.folder / layout.MAPPING).read_text())
    text = jsonld.read_text()
    for artefact in mapping["artefacts"]:
        assert artefact["sha256"].split(":")[1].upper() in text
        assert artefact["blake3"] in text
    exhibits = {n.get("case-investigation:exhibitNumber") for n in graph}
    assert {"E01", "E02", "E03"} <= exhibits


def test_openssl_verifies_every_bundled_token(exported_case, cli):
    report = json.loads(cli("verify", str(exported_case.folder), "--json").stdout)
    commands = [c for c in report["commands"] if c.startswith("openssl ts -verify") and "data/timestamps/event-" in c]
    assert len(commands) == len(report["facts"]["timestamps"]) >= 1
    for command in commands:
        result = run(*command.split())
        assert result.returncode == 0 and "Verification: OK" in result.stdout, command + result.stderr


def test_our_verifier_passes_the_folder_and_the_zip(exported_case, cli):
    for target in (exported_case.folder, exported_case.zip):
        result = cli("verify", str(target), "--json")
        report = json.loads(result.stdout)
        assert result.exit_code == 0, report["findings"]
        checks = {c["name"]: c for c in report["checks"]}
        for name in (
            "bag-manifest",
            "bag-tagmanifest",
            "bag-complete",
            "signature",
            "chain-link",
            "artefact-digest",
            "artefact-unrecorded",
            "bundle-head",
            "wacz",
            "timestamp-signature",
        ):
            assert checks[name]["checked"] > 0 and checks[name]["failed"] == 0, name
        assert report["facts"]["head"] == exported_case.folder_result["ledger_head"] or target == exported_case.zip
    zipped = json.loads(cli("verify", str(exported_case.zip), "--json").stdout)
    assert zipped["facts"]["zip_sha256"] == exported_case.zip_result["zip_sha256"]
    assert zipped["facts"]["head"] == exported_case.zip_result["ledger_head"]


def test_module_verifier_and_expect_head(exported_case):
    head = exported_case.folder_result["ledger_head"]
    ok = run(sys.executable, "-m", "chain_of_custody", "verify", str(exported_case.folder), "--expect-head", head)
    assert ok.returncode == 0, ok.stdout[-2000:]
    assert ok.stdout.startswith("VERIFIED")
    later = exported_case.zip_result["ledger_head"]  # the zip was cut after the folder's export event
    wrong = run(
        sys.executable,
        "-m",
        "chain_of_custody",
        "verify",
        str(exported_case.folder),
        "--json",
        "--expect-head",
        later,
    )
    assert wrong.returncode == 1
    assert [f["check"] for f in json.loads(wrong.stdout)["findings"]] == ["head"]
    case = run(sys.executable, "-m", "chain_of_custody", "verify", str(exported_case.case_dir))
    assert case.returncode == 0 and case.stdout.startswith("VERIFIED  case")
    missing = run(sys.executable, "-m", "chain_of_custody", "verify", str(exported_case.root / "nothing"))
    assert missing.returncode == 2 and "neither a case folder nor an evidence bundle" in missing.stderr


def test_the_export_is_a_custody_event_after_the_cut(exported_case):
    events = list(read_jsonl(exported_case.folder / layout.LEDGER))
    head = exported_case.folder_result["ledger_head"]
    assert f"{events[-1].seq}:{events[-1].entry_hash}" == head
    assert all(e.action != "export" for e in events)  # the folder was the first export
    import sqlite3

    connection = sqlite3.connect(exported_case.case_dir / "ledger.sqlite")
    rows = connection.execute("SELECT seq, details FROM events WHERE action='export' ORDER BY seq").fetchall()
    connection.close()
    assert len(rows) >= 2  # the folder, then the zip (later tests may export again)
    first, second = (json.loads(d) for _, d in rows[:2])
    assert rows[0][0] == events[-1].seq + 1
    assert first["ledger_head"] == head
    assert (
        first["tagmanifest_sha256"]
        == "sha256:"
        + __import__("hashlib").sha256((exported_case.folder / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    )
    digests = hash_file(exported_case.zip)
    assert second["zip"] == {
        "sha256": digests.sha256,
        "blake3": digests.blake3,
        "size": digests.size,
        "name": exported_case.zip.name,
    }
    assert exported_case.zip_result["zip_sha256"] == digests.sha256
    assert exported_case.zip_result["zip_blake3"] == digests.blake3


def test_zip_is_deterministic(exported_case, tmp_path):
    with zipfile.ZipFile(exported_case.zip) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        top = {n.split("/", 1)[0] for n in names}
        assert top == {"bundle-zip"}
        archive.extractall(tmp_path / "unzipped")
    again = tmp_path / "again.zip"
    write_zip(tmp_path / "unzipped" / "bundle-zip", again, "bundle-zip")
    assert again.read_bytes() == exported_case.zip.read_bytes()


def test_case_files_are_never_moved_or_altered(exported_case, cli):
    result = cli("verify", str(exported_case.case_dir), "--json")
    assert result.exit_code == 0, json.loads(result.stdout)["findings"]


def test_report_pdf_has_pages_with_every_exhibit(exported_case, tmp_path):
    pdf = exported_case.folder / "data" / "report" / "report.pdf"
    result = run("pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page"))
    assert result.returncode == 0, result.stderr
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 4  # summary, one page per exhibit (3), timeline, verification chapter
    from PIL import Image

    with Image.open(pages[0]) as first:
        low, high = first.convert("L").getextrema()
        assert first.width > 100 and high - low > 100  # not a blank page
    text = run("pdftotext", "-layout", str(pdf), "-").stdout
    mapping = json.loads((exported_case.folder / layout.MAPPING).read_text())
    for exhibit in mapping["exhibits"]:
        assert f"Exhibit {exhibit['exhibit']}" in text
    assert "sha256sum -c manifest-sha256.txt" in text and "openssl ts -verify" in text
    assert "GPS position" in text and "42.69" in text  # the photo's embedded position
    assert "+359888123456" in text  # the phone number in the chat log, in E.164
    assert "bagit.py --validate" in text and "python -m chain_of_custody verify" in text
    assert re.search(r"evidence report — page\W+1 / \d+", text)  # page numbers in the footer
    html = (exported_case.folder / "data" / "report" / "report.html").read_text()
    assert "<body class='blurred'>" in html and "show-images" in html
    screenshot = next(a for a in mapping["artefacts"] if a["role"] == "screenshot")
    assert screenshot["path"].removeprefix("data/") in html
    assert (exported_case.folder / "data" / "report" / screenshot["path"].replace("data/", "../")).resolve().is_file()


def test_mla_annexes_name_every_account_with_its_evidence(exported_case):
    from docx import Document

    folder = exported_case.folder / "data" / "mla"
    summary = json.loads((folder / "annexes.json").read_text())
    identifiers = [i["value"] for p in summary["providers"] for a in p["accounts"] for i in a["identifiers"]]
    for capture in exported_case.captures:
        assert capture["final_url"] in identifiers
        assert capture["url"] in identifiers
    mapping = json.loads((exported_case.folder / layout.MAPPING).read_text())
    warc = next(a for a in mapping["artefacts"] if a["role"] == "warc")
    docs = sorted(folder.glob("*.docx"))
    assert {d.name.split("-")[-2] for d in docs} == {"art29", "art31", "cets224"}
    for doc in docs:
        document = Document(str(doc))
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
        for identifier in identifiers:
            assert identifier in text, (doc.name, identifier)
        assert warc["sha256"].split(":")[1] in text and warc["blake3"].split(":")[1] in text
        for name in FORM_MISSING:
            assert name in text
        assert "MLA-BG-2026-017" in text
        assert (folder / doc.name.replace(".docx", ".pdf")).stat().st_size > 1000
    assert summary["missing_required_fields"] == FORM_MISSING
    assert exported_case.folder_result["mla_missing"] == FORM_MISSING
    for name in FORM_MISSING:
        assert f"MLA form field missing: {name}" in exported_case.folder_stderr
    pdf_text = run("pdftotext", str(folder / docs[0].name.replace(".docx", ".pdf")), "-").stdout
    assert "MISSING REQUIRED INFORMATION" in pdf_text


def test_captures_option_limits_the_bundle_and_lists_what_it_leaves_out(exported_case, cli, tmp_path, monkeypatch):
    for key, value in exported_case.env.items():
        monkeypatch.setenv(key, value)
    first, second = (c["id"] for c in exported_case.captures)
    result = cli("export", CASE_ID, "--out", str(tmp_path / "one"), "--captures", first, "--json")
    assert result.exit_code == 0, result.stderr
    bag = tmp_path / "one"
    data = json.loads((bag / layout.MAPPING).read_text())
    assert [(e["exhibit"], e["kind"], e["capture_id"]) for e in data["exhibits"]] == [
        ("E01", "capture", first),
        ("E02", "file", None),
        ("E03", "file", None),
    ]
    assert len(list((bag / "data" / "wacz").glob("*.wacz"))) == 1
    assert not list((bag / "data" / "captures").glob(f"{second}*"))
    assert data["omitted"] and {o["capture_id"] for o in data["omitted"]} == {second}
    assert all(second not in a["path"] for a in data["artefacts"])
    verified = cli("verify", str(bag), "--json")
    report = json.loads(verified.stdout)
    assert verified.exit_code == 0, report["findings"]
    assert any("left out on purpose" in w for w in report["warnings"])
    unknown = cli("export", CASE_ID, "--out", str(tmp_path / "none"), "--captures", "cap-nope")
    assert unknown.exit_code == 2 and "no capture cap-nope" in unknown.stderr
    assert not (tmp_path / "none").exists()


def test_french_annexes_name_every_account(exported_case, tmp_path, monkeypatch):
    from docx import Document

    from evidence_kit import config
    from evidence_kit.case import Case
    from evidence_kit.export import contents, mla
    from tests.fixtures.bundle import FORM

    for key, value in exported_case.env.items():
        monkeypatch.setenv(key, value)
    with Case.open(config.load(), CASE_ID) as case:
        annexes = mla.build_annexes(contents.gather(case), FORM, "fr")
    assert annexes.missing == FORM_MISSING
    assert [a.kind for a in annexes.annexes] == ["art29", "art31", "cets224"] * len(annexes.providers)
    for annex in annexes.annexes:
        path = tmp_path / f"{annex.stem}.docx"
        mla.write_docx(annex, path)
        document = Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
            c.text for t in document.tables for r in t.rows for c in r.cells
        )
        assert mla.TEXT["fr"][annex.kind] in text
        assert "INFORMATIONS OBLIGATOIRES MANQUANTES" in text and "[MANQUANT — obligatoire]" in text
        for identifier in annexes.identifiers():
            assert identifier in text
