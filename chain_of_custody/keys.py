"""Ed25519 investigator identities.

A private key lives outside any case folder, in the keys directory, readable by its owner only (0600).
Its public key is copied into each case the investigator acts in (``<case>/keys/``), so anybody can
check the signatures without the private key ever leaving the investigator's machine.

A key id names a public key by its content: ``ed25519:`` + the first 32 hex digits of SHA-256 over the
raw 32-byte public key. A public-key file whose content does not give its key id is caught by verify.

The verifier holds public keys as those 32 raw bytes (RFC 8032) and checks signatures with libsodium, so
it never imports cryptography when PyNaCl is there (about 8 ms of every ``verify``, issue 16); keys are
written, read from another PEM form, and checked without PyNaCl through cryptography.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

try:  # libsodium is a speed-up; a court expert's bare install verifies with cryptography alone
    import nacl.bindings
    import nacl.exceptions
except ImportError:  # pragma: no cover - a subprocess of tests/test_tamper.py runs without PyNaCl
    nacl = None  # type: ignore[assignment]

from .errors import KeyProblem

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# cryptography's serialization package (PEM and DER of every key type, SSH keys: about 8 ms to import) is
# imported where keys are written or a PEM file is not the one form :func:`public_pem` writes (issue 16).
PEM_BEGIN, PEM_END = b"-----BEGIN PUBLIC KEY-----", b"-----END PUBLIC KEY-----"
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # SubjectPublicKeyInfo, id-Ed25519 (RFC 8410)


def key_id_of(public_key: Ed25519PublicKey | bytes) -> str:
    raw = raw_public(public_key)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def fingerprint_of(public_key: Ed25519PublicKey | bytes) -> str:
    """The full SHA-256 of the raw public key: what a court expert is told out of band and pins with
    ``verify --trust``. The key id is its first 32 hex digits.

    >>> fingerprint_of(bytes(32))
    'sha256:66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925'
    """
    return "sha256:" + hashlib.sha256(raw_public(public_key)).hexdigest()


def checked_raw(raw: bytes) -> bytes:
    """``raw`` if it can be an Ed25519 public key (32 bytes, as cryptography's loader asks), else KeyProblem."""
    if len(raw) != 32:
        raise KeyProblem("not an Ed25519 public key: An Ed25519 public key is 32 bytes long")
    return raw


def key_from_raw(raw: bytes) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(checked_raw(raw))


def matches_trusted(fingerprint: str, trusted: str) -> bool:
    """Does a pinned value (a full fingerprint, a key id, or at least 32 hex digits of either) name this key?"""
    want = trusted.strip().lower().removeprefix("sha256:").removeprefix("ed25519:").replace(":", "")
    have = fingerprint.lower().removeprefix("sha256:")
    return len(want) >= 32 and have.startswith(want)


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _written_form(data: bytes) -> bytes | None:
    r"""The raw key of a PEM file in exactly the form :func:`public_pem` writes, else None.

    Only bytes that encoding the key again gives back, line for line, are read here: anything else
    (another key type, other line breaks, a certificate) goes to cryptography's parser as before.

    >>> raw = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    >>> _written_form(public_pem(key_from_raw(raw))) == raw
    True
    >>> _written_form(public_pem(key_from_raw(raw)).replace(b"\n", b"\r\n")) is None
    True
    """
    lines = data.split(b"\n")
    if len(lines) != 4 or (lines[0], lines[2], lines[3]) != (PEM_BEGIN, PEM_END, b""):
        return None
    try:
        der = base64.b64decode(lines[1], validate=True)
    except binascii.Error:
        return None
    if len(der) != 44 or not der.startswith(ED25519_SPKI_PREFIX) or base64.b64encode(der) != lines[1]:
        return None
    return der[len(ED25519_SPKI_PREFIX) :]


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    return key_from_raw(load_public_raw(data))


def load_public_raw(data: bytes) -> bytes:
    """The raw Ed25519 public key of a PEM file; KeyProblem if it holds none."""
    raw = _written_form(data)
    if raw is not None:
        return checked_raw(raw)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise KeyProblem(f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyProblem("public key is not Ed25519")
    return key.public_bytes_raw()


def raw_public(public_key: Ed25519PublicKey | bytes) -> bytes:
    return public_key if isinstance(public_key, bytes) else public_key.public_bytes_raw()


def verify_signature(public_key: Ed25519PublicKey | bytes, signature_hex: str, message: bytes) -> bool:
    """Check an Ed25519 signature (RFC 8032).

    libsodium does the check: about 1.75x faster than OpenSSL's on these machines (it decides the
    speed of verifying long ledgers), it releases the GIL, and it rejects non-canonical signatures
    and small-order keys.
    """
    raw = raw_public(public_key)
    try:
        signature = bytes.fromhex(signature_hex)
    except (ValueError, TypeError):
        return False
    if len(signature) != 64:
        return False
    if nacl is None:
        return _verify_with_cryptography(raw, signature, message)
    try:
        nacl.bindings.crypto_sign_open(signature + message, raw)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


def _verify_with_cryptography(raw: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return slug or "investigator"


@dataclass(frozen=True)
class Identity:
    """An investigator: a display name and an Ed25519 signing key."""

    name: str
    private_key: Ed25519PrivateKey

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @cached_property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        return self.private_key.sign(message).hex()

    def public_record(self) -> dict[str, str]:
        return {"name": self.name, "key_id": self.key_id, "algorithm": "Ed25519"}

    def enrolment_record(self) -> dict[str, str]:
        """How the chain names a signer: the public key itself travels in the signed event."""
        return {
            **self.public_record(),
            "fingerprint": fingerprint_of(self.public_key),
            "public_key": raw_public(self.public_key).hex(),
        }


def load_or_create(keys_dir: Path, name: str) -> tuple[Identity, bool]:
    """Load the identity for ``name`` from ``keys_dir``, creating it on first use.

    Returns the identity and whether it was created now.
    """
    if not name.strip():
        raise KeyProblem("an investigator name is needed")
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path = keys_dir / f"{_slug(name)}.key"
    meta_path = keys_dir / f"{_slug(name)}.json"
    if key_path.exists():
        key = _read_private(key_path)
        stored_name = name
        if meta_path.exists():
            stored_name = json.loads(meta_path.read_text("utf-8")).get("name", name)
        return Identity(stored_name, key), False
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Create with 0600 from the start: never a moment when the key is world-readable.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    identity = Identity(name, key)
    meta_path.write_text(json.dumps(identity.public_record(), indent=2) + "\n", "utf-8")
    return identity, True


def _read_private(key_path: Path) -> Ed25519PrivateKey:
    mode = key_path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyProblem(f"private key {key_path} is readable by others (mode {mode:o}); chmod 600 it")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, OSError) as exc:
        raise KeyProblem(f"cannot read private key {key_path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"private key {key_path} is not Ed25519")
    return key


def find_identity(keys_dir: Path, key_id: str, name: str) -> Identity | None:
    """The private key with this key id in ``keys_dir``, signing as ``name``; None when it is not here."""
    if not keys_dir.is_dir():
        return None
    for key_path in sorted(keys_dir.glob("*.key")):
        key = _read_private(key_path)
        if key_id_of(key.public_key()) == key_id:
            return Identity(name, key)
    return None


def export_public(identity: Identity, directory: Path) -> Path:
    """Write the identity's public key (PEM) and a small JSON beside it into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = identity.key_id.replace(":", "-")
    pem_path = directory / f"{stem}.pem"
    if not pem_path.exists():
        pem_path.write_bytes(public_pem(identity.public_key))
        (directory / f"{stem}.json").write_text(json.dumps(identity.public_record(), indent=2) + "\n", "utf-8")
    return pem_path


def load_public_keys(directory: Path) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    """Read every ``*.pem`` in ``directory``.

    Returns the raw keys by their computed key id, and the problems found as (file name, reason): files
    that are not keys, or whose content does not match the key id in their name.
    """
    keys: dict[str, bytes] = {}
    problems: list[tuple[str, str]] = []
    if not directory.is_dir():
        return keys, problems
    for pem_path in sorted(directory.glob("*.pem")):
        try:
            key = load_public_raw(pem_path.read_bytes())
        except KeyProblem as exc:
            problems.append((pem_path.name, str(exc)))
            continue
        computed = key_id_of(key)
        named = pem_path.stem.replace("-", ":", 1)
        if named != computed:
            problems.append((pem_path.name, f"file is named for {named} but holds key {computed}"))
            continue
        keys[computed] = key
    return keys, problems
