"""A case's facts as its signed events state them: title, jurisdiction, investigators and their keys.

``case.json`` is a readable copy. The facts live in custody events, so they are covered by the chain:

- ``case-create`` (always event 1) names the case's facts and the lead investigator, with the lead's
  public key inside the signed event;
- ``case-update`` changes facts (``details.changes``: field -> new value);
- ``enrol`` brings in another signing key (``details.investigator``), signed by a key already enrolled;
- ``enrol-wacz-key`` brings in an investigator's ECDSA P-384 key for signing WACZ files
  (:mod:`chain_of_custody.wacz_signature`), signed by that investigator's own enrolled Ed25519 key.

Signing keys are *enrolled*, not merely present: a key is trusted to sign event N only when event 1 or
an ``enrol`` event before N brought it in. A key file dropped into ``keys/`` enrols nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import KeyProblem
from .keys import checked_raw, fingerprint_of, key_id_of
from .wacz_signature import WaczKey, wacz_key_from_record

CREATE = "case-create"
UPDATE = "case-update"
ENROL = "enrol"
ENROL_WACZ = "enrol-wacz-key"
# The facts a case.json, a report, CASE/UCO and bag-info show; only these may change through case-update.
FIELDS = ("title", "jurisdiction", "offence", "organisation", "default_region", "authorisation")
# Facts added after cases were first written: case.json names them only once an event set them, so the
# readable copy of a case made before them still says exactly what its events say.
LATER_FIELDS = ("authorisation",)


@dataclass(frozen=True)
class Signer:
    """An enrolled key: who signs with it and which event brought it in."""

    name: str
    key_id: str
    fingerprint: str
    public_key: bytes | None  # raw Ed25519; None for a first-wave case whose event 1 did not carry it
    enrolled_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key_id": self.key_id,
            "fingerprint": self.fingerprint,
            "enrolled_at": self.enrolled_at,
        }


def _signer(record: Any, seq: int) -> Signer:
    """The signer an enrolment record names; raises KeyProblem when the record is not sound."""
    if not isinstance(record, dict) or not isinstance(record.get("name"), str) or not record["name"].strip():
        raise KeyProblem("the enrolment names no investigator")
    key_id = record.get("key_id")
    raw_hex = record.get("public_key")
    if raw_hex is None:
        if not isinstance(key_id, str):
            raise KeyProblem("the enrolment names no key")
        return Signer(record["name"], key_id, str(record.get("fingerprint") or ""), None, seq)
    try:
        raw = checked_raw(bytes.fromhex(str(raw_hex)))
    except ValueError:
        raise KeyProblem("the enrolled public key is not hexadecimal") from None
    if key_id_of(raw) != key_id:
        raise KeyProblem(f"the enrolled public key is {key_id_of(raw)}, not the key id {key_id} it is given")
    return Signer(record["name"], key_id, fingerprint_of(raw), raw, seq)


@dataclass
class CaseFacts:
    """The facts folded from a case's events, in order. ``apply`` returns what is wrong with an event."""

    case_id: str
    created: str | None = None
    fields: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(FIELDS))
    signers: dict[str, Signer] = field(default_factory=dict)  # by key id, in enrolment order
    wacz_keys: dict[str, WaczKey] = field(default_factory=dict)  # WACZ signing keys, by their key id

    def wacz_key_of(self, owner_key_id: str) -> WaczKey | None:
        """The WACZ key the investigator with this Ed25519 key enrolled last, if any."""
        mine = [k for k in self.wacz_keys.values() if k.owner_key_id == owner_key_id]
        return mine[-1] if mine else None

    def signer_for(self, key_id: str) -> Signer | None:
        return self.signers.get(key_id)

    def by_name(self, name: str) -> Signer | None:
        for signer in reversed(list(self.signers.values())):
            if signer.name == name:
                return signer
        return None

    def authorised(self, seq: int, key_id: str, actor: str) -> str | None:
        """Why this event's signer may not sign it, or None. Event 1 enrols its own signer."""
        if seq == 1:
            return None
        signer = self.signers.get(key_id)
        if signer is None:
            return f"key {key_id} (signing as {actor!r}) was not enrolled in the case before this event"
        if signer.name != actor:
            return f"key {key_id} is enrolled for {signer.name!r} but this event claims to be by {actor!r}"
        return None

    def apply(self, seq: int, time: str, action: str, actor: str, key_id: str, details: Any) -> str | None:
        """Fold one event into the facts; return why the event is not a sound case event, or None."""
        details = details if isinstance(details, dict) else {}
        if seq == 1:
            if action != CREATE:
                return f"the first event is {action!r}, not the case creation"
            self.created = time
            for name in FIELDS:
                self.fields[name] = details.get(name)
            record = details.get("investigator")
            if record is None:  # first-wave cases: event 1 did not carry the key; its signer is the lead
                record = {"name": actor, "key_id": key_id}
            try:
                signer = _signer(record, seq)
            except KeyProblem as exc:
                return f"the case creation's investigator is not sound: {exc}"
            if (signer.key_id, signer.name) != (key_id, actor):
                return (
                    f"the case creation enrols {signer.name!r} ({signer.key_id}) but is signed by {actor!r} ({key_id})"
                )
            self.signers[signer.key_id] = signer
            return None
        if action == CREATE:
            return "a second case creation"
        if action == UPDATE:
            changes = details.get("changes")
            if not isinstance(changes, dict) or not set(changes) <= set(FIELDS):
                return f"a case update may change only {', '.join(FIELDS)}"
            self.fields.update(changes)
        elif action == ENROL:
            try:
                signer = _signer(details.get("investigator"), seq)
            except KeyProblem as exc:
                return f"the enrolment is not sound: {exc}"
            if signer.key_id in self.signers:
                return f"key {signer.key_id} is already enrolled"
            if self.by_name(signer.name) is not None:  # a second key under a name would let it pose as the first
                return f"{signer.name!r} is already enrolled with another key"
            self.signers[signer.key_id] = signer
        elif action == ENROL_WACZ:
            if key_id not in self.signers or details.get("investigator") != actor:
                return "a WACZ key may be enrolled only by the investigator it belongs to, signing as themselves"
            try:
                wacz_key = wacz_key_from_record(details.get("wacz_key"), actor, key_id, seq)
            except KeyProblem as exc:
                return f"the WACZ key enrolment is not sound: {exc}"
            if wacz_key.key_id in self.wacz_keys:
                return f"WACZ key {wacz_key.key_id} is already enrolled"
            self.wacz_keys[wacz_key.key_id] = wacz_key
        return None

    def case_json(self) -> dict[str, Any]:
        """What case.json must say (its readable copy of these facts)."""
        return {
            "id": self.case_id,
            "created": self.created,
            **{k: v for k, v in self.fields.items() if v is not None or k not in LATER_FIELDS},
            "investigators": [
                {"name": s.name, "key_id": s.key_id, "algorithm": "Ed25519", "fingerprint": s.fingerprint}
                for s in self.signers.values()
            ],
        }


def differences(stated: Any, facts: CaseFacts) -> list[tuple[str, str, str]]:
    """(field, what case.json says, what the signed events say) for every fact that disagrees.

    The readable copy must say exactly what the events say: no field changed, dropped or added.
    """
    expected = facts.case_json()
    if not isinstance(stated, dict):
        return [("case.json", type(stated).__name__, "a JSON object")]
    return [
        (name, repr(stated.get(name)), repr(expected.get(name)))
        for name in [*expected, *sorted(set(stated) - set(expected))]
        if stated.get(name) != expected.get(name) or (name in stated) != (name in expected)
    ]
