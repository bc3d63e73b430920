"""BagIt (RFC 8493) checks of an exported bundle: the declaration, completeness, every manifest.

bagit-python validates SHA-256 and SHA-512 but ignores ``manifest-blake3.txt``; these checks read each
payload file once for every manifest (SHA-256 and BLAKE3, and SHA-512 in bundles that carry one) and
check the tag manifests too.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from .checks import failed as _fail
from .checks import passed as _ok
from .hashing import Digests, hash_file
from .report import Report
from .safezip import DamagedBundle

# The manifests every bundle carries; a SHA-512 one (evidence-kit-bundle/1 bundles have one) is checked
# too when present, and the tag manifests list it, so removing it is caught.
ALGORITHMS = ("sha256", "blake3")
OPTIONAL = ("sha512",)


def algorithms_of(bag: Path, prefix: str = "manifest") -> tuple[str, ...]:
    """The manifests to check: the required ones (a missing one is a finding) and any optional one present."""
    return (*ALGORITHMS, *(a for a in OPTIONAL if (bag / f"{prefix}-{a}.txt").is_file()))


SIGNATURE = "bundle-signature.json"  # chain_of_custody.bundle_signature.NAME


def encode_manifest_path(path: str) -> str:
    """RFC 8493 2.1.3: CR, LF and % in a file path are percent-encoded in manifests."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _read_utf8(path: Path) -> str:
    """A tag file's text; BagIt (RFC 8493 2.1.1) tag files are UTF-8, so other bytes fail the bundle."""
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise DamagedBundle(
            f"{path.name} is not UTF-8 text (byte {exc.start}): the bundle fails verification"
        ) from None


def read_manifest(path: Path) -> tuple[dict[str, str], list[str]]:
    """``{bag path: hex digest}`` and the malformed lines (by number)."""
    entries: dict[str, str] = {}
    bad: list[str] = []
    # Split on LF only (CRLF tolerated): str.splitlines() would also break at form feeds and the like,
    # which may legally appear in a file name.
    for number, line in enumerate(_read_utf8(path).split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        digest, sep, name = line.partition(" ")
        name = name.lstrip(" ").lstrip("*")
        if not sep or not name or not all(c in "0123456789abcdefABCDEF" for c in digest):
            bad.append(f"line {number}")
            continue
        entries[unquote(name)] = digest.lower()
    return entries, bad


def read_tag_file(path: Path) -> dict[str, str]:
    """bag-info.txt style ``Label: value`` lines (continuation lines start with white space)."""
    values: dict[str, str] = {}
    last = None
    for line in _read_utf8(path).splitlines():
        if line[:1] in (" ", "\t") and last:
            values[last] += " " + line.strip()
            continue
        label, sep, value = line.partition(":")
        if sep:
            last = label.strip()
            values.setdefault(last, value.strip())
    return values


def _walk(root: Path, report: Report) -> list[str]:
    """Every regular file under ``root`` as a bag path; links are findings and are never followed."""
    files = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        for name in sorted(dirs + names):
            full = Path(folder) / name
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                _fail(report, "bundle-open", rel, "is a symbolic link; a bundle holds only regular files")
            elif name in names and full.is_file():
                files.append(rel)
    return sorted(files)


def check_bag(bag: Path, report: Report) -> dict[str, Digests]:
    """BagIt declaration, completeness, every manifest and tag manifest. Returns each payload file's "
    "digests."""
    declaration = bag / "bagit.txt"
    if not declaration.is_file():
        _fail(report, "bagit", "bagit.txt", "is missing: this is not a BagIt bag")
        return {}
    tags = read_tag_file(declaration)
    if not tags.get("BagIt-Version") or tags.get("Tag-File-Character-Encoding", "").upper() != "UTF-8":
        _fail(report, "bagit", "bagit.txt", "does not declare BagIt-Version and UTF-8 encoding")
    else:
        _ok(report, "bagit")
    info = read_tag_file(bag / "bag-info.txt") if (bag / "bag-info.txt").is_file() else {}
    if not info:
        _fail(report, "bagit", "bag-info.txt", "is missing or empty")
    all_files = _walk(bag, report)
    payload = [p for p in all_files if p.startswith("data/")]
    algorithms = algorithms_of(bag)
    digests = {p: hash_file(bag / p, algorithms=algorithms) for p in payload}
    for algorithm in algorithms:
        name = f"manifest-{algorithm}.txt"
        if not (bag / name).is_file():
            _fail(report, "bag-complete", name, "this payload manifest is missing")
            continue
        entries, bad = read_manifest(bag / name)
        for line in bad:
            _fail(report, "bag-manifest", f"{name} {line}", "is not a '<digest>  <path>' line")
        for path in sorted(set(entries) - set(digests)):
            _fail(report, "bag-complete", f"{name}: {path}", "is listed but missing from the bag")
        for path in payload:
            if path not in entries:
                _fail(report, "bag-complete", f"{name}: {path}", "is in the bag but not in this manifest")
                continue
            _ok(report, "bag-complete")
            found = digests[path].hex(algorithm)
            if entries[path] != found:
                _fail(
                    report,
                    "bag-manifest",
                    f"{name}: {path}",
                    f"the file's {algorithm.upper()} differs from the manifest (file or manifest altered)",
                    entries[path],
                    found,
                )
            else:
                _ok(report, "bag-manifest")
    oxum = info.get("Payload-Oxum")
    actual = f"{sum(d.size for d in digests.values())}.{len(digests)}"
    if oxum != actual:
        _fail(
            report,
            "bag-complete",
            "bag-info.txt Payload-Oxum",
            "bytes.files of the payload differ",
            oxum,
            actual,
        )
    # The investigator's signature signs the tag manifest, so no tag manifest can list it (bundle_signature.py).
    tag_files = [
        p for p in all_files if not p.startswith("data/") and not p.startswith("tagmanifest-") and p != SIGNATURE
    ]
    tag_algorithms = algorithms_of(bag, "tagmanifest")
    for algorithm in tag_algorithms:
        name = f"tagmanifest-{algorithm}.txt"
        if not (bag / name).is_file():
            _fail(report, "bag-tagmanifest", name, "this tag manifest is missing")
            continue
        entries, bad = read_manifest(bag / name)
        for line in bad:
            _fail(report, "bag-tagmanifest", f"{name} {line}", "is not a '<digest>  <path>' line")
        for path in sorted(set(entries) - set(tag_files)):
            _fail(report, "bag-tagmanifest", f"{name}: {path}", "is listed but missing from the bag")
        for path in tag_files:
            if path not in entries:
                _fail(report, "bag-tagmanifest", f"{name}: {path}", "is a tag file not in this tag manifest")
                continue
            found = hash_file(bag / path, algorithms=tag_algorithms).hex(algorithm)
            if entries[path] != found:
                _fail(
                    report,
                    "bag-tagmanifest",
                    f"{name}: {path}",
                    f"the tag file's {algorithm.upper()} differs from the tag manifest",
                    entries[path],
                    found,
                )
            else:
                _ok(report, "bag-tagmanifest")
    report.facts["payload_files"] = len(digests)
    report.facts["payload_bytes"] = sum(d.size for d in digests.values())
    return digests
