"""Hashing a case's stored files on every core: which file goes to which thread, and the digests found.

Kept apart from :mod:`chain_of_custody.verify` so that either command line can start hashing a case's store
before it loads the rest of the checks (the signature and certificate libraries): on a case that is
mostly bytes, ``verify --fast`` is then hashing from its first few hundredths of a second (issue 16).
Only :mod:`chain_of_custody.hashing` and the standard library are imported here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .hashing import blake3_file, hash_file_here, sha256_file

# Artefacts are hashed on this many threads at once: hashlib and blake3 release the GIL, so each thread
# keeps a core busy (measured on 2 cores, 320 MiB in 40 files: threads 0.16 s, a fork process pool 0.17 s,
# one stream 0.36 s).
HASH_THREADS = max(2, os.cpu_count() or 2)
# What one byte costs each digest on one core, relative to SHA-256 (measured here: SHA-256 about
# 1.4 GiB/s, BLAKE3 on one thread about 4 GiB/s): how the work is shared out between the threads.
BLAKE3_COST = 0.35


class _Bytes:
    """Bytes hashed so far by every worker, read by the thread that reports progress."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = 0

    def counter(self) -> Callable[[int], None]:
        last = 0

        def add(size: int) -> None:
            nonlocal last
            with self.lock:
                self.done += size - last
            last = size

        return add


# One piece of hashing work: the file, which of its digests it takes, and its cost in SHA-256 bytes.
# ``part``: "both" (BLAKE3 and SHA-256 on one thread), "sha256" and "blake3" (the two halves of a split
# file), "blake3-fast" (verify --fast, one thread) and "blake3-all-cores" (verify --fast, a file larger
# than its share).
@dataclass(frozen=True)
class _Job:
    path: Path
    part: str
    cost: float


def _jobs(files: list[tuple[Path, int]], fast: bool) -> list[_Job]:
    """The hashing work for ``files`` (path, size), largest first.

    Largest first, so that no large file starts last while the other threads have nothing left to do.
    A file that would take longer than its fair share of all the work (one 2 GiB file, or one video among
    small photos) is split: its SHA-256 and its BLAKE3 are two jobs, on two cores at once, each reading
    the file (a copy from the page cache costs little beside SHA-256); with ``fast`` it is hashed on
    every core.
    """
    per_byte = BLAKE3_COST if fast else 1 + BLAKE3_COST
    share = sum(max(size, 0) for _, size in files) * per_byte / HASH_THREADS
    jobs = []
    for path, size in files:
        cost = max(size, 0) * per_byte
        if cost <= share:
            jobs.append(_Job(path, "blake3-fast" if fast else "both", cost))
        elif fast:
            jobs.append(_Job(path, "blake3-all-cores", cost))
        else:
            jobs.append(_Job(path, "sha256", max(size, 0)))
            jobs.append(_Job(path, "blake3", max(size, 0) * BLAKE3_COST))
    return sorted(jobs, key=lambda job: -job.cost)


def _run(job: _Job, on_bytes: Callable[[int], None] | None) -> dict[str, str | int]:
    """One job's digests and the size it read: {"blake3": …, "sha256": …, "size": …} as far as it took them."""
    if job.part == "both":
        digests = hash_file_here(job.path, on_progress=on_bytes)
        return {"blake3": digests.blake3, "sha256": digests.sha256, "size": digests.size}
    if job.part == "sha256":
        digest, size = sha256_file(job.path, on_progress=on_bytes)
        return {"sha256": digest, "size": size}
    digest, size = blake3_file(job.path, all_cores=job.part == "blake3-all-cores", on_progress=on_bytes)
    return {"blake3": digest, "size": size}


class Hashing:
    """Files being hashed on :data:`HASH_THREADS` threads (see :func:`_jobs`); their digests by path.

    :func:`verify_case` starts one on the files in the case's store before it walks the chain, so the
    cores hash while the ledger is read (the walk names the same files); :func:`check_artefacts` adds
    whatever was not started and takes the results.
    """

    def __init__(self, fast: bool) -> None:
        self.fast = fast
        self.hashed = _Bytes()
        self.pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="artefact-hash")
        self.futures: dict[Path, list[Future[dict[str, str | int]]]] = {}

    def add(self, files: list[tuple[Path, int]], progress: bool = True) -> None:
        """Start hashing the files (path, size) not started yet."""
        new = [(path, size) for path, size in dict(files).items() if path not in self.futures]
        for job in _jobs(new, self.fast):
            # the BLAKE3 half of a split file counts no progress: its SHA-256 half counts the file's bytes
            counter = self.hashed.counter() if progress and job.part != "blake3" else None
            self.futures.setdefault(job.path, []).append(self.pool.submit(_run, job, counter))

    def result(self, path: Path) -> list[dict[str, str | int]]:
        """The digests the file's jobs found (a worker's error is raised here)."""
        return [future.result() for future in self.futures[path]]

    def running(self) -> list[Future[dict[str, str | int]]]:
        return [future for futures in self.futures.values() for future in futures if not future.done()]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Hashing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start(case_dir: Path, fast: bool, progress: bool) -> Hashing:
    """Start hashing every file in a case's store (see :func:`stored_files`); the caller closes it.

    :func:`chain_of_custody.verify.verify_case` takes it as ``started`` and hashes whatever else the
    ledger names; the findings are the same as when it starts the hashing itself.
    """
    hashing = Hashing(fast)
    try:
        hashing.add(stored_files(case_dir.resolve()), progress=progress)
    except BaseException:
        hashing.close()
        raise
    return hashing


def stored_files(case_dir: Path) -> list[tuple[Path, int]]:
    """The files in a case's store under a digest name, and their sizes."""
    found = []
    for entry, path in store_entries(case_dir):
        try:
            if len(entry.name) == 64:
                found.append((path, entry.stat().st_size))
        except OSError:
            continue  # the walk and check_artefacts name it
    return found


def store_entries(case_dir: Path) -> list[tuple[os.DirEntry[str], Path]]:
    """Every file in a case's store (``artefacts/??/*``, symbolic links followed, hidden names too), in
    the order of their paths: what ``sorted(store.glob("??/*"))`` gives and is a file.

    Read with :func:`os.scandir`: for 320 files, 2-2.5 ms against 5-5.7 ms through pathlib's glob, and
    the store is listed before the hashing starts (issue 16).
    """
    store = case_dir / "artefacts"
    try:
        with os.scandir(store) as entries:
            folders = sorted(entry.name for entry in entries if len(entry.name) == 2 and entry.is_dir())
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    found: list[tuple[os.DirEntry[str], Path]] = []
    for folder in folders:
        try:
            with os.scandir(store / folder) as entries:
                files = sorted((entry for entry in entries if entry.is_file()), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue  # as glob skips a folder it cannot read
        here = store / folder
        found.extend((entry, here / entry.name) for entry in files)
    return found
