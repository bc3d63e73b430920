"""Tampering with a copy of an exported bundle is caught and named; a malicious zip is refused before
anything is written; the standalone verifier works with only chain_of_custody's own dependencies."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chain_of_custody import bagit_check, safezip
from chain_of_custody import bundle as layout
from chain_of_custody.keys import public_pem
from evidence_kit.export.bag import BagWriter, write_tag_files

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def verify(cli, target: Path) -> tuple[int, dict, set[tuple[str, str]]]:
    result = cli("verify", str(target), "--json")
    report = json.loads(result.stdout)
    return result.exit_code, report, {(f["check"], f["where"]) for f in report["findings"]}


def mapping(bag: Path) -> dict:
    return json.loads((bag / layout.MAPPING).read_text())


def artefact_path(bag: Path, role: str) -> str:
    return next(a["path"] for a in mapping(bag)["artefacts"] if a["role"] == role)


def flip_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[min(offset, len(data) - 1)] ^= 0x01
    path.write_bytes(bytes(data))


def rewrite_manifests(bag: Path) -> None:
    """What a careful forger does after editing a file: recompute every manifest and tag manifest."""
    writer = BagWriter(bag)
    for path in sorted((bag / "data").rglob("*")):
        if path.is_file():
            writer.adopt(path.relative_to(bag).as_posix())
    info = [(k, v) for k, v in bagit_check.read_tag_file(bag / "bag-info.txt").items() if k != "Payload-Oxum"]
    write_tag_files(writer, info)


def test_untouched_copy_verifies(exported_case, cli, tmp_path):
    code, report, findings = verify(cli, exported_case.copy(tmp_path))
    assert code == 0, findings


def test_flipped_artefact_byte_is_named(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    rel = artefact_path(bag, "screenshot")
    flip_byte(bag / rel)
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("bag-manifest", f"manifest-sha256.txt: {rel}") in findings
    assert ("bag-manifest", f"manifest-blake3.txt: {rel}") in findings
    digest = next(f for f in report["findings"] if f["check"] == "artefact-digest")
    assert rel in digest["where"]


def test_flipped_artefact_byte_with_rewritten_manifests_is_still_caught(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    rel = artefact_path(bag, "warc")
    flip_byte(bag / rel, 400)
    rewrite_manifests(bag)
    code, report, findings = verify(cli, bag)
    assert code == 1
    checks = {f["check"] for f in report["findings"]}
    assert "bag-manifest" not in checks  # the forger made the manifests agree ...
    assert any(f["check"] == "artefact-digest" and rel in f["where"] for f in report["findings"])  # ... not the ledger
    assert "timestamp-artefact" in checks  # ... nor the RFC 3161 manifest that stamped the WARC's digest


def test_edited_manifest_line_is_named(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    manifest = bag / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.endswith(layout.LEDGER))
    digest, _, path = lines[index].partition("  ")
    lines[index] = ("0" if digest[0] != "0" else "1") + digest[1:] + "  " + path
    manifest.write_text("\n".join(lines) + "\n")
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("bag-manifest", f"manifest-sha256.txt: {layout.LEDGER}") in findings
    assert ("bag-tagmanifest", "tagmanifest-sha256.txt: manifest-sha256.txt") in findings
    bagit = subprocess.run(
        [str(Path(sys.executable).parent / "bagit.py"), "--validate", str(bag)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bagit.returncode != 0


def test_edited_ledger_line_is_named_even_with_rewritten_manifests(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    ledger = bag / layout.LEDGER
    lines = ledger.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if json.loads(line)["action"] == "handover")
    event = json.loads(lines[index])
    event["details"]["to"] = "Somebody Else"
    lines[index] = json.dumps(event, sort_keys=True, ensure_ascii=False)
    ledger.write_text("\n".join(lines) + "\n")
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("bag-manifest", f"manifest-sha256.txt: {layout.LEDGER}") in findings
    assert ("entry-hash", f"event {event['seq']}") in findings
    rewrite_manifests(bag)
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("entry-hash", f"event {event['seq']}") in findings
    assert not any(check.startswith("bag-") for check, _ in findings)


def test_truncated_ledger_no_longer_reaches_the_recorded_head(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    ledger = bag / layout.LEDGER
    lines = ledger.read_text().splitlines()
    ledger.write_text("\n".join(lines[:-1]) + "\n")
    rewrite_manifests(bag)
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("bundle-head", "bag-info.txt Ledger-Head") in findings


def test_flipped_token_byte_is_named(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    rel = artefact_path(bag, "tsa-token")
    flip_byte(bag / rel, 60)
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("bag-manifest", f"manifest-sha256.txt: {rel}") in findings
    stamp = [f for f in report["findings"] if f["check"].startswith("timestamp")]
    assert stamp, report["findings"]
    token_digest = next(a["blake3"] for a in mapping(bag)["artefacts"] if a["path"] == rel)
    assert any(f["check"] == "timestamp-token" and token_digest.split(":")[1][:16] in f["where"] for f in stamp)


def test_swapped_public_key_is_named(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    pem = next((bag / layout.KEYS).glob("*.pem"))
    pem.write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("signer-key", f"{layout.KEYS}/{pem.name}") in findings
    assert ("bag-manifest", f"manifest-sha256.txt: {layout.KEYS}/{pem.name}") in findings
    assert any(check == "signer-key" and where.startswith("event ") for check, where in findings)


def test_extra_and_missing_payload_files_are_named(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    (bag / "data" / "artefacts" / "E99-planted-000000000000.png").write_bytes(b"planted")
    removed = artefact_path(bag, "dom")
    (bag / removed).unlink()
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("bag-complete", "manifest-sha256.txt: data/artefacts/E99-planted-000000000000.png") in findings
    assert ("artefact-unrecorded", "data/artefacts/E99-planted-000000000000.png") in findings
    assert ("bag-complete", f"manifest-sha256.txt: {removed}") in findings
    assert any(f["check"] == "artefact-present" for f in report["findings"])


def test_hiding_a_deleted_file_under_omitted_is_caught(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    data = mapping(bag)
    victim = next(a for a in data["artefacts"] if a["role"] == "added-file")
    (bag / victim["path"]).unlink()
    data["artefacts"] = [a for a in data["artefacts"] if a["path"] != victim["path"]]
    data["omitted"].append({"blake3": victim["blake3"], "sha256": victim["sha256"], "capture_id": None})
    (bag / layout.MAPPING).write_text(json.dumps(data, indent=2))
    rewrite_manifests(bag)
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("artefact-omitted", f"{layout.MAPPING} omitted {victim['blake3']}") in findings
    assert any(f["check"] == "artefact-present" and victim["blake3"] in f["where"] for f in report["findings"])


def test_tampered_wacz_is_named(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    wacz = next((bag / "data" / "wacz").glob("*.wacz"))
    rel = wacz.relative_to(bag).as_posix()
    with zipfile.ZipFile(wacz) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(wacz, "w") as archive:
        for info, data in entries:
            if info.filename == "pages/pages.jsonl":
                data = data.replace(b"Exhibit", b"Exhibiz")
            archive.writestr(info, data)
    rewrite_manifests(bag)
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("wacz", f"{rel}: pages/pages.jsonl") in findings


def test_wacz_with_a_foreign_warc_is_named(exported_case, cli, tmp_path):
    """A WACZ whose datapackage is consistent but whose WARC is not the captured one."""
    import hashlib

    bag = exported_case.copy(tmp_path)
    wacz = next((bag / "data" / "wacz").glob("*.wacz"))
    rel = wacz.relative_to(bag).as_posix()
    with zipfile.ZipFile(wacz) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    warc_name = next(n for n in entries if n.startswith("archive/"))
    entries[warc_name] += b"WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 6\r\n\r\nforged\r\n\r\n"
    package = json.loads(entries["datapackage.json"])
    for resource in package["resources"]:
        if resource["path"] == warc_name:
            resource["hash"] = "sha256:" + hashlib.sha256(entries[warc_name]).hexdigest()
    entries["datapackage.json"] = json.dumps(package).encode()
    entries["datapackage-digest.json"] = json.dumps(
        {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(entries["datapackage.json"]).hexdigest(),
        }
    ).encode()
    with zipfile.ZipFile(wacz, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    rewrite_manifests(bag)
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("wacz", f"{rel}: {warc_name}") in findings


def test_tampered_zip_is_caught(exported_case, cli, tmp_path):
    target = tmp_path / "bundle.zip"
    with zipfile.ZipFile(exported_case.zip) as source, zipfile.ZipFile(target, "w") as sink:
        for info in source.infolist():
            data = source.read(info)
            if "/data/ledger/ledger.jsonl" in info.filename:
                data = data.replace(b"Clerk B. Ivanova", b"Clerk X. Ivanova")
            sink.writestr(info, data)
    code, report, findings = verify(cli, target)
    assert code == 1
    assert ("bag-manifest", f"manifest-sha256.txt: {layout.LEDGER}") in findings
    assert any(check == "entry-hash" for check, _ in findings)


# -- malicious zips -------------------------------------------------------------------------------------
def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def _refused(cli, path: Path, words: str) -> None:
    result = cli("verify", str(path), "--json")
    assert result.exit_code == 1
    assert "refused" in result.stderr and words in result.stderr, result.stderr
    assert result.stdout == ""


def test_zip_slip_is_refused_before_anything_is_written(cli, tmp_path):
    victim = tmp_path / "outside" / "evil.txt"
    bag = tmp_path / "unpack-here"
    bag.mkdir()
    path = _zip(tmp_path / "slip.zip", [("bagit.txt", b"BagIt-Version: 1.0\n"), ("../outside/evil.txt", b"owned")])
    _refused(cli, path, "points outside the bundle folder")
    assert not victim.exists()
    absolute = _zip(tmp_path / "absolute.zip", [("bagit.txt", b"x"), (str(tmp_path / "abs-evil.txt"), b"owned")])
    _refused(cli, absolute, "points outside the bundle folder")
    assert not (tmp_path / "abs-evil.txt").exists()
    with pytest.raises(safezip.UnsafeBundle):
        safezip.extract_zip(path, bag)
    assert list(bag.iterdir()) == []  # refused on the central directory: nothing was written


def test_symlink_in_zip_is_refused(cli, tmp_path):
    link = zipfile.ZipInfo("bundle/data/link")
    link.create_system = 3
    link.external_attr = (0o120777) << 16
    path = _zip(tmp_path / "link.zip", [("bundle/bagit.txt", b"x"), (link, b"/etc/passwd")])
    _refused(cli, path, "symbolic link")


def test_absurd_declared_size_is_refused(cli, tmp_path):
    path = _zip(tmp_path / "bomb.zip", [("bundle/bagit.txt", b"x"), ("bundle/data/big.bin", b"\0" * 4096)])
    data = bytearray(path.read_bytes())
    # Patch the central directory's uncompressed size of the second entry to ~4 GiB.
    offset = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, offset + 24, 0xFFFFFFF0)
    path.write_bytes(bytes(data))
    _refused(cli, path, "decompression bomb")
    zeros = _zip(tmp_path / "zeros.zip", [("bundle/bagit.txt", b"x"), ("bundle/data/zeros", b"\0" * (16 << 20))])
    _refused(cli, zeros, "decompression bomb")
    bzip = tmp_path / "bzip2-bomb.zip"
    with zipfile.ZipFile(bzip, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("bundle/bagit.txt", b"x")
        archive.writestr("bundle/data/zeros", b"\0" * (32 << 20))
    _refused(cli, bzip, "decompression bomb")


def test_bundle_verifier_rejects_a_symlink_inside_a_bundle_folder(exported_case, cli, tmp_path):
    bag = exported_case.copy(tmp_path)
    os.symlink("/etc/hostname", bag / "data" / "artefacts" / "sneaky.txt")
    code, report, findings = verify(cli, bag)
    assert code == 1
    assert ("bundle-open", "data/artefacts/sneaky.txt") in findings


# -- the standalone verifier ----------------------------------------------------------------------------
def test_standalone_verifier_in_a_bare_virtual_environment(exported_case, tmp_path):
    """Only blake3, cryptography and rfc3161-client installed, and only the chain_of_custody package."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "blake3", "cryptography", "rfc3161-client"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    only = tmp_path / "only"
    shutil.copytree(ROOT / "chain_of_custody", only / "chain_of_custody", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(only), "HOME": str(tmp_path)}
    bare = subprocess.run(
        [str(python), "-c", "import evidence_kit"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert bare.returncode != 0  # nothing of the toolkit is reachable here
    ok = subprocess.run(
        [str(python), "-m", "chain_of_custody", "verify", str(exported_case.zip), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-2000:]
    report = json.loads(ok.stdout)
    assert report["ok"] and report["facts"]["case_id"] == "OP-2026-017"
    assert {c["name"] for c in report["checks"]} >= {
        "bag-manifest",
        "signature",
        "timestamp-signature",
        "wacz",
    }
    bag = exported_case.copy(tmp_path / "tampered")
    flip_byte(bag / artefact_path(bag, "screenshot"))
    bad = subprocess.run(
        [str(python), "-m", "chain_of_custody", "verify", str(bag)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert bad.returncode == 1
    assert "artefact-digest" in bad.stdout and "E01-screenshot-" in bad.stdout
