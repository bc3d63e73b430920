"""kill -9 at awkward moments: the next command removes what the dead one left, says so, and the case verifies.

Real processes (``python -m evidence_kit``), real signals, a real sparse file of a few hundred MB and
the real local TSA.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chain_of_custody.leftovers import leftovers
from evidence_kit.devtools.local_tsa import LocalTsa

CASE_ID = "OP-KILL-1"
BIG = 400 * 1024 * 1024


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "EVIDENCE_KIT_HOME": str(tmp_path / "cases"),
        "EVIDENCE_KIT_KEYS": str(tmp_path / "keys"),
        "EVIDENCE_KIT_CONFIG": str(tmp_path / "config.json"),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }


def command(env: dict[str, str], *args: str) -> list[str]:
    return [sys.executable, "-m", "evidence_kit", *args]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command(env, *args), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def new_case(env: dict[str, str], tmp_path: Path) -> Path:
    assert run(env, "case", "create", CASE_ID, "--title", "kills", "--investigator", "Insp. A. Petrova").returncode == 0
    return tmp_path / "cases" / CASE_ID


def sparse_file(path: Path, size: int = BIG) -> Path:
    with open(path, "wb") as handle:
        handle.write(b"%PDF-1.4\n")
        handle.truncate(size)
    return path


def wait_for_partial(incoming: Path, at_least: int, process: subprocess.Popen[bytes]) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the add finished before it could be interrupted"
        for path in incoming.glob("ingest-*") if incoming.is_dir() else []:
            try:
                if path.stat().st_size >= at_least:
                    return path
            except FileNotFoundError:
                continue
        time.sleep(0.01)
    raise AssertionError("no partial ingest file appeared")


def events(env: dict[str, str]) -> list[dict[str, object]]:
    result = run(env, "ledger", CASE_ID, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def verify_ok(env: dict[str, str]) -> dict[str, object]:
    result = run(env, "verify", CASE_ID, "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0, report["findings"]
    return report


def test_kill_during_add_leaves_nothing_the_next_command_does_not_clean(env, tmp_path):
    case_dir = new_case(env, tmp_path)
    big = sparse_file(tmp_path / "disk-image.pdf")
    process = subprocess.Popen(
        command(env, "add", str(big), "--case", CASE_ID), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    partial = wait_for_partial(case_dir / "artefacts" / ".incoming", 16 * 1024 * 1024, process)
    assert partial.name.startswith(f"ingest-{process.pid}-")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    size = partial.stat().st_size
    assert 0 < size < BIG
    # The court expert's verifier sees it (read-only) before anything cleans it.
    assert leftovers(case_dir) == [f"artefacts/.incoming/{partial.name}"]
    warned = verify_ok(env)["warnings"]  # verify warns about it, and cleans nothing
    assert [w for w in warned if partial.name in w and "interrupted command" in w]
    assert [e["action"] for e in events(env)] == ["case-create"]  # reading does not clean

    recorded = run(env, "ledger", "record", CASE_ID, "--action", "note", "--note", "after the crash")
    assert recorded.returncode == 0, recorded.stderr
    assert list((case_dir / "artefacts" / ".incoming").iterdir()) == []
    assert leftovers(case_dir) == []
    log = events(env)
    assert [e["action"] for e in log] == ["case-create", "cleanup", "note"]
    cleanup = log[1]["details"]
    assert cleanup["removed"] == [{"path": f"artefacts/.incoming/{partial.name}", "size": size}]
    assert cleanup["bytes"] == size and cleanup["files"] == 1
    verify_ok(env)


def test_a_file_still_being_written_is_never_cleaned(env, tmp_path):
    """A stopped (not dead) writer still holds its lock: another command leaves its file alone, however old."""
    case_dir = new_case(env, tmp_path)
    big = sparse_file(tmp_path / "disk-image.pdf", 200 * 1024 * 1024)
    process = subprocess.Popen(
        command(env, "add", str(big), "--case", CASE_ID, "--json"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        partial = wait_for_partial(case_dir / "artefacts" / ".incoming", 8 * 1024 * 1024, process)
        os.kill(process.pid, signal.SIGSTOP)
        assert leftovers(case_dir) == []
        # Stalled for minutes (its pid could as well be a reused one): only its lock still protects it.
        old = time.time() - 600
        os.utime(partial, (old, old))
        assert leftovers(case_dir) == []
        assert run(env, "ledger", "record", CASE_ID, "--action", "note").returncode == 0
        assert partial.exists()
    finally:
        os.kill(process.pid, signal.SIGCONT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    [row] = json.loads(out)
    assert [e["action"] for e in events(env)][:3] == ["case-create", "note", "add"]
    assert row["size"] == big.stat().st_size
    verify_ok(env)


def test_kill_during_timestamp_right_after_the_tsa_answers(env, tmp_path, local_tsa: LocalTsa):
    """The stamp's files are written in the few milliseconds after the TSA answers: kill -9 there, at
    several delays, until kills have really left files behind; each time the next command cleans them,
    records it, and the case verifies."""
    Path(env["EVIDENCE_KIT_CONFIG"]).write_text(
        json.dumps({"tsas": [local_tsa.settings_entry()], "auto_timestamp": False}), "utf-8"
    )
    case_dir = new_case(env, tmp_path)
    delays = (0.0, 0.004, 0.008, 0.012, 0.016, 0.02, 0.03, 0.05)
    cut_short = 0
    for n in range(24):
        evidence = tmp_path / f"photo-{n}.txt"
        evidence.write_bytes(os.urandom(2048))
        assert run(env, "add", str(evidence), "--case", CASE_ID).returncode == 0
        answered = local_tsa.requests
        process = subprocess.Popen(
            command(env, "timestamp", CASE_ID), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        while local_tsa.requests == answered and process.poll() is None:
            time.sleep(0.0002)
        time.sleep(delays[n % len(delays)])
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        after = run(env, "ledger", "record", CASE_ID, "--action", "note", "--note", f"after kill {n}")
        assert after.returncode == 0, after.stderr
        assert leftovers(case_dir) == []
        assert not list((case_dir / "artefacts" / ".incoming").iterdir())
        assert not list((case_dir / "timestamps").glob("*.partial"))
        log = events(env)
        if log[-2]["action"] == "cleanup":
            removed = [item["path"] for item in log[-2]["details"]["removed"]]
            assert all(f"-{process.pid}-" in path for path in removed), removed
            cut_short += 1
        verify_ok(env)
        if cut_short >= 2:
            break
    assert cut_short >= 1, "no kill landed while the stamp's files were being written"
    # Whatever was cut short, a full stamp afterwards still works and covers what is pending.
    assert run(env, "timestamp", CASE_ID).returncode == 0
    report = verify_ok(env)
    assert report["facts"]["timestamp_pending"] == 0


def test_leftovers_of_earlier_versions_are_cleaned_once_nobody_touched_them_for_long(make_case):
    """Earlier versions named temporary files without a pid or lock (mkstemp's ``ingest-XXXXXXXX``, a
    stamp record's ``.tmp``, ``case.json.tmp``): they count once untouched for ten minutes."""
    case = make_case()
    incoming = case.path / "artefacts" / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    (case.path / "timestamps").mkdir(exist_ok=True)
    old = time.time() - 3600
    stale = {
        incoming / "ingest-k2v9_x0a": 5000,
        case.path / "timestamps" / "000004-127.0.0.1.tmp": 300,
        case.path / "case.json.tmp": 40,
    }
    for path, size in stale.items():
        path.write_bytes(b"\0" * size)
        os.utime(path, (old, old))
    fresh = incoming / "ingest-abcd1234"  # as if an older version were writing it right now
    fresh.write_bytes(b"\0" * 10)
    unrelated = incoming / "notes.txt"
    unrelated.write_bytes(b"not ours")
    os.utime(unrelated, (old, old))
    assert leftovers(case.path) == [
        "artefacts/.incoming/ingest-k2v9_x0a",
        "timestamps/000004-127.0.0.1.tmp",
        "case.json.tmp",
    ]
    case.identity()  # what every writing command does first
    [cleanup] = [e for e in case.events() if e.action == "cleanup"]
    assert cleanup.details["bytes"] == 5340 and cleanup.details["files"] == 3
    assert not any(path.exists() for path in stale)
    assert fresh.exists() and unrelated.exists()
    assert leftovers(case.path) == []
    case.identity()
    assert [e.action for e in case.events()].count("cleanup") == 1  # nothing left: no second event
