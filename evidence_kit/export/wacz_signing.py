"""Signing each WACZ by the WACZ Signing and Verification spec (anonymous mode), with an enrolled key.

``wacz create`` writes ``datapackage-digest.json`` (the SHA-256 of ``datapackage.json``) as the WACZ's
last member; :func:`sign_wacz` writes the WACZ again with that member carrying ``signedData``: the hash,
``created`` equal to datapackage.json's, ``software``, the ECDSA P-384 signature of the hash string and
the public key. The exact encodings, and why P-384, are in :mod:`chain_of_custody.wacz_signature`, which
checks them.

Each investigator has one WACZ signing key beside their Ed25519 key (``<keys>/<ed25519 key id>.wacz-p384.pem``,
0600). It is created at their first export that holds a web capture, and enrolled then in the case's chain by
an ``enrol-wacz-key`` event they sign with their Ed25519 key (so the event says when the key was made);
the export cuts the ledger after that event, so the bundle's own chain vouches for the key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from chain_of_custody import facts as case_facts
from chain_of_custody import wacz_signature
from chain_of_custody.errors import KeyProblem
from chain_of_custody.hashing import CHUNK
from chain_of_custody.keys import Identity

from .. import TOOL
from ..errors import OperationFailed
from ..machine import machine_facts

DIGEST = "datapackage-digest.json"
PACKAGE = "datapackage.json"


@dataclass(frozen=True)
class WaczSigner:
    """An investigator's WACZ signing key, enrolled in the case being exported."""

    private_key: ec.EllipticCurvePrivateKey
    key_id: str

    @property
    def public_key(self) -> str:
        return wacz_signature.public_key_b64(self.private_key.public_key())

    def signed_data(self, hash_text: str, created: str) -> dict[str, str]:
        """The anonymous SignatureData for a datapackage.json whose digest is ``hash_text``."""
        der = self.private_key.sign(hash_text.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        raw = r.to_bytes(48, "big") + s.to_bytes(48, "big")  # IEEE P1363, as WebCrypto verifies it
        return {
            "hash": hash_text,
            "created": created,
            "software": str(TOOL),
            "signature": base64.b64encode(raw).decode("ascii"),
            "publicKey": self.public_key,
        }


def key_path(keys_dir: Path, identity: Identity) -> Path:
    return keys_dir / f"{identity.key_id.replace(':', '-')}.wacz-p384.pem"


def _read_key(path: Path) -> ec.EllipticCurvePrivateKey:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyProblem(f"private key {path} is readable by others (mode {mode:o}); chmod 600 it")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, OSError) as exc:
        raise KeyProblem(f"cannot read WACZ signing key {path}: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP384R1):
        raise KeyProblem(f"WACZ signing key {path} is not an ECDSA P-384 key")
    return key


def load_or_create(keys_dir: Path, identity: Identity) -> tuple[ec.EllipticCurvePrivateKey, bool]:
    """The investigator's WACZ signing key, created (0600 from the start) when they have none."""
    path = key_path(keys_dir, identity)
    if path.exists():
        return _read_key(path), False
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return key, True


def _key_id(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return wacz_signature.key_id_of(der)


def enrolled_signer(case: Any, identity: Identity) -> WaczSigner:
    """The investigator's WACZ key, enrolled in ``case`` first if it is not yet (an ``enrol-wacz-key`` event).

    ``case`` is an :class:`evidence_kit.case.Case` (not imported here: the case module imports the export
    package's leftovers).
    """
    key, created = load_or_create(case.settings.keys_dir, identity)
    key_id = _key_id(key)
    enrolled = case.facts.wacz_keys.get(key_id)
    if enrolled is not None and enrolled.owner_key_id != identity.key_id:
        raise KeyProblem(f"WACZ key {key_id} is enrolled in case {case.id} for {enrolled.owner}, not {identity.name}")
    if enrolled is None:
        der = base64.b64decode(wacz_signature.public_key_b64(key.public_key()))
        case.append(
            identity,
            case_facts.ENROL_WACZ,
            details={
                "investigator": identity.name,
                "investigator_key_id": identity.key_id,
                "wacz_key": {
                    "key_id": key_id,
                    "algorithm": wacz_signature.ALGORITHM,
                    "fingerprint": wacz_signature.fingerprint_of(der),
                    "public_key": wacz_signature.public_key_b64(key.public_key()),
                },
                "key_created": created,
                **machine_facts(),
            },
        )
    return WaczSigner(key, key_id)


def sign_wacz(source: Path, target: Path, signer: WaczSigner) -> dict[str, str]:
    """Write ``source`` (a WACZ from ``wacz create``) to ``target`` with a signed datapackage-digest.json.

    Every other member is copied as it is, in the same order (so datapackage.json and its digest are
    unchanged). Returns the signedData written.
    """
    with zipfile.ZipFile(source) as archive:
        package_bytes = archive.read(PACKAGE)
        digest = json.loads(archive.read(DIGEST))
        package = json.loads(package_bytes)
        found = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        if digest.get("hash") != found or digest.get("path") != PACKAGE:
            raise OperationFailed(
                f"{source.name}: datapackage-digest.json does not hold the digest of datapackage.json"
            )
        signed = signer.signed_data(found, str(package.get("created")))
        digest_bytes = json.dumps({**digest, "signedData": signed}, indent=2).encode("utf-8")
        with zipfile.ZipFile(target, "x") as out:
            for info in archive.infolist():
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                copy.compress_type = info.compress_type
                copy.external_attr = info.external_attr
                copy.create_system = info.create_system
                if info.filename == DIGEST:
                    out.writestr(copy, digest_bytes)
                    continue
                copy.file_size = info.file_size  # decides ZIP64 before the size is known
                with archive.open(info) as reader, out.open(copy, "w", force_zip64=info.file_size > 1 << 31) as sink:
                    shutil.copyfileobj(reader, sink, CHUNK)
    return signed
