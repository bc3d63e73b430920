"""Settings: environment > settings file > defaults.

The settings file is ``$EVIDENCE_KIT_CONFIG`` or ``~/.config/evidence-kit/config.json``. Keys:
``home``, ``keys_dir``, ``investigator``, ``organisation``, ``role``, ``chromium``, ``tsas``
(a list of ``{"url": …, "roots": ["/path/ca.pem"], "certificates": ["/path/tsa.pem"]}``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidInput

TSA_TIMEOUT = 15.0  # seconds to wait for each TSA (here, so the CLI shows it without loading the TSA client)


def _config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "evidence-kit"


@dataclass(frozen=True)
class TsaSetting:
    url: str
    roots: tuple[Path, ...] = ()
    certificates: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Settings:
    home: Path
    keys_dir: Path
    investigator: str | None = None
    organisation: str | None = None
    role: str | None = None
    chromium: str | None = None
    tsas: tuple[TsaSetting, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


def settings_file() -> Path:
    return Path(os.environ.get("EVIDENCE_KIT_CONFIG") or _config_dir() / "config.json")


_TEXT_KEYS = ("home", "keys_dir", "investigator", "organisation", "role", "chromium")


def _check_settings(data: Any, path: Path) -> None:
    """Refuse a settings file whose keys have the wrong shape, naming the key (one line, exit 2)."""

    def bad(what: str) -> InvalidInput:
        return InvalidInput(f"settings file {path}: {what}")

    if not isinstance(data, dict):
        raise bad("must hold one JSON object")
    for key in _TEXT_KEYS:
        if data.get(key) is not None and (not isinstance(data[key], str) or "\0" in data[key]):
            raise bad(f"{key!r} must be text")
    tsas = data.get("tsas", [])
    if not isinstance(tsas, list):
        raise bad("'tsas' must be a list of TSAs")
    for number, item in enumerate(tsas, 1):
        if isinstance(item, str):
            continue
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise bad(f"TSA {number} in 'tsas' must be a URL or an object with a 'url'")
        for key in ("roots", "certificates"):
            files = item.get(key, [])
            if not isinstance(files, list) or not all(isinstance(f, str) and "\0" not in f for f in files):
                raise bad(f"'{key}' of TSA {number} must be a list of file paths")


def load(home: str | Path | None = None) -> Settings:
    path = settings_file()
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text("utf-8"))
        except OSError as exc:
            raise InvalidInput(f"settings file {path} cannot be read: {exc.strerror}") from None
        except RecursionError:
            raise InvalidInput(f"settings file {path} nests too deeply") from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise InvalidInput(f"settings file {path} is not valid JSON: {exc}") from None
        _check_settings(data, path)
    env = os.environ
    chosen_home = home or env.get("EVIDENCE_KIT_HOME") or data.get("home") or "cases"
    keys_dir = env.get("EVIDENCE_KIT_KEYS") or data.get("keys_dir") or _config_dir() / "keys"
    tsas = []
    for item in data.get("tsas", []):
        if isinstance(item, str):
            item = {"url": item}
        tsas.append(
            TsaSetting(
                item["url"],
                tuple(Path(p) for p in item.get("roots", [])),
                tuple(Path(p) for p in item.get("certificates", [])),
            )
        )
    return Settings(
        home=Path(chosen_home).expanduser(),
        keys_dir=Path(keys_dir).expanduser(),
        investigator=env.get("EVIDENCE_KIT_INVESTIGATOR") or data.get("investigator"),
        organisation=env.get("EVIDENCE_KIT_ORGANISATION") or data.get("organisation"),
        role=env.get("EVIDENCE_KIT_ROLE") or data.get("role"),
        chromium=env.get("EVIDENCE_KIT_CHROMIUM") or data.get("chromium"),
        tsas=tuple(tsas),
        raw=data,
    )
