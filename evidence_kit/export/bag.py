"""A BagIt bag (RFC 8493) written by hand: payload files hashed while they are written, then the tag files.

Not ``bagit.make_bag``: it bags in place (it would move the files it is given) and knows no BLAKE3. Case
files are only ever read and copied, each copy hashed while it streams and checked against the ledger,
so a damaged case file stops the export instead of entering the bundle. The layout and its checks are
in :mod:`chain_of_custody.bundle`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from chain_of_custody import bagit_check
from chain_of_custody.errors import Finding, VerificationFailed
from chain_of_custody.hashing import Digests, hash_bytes, hash_file, hash_stream

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


class BagWriter:
    """Writes payload files and remembers their digests (``bagit_check.ALGORITHMS``), taken while the bytes are
    written."""

    def __init__(self, root: Path):
        self.root = root
        self.digests: dict[str, Digests] = {}

    def path(self, rel: str) -> Path:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_bytes(self, rel: str, data: bytes) -> None:
        self.path(rel).write_bytes(data)
        self.digests[rel] = hash_bytes(data, bagit_check.ALGORITHMS)

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
            found = hash_stream(reader, sink=sink, algorithms=bagit_check.ALGORITHMS)
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

    def adopt(self, rel: str) -> None:
        """Record a file another writer produced (WACZ, PDF, DOCX)."""
        self.digests[rel] = hash_file(self.root / rel, algorithms=bagit_check.ALGORITHMS)

    @property
    def payload_oxum(self) -> str:
        """RFC 8493 2.2.2: ``<octet count>.<stream count>`` of the payload."""
        return f"{sum(d.size for d in self.digests.values())}.{len(self.digests)}"


def _manifest(entries: Iterable[tuple[str, str]]) -> bytes:
    return "".join(f"{digest}  {bagit_check.encode_manifest_path(path)}\n" for path, digest in sorted(entries)).encode()


def bag_info_text(fields: list[tuple[str, str]]) -> bytes:
    return "".join(f"{label}: {' '.join(value.split())}\n" for label, value in fields).encode("utf-8")


def write_tag_files(writer: BagWriter, info: list[tuple[str, str]]) -> str:
    """bagit.txt, bag-info.txt, the payload manifests and the tag manifests.

    Returns the SHA-256 tag manifest's digest ("sha256:…").
    """
    tags: dict[str, bytes] = {
        "bagit.txt": BAGIT_TXT,
        "bag-info.txt": bag_info_text([*info, ("Payload-Oxum", writer.payload_oxum)]),
    }
    for algorithm in bagit_check.ALGORITHMS:
        tags[f"manifest-{algorithm}.txt"] = _manifest((p, d.hex(algorithm)) for p, d in writer.digests.items())
    for name, data in tags.items():
        (writer.root / name).write_bytes(data)
    tag_digests = {name: hash_bytes(data, bagit_check.ALGORITHMS) for name, data in tags.items()}
    tag_digest = ""
    for algorithm in bagit_check.ALGORITHMS:
        text = _manifest((name, d.hex(algorithm)) for name, d in tag_digests.items())
        (writer.root / f"tagmanifest-{algorithm}.txt").write_bytes(text)
        if algorithm == "sha256":
            tag_digest = hash_bytes(text).sha256
    return tag_digest
