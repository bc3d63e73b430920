"""An export killed with SIGKILL while it writes its zip: the next export finds what it left (by the record
the killed one kept in the case folder), removes exactly that, records it in the ledger and says so.

Real processes, real signals: ``python -m evidence_kit export`` runs as a subprocess and is stopped with
SIGSTOP (alive: nothing of it may be touched) and then killed with SIGKILL (gone: its leftovers go). The
export after it runs with ``bagit`` made unimportable, as it is where only the run-time dependencies
are installed.
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

from evidence_kit.export import leftovers

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the report PDF is printed with Chromium

CASE_ID = "OP-9"
# The exporter as the console script runs it, with bagit-python blocked (it is a test dependency only).
WITHOUT_BAGIT = "import sys; sys.modules['bagit'] = None; from evidence_kit.cli import main; sys.argv[0] = 'x'; main()"


def _export(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", WITHOUT_BAGIT, "export", CASE_ID, "--out", str(out), *extra]


@pytest.fixture
def large_case(cli, tmp_path: Path) -> Path:
    """A case whose zip takes a moment to write: one 48 MB file that does not compress."""
    assert cli("case", "create", CASE_ID, "--title", "Crash case", "--investigator", "Insp. A").exit_code == 0
    blob = tmp_path / "disk-image.bin"
    blob.write_bytes(os.urandom(48 * 1024 * 1024))
    assert cli("add", str(blob), "--case", CASE_ID).exit_code == 0
    blob.unlink()
    out = tmp_path / "out"
    out.mkdir()
    return out


def _wait_for(pattern: str, folder: Path, process: subprocess.Popen[bytes], timeout: float = 120.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
        assert process.poll() is None, "the export ended before it could be interrupted"
        time.sleep(0.005)
    raise AssertionError(f"no {pattern} appeared in {folder}")


def _ledger(cli) -> list[dict]:
    return json.loads(cli("ledger", CASE_ID, "--json").stdout)


def test_a_killed_export_is_cleaned_up_by_the_next_one_and_a_live_one_is_left_alone(
    cli, large_case: Path, isolated_env: Path
):
    out = large_case
    env = dict(os.environ)
    victim = subprocess.Popen(
        _export(out / "b", "--zip"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        partial_zip = _wait_for(".b.zip.partial-*.zip", out, victim)
        os.kill(victim.pid, signal.SIGSTOP)  # alive, frozen in the middle of writing its zip
        left = sorted(out.glob(".b.zip.partial-*"))
        assert [p.name for p in left] == [partial_zip.name.removesuffix(".zip"), partial_zip.name]
        assert left[0].is_dir() and (left[0] / "bagit.txt").is_file()  # the staged bag, complete
        records = list((isolated_env / CASE_ID / leftovers.FOLDER).glob("*.json"))
        assert len(records) == 1 and json.loads(records[0].read_text())["pid"] == victim.pid

        # Another export meanwhile: the stopped one is alive, so nothing of it is touched.
        meanwhile = subprocess.run(_export(out / "c", "--json"), env=env, capture_output=True, text=True)
        assert meanwhile.returncode == 0, meanwhile.stderr
        assert json.loads(meanwhile.stdout)["cleaned"] == []
        assert all(p.exists() for p in left) and records[0].exists()
        assert "cleanup" not in {e["action"] for e in _ledger(cli)}
    finally:
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
    assert victim.returncode == -signal.SIGKILL
    stranger = out / ".b.zip.partial-0123456789abcdef"  # looks the same, but no record names it
    stranger.mkdir()

    after = subprocess.run(_export(out / "d", "--json"), env=env, capture_output=True, text=True)
    assert after.returncode == 0, after.stderr
    cleaned = json.loads(after.stdout)["cleaned"]
    assert len(cleaned) == 2 and all(f"process {victim.pid}" in line for line in cleaned)
    assert after.stderr.count("cleaned up: removed ") == 2
    assert not any(p.exists() for p in left)
    assert stranger.is_dir()
    assert not list((isolated_env / CASE_ID / leftovers.FOLDER).glob("*"))
    cleanup = [e for e in _ledger(cli) if e["action"] == "cleanup"]
    assert len(cleanup) == 1
    removed = cleanup[0]["details"]["removed"]
    assert [(Path(r["path"]).name, r["kind"]) for r in removed] == [(left[0].name, "folder"), (left[1].name, "zip")]
    assert removed[0]["bytes"] > 48 * 1024 * 1024 and all(r["pid"] == victim.pid for r in removed)
    # Only the finished bundles and the stranger remain; the case and the new bundle verify.
    assert sorted(p.name for p in out.iterdir()) == [stranger.name, "c", "d"]
    assert cli("verify", CASE_ID).exit_code == 0
    assert cli("verify", str(out / "d")).exit_code == 0
    # The cleanup itself is not repeated: the next export finds nothing to do.
    again = subprocess.run(_export(out / "e", "--json"), env=env, capture_output=True, text=True)
    assert again.returncode == 0 and json.loads(again.stdout)["cleaned"] == []
