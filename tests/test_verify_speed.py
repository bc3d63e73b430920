"""Issue 16: verify hashes many artefacts on several threads with findings in the ledger's order, and
``verify --fast`` checks BLAKE3 only and says plainly that SHA-256 was not checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chain_of_custody import artefact_hashing, checks
from chain_of_custody.verify import verify_case
from evidence_kit.case import Case

FILES = 24


@pytest.fixture
def many_files_case(make_case, tmp_path: Path) -> tuple[Case, list[str]]:
    """A case with 24 added files of different sizes (two of them larger than one read)."""
    case = make_case()
    paths = []
    for n in range(FILES):
        path = tmp_path / f"file-{n:02}.bin"
        size = 5 * 1024 * 1024 if n in (3, 17) else 1000 + 37 * n
        path.write_bytes(os.urandom(size))
        paths.append(path)
    added = case.add_files(paths, case.identity(), source="seized laptop", then_pipeline=False)
    case.close()
    return case, [item.artefact.ledger_entry()["blake3"] for item in added]


def _flip(case: Case, digest: str, offset: int) -> Path:
    path = case.store.path_of(digest)
    os.chmod(path, 0o644)
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))
    return path


def test_parallel_verify_names_the_one_flipped_file_among_many(many_files_case):
    case, digests = many_files_case
    assert artefact_hashing.HASH_THREADS >= 2  # the parallel path runs
    assert verify_case(case.path).ok
    _flip(case, digests[17], 4 * 1024 * 1024 + 3)  # in the second read of a large file
    for n in (5, 13, 18, 20):  # 18 is small and right after a large file: it is hashed first
        _flip(case, digests[n], 10)
    (case.store.path_of(digests[11])).unlink()
    progress: list[tuple[int, int]] = []
    report = verify_case(case.path, on_progress=lambda done, total: progress.append((done, total)))
    assert [(f.check, f.where.split(" at ")[0].split()[1]) for f in report.findings] == [
        ("artefact-digest", digests[5]),
        ("artefact-present", digests[11]),
        ("artefact-digest", digests[13]),
        ("artefact-digest", digests[17]),
        ("artefact-digest", digests[18]),
        ("artefact-digest", digests[20]),
    ]  # the ledger's order, whatever thread finished first
    assert report.checks["artefact-digest"].checked == FILES - 1
    assert "SHA-256" in report.findings[0].message and "BLAKE3" in report.findings[0].message
    dones = [done for done, _ in progress]
    assert dones == sorted(dones) and progress[-1][0] == progress[-1][1] == report.facts["bytes"]
    again = verify_case(case.path)
    assert [f.to_json() for f in again.findings] == [f.to_json() for f in report.findings]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=os.environ, timeout=120)


@pytest.mark.parametrize("verifier", [("-m", "evidence_kit"), ("-m", "chain_of_custody")])
def test_fast_checks_blake3_and_says_sha256_was_not_checked(many_files_case, verifier):
    case, digests = many_files_case
    untouched = _cli(*verifier, "verify", str(case.path), "--fast")
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr
    first = untouched.stdout.splitlines()[0]
    assert first.startswith("VERIFIED, BUT NOT CHECKED: SHA-256 of the artefacts"), first
    assert "SHA-256 of the artefacts was not checked" in untouched.stdout
    data = json.loads(_cli(*verifier, "verify", str(case.path), "--fast", "--json").stdout)
    assert data["ok"] and not data["complete"] and data["not_checked"] == ["SHA-256 of the artefacts"]
    names = [c["name"] for c in data["checks"]]
    assert "artefact-blake3" in names and "artefact-digest" not in names
    full = json.loads(_cli(*verifier, "verify", str(case.path), "--json").stdout)
    assert full["complete"] and "artefact-digest" in [c["name"] for c in full["checks"]]

    _flip(case, digests[17], 4 * 1024 * 1024 + 3)
    tampered = _cli(*verifier, "verify", str(case.path), "--fast", "--json")
    assert tampered.returncode == 1
    report = json.loads(tampered.stdout)
    assert [(f["check"], f["where"].split()[1]) for f in report["findings"]] == [("artefact-blake3", digests[17])]
    assert "SHA-256 of the artefacts was not checked: verify --fast checks BLAKE3 and size only" in " ".join(
        report["warnings"]
    )


def test_both_verifiers_agree_on_fast(many_files_case):
    """Issue 10 §2 holds for --fast too: the same checks, counts, findings and statement from both."""
    case, digests = many_files_case
    _flip(case, digests[2], 0)
    kit = _cli("-m", "evidence_kit", "verify", str(case.path), "--fast", "--json")
    court = _cli("-m", "chain_of_custody", "verify", str(case.path), "--fast", "--json")
    assert kit.returncode == court.returncode == 1, kit.stderr + court.stderr
    a, b = json.loads(kit.stdout), json.loads(court.stdout)
    assert [(c["name"], c["checked"], c["failed"]) for c in a["checks"]] == [
        (c["name"], c["checked"], c["failed"]) for c in b["checks"]
    ]
    assert a["findings"] == b["findings"] and a["not_checked"] == b["not_checked"] == ["SHA-256 of the artefacts"]
    assert {c["name"] for c in a["checks"]} <= set(checks.ALL)


def test_work_is_shared_largest_first_and_a_file_beyond_its_share_is_split(tmp_path):
    """One file larger than its share of the work gets its SHA-256 and its BLAKE3 as two jobs (two cores
    at once), or every core with --fast; the rest go one file per thread, largest first."""
    sizes = {"video": 900, "a": 30, "b": 50, "c": 20}
    files = [(tmp_path / name, size) for name, size in sizes.items()]
    jobs = artefact_hashing._jobs(files, fast=False)
    assert [(job.path.name, job.part) for job in jobs] == [
        ("video", "sha256"),
        ("video", "blake3"),
        ("b", "both"),
        ("a", "both"),
        ("c", "both"),
    ]
    fast = artefact_hashing._jobs(files, fast=True)
    assert [(job.path.name, job.part) for job in fast][:2] == [("video", "blake3-all-cores"), ("b", "blake3-fast")]
    even = artefact_hashing._jobs([(tmp_path / "x", 10), (tmp_path / "y", 10)], fast=False)
    assert [job.part for job in even] == ["both", "both"]


@pytest.mark.parametrize("fast", [False, True])
def test_a_split_file_is_checked_whole(make_case, tmp_path, fast):
    """A case of one large file (hashed as two halves on two cores, or on every core): one flipped bit in
    its last read is found by the digest(s) checked; an empty file and an unrecorded one change nothing."""
    case = make_case()
    big, empty = tmp_path / "disk.img", tmp_path / "empty.txt"
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 5))
    empty.write_bytes(b"")
    added = case.add_files([big, empty], case.identity(), then_pipeline=False)
    digest = added[0].artefact.ledger_entry()["blake3"]
    case.close()
    stray = case.path / "artefacts" / "ab" / ("ab" * 32)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"not recorded")
    assert verify_case(case.path, fast=fast).ok
    _flip(case, digest, 3 * 1024 * 1024 + 1)
    progress: list[tuple[int, int]] = []
    report = verify_case(case.path, fast=fast, on_progress=lambda done, total: progress.append((done, total)))
    check = "artefact-blake3" if fast else "artefact-digest"
    assert [(f.check, f.where.split()[1]) for f in report.findings] == [(check, digest)]
    assert report.findings[0].message == (
        "the file was altered (BLAKE3 differ)" if fast else "the file was altered (BLAKE3, SHA-256 differ)"
    )
    assert report.checks[check].checked == 2 and progress[-1] == (report.facts["bytes"],) * 2
    assert any("no custody event records it" in w for w in report.warnings)


def test_the_store_is_listed_as_its_glob_lists_it(tmp_path):
    """``store_entries`` (os.scandir) lists what ``sorted(glob("??/*"))`` lists and is a file: hidden names,
    linked folders and files followed, a broken link, a deeper folder, a loose file and a longer folder
    name left out."""
    store = tmp_path / "artefacts"
    for folder in ("ab", ".c", "abc", "cd/sub", "Zz"):
        (store / folder).mkdir(parents=True)
    for name in ("ab/x", "ab/.hidden", ".c/y", "abc/z", "cd/w", "Zz/v", "ef"):
        (store / name).write_bytes(b"1")
    (store / "cd" / "link").symlink_to("../ab/x")
    (store / "cd" / "broken").symlink_to("/nonexistent")
    (store / "gh").symlink_to("ab")
    globbed = [path for path in sorted(store.glob("??/*")) if path.is_file()]
    listed = artefact_hashing.store_entries(tmp_path)
    assert [path for _, path in listed] == globbed
    assert [entry.name for entry, _ in listed] == [path.name for path in globbed]
    assert len(globbed) == 8
    assert artefact_hashing.store_entries(tmp_path / "none") == []
