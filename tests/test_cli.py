"""The command contract of ../shared/CLI.md for the foundation, run in-process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pytest
import typer

from evidence_kit.cli import app


def walk(command: Any, path: tuple[str, ...] = ()):
    """Every command under a group (typer's own click or the standalone one: a group has ``commands``)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


def test_every_command_has_help_text(runner):
    root = typer.main.get_command(app)
    walked = [path for path, _ in walk(root)]
    assert ("case", "add-investigator") in walked and ("verify",) in walked and len(walked) > 20
    for path, command in walk(root):
        assert (command.help or "").strip(), f"{' '.join(path)} has no help"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "usage" in result.stdout.lower()  # click says "Usage", verify (argparse) "usage"


def test_walkthrough_create_add_record_show_verify(cli, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 photo of the flat")
    result = cli(
        "case",
        "create",
        "OP-2026-017",
        "--title",
        "Star Models recruitment ads",
        "--investigator",
        "Insp. A. Petrova",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["id"] == "OP-2026-017" and created["head"].startswith("1:blake3:")

    result = cli("add", str(photo), "--case", "OP-2026-017", "--source", "handed over by witness W-3", "--json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["event"] == 2 and row["sha256"].startswith("sha256:") and os.path.isabs(row["path"])

    result = cli(
        "ledger",
        "record",
        "OP-2026-017",
        "--action",
        "handover",
        "--to",
        "Prosecutor M. Ionescu",
        "--note",
        "sealed USB, bag 44",
    )
    assert result.exit_code == 0 and "(handover)" in result.stdout

    events = json.loads(cli("ledger", "OP-2026-017", "--json").stdout)
    actions = [e["action"] for e in events]
    # After 'add' the pipeline may append automatic events (describe, timestamp) before the handover.
    assert actions[:2] == ["case-create", "add"] and actions[-1] == "handover"
    assert events[-1]["details"]["to"] == "Prosecutor M. Ionescu"
    assert f"Recorded event {len(events)} (handover)" in result.stdout
    table = cli("ledger", "OP-2026-017").stdout
    assert "handover" in table and f"head: {len(events)}:blake3:" in table

    shown = json.loads(cli("case", "show", "OP-2026-017", "--json").stdout)
    assert shown["events"] == len(events)
    [added] = [a for a in shown["artefacts"] if a["blake3"] == row["blake3"]]
    assert added["role"] == "added-file" and added["path"] == row["path"]
    listed = json.loads(cli("case", "list", "--json").stdout)
    assert listed == [
        {
            "id": "OP-2026-017",
            "title": "Star Models recruitment ads",
            "created": created["created"],
            "events": len(events),
            "artefacts": len(shown["artefacts"]),
        }
    ]

    result = cli("verify", "OP-2026-017", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ok"] is True

    result = cli("verify", str(photo), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["facts"]["cases"][0]["case_id"] == "OP-2026-017"
    assert report["facts"]["cases"][0]["history"][0]["action"] == "add"
    stranger = tmp_path / "stranger.txt"
    stranger.write_bytes(b"never added")
    result = cli("verify", str(stranger))
    assert result.exit_code == 1 and "no case" in result.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["case", "show", "NOPE"], "no case NOPE"),
        (["case", "create", "../evil", "--title", "t", "--investigator", "i"], "invalid case id"),
        (["case", "create", "a/b", "--title", "t", "--investigator", "i"], "invalid case id"),
        (["case", "create", "..", "--title", "t", "--investigator", "i"], "invalid case id"),
        (["case", "create", "OP-1", "--title", "t", "--investigator", "i"], "already exists"),
        (["add", "/no/such/file", "--case", "OP-1"], "no such file"),
        (["add", "/tmp", "--case", "OP-1"], "is a folder"),
        (["add", "/etc/hostname", "--case", "NOPE"], "no case NOPE"),
        (["ledger", "record", "OP-1", "--action", "destroy"], "unknown custody action"),
        (["ledger", "record", "OP-1", "--action", "handover"], "needs --to"),
        (["verify", "/no/such/thing"], "neither a case"),
        (["verify", "OP-1", "--expect-head", "garbage"], "not a ledger head"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(cli, args, message):
    assert cli("case", "create", "OP-1", "--title", "t", "--investigator", "Insp. A").exit_code == 0
    before = cli("ledger", "OP-1", "--json").stdout
    result = cli(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert cli("ledger", "OP-1", "--json").stdout == before


def test_a_corrupt_ledger_is_one_line_exit_2(cli, isolated_env):
    assert cli("case", "create", "OP-1", "--title", "t", "--investigator", "Insp. A").exit_code == 0
    ledger = isolated_env / "OP-1" / "ledger.sqlite"
    for extra in ("-wal", "-shm"):
        ledger.with_name(ledger.name + extra).unlink(missing_ok=True)
    ledger.write_bytes(b"garbage" * 1000)
    result = cli("ledger", "OP-1")
    assert result.exit_code == 2 and "not a readable ledger" in result.stderr
    assert cli("verify", "OP-1").exit_code == 1


def test_console_script_and_module_entry_points(tmp_path):
    exe = shutil.which("evidence-kit", path=os.path.dirname(sys.executable))
    assert exe, "console script not installed"
    for command in ([exe, "--help"], [sys.executable, "-m", "evidence_kit", "--help"]):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0 and "verify" in result.stdout
    result = subprocess.run([exe, "case", "show", "NOPE"], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
