"""The one multi-digest pass, the bag written with it, and the one artefact-ownership rule.

No browser: a small bag is written with ``BagWriter`` and checked by the outside tools (``bagit.py
--validate``, ``sha256sum -c``, ``b3sum -c``) and by our own bag check; a bag of the older layout with
SHA-512 manifests is still checked in full.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path

import blake3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chain_of_custody import bagit_check, ownership
from chain_of_custody.errors import VerificationFailed
from chain_of_custody.hashing import hash_bytes, hash_file, hash_stream
from chain_of_custody.ledger import Event
from chain_of_custody.report import Report
from evidence_kit.export.bag import BagWriter, write_tag_files
from tests.fixtures.bundle import venv_bin


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from([("blake3", "sha256"), ("sha256", "sha512", "blake3")]))
def test_hash_stream_takes_every_digest_asked_for_in_one_pass(data, algorithms):
    sink = io.BytesIO()
    found = hash_stream(io.BytesIO(data), sink=sink, algorithms=algorithms)
    assert sink.getvalue() == data and found.size == len(data)
    assert found.blake3 == "blake3:" + blake3.blake3(data).hexdigest()
    assert found.sha256 == "sha256:" + hashlib.sha256(data).hexdigest()
    if "sha512" in algorithms:
        assert found.hex("sha512") == hashlib.sha512(data).hexdigest()
        assert found.to_json()["sha512"] == "sha512:" + hashlib.sha512(data).hexdigest()
    else:
        assert found.more == () and set(found.to_json()) == {"blake3", "sha256", "size"}
        with pytest.raises(KeyError):
            found.digest("sha512")
    assert hash_bytes(data, algorithms) == found


def test_a_pass_without_the_identity_or_the_court_digest_is_refused():
    for algorithms in (("sha256", "sha512"), ("blake3",), ()):
        with pytest.raises(ValueError, match="always takes blake3 and sha256"):
            hash_bytes(b"x", algorithms)


def test_bag_written_by_hand_passes_the_outside_validators_and_our_check(tmp_path):
    source = tmp_path / "evidence.bin"
    source.write_bytes(bytes(range(256)) * 5000)
    expected = hash_file(source)
    bag = tmp_path / "bag"
    writer = BagWriter(bag)
    writer.copy_evidence(source, "data/artefacts/E01-file.bin", expected.blake3, expected.sha256, expected.size)
    writer.write_bytes("data/case.json", b'{"id": "OP-1"}\n')
    (bag / "data" / "report").mkdir(parents=True)
    (bag / "data" / "report" / "other writer.txt").write_text("written by another tool\n")
    writer.adopt("data/report/other writer.txt")
    assert writer.payload_oxum == f"{1280000 + 15 + 24}.3"
    tag_digest = write_tag_files(writer, [("External-Identifier", "OP-1")])
    assert tag_digest == "sha256:" + hashlib.sha256((bag / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    validated = subprocess.run([venv_bin("bagit.py"), "--validate", str(bag)], capture_output=True, text=True)
    assert validated.returncode == 0 and "is valid" in validated.stderr, validated.stderr
    for tool, manifest in (
        ("sha256sum", "manifest-sha256.txt"),
        ("b3sum", "manifest-blake3.txt"),
    ):
        checked = subprocess.run([tool, "-c", manifest], cwd=bag, capture_output=True, text=True)
        assert checked.returncode == 0 and checked.stdout.count(": OK") == 3, (tool, checked.stdout)
    assert not (bag / "manifest-sha512.txt").exists()
    assert (bag / "data/artefacts/E01-file.bin").stat().st_mode & 0o777 == 0o444
    report = Report(target=str(bag), kind="bundle")
    assert len(bagit_check.check_bag(bag, report)) == 3
    assert not report.findings and report.checks["bag-manifest"].checked == 3 * len(bagit_check.ALGORITHMS)


def test_the_sha256_line_of_an_evidence_copy_is_the_ledgers_once_blake3_proves_the_bytes(tmp_path):
    """The copy is checked by BLAKE3 and size only; its SHA-256 line is the ledger's, and it is true."""
    source = tmp_path / "evidence.bin"
    source.write_bytes(b"evidence " * 100_000)
    recorded = hash_file(source)
    writer = BagWriter(tmp_path / "bag")
    writer.copy_evidence(source, "data/artefacts/x.bin", recorded.blake3, recorded.sha256, recorded.size)
    writer.wait_for(["data/artefacts/x.bin"])
    assert writer.digests["data/artefacts/x.bin"] == recorded
    write_tag_files(writer, [("External-Identifier", "OP-1")])
    checked = subprocess.run(["sha256sum", "-c", "manifest-sha256.txt"], cwd=tmp_path / "bag", capture_output=True)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize("change", ["bytes", "size"])
def test_an_evidence_copy_that_is_not_the_ledgers_bytes_stops_the_export(tmp_path, change):
    source = tmp_path / "evidence.bin"
    source.write_bytes(b"original bytes")
    recorded = hash_file(source)
    if change == "bytes":
        source.write_bytes(b"altered bytes!")  # same size, other bytes
    writer = BagWriter(tmp_path / "bag")
    size = recorded.size if change == "bytes" else recorded.size + 1
    writer.copy_evidence(source, "data/artefacts/x.bin", recorded.blake3, recorded.sha256, size)
    with pytest.raises(VerificationFailed) as failed:
        writer.wait_for(["data/artefacts/x.bin"])
    assert failed.value.findings[0].check == "artefact-digest"
    with pytest.raises(VerificationFailed):
        write_tag_files(writer, [])  # no manifest is written over a copy that failed
    assert not (tmp_path / "bag" / "manifest-sha256.txt").exists()


def _old_layout_bag(tmp_path: Path) -> Path:
    """A bag as evidence-kit-bundle/1 wrote it: SHA-512 payload and tag manifests beside the others."""
    bag = tmp_path / "old"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "a.txt").write_bytes(b"exhibit\n")
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "bag-info.txt").write_bytes(b"Payload-Oxum: 8.1\n")
    algorithms = ("sha256", "sha512", "blake3")
    digest = hash_file(bag / "data" / "a.txt", algorithms=algorithms)
    for algorithm in algorithms:
        (bag / f"manifest-{algorithm}.txt").write_text(f"{digest.hex(algorithm)}  data/a.txt\n")
    tags = ["bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in algorithms)]
    for algorithm in algorithms:
        lines = "".join(f"{hash_file(bag / t, algorithms=algorithms).hex(algorithm)}  {t}\n" for t in tags)
        (bag / f"tagmanifest-{algorithm}.txt").write_text(lines)
    return bag


def test_a_bag_with_sha512_manifests_is_checked_against_them_too(tmp_path):
    bag = _old_layout_bag(tmp_path)
    report = Report(target=str(bag), kind="bundle")
    bagit_check.check_bag(bag, report)
    assert not report.findings and report.checks["bag-manifest"].checked == 3
    (bag / "manifest-sha512.txt").write_text("0" * 128 + "  data/a.txt\n")
    report = Report(target=str(bag), kind="bundle")
    bagit_check.check_bag(bag, report)
    found = {(f.check, f.where) for f in report.findings}
    assert ("bag-manifest", "manifest-sha512.txt: data/a.txt") in found
    assert ("bag-tagmanifest", "tagmanifest-sha256.txt: manifest-sha512.txt") in found
    (bag / "manifest-sha512.txt").unlink()  # removing it is caught by the tag manifests that list it
    report = Report(target=str(bag), kind="bundle")
    bagit_check.check_bag(bag, report)
    assert ("bag-tagmanifest", "tagmanifest-sha256.txt: manifest-sha512.txt") in {
        (f.check, f.where) for f in report.findings
    }


def test_a_case_file_that_no_longer_matches_is_refused_by_the_copy(tmp_path):
    source = tmp_path / "evidence.bin"
    source.write_bytes(b"original bytes")
    recorded = hash_file(source)
    source.write_bytes(b"altered bytes!")
    with pytest.raises(VerificationFailed) as failed:
        BagWriter(tmp_path / "bag").copy(source, "data/artefacts/x.bin", recorded.blake3, recorded.sha256)
    finding = failed.value.findings[0]
    assert finding.check == "artefact-digest" and finding.expected == recorded.blake3


def _event(seq: int, artefacts: list[dict], **details: str) -> Event:
    return Event(
        seq, "2026-03-01T09:00:00Z", "A", "k", "capture" if details else "describe", "C", artefacts, details, ""
    )


digests = st.sampled_from([f"blake3:{c}" for c in "abcdefgh"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["cap-1", "cap-2"])),
            st.lists(st.tuples(digests, st.one_of(st.none(), digests)), min_size=1, max_size=4),
        ),
        max_size=6,
    )
)
def test_ownership_follows_sources_back_to_the_captures_that_name_them(events):
    ledger = [
        _event(
            seq,
            [{"blake3": d, "role": "r", **({"source": s} if s else {})} for d, s in items],
            **({"capture_id": capture} if capture else {}),
        )
        for seq, (capture, items) in enumerate(events, 1)
    ]
    owned = ownership.trace(ledger)  # loops in the source chains (a hostile ledger) end too
    for digest in owned.first:
        direct = {
            e.details["capture_id"]
            for e in ledger
            for i in e.artefacts
            if i["blake3"] == digest and e.details.get("capture_id")
        }
        assert owned.direct.get(digest, frozenset()) == direct
        root = owned.root(digest)
        assert owned.captures(digest) == direct | owned.direct.get(root, frozenset())
        assert owned.capture(digest) == (min(owned.captures(digest)) if owned.captures(digest) else None)
        assert owned.first_seq(digest) == min(e.seq for e in ledger for i in e.artefacts if i["blake3"] == digest)


def test_ownership_ignores_entries_that_are_not_objects():
    hostile = Event(
        1,
        "t",
        "A",
        "k",
        "capture",
        "C",
        ["not an entry", {"blake3": "blake3:a"}],  # type: ignore[list-item]
        {"capture_id": "cap-1"},
        "",
    )
    assert ownership.trace([hostile]).captures("blake3:a") == {"cap-1"}


def test_bagit_python_is_only_a_test_dependency():
    """We write bags ourselves; bagit-python only validates them in tests (it has no BLAKE3)."""
    import ast
    import tomllib

    root = Path(__file__).resolve().parent.parent
    importers = []
    for package in ("evidence_kit", "chain_of_custody"):
        for source in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(source.read_text("utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                if any(name.split(".")[0] == "bagit" for name in names):
                    importers.append(source.relative_to(root).as_posix())
    assert importers == []
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.startswith("bagit")]
    assert [d for d in project["optional-dependencies"]["test"] if d.startswith("bagit")]
    assert [d for d in project["dependencies"] if d.startswith("jinja2")]
