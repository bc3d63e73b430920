"""WACZ signatures by the WACZ Signing and Verification spec (webrecorder, wacz-auth 0.1.0), anonymous mode.

A signed WACZ's ``datapackage-digest.json`` carries ``signedData``::

    {"hash": "sha256:<hex of datapackage.json>", "created": "<datapackage.json's created>",
     "software": "evidence-kit …", "signature": "<base64>", "publicKey": "<base64>"}

The spec says the signature is an ECDSA signature "of the specified hash" by ``publicKey``. The one
verifier that implements the anonymous mode, ReplayWeb.page (wabac.js ``verifyWACZSignature``), fixes
what the spec leaves open, and ArchiveWeb.page signs the same way, so these are the rules here:

- the signed message is the ``hash`` string itself, UTF-8 encoded (``"sha256:3dd0…"``, not the raw digest);
- ECDSA on the P-384 curve with SHA-256 (wabac.js imports every anonymous key as P-384: a P-256 key
  would not even load there, so ReplayWeb.page could not show the archive as signed);
- ``signature``: base64 of the IEEE P1363 form, r ‖ s, 48 bytes each (what WebCrypto signs and verifies;
  not DER);
- ``publicKey``: base64 of the DER SubjectPublicKeyInfo.

The spec's anonymous mode leaves "who holds this key" to external key management. Here that is the
case's chain: an investigator's WACZ key is enrolled by a custody event they sign with their Ed25519 key
(:mod:`chain_of_custody.facts`), so verify checks each signature and that its key is enrolled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .checks import failed as _fail
from .checks import passed as _ok
from .errors import KeyProblem
from .report import Report

# ECDSA and key serialization are imported by the functions that read a WACZ key: a case whose chain
# enrols none starts without them (issue 16).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ECDSA P-384 with SHA-256 (WACZ signing, anonymous mode)"
KEY_PREFIX = "ecdsa-p384:"
SIGNATURE_CHECK = "wacz-signature"
ENROLLED_CHECK = "wacz-signer-enrolled"
# The properties an anonymous SignatureData may hold ("MUST not contain any property that is not listed").
ANONYMOUS_FIELDS = frozenset({"hash", "created", "software", "version", "signature", "publicKey"})
REQUIRED_FIELDS = ("hash", "created", "software", "signature", "publicKey")
_HALF = 48  # bytes of r and of s on P-384


def key_id_of(spki_der: bytes) -> str:
    """A WACZ key's id: ``ecdsa-p384:`` + the first 32 hex digits of SHA-256 over its DER SubjectPublicKeyInfo."""
    return KEY_PREFIX + hashlib.sha256(spki_der).hexdigest()[:32]


def fingerprint_of(spki_der: bytes) -> str:
    return "sha256:" + hashlib.sha256(spki_der).hexdigest()


def load_public_key(public_key_b64: str) -> tuple[ec.EllipticCurvePublicKey, bytes]:
    """The P-384 key a base64 DER SubjectPublicKeyInfo holds, and its DER bytes; KeyProblem otherwise."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        der = base64.b64decode(public_key_b64, validate=True)
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise KeyProblem(f"publicKey is not a base64 DER public key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP384R1):
        raise KeyProblem("publicKey is not an ECDSA P-384 key")
    return key, der


def public_key_b64(key: ec.EllipticCurvePublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def signature_valid(public_key: ec.EllipticCurvePublicKey, signature_b64: str, hash_text: str) -> bool:
    """Is ``signature_b64`` (base64 r ‖ s) an ECDSA-SHA256 signature of the UTF-8 bytes of ``hash_text``?"""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        raw = base64.b64decode(signature_b64, validate=True)
    except (ValueError, TypeError, binascii.Error):
        return False
    if len(raw) != 2 * _HALF:
        return False
    r, s = int.from_bytes(raw[:_HALF], "big"), int.from_bytes(raw[_HALF:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), hash_text.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class WaczKey:
    """An enrolled WACZ signing key: whose it is, and which event brought it in."""

    owner: str  # the investigator's name
    owner_key_id: str  # their Ed25519 key id
    key_id: str
    fingerprint: str
    public_key: str  # base64 DER SubjectPublicKeyInfo, as the WACZ's publicKey says it
    enrolled_at: int


def wacz_key_from_record(record: Any, owner: str, owner_key_id: str, seq: int) -> WaczKey:
    """The key an enrolment record names (``{"key_id", "public_key", …}``); KeyProblem when it is not sound."""
    if not isinstance(record, dict) or not isinstance(record.get("public_key"), str):
        raise KeyProblem("the WACZ key enrolment carries no public key")
    _key, der = load_public_key(record["public_key"])
    if record.get("key_id") != key_id_of(der):
        raise KeyProblem(
            f"the enrolled WACZ key is {key_id_of(der)}, not the key id {record.get('key_id')} it is given"
        )
    return WaczKey(owner, owner_key_id, key_id_of(der), fingerprint_of(der), record["public_key"], seq)


def check(
    signed: Any,
    digest_hash: str,
    package: Mapping[str, Any],
    rel: str,
    enrolled: Mapping[str, WaczKey],
    report: Report,
) -> None:
    """Check one WACZ's ``signedData`` against its datapackage (the digest hash was checked by the caller)."""
    where = f"{rel}: datapackage-digest.json signedData"
    if not isinstance(signed, dict):
        _fail(report, SIGNATURE_CHECK, where, "is missing: the WACZ is not signed")
        return
    extra = sorted(set(signed) - ANONYMOUS_FIELDS)
    missing = [name for name in REQUIRED_FIELDS if not isinstance(signed.get(name), str) or not signed.get(name)]
    problems = []
    if extra:
        problems.append(f"holds properties the anonymous signature format does not list: {', '.join(extra)}")
    if missing:
        problems.append(f"lacks {', '.join(missing)}")
    if not missing and signed["hash"] != digest_hash:
        problems.append(f"signs the hash {signed['hash']}, not the datapackage.json digest {digest_hash}")
    if not missing and signed["created"] != package.get("created"):
        problems.append(f"says created {signed['created']}, but datapackage.json says {package.get('created')}")
    key = None
    if not missing:
        try:
            key, der = load_public_key(signed["publicKey"])
        except KeyProblem as exc:
            problems.append(str(exc))
    if key is not None and not signature_valid(key, signed["signature"], signed["hash"]):
        problems.append("its signature does not check against its publicKey")
    if problems:
        for problem in problems:
            _fail(report, SIGNATURE_CHECK, where, problem)
        return
    _ok(report, SIGNATURE_CHECK)
    key_id = key_id_of(der)
    owner = enrolled.get(key_id)
    if owner is None:
        _fail(
            report,
            ENROLLED_CHECK,
            where,
            "is signed by a key no custody event of this bundle enrolled",
            "a WACZ key enrolled in the chain",
            key_id,
        )
    else:
        _ok(report, ENROLLED_CHECK)
        report.facts.setdefault("wacz_signers", {})[rel] = {
            "key_id": key_id,
            "investigator": owner.owner,
            "enrolled_at": owner.enrolled_at,
        }
