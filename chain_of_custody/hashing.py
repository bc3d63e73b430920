"""File digests: BLAKE3 and SHA-256 (and, when asked, SHA-512 or another hashlib digest) in one streamed pass.

BLAKE3 is an artefact's identity; SHA-256 is what courts, TSAs, BagIt and ``sha256sum`` check; BagIt bags
also carry SHA-512 (RFC 8493 2.4). Every hash function releases the GIL, so BLAKE3 runs on a worker thread
beside the others on the reading thread, chunk by chunk: the pair costs about as much as SHA-256 alone.
This is the one multi-digest loop: the store, the exporter and both verifiers call :func:`hash_stream`
(as bagit-python's ``get_hashers`` serves both bag creation and validation).
"""

from __future__ import annotations

import mmap
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import blake3

MIB = 1024 * 1024
CHUNK = 4 * MIB

# Every pass takes at least these two: the artefact's identity and the digest the world checks.
ALGORITHMS = ("blake3", "sha256")

# One shared worker for the BLAKE3 side of every pass in this process.
_BLAKE3_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blake3")


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class Digests:
    """The digests and size of one byte stream, as self-describing strings.

    >>> d = hash_bytes(b"abc")
    >>> d.digest("sha256") == d.sha256 and d.hex("sha256") == d.sha256.removeprefix("sha256:")
    True
    >>> hash_bytes(b"abc", algorithms=("blake3", "sha256", "sha512")).hex("sha512")[:16]
    'ddaf35a193617aba'
    """

    blake3: str  # "blake3:<64 hex>"
    sha256: str  # "sha256:<64 hex>"
    size: int
    more: tuple[str, ...] = ()  # the further digests asked for, e.g. ("sha512:<128 hex>",)

    def digest(self, algorithm: str) -> str:
        """The self-describing digest for ``algorithm``; KeyError if this pass did not take it."""
        for value in (self.blake3, self.sha256, *self.more):
            if value.startswith(f"{algorithm}:"):
                return value
        raise KeyError(algorithm)

    def hex(self, algorithm: str) -> str:
        """The bare hex digest for ``algorithm``, as BagIt manifests and ``sha256sum`` hold them."""
        return self.digest(algorithm).split(":", 1)[1]

    def to_json(self) -> dict[str, str | int]:
        """How an event names the bytes: BLAKE3, SHA-256 and size (and any further digest taken)."""
        data: dict[str, str | int] = {"blake3": self.blake3, "sha256": self.sha256, "size": self.size}
        for value in self.more:
            data[value.split(":", 1)[0]] = value
        return data


def hashers(algorithms: Sequence[str] = ALGORITHMS) -> dict[str, Any]:
    """A fresh hash object per algorithm (``blake3`` or any hashlib name); BLAKE3 and SHA-256 are required."""
    missing = [name for name in ALGORITHMS if name not in algorithms]
    if missing:
        raise ValueError(f"a digest pass always takes {' and '.join(ALGORITHMS)}; missing {', '.join(missing)}")
    import hashlib

    return {name: blake3.blake3() if name == "blake3" else hashlib.new(name) for name in dict.fromkeys(algorithms)}


def blake3_digest(data: bytes) -> str:
    return "blake3:" + blake3.blake3(data).hexdigest()


def _result(found: dict[str, Any], size: int) -> Digests:
    more = tuple(f"{name}:{h.hexdigest()}" for name, h in found.items() if name not in ALGORITHMS)
    return Digests("blake3:" + found["blake3"].hexdigest(), "sha256:" + found["sha256"].hexdigest(), size, more)


def hash_stream(
    reader: BinaryIO,
    sink: Sink | None = None,
    on_chunk: Callable[[bytes], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    algorithms: Sequence[str] = ALGORITHMS,
) -> Digests:
    """Hash everything ``reader`` yields, copying it to ``sink`` on the way if given.

    ``on_chunk`` sees each chunk once (e.g. to sniff the file type from the first bytes);
    ``on_progress`` receives the number of bytes done so far; ``algorithms`` adds digests beyond
    BLAKE3 and SHA-256 (``("blake3", "sha256", "sha512")`` for a BagIt bag), found in ``Digests.more``.
    """
    found = hashers(algorithms)
    b3 = found["blake3"]
    others = [h for name, h in found.items() if name != "blake3"]
    size = 0
    pending = None
    while True:
        chunk = reader.read(CHUNK)
        if pending is not None:
            pending.result()
        if not chunk:
            break
        pending = _BLAKE3_WORKER.submit(b3.update, chunk)
        for hasher in others:
            hasher.update(chunk)
        if sink is not None:
            sink.write(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
        size += len(chunk)
        if on_progress is not None:
            on_progress(size)
    return _result(found, size)


def hash_file(
    path: Path, on_progress: Callable[[int], None] | None = None, algorithms: Sequence[str] = ALGORITHMS
) -> Digests:
    with open(path, "rb", buffering=0) as handle:
        return hash_stream(handle, on_progress=on_progress, algorithms=algorithms)


def hash_bytes(data: bytes, algorithms: Sequence[str] = ALGORITHMS) -> Digests:
    found = hashers(algorithms)
    for hasher in found.values():
        hasher.update(data)
    return _result(found, len(data))


# Verification hashes each stored file in pieces of this size, read into one buffer that each thread keeps
# (:func:`read_pieces`): both digests of a piece are taken while it is in the processor's cache, and no
# page of a fresh buffer is faulted in per read (3.6 s with a fresh 4 MiB ``bytes`` per read against 2.0 s
# into one 1 MiB buffer, SHA-256 alone).
SLICE = MIB
FAST_SLICE = 64 * MIB  # verify --fast of a large file: mapped, BLAKE3 on every core, progress between slices

_BUFFERS = threading.local()  # each hashing thread's own read buffer, kept from file to file


def read_pieces(path: Path, step: int = SLICE) -> Iterator[memoryview]:
    """A file's bytes in pieces of up to ``step``, read into this thread's buffer: each piece is valid until
    the next is asked for. Where SHA-256 is taken beside BLAKE3, both digests read the piece while it is in
    the processor's cache: measured on 2 cores, 320 files of 8 MiB on two threads, 1.36-1.44 s against
    1.59-1.63 s through a memory map (Intel Xeon; AMD EPYC 0.93 s against 1.00 s), where each digest
    reads the mapped page cache itself. BLAKE3 alone is mapped (:func:`blake3_file`)."""
    kept = getattr(_BUFFERS, "buffer", None)
    buffer = kept if kept is not None and len(kept) == step else bytearray(step)
    _BUFFERS.buffer = None  # taken: a second reader on this thread meanwhile gets a buffer of its own
    try:
        with open(path, "rb", buffering=0) as handle, memoryview(buffer) as view:
            while read := handle.readinto(buffer):
                with view[:read] as piece:
                    yield piece
    finally:
        _BUFFERS.buffer = buffer


def mapped_pieces(path: Path, step: int) -> Iterator[memoryview]:
    """A file's bytes in slices of ``step``, read through a memory map: for BLAKE3 on every core, where
    the hash function's threads read the page cache themselves and a read into a buffer would be one
    core's copy while the others wait. An empty file yields nothing (it cannot be mapped)."""
    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        if not size:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            if hasattr(mapped, "madvise"):
                mapped.madvise(mmap.MADV_SEQUENTIAL)  # read ahead, as a read() loop would get
            with memoryview(mapped) as view:
                for start in range(0, len(view), step):
                    with view[start : start + step] as piece:
                        yield piece


def hash_file_here(path: Path, on_progress: Callable[[int], None] | None = None) -> Digests:
    """BLAKE3 and SHA-256 of a file, both on the calling thread, one :data:`SLICE` at a time.

    For verifying many files at once, one file per worker thread: each thread keeps a core busy with its
    own file (hashlib and blake3 release the GIL).
    """
    import hashlib

    b3 = blake3.blake3()
    sha = hashlib.sha256()
    size = 0
    for piece in read_pieces(path):
        sha.update(piece)
        b3.update(piece)
        size += len(piece)
        if on_progress is not None:
            on_progress(size)
    return Digests("blake3:" + b3.hexdigest(), "sha256:" + sha.hexdigest(), size)


def sha256_file(path: Path, on_progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """SHA-256 of a file alone and the size of what it hashed: one half of a large file's digests, while
    :func:`blake3_file` takes the other half on another core."""
    import hashlib

    sha = hashlib.sha256()
    size = _streamed(path, sha.update, on_progress, SLICE, mapped=False)
    return "sha256:" + sha.hexdigest(), size


def _streamed(
    path: Path, update: Callable[[Any], object], on_progress: Callable[[int], None] | None, step: int, mapped: bool
) -> int:
    """Feed the file to ``update`` on this thread, in pieces of ``step`` (mapped or read); the size it read."""
    size = 0
    for piece in mapped_pieces(path, step) if mapped else read_pieces(path, step):
        update(piece)
        size += len(piece)
        if on_progress is not None:
            on_progress(size)
    return size


def blake3_file(
    path: Path, all_cores: bool = True, on_progress: Callable[[int], None] | None = None
) -> tuple[str, int]:
    """BLAKE3 of a file and the size of what it hashed, read through a memory map (:func:`mapped_pieces`),
    as ``b3sum`` reads: BLAKE3 is faster than the copy a read makes, so the copy is what a read would add.

    ``all_cores``: hashed on every core, as ``b3sum`` does, for one large file; otherwise on the calling
    thread, for one file per worker thread (measured on 2 cores, 320 files of 8 MiB: 0.21 s, against 0.28 s
    one file after another on every core). Mapped against read, those 320 files on two threads: 0.33 s
    against 0.47-0.57 s on an Intel Xeon (the read's copy out of the page cache cost 0.4-0.6 s of system
    time), 0.27 s against 0.21 s on an AMD EPYC, where ``b3sum``'s own map costs the same.
    """
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO) if all_cores else blake3.blake3()
    size = _streamed(path, hasher.update, on_progress, FAST_SLICE if all_cores else 4 * MIB, mapped=True)
    return "blake3:" + hasher.hexdigest(), size
