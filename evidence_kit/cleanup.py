"""Removing what a killed command left in a case, and saying so in the ledger.

Run by the first command that writes to a case (when it names the acting investigator): every file
:func:`chain_of_custody.leftovers.leftovers` proves is a dead writer's temporary file is removed, and one
``cleanup`` event records which files and how many bytes (ISO/IEC 27037: document every action on the
evidence store, including housekeeping). Nothing else in the case is touched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chain_of_custody.hashing import hash_file
from chain_of_custody.keys import Identity
from chain_of_custody.ledger import Event
from chain_of_custody.leftovers import fcntl, leftovers, writer_gone

from .machine import machine_facts
from .staging import write_atomically

if TYPE_CHECKING:
    from .case import Case

ACTION = "cleanup"


def _remove(path: Path) -> int | None:
    """Remove ``path`` if it is still a leftover once we hold its lock; its size, or None if left alone."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # gone already: another command cleaned it first
        return None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # a writer has it after all
                return None
        if not writer_gone(path):
            return None
        size = os.fstat(fd).st_size
        try:
            path.unlink()
        except FileNotFoundError:
            return None
        return size
    finally:
        os.close(fd)


def clean_leftovers(case: Case, identity: Identity) -> Event | None:
    """Remove the case's leftovers and record one ``cleanup`` event; None when there was nothing.

    Opens the ledger first: a command about to write fails on a damaged ledger before it stores a byte.
    """
    case.ledger  # noqa: B018
    removed: list[dict[str, Any]] = []
    for name in leftovers(case.path):
        size = _remove(case.path / name)
        if size is not None:
            removed.append({"path": name, "size": size})
    # Readable copies a killed command did not write (case.json, a capture record's copy), written again
    # from the signed records; what stood there before is named by its digest.
    restored: list[dict[str, Any]] = []
    for name, data in case.readable_copies_behind():
        target = case.path / name
        previous = hash_file(target).blake3 if target.is_file() else None
        write_atomically(target, data, mode=0o644 if name == "case.json" else 0o444)
        restored.append({"path": name, "from_signed_records": True, "previous": previous})
    if not removed and not restored:
        return None
    details: dict[str, Any] = {
        "reason": "leftovers of an interrupted command (its process is gone)",
        "removed": removed,
        "files": len(removed),
        "bytes": sum(item["size"] for item in removed),
        **machine_facts(),
    }
    if restored:
        details["restored"] = restored
    return case.append(identity, ACTION, details=details)
