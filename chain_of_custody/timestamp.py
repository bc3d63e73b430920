"""RFC 3161 trusted timestamps over a case's ledger head and artefacts: getting a token.

A local clock proves nothing to a court; a token from a time-stamping authority (TSA) proves that the
stamped bytes existed at the TSA's ``genTime``. We stamp a *timestamp manifest*: canonical JSON naming
the case, the ledger head (seq + entry_hash, which through the hash chain fixes every earlier event) and
the BLAKE3 and SHA-256 digests of every artefact not yet covered. The imprint is SHA-256 of the manifest
bytes (TSAs and ``rfc3161-client`` accept SHA-2 imprints only, not BLAKE3), so anybody can check a
token by hand::

    openssl ts -verify -data MANIFEST -in TOKEN.tsr -CAfile ROOT.pem -untrusted TSA.pem

Each stamp is stored as four artefacts, named by role in its custody event (action ``timestamp``):
``tsa-token`` (the DER TimeStampResp, ``.tsr``), ``timestamp-manifest``, ``tsa-certificates`` (PEM:
the TSA certificate, then any intermediates) and ``tsa-root`` (PEM: the root it chained to). The
event's details carry the TSA URL, genTime, serial, policy, those four digests, the covered head and
the covered artefacts. A copy of the details is also written to ``<case>/timestamps/`` so a stamp
stays findable when the ledger's tail (and its timestamp event with it) is cut off.
Checking tokens (the TSA's chain and signature, and ``check_timestamps`` for a case or bundle) lives in
:mod:`chain_of_custody.timestamp_check`; a reply is checked there with the same functions verify uses.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    decode_timestamp_response,
)

from .canonical import canonical_json
from .clock import rfc3339
from .errors import CustodyError, OperationFailed
from .hashing import Digests
from .ledger import Event, Head
from .timestamp_check import (
    ACTION,
    MANIFEST_FORMAT,
    RECORD_FORMAT,
    SHA256_OID,
    accuracy_micros,
    certificates_pem,
    check_signature,
    fingerprint,
    subject,
)

ACTION_QUEUED = "timestamp-queued"  # no TSA answered: the artefacts stay pending for the next stamp
ROLE_TOKEN, ROLE_MANIFEST, ROLE_CHAIN, ROLE_ROOT = (
    "tsa-token",
    "timestamp-manifest",
    "tsa-certificates",
    "tsa-root",
)
TIMESTAMP_ROLES = frozenset({ROLE_TOKEN, ROLE_MANIFEST, ROLE_CHAIN, ROLE_ROOT})
MAX_REPLY = 1024 * 1024


class TimestampFailed(OperationFailed):
    """A TSA did not answer, or answered with a token that does not verify (exit 3)."""


# -- the manifest ---------------------------------------------------------------------------------
def build_manifest(case_id: str, head: Head, artefacts: Iterable[dict[str, Any]]) -> bytes:
    """The canonical bytes a TSA stamps: the case, its ledger head, and the artefacts not yet covered."""
    return canonical_json(
        {
            "format": MANIFEST_FORMAT,
            "case_id": case_id,
            "ledger_head": {"seq": head.seq, "entry_hash": head.entry_hash},
            "artefacts": [{"blake3": a["blake3"], "sha256": a["sha256"], "size": int(a["size"])} for a in artefacts],
        }
    )


def covered_by(events: Iterable[Event]) -> set[str]:
    """BLAKE3 digests the ``timestamp`` events among ``events`` cover."""
    covered: set[str] = set()
    for event in events:
        if event.action == ACTION:
            covered.update(str(item.get("blake3")) for item in event.details.get("covered_artefacts", []))
    return covered


# -- requesting a token ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Stamp:
    """One verified token from one TSA."""

    url: str
    token: bytes  # the DER TimeStampResp exactly as the TSA sent it (what `openssl ts -verify -in` reads)
    gen_time: datetime
    serial: int
    policy: str
    nonce: int | None
    accuracy_micros: int | None
    chain: tuple[x509.Certificate, ...]  # TSA certificate, then intermediates
    root: x509.Certificate

    @property
    def chain_pem(self) -> bytes:
        return certificates_pem(self.chain)

    @property
    def root_pem(self) -> bytes:
        return certificates_pem([self.root])

    def facts(self) -> dict[str, Any]:
        return {
            "tsa": self.url,
            "gen_time": rfc3339(self.gen_time),
            "time_source": "TSA genTime (RFC 3161)",
            "serial": str(self.serial),
            "policy": self.policy,
            "accuracy_micros": self.accuracy_micros,
            "nonce": None if self.nonce is None else str(self.nonce),
            "tsa_subject": subject(self.chain[0]),
            "root_subject": subject(self.root),
            "root_sha256": fingerprint(self.root),
        }


def request_token(
    url: str,
    manifest: bytes,
    roots: Sequence[x509.Certificate],
    certificates: Sequence[x509.Certificate] = (),
    timeout: float = 15.0,
) -> Stamp:
    """Ask the TSA at ``url`` to stamp SHA-256 of ``manifest`` (with a nonce and certReq), and verify the
    reply at once: status, nonce, imprint, signature, and a chain to one of ``roots`` valid at genTime.

    ``certificates`` are the TSA certificate and intermediates when the settings give them (a reply
    carries only the TSA's own certificate). Raises :class:`TimestampFailed` with the reason.
    """
    if not url.startswith(("http://", "https://")):
        raise TimestampFailed(f"TSA {url}: only http:// and https:// TSAs are supported")
    if not roots:
        raise TimestampFailed(
            f"TSA {url}: no trusted root certificate configured for it, so its tokens "
            "cannot be checked (give its root CA)"
        )
    request = (
        TimestampRequestBuilder()
        .data(manifest)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    http = urllib.request.Request(
        url,
        data=request.as_bytes(),
        method="POST",
        headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310 (scheme checked above)
            raw = answer.read(MAX_REPLY + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TimestampFailed(f"TSA {url} did not answer: {reason}") from None
    if len(raw) > MAX_REPLY:
        raise TimestampFailed(f"TSA {url} sent more than {MAX_REPLY} bytes")
    try:
        response = decode_timestamp_response(raw)
    except Exception as exc:  # the Rust parser raises plain ValueErrors and its own types
        raise TimestampFailed(f"TSA {url} did not send an RFC 3161 reply: {exc}") from None
    info = response.tst_info if response.status in (0, 1) else None
    if info is not None and info.nonce != request.nonce:
        raise TimestampFailed(f"TSA {url} answered with another request's nonce (a replayed reply)")
    if info is not None and (
        info.message_imprint.hash_algorithm.dotted_string != SHA256_OID
        or info.message_imprint.message != hashlib.sha256(manifest).digest()
    ):
        raise TimestampFailed(f"TSA {url} stamped other bytes than the manifest sent")
    try:
        chain, root = check_signature(response, list(certificates), roots)
    except CustodyError as exc:
        raise TimestampFailed(f"TSA {url}: {exc}") from None
    assert info is not None
    return Stamp(
        url,
        raw,
        info.gen_time.astimezone(UTC),
        info.serial_number,
        info.policy.dotted_string,
        info.nonce,
        accuracy_micros(response),
        tuple(chain),
        root,
    )


def event_details(
    stamp: Stamp,
    head: Head,
    covered: Sequence[dict[str, Any]],
    manifest: Digests,
    token: Digests,
    chain: Digests,
    root: Digests,
) -> dict[str, Any]:
    """The details of the ``timestamp`` custody event (and of its record in ``timestamps/``)."""
    return {
        **stamp.facts(),
        "manifest": manifest.to_json(),
        "token": token.to_json(),
        "certificates": chain.to_json(),
        "root": root.to_json(),
        "covered_head": {"seq": head.seq, "entry_hash": head.entry_hash},
        "covered_artefacts": [{"blake3": a["blake3"], "sha256": a["sha256"]} for a in covered],
    }


__all__ = [
    "ACTION",
    "ACTION_QUEUED",
    "MANIFEST_FORMAT",
    "MAX_REPLY",
    "RECORD_FORMAT",
    "ROLE_CHAIN",
    "ROLE_MANIFEST",
    "ROLE_ROOT",
    "ROLE_TOKEN",
    "TIMESTAMP_ROLES",
    "Stamp",
    "TimestampFailed",
    "build_manifest",
    "covered_by",
    "event_details",
    "request_token",
]
