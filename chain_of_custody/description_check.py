"""A verify check: every description names the artefact its describe event says it describes.

A description is evidence about evidence; if one were swapped for another (or its source edited), a
report built from it would describe the wrong file. The ledger's ``describe`` events say which source
each description belongs to; the description's own JSON must agree, and the source must be recorded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .checks import describe
from .errors import Finding
from .index_rows import artefact_path
from .report import Report

CHECK = "description-source"
DESCRIPTION = describe(CHECK)


def check_descriptions(case_dir: Path, expected: dict[str, Any], report: Report) -> None:
    """The ``description-source`` check on a case folder (``expected``: the artefacts the chain walk found,
    by BLAKE3)."""
    ledger = case_dir / "ledger.sqlite"
    if not ledger.is_file():
        return
    connection = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=30)
    try:
        rows = connection.execute("SELECT seq, artefacts FROM events WHERE action = 'describe' ORDER BY seq").fetchall()
    except sqlite3.DatabaseError:
        return  # the ledger checks already report an unreadable ledger
    finally:
        connection.close()
    events = []
    for seq, artefacts in rows:
        try:
            entries = json.loads(artefacts)
        except ValueError:
            continue  # entry-hash and chain checks name this event
        events.append((seq, entries if isinstance(entries, list) else []))
    check_description_entries(events, expected, lambda digest: artefact_path(case_dir, digest), report)


def check_description_entries(
    events: Iterable[tuple[int, list[Any]]],
    expected: dict[str, Any],
    locate: Callable[[str], Path | None],
    report: Report,
) -> None:
    """The same check over (seq, artefact entries) of describe events, wherever the files are (a case
    folder, or a bundle's payload through ``locate``)."""
    for seq, entries in events:
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("role") != "metadata" or "source" not in entry:
                continue
            where = f"event {seq} description {entry.get('blake3')}"
            source = entry["source"]
            if source not in expected:
                report.fail(
                    CHECK,
                    DESCRIPTION,
                    Finding(CHECK, where, "describes an artefact the ledger never recorded", None, source),
                )
                continue
            path = locate(str(entry.get("blake3")))
            if path is None or not path.is_file():
                continue  # artefact-present reports the missing file
            try:
                named = json.loads(path.read_text("utf-8"))["source"]["blake3"]
            except (OSError, ValueError, KeyError, TypeError, RecursionError):  # a JSON nested too deep
                report.fail(CHECK, DESCRIPTION, Finding(CHECK, where, "is not a readable description", source, None))
                continue
            if named != source:
                report.fail(
                    CHECK,
                    DESCRIPTION,
                    Finding(CHECK, where, "names a different source than its event", source, named),
                )
            else:
                report.passed_item(CHECK, DESCRIPTION)
