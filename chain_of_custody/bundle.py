"""Verify an exported evidence bundle (a BagIt bag, as a folder or a zip) from the bundle alone.

The bundle layout (written by ``evidence_kit.export.bundle``; RFC 8493 for the bag itself)::

    bagit.txt, bag-info.txt                 bag declaration; bag-info names the case and the ledger head
    manifest-sha256.txt                     RFC 8493 payload manifest (``sha256sum -c`` works on it)
    manifest-blake3.txt                     BLAKE3 of every payload file (bagit-python skips it; we check it)
    tagmanifest-sha256.txt, -blake3.txt   digests of the tag files above (a -sha512 pair is checked if present)
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

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import bundle_signature, ownership
from .bagit_check import check_bag, read_tag_file
from .chain_index import ExpectedArtefact
from .checks import failed as _fail
from .checks import passed as _ok
from .description_check import check_description_entries
from .errors import CustodyError
from .hashing import Digests, hash_file
from .keys import load_public_keys
from .ledger import Event, Head, read_jsonl
from .report import Report
from .safezip import opened
from .social_check import check_social_events
from .timestamp_check import check_timestamps, read_token_records
from .verify import (
    anchoring,
    check_artefacts,
    check_capture_records,
    check_case_facts,
    check_chain,
    check_expected_head,
    parse_head,
    read_json_copy,
)
from .wacz_check import check_wacz

# /2: no SHA-512 manifests (a /1 bundle carries them; they are checked when present).
FORMAT = "evidence-kit-bundle/2"
MAPPING = "data/artefacts.json"
LEDGER = "data/ledger/ledger.jsonl"
HEAD = "data/ledger/head.json"
KEYS = "data/keys"
CAPTURES = "data/captures"
TIMESTAMPS = "data/timestamps"
TIMESTAMP_RECORDS = "data/timestamps/records"
WACZ_DIR = "data/wacz"


# -- the checks --------------------------------------------------------------------------------------
def _read_json(bag: Path, rel: str, report: Report, check: str) -> Any:
    try:
        return json.loads((bag / rel).read_text("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        _fail(report, check, rel, f"cannot be read as JSON: {exc}")
        return None


def _inside(bag: Path, rel: str) -> Path | None:
    candidate = (bag / rel).resolve()
    return candidate if candidate.is_relative_to(bag.resolve()) else None


def load_mapping(bag: Path, report: Report) -> tuple[dict[str, Path], dict[str, dict[str, Any]], list[dict[str, Any]]]:
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
            _fail(report, "artefact-mapping", f"{MAPPING}: {rel}", "names a path outside the bag's data folder")
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
            _fail(report, "artefact-unrecorded", rel, f"is in the bag as {digest} but no custody event names it")
        else:
            _ok(report, "artefact-unrecorded")


def check_omitted(bag: Path, events: list[Event], omitted: list[dict[str, Any]], report: Report) -> set[str]:
    """An artefact may be left out only if the ledger ties it to captures this export did not select.

    Otherwise "omitted" would be a place to hide a deleted file; such an entry is a finding and the file
    is then looked for like any other.
    """
    owned = ownership.trace(events)
    exported = set()
    for record in sorted((bag / CAPTURES).glob("*.json")) if (bag / CAPTURES).is_dir() else []:
        try:
            exported.add(str(json.loads(record.read_text("utf-8")).get("id")))
        except (OSError, ValueError, AttributeError, RecursionError):
            continue
    allowed: set[str] = set()
    for entry in omitted:
        digest = str(entry.get("blake3"))
        captures = set(owned.captures(digest))
        if captures and not captures & exported:
            allowed.add(digest)
            _ok(report, "artefact-omitted")
        else:
            _fail(
                report,
                "artefact-omitted",
                f"{MAPPING} omitted {digest}",
                "is listed as left out, but the ledger ties it to no capture left out of this export",
            )
    return allowed


def verify_folder(
    bag: Path, report: Report, expect_head: str | None = None, trust: Sequence[str] = (), tsa_roots: Sequence[Any] = ()
) -> None:
    bag = bag.resolve()
    bag_files = check_bag(bag, report)
    info = read_tag_file(bag / "bag-info.txt") if (bag / "bag-info.txt").is_file() else {}
    case_id = info.get("External-Identifier")
    case_info = read_json_copy(bag / "data" / "case.json")  # unreadable: case-facts names it
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
        _fail(report, "signer-key", f"{KEYS}/{name}", reason)
    events: list[Event] = []
    try:
        events = list(read_jsonl(bag / LEDGER)) if (bag / LEDGER).is_file() else []
    except CustodyError as exc:
        _fail(report, "ledger", LEDGER, str(exc))
    walk = check_chain(events, case_id or "", public_keys, report, trust=trust, keys_dir=bag / KEYS)
    head, expected, index = walk.head, walk.artefacts, walk.index
    if head is None:
        _fail(report, "ledger", LEDGER, "the bundle holds no custody events")
    else:
        _ok(report, "ledger")
        check_case_facts(case_info, walk.facts, "data/case.json", report)
    report.facts["events"] = head.seq if head else 0
    report.facts["head"] = str(head) if head else None
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
            return bag_files.get(path.resolve().relative_to(resolved).as_posix())
        except ValueError:
            return None

    check_artefacts(in_bag, lambda d: located.get(d), report, known=known)
    check_unrecorded(bag, expected, located, report)
    check_capture_records(bag / CAPTURES, CAPTURES, walk, report, left_out=omitted_digests)
    # The full ledger view: a stamp may cover artefacts of captures left out of this export on purpose.
    check_timestamps(
        index.timestamp_events,
        lambda d: located.get(d),
        index,
        expected,
        report,
        case_id=case_id,
        records=read_token_records(bag / TIMESTAMP_RECORDS),
        pinned_roots=tsa_roots,
    )
    bundle_signature.check(bag, case_id, head, walk.facts, trust, report)
    describe_events = ((e.seq, e.artefacts) for e in events if e.action == "describe" and isinstance(e.artefacts, list))
    check_description_entries(describe_events, expected, lambda d: located.get(d), report)
    social_events = (
        (e.seq, e.action, e.details, e.artefacts) for e in events if e.action in ("capture", "social-profile")
    )
    check_social_events(social_events, lambda d: located.get(d), report)
    # The bundle's own head is a witness: the export recorded it, outside the ledger it cut.
    signature = report.checks.get(bundle_signature.CHECK)
    anchoring(
        walk,
        report,
        journal_found=False,
        witnessed=parse_head(expect_head)[0] if expect_head else None,
        signed_head=signature is not None and signature.checked > 0 and signature.passed,
    )
    for wacz in sorted((bag / WACZ_DIR).glob("*.wacz")) if (bag / WACZ_DIR).is_dir() else []:
        check_wacz(
            wacz, wacz.relative_to(bag).as_posix(), report, {a.sha256 for a in expected.values()}, walk.facts.wacz_keys
        )
    report.commands.extend(hand_commands(bag))


def looks_like_bundle(folder: Path) -> bool:
    """A bag, even one whose bagit.txt was deleted (that is a failed bundle, not "not a bundle")."""
    return any((folder / name).exists() for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "data/ledger"))


def hand_commands(bag: Path) -> list[str]:
    """What a court expert can run by hand on the unpacked bundle, no evidence-kit needed."""
    return [  # (one ``openssl ts -verify`` per token is added by the timestamp check)
        f"cd {shlex.quote(str(bag))} && sha256sum -c manifest-sha256.txt",
        f"bagit.py --validate {shlex.quote(str(bag))}",
        f"python -m chain_of_custody verify {shlex.quote(str(bag))}",
    ]


def verify_bundle(
    path: Path, expect_head: str | None = None, trust: Sequence[str] = (), tsa_roots: Sequence[Any] = ()
) -> Report:
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
        verify_folder(bag, report, expect_head, trust, tsa_roots)
    if path.is_file():
        report.commands[:] = [
            c.replace(shlex.quote(str(bag)), "<unzipped bundle>").replace(str(bag), "<unzipped bundle>")
            for c in report.commands
        ]
    return report
