"""Issue 16: what a command loads when it starts. Guarded by the modules imported, never by a stopwatch:
``python -X importtime`` names every module a whole process imported, whatever the machine's load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from evidence_kit.cli import app
from evidence_kit.cli.application import for_arguments

# Never needed to verify a case without stamps or WACZ keys, nor to print help.
HEAVY = (
    "pydantic",  # typer 0.29 checks every parameter with it (pinned below 0.29 in pyproject.toml)
    "playwright",
    "lxml",
    "PIL",
    "phonenumbers",
    "jinja2",
    "starlette",
    "warcio",
    # signatures are checked with libsodium and public keys kept raw: cryptography is for keys written or in
    # another form, RFC 3161 tokens, WACZ keys, and a verifier without PyNaCl
    "cryptography",
    "rfc3161_client",
    "concurrent.futures.process",  # ledgers of 20,000 events and more only
)


def imported(*args: str) -> set[str]:
    """Every module ``python -X importtime ARGS`` imported (the command must succeed)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, env=os.environ, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line.split("|")[-1] for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {name.strip() for name in lines[1:]}  # the first line is the header


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY))


@pytest.fixture
def empty_case(make_case) -> Path:
    case = make_case()
    case.close()
    return case.path


@pytest.mark.parametrize("as_json", [False, True])
def test_verify_of_an_empty_case_loads_nothing_heavy(empty_case, as_json):
    modules = imported("-m", "evidence_kit", "verify", str(empty_case), *(["--json"] if as_json else []))
    assert "chain_of_custody.verify" in modules  # the check ran
    assert heavy_in(modules) == []
    # verify runs without the command-line libraries: its own parser, the standalone verifier's printer
    assert not any(m.split(".")[0] in ("rich", "typer") for m in modules)


def test_help_loads_nothing_heavy():
    modules = imported("-m", "evidence_kit", "--help")
    assert heavy_in(modules) == []
    assert "chain_of_custody.verify" not in modules and not any(m.startswith("rich") for m in modules)


def test_the_standalone_verifier_loads_neither_the_toolkit_nor_anything_heavy(empty_case):
    modules = imported("-m", "chain_of_custody", "verify", str(empty_case))
    assert "chain_of_custody.verify" in modules
    assert heavy_in(modules) == []
    assert not any(m.split(".")[0] in ("evidence_kit", "typer", "rich") for m in modules)


def test_the_narrowed_application_is_the_whole_one_for_its_command(runner):
    """main() builds only the command named first (for_arguments); what it parses and prints is the same."""
    whole = typer.main.get_command(app)
    for name in whole.commands:  # type: ignore[attr-defined]
        narrowed = for_arguments([name, "--help"])
        assert narrowed is not app and list(typer.main.get_command(narrowed).commands) == [name]  # type: ignore[attr-defined]
        for args in ([name, "--help"], [name, "--no-such-option"]):
            mine, theirs = runner.invoke(narrowed, args), runner.invoke(app, args)
            assert (mine.exit_code, mine.output) == (theirs.exit_code, theirs.output), args
    for args in ([], ["--help"], ["--home", "x", "verify"], ["verifyy"]):
        assert for_arguments(args) is app
