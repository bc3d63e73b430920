"""What one export holds: the ledger cut, the exhibits and their artefacts under readable bag names.

Every other export module (bag, WACZ, CASE, report, MLA annexes) reads the case only through
:class:`Contents`, so they all number exhibits and name files the same way.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chain_of_custody import ownership
from chain_of_custody.ledger import Event, Head

from ..case import Case
from ..errors import InvalidInput

# File name extensions for the MIME types evidence usually has (mimetypes lacks some of these).
EXTENSIONS = {
    "application/warc": ".warc",
    "application/x-warc": ".warc",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "text/html": ".html",
    "text/plain": ".txt",
    "application/json": ".json",
    "video/webm": ".webm",
    "multipart/related": ".mhtml",
    "application/x-mimearchive": ".mhtml",
    "application/gzip": ".gz",
    "application/zip": ".zip",
    "application/timestamp-reply": ".tsr",
    "application/pkix-cert": ".pem",
}


@dataclass(frozen=True)
class BagArtefact:
    """One artefact as the bundle holds it."""

    blake3: str
    sha256: str
    size: int
    mime: str | None
    role: str
    exhibit: str | None  # "E01"; None for artefacts that belong to no exhibit
    capture_id: str | None
    first_seq: int
    path: str  # inside the bag: "data/artefacts/E01-screenshot-1a2b3c4d5e6f.png"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "blake3": self.blake3,
            "sha256": self.sha256,
            "size": self.size,
            "mime": self.mime,
            "role": self.role,
            "exhibit": self.exhibit,
            "capture_id": self.capture_id,
            "first_seq": self.first_seq,
        }


@dataclass(frozen=True)
class Exhibit:
    number: str  # "E01"
    kind: str  # "capture" or "file"
    event: Event  # the capture or add event
    artefacts: tuple[BagArtefact, ...]
    record: dict[str, Any] | None = None  # the capture record, for captures
    record_path: str | None = None  # "data/captures/<id>.json"

    @property
    def title(self) -> str:
        if self.record:
            return str(self.record.get("page", {}).get("title") or self.record.get("final_url") or self.record["url"])
        return str(self.event.details.get("original_name") or self.artefacts[0].path)

    @property
    def capture_id(self) -> str | None:
        return str(self.record["id"]) if self.record else None

    def artefact(self, role: str) -> BagArtefact | None:
        return next((a for a in self.artefacts if a.role == role), None)


@dataclass
class Contents:
    case: Case
    head: Head
    events: list[Event]
    exhibits: list[Exhibit]
    artefacts: dict[str, BagArtefact]  # by BLAKE3, everything copied into the bag
    omitted: list[dict[str, Any]]  # artefacts of captures not selected
    sources: dict[str, Path] = field(default_factory=dict)  # BLAKE3 -> file in the case
    derived_from: dict[str, str] = field(default_factory=dict)  # metadata/media BLAKE3 -> source BLAKE3
    _described: dict[str, str] | None = field(default=None, repr=False)

    def description(self, source: str) -> dict[str, Any] | None:
        """The metadata description (evidence_kit.metadata) made of an artefact, if the bundle holds one."""
        if self._described is None:
            self._described = {
                origin: digest
                for digest, origin in self.derived_from.items()
                if digest in self.artefacts and self.artefacts[digest].role == "metadata"
            }
        digest = self._described.get(source)
        if digest is None:
            return None
        try:
            data = json.loads(self.sources[digest].read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def recorded_json(self, exhibit: Exhibit, role: str) -> dict[str, Any] | None:
        """The JSON object an exhibit's artefact of this role holds (a social Profile, its history), if any."""
        for item in exhibit.artefacts:
            path = self.sources.get(item.blake3)
            if item.role == role and path is not None:
                try:
                    value = json.loads(path.read_bytes())
                except (OSError, ValueError):
                    return None
                return value if isinstance(value, dict) else None
        return None

    def events_of(self, action: str) -> list[Event]:
        return [e for e in self.events if e.action == action]


def _gzipped(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def extension(mime: str | None, original_name: str | None = None) -> str:
    if original_name and Path(original_name).suffix and len(Path(original_name).suffix) <= 8:
        return Path(original_name).suffix.lower()
    if not mime:
        return ".bin"
    return EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ".bin"


def _safe(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
    return cleaned.strip("-.") or "artefact"


# RFC 3161 material goes to data/timestamps/ under the names ``openssl ts -verify`` users expect.
TIMESTAMP_ROLES = {
    "tsa-token": ".tsr",
    "timestamp-manifest": ".json",
    "tsa-certificates": ".pem",
    "tsa-root": ".pem",
}


def bag_name(
    exhibit: str | None,
    role: str,
    blake3: str,
    mime: str | None,
    original: str | None = None,
    seq: int | None = None,
) -> str:
    """Exhibit number, role and short digest: a person finds the file, the digest ties it to the ledger."""
    short = blake3.split(":", 1)[1][:12]
    if role in TIMESTAMP_ROLES:
        return f"data/timestamps/event-{seq or 0:04d}-{role}-{short}{TIMESTAMP_ROLES[role]}"
    prefix = exhibit or "X"
    return f"data/artefacts/{prefix}-{_safe(role)}-{short}{extension(mime, original)}"


def gather(case: Case, captures: Iterable[str] | None = None) -> Contents:
    """Cut the ledger at its current head and lay out the exhibits of the chosen captures (default: all)."""
    ledger = case.ledger
    head = ledger.head()
    if head is None:
        raise InvalidInput(f"case {case.id} has no custody events to export")
    events = [e for e in ledger.events() if e.seq <= head.seq]
    records = {str(r.get("id")): r for r in case.capture_records()}
    wanted = set(captures) if captures else None
    if wanted is not None:
        unknown = sorted(wanted - set(records))
        if unknown:
            raise InvalidInput(f"case {case.id} has no capture {', '.join(unknown)} (see 'evidence-kit case show')")

    # Which captures each artefact belongs to: the rule the bundle verifier applies too (ledger only).
    owned = ownership.trace(events)
    first = owned.first

    # Everything not tied to a capture stays in; a capture's artefacts go only with a selected capture.
    included = {d for d in first if wanted is None or not owned.captures(d) or owned.captures(d) & wanted}

    # Exhibits: captures in the order they started, then added files in ledger order.
    capture_events: dict[str, Event] = {}
    for event in events:
        if event.action == "capture" and event.details.get("capture_id") in records:
            capture_events.setdefault(str(event.details["capture_id"]), event)
    chosen = [cid for cid in records if cid in capture_events and (wanted is None or cid in wanted)]
    chosen.sort(key=lambda cid: (str(records[cid].get("started")), capture_events[cid].seq))
    add_events = [
        e for e in events if e.action == "add" and e.artefacts and str(e.artefacts[0].get("blake3")) in included
    ]

    artefacts: dict[str, BagArtefact] = {}
    sources: dict[str, Path] = {}
    exhibits: list[Exhibit] = []

    def place(digest: str, exhibit: str | None, capture_id: str | None, original: str | None = None) -> BagArtefact:
        if digest in artefacts:
            return artefacts[digest]
        event, item = first[digest]
        role = owned.role(digest) or "artefact"
        mime = item.get("mime")
        artefact = BagArtefact(
            digest,
            str(item.get("sha256")),
            int(item.get("size", -1)),
            mime,
            role,
            exhibit,
            capture_id,
            event.seq,
            bag_name(exhibit, role, digest, mime, original, event.seq),
        )
        source = case.store.path_of(digest)
        if role == "warc" and artefact.path.endswith(".warc") and _gzipped(source):
            artefact = replace(artefact, path=artefact.path + ".gz")  # record-per-member gzip WARC
        artefacts[digest] = artefact
        sources[digest] = source
        return artefact

    number = 0
    for capture_id in chosen:
        number += 1
        label = f"E{number:02d}"
        event = capture_events[capture_id]
        digests = [str(i.get("blake3")) for i in event.artefacts if isinstance(i, dict)]
        digests += owned.derived(digests)
        placed = [place(d, label, capture_id) for d in dict.fromkeys(digests) if d in first]
        exhibits.append(
            Exhibit(
                label,
                "capture",
                event,
                tuple(placed),
                records[capture_id],
                f"data/captures/{_safe(capture_id)}.json",
            )
        )
    for event in add_events:
        digest = str(event.artefacts[0].get("blake3"))
        if digest in artefacts:
            continue  # the same bytes added twice are one exhibit
        number += 1
        label = f"E{number:02d}"
        placed = [place(digest, label, None, event.details.get("original_name"))]
        placed += [place(d, label, None) for d in owned.derived([digest]) if d in first and d not in artefacts]
        exhibits.append(Exhibit(label, "file", event, tuple(placed)))
    for digest in first:
        if digest in included and digest not in artefacts:
            place(digest, None, owned.capture(digest))

    omitted = [
        {
            "blake3": d,
            "sha256": str(first[d][1].get("sha256")),
            "capture_id": owned.capture(d),
            "reason": "capture not selected for this export",
        }
        for d in first
        if d not in artefacts
    ]
    return Contents(case, head, events, exhibits, artefacts, omitted, sources, dict(owned.sources))


def mapping_json(contents: Contents) -> bytes:
    data = {
        "format": "evidence-kit-artefact-map/1",
        "case_id": contents.case.id,
        "ledger_head": str(contents.head),
        "artefacts": [a.to_json() for a in sorted(contents.artefacts.values(), key=lambda a: a.path)],
        "omitted": contents.omitted,
        "exhibits": [
            {
                "exhibit": e.number,
                "kind": e.kind,
                "event": e.event.seq,
                "capture_id": e.capture_id,
                "title": e.title,
                "record": e.record_path,
                "files": [a.path for a in e.artefacts],
            }
            for e in contents.exhibits
        ],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
