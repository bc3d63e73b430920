"""Describe a case's artefacts: file type, embedded metadata, page metadata, selectors, photo hashes.

One run is one custody event (action ``describe``, ISO/IEC 27037 / SWGDE "describe"): it lists every
description it made (its own artefact, role ``metadata``, canonical JSON naming the source artefact's
digests and the extractors with their versions), every text it indexed for search that is not an
artefact's own bytes (role ``extracted-text``), every image or video it took out of a WARC (role
``media``) and every file it took out of a handed-over archive, e-mail or mbox (roles ``archive-member``,
``attachment``, ``mail-message``: see :mod:`.derived`). Originals are only read. A second run with
nothing new records nothing.

The flow: find what is undescribed (``_pending_work``), take media out of new captures' WARCs, work
out each new capture's page and text once, type every file (libmagic) and read embedded metadata
(one exiftool process for the batch), then run the describers (``describers.DESCRIBERS``, in order)
over each artefact, store the descriptions, and append the event; inside its transaction the index
rows are derived from the descriptions by chain_of_custody.index_rows, the rule verify checks them with.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chain_of_custody import ownership
from chain_of_custody import timestamp as tsp
from chain_of_custody.canonical import canonical_json
from chain_of_custody.errors import Finding
from chain_of_custody.hashing import blake3_digest
from chain_of_custody.index_check import check_index
from chain_of_custody.index_rows import Description, EventFacts, Rows, rows_for_event
from chain_of_custody.keys import Identity
from chain_of_custody.ledger import Event
from chain_of_custody.report import Report

from .. import TOOL
from ..errors import OperationFailed
from ..machine import machine_facts
from . import derived, exif, filetype, index, media, page, selectors
from .describers import DESCRIBERS, CaptureFindings, Item, Out, Work
from .describers.base import read_text

FORMAT = "evidence-kit-description/1"
# Descriptions, the texts they index, capture records and the RFC 3161 proofs are the toolkit's own
# records: nothing to describe.
SKIP_ROLES = {
    "metadata",
    "extracted-text",
    "capture-record",
    tsp.ROLE_TOKEN,
    tsp.ROLE_MANIFEST,
    tsp.ROLE_CHAIN,
    tsp.ROLE_ROOT,
}
# exiftool has nothing to say about these beyond what libmagic says, and WARCs can be large.
NO_EXIF_ROLES = {"warc", "dom", "text", "har", "mhtml", "wacz"}


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


def _roles(owned: ownership.Ownership) -> tuple[dict[str, str | None], dict[str, str]]:
    """blake3 → role where first recorded; blake3 → original file name for added files."""
    roles = {digest: owned.role(digest) for digest in owned.first}
    names = {
        digest: str(event.details["original_name"])
        for digest, (event, _) in owned.first.items()
        if event.action == "add" and event.details.get("original_name")
    }
    return roles, names


def _capture_findings(case: Any, record: dict[str, Any], region: str | None) -> CaptureFindings:
    found = CaptureFindings(record)
    url = record.get("final_url") or record.get("url")
    by_role: dict[str, str] = {}
    for item in record.get("artefacts", []):
        by_role.setdefault(item.get("role"), item.get("blake3"))
    dom_digest, text_digest = by_role.get("dom"), by_role.get("text")
    if dom_digest and case.store.has(dom_digest):
        html = read_text(case.store.path_of(dom_digest))
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
        found.text = read_text(case.store.path_of(text_digest))
        found.text_selectors = selectors.extract_text(found.text, region)
        found.text_artefact = text_digest
    found.dom_selectors = selectors.dedupe(found.dom_selectors)
    return found


def _pending_work(
    case: Any, done: set[str], done_captures: set[str]
) -> tuple[list[Work], list[dict[str, Any]], list[dict[str, Any]]]:
    """Every recorded artefact not described yet, with the capture it belongs to (if any); the capture
    records that work needs, and those of the captures not described yet. Only those records are read."""
    owned = ownership.trace(case.events())  # the capture whose signed event names it, not a record copy
    roles, names = _roles(owned)
    pending = [
        (row, owned.direct_capture(row["blake3"]))
        for row in case.artefact_rows()
        if row["blake3"] not in done and roles.get(row["blake3"]) not in SKIP_ROLES
    ]
    wanted = {capture for _, capture in pending if capture} | set(case.capture_ids()) - done_captures
    records = [r for r in case.capture_records(wanted) if r.get("id")]
    by_id = {str(r.get("id")): r for r in records}
    work = []
    for row, capture in pending:
        digest = row["blake3"]
        record = by_id.get(capture or "") or {}
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
    return work, records, [r for r in records if r["id"] not in done_captures]


def _extract_media(
    case: Any, records: list[dict[str, Any]], done: set[str], work: list[Work], errors: list[str]
) -> list[dict[str, Any]]:
    """Store the images and videos each new capture's WARC holds; queue the new ones for describing.

    Returns the event's role-media entries: each names the WARC (``source``), the capture, the URL and
    the WARC record, so the md_media index rows are derived from the signed event alone.
    """
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
                entry = {
                    **stored.ledger_entry(role="media", source=item["blake3"]),
                    "url": found.url,
                    "capture_id": record["id"],
                    "content_type": found.content_type,
                    "warc_record_id": found.warc_record_id,
                    "warc_payload_digest": found.warc_payload_digest,
                }
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
    return entries


def _zip_bomb(w: Work, mime: str) -> bool:
    """A zip (or a zip-based office document) refused from its central directory: not given to exiftool,
    which would inflate its members whole (see :func:`.archives.zip_refusal`)."""
    from . import archives, office

    if mime not in archives.ZIP_MIMES and mime not in office.OOXML and mime not in office.ODF:
        if archives.kind_of(mime, w.path) != "zip":
            return False
    return archives.zip_refusal(w.path) is not None


def _read_embedded(
    work: list[Work], types: dict[str, filetype.FileType]
) -> tuple[dict[str, exif.Embedded], set[str], str | None, list[str]]:
    """exiftool over every file it has something to say about, in one process for the whole batch."""
    wanted = [
        w
        for w in work
        if w.role not in NO_EXIF_ROLES
        and not types[w.blake3].mime.startswith("text/")
        and not _zip_bomb(w, types[w.blake3].mime)
    ]
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


def _describe_one(item: Item) -> Out:
    """Run every describer over one artefact, in order.

    A handed-over file is anyone's bytes: a describer that fails on one (a parser tripping over a
    malformed header, JSON of an unexpected shape) must not stop the others, nor make every later
    ``add`` to the case fail on the same undescribed artefact. What the failing describer had added is
    taken out again, and the description says which describer failed and why (flag
    ``describer-failed``), so nothing in it is half-made.
    """
    out = Out({"format": FORMAT})
    for describer in DESCRIBERS:
        before = (dict(out.body), list(out.selectors), list(out.flags), out.gps, out.text, out.title)
        try:
            describer(item, out)
        except Exception as exc:  # noqa: BLE001  hostile input must not stop the describe (see above)
            body, found, flags, out.gps, out.text, out.title = before
            out.body, out.selectors, out.flags = body, found, flags
            name = describer.__module__.rsplit(".", 1)[-1]
            out.body.setdefault("describer_errors", []).append(
                f"the {name} describer failed ({type(exc).__name__}: {exc}); nothing of it is in this description"
            )
            if "describer-failed" not in out.flags:
                out.flags.append("describer-failed")
    out.selectors = selectors.dedupe(out.selectors)
    out.body["selectors"] = [s.to_json() for s in out.selectors]
    out.body["flags"] = out.flags
    return out


def _stored_description(case: Any, connection: Any, digest: str) -> Description | None:
    """An earlier run's description of ``digest`` (for a capture whose DOM or text was described before)."""
    row = connection.execute(
        "SELECT description, seq, time FROM md_descriptions WHERE source = ?", (digest,)
    ).fetchone()
    if row is None or not case.store.has(row[0]):
        return None
    body = json.loads(case.store.path_of(row[0]).read_text("utf-8"))
    return Description(row[0], digest, body, row[1], row[2])


def _write_unless_raced(
    case: Any,
    connection: Any,
    event: Event,
    made: list[tuple[str, str, dict[str, Any]]],
    captures: list[dict[str, Any]],
    media_entries: list[dict[str, Any]],
    records: dict[str, dict[str, Any]],
    texts: dict[str, str],
) -> None:
    """Inside the event's transaction: give up (roll back) if another run described any of these first;
    else write the index rows the event accounts for (derived by the rule verify checks them with)."""
    sources = [source for source, _, _ in made]
    ids = [c["id"] for c in captures]
    if (sources and index.described_sources(connection) & set(sources)) or (
        ids and index.described_captures(connection) & set(ids)
    ):
        raise _Raced()
    mine = {source: Description(digest, source, body, event.seq, event.time) for source, digest, body in made}
    facts = EventFacts(event.seq, event.time, list(mine.values()), ids, media_entries)

    def first_time(digest: str) -> str | None:
        row = connection.execute("SELECT first_time FROM artefacts WHERE blake3 = ?", (digest,)).fetchone()
        return row[0] if row else None

    def text_of(digest: str) -> str | None:
        if digest in texts:
            return texts[digest]
        return case.store.path_of(digest).read_text("utf-8") if case.store.has(digest) else None

    rows = Rows()
    rows_for_event(
        facts,
        rows,
        lambda digest: mine.get(digest) or _stored_description(case, connection, digest),
        records,
        first_time,
        text_of,
    )
    index.write(connection, rows)


def _library_versions() -> list[dict[str, str]]:
    """Libraries whose version changes results: phone-number metadata is updated monthly, and a new
    imagehash or Pillow may hash the same photo differently (ACPO principle 3: repeatable)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    # tldextract carries the Public Suffix List snapshot (domains), python-stdnum the IBAN formats.
    for name in ("phonenumbers", "imagehash", "pillow", "lxml", "warcio", "tldextract", "python-stdnum"):
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
    work, records, new_records = _pending_work(case, done, done_captures)
    media_errors: list[str] = []
    media_entries = _extract_media(case, new_records, done, work, media_errors)
    member_entries = derived.take_out(case, work, done, media_errors)
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

    described: list[Described] = []
    made: list[tuple[str, str, dict[str, Any]]] = []  # (source, description digest, body)
    entries: list[dict[str, Any]] = []
    text_entries: list[dict[str, Any]] = []
    texts: dict[str, str] = {}
    details_sources = []
    for number, w in enumerate(work, 1):
        kind = types[w.blake3]
        item = Item(
            w,
            kind,
            embedded.get(w.blake3),
            w.blake3 in exif_tried,
            exif_errors,
            extractors,
            findings.get(w.capture_id or ""),
            region,
        )
        out = _describe_one(item)
        errors += [f"{w.name or w.blake3}: {problem}" for problem in out.body.get("describer_errors", [])]
        if out.text is not None:
            # The text search indexes is an artefact of its own (unless it is this artefact's bytes), so
            # every md_texts row is held by a signed file.
            data = out.text.encode("utf-8", errors="replace")
            digest = blake3_digest(data)
            if digest != w.blake3:  # a text file indexes its own bytes: nothing to store
                text = case.store.ingest_bytes(data)
                text_entries.append(text.ledger_entry(role="extracted-text", source=w.blake3))
            texts[digest] = data.decode("utf-8")
            out.body["text"] = {"blake3": digest, "characters": len(texts[digest]), "title": out.title}
        stored = case.store.ingest_bytes(canonical_json(out.body))
        made.append((w.blake3, stored.blake3, out.body))
        entries.append(stored.ledger_entry(role="metadata", source=w.blake3))
        details_sources.append({"blake3": w.blake3, "sha256": w.sha256, "role": w.role, "description": stored.blake3})
        described.append(
            Described(
                w.blake3,
                stored.blake3,
                w.role,
                kind.mime,
                kind.description,
                out.gps,
                len(out.selectors),
                w.url,
                w.capture_id,
                tuple(out.flags),
            )
        )
        if on_progress:
            on_progress(number, len(work))
    details = {
        "sources": details_sources,
        "captures": [r["id"] for r in new_records],
        "extractors": extractors,
        "errors": errors,
        **machine_facts(),
    }
    by_id = {r["id"]: r for r in records}
    event = case.append(
        identity,
        "describe",
        entries + _unique(text_entries) + media_entries + member_entries,
        details,
        also=lambda conn, ev: _write_unless_raced(case, conn, ev, made, new_records, media_entries, by_id, texts),
    )
    media_json = [
        {key: m.get(key) for key in ("blake3", "url", "capture_id", "warc_record_id", "warc_payload_digest")}
        | {"warc": m["source"]}
        for m in media_entries
    ]
    return DescribeResult(described, media_json, [r["id"] for r in new_records], len(done), event, errors)


def _unique(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in entries:
        if entry not in out:
            out.append(entry)
    return out


def errors_since(case: Any, seq: int) -> list[str]:
    """What the describe events after event ``seq`` could not do (an archive refused, exiftool failing):
    ``add`` says it on stderr, so a refused zip bomb is not noticed only in the ledger."""
    out: list[str] = []
    for event in case.events():
        if event.seq > seq and event.action == "describe":
            if event.details.get("outcome") == "failed":
                out.append(f"describe failed: {event.details.get('error')}")
            out += [str(e) for e in event.details.get("errors") or []]
    return out


def description_of(case: Any, digest: str) -> dict[str, Any] | None:
    """The stored description of an artefact (read from its description artefact, not the index)."""
    index.ensure_schema(case.ledger.connection)
    row = case.ledger.connection.execute(
        "SELECT description FROM md_descriptions WHERE source = ?", (digest,)
    ).fetchone()
    if row is None or not case.store.has(row[0]):
        return None
    return json.loads(case.store.path_of(row[0]).read_text("utf-8"))  # type: ignore[no-any-return]


def warm() -> None:
    """Load now what the first description of a command would load (the describers' libraries, the
    Public Suffix List): a capture calls this on a thread of its own while the browser works, so the
    description after the last page does not start with it (about a second on two cores, issue 16).

    Only loads: nothing is read from or written to a case, and a failure here is met again, and
    reported, by the description itself.
    """
    try:
        import exiftool  # noqa: F401
        import imagehash  # noqa: F401  (numpy, scipy, Pillow: the photo hashes)
        import lxml.etree  # noqa: F401
        import lxml.html  # noqa: F401
        import magic  # noqa: F401
        from warcio.archiveiterator import ArchiveIterator  # noqa: F401

        from . import selectors

        selectors.load_suffix_list()
    except Exception:  # noqa: BLE001  (see above: the description meets it again)
        pass


def pipeline_step(case: Any, identity: Identity, artefacts: list[Any], capture_record: dict[str, Any] | None) -> None:
    """Runs after every ``add`` and capture (see evidence_kit.pipeline).

    A description that cannot be made now must not undo the capture: the failure is recorded as a
    ``describe`` event with outcome "failed", and ``evidence-kit describe`` retries later.
    """
    try:
        describe(case, identity)
    except OperationFailed as exc:
        case.append(identity, "describe", [], {"outcome": "failed", "error": str(exc), **machine_facts()})


def index_findings(case_dir: Any) -> list[Finding]:
    """What the ``index-artefacts`` and ``index-metadata`` checks find in a case folder (empty: none)."""
    report = Report(target=str(case_dir), kind="case")
    check_index(case_dir, {}, report)
    return report.findings


def summary(case: Any) -> dict[str, Any]:
    """What describe has found in a case so far (for ``case show``), and what is still undescribed.

    Only index rows the signed descriptions hold are shown: when the index check finds a row that
    disagrees, the selector counts and GPS positions are left out and ``index_findings`` says why.
    """
    connection = case.ledger.connection
    index.ensure_schema(connection)
    roles, _ = _roles(ownership.trace(case.events()))
    done = index.described_sources(connection)
    pending = [
        row["blake3"]
        for row in case.artefact_rows()
        if row["blake3"] not in done and roles.get(row["blake3"]) not in SKIP_ROLES
    ]
    findings = index_findings(case.path)
    if findings:
        return {
            "described": len(done),
            "not_described": pending,
            "selectors": {},
            "gps": [],
            "index_findings": [str(f) for f in findings],
        }
    kinds = dict(connection.execute("SELECT kind, count(DISTINCT value) FROM md_selectors GROUP BY kind").fetchall())
    gps = index.query(
        connection,
        "SELECT source, url, capture_id, gps_latitude, gps_longitude, gps_readable FROM md_descriptions"
        " WHERE gps_latitude IS NOT NULL ORDER BY seq",
    )
    return {"described": len(done), "not_described": pending, "selectors": kinds, "gps": gps, "index_findings": []}


@dataclass(frozen=True)
class Rebuilt:
    rows: dict[str, int]  # table → rows written
    findings_before: list[str]  # what the index check found before the rebuild
    unusable: list[str]  # recorded files the rows could not be derived from (missing or altered)
    event: Event | None


def rebuild_index(case: Any, identity: Identity) -> Rebuilt:
    """Write the index tables again (``artefacts`` and every md_*) from the ledger and the descriptions.

    The rows are derived by the same rule verify checks them with (chain_of_custody.index_rows), from
    what the ledger holds inside the transaction that writes them, together with a ``reindex`` custody
    event naming what the check found before (a rebuilt index is an act on the case, so it is on the
    record; it adds no artefact). Nothing is written when the index already agrees with the records.
    """
    from chain_of_custody.index_rows import artefact_rows, derive, read_signed

    before = index_findings(case.path)
    if not before:
        with index.read_only(case.path / "ledger.sqlite") as connection:
            counts = {t: n for t, n in _counts(connection).items()} if connection is not None else {}
        return Rebuilt(counts, [], [], None)
    written: dict[str, int] = {}
    unusable: list[str] = []

    def rewrite(conn: Any, event: Event) -> None:
        signed = read_signed(case.path, conn)
        rows = derive(signed)
        conn.execute("DELETE FROM artefacts")
        conn.executemany("INSERT INTO artefacts VALUES (?, ?, ?, ?, ?, ?)", artefact_rows(signed))
        index.drop_tables(conn)
        index.ensure_schema(conn)
        index.write(conn, rows)
        written.update(_counts(conn))
        unusable.extend(f"{p.where}: {p.message}" for p in signed.problems)

    details = {
        "reason": "the index tables disagreed with the signed records",
        "findings_before": [str(f) for f in before[:20]],
        "findings_before_count": len(before),
        **machine_facts(),
    }
    event = case.append(identity, "reindex", [], details, also=rewrite)
    return Rebuilt(written, [str(f) for f in before], unusable, event)


def _counts(connection: Any) -> dict[str, int]:
    return {
        table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("artefacts", *index.TABLES)
    }
