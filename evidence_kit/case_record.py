"""Reading ``case.json``, the readable copy of a case's facts: a damaged one is named in one sentence.

A case.json that is not UTF-8, not JSON, not an object, or lacks the fields every command relies on
(``id``, the ``investigators`` with their names and key ids) makes the case unreadable; the error says
which case and what is wrong, and ``case list`` shows it beside the readable cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chain_of_custody.errors import CustodyError

MAX_CASE_JSON_BYTES = 16 << 20  # a case.json is a few kilobytes


class CaseUnreadable(CustodyError):
    """case.json cannot be used: the case folder is damaged (exit 2)."""


def _problem(info: Any) -> str | None:
    if not isinstance(info, dict):
        return f"it holds {type(info).__name__}, not a JSON object"
    if not isinstance(info.get("id"), str) or not info["id"]:
        return "it has no case id ('id')"
    investigators = info.get("investigators")
    if not isinstance(investigators, list) or not investigators:
        return "it lists no investigators ('investigators')"
    for number, item in enumerate(investigators):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("name", "key_id")):
            return f"investigator {number + 1} has no name and key id"
    for key in ("title", "created", "jurisdiction", "offence", "default_region", "organisation"):
        if info.get(key) is not None and not isinstance(info[key], str):
            return f"its {key!r} is not text"
    return None


def read_case_info(path: Path, name: str) -> dict[str, Any]:
    """The parsed ``case.json`` at ``path`` of the case called ``name``; :class:`CaseUnreadable` if damaged."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CASE_JSON_BYTES + 1)
    except OSError as exc:
        raise CaseUnreadable(f"case.json of {name} cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_CASE_JSON_BYTES:
        raise CaseUnreadable(f"case.json of {name} is larger than {MAX_CASE_JSON_BYTES:,} bytes: not a case record")
    try:
        info = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CaseUnreadable(f"case.json of {name} is not UTF-8 text (byte {exc.start})") from None
    except RecursionError:
        raise CaseUnreadable(f"case.json of {name} nests too deeply to be a case record") from None
    except ValueError as exc:
        raise CaseUnreadable(f"case.json of {name} is not valid JSON: {exc}") from None
    problem = _problem(info)
    if problem:
        raise CaseUnreadable(f"case.json of {name} is not a case record: {problem}")
    return info  # type: ignore[no-any-return]
