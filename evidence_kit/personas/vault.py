"""A persona's secrets sealed with a passphrase: scrypt derives the key, AES-256-GCM seals the JSON.

Why these: both are in ``cryptography`` (already a dependency of the verifier), scrypt is memory-hard
(guessing passphrases is slow on any hardware), and GCM refuses a file changed by one bit instead of
handing back altered cookies.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from ..errors import InvalidInput

FORMAT = "evidence-kit-persona-sealed/1"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
PASSPHRASE_ENV = "EVIDENCE_KIT_PERSONA_PASSPHRASE"


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def seal(data: dict[str, Any], passphrase: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    key = _key(passphrase, salt, **SCRYPT)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(data).encode("utf-8"), FORMAT.encode())
    envelope = {
        "format": FORMAT,
        "kdf": {"name": "scrypt", "salt": base64.b64encode(salt).decode(), **SCRYPT},
        "cipher": "AES-256-GCM",
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    return (json.dumps(envelope, indent=2) + "\n").encode()


def is_sealed(raw: bytes) -> bool:
    try:
        return bool(json.loads(raw).get("format") == FORMAT)
    except (ValueError, AttributeError):
        return False


def open_sealed(raw: bytes, passphrase: str, what: str) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        envelope = json.loads(raw)
        kdf = envelope["kdf"]
        key = _key(passphrase, base64.b64decode(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        plain = AESGCM(key).decrypt(
            base64.b64decode(envelope["nonce"]), base64.b64decode(envelope["ciphertext"]), FORMAT.encode()
        )
    except InvalidTag:
        raise InvalidInput(f"{what}: wrong passphrase (or the file was altered)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{what}: the sealed file cannot be read ({exc})") from None
    data = json.loads(plain)
    if not isinstance(data, dict):
        raise InvalidInput(f"{what}: the sealed file holds no persona")
    return data
