"""Describe a case's artefacts: file type, embedded metadata, page metadata, selectors, photo hashes.

One run is one custody event (action ``describe``, ISO/IEC 27037 / SWGDE "describe"): it lists every
description it made (its own artefact, role ``metadata``, canonical JSON naming the source artefact's
digests and the extractors with their versions) and every image or video it took out of a WARC (role
``media``). Originals are only read. A second run with nothing new records nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chain_of_custody import timestamp as tsp
from chain_of_custody.canonical import canonical_json
from chain_of_custody.keys import Identity
from chain_of_custody.ledger import Event

from .. import TOOL
from ..errors import OperationFailed
from . import documents, exif, filetype, index, media, page, selectors
from .imagehash import hash_image

FORMAT = "evidence-kit-description/1"
# Our own records: describing them would only describe ourselves.
# Descriptions, capture records and the RFC 3161 proofs are the toolkit's own records: nothing to describe.
SKIP_ROLES = {"metadata", "capture-record", tsp.ROLE_TOKEN, tsp.ROLE_MANIFEST, tsp.ROLE_CHAIN, tsp.ROLE_ROOT}
# Screenshots of the same page template would all "match" each other: they are renders, not photos.
NO_IMAGE_HASH_ROLES = {"screenshot", "screenshot-viewport", "pdf"}
# exiftool has nothing to say about these beyond what libmagic says, and WARCs can be large.
NO_EXIF_ROLES = {"warc", "dom", "text", "har", "mhtml", "wacz"}
TEXT_LIMIT = 5_000_000  # characters of one text indexed for search


@dataclass(frozen=True)
class Work:
    blake3: str
    sha256: str
    size: int
    path: Path
    role: str | None
    capture_id: str | None
    url: str | None
    time: str | None
    name: str | None = None  # the original file name of an added file
    media: dict[str, Any] | None = None  # provenance when taken from a WARC


@dataclass(frozen=True)
class Described:
    source: str
    description: str  # blake3 of the description artefact
    role: str | None
    mime: str
    magic: str
    gps: exif.Gps | None
    selectors: int
    url: str | None
    capture_id: str | None
    flags: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "description": self.description,
            "role": self.role,
            "mime": self.mime,
            "magic": self.magic,
            "gps": self.gps.to_json() if self.gps else None,
            "selectors": self.selectors,
            "url": self.url,
            "capture_id": self.capture_id,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class DescribeResult:
    described: list[Described]
    media: list[dict[str, Any]]  # {blake3, url, warc, capture_id, …}
    captures: list[str]
    already: int  # artefacts that were described before this run
    event: Event | None
    errors: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return self.event is None

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event.seq if self.event else None,
            "already_described": self.already,
            "described": [d.to_json() for d in self.described],
            "media": self.media,
            "captures": self.captures,
            "errors": self.errors,
        }


@dataclass
class _CaptureFindings:
    record: dict[str, Any]
    page: page.PageMetadata | None = None
    dom: str | None = None
    text_artefact: str | None = None
    text: str = ""
    dom_selectors: list[selectors.Selector] = field(default_factory=list)
    text_selectors: list[selectors.Selector] = field(default_factory=list)


def _roles(case: Any) -> tuple[dict[str, str | None], dict[str, str]]:
    """blake3 → role where first recorded; blake3 → original file name for added files."""
    roles: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for event in case.events():
        for item in event.artefacts:
            digest = item.get("blake3")
            if digest and digest not in roles:
                roles[digest] = item.get("role")
                if event.action == "add" and event.details.get("original_name"):
                    names[digest] = str(event.details["original_name"])
    return roles, names


def _read_text(path: Path, limit: int = TEXT_LIMIT) -> str:
    with open(path, "rb") as handle:
        return handle.read(limit * 4).decode("utf-8", errors="replace")[:limit]


def _capture_findings(case: Any, record: dict[str, Any], region: str | None) -> _CaptureFindings:
    found = _CaptureFindings(record)
    url = record.get("final_url") or record.get("url")
    by_role: dict[str, str] = {}
    for item in record.get("artefacts", []):
        by_role.setdefault(item.get("role"), item.get("blake3"))
    dom_digest, text_digest = by_role.get("dom"), by_role.get("text")
    if dom_digest and case.store.has(dom_digest):
        html = _read_text(case.store.path_of(dom_digest))
        found.dom = dom_digest
        found.page = page.parse(html, url)
        links = [(link.url, link.text) for link in found.page.links]
        found.dom_selectors = selectors.extract_links(links, region)
        found.dom_selectors += [
            selectors.Selector(s.kind, s.value, s.raw, s.context, "attribute")
            for s in selectors.extract_text(found.page.attributes_text, region)
        ]
        if not text_digest:
            found.text = page.visible_text(html)
            found.text_selectors = selectors.extract_text(found.text, region)
            found.text_artefact = dom_digest
    if text_digest and case.store.has(text_digest):
        found.text = _read_text(case.store.path_of(text_digest))
        found.text_selectors = selectors.extract_text(found.text, region)
        found.text_artefact = text_digest
    found.dom_selectors = selectors.dedupe(found.dom_selectors)
    return found


def _pending_work(case: Any, done: set[str], records: list[dict[str, Any]]) -> list[Work]:
    """Every recorded artefact not described yet, with the capture it belongs to (if any)."""
    roles, names = _roles(case)
    owner: dict[str, dict[str, Any]] = {}
    for record in records:
        for item in record.get("artefacts", []):
            owner.setdefault(item.get("blake3"), record)
    work = []
    for row in case.artefact_rows():
        digest = row["blake3"]
        if digest in done or roles.get(digest) in SKIP_ROLES:
            continue
        record = owner.get(digest) or {}
        work.append(
            Work(
                digest,
                row["sha256"],
                row["size"],
                case.store.path_of(digest),
                roles.get(digest),
                record.get("id"),
                record.get("final_url") or record.get("url"),
                record.get("started") or row["first_time"],
                names.get(digest),
            )
        )
    return work


def _extract_media(
    case: Any, records: list[dict[str, Any]], done: set[str], work: list[Work], errors: list[str]
) -> tuple[list[index.MediaRow], list[dict[str, Any]]]:
    """Store the images and videos each new capture's WARC holds; queue the new ones for describing."""
    rows: list[index.MediaRow] = []
    entries: list[dict[str, Any]] = []
    queued = {w.blake3 for w in work}
    for record in records:
        for item in record.get("artefacts", []):
            if item.get("role") != "warc" or not case.store.has(item["blake3"]):
                continue
            extracted, problem = media.extract(case.store.path_of(item["blake3"]), case.store)
            if problem:
                errors.append(f"capture {record['id']}: {problem}")
            for found in extracted:
                stored = found.artefact
                rows.append(
                    index.MediaRow(
                        stored.blake3,
                        record["id"],
                        found.url,
                        found.content_type,
                        item["blake3"],
                        found.warc_record_id,
                        found.warc_payload_digest,
                    )
                )
                entry = {**stored.ledger_entry(role="media", source=item["blake3"]), "url": found.url}
                if entry not in entries:
                    entries.append(entry)
                if stored.blake3 not in done and stored.blake3 not in queued:
                    queued.add(stored.blake3)
                    work.append(
                        Work(
                            stored.blake3,
                            stored.sha256,
                            stored.size,
                            stored.path,
                            "media",
                            record["id"],
                            found.url,
                            record.get("started"),
                            media={**found.provenance(item["blake3"]), "capture_id": record["id"]},
                        )
                    )
    return rows, entries


def _read_embedded(
    work: list[Work], types: dict[str, filetype.FileType]
) -> tuple[dict[str, exif.Embedded], set[str], str | None, list[str]]:
    """exiftool over every file it has something to say about, in one process for the whole batch."""
    wanted = [w for w in work if w.role not in NO_EXIF_ROLES and not types[w.blake3].mime.startswith("text/")]
    if not wanted:
        return {}, set(), None, []
    try:
        with exif.batch() as tool:
            results = tool.read([w.path for w in wanted])
            return (
                {w.blake3: r for w, r in zip(wanted, results, strict=True)},
                {w.blake3 for w in wanted},
                tool.version,
                [],
            )
    except OperationFailed as exc:
        return {}, {w.blake3 for w in wanted}, None, [str(exc)]  # described without exiftool, and said so


@dataclass
class _One:
    """What describing one artefact produced."""

    body: dict[str, Any]
    selectors: list[selectors.Selector]
    flags: list[str]
    gps: exif.Gps | None
    texts: list[index.TextRow]
    image: index.ImageRow | None
    capture_owned: bool  # its page/text selectors are indexed with the capture, not the artefact


def _describe_one(
    w: Work,
    kind: filetype.FileType,
    embedded: exif.Embedded | None,
    exif_tried: bool,
    errors: list[str],
    extractors: list[dict[str, str]],
    capture: _CaptureFindings | None,
    region: str | None,
) -> _One:
    body: dict[str, Any] = {
        "format": FORMAT,
        "source": {
            "blake3": w.blake3,
            "sha256": w.sha256,
            "size": w.size,
            "role": w.role,
            "capture_id": w.capture_id,
            "url": w.url,
            "original_name": w.name,
        },
        "extractors": extractors,
        "filetype": kind.to_json(),
        "extension_mismatch": filetype.extension_mismatch(w.name, kind.mime) if w.name else None,
    }
    if w.media:
        body["media_source"] = w.media
    found: list[selectors.Selector] = []
    flags: list[str] = []
    texts: list[index.TextRow] = []
    if embedded is not None:
        body["embedded"] = embedded.to_json()
        if embedded.gps:
            flags.append("gps")
            found.append(
                selectors.Selector(
                    "gps", embedded.gps.value, embedded.gps.readable, "embedded GPS position", "metadata"
                )
            )
        if embedded.highlights:  # authors, owners and copyright lines carry phones and e-mails
            found += [
                selectors.Selector(s.kind, s.value, s.raw, s.context, "metadata")
                for s in selectors.extract_text("\n".join(embedded.highlights.values()), region)
            ]
    elif exif_tried:
        body["embedded"] = {"error": "; ".join(errors) or "exiftool gave no result"}
    if body["extension_mismatch"]:
        flags.append("extension-mismatch")
    if w.media and w.media.get("truncated"):
        flags.append("truncated-payload")

    is_dom = capture is not None and capture.dom == w.blake3 and capture.page is not None
    is_text = capture is not None and capture.text_artefact == w.blake3
    if is_dom and capture is not None and capture.page is not None:
        body["page"] = capture.page.to_json()
        found += capture.dom_selectors
        if {"passport", "id-document"} & {k for form in capture.page.forms for k in form.asks}:
            flags.append("form-asks-identity-document")
    if is_text and capture is not None:
        found += capture.text_selectors
    elif (
        w.capture_id is None and w.size and kind.mime in ("text/plain", "text/html", "application/xhtml+xml")
    ):
        # A text or HTML file added by hand: its selectors and words are searchable too.
        text = raw = _read_text(w.path)
        title = None
        if kind.mime != "text/plain":
            parsed = page.parse(raw, None)
            body["page"] = parsed.to_json()
            title = parsed.title
            text = page.visible_text(raw)
            found += selectors.extract_links([(link.url, link.text) for link in parsed.links], region)
        found += selectors.extract_text(text, region)
        texts.append(index.TextRow(w.blake3, None, None, title or w.name, w.time, text))
    elif kind.mime == "application/pdf" and (w.capture_id is None or w.role == "download"):
        # A document handed over or downloaded: its text names people, numbers, accounts.
        text, problem = documents.pdf_text(w.path)
        body["document_text"] = {
            "extractor": documents.pdftotext_version(),
            "characters": len(text or ""),
            "error": problem,
        }
        if text:
            found += selectors.extract_text(text, region)
            texts.append(index.TextRow(w.blake3, w.capture_id, w.url, w.name, w.time, text))

    image = None
    if kind.mime.startswith("image/") and w.role not in NO_IMAGE_HASH_ROLES:
        hashes = hash_image(w.path)
        if hashes:
            body["image_hashes"] = hashes.to_json()
            image = index.ImageRow(
                w.blake3, hashes.phash, hashes.dhash, hashes.width, hashes.height, w.role, w.url, w.capture_id
            )
    found = selectors.dedupe(found)
    body["selectors"] = [item.to_json() for item in found]
    body["flags"] = flags
    return _One(body, found, flags, embedded.gps if embedded else None, texts, image, is_dom or is_text)


def _write_unless_raced(connection: Any, rows: index.Rows, event: Event) -> None:
    """Inside the event's transaction: give up (roll back) if another run described any of these first."""
    sources = [d.source for d in rows.descriptions]
    captures = [c.capture_id for c in rows.captures]
    if (sources and index.described_sources(connection) & set(sources)) or (
        captures and index.described_captures(connection) & set(captures)
    ):
        raise _Raced()
    index.write(connection, rows, event.seq, event.time)


def _capture_rows(findings: list[_CaptureFindings], rows: index.Rows) -> None:
    """Selectors, text and a done-marker for every new capture, under its id, URL and time."""
    for f in findings:
        record = f.record
        url = record.get("final_url") or record.get("url")
        when = record.get("started")
        for item in f.dom_selectors:
            rows.selectors.append(index.SelectorRow(item, f.dom or "", record["id"], url, when))
        for item in f.text_selectors:
            rows.selectors.append(index.SelectorRow(item, f.text_artefact or "", record["id"], url, when))
        title = (f.page.title if f.page else None) or (record.get("page") or {}).get("title")
        if f.text_artefact:
            rows.texts.append(index.TextRow(f.text_artefact, record["id"], url, title, when, f.text))
        rows.captures.append(
            index.CaptureRow(record["id"], record.get("url"), record.get("final_url"), title, when)
        )


def _library_versions() -> list[dict[str, str]]:
    """Libraries whose version changes results: phone-number metadata is updated monthly, and a new
    imagehash or Pillow may hash the same photo differently (ACPO principle 3: repeatable)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("phonenumbers", "imagehash", "pillow", "lxml", "warcio"):
        try:
            out.append({"name": name, "version": version(name)})
        except PackageNotFoundError:
            continue
    return out


class _Raced(Exception):
    """Another process described some of the same artefacts while this run worked."""


def describe(
    case: Any,
    identity: Identity,
    on_progress: Callable[[int, int], None] | None = None,
) -> DescribeResult:
    """Describe every artefact and capture of ``case`` not described yet; one custody event for all.

    Two describes of one case at once (two ``add`` commands) must not record the same artefact twice:
    the event's transaction re-checks what is described and, if another run got there first, rolls back
    and starts over. Descriptions hold no times, so the retry makes byte-identical files (no orphans).
    """
    for _ in range(5):
        try:
            return _describe_once(case, identity, on_progress)
        except _Raced:
            continue
    raise OperationFailed(f"case {case.id}: describe kept racing another describe; run it again")


def _describe_once(
    case: Any,
    identity: Identity,
    on_progress: Callable[[int, int], None] | None,
) -> DescribeResult:
    connection = case.ledger.connection
    index.ensure_schema(connection)
    done = index.described_sources(connection)
    done_captures = index.described_captures(connection)
    region = case.info.get("default_region")
    records = [r for r in case.capture_records() if r.get("id")]
    new_records = [r for r in records if r["id"] not in done_captures]

    work = _pending_work(case, done, records)
    media_errors: list[str] = []
    media_rows, media_entries = _extract_media(case, new_records, done, work, media_errors)
    if not work and not new_records:
        return DescribeResult([], [], [], len(done), None)

    findings = {r["id"]: _capture_findings(case, r, region) for r in new_records}
    types = {w.blake3: filetype.identify(w.path) for w in work}
    embedded, exif_tried, exif_version, exif_errors = _read_embedded(work, types)
    errors = media_errors + exif_errors
    extractors = [{"name": "libmagic", "version": filetype.libmagic_version()}]
    if exif_version:
        extractors.append({"name": "exiftool", "version": exif_version})
    extractors += _library_versions()
    extractors.append({"name": "evidence-kit", "version": TOOL})

    rows = index.Rows([], [], [], [], media_rows, [])
    described: list[Described] = []
    stored_descriptions: list[tuple[Work, Any]] = []
    for number, w in enumerate(work, 1):
        kind = types[w.blake3]
        one = _describe_one(
            w,
            kind,
            embedded.get(w.blake3),
            w.blake3 in exif_tried,
            exif_errors,
            extractors,
            findings.get(w.capture_id or ""),
            region,
        )
        stored = case.store.ingest_bytes(canonical_json(one.body))
        stored_descriptions.append((w, stored))
        gps = one.gps
        rows.descriptions.append(
            index.DescriptionRow(
                w.blake3,
                stored.blake3,
                w.role,
                kind.mime,
                kind.description,
                w.capture_id,
                w.url,
                (gps.latitude, gps.longitude, gps.readable) if gps else None,
                tuple(one.flags),
            )
        )
        rows.texts += one.texts
        if one.image:
            rows.images.append(one.image)
        where = w.url or (f"file:{w.name}" if w.name else None)
        rows.selectors += [
            index.SelectorRow(item, w.blake3, w.capture_id, where, w.time)
            for item in one.selectors
            if not one.capture_owned or item.source == "metadata"
        ]
        described.append(
            Described(
                w.blake3,
                stored.blake3,
                w.role,
                kind.mime,
                kind.description,
                gps,
                len(one.selectors),
                w.url,
                w.capture_id,
                tuple(one.flags),
            )
        )
        if on_progress:
            on_progress(number, len(work))
    _capture_rows(list(findings.values()), rows)

    from ..case import machine_facts

    artefacts = [stored.ledger_entry(role="metadata", source=w.blake3) for w, stored in stored_descriptions]
    details = {
        "sources": [
            {"blake3": w.blake3, "sha256": w.sha256, "role": w.role, "description": stored.blake3}
            for w, stored in stored_descriptions
        ],
        "captures": [r["id"] for r in new_records],
        "extractors": extractors,
        "errors": errors,
        **machine_facts(),
    }
    event = case.append(
        identity,
        "describe",
        artefacts + media_entries,
        details,
        also=lambda conn, ev: _write_unless_raced(conn, rows, ev),
    )
    media_json = [
        {
            "blake3": m.blake3,
            "url": m.url,
            "warc": m.warc,
            "capture_id": m.capture_id,
            "warc_record_id": m.warc_record_id,
            "warc_payload_digest": m.warc_payload_digest,
        }
        for m in media_rows
    ]
    return DescribeResult(described, media_json, [r["id"] for r in new_records], len(done), event, errors)


def description_of(case: Any, digest: str) -> dict[str, Any] | None:
    """The stored description of an artefact (read from its description artefact, not the index)."""
    index.ensure_schema(case.ledger.connection)
    row = case.ledger.connection.execute(
        "SELECT description FROM md_descriptions WHERE source = ?", (digest,)
    ).fetchone()
    if row is None or not case.store.has(row[0]):
        return None
    return json.loads(case.store.path_of(row[0]).read_text("utf-8"))  # type: ignore[no-any-return]


def pipeline_step(
    case: Any, identity: Identity, artefacts: list[Any], capture_record: dict[str, Any] | None
) -> None:
    """Runs after every ``add`` and capture (see evidence_kit.pipeline).

    A description that cannot be made now must not undo the capture: the failure is recorded as a
    ``describe`` event with outcome "failed", and ``evidence-kit describe`` retries later.
    """
    try:
        describe(case, identity)
    except OperationFailed as exc:
        from ..case import machine_facts

        case.append(identity, "describe", [], {"outcome": "failed", "error": str(exc), **machine_facts()})


def summary(case: Any) -> dict[str, Any]:
    """What describe has found in a case so far (for ``case show``), and what is still undescribed."""
    connection = case.ledger.connection
    index.ensure_schema(connection)
    roles, _ = _roles(case)
    done = index.described_sources(connection)
    pending = [
        row["blake3"]
        for row in case.artefact_rows()
        if row["blake3"] not in done and roles.get(row["blake3"]) not in SKIP_ROLES
    ]
    kinds = dict(
        connection.execute("SELECT kind, count(DISTINCT value) FROM md_selectors GROUP BY kind").fetchall()
    )
    gps = index.query(
        connection,
        "SELECT source, url, capture_id, gps_latitude, gps_longitude, gps_readable FROM md_descriptions"
        " WHERE gps_latitude IS NOT NULL ORDER BY seq",
    )
    return {"described": len(done), "not_described": pending, "selectors": kinds, "gps": gps}
