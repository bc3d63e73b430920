"""Exports that never finished: a record of each export in progress, kept in the case folder, so the next
command on the case finds what a killed export left beside its ``--out`` and removes it.

An export writes its bundle under a hidden name next to ``--out`` (``.NAME.partial-TOKEN`` and, for a zip,
``.NAME.partial-TOKEN.zip``) and renames it only when it is complete. Before it creates either, it creates
``<case>/.exports/TOKEN.json`` naming both paths and takes an exclusive ``flock`` on it, held until the
export ends (the record is deleted then, finished or failed). The kernel drops the lock when the process
dies, even by ``kill -9``: a record nobody holds is proof that its export is gone, whatever pid the
system has since handed out. :func:`clean` takes the lock itself, removes exactly the paths the record
names (if they still have the shape an export gives them), appends one ``cleanup`` custody event listing
what it removed, and returns that so the caller can say so. A bundle folder or zip that reached its final
name is never touched: it is finished (it may only lack its export event).

Where ``flock`` does not exist (Windows), nothing is proven and nothing is removed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chain_of_custody.clock import Clock, rfc3339, utc_now
from chain_of_custody.keys import Identity
from chain_of_custody.leftovers import held

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

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
    kind: str  # "folder", "zip", or "record" (a record torn by the kill, naming nothing yet)
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
        if self.kind == "record":
            return f"removed {self.path}, the unreadable record of an export killed as it began"
        return (
            f"removed {self.path} ({self.size:,} bytes), left by an export (process {self.pid}) that "
            f"began {self.started} and never finished"
        )


def _record_path(case_path: Path, token: str) -> Path:
    return case_path / FOLDER / f"{token}.json"


@contextmanager
def in_progress(case: Case, out: Path, clock: Clock = utc_now) -> Iterator[Staging]:
    """Record an export to ``out`` as in progress (and hold the record's lock) while the block runs."""
    token = secrets.token_hex(8)
    name = f".{out.name}.partial-{token}"
    staging = Staging(token, out.parent / name, out.parent / f"{name}.zip")
    record = {
        "format": FORMAT,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": rfc3339(clock()),
        "out": str(out.resolve()),
        "folder": str(staging.folder.resolve()),
        "zip": str(staging.zip.resolve()),
    }
    path = _record_path(case.path, token)
    path.parent.mkdir(exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # before anything the record names exists
        os.write(fd, json.dumps(record, indent=2).encode("utf-8"))
        os.fsync(fd)
        yield staging
    finally:
        path.unlink(missing_ok=True)  # while the lock is still held: a cleaner finds no record to act on
        os.close(fd)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _claim(path: Path) -> int | None:
    """The record's lock, taken, if its export is gone; None if an export (or another cleaner) holds it."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_nlink == 0 or not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("removed meanwhile")  # the export ended, or another cleaner finished, as we opened it
    except OSError:
        os.close(fd)
        return None
    return fd


def _owned(record: dict[str, Any], token: str, kind: str) -> Path | None:
    """The path of this kind the record names, if it is exactly where and what an export to the record's
    ``out`` writes: a hidden sibling of ``out`` carrying the record's token."""
    out, named = record.get("out"), record.get(kind)
    if not (isinstance(out, str) and isinstance(named, str) and Path(out).is_absolute()):
        return None
    expected = Path(out).parent / (f".{Path(out).name}.partial-{token}" + (".zip" if kind == "zip" else ""))
    path = Path(named)
    if path != expected or path.is_symlink():
        return None
    if kind == "folder" and path.is_dir():
        return path
    if kind == "zip" and path.is_file():
        return path
    return None


def _records(case_path: Path) -> list[Path]:
    folder = case_path / FOLDER
    if not folder.is_dir() or folder.is_symlink():
        return []
    return [p for p in sorted(folder.glob("*.json")) if TOKEN.match(p.stem) and not p.is_symlink()]


def stale(case_path: Path) -> list[Path]:
    """Records of exports that are gone, their leftovers not removed yet (reads only; for verify to warn)."""
    return [path for path in _records(case_path) if not held(path, unknown=True)]


def _read(fd: int) -> dict[str, Any] | None:
    try:
        with os.fdopen(os.dup(fd), "rb") as handle:
            record = json.loads(handle.read(1 << 16))
    except (OSError, ValueError):
        return None  # torn by the kill while it was being written: it names nothing yet
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None


def clean(case: Case, identity: Identity) -> list[Removed]:
    """Remove what interrupted exports of ``case`` left behind; one ``cleanup`` event records it."""
    removed: list[Removed] = []
    claimed: list[tuple[Path, int]] = []
    try:
        for path in _records(case.path):
            fd = _claim(path)
            if fd is None:
                continue
            claimed.append((path, fd))
            record = _read(fd)
            if record is None:
                removed.append(Removed(path, "record", os.fstat(fd).st_size, 0, "unknown"))
                continue
            if record.get("host") != socket.gethostname():
                claimed.pop()  # a case folder on a share: another machine's lock may not reach here
                os.close(fd)
                continue
            for kind in ("folder", "zip"):
                target = _owned(record, path.stem, kind)
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
                pid = record.get("pid")
                removed.append(
                    Removed(target, kind, size, pid if isinstance(pid, int) else 0, str(record.get("started")))
                )
        if removed:
            from .. import TOOL  # the version is read on first use

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
        for path, _ in claimed:  # only once the event holds what was removed
            path.unlink(missing_ok=True)
    finally:
        for _, fd in claimed:
            os.close(fd)
    return removed
