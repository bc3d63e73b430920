"""Temporary files written under a lock that proves who is writing them.

Every file evidence-kit renames into place inside a case is first written as
``<folder>/<prefix>-<pid>-<random>.partial`` while this process holds an exclusive ``flock`` on it
(see :mod:`chain_of_custody.leftovers`). When a command is killed the kernel drops the lock, so the
next command can prove the file is a leftover of a dead writer and remove it (:mod:`evidence_kit.cleanup`);
a file still being written is never touched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from chain_of_custody.leftovers import fcntl, temp_name


@contextmanager
def locked_temp(folder: Path, prefix: str) -> Iterator[tuple[BinaryIO, Path]]:
    """A new temporary file in ``folder``, open for writing and locked until the block ends.

    Rename it into place inside the block (the lock is held until then); on an exception it is removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        path = folder / temp_name(prefix, secrets.token_hex(8))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            break
        except FileExistsError:  # 64 random bits: only a fault would repeat
            continue
    try:
        sink = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    with sink:
        try:
            if fcntl is not None:
                fcntl.flock(sink.fileno(), fcntl.LOCK_EX)
            yield sink, path
        except BaseException:
            path.unlink(missing_ok=True)  # gone already when the rename happened before the failure
            raise


def write_atomically(path: Path, data: bytes, mode: int = 0o444) -> None:
    """Write ``path`` through a locked temporary file beside it, fsynced, then renamed into place."""
    with locked_temp(path.parent, "write") as (sink, temp):
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
