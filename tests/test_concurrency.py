"""Four writers on one case at once, as real processes: no false alarm, no traceback, no lost event.

Three ``add`` loops and one ``timestamp`` loop (the real local TSA) run ``python -m evidence_kit`` side
by side; auto-stamping is on, so every ``add`` also stamps. Afterwards the untampered case must verify,
every command must have exited 0 with its event in the ledger, and no stderr may hold a traceback or
``database is locked``.

``EVIDENCE_KIT_CONCURRENCY_ROUNDS`` sets the rounds per writer (default 3, enough to race in CI in
well under a minute; the issue asks for 100 when run by hand).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from evidence_kit.devtools.local_tsa import LocalTsa

ROUNDS = int(os.environ.get("EVIDENCE_KIT_CONCURRENCY_ROUNDS", "3"))
CASE_ID = "OP-RACE-1"


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def evidence_kit(env: dict[str, str], *args: str) -> Run:
    result = subprocess.run(
        [sys.executable, "-m", "evidence_kit", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    return Run(list(args), result.returncode, result.stdout, result.stderr)


@pytest.fixture
def env(tmp_path: Path, local_tsa: LocalTsa) -> dict[str, str]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"tsas": [local_tsa.settings_entry()]}), "utf-8")
    return {
        **os.environ,
        "EVIDENCE_KIT_HOME": str(tmp_path / "cases"),
        "EVIDENCE_KIT_KEYS": str(tmp_path / "keys"),
        "EVIDENCE_KIT_CONFIG": str(config),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }


def test_four_concurrent_writers_leave_a_case_that_verifies(env, tmp_path):
    created = evidence_kit(env, "case", "create", CASE_ID, "--title", "race", "--investigator", "Insp. A. Petrova")
    assert created.returncode == 0, created.stderr
    runs: list[Run] = []
    lock = threading.Lock()

    def adder(writer: int) -> None:
        for n in range(ROUNDS):
            source = tmp_path / f"w{writer}-{n}.txt"
            source.write_bytes(f"writer {writer} round {n} ".encode() + os.urandom(64))
            run = evidence_kit(env, "add", str(source), "--case", CASE_ID, "--json")
            with lock:
                runs.append(run)

    def stamper() -> None:
        for _ in range(ROUNDS):
            run = evidence_kit(env, "timestamp", CASE_ID, "--json")
            with lock:
                runs.append(run)

    threads = [threading.Thread(target=adder, args=(w,)) for w in range(3)] + [threading.Thread(target=stamper)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(runs) == 4 * ROUNDS
    for run in runs:
        assert "Traceback" not in run.stderr, run.stderr
        assert "database is locked" not in run.stderr, run.stderr
        assert run.returncode == 0, (run.args, run.stderr)

    ledger = evidence_kit(env, "ledger", CASE_ID, "--json")
    assert ledger.returncode == 0, ledger.stderr
    events = {event["seq"]: event for event in json.loads(ledger.stdout)}
    for run in runs:
        if run.args[0] == "add":
            [row] = json.loads(run.stdout)
            event = events[row["event"]]
            assert event["action"] == "add" and event["artefacts"][0]["blake3"] == row["blake3"]
        else:
            for stamp in json.loads(run.stdout)["stamps"]:
                assert events[stamp["event"]]["action"] == "timestamp"
                assert events[stamp["event"]]["details"]["serial"] == stamp["serial"]
    assert sum(1 for e in events.values() if e["action"] == "add") == 3 * ROUNDS

    verify = evidence_kit(env, "verify", CASE_ID, "--json")
    report = json.loads(verify.stdout)
    assert verify.returncode == 0, [f for f in report["findings"]]
    assert "Traceback" not in verify.stderr
