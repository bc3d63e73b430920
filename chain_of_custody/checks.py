"""The catalogue of every check either verifier runs, in the order a report lists them.

``evidence-kit verify`` and ``python -m chain_of_custody verify`` call the same functions
(:func:`chain_of_custody.verify.verify_case` and :func:`chain_of_custody.bundle.verify_bundle`), so on
the same target they print the same checks, names and findings. evidence_kit adds no check of its own.

Each entry: check name -> (what it means, the module that runs it). To add a check: write it in the
module that holds its subject, name it here, and call it from ``verify_case`` or ``verify_folder``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import Finding

if TYPE_CHECKING:
    from .report import Report

# A case folder (and, through the same functions, the ledger inside a bundle).
CASE: dict[str, tuple[str, str]] = {
    "ledger": ("the ledger file opens and holds events", "verify"),
    "sequence": ("events are numbered 1, 2, 3 … with none missing, inserted or reordered", "verify"),
    "entry-hash": ("each event's hash matches its content (no field edited)", "verify"),
    "chain-link": ("each event names the hash of the one before it", "verify"),
    "case-id": ("each event belongs to this case", "verify"),
    "signer-enrolled": (
        "each event is signed by a key enrolled in the chain before it, under the name it was enrolled for",
        "verify",
    ),
    "signature": ("each event is signed by its investigator's key", "verify"),
    "signer-key": ("the public key of every signer is present and matches the key the chain enrolled", "verify"),
    "trusted-signer": ("every signing key is one of the keys pinned with --trust", "verify"),
    "case-facts": ("case.json says what the signed case events say (title, jurisdiction, investigators …)", "verify"),
    "head": ("the ledger still reaches the head recorded outside it (--expect-head)", "verify"),
    "head-journal": ("the ledger still reaches every head the journal outside the case recorded", "verify"),
    "artefact-present": ("every artefact named in the ledger is stored", "verify"),
    "artefact-digest": ("every stored artefact still has its recorded BLAKE3, SHA-256 and size", "verify"),
    "artefact-blake3": (
        "every stored artefact still has its recorded BLAKE3 and size (verify --fast: SHA-256 NOT checked)",
        "verify",
    ),
    "capture-record": (
        "every capture the ledger records has its record in captures/, byte for byte, and no other record is there",
        "verify",
    ),
    "timestamp-token": (
        "every timestamp token is present, readable and the one its custody event records",
        "timestamp_check",
    ),
    "timestamp-signature": (
        "every token is signed by its TSA, whose certificate chains to a trusted root",
        "timestamp_check",
    ),
    "timestamp-imprint": ("every token's imprint is SHA-256 of its stored manifest", "timestamp_check"),
    "timestamp-manifest": ("every manifest names this case and artefacts recorded in its ledger", "timestamp_check"),
    "timestamp-head": (
        "the ledger still holds the head each token covers (no truncation or rewrite)",
        "timestamp_check",
    ),
    "timestamp-artefact": ("every artefact a token covers is unchanged since it was stamped", "timestamp_check"),
    "timestamp-time": ("no event a token covers claims a time later than the token's genTime", "timestamp_check"),
    "timestamp-record": (
        "every stamp record in timestamps/ is recorded by a custody event and says what that event says",
        "timestamp_check",
    ),
    "description-source": (
        "each description names the artefact its describe event says it describes, and that artefact is recorded",
        "description_check",
    ),
    "social-source": (
        "every WARC record a social-media Profile, its Posts or a media file stored from them cites is in the "
        "web archive of the capture it names",
        "social_check",
    ),
    "index-artefacts": (
        "the artefacts index table agrees with the events (digests, size, type, first event)",
        "index_check",
    ),
    "index-metadata": (
        "every md_* index row is derived from a recorded description, text or capture record",
        "index_check",
    ),
}

# An exported bundle (a BagIt bag, folder or zip); the ledger inside it gets the case checks above.
BUNDLE: dict[str, tuple[str, str]] = {
    "bundle-open": ("the bundle opens safely (no paths outside it, no links, no absurd sizes)", "safezip"),
    "bagit": ("the bag declaration and bag-info are present and well formed", "bagit_check"),
    "bag-complete": (
        "every payload file is in every manifest and every manifest entry exists (Payload-Oxum too)",
        "bagit_check",
    ),
    "bag-manifest": (
        "every payload file has the digests its manifests record (SHA-256, BLAKE3; SHA-512 where a bundle has it)",
        "bagit_check",
    ),
    "bag-tagmanifest": ("every tag file (manifests, bag-info) has the digests its tag manifests record", "bagit_check"),
    "bundle-head": ("the bundle's ledger ends at the head it was cut at", "bundle"),
    "artefact-mapping": ("the artefact map is readable and names only files inside the bag", "bundle"),
    "artefact-unrecorded": ("every artefact and timestamp file in the bag is named in the ledger", "bundle"),
    "artefact-omitted": ("artefacts left out belong only to captures not selected for this export", "bundle"),
    "wacz": ("every WACZ holds the files its datapackage.json lists, with those digests", "wacz_check"),
    "wacz-signature": (
        "every WACZ's datapackage digest is signed by the public key it names (WACZ signing spec, anonymous mode)",
        "wacz_signature",
    ),
    "wacz-signer-enrolled": (
        "every WACZ is signed by a WACZ key an investigator enrolled in the bundle's chain",
        "wacz_signature",
    ),
    "bundle-signature": (
        "an enrolled investigator signed this bundle's tag manifest and the head it was cut at",
        "bundle_signature",
    ),
}

ALL: dict[str, tuple[str, str]] = {**CASE, **BUNDLE}


def describe(name: str) -> str:
    """What a check means, in one sentence (the name itself for a check the catalogue lacks)."""
    entry = ALL.get(name)
    return entry[0] if entry else name


def failed(
    report: Report, check: str, where: str, message: str, expected: str | None = None, found: str | None = None
) -> None:
    """Record one failure of ``check`` at ``where`` (its meaning from the catalogue)."""
    report.fail(check, describe(check), Finding(check, where, message, expected, found))


def passed(report: Report, check: str, count: int = 1) -> None:
    """Record ``count`` items that ``check`` found sound."""
    report.check(check, describe(check)).checked += count
