"""Exports that never finished: a record of each export in progress, kept in the case folder, so the next
command on the case finds what a killed export left beside its ``--out`` and removes it.

An export writes its bundle under a hidden name next to ``--out`` (``.NAME.partial-TOKEN`` and, for a zip,
``.NAME.partial-TOKEN.zip``) and renames it only when it is complete. Before it creates either, it writes
``<case>/.exports/TOKEN.json`` naming both paths and the process (host, pid, and the process's start time,
so a reused pid is not taken for the export); it deletes the record when it ends, finished or failed. A
``kill -9`` leaves the record behind. :func:`clean` then removes exactly the paths a record names, only
when the record's process is gone and each path still has the shape the record gives it, appends one
``cleanup`` custody event listing what it removed, and returns that so the caller can say so. A bundle
folder or zip that reached its final name is never touched: it is finished (it may only lack its
export event).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chain_of_custody.clock import rfc3339, utc_now
from chain_of_custody.keys import Identity

from .. import TOOL

if TYPE_CHECKING:  # the case module may call clean() when it opens a case for writing
    from ..case import Case

FOLDER = ".exports"  # in the case folder
FORMAT = "evidence-kit-export-in-progress/1"
TOKEN = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class Staging:
    """Where one export writes before its bundle gets its final name."""

    token: str
    folder: Path  # .NAME.partial-TOKEN
    zip: Path  # .NAME.partial-TOKEN.zip (used with --zip only)


@dataclass(frozen=True)
class Removed:
    path: Path
    kind: str  # "folder" or "zip"
    size: int
    pid: int
    started: str  # when the interrupted export began

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "kind": self.kind,
            "bytes": self.size,
            "pid": self.pid,
            "export_started": self.started,
        }

    def __str__(self) -> str:
        return (
            f"removed {self.path} ({self.size:,} bytes), left by an export (process {self.pid}) that "
            f"began {self.started} and never finished"
        )


def _process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), None if there is no such process.

    With it a pid the system has since given to another process is not taken for the export's.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        stat = ""
    if stat:
        return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after "pid (comm)"
    try:  # no /proc: whether the pid is alive is all there is to know
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "alive"


def _record_path(case_path: Path, token: str) -> Path:
    return case_path / FOLDER / f"{token}.json"


@contextmanager
def in_progress(case: Case, out: Path) -> Iterator[Staging]:
    """Record an export to ``out`` as in progress for as long as the ``with`` block runs."""
    token = secrets.token_hex(8)
    name = f".{out.name}.partial-{token}"
    staging = Staging(token, out.parent / name, out.parent / f"{name}.zip")
    pid = os.getpid()
    record = {
        "format": FORMAT,
        "host": socket.gethostname(),
        "pid": pid,
        "process_start": _process_start(pid),
        "started": rfc3339(utc_now()),
        "out": str(out.resolve()),
        "folder": str(staging.folder.resolve()),
        "zip": str(staging.zip.resolve()),
    }
    path = _record_path(case.path, token)
    path.parent.mkdir(exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)  # the record exists before anything it names does
    try:
        yield staging
    finally:
        path.unlink(missing_ok=True)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _stale(record: dict[str, Any]) -> bool:
    """True when the export's process is certainly gone (same host, and no process with its pid and start)."""
    if record.get("host") != socket.gethostname():
        return False  # a case folder on a share: another machine's export may still be running
    pid = record.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    now = _process_start(pid)
    return now is None or (now != record.get("process_start") and now != "alive")


def _owned(path_text: Any, token: str, kind: str) -> Path | None:
    """The path as the record names it, if it still has the shape an export gives it."""
    if not isinstance(path_text, str):
        return None
    path = Path(path_text)
    suffix = f".partial-{token}" + (".zip" if kind == "zip" else "")
    if not (path.is_absolute() and path.name.startswith(".") and path.name.endswith(suffix)):
        return None
    if path.is_symlink():
        return None
    if kind == "folder" and path.is_dir():
        return path
    if kind == "zip" and path.is_file():
        return path
    return None


def stale(case_path: Path) -> list[Path]:
    """Records of exports whose process is gone (what :func:`clean` would act on)."""
    folder = case_path / FOLDER
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and TOKEN.match(path.stem) and _stale(record):
            found.append(path)
    return found


def clean(case: Case, identity: Identity) -> list[Removed]:
    """Remove what interrupted exports of ``case`` left behind; one ``cleanup`` event records it."""
    removed: list[Removed] = []
    done: list[Path] = []
    for path in stale(case.path):
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # another command is cleaning up at the same moment
        token = path.stem
        for kind in ("folder", "zip"):
            target = _owned(record.get(kind), token, kind)
            if target is None:
                continue
            size = _size(target)
            try:
                if kind == "folder":
                    shutil.rmtree(target)
                else:
                    target.unlink()
            except FileNotFoundError:
                continue
            removed.append(Removed(target, kind, size, int(record["pid"]), str(record.get("started"))))
        done.append(path)
    if removed:
        case.append(
            identity,
            "cleanup",
            [],
            {
                "reason": "an export ended without finishing (its process is gone); what it left is removed",
                "removed": [r.to_json() for r in removed],
                "tool": TOOL,
                "host": socket.gethostname(),
            },
        )
    for path in done:  # only once the event holds what was removed
        path.unlink(missing_ok=True)
    return removed
