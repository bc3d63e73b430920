"""What each page shows and what each action does, as calls into the library (no rule of its own).

Every function opens the case it needs, calls the same functions as the CLI (``Case``, ``overview``,
``verification``, ``export_case``, ``metadata.search``, ``metadata.links``) and returns plain values for
the templates. Functions that write run on a worker thread of the server (the ledger's SQLite connection
belongs to the thread that opened it, so each opens its own case).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chain_of_custody.clock import utc_now
from chain_of_custody.errors import CustodyError

from ..case import Case
from ..config import Settings
from ..custody_actions import MANUAL_ACTIONS
from ..errors import InvalidInput, OperationFailed
from . import state
from .upload import Received

INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_URLS = 200
MAX_EXCHANGES = 2000


def short(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"{algorithm}:{hex_digest[:12]}…" if hex_digest else digest


def _timestamp_state(case: Case) -> dict[str, Any]:
    from ..timestamps import pending_artefacts, stamp_summaries, timestamp_events

    events = timestamp_events(case)
    stamps = stamp_summaries(case, events)
    pending = pending_artefacts(case, events)
    stamped = [s for s in stamps if s["status"] == "stamped"]
    if not case.artefact_rows():
        words = "nothing to stamp yet"
    elif pending:
        words = f"{len(pending)} artefact(s) pending (not yet covered by an RFC 3161 timestamp)"
    else:
        words = "covered: every artefact is under an RFC 3161 timestamp"
    return {"pending": len(pending), "stamps": stamps, "stamped": len(stamped), "words": words, "ok": not pending}


# -- cases ---------------------------------------------------------------------------------------
def case_rows(settings: Settings) -> list[dict[str, Any]]:
    rows = []
    for case_id in Case.list_ids(settings):
        try:
            with Case.open(settings, case_id) as case:
                head = case.ledger.head()
                last = case.ledger.connection.execute("SELECT max(time) FROM events").fetchone()[0]
                rows.append(
                    {
                        "id": case.id,
                        "title": case.info.get("title"),
                        "created": case.info.get("created"),
                        "events": head.seq if head else 0,
                        "captures": len(case.capture_records()),
                        "artefacts": len(case.artefact_rows()),
                        "last_activity": last,
                        "timestamps": _timestamp_state(case),
                    }
                )
        except (CustodyError, sqlite3.DatabaseError) as exc:  # a damaged case is a line saying why
            rows.append({"id": case_id, "unreadable": str(exc)})
    return rows


def create_case(settings: Settings, data: dict[str, str]) -> None:
    def text(name: str) -> str | None:
        value = (data.get(name) or "").strip()
        return value or None

    if not text("investigator"):
        raise InvalidInput("a case needs the investigator's name")
    Case.create(
        settings,
        (data.get("case_id") or "").strip(),
        data.get("title") or "",
        text("investigator") or "",
        jurisdiction=text("jurisdiction"),
        offence=text("offence"),
        default_region=(text("region") or "").upper() or None,
    ).close()


def case_view(settings: Settings, case_id: str) -> dict[str, Any]:
    from ..metadata.search import IndexDisagrees, list_selectors
    from ..overview import case_overview
    from ..social import history

    with Case.open(settings, case_id) as case:
        summary = case_overview(case)
        records = {str(r.get("id")): r for r in case.capture_records()}
        events = [
            {"seq": e.seq, "time": e.time, "actor": e.actor, "action": e.action, "what": _event_words(e.details)}
            for e in case.events()
        ]
        added = [{"time": e["time"], "seq": e["seq"], "what": e["what"]} for e in events if e["action"] == "add"]
        stamps = _timestamp_state(case)
        accounts_seen = history.accounts(case)
    cards = []
    for capture in summary["captures"]:
        record = records.get(str(capture["id"]), {})
        roles = {a.get("role"): a for a in record.get("artefacts", [])}
        thumb = roles.get("screenshot-viewport") or roles.get("screenshot")
        cards.append(
            {
                **capture,
                "title": (record.get("page") or {}).get("title") or capture.get("final_url") or capture.get("url"),
                "finished": record.get("finished"),
                "thumb": thumb["blake3"].split(":", 1)[1] if thumb else None,
                "errors": record.get("errors", []),
            }
        )
    left_out: dict[str, str] = {}
    try:
        selectors = [s.to_json() for s in list_selectors(settings, case_id, left_out=left_out)]
        selector_problem = None
    except IndexDisagrees as exc:
        selectors, selector_problem = [], str(exc)
    return {
        "summary": summary,
        "cards": cards,
        "events": events,
        "added": added,
        "selectors": selectors,
        "selector_problem": selector_problem,
        "left_out": left_out,
        "timestamps": stamps,
        "blur": state.preferences(settings, case_id)["blur"],
        "actions": MANUAL_ACTIONS,
        "accounts": accounts_seen,
        "personas": persona_rows(settings),
        "platforms": platform_names(),
    }


def _event_words(details: dict[str, Any]) -> str:
    for key in ("url", "original_name", "to", "note", "bundle", "title", "reason"):
        if details.get(key):
            return f"{key.replace('_', ' ')}: {details[key]}"
    return ""


def _acting(name: str | None) -> str | None:
    """The investigator chosen in a form (their enrolled key signs), or None for the case's default."""
    return (name or "").strip() or None


def add_uploaded(
    settings: Settings, case_id: str, files: list[Received], source: str | None, investigator: str | None = None
) -> int:
    with Case.open(settings, case_id) as case:
        identity = case.identity(_acting(investigator))
        added = case.add_files(
            [item.path for item in files],
            identity,
            source=(source or "").strip() or None,
            uploaded_as=[item.name for item in files],
        )
    for item, stored in zip(files, added, strict=True):
        if stored.artefact.blake3 != item.blake3 or stored.artefact.sha256 != item.sha256:
            raise OperationFailed(
                f"{item.name}: the stored file's digests differ from those of the bytes received"
                f" ({stored.artefact.blake3} stored, {item.blake3} received)"
            )
    return len(added)


def record_action(settings: Settings, case_id: str, data: dict[str, str]) -> int:
    with Case.open(settings, case_id) as case:
        identity = case.identity(_acting(data.get("investigator")))
        event = case.record(
            identity,
            data.get("action") or "handover",
            note=(data.get("note") or "").strip() or None,
            to=(data.get("to") or "").strip() or None,
        )
    return event.seq


def stamp(settings: Settings, case_id: str, investigator: str | None = None) -> int:
    """RFC 3161 stamps of the ledger head and pending artefacts from the configured TSAs (``timestamp``)."""
    from .. import timestamps
    from ..config import TSA_TIMEOUT

    chosen = timestamps.choose_tsas(settings)
    if not chosen:
        raise InvalidInput('no time-stamping authority (TSA) is configured: add one under "tsas" in the settings file')
    with Case.open(settings, case_id) as case:
        outcome = timestamps.stamp_or_fail(case, case.identity(_acting(investigator)), chosen, TSA_TIMEOUT)
    return len(outcome.stamps)


# -- captures ------------------------------------------------------------------------------------
def capture_request(data: dict[str, str]) -> tuple[list[str], Any, bool]:
    """The URLs pasted (one per line) and the options chosen, as ``capture``'s options."""
    from ..capture.options import CaptureOptions

    urls = [line.strip() for line in (data.get("urls") or "").splitlines() if line.strip()]
    if not urls:
        raise InvalidInput("paste at least one web address (one per line)")
    if len(urls) > MAX_URLS:
        raise InvalidInput(f"at most {MAX_URLS} addresses at once")
    try:
        timeout = float(data.get("timeout") or 120)
    except ValueError:
        raise InvalidInput("the time limit must be a number of seconds") from None
    if not 3 <= timeout <= 3600:
        raise InvalidInput("the time limit must be between 3 and 3600 seconds")
    allow_private = data.get("allow_private") == "on"
    persona = (data.get("persona") or "").strip() or None
    options = CaptureOptions(
        timeout=timeout,
        video=data.get("video") == "on",
        allow_private=allow_private,
        purpose=(data.get("purpose") or "").strip() or None,
        persona=persona,
        keep_cookies=data.get("keep_cookies") == "on",
        # Typed for this capture only: handed to the library, never written anywhere by the UI.
        persona_passphrase=(data.get("persona_passphrase") or None) if persona else None,
    )
    return urls, options, allow_private


@dataclass(frozen=True)
class ProfileRequest:
    """What ``capture-profile`` adds to a page capture: how far to read, as which platform, posts too."""

    max_posts: int
    platform: str | None
    capture_posts: bool


def profile_request(data: dict[str, str]) -> ProfileRequest | None:
    """None for a page capture; else the account options of the form, checked as the CLI checks them."""
    if data.get("kind") != "profile":
        return None
    from ..social import registry

    try:
        max_posts = int(data.get("max_posts") or 50)
    except ValueError:
        raise InvalidInput("the number of posts to read must be a whole number") from None
    if not 1 <= max_posts <= 2000:
        raise InvalidInput("the number of posts to read must be between 1 and 2000")
    platform = (data.get("platform") or "").strip() or None
    if platform:
        registry.by_name(platform)
    return ProfileRequest(max_posts, platform, data.get("capture_posts") == "on")


def platform_names() -> tuple[str, ...]:
    """The platforms an account page can be read as (the registry's names)."""
    from ..social import registry

    return registry.NAMES


def persona_rows(settings: Settings) -> list[dict[str, Any]]:
    """The personas of this machine, as shown (``Persona`` holds no secret: name, platform, handle, dates)."""
    from ..personas.store import PersonaStore

    return [
        {
            "name": p.name,
            "platform": p.platform,
            "handle": p.handle,
            "created": p.created,
            "last_used": p.last_used,
            "logged_in": p.logged_in,
            "encrypted": p.encrypted,
        }
        for p in PersonaStore.for_settings(settings).list()
    ]


def account_view(settings: Settings, case_id: str, account: str) -> dict[str, Any]:
    """One account's captures and changes, as ``profile-history`` shows them (``social.history``)."""
    from ..social import history

    with Case.open(settings, case_id) as case:
        found = history.timeline(case, account)
    if found is None:
        raise InvalidInput(f"no captured account {account!r} in case {case_id}")
    for entry in found["captures"]:
        entry["sentences"] = (history.sentences(entry["changes"]) or ["no change"]) if entry["changes"] else []
    return found


def _record_of(case: Case, capture_id: str) -> dict[str, Any]:
    for record in case.capture_records():
        if record.get("id") == capture_id:
            return record
    raise InvalidInput(f"case {case.id} has no capture {capture_id}")


def capture_view(settings: Settings, case_id: str, capture_id: str) -> dict[str, Any]:
    import json

    from ..metadata import describe
    from ..metadata.search import IndexDisagrees, list_selectors

    with Case.open(settings, case_id) as case:
        record = _record_of(case, capture_id)
        artefacts = [dict(a) for a in record.get("artefacts", [])]
        warc = next((a for a in artefacts if a.get("role") == "warc"), None)
        exchanges = _exchanges(case.store.path_of(warc["blake3"])) if warc else []
        found = describe.summary(case)
        gps = [g for g in found["gps"] if g.get("capture_id") == capture_id]
        described = []
        for item in artefacts:
            description = describe.description_of(case, item["blake3"])
            if description:
                described.append({"role": item.get("role"), "description": description})
    try:
        selectors = [
            s.to_json()
            for s in list_selectors(settings, case_id, cross_case=False)
            if any(p.capture_id == capture_id for p in s.places)
        ]
    except IndexDisagrees:
        selectors = []
    roles = {a.get("role"): a for a in artefacts}
    shot = roles.get("screenshot")
    return {
        "id": capture_id,
        "case_id": case_id,
        "title": (record.get("page") or {}).get("title") or record.get("final_url") or record.get("url"),
        "record": record,
        "record_text": json.dumps(record, indent=2, ensure_ascii=False),
        "artefacts": artefacts,
        "screenshot": shot["blake3"].split(":", 1)[1] if shot else None,
        "exchanges": exchanges,
        "exchanges_cut": len(exchanges) >= MAX_EXCHANGES,
        "downloads": record.get("downloads", []),
        "gps": gps,
        "selectors": selectors,
        "described": described,
        "blur": state.preferences(settings, case_id)["blur"],
    }


def _exchanges(warc: Path) -> list[dict[str, Any]]:
    """The HTTP exchanges the WARC holds (its response records), for people to read; at most MAX_EXCHANGES."""
    from warcio.archiveiterator import ArchiveIterator

    rows: list[dict[str, Any]] = []
    try:
        with open(warc, "rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type not in ("response", "revisit"):
                    continue
                http = record.http_headers
                rows.append(
                    {
                        "uri": record.rec_headers.get_header("WARC-Target-URI"),
                        "date": record.rec_headers.get_header("WARC-Date"),
                        "status": http.get_statuscode() if http else "",
                        "type": (http.get_header("Content-Type") or "") if http else "",
                        "length": record.rec_headers.get_header("Content-Length"),
                    }
                )
                if len(rows) >= MAX_EXCHANGES:
                    break
    except Exception as exc:  # noqa: BLE001  a damaged WARC is named by verify; here one line says so
        rows.append({"uri": f"the WARC could not be read further: {exc}", "date": "", "status": "", "type": ""})
    return rows


def artefact(settings: Settings, case_id: str, digest: str) -> tuple[Path, str, str] | None:
    """An artefact of this case by its BLAKE3 (only digests the ledger names): its file, type and a name."""
    with Case.open(settings, case_id) as case:
        row = next((r for r in case.artefact_rows() if r["blake3"] == digest), None)
        if row is None or not case.store.has(digest):
            return None
        return case.store.path_of(digest), row["mime"] or "application/octet-stream", digest.split(":", 1)[1][:16]


# -- verify --------------------------------------------------------------------------------------
def verify_target(settings: Settings, kind: str, target: str) -> dict[str, Any]:
    """Verify a case (by id), a bundle folder or zip (by path): the report as ``verify --json`` gives it."""
    from .. import verification

    target = target.strip()
    if not target:
        raise InvalidInput("choose a case, or give the folder of a bundle")
    if kind == "case":
        found_kind, path = verification.resolve(settings, target)
        if found_kind != "case":
            raise InvalidInput(f"{target} is not a case in {settings.home}")
        report = verification.verify_case(path, settings=settings)
    else:
        found_kind, path = verification.resolve(settings, target)
        if found_kind != "bundle":
            raise InvalidInput(f"{target} is not an evidence bundle (a bundle folder or its .zip)")
        report = verification.verify_bundle(path)
    return {**report.to_json(), "verdict": report.verdict}


# -- export --------------------------------------------------------------------------------------
MLA_LABELS = {
    "request.date": "Date of the request (YYYY-MM-DD)",
    "request.reference": "Your reference number",
    "request.urgency": "Urgency (urgent, very urgent, normal)",
    "request.urgency_reason": "Why it is urgent",
    "requested_authority.name": "Authority asked to act",
    "requested_authority.country": "Its country",
    "requesting_authority.organisation": "Requesting organisation",
    "requesting_authority.person_in_charge": "Person in charge",
    "requesting_authority.address": "Address",
    "requesting_authority.phone": "Phone",
    "requesting_authority.email": "E-mail",
    "requesting_authority.time_zone": "Time zone",
    "legal_basis": "Legal basis",
    "offence.name": "Offence",
    "offence.legal_provisions": "Legal provisions",
    "offence.maximum_penalty": "Maximum penalty",
    "summary_of_facts": "Summary of the facts",
    "preservation.why_necessary": "Why preservation is necessary",
    "preservation.relation_to_offence": "How the data relates to the offence",
}


def investigators(settings: Settings, case_id: str) -> list[str]:
    """The names enrolled in the case, the lead first (who may sign for it, on a machine holding their key)."""
    with Case.open(settings, case_id) as case:
        return [str(i["name"]) for i in case.info.get("investigators", [])]


def mla_fields(settings: Settings, case_id: str) -> list[dict[str, Any]]:
    """The form's text fields with what was saved for this case last time (else the template's value)."""
    from ..export.mla.form import REQUIRED, form_template, form_value, parse_form

    saved = state.mla_fields(settings, case_id)
    template = parse_form(form_template(), "the template")
    rows = []
    for dotted, label in MLA_LABELS.items():
        value = form_value(saved, dotted) if saved else None
        if value is None:
            value = form_value(template, dotted)
        rows.append(
            {
                "name": dotted,
                "label": label,
                "value": "" if value is None else str(value),
                "required": dotted in REQUIRED,
                "long": dotted
                in ("summary_of_facts", "preservation.why_necessary", "preservation.relation_to_offence"),
                "id": "mla-" + dotted.replace(".", "-").replace("_", "-"),
            }
        )
    return rows


def save_mla(settings: Settings, case_id: str, data: dict[str, str]) -> dict[str, Any]:
    """The filled form as the template's structure, checked like ``export --mla`` checks it, then saved."""
    from ..export.mla.form import check_form, form_template, parse_form

    form = parse_form(form_template(), "the template")
    for dotted in MLA_LABELS:
        node = form
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = (data.get(dotted) or "").strip()
    check_form(form, "the MLA form")
    state.save_mla_fields(settings, case_id, form)
    return form


def export_work(
    settings: Settings, case_id: str, lang: str, mla_form: dict[str, Any] | None, investigator: str | None = None
) -> Callable[[Any], None]:
    """The export as a background job: the bundle zip, its digests, and where to download it."""

    def work(job: Any) -> None:
        from ..export import bundle
        from ..export.job import ExportOptions

        def step(name: str) -> None:
            job.update(lambda j: _item(j, "running", f"{name}…"))

        with Case.open(settings, case_id) as case:
            identity = case.identity(_acting(investigator))
            name = f"{case_id}-{utc_now().strftime('%Y%m%dT%H%M%SZ')}.zip"
            out = state.bundles_folder(settings, case_id) / name
            result = bundle.export_case(
                case, identity, out, as_zip=True, options=ExportOptions(lang=lang, mla_form=mla_form), on_progress=step
            )

        def done(j: Any) -> None:
            _item(j, "complete", f"bundle written: {result.exhibits} exhibits, {result.artefacts} artefacts")
            j.items[0].link = f"/cases/{case_id}/bundles/{name}"
            j.items[0].notes = [*result.warnings, *(f"MLA form field missing: {f}" for f in result.mla_missing)]
            j.result = {
                "name": name,
                "path": str(out),
                "sha256": result.zip_sha256,
                "blake3": result.zip_blake3,
                "size": result.zip_size,
                "event": result.event.seq,
            }

        job.update(done)

    return work


def _item(job: Any, state_name: str, message: str) -> None:
    job.items[0].state = state_name
    job.items[0].message = message


# -- search and links ----------------------------------------------------------------------------
def search(settings: Settings, query: str, case_id: str | None, similar: str | None) -> dict[str, Any]:
    from ..metadata import search as md_search

    left_out: dict[str, str] = {}
    found: dict[str, Any] = {"hits": [], "images": [], "left_out": left_out, "searched": False}
    if query.strip():
        found["hits"] = [h.to_json() for h in md_search.search(settings, case_id, query, left_out=left_out)]
        found["searched"] = True
    if similar and similar.strip():
        _, matches = md_search.similar(settings, case_id, similar.strip(), left_out=left_out)
        found["images"] = [m.to_json() for m in matches]
        found["searched"] = True
    return found


def link_chart(settings: Settings, case_id: str | None) -> dict[str, Any]:
    from ..metadata import links

    graph = links.build_graph(settings, [case_id] if case_id else None)
    return {"svg": links.render_svg(graph), "graph": graph}
