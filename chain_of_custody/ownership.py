"""Which capture, and which event, each artefact belongs to: worked out from the custody ledger alone.

The exporter decides with it which artefacts go with a selected capture and which are left out; the
bundle verifier decides with it whether an artefact may be left out; ``case show`` and ``describe`` name
an artefact's role and capture with it. They must agree, so there is this one rule:

- an artefact belongs to every capture whose event (``details.capture_id``) names it;
- a derived artefact (an event names it with ``source``: a metadata description, media taken out of a
  WARC) belongs to the captures of the artefact it was derived from, followed back to the first one;
- its role and first event are those of the first event that names it.

Only signed events count: capture records are readable copies, and a rule that read them could be
steered by editing one.

>>> from chain_of_custody.ledger import Event
>>> def event(seq, action, artefacts, **details):
...     return Event(seq, "", "A", "k", action, "C", artefacts, details, "")
>>> owned = trace([
...     event(1, "capture", [{"blake3": "blake3:w", "role": "warc"}], capture_id="cap-1"),
...     event(2, "describe", [{"blake3": "blake3:m", "role": "media", "source": "blake3:w"},
...                           {"blake3": "blake3:d", "role": "metadata", "source": "blake3:m"}]),
...     event(3, "add", [{"blake3": "blake3:f", "role": "added-file"}]),
... ])
>>> sorted(owned.captures("blake3:d")), owned.capture("blake3:f"), owned.role("blake3:m")
(['cap-1'], None, 'media')
>>> owned.direct_capture("blake3:m"), owned.root("blake3:d"), owned.first_seq("blake3:f")
(None, 'blake3:w', 3)
>>> owned.derived(["blake3:w"])
['blake3:m', 'blake3:d']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .ledger import Event

# A source chain longer than this is not followed further (a hostile ledger may hold a loop).
MAX_HOPS = 16


@dataclass(frozen=True)
class Ownership:
    """What the ledger says about each artefact, by BLAKE3 digest (``"blake3:…"``)."""

    first: Mapping[str, tuple[Event, Mapping[str, Any]]]  # the first event naming it, and its entry there
    roles: Mapping[str, str]  # the first role an event gives it
    sources: Mapping[str, str]  # a derived artefact -> the artefact it was made from
    direct: Mapping[str, frozenset[str]]  # capture ids whose capture event names it
    owners: Mapping[str, frozenset[str]]  # direct, or for a derived artefact those of its root

    def captures(self, digest: str) -> frozenset[str]:
        """Every capture the artefact belongs to (derived artefacts follow their source); empty if none."""
        return self.owners.get(digest, frozenset())

    def capture(self, digest: str) -> str | None:
        """One capture it belongs to (the first by id), or None for an artefact of no capture."""
        found = self.captures(digest)
        return min(found) if found else None

    def direct_capture(self, digest: str) -> str | None:
        """The first capture whose own event names it, not following a derived artefact to its source."""
        found = self.direct.get(digest)
        return min(found) if found else None

    def role(self, digest: str) -> str | None:
        return self.roles.get(digest)

    def first_seq(self, digest: str) -> int | None:
        found = self.first.get(digest)
        return found[0].seq if found else None

    def root(self, digest: str) -> str:
        """The artefact a derived one was made from, followed back to one that names no source."""
        return _root(self.sources, digest)

    def derived(self, digests: Iterable[str], depth: int = 4) -> list[str]:
        """Artefacts derived from ``digests`` (descriptions, media, their descriptions), nearest first."""
        found: list[str] = []
        frontier = set(digests)
        for _ in range(depth):
            frontier = {d for d, source in self.sources.items() if source in frontier and d not in found}
            found += sorted(frontier)
        return found


def trace(events: Iterable[Event]) -> Ownership:
    """Read ownership from ``events`` (the ledger in order, or a cut of it)."""
    first: dict[str, tuple[Event, Mapping[str, Any]]] = {}
    roles: dict[str, str] = {}
    sources: dict[str, str] = {}
    direct: dict[str, set[str]] = {}
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        capture_id = details.get("capture_id")
        for item in event.artefacts if isinstance(event.artefacts, list) else []:
            if not isinstance(item, dict):
                continue
            digest = str(item.get("blake3"))
            first.setdefault(digest, (event, item))
            if item.get("role") and digest not in roles:
                roles[digest] = str(item["role"])
            if item.get("source") and digest not in sources:
                sources[digest] = str(item["source"])
            if capture_id:
                direct.setdefault(digest, set()).add(str(capture_id))
    frozen = {digest: frozenset(ids) for digest, ids in direct.items()}
    owners = dict(frozen)
    for digest in sources:
        inherited = frozen.get(_root(sources, digest))
        if inherited:
            owners[digest] = owners.get(digest, frozenset()) | inherited
    return Ownership(first, roles, sources, frozen, owners)


def _root(sources: Mapping[str, str], digest: str) -> str:
    for _ in range(MAX_HOPS):
        if digest not in sources:
            break
        digest = sources[digest]
    return digest
