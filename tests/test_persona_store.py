"""Persona commands and the store on disk (issue 13): no browser needed.

Personas live beside the settings file (``EVIDENCE_KIT_CONFIG``, per test), in 0700 folders of 0600
files; an encrypted one holds no value in the clear and opens only with its passphrase.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence_kit import config
from evidence_kit.cli import app
from evidence_kit.personas.store import PersonaStore

from .persona_site import PASSPHRASE, cookies_txt


def test_persona_commands_and_the_store_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    txt = cookies_txt(tmp_path / "c.txt", "S" * 20 + "secretsid", "T" * 20 + "secrettok")
    made = runner.invoke(
        app, ["persona", "create", "eve", "--platform", "Twitter", "--handle", "@eve", "--cookies", str(txt), "--json"]
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["platform"] == "x"
    listed = json.loads(runner.invoke(app, ["persona", "list", "--json"]).stdout)
    assert [p["name"] for p in listed] == ["eve"]
    shown = runner.invoke(app, ["persona", "show", "eve"])
    assert "@eve" in shown.output and "secretsid" not in shown.output and "secrettok" not in shown.output
    folder = tmp_path / "personas" / "eve"  # beside the settings file (EVIDENCE_KIT_CONFIG), outside the cases
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    # Encrypted: the secrets file holds no value, and the wrong passphrase opens nothing.
    monkeypatch.setenv("EVIDENCE_KIT_PERSONA_PASSPHRASE", PASSPHRASE)
    sealed = runner.invoke(app, ["persona", "create", "vera", "--platform", "vk", "--cookies", str(txt), "--encrypt"])
    assert sealed.exit_code == 0, sealed.output
    raw = (tmp_path / "personas" / "vera" / "secrets.sealed").read_bytes()
    assert b"secretsid" not in raw and not (tmp_path / "personas" / "vera" / "secrets.json").exists()
    store = PersonaStore.for_settings(config.load())
    assert store.unlock("vera").state["cookies"][0]["value"].endswith("secretsid")
    monkeypatch.setenv("EVIDENCE_KIT_PERSONA_PASSPHRASE", "wrong")
    with pytest.raises(Exception, match="wrong passphrase"):
        store.unlock("vera")
    again = runner.invoke(app, ["persona", "create", "eve", "--platform", "vk", "--cookies", str(txt)])
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(app, ["persona", "delete", "eve"]).exit_code == 0
    assert not folder.exists()
    assert runner.invoke(app, ["persona", "show", "eve"]).exit_code == 2


def test_a_storage_state_and_bad_imports(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.txt"
    bad.write_text("not\ta cookie line\n")
    result = runner.invoke(app, ["persona", "create", "x1", "--platform", "vk", "--cookies", str(bad)])
    assert result.exit_code == 2 and "not a cookies.txt line" in result.output
    state = tmp_path / "s.json"
    state.write_text('{"cookies": [{"name": "a"}]}')
    result = runner.invoke(app, ["persona", "create", "x2", "--platform", "vk", "--storage-state", str(state)])
    assert result.exit_code == 2 and "needs a name, a value and a domain" in result.output
    result = runner.invoke(app, ["persona", "create", "x3", "--platform", "myspace", "--storage-state", str(state)])
    assert result.exit_code == 2 and "unknown platform" in result.output


def test_login_without_a_display_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = CliRunner().invoke(app, ["persona", "create", "nod", "--platform", "vk", "--login", "https://vk.com/"])
    assert result.exit_code == 2
    assert "no display" in result.output and "--cookies FILE or --storage-state FILE" in result.output


def test_the_persona_folder_may_not_be_inside_the_cases_folder(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCE_KIT_PERSONAS", str(isolated_env / "personas"))
    result = CliRunner().invoke(app, ["persona", "list"])
    assert result.exit_code == 2 and "personas live outside every case" in result.output


def test_keep_cookies_is_refused_with_a_persona(make_case: object, tmp_path: Path) -> None:
    case = make_case()  # type: ignore[operator]
    runner = CliRunner()
    txt = cookies_txt(tmp_path / "c.txt", "a1" * 10, "b2" * 10)
    assert runner.invoke(app, ["persona", "create", "kc", "--platform", "vk", "--cookies", str(txt)]).exit_code == 0
    result = runner.invoke(
        app,
        ["capture", "http://127.0.0.1:9/", "--case", case.id, "--persona", "kc", "--keep-cookies", "--allow-private"],
    )
    assert result.exit_code == 2 and "--keep-cookies is for public captures" in result.output
    result = runner.invoke(
        app, ["capture", "http://127.0.0.1:9/", "--case", case.id, "--persona", "nobody", "--allow-private"]
    )
    assert result.exit_code == 2 and "no persona named nobody" in result.output
