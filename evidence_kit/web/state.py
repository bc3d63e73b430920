"""What the UI remembers per case that is not evidence: the thumbnail blur setting and the MLA fields.

Kept in ``<home>/.ui/<case id>/`` (outside the case folder: the case holds only what the ledger
records). Neither is ever read by an exporter or a verifier except the MLA fields, which are passed to
``export_case`` as the form the investigator filled, exactly as ``export --mla FORM.json`` would be.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import Settings
from ..staging import write_atomically


def _folder(settings: Settings, case_id: str) -> Path:
    return settings.home / ".ui" / case_id


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), mode=0o600)


def preferences(settings: Settings, case_id: str) -> dict[str, Any]:
    """``blur``: thumbnails of this case's screenshots are blurred until clicked (default True)."""
    found = _read(_folder(settings, case_id) / "preferences.json")
    return {"blur": bool(found.get("blur", True))}


def set_blur(settings: Settings, case_id: str, blur: bool) -> None:
    _write(_folder(settings, case_id) / "preferences.json", {**preferences(settings, case_id), "blur": blur})


def mla_fields(settings: Settings, case_id: str) -> dict[str, Any]:
    return _read(_folder(settings, case_id) / "mla-form.json")


def save_mla_fields(settings: Settings, case_id: str, form: dict[str, Any]) -> None:
    _write(_folder(settings, case_id) / "mla-form.json", form)


def bundles_folder(settings: Settings, case_id: str, create: bool = True) -> Path:
    """Where the UI writes the bundles it exports (a download then copies one out). The case id comes
    from the request's path: one that is not a case id (``..``) is InvalidInput, never a folder."""
    from ..case import validate_case_id

    folder = settings.home / ".ui" / validate_case_id(case_id) / "bundles"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder
