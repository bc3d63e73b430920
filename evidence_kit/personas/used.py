"""The personas a case's captures used, and the secret values to look for in what leaves the case."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..errors import InvalidInput


@dataclass
class CaseSecrets:
    """What to look for (value bytes → what it is), and the personas that could not be opened, and why."""

    wanted: dict[bytes, str] = field(default_factory=dict)
    personas: list[str] = field(default_factory=list)
    unchecked: dict[str, str] = field(default_factory=dict)  # persona → why its secrets are not known here


def names_in(records: Iterable[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for record in records:
        persona = record.get("persona") if isinstance(record, dict) else None
        name = persona.get("name") if isinstance(persona, dict) else None
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def records_in_folder(folder: Path) -> list[dict[str, Any]]:
    """The capture records' readable copies in a case (``captures/``) or a bundle (``data/captures/``)."""
    found = []
    for path in sorted([*folder.glob("captures/*.json"), *folder.glob("data/captures/*.json")]):
        try:
            found.append(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError):
            continue
    return found


def secrets_for(
    settings: config.Settings, records: Iterable[dict[str, Any]], passphrase: str | None = None
) -> CaseSecrets:
    """The secrets of every persona the records name, as far as they can be opened on this machine."""
    found = CaseSecrets()
    names = names_in(records)
    if not names:
        return found
    # here, not at the top: scan loads the capture's redaction rules, and the store its vault, which a
    # verify of a case no persona captured (the usual one) never needs
    from . import scan, vault
    from .store import PersonaStore

    store = PersonaStore.for_settings(settings)
    passphrase = passphrase if passphrase is not None else os.environ.get(vault.PASSPHRASE_ENV)
    for name in names:
        found.personas.append(name)
        if not store.exists(name):
            found.unchecked[name] = "it is not among this machine's personas (deleted, or made elsewhere)"
            continue
        try:
            unlocked = store.unlock(name, passphrase)
        except InvalidInput as exc:
            found.unchecked[name] = str(exc)
            continue
        for needle, what in scan.needles(unlocked.secrets()).items():
            found.wanted.setdefault(needle, f"{what} of persona {name}")
    return found


def folder_warnings(settings: config.Settings, folder: Path) -> list[str]:
    """``verify``'s warnings for a case or bundle folder: a file holding a persona's secret value."""
    secrets = secrets_for(settings, records_in_folder(folder))
    warnings = [f"persona {n}'s secrets could not be looked for: {why}" for n, why in secrets.unchecked.items()]
    if secrets.wanted:
        from . import scan

        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            hit = scan.find_in_file(path, path.relative_to(folder).as_posix(), secrets.wanted)
            if hit is not None:
                warnings.append(f"{hit.file} holds a secret value ({hit.name}): do not hand this folder over")
    return warnings


def zip_warnings(settings: config.Settings, path: Path) -> list[str]:
    """The same for a zipped bundle: its capture records are read from the zip, then every member."""
    import zipfile

    records = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if "/data/captures/" in info.filename and info.filename.endswith(".json") and info.file_size < 64 << 20:
                    try:
                        records.append(json.loads(archive.read(info)))
                    except ValueError:
                        continue
    except (OSError, zipfile.BadZipFile):
        return []  # verify itself says what is wrong with the zip
    secrets = secrets_for(settings, records)
    warnings = [f"persona {n}'s secrets could not be looked for: {why}" for n, why in secrets.unchecked.items()]
    if not secrets.wanted:
        return warnings
    from . import scan

    hit = scan.find_in_file(path, path.name, secrets.wanted)
    if hit is not None:
        warnings.append(f"{hit.file} holds a secret value ({hit.name}): do not hand this bundle over")
    return warnings
