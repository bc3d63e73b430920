"""Verify an exported evidence bundle (a BagIt bag, as a folder or a zip) from the bundle alone.

The bundle layout (written by ``evidence_kit.export.bundle``; RFC 8493 for the bag itself)::

    bagit.txt, bag-info.txt                 bag declaration; bag-info names the case and the ledger head
    manifest-sha256.txt, manifest-sha512.txt   RFC 8493 payload manifests (``sha256sum -c`` works on them)
    manifest-blake3.txt                     BLAKE3 of every payload file (bagit-python skips it; we check it)
    tagmanifest-sha256.txt, -sha512.txt, -blake3.txt   digests of the tag files above
    data/case.json                          the case as it was at export
    data/artefacts.json                     readable bag path -> BLAKE3, SHA-256, size, exhibit, role
    data/artefacts/E01-screenshot-….png     every artefact the ledger names, under a readable name
    data/ledger/ledger.jsonl, head.json     the custody ledger up to the head it was cut at
    data/keys/ed25519-….pem                 the public key of every signer
    data/captures/<capture-id>.json         capture records (byte-identical to the ledger's artefacts)
    data/timestamps/…                       RFC 3161 tokens, their stamped manifests, TSA certificates
    data/wacz/E01-<capture-id>.wacz         one WACZ per web capture
    data/case.jsonld, data/report/, data/mla/

Nothing here needs evidence_kit: a court expert runs ``python -m chain_of_custody verify BUNDLE``.
Opening a zipped bundle safely (zip-slip, links, decompression bombs) is :mod:`chain_of_custody.safezip`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import blake3

from .errors import CustodyError, Finding
from .hashing import CHUNK, Digests, hash_file
from .keys import load_public_keys
from .ledger import Event, Head, read_jsonl
from .report import Report
from .safezip import (  # noqa: F401 (moved to safezip.py; callers still import them from here)
    MAX_ENTRIES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR,
    ZIP_READ_ERRORS,
    DamagedBundle,
    UnsafeBundle,
    check_zip,
    describe_zip_error,
    extract_zip,
    opened,
)
from .verify import ExpectedArtefact, check_artefacts, check_chain, check_expected_head

FORMAT = "evidence-kit-bundle/1"
MAPPING = "data/artefacts.json"
LEDGER = "data/ledger/ledger.jsonl"
HEAD = "data/ledger/head.json"
KEYS = "data/keys"
CAPTURES = "data/captures"
TIMESTAMPS = "data/timestamps"
TIMESTAMP_RECORDS = "data/timestamps/records"
WACZ_DIR = "data/wacz"
ALGORITHMS = ("sha256", "sha512", "blake3")

CHECKS = {
    "bundle-open": "the bundle opens safely (no paths outside it, no links, no absurd sizes)",
    "bagit": "the bag declaration and bag-info are present and well formed",
    "bag-complete": "every payload file is in every manifest and every manifest entry exists "
    "(Payload-Oxum too)",
    "bag-manifest": "every payload file has the SHA-256, SHA-512 and BLAKE3 its manifests record",
    "bag-tagmanifest": "every tag file (manifests, bag-info) has the digests its tag manifests record",
    "bundle-head": "the bundle's ledger ends at the head it was cut at",
    "artefact-mapping": "the artefact map is readable and names only files inside the bag",
    "artefact-unrecorded": "every artefact and timestamp file in the bag is named in the ledger",
    "artefact-omitted": "artefacts left out belong only to captures not selected for this export",
    "wacz": "every WACZ holds the files its datapackage.json lists, with those digests",
}


def _fail(
    report: Report,
    check: str,
    where: str,
    message: str,
    expected: str | None = None,
    found: str | None = None,
) -> None:
    report.fail(check, CHECKS.get(check, check), Finding(check, where, message, expected, found))


def _ok(report: Report, check: str) -> None:
    report.passed_item(check, CHECKS.get(check, check))


# -- digests -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BagDigests:
    sha256: str  # bare hex, as manifests hold them
    sha512: str
    blake3: str
    size: int

    def get(self, algorithm: str) -> str:
        return str(getattr(self, algorithm))


def bag_digests(path: Path) -> BagDigests:
    """SHA-256, SHA-512 and BLAKE3 of one file in a single read."""
    sha256, sha512, b3 = hashlib.sha256(), hashlib.sha512(), blake3.blake3()
    size = 0
    with open(path, "rb", buffering=0) as handle:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            sha512.update(chunk)
            b3.update(chunk)
            size += len(chunk)
    return BagDigests(sha256.hexdigest(), sha512.hexdigest(), b3.hexdigest(), size)


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


# -- the checks --------------------------------------------------------------------------------------
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


def check_bag(bag: Path, report: Report) -> dict[str, BagDigests]:
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
    digests = {p: bag_digests(bag / p) for p in payload}
    for algorithm in ALGORITHMS:
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
            found = digests[path].get(algorithm)
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
    tag_files = [p for p in all_files if not p.startswith("data/") and not p.startswith("tagmanifest-")]
    for algorithm in ALGORITHMS:
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
            found = bag_digests(bag / path).get(algorithm)
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


def _read_json(bag: Path, rel: str, report: Report, check: str) -> Any:
    try:
        return json.loads((bag / rel).read_text("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        _fail(report, check, rel, f"cannot be read as JSON: {exc}")
        return None


def _inside(bag: Path, rel: str) -> Path | None:
    candidate = (bag / rel).resolve()
    return candidate if candidate.is_relative_to(bag.resolve()) else None


def load_mapping(
    bag: Path, report: Report
) -> tuple[dict[str, Path], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """``{blake3: path in the bag}``, each entry by digest, and the artefacts left out by the "
    "export's selection."""
    data = _read_json(bag, MAPPING, report, "artefact-mapping")
    located: dict[str, Path] = {}
    entries: dict[str, dict[str, Any]] = {}
    if not isinstance(data, dict):
        return located, entries, []
    for entry in data.get("artefacts", []):
        rel = str(entry.get("path", ""))
        path = _inside(bag, rel) if rel.startswith("data/") else None
        if path is None:
            _fail(
                report, "artefact-mapping", f"{MAPPING}: {rel}", "names a path outside the bag's data folder"
            )
            continue
        _ok(report, "artefact-mapping")
        located[str(entry.get("blake3"))] = path
        entries[str(entry.get("blake3"))] = entry
    omitted = [e for e in data.get("omitted", []) if isinstance(e, dict)]
    return located, entries, omitted


def check_bundle_head(bag: Path, info: dict[str, str], head: Head | None, report: Report) -> None:
    recorded = _read_json(bag, HEAD, report, "bundle-head")
    actual = str(head) if head else None
    claimed = {("bag-info.txt Ledger-Head", info.get("Ledger-Head"))}
    if isinstance(recorded, dict):
        claimed.add((f"{HEAD}", recorded.get("head")))
    for where, value in sorted(claimed, key=lambda item: item[0]):
        if value != actual:
            _fail(
                report,
                "bundle-head",
                where,
                "the bundle's ledger does not end at the head recorded for it",
                str(value),
                actual,
            )
        else:
            _ok(report, "bundle-head")


def check_unrecorded(
    bag: Path, expected: dict[str, ExpectedArtefact], located: dict[str, Path], report: Report
) -> None:
    """The reverse direction: nothing in data/artefacts/ that the ledger does not name."""
    mapped = {path.resolve(): digest for digest, path in located.items()}
    files = [
        p
        for folder in (bag / "data" / "artefacts", bag / TIMESTAMPS)
        if folder.is_dir()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_relative_to(bag / TIMESTAMP_RECORDS)
    ]
    for path in files:
        rel = path.relative_to(bag).as_posix()
        digest = mapped.get(path.resolve())
        if digest is None:
            _fail(report, "artefact-unrecorded", rel, f"is in the bag but not in {MAPPING}")
        elif digest not in expected:
            _fail(
                report, "artefact-unrecorded", rel, f"is in the bag as {digest} but no custody event names it"
            )
        else:
            _ok(report, "artefact-unrecorded")


def capture_owners(events: list[Event]) -> dict[str, set[str]]:
    """Which captures each artefact belongs to, from the ledger alone (derived ones follow their source)."""
    owners: dict[str, set[str]] = {}
    derived: dict[str, str] = {}
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        capture_id = details.get("capture_id")
        for item in event.artefacts:
            digest = str(item.get("blake3"))
            if capture_id:
                owners.setdefault(digest, set()).add(str(capture_id))
            if item.get("source"):
                derived.setdefault(digest, str(item["source"]))
    for digest, source in derived.items():
        for _ in range(16):
            if source not in derived:
                break
            source = derived[source]
        if owners.get(source):
            owners.setdefault(digest, set()).update(owners[source])
    return owners


def check_omitted(bag: Path, events: list[Event], omitted: list[dict[str, Any]], report: Report) -> set[str]:
    """An artefact may be left out only if the ledger ties it to captures this export did not select.

    Otherwise "omitted" would be a place to hide a deleted file; such an entry is a finding and the file
    is then looked for like any other.
    """
    owners = capture_owners(events)
    exported = set()
    for record in sorted((bag / CAPTURES).glob("*.json")) if (bag / CAPTURES).is_dir() else []:
        try:
            exported.add(str(json.loads(record.read_text("utf-8")).get("id")))
        except (OSError, ValueError, AttributeError, RecursionError):
            continue
    allowed: set[str] = set()
    for entry in omitted:
        digest = str(entry.get("blake3"))
        captures = owners.get(digest, set())
        if captures and not captures & exported:
            allowed.add(digest)
            report.passed_item("artefact-omitted", CHECKS["artefact-omitted"])
        else:
            report.fail(
                "artefact-omitted",
                CHECKS["artefact-omitted"],
                Finding(
                    "artefact-omitted",
                    f"{MAPPING} omitted {digest}",
                    "is listed as left out, but the ledger ties it to no capture left out of this export",
                ),
            )
    return allowed


def check_capture_records(bag: Path, expected: dict[str, ExpectedArtefact], report: Report) -> None:
    folder = bag / CAPTURES
    for record in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        digest = hash_file(record).blake3
        if digest in expected:
            report.passed_item("capture-record", "every capture record is an artefact recorded in the ledger")
        else:
            report.fail(
                "capture-record",
                "every capture record is an artefact recorded in the ledger",
                Finding(
                    "capture-record",
                    f"{CAPTURES}/{record.name}",
                    "this capture record is not the one recorded in the ledger",
                    None,
                    digest,
                ),
            )


def check_wacz(path: Path, rel: str, report: Report, recorded_sha256: set[str] | None = None) -> None:
    """A damaged or malformed WACZ (bad CRC, broken data, odd JSON) is a finding, never a traceback."""
    try:
        _check_wacz(path, rel, report, recorded_sha256)
    except (*ZIP_READ_ERRORS, KeyError, TypeError, AttributeError, RecursionError) as exc:
        _fail(report, "wacz", rel, f"cannot be checked: it {describe_zip_error(exc)}")


def _check_wacz(path: Path, rel: str, report: Report, recorded_sha256: set[str] | None = None) -> None:
    """WACZ 1.1.1: datapackage.json lists every file with its size and hash; datapackage-digest.json "
    "hashes it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        _fail(report, "wacz", rel, f"is not a readable zip: {exc}")
        return
    with archive:
        try:
            check_zip(archive)
            package_bytes = archive.read("datapackage.json")
            package = json.loads(package_bytes)
        except (KeyError, ValueError, UnsafeBundle) as exc:
            _fail(report, "wacz", rel, f"has no readable datapackage.json: {exc}")
            return
        try:
            digest = json.loads(archive.read("datapackage-digest.json"))
            claimed = str(digest.get("hash", ""))
            found = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
            if claimed != found:
                _fail(
                    report,
                    "wacz",
                    f"{rel}: datapackage-digest.json",
                    "does not hold the digest of datapackage.json",
                    claimed,
                    found,
                )
            else:
                _ok(report, "wacz")
        except (KeyError, ValueError) as exc:
            _fail(report, "wacz", f"{rel}: datapackage-digest.json", f"is missing or unreadable: {exc}")
        names = set(archive.namelist())
        for resource in package.get("resources", []):
            name = str(resource.get("path", ""))
            if name not in names:
                _fail(report, "wacz", f"{rel}: {name}", "is listed in datapackage.json but missing")
                continue
            algorithm, _, claimed = str(resource.get("hash", "")).partition(":")
            if algorithm not in ("sha256", "md5"):
                _fail(report, "wacz", f"{rel}: {name}", f"unsupported hash {algorithm!r} in datapackage.json")
                continue
            hasher = hashlib.new(algorithm)
            size = 0
            with archive.open(name) as handle:
                while chunk := handle.read(CHUNK):
                    hasher.update(chunk)
                    size += len(chunk)
            if (
                recorded_sha256 is not None
                and name.startswith("archive/")
                and algorithm == "sha256"
                and f"sha256:{hasher.hexdigest()}" not in recorded_sha256
            ):
                _fail(
                    report,
                    "wacz",
                    f"{rel}: {name}",
                    "this WARC is not an artefact recorded in the ledger",
                    None,
                    f"sha256:{hasher.hexdigest()}",
                )
            if hasher.hexdigest() != claimed or size != int(resource.get("bytes", -1)):
                _fail(
                    report,
                    "wacz",
                    f"{rel}: {name}",
                    "differs from the digest or size datapackage.json records",
                    f"{algorithm}:{claimed} ({resource.get('bytes')} bytes)",
                    f"{algorithm}:{hasher.hexdigest()} ({size} bytes)",
                )
            else:
                _ok(report, "wacz")


def verify_folder(bag: Path, report: Report, expect_head: str | None = None) -> None:
    bag = bag.resolve()
    bag_files = check_bag(bag, report)
    info = read_tag_file(bag / "bag-info.txt") if (bag / "bag-info.txt").is_file() else {}
    case_id = info.get("External-Identifier")
    case_info = _read_json(bag, "data/case.json", report, "bagit")
    if isinstance(case_info, dict) and case_id != case_info.get("id"):
        _fail(
            report,
            "case-id",
            "bag-info.txt External-Identifier",
            "differs from the case id in data/case.json",
            str(case_info.get("id")),
            case_id,
        )
    report.facts["case_id"] = case_id
    public_keys, key_problems = load_public_keys(bag / KEYS)
    for name, reason in key_problems:
        report.fail(
            "signer-key",
            "the public key of every signer is present and matches its key id",
            Finding("signer-key", f"{KEYS}/{name}", reason),
        )
    events: list[Event] = []
    try:
        events = list(read_jsonl(bag / LEDGER)) if (bag / LEDGER).is_file() else []
    except CustodyError as exc:
        report.fail("ledger", "the ledger file opens and holds events", Finding("ledger", LEDGER, str(exc)))
    head, expected, index = check_chain(events, case_id or "", public_keys, report)
    if head is None:
        report.fail(
            "ledger",
            "the ledger file opens and holds events",
            Finding("ledger", LEDGER, "the bundle holds no custody events"),
        )
    else:
        report.passed_item("ledger", "the ledger file opens and holds events")
    report.facts["events"] = head.seq if head else 0
    report.facts["head"] = str(head) if head else None
    report.facts["signers"] = sorted(index.actors)
    check_bundle_head(bag, info, head, report)
    if expect_head:
        check_expected_head(expect_head, index, report)
    located, _entries, omitted = load_mapping(bag, report)
    omitted_digests = check_omitted(bag, events, omitted, report)
    in_bag = {d: a for d, a in expected.items() if d not in omitted_digests}
    report.facts["artefacts"] = len(in_bag)
    if omitted_digests:
        report.facts["artefacts_left_out"] = len(omitted_digests & set(expected))
        report.warnings.append(
            f"{len(omitted_digests)} artefacts of captures not selected for this export are "
            f"left out on purpose (listed under 'omitted' in {MAPPING})"
        )
    resolved = bag.resolve()

    def known(path: Path) -> Digests | None:
        """The digests the manifest check took of this very file (each payload file is read once)."""
        try:
            found = bag_files.get(path.resolve().relative_to(resolved).as_posix())
        except ValueError:
            return None
        return Digests("blake3:" + found.blake3, "sha256:" + found.sha256, found.size) if found else None

    check_artefacts(in_bag, lambda d: located.get(d), report, known=known)
    check_unrecorded(bag, expected, located, report)
    check_capture_records(bag, expected, report)
    from .timestamp import check_timestamps, read_token_records  # rfc3161-client only when verifying

    # The full ledger view: a stamp may cover artefacts of captures left out of this export on purpose.
    check_timestamps(
        index.timestamp_events,
        lambda d: located.get(d),
        index,
        expected,
        report,
        case_id=case_id,
        records=read_token_records(bag / TIMESTAMP_RECORDS),
    )
    for wacz in sorted((bag / WACZ_DIR).glob("*.wacz")) if (bag / WACZ_DIR).is_dir() else []:
        check_wacz(wacz, wacz.relative_to(bag).as_posix(), report, {a.sha256 for a in expected.values()})
    report.commands.extend(hand_commands(bag))


def hand_commands(bag: Path) -> list[str]:
    """What a court expert can run by hand on the unpacked bundle, no evidence-kit needed."""
    return [  # (one ``openssl ts -verify`` per token is added by the timestamp check)
        f"cd {shlex.quote(str(bag))} && sha256sum -c manifest-sha256.txt",
        f"bagit.py --validate {shlex.quote(str(bag))}",
        f"python -m chain_of_custody verify {shlex.quote(str(bag))}",
    ]


def verify_bundle(path: Path, expect_head: str | None = None) -> Report:
    """Verify a bundle folder or zip from its contents alone; collect every finding, raise nothing for them.

    Raises :class:`UnsafeBundle` (a clear refusal, before anything is written) for a dangerous zip.
    """
    path = Path(path)
    report = Report(target=str(path), kind="bundle")
    if path.is_file():
        digests = hash_file(path)
        report.facts["zip_sha256"] = digests.sha256
        report.facts["zip_blake3"] = digests.blake3
    with opened(path) as bag:
        verify_folder(bag, report, expect_head)
    if path.is_file():
        report.commands[:] = [
            c.replace(shlex.quote(str(bag)), "<unzipped bundle>").replace(str(bag), "<unzipped bundle>")
            for c in report.commands
        ]
    return report
