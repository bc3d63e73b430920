"""The investigator's signature over a whole bundle: everything a court reads in it is covered.

The bag's manifests cover every payload file (the report, CASE/UCO, annexes, WACZs, the ledger) and the
SHA-256 tag manifest covers the manifests and ``bag-info.txt``; but anybody can recompute manifests. So the
export signs, with the investigator's enrolled Ed25519 key, a statement naming the case, the ledger head
the bundle was cut at and the SHA-256 of ``tagmanifest-sha256.txt``. It is written to
``bundle-signature.json`` at the bag's root, outside the tag manifests it signs (RFC 8493 allows tag
files a tag manifest does not list). Verify checks it against the key the bundle's own chain enrolled:
editing any file, cutting the ledger, or leaving an exhibit out after the export breaks it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .canonical import canonical_json, loads_strict
from .checks import describe
from .errors import Finding
from .facts import CaseFacts
from .keys import Identity, matches_trusted, verify_signature
from .ledger import Head
from .report import Report

FORMAT = "evidence-kit-bundle-signature/1"
NAME = "bundle-signature.json"
CHECK = "bundle-signature"


def statement(case_id: str, head: str, tagmanifest_sha256: str, identity: Identity, time: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "case_id": case_id,
        "ledger_head": head,
        "tagmanifest_sha256": tagmanifest_sha256,
        "signer": {"name": identity.name, "key_id": identity.key_id},
        "signed_at": time,
    }


def sign(case_id: str, head: str, tagmanifest_sha256: str, identity: Identity, time: str) -> bytes:
    """The bytes of ``bundle-signature.json``: the statement and the Ed25519 signature over its canonical JSON."""
    body = statement(case_id, head, tagmanifest_sha256, identity, time)
    return canonical_json({**body, "signature": identity.sign(canonical_json(body))})


def _fail(report: Report, where: str, message: str, expected: str | None = None, found: str | None = None) -> None:
    report.fail(CHECK, describe(CHECK), Finding(CHECK, where, message, expected, found))


def check(
    bag: Path,
    case_id: str | None,
    head: Head | None,
    facts: CaseFacts,
    trust: Sequence[str],
    report: Report,
) -> None:
    path = bag / NAME
    if not path.is_file():
        _fail(report, NAME, "is missing: nothing signed by an investigator covers this bundle's files")
        return
    try:
        data = loads_strict(path.read_bytes())
        if not isinstance(data, dict) or not isinstance(data.get("signer"), dict):
            raise ValueError("not a signature statement")
        signature = str(data.pop("signature"))
        key_id, name = str(data["signer"]["key_id"]), str(data["signer"]["name"])
    except (OSError, ValueError, KeyError, RecursionError) as exc:
        _fail(report, NAME, f"cannot be read: {exc}")
        return
    problems = []
    if data.get("format") != FORMAT:
        problems.append(("format", FORMAT, str(data.get("format"))))
    if data.get("case_id") != case_id:
        problems.append(("case", str(case_id), str(data.get("case_id"))))
    if data.get("ledger_head") != (str(head) if head else None):
        problems.append(("ledger head", str(head), str(data.get("ledger_head"))))
    tagmanifest = bag / "tagmanifest-sha256.txt"
    found = "sha256:" + hashlib.sha256(tagmanifest.read_bytes()).hexdigest() if tagmanifest.is_file() else None
    if data.get("tagmanifest_sha256") != found:
        problems.append(("tag manifest", str(data.get("tagmanifest_sha256")), str(found)))
    for what, expected, got in problems:
        _fail(report, NAME, f"the signed statement names another {what} than this bundle has", expected, got)
    signer = facts.signer_for(key_id)
    if signer is None or signer.public_key is None or signer.name != name:
        _fail(report, NAME, f"is signed by {name!r} with key {key_id}, which the bundle's chain did not enrol")
        return
    if not verify_signature(signer.public_key, signature, canonical_json(data)):
        _fail(report, NAME, f"the signature of {name!r} ({key_id}) does not verify")
        return
    if trust and not any(matches_trusted(signer.fingerprint, pinned) for pinned in trust):
        _fail(
            report,
            NAME,
            f"is signed by {name!r} with a key not pinned with --trust",
            ", ".join(trust),
            signer.fingerprint,
        )
        return
    if not problems:
        report.passed_item(CHECK, describe(CHECK))
        report.facts["bundle_signed_by"] = f"{name} ({key_id}) at {data.get('signed_at')}"
