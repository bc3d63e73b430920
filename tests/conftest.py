"""Shared fixtures: an isolated home and keys folder, a fixed clock, a case factory, a CLI runner.

Feature fixtures live in tests/fixtures/*.py (the local test site, the local TSA) and are loaded as
plugins below.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence_kit import config
from evidence_kit.case import Case

pytest_plugins: list[str] = [
    "tests.fixtures.tsa",
    "tests.fixtures.site",
    "tests.fixtures.media_files",
    "tests.fixtures.bundle",
]


class FixedClock:
    """A clock that advances one second per reading from 2026-03-01T09:00:00Z: ledgers are reproducible."""

    def __init__(self, start: datetime = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)):
        self._ticks = itertools.count()
        self.start = start

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=next(self._ticks))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cases home, keys folder, head journal and settings file; nothing leaks."""
    home = tmp_path / "cases"
    monkeypatch.setenv("EVIDENCE_KIT_HOME", str(home))
    monkeypatch.setenv("EVIDENCE_KIT_KEYS", str(tmp_path / "keys"))
    monkeypatch.setenv("EVIDENCE_KIT_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.setenv("EVIDENCE_KIT_JOURNAL", str(tmp_path / "journal"))
    monkeypatch.delenv("EVIDENCE_KIT_INVESTIGATOR", raising=False)
    return home


@pytest.fixture
def settings(isolated_env: Path) -> config.Settings:
    return config.load()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def make_case(settings: config.Settings, clock: FixedClock) -> Iterator[Callable[..., Case]]:
    opened: list[Case] = []

    def factory(
        case_id: str = "OP-2026-017",
        title: str = "Star Models recruitment ads",
        investigator: str = "Insp. A. Petrova",
        **kwargs: object,
    ) -> Case:
        case = Case.create(settings, case_id, title, investigator, clock=clock, **kwargs)  # type: ignore[arg-type]
        opened.append(case)
        return case

    yield factory
    for case in opened:
        case.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner) -> Callable[..., object]:
    """Run the CLI in-process: ``cli("case", "list", "--json")`` → click Result."""
    from evidence_kit.cli import app

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke
