"""Checking RFC 3161 timestamp tokens: the TSA's certificate chain and signature, and every stamp of a case.

:mod:`chain_of_custody.timestamp` gets tokens (the manifest, the request to a TSA, the stored stamp);
this module checks them. ``request_token`` checks each reply with the same chain and signature checks
(:func:`build_chain`, ``check_signature``) that verification runs, so the two cannot drift apart.

Verification, for a case folder or an exported bundle (the entry point other verifiers call)::

    check_timestamps(
        events: Iterable[Event],                      # ChainIndex.timestamp_events
        locate: Callable[[str], Path | None],         # artefact digest ("blake3:…") -> its file
        index: ChainIndex,                            # from verify.check_chain
        expected: dict[str, ExpectedArtefact],        # from verify.check_chain
        report: Report,
        *,
        case_id: str | None = None,                   # default: report.facts["case_id"]
        records: Iterable[dict[str, Any]] = (),       # read_token_records(<case>/timestamps)
        pinned_roots: Sequence[x509.Certificate] = (),  # trust only these roots when given
        tolerance: timedelta = DEFAULT_TOLERANCE,
    ) -> None

It adds checks ``timestamp-token``, ``timestamp-signature``, ``timestamp-imprint``,
``timestamp-manifest``, ``timestamp-head``, ``timestamp-artefact``, ``timestamp-time`` and
``timestamp-record`` to the report, one fact per token under ``report.facts["timestamps"]``, one
``openssl ts -verify`` command per token in ``report.commands``, and a warning naming the artefacts no
token covers yet.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .canonical import loads_strict
from .checks import describe
from .clock import parse_rfc3339, rfc3339
from .errors import CustodyError, Finding
from .hashing import hash_bytes, hash_file

# verify's checks of the stored artefacts (artefact-blake3: verify --fast), whose findings altered() reuses
ARTEFACT_CHECKS = ("artefact-present", "artefact-digest", "artefact-blake3")

# X.509 and RFC 3161 parsing (cryptography.x509, rfc3161_client: about 30 ms to import) are imported by the
# functions that read a certificate or a token, so verifying a case without stamps never loads them (issue 16).
if TYPE_CHECKING:
    from cryptography import x509
    from rfc3161_client import TimeStampResponse

    from .chain_index import ChainIndex, ExpectedArtefact
    from .ledger import Event
    from .report import Report

# Defined here rather than in timestamp.py so that checking needs nothing of the requesting side.
MANIFEST_FORMAT = "evidence-kit-timestamp-manifest/1"
RECORD_FORMAT = "evidence-kit-timestamp-record/1"  # the copy of a stamp's event details in timestamps/
ACTION = "timestamp"
SHA256_OID = "2.16.840.1.101.3.4.2.1"
# Beyond the TSA's stated accuracy: how far an investigator's system clock may run ahead of the TSA
# before an event time later than genTime counts as an inconsistency rather than clock drift.
DEFAULT_TOLERANCE = timedelta(seconds=60)
MAX_REPLY = 1024 * 1024


# -- certificates ---------------------------------------------------------------------------------
def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM (one or more) or DER bytes."""
    from cryptography import x509

    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise CustodyError(f"not an X.509 certificate: {exc}") from None


def certificates_pem(certificates: Iterable[x509.Certificate]) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return b"".join(c.public_bytes(Encoding.PEM) for c in certificates)


def fingerprint(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return "sha256:" + hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def subject(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def _is_ca(certificate: x509.Certificate) -> bool:
    from cryptography import x509

    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    from cryptography.exceptions import InvalidSignature

    if child.issuer != parent.subject or not _is_ca(parent):
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _valid_at(certificate: x509.Certificate, moment: datetime) -> str | None:
    if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
        return (
            f"certificate {subject(certificate)} was not valid at {rfc3339(moment)} "
            f"(valid {rfc3339(certificate.not_valid_before_utc)} "
            f"to {rfc3339(certificate.not_valid_after_utc)})"
        )
    return None


def build_chain(
    leaf: x509.Certificate,
    candidates: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    at: datetime,
) -> tuple[list[x509.Certificate], x509.Certificate]:
    """Walk from the TSA certificate through ``candidates`` to one of ``roots``, valid at ``at`` (genTime).

    Returns (TSA certificate + intermediates, root). Raises :class:`CustodyError` with the reason.
    """
    chain, current = [leaf], leaf
    for _ in range(8):
        for certificate in chain:
            problem = _valid_at(certificate, at)
            if problem:
                raise CustodyError(problem)
        for root in roots:
            if _issued_by(current, root):
                problem = _valid_at(root, at)
                if problem:
                    raise CustodyError(problem)
                return chain, root
        parent = next((c for c in candidates if c not in chain and _issued_by(current, c)), None)
        if parent is None:
            raise CustodyError(
                f"{subject(current)} (issued by {current.issuer.rfc4514_string()}) does not chain to a trusted root"
            )
        chain.append(parent)
        current = parent
    raise CustodyError("certificate chain longer than 8")


def _signer(response: TimeStampResponse) -> x509.Certificate | None:
    """The certificate in the token that the SignerInfo names (issuer and serial are signed)."""
    from cryptography import x509

    infos = list(response.signed_data.signer_infos)
    if len(infos) != 1:
        return None
    for der in response.signed_data.certificates:
        certificate = x509.load_der_x509_certificate(der)
        if certificate.issuer == infos[0].issuer and certificate.serial_number == infos[0].serial_number:
            return certificate
    return None


def check_signature(
    response: TimeStampResponse, stored_chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate]
) -> tuple[list[x509.Certificate], x509.Certificate]:
    """Check the token's signature and certificate chain; return (TSA chain, root) or raise CustodyError."""
    from cryptography import x509
    from rfc3161_client import VerificationError, VerifierBuilder

    if response.status not in (0, 1):
        raise CustodyError(
            f"the TSA refused the request (PKIStatus {response.status}: "
            f"{'; '.join(response.status_string) or 'no reason given'})"
        )
    embedded = _signer(response)
    leaf = embedded or (stored_chain[0] if stored_chain else None)
    if leaf is None:
        raise CustodyError("neither the token nor the stored chain holds the TSA certificate")
    if embedded is not None and stored_chain and embedded != stored_chain[0]:
        raise CustodyError(
            f"the token is signed by {subject(embedded)} (serial {embedded.serial_number}), not by "
            f"the expected TSA certificate {subject(stored_chain[0])}"
        )
    gen_time = response.tst_info.gen_time
    candidates = [
        *stored_chain,
        *(x509.load_der_x509_certificate(d) for d in response.signed_data.certificates),
    ]
    chain, root = build_chain(leaf, candidates, roots, gen_time)
    builder = VerifierBuilder(roots=[root], tsa_certificate=leaf, intermediates=chain[1:])
    try:
        # The imprint is checked separately (timestamp-imprint): here only signature, chain, EKU, ESS.
        builder.build().verify(response, response.tst_info.message_imprint.message)
    except (VerificationError, ValueError) as exc:
        raise CustodyError(f"the token's signature does not verify: {exc}") from None
    return chain, root


def accuracy_micros(response: TimeStampResponse) -> int | None:
    accuracy = response.tst_info.accuracy
    if accuracy is None:
        return None
    return (accuracy.seconds or 0) * 1_000_000 + (accuracy.millis or 0) * 1000 + (accuracy.micros or 0)


def openssl_command(manifest: Path, token: Path, root: Path, certificates: Path) -> str:
    """What a court expert runs by hand; prints "Verification: OK" when the token is good."""
    return shlex.join(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(manifest),
            "-in",
            str(token),
            "-CAfile",
            str(root),
            "-untrusted",
            str(certificates),
        ]
    )


def read_token_records(folder: Path) -> list[dict[str, Any]]:
    """The stamp records in a case's ``timestamps/`` folder (unreadable ones are returned as problems)."""
    records: list[dict[str, Any]] = []
    if not folder.is_dir():
        return records
    for path in sorted(folder.glob("*.json")):
        try:
            data = loads_strict(path.read_bytes())
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError, RecursionError) as exc:
            data = {"unreadable": str(exc)}
        records.append({**data, "_file": f"{folder.name}/{path.name}"})
    return records


# -- verification ---------------------------------------------------------------------------------
def short_digest(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"{algorithm}:{hex_digest[:16]}…"


class _Checker:
    def __init__(
        self,
        locate: Callable[[str], Path | None],
        index: ChainIndex,
        expected: dict[str, ExpectedArtefact],
        report: Report,
        case_id: str | None,
        pinned_roots: Sequence[x509.Certificate],
        tolerance: timedelta,
    ):
        self.locate, self.index, self.expected, self.report = locate, index, expected, report
        self.case_id = case_id if case_id is not None else report.facts.get("case_id")
        self.pinned_roots, self.tolerance = list(pinned_roots), tolerance
        self._altered: set[str] | None = None

    def fail(self, check: str, where: str, message: str, expected: str | None = None, found: str | None = None) -> None:
        self.report.fail(check, describe(check), Finding(check, where, message, expected, found))

    def ok(self, check: str) -> None:
        self.report.passed_item(check, describe(check))

    def altered(self, digest: str) -> bool:
        """Is a stored artefact missing or changed? Reuses verify's artefact checks when they ran."""
        if self._altered is None:
            ran = self.report.checks.get("artefact-present")
            if ran is None or ran.checked == 0:
                self._altered = set()
                for known, artefact in self.expected.items():
                    path = self.locate(known)
                    if path is None or not path.is_file():
                        self._altered.add(known)
                        continue
                    found = hash_file(path)
                    if (found.blake3, found.sha256, found.size) != (known, artefact.sha256, artefact.size):
                        self._altered.add(known)
            else:
                self._altered = {
                    f.where.split()[1]
                    for f in self.report.findings
                    if f.check in ARTEFACT_CHECKS and f.where.startswith("artefact ")
                }
        return digest in self._altered

    def read(self, digest: str | None) -> tuple[Path | None, bytes | None]:
        if not isinstance(digest, str) or ":" not in digest:
            return None, None
        path = self.locate(digest)
        if path is None or not path.is_file():
            return path, None
        return path, path.read_bytes()

    def token(self, details: dict[str, Any], seq: int | None, where: str) -> set[str]:
        """Check one stamp; return the artefacts it covers when its token and manifest are sound."""
        digest_of = {
            key: (details.get(key) or {}).get("blake3") for key in ("token", "manifest", "certificates", "root")
        }
        files = {key: self.read(digest) for key, digest in digest_of.items()}
        fact: dict[str, Any] = {
            "event": seq,
            "tsa": details.get("tsa"),
            "token": digest_of["token"],
            "ok": False,
        }
        findings_before = len(self.report.findings)
        self.report.facts.setdefault("timestamps", []).append(fact)
        missing = [key for key, (_, data) in files.items() if data is None]
        if missing:
            self.fail("timestamp-token", where, f"stored file(s) of this stamp missing: {', '.join(missing)}")
            return set()
        token_path, token_bytes = files["token"]
        manifest_path, manifest_bytes = files["manifest"]
        assert token_bytes is not None and manifest_bytes is not None and token_path and manifest_path
        clean = True
        if hash_bytes(token_bytes).blake3 != digest_of["token"]:
            clean = False
            self.fail(
                "timestamp-token",
                where,
                f"the token file {token_path} is not the token recorded for this stamp (swapped or edited)",
                digest_of["token"],
                hash_bytes(token_bytes).blake3,
            )
        from rfc3161_client import decode_timestamp_response

        try:
            response = decode_timestamp_response(token_bytes)
            info = response.tst_info
        except Exception as exc:  # the Rust parser's errors carry no common base class
            self.fail("timestamp-token", where, f"the token is not an RFC 3161 TimeStampResp: {exc}")
            return set()
        gen_time = info.gen_time.astimezone(UTC)
        fact.update(
            {
                "gen_time": rfc3339(gen_time),
                "serial": str(info.serial_number),
                "policy": info.policy.dotted_string,
            }
        )
        recorded = (details.get("serial"), details.get("gen_time"))
        if recorded != (str(info.serial_number), rfc3339(gen_time)):
            clean = False
            self.fail(
                "timestamp-token",
                where,
                "the token is not the one this stamp recorded (serial, genTime)",
                f"serial {recorded[0]} at {recorded[1]}",
                f"serial {info.serial_number} at {rfc3339(gen_time)}",
            )
        elif clean:
            self.ok("timestamp-token")
        # imprint == SHA-256 of the stored manifest
        imprint_ok = (
            info.message_imprint.hash_algorithm.dotted_string == SHA256_OID
            and info.message_imprint.message == hashlib.sha256(manifest_bytes).digest()
        )
        if imprint_ok:
            self.ok("timestamp-imprint")
        else:
            clean = False
            self.fail(
                "timestamp-imprint",
                where,
                f"the token does not stamp the manifest {manifest_path} (the manifest was edited or the token swapped)",
                "sha256:" + info.message_imprint.message.hex(),
                hash_bytes(manifest_bytes).sha256,
            )
        # signature and chain: pinned roots when given, else the stored root
        root_path, certificates_path = files["root"][0], files["certificates"][0]
        try:
            stored_chain = load_certificates(files["certificates"][1] or b"")
            stored_roots = load_certificates(files["root"][1] or b"")
            chain, root = check_signature(response, stored_chain, self.pinned_roots or stored_roots)
            fact.update(
                {
                    "tsa_subject": subject(chain[0]),
                    "root_subject": subject(root),
                    "root_sha256": fingerprint(root),
                    "root_pinned": bool(self.pinned_roots),
                }
            )
            self.ok("timestamp-signature")
        except CustodyError as exc:
            clean = False
            trusted = "the pinned roots" if self.pinned_roots else f"the stored root {root_path}"
            self.fail("timestamp-signature", where, f"{exc} (trusting {trusted})")
        assert root_path is not None and certificates_path is not None
        self.report.commands.append(openssl_command(manifest_path, token_path, root_path, certificates_path))
        covered = self.manifest(manifest_bytes, details, where, gen_time, response)
        fact["covered_artefacts"] = len(covered)
        fact["ok"] = len(self.report.findings) == findings_before
        return covered if clean else set()

    def manifest(
        self,
        data: bytes,
        details: dict[str, Any],
        where: str,
        gen_time: datetime,
        response: TimeStampResponse,
    ) -> set[str]:
        try:
            manifest = json.loads(data)
            head = manifest["ledger_head"]
            head_seq, head_hash = int(head["seq"]), str(head["entry_hash"])
            items = [(str(a["blake3"]), str(a["sha256"]), int(a["size"])) for a in manifest["artefacts"]]
        except (ValueError, KeyError, TypeError) as exc:
            self.fail("timestamp-manifest", where, f"the manifest is not a {MANIFEST_FORMAT} document: {exc}")
            return set()
        problems = []
        if manifest.get("format") != MANIFEST_FORMAT:
            problems.append(f"format {manifest.get('format')!r}")
        if manifest.get("case_id") != self.case_id:
            problems.append(f"it names case {manifest.get('case_id')!r}, not {self.case_id!r}")
        if details.get("covered_head") and details["covered_head"] != {
            "seq": head_seq,
            "entry_hash": head_hash,
        }:
            problems.append("its ledger head differs from the one the custody event records")
        recorded = {str(a.get("blake3")) for a in details.get("covered_artefacts", [])}
        if details.get("covered_artefacts") is not None and recorded != {b for b, _, _ in items}:
            problems.append("its artefacts differ from those the custody event records")
        for blake3, sha256, size in items:
            known = self.expected.get(blake3)
            if known is None or known.first_seq > head_seq:
                problems.append(f"artefact {blake3} is not recorded in the ledger up to event {head_seq}")
            elif (known.sha256, known.size) != (sha256, size):
                problems.append(
                    f"artefact {blake3} has SHA-256/size {sha256}/{size} in the manifest but "
                    f"{known.sha256}/{known.size} in the ledger"
                )
        if problems:
            self.fail("timestamp-manifest", where, "the manifest does not match the case: " + "; ".join(problems))
        else:
            self.ok("timestamp-manifest")
        if self.index.has(head_seq, head_hash):
            self.ok("timestamp-head")
        else:
            self.fail(
                "timestamp-head",
                where,
                f"the ledger no longer holds event {head_seq} with the hash this "
                "token covers: the ledger was truncated or rewritten",
                head_hash,
                self.index.entry_hash(head_seq) or "no such event",
            )
        for blake3, _, _ in items:
            if self.altered(blake3):
                self.fail(
                    "timestamp-artefact",
                    where,
                    f"artefact {blake3} was stamped at {rfc3339(gen_time)} but is missing or altered now",
                )
            else:
                self.ok("timestamp-artefact")
        latest = self.index.latest_time_upto(head_seq)
        accuracy = timedelta(microseconds=accuracy_micros(response) or 0)
        if latest is not None and latest > gen_time + accuracy + self.tolerance:
            self.fail(
                "timestamp-time",
                where,
                f"an event up to seq {head_seq} claims a time later than the TSA's "
                f"genTime of the stamp covering it (beyond accuracy {accuracy} + tolerance {self.tolerance})",
                f"at most {rfc3339(gen_time)}",
                rfc3339(latest),
            )
        elif latest is not None:
            self.ok("timestamp-time")
        return {b for b, _, _ in items} if not problems else set()


def _clock_offset(event: Event, report: Report, tolerance: timedelta) -> None:
    """How far the investigator's clock was from the TSA's when the stamp was recorded.

    The event was appended after the reply arrived, so a time earlier than genTime means the system
    clock ran behind the TSA or the event was backdated. Not an error: clocks drift, and the stamp
    itself still proves what it covers; but a court should know how far to trust the ledger's times.
    """
    gen_time = event.details.get("gen_time")
    if not isinstance(gen_time, str):
        return
    try:
        offset = parse_rfc3339(event.time) - parse_rfc3339(gen_time)
    except ValueError:
        return
    report.facts["timestamps"][-1]["clock_offset_seconds"] = round(offset.total_seconds())
    accuracy = timedelta(microseconds=int(event.details.get("accuracy_micros") or 0))
    if offset < -(accuracy + tolerance):
        report.warnings.append(
            f"timestamp event {event.seq} is dated {event.time}, {-offset} before the genTime {gen_time} "
            "of the token it records: the system clock ran behind the TSA or the event was backdated"
        )


def _token_or_finding(checker: _Checker, details: dict[str, Any], seq: Any, where: str) -> set[str]:
    """Check one stamp; a token whose DER the parsers refuse half-way (a certificate inside it, a field
    read lazily) is a finding naming the stamp, not a traceback."""
    try:
        return checker.token(details, seq, where)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        checker.fail("timestamp-token", where, f"the token cannot be read as RFC 3161: {exc}")
        return set()


def check_timestamps(
    events: Iterable[Event],
    locate: Callable[[str], Path | None],
    index: ChainIndex,
    expected: dict[str, ExpectedArtefact],
    report: Report,
    *,
    case_id: str | None = None,
    records: Iterable[dict[str, Any]] = (),
    pinned_roots: Sequence[x509.Certificate] = (),
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Verify every RFC 3161 stamp of a case or bundle into ``report`` (see the module docstring)."""
    checker = _Checker(locate, index, expected, report, case_id, pinned_roots, tolerance)
    covered: set[str] = set()
    stamp_seqs: set[int] = set()
    recorded_tokens: set[str] = set()
    # A stamp event whose details are not an object was altered; the entry-hash check names it.
    stamps = [event for event in events if event.action == ACTION and isinstance(event.details, dict)]
    for event in stamps:
        stamp_seqs.add(event.seq)
        token = (event.details.get("token") or {}).get("blake3")
        recorded_tokens.add(str(token))
        where = f"timestamp event {event.seq} token {short_digest(str(token))}"
        covered |= _token_or_finding(checker, event.details, event.seq, where)
        _clock_offset(event, report, tolerance)
    by_token = {str((e.details.get("token") or {}).get("blake3")): e for e in stamps}
    for record in records:
        token = (record.get("token") or {}).get("blake3") if isinstance(record.get("token"), dict) else None
        if token in recorded_tokens:
            # The copy must say what the signed event says (genTime, TSA, serial, policy, …): a forged
            # genTime in a sidecar is a finding, not a second opinion.
            event = by_token[str(token)]
            should_say = {"format": RECORD_FORMAT, "case_id": checker.case_id, "event_seq": event.seq, **event.details}
            stated = {k: v for k, v in record.items() if k != "_file"}
            differ = sorted(k for k in set(stated) | set(should_say) if stated.get(k) != should_say.get(k))
            if differ:
                checker.fail(
                    "timestamp-record",
                    f"{record.get('_file', 'timestamps/?')}",
                    f"this copy of the stamp of event {event.seq} disagrees with the signed event on: "
                    + ", ".join(differ),
                    str(should_say.get(differ[0])) if differ[0] in should_say else None,
                    str(stated.get(differ[0])) if differ[0] in stated else None,
                )
            else:
                checker.ok("timestamp-record")
            continue
        name = record.get("_file", "timestamps/?")
        if "unreadable" in record:
            checker.fail("timestamp-record", name, f"the stamp record is unreadable: {record['unreadable']}")
            continue
        where = f"{name} token {short_digest(str(token))}"
        checker.fail(
            "timestamp-record",
            where,
            f"no custody event records this stamp (event {record.get('event_seq')} "
            "was deleted: the ledger was truncated or rewritten)",
        )
        _token_or_finding(checker, record, record.get("event_seq"), where)
    # What no stamp covers yet: artefacts recorded outside timestamp events and in no good manifest.
    pending = [d for d, a in expected.items() if d not in covered and a.first_seq not in stamp_seqs]
    report.facts["timestamp_pending"] = len(pending)
    if pending:
        sample = ", ".join(short_digest(d) for d in pending[:3]) + (" …" if len(pending) > 3 else "")
        report.warnings.append(
            f"{len(pending)} artefact(s) not yet covered by an RFC 3161 timestamp ({sample}); "
            "run 'evidence-kit timestamp' to stamp them"
        )
