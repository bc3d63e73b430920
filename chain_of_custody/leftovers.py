"""Temporary files a killed command leaves in a case folder, and how to tell them from files being written.

evidence-kit writes every file it later renames into place (an artefact on its way into the store, a
stamp record) under a name that says who writes it: ``<prefix>-<pid>-<random>``; the writer holds an
exclusive ``flock`` on the file while it writes. A file with such a name is a *leftover* when nobody
holds its lock and its writer is gone (the kernel drops the lock when a process dies, even by kill -9).
A file whose writer is alive but holds no lock (a reused pid) counts once it is older than
:data:`GRACE_SECONDS`. Temporary files that name no writer and take no lock (those of earlier versions,
and ``case.json.tmp``) count once nobody has touched them for :data:`LEGACY_GRACE_SECONDS`.

Stdlib only: ``chain_of_custody`` verifies a case without evidence-kit, and verify warns about what
:func:`leftovers` finds.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; only a file's age tells (no pid is checked there either)
    fcntl = None  # type: ignore[assignment]

__all__ = [  # fcntl too: evidence-kit's writers lock with the very module these checks test locks with
    "GRACE_SECONDS",
    "LEGACY_GRACE_SECONDS",
    "LEGACY_NAME",
    "TEMP_FOLDERS",
    "TEMP_NAME",
    "fcntl",
    "held",
    "interrupted_exports",
    "is_leftover",
    "leftovers",
    "temp_name",
    "writer_gone",
]

# Where evidence-kit writes temporary files, relative to the case folder.
TEMP_FOLDERS = ("artefacts/.incoming", "timestamps", ".")
TEMP_NAME = re.compile(r"^(?P<prefix>[A-Za-z0-9._]+)-(?P<pid>\d+)-(?P<token>[0-9a-f]{8,32})\.partial$")
GRACE_SECONDS = 60.0
# Written without a lock or a pid: mkstemp's "ingest-XXXXXXXX" of earlier versions in the store, a stamp
# record's "<seq>-<host>.tmp", and case.json.tmp. Each is written in well under a second.
LEGACY_NAME = re.compile(r"^(?:ingest-[a-z0-9_]{8}|\d{6}-[^/]+\.tmp|case\.json\.tmp)$")
LEGACY_GRACE_SECONDS = 600.0


def temp_name(prefix: str, token: str) -> str:
    """The name of a temporary file this process writes: ``temp_name("ingest", "9f2c…")``.

    >>> TEMP_NAME.match(temp_name("ingest", "0123abcd")) is not None
    True
    """
    return f"{prefix}-{os.getpid()}-{token}.partial"


def _alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def held(path: Path, unknown: bool = False) -> bool:
    """Whether a process holds the write lock on ``path`` right now (checked without blocking).

    ``unknown``: the answer when it cannot be told (no flock here, the file cannot be opened): a cleaner
    that must never remove a live writer's file asks with ``unknown=True``.
    """
    if fcntl is None:
        return unknown
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return unknown
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return unknown
    finally:
        os.close(fd)  # closing drops the shared lock taken above
    return False


def _age(path: Path, now: float | None) -> float | None:
    try:
        return (time.time() if now is None else now) - path.lstat().st_mtime
    except OSError:
        return None


def writer_gone(path: Path, now: float | None = None) -> bool:
    """Whether the writer of a temporary file is gone: its pid is not running, or nobody touched the file
    for its grace period (checks the name and the clock only; :func:`held` checks the lock)."""
    match = TEMP_NAME.match(path.name)
    if match is not None:
        if not _alive(int(match["pid"])):
            return True
        age = _age(path, now)
        return age is not None and age > GRACE_SECONDS
    if LEGACY_NAME.match(path.name):
        age = _age(path, now)
        return age is not None and age > LEGACY_GRACE_SECONDS
    return False


def is_leftover(path: Path, now: float | None = None) -> bool:
    """Whether ``path`` is an evidence-kit temporary file that nobody is writing any more."""
    if not (TEMP_NAME.match(path.name) or LEGACY_NAME.match(path.name)):
        return False
    if path.is_symlink() or not path.is_file():
        return False
    return not held(path) and writer_gone(path, now)


def leftovers(case_dir: Path) -> list[str]:
    """Temporary files in a case folder whose writer is gone, as paths relative to the folder.

    Reads only: nothing is removed or changed (evidence-kit's next write to the case cleans them).
    """
    found: list[str] = []
    for folder in TEMP_FOLDERS:
        where = case_dir / folder
        if not where.is_dir() or where.is_symlink():
            continue
        for path in sorted(where.iterdir()):
            if is_leftover(path):
                found.append(path.relative_to(case_dir).as_posix())
    return found


def interrupted_exports(case_dir: Path) -> list[str]:
    """Records in ``.exports/`` whose export is gone: an export holds a lock on its record while it runs."""
    folder = case_dir / ".exports"
    if fcntl is None or not folder.is_dir() or folder.is_symlink():
        return []
    return [f".exports/{record.name}" for record in sorted(folder.glob("*.json")) if not held(record, unknown=True)]
