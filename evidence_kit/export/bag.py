"""A BagIt bag (RFC 8493) written by hand: payload files hashed while they are written, then the tag files.

Not ``bagit.make_bag``: it bags in place (it would move the files it is given) and knows no BLAKE3. Case
files are only ever read and copied, each copy checked against the ledger, so a damaged case file stops
the export instead of entering the bundle.

Evidence (the artefacts, most of a bundle's bytes) is copied by :meth:`BagWriter.copy_evidence`, on
worker threads, several files at once: the kernel copies each file (``copy_file_range``) and the copy
in the bag is then hashed with BLAKE3 from the page cache. A copy whose BLAKE3 and size are the ones the
ledger recorded holds the recorded bytes, so its SHA-256 manifest line is the ledger's SHA-256 (checked
at ingest, and again by every ``verify``) instead of a second pass over the bytes. The manifests are
SHA-256 (what ``sha256sum -c``, bagit-python and courts check) and BLAKE3 (the artefacts' identity);
no SHA-512: RFC 8493 2.4 asks for SHA-256 *or* SHA-512, no validator we know of needs both, and on
these machines it was the single largest cost of an export (0.7 GiB/s, half SHA-256's speed). The
layout and its checks are in :mod:`chain_of_custody.bundle`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import blake3

from chain_of_custody import bagit_check
from chain_of_custody.errors import Finding, VerificationFailed
from chain_of_custody.hashing import Digests, hash_bytes, hash_file, hash_stream

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
# The payload and tag manifests an export writes (the bundle check also reads a SHA-512 one if present).
ALGORITHMS = ("sha256", "blake3")
COPY_THREADS = max(2, os.cpu_count() or 2)


def _kernel_copy(reader: int, writer: int, size: int) -> None:
    """Copy ``size`` bytes between two descriptors inside the kernel (no pass through Python buffers)."""
    done = 0
    try:
        while done < size:
            step = os.copy_file_range(reader, writer, min(size - done, 1 << 30))
            if step == 0:
                break
            done += step
    except OSError:  # a file system or kernel without copy_file_range between these two files
        os.lseek(reader, done, os.SEEK_SET)
        os.lseek(writer, done, os.SEEK_SET)
        with open(reader, "rb", buffering=0, closefd=False) as source, open(writer, "wb", closefd=False) as sink:
            shutil.copyfileobj(source, sink, 1 << 20)


def _blake3_of(path: Path) -> tuple[str, int]:
    """BLAKE3 and size of a file just written, read through blake3's own memory map (from the page cache;
    measured on 2.5 GiB of fresh copies on two threads: less system time than ``mmap.mmap`` with
    ``update``)."""
    size = os.stat(path).st_size
    hasher = blake3.blake3()
    if size:
        hasher.update_mmap(path)
    return "blake3:" + hasher.hexdigest(), size


class BagWriter:
    """Writes payload files and remembers their digests (``ALGORITHMS``), taken while the bytes are
    written."""

    def __init__(self, root: Path):
        self.root = root
        self.digests: dict[str, Digests] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._copies: dict[str, Future[None]] = {}
        self._later: list[tuple[str, Future[None]]] = []  # files another thread is still writing
        self._lock = threading.Lock()

    def path(self, rel: str) -> Path:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_bytes(self, rel: str, data: bytes) -> None:
        self.path(rel).write_bytes(data)
        self.digests[rel] = hash_bytes(data, ALGORITHMS)

    def copy(self, source: Path, rel: str, expect_blake3: str | None = None, expect_sha256: str | None = None) -> None:
        """Copy (never move) a case file, hashing it on the way; refuse a file that no longer matches."""
        target = self.path(rel)
        try:
            reader = open(source, "rb", buffering=0)
        except OSError as exc:
            raise VerificationFailed(
                [Finding("artefact-present", str(source), f"cannot read: {exc.strerror}")]
            ) from None
        with reader, open(target, "xb") as sink:
            found = hash_stream(reader, sink=sink, algorithms=ALGORITHMS)
        if (expect_blake3 and found.blake3 != expect_blake3) or (expect_sha256 and found.sha256 != expect_sha256):
            raise VerificationFailed(
                [
                    Finding(
                        "artefact-digest",
                        f"{source}",
                        "the case file no longer matches the ledger; nothing was exported "
                        "(run 'evidence-kit verify' on the case)",
                        expect_blake3,
                        found.blake3,
                    )
                ]
            )
        os.chmod(target, 0o444)
        self.digests[rel] = found

    def copy_evidence(self, source: Path, rel: str, expect_blake3: str, sha256: str, size: int) -> None:
        """Start copying one artefact on a worker thread; :meth:`wait_for` or :meth:`finish` waits for it.

        The copy counts only if its BLAKE3 and size are the ledger's (then its SHA-256 is the ledger's
        too, see the module docstring); otherwise the export stops, naming the case file.
        """
        self.path(rel)  # its folder, made here (one thread) before the copy starts
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=COPY_THREADS, thread_name_prefix="bag-copy")
        self._copies[rel] = self._pool.submit(self._copy_one, source, rel, expect_blake3, sha256, size)

    def _copy_one(self, source: Path, rel: str, expect_blake3: str, sha256: str, size: int) -> None:
        target = self.root / rel
        try:
            reader = os.open(source, os.O_RDONLY)
        except OSError as exc:
            raise VerificationFailed(
                [Finding("artefact-present", str(source), f"cannot read: {exc.strerror}")]
            ) from None
        try:
            writer = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                _kernel_copy(reader, writer, os.fstat(reader).st_size)
            finally:
                os.close(writer)
        finally:
            os.close(reader)
        found, found_size = _blake3_of(target)
        if found != expect_blake3 or found_size != size:
            raise VerificationFailed(
                [
                    Finding(
                        "artefact-digest",
                        f"{source}",
                        "the case file no longer matches the ledger; nothing was exported "
                        "(run 'evidence-kit verify' on the case)",
                        expect_blake3,
                        found if found != expect_blake3 else f"{found_size} bytes",
                    )
                ]
            )
        os.chmod(target, 0o444)
        with self._lock:
            self.digests[rel] = Digests(found, sha256, found_size)

    def wait_for(self, rels: Iterable[str]) -> None:
        """Wait until these evidence copies are in the bag and checked (a stage that reads them calls this)."""
        for rel in rels:
            future = self._copies.get(rel)
            if future is not None:
                future.result()

    def adopt_later(self, rel: str, written: Future[None]) -> None:
        """Record a file another thread is writing (the report's PDF) once ``written`` is done."""
        self._later.append((rel, written))

    def finish(self, cancel: bool = False) -> None:
        """Wait for every evidence copy and every file adopted later (raising the first failure, in bag
        order); ``cancel`` drops the copies not started yet."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)
            if not cancel:
                for rel in sorted(self._copies):
                    self._copies[rel].result()
        later, self._later = self._later, []
        for rel, written in later:
            if cancel:
                written.exception()  # wait: nothing may still write into a folder about to be removed
            else:
                written.result()
                self.adopt(rel)

    def adopt(self, rel: str) -> None:
        """Record a file another writer produced (WACZ, PDF, DOCX)."""
        self.digests[rel] = hash_file(self.root / rel, algorithms=ALGORITHMS)

    @property
    def payload_oxum(self) -> str:
        """RFC 8493 2.2.2: ``<octet count>.<stream count>`` of the payload."""
        self.finish()
        return f"{sum(d.size for d in self.digests.values())}.{len(self.digests)}"


def _manifest(entries: Iterable[tuple[str, str]]) -> bytes:
    return "".join(f"{digest}  {bagit_check.encode_manifest_path(path)}\n" for path, digest in sorted(entries)).encode()


def bag_info_text(fields: list[tuple[str, str]]) -> bytes:
    return "".join(f"{label}: {' '.join(value.split())}\n" for label, value in fields).encode("utf-8")


def write_tag_files(writer: BagWriter, info: list[tuple[str, str]]) -> str:
    """bagit.txt, bag-info.txt, the payload manifests and the tag manifests.

    Returns the SHA-256 tag manifest's digest ("sha256:…").
    """
    writer.finish()  # every evidence copy in place and checked before its manifest line is written
    tags: dict[str, bytes] = {
        "bagit.txt": BAGIT_TXT,
        "bag-info.txt": bag_info_text([*info, ("Payload-Oxum", writer.payload_oxum)]),
    }
    for algorithm in ALGORITHMS:
        tags[f"manifest-{algorithm}.txt"] = _manifest((p, d.hex(algorithm)) for p, d in writer.digests.items())
    for name, data in tags.items():
        (writer.root / name).write_bytes(data)
    tag_digests = {name: hash_bytes(data, ALGORITHMS) for name, data in tags.items()}
    tag_digest = ""
    for algorithm in ALGORITHMS:
        text = _manifest((name, d.hex(algorithm)) for name, d in tag_digests.items())
        (writer.root / f"tagmanifest-{algorithm}.txt").write_bytes(text)
        if algorithm == "sha256":
            tag_digest = hash_bytes(text).sha256
    return tag_digest
