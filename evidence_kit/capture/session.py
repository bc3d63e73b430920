"""A capture session: one browser for the whole command, one fresh context per URL, every result stored.

``capture_urls`` is the library entry point under ``evidence-kit capture`` and the web UI. Per capture it
stores every artefact (streamed and hashed once), writes a WARC that also carries the full-page
screenshot, the PDF and a provenance summary, writes the capture record (itself an artefact, copied to
``captures/<id>.json``), appends one ``capture`` custody event naming every artefact, then runs the
after-ingest pipeline (describe, timestamp).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chain_of_custody.clock import Clock, rfc3339
from chain_of_custody.keys import Identity

from .. import TOOL
from ..case import Case, new_capture_id
from ..errors import InvalidInput
from ..machine import machine_facts
from ..metadata import exif
from ..store import Artefact
from . import browser as browser_module
from . import har, network, record, redaction, warc
from .contexts import ContextPool
from .guard import AddressGuard, Resolver, host_and_port
from .options import CaptureOptions
from .outcome import PageCapture
from .page import capture_page, encode_video
from .watchdog import MemoryWatchdog

if TYPE_CHECKING:
    from ..personas.store import PersonaStore, Unlocked

ProgressCallback = Callable[[int, int], None]


@dataclass
class PersonaRun:
    """The persona a command captures as: its store (to save the session back) and its secrets."""

    store: PersonaStore
    unlocked: Unlocked


def open_persona(case: Case, options: CaptureOptions) -> tuple[PersonaRun | None, CaptureOptions]:
    """The persona ``options`` names, unlocked, and the options with its fingerprint (viewport, locale,
    time zone) in place of the defaults, so the record says what the browser was."""
    if options.persona is None:
        return None, options
    from ..personas.store import PersonaStore

    if options.keep_cookies:
        raise InvalidInput("--keep-cookies is for public captures: a persona's cookies are never kept")
    store = PersonaStore.for_settings(case.settings)
    unlocked = store.unlock(options.persona, options.persona_passphrase)
    fingerprint = unlocked.persona.fingerprint
    options = dataclasses.replace(
        options,
        viewport_width=fingerprint.viewport_width,
        viewport_height=fingerprint.viewport_height,
        locale=fingerprint.locale,
        timezone=fingerprint.timezone,
    )
    return PersonaRun(store, unlocked), options


@dataclass(frozen=True)
class CaptureResult:
    id: str
    url: str
    final_url: str | None
    started: str
    finished: str | None
    status: str  # complete | partial | failed
    errors: tuple[str, ...]
    artefacts: tuple[record.ArtefactEntry, ...]
    record: dict[str, Any]
    stored: tuple[Artefact, ...]  # what entered the store, for the after-ingest pipeline

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "final_url": self.final_url,
            "started": self.started,
            "finished": self.finished,
            "status": self.status,
            "errors": list(self.errors),
            "artefacts": [a.to_json() for a in self.artefacts],
        }


@dataclass(frozen=True)
class Targets:
    """The URLs of one command, checked, and the address rules (with their DNS answers) they set up."""

    urls: tuple[str, ...]
    guard: AddressGuard

    def browser_args(self) -> tuple[str, ...]:
        """Pin every checked host name to the address checked: the browser does not resolve it again."""
        return (f"--host-resolver-rules={self.guard.resolver_rules()}",)


def check_targets(urls: Sequence[str], allow_private: bool, resolver: Resolver | None = None) -> Targets:
    """Each URL checked (http/https, parsable, its host resolved once); bad input raises InvalidInput.

    With ``allow_private`` the hosts (and ports) of these URLs may be private or loopback; no other host
    may. A host that does not resolve is refused: it is never taken for a public one.
    """
    if not urls:
        raise InvalidInput("no URL to capture (give URLs or --from-file)")
    cleaned = [network.check_url(url) for url in urls]  # every URL parses before any DNS lookup
    allowed = [host_and_port(url) for url in cleaned] if allow_private else []
    rules = AddressGuard(allowed, resolver)
    for clean in cleaned:
        verdict = rules.check(host_and_port(clean)[0])
        if not verdict.addresses:
            raise InvalidInput(f"{clean}: the host {verdict.host} does not resolve; nothing was captured")
        if not verdict.allowed:
            raise InvalidInput(
                f"{clean} is on a private or loopback address ({verdict.reason}); capturing it needs --allow-private"
            )
    return Targets(tuple(cleaned), rules)


def capture_urls(
    case: Case,
    identity: Identity,
    urls: Sequence[str] | Targets,
    options: CaptureOptions | None = None,
    on_progress: ProgressCallback | None = None,
    clock: Clock | None = None,
    browser_args: tuple[str, ...] = (),
) -> list[CaptureResult]:
    """Capture every URL with one browser; one failing URL never stops the others.

    ``urls`` may be the :class:`Targets` that :func:`check_targets` returned (the hosts are then not
    resolved again). Raises :class:`InvalidInput` for a bad URL, a host that does not resolve, or a
    private target without ``allow_private`` (before anything is captured) and :class:`BrowserNotFound`
    when no Chromium starts.
    """
    options = options or CaptureOptions()
    clock = clock if clock is not None else case.clock
    targets = urls if isinstance(urls, Targets) else check_targets(urls, options.allow_private)
    persona, options = open_persona(case, options)
    executable = browser_module.find_chromium(case.settings.chromium)
    args = (*options.bounds.browser_args(), *targets.browser_args(), *browser_args)
    # Every page's description reads through one exiftool, kept running for the whole command (started and
    # closed on the store thread, see capture_urls_async).
    exiftool = exif.KeptRunning()
    coroutine = capture_urls_async(
        case,
        identity,
        list(targets.urls),
        targets.guard,
        options,
        on_progress,
        clock,
        executable,
        args,
        persona,
        exiftool,
    )
    # The description of the first page stored would begin by loading its code and libraries: done now,
    # on another thread while Chromium starts, not before it.
    threading.Thread(target=_warm_description, name="describe-warm", daemon=True).start()
    results: list[CaptureResult] = _run(coroutine, case)
    return results


def _warm_description() -> None:
    from .. import pipeline  # noqa: F401  (the description and the timestamps, loaded for the end)
    from ..metadata import describe

    describe.warm()


def _close_on_the_store_thread(case: Case, exiftool: exif.KeptRunning | None) -> None:
    """The ledger this thread opened, and exiftool before the thread that started it ends (which ends it)."""
    try:
        case.close()
    finally:
        if exiftool is not None:
            exiftool.close()


def _store_then_describe(case: Case, identity: Identity, page: PageCapture, *store_args: Any) -> CaptureResult:
    """Store one page, then run the after-ingest pipeline on it (describe, timestamp) while the other
    pages are still being captured."""
    from .. import pipeline

    result = store(case, identity, page, *store_args)
    pipeline.after_ingest(case, identity, list(result.stored), result.record)
    return result


def _run(coroutine: Any, case: Case) -> Any:
    """Run on this thread's event loop, or on a helper thread when a loop is already running (web UI).

    A SQLite connection belongs to the thread that opened it, so the helper thread opens the case's
    ledger for itself and closes it again before handing back.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}
    case.close()

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001  re-raised on the caller's thread
            box["error"] = exc
        finally:
            case.close()

    thread = threading.Thread(target=target, name="evidence-kit-capture")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def capture_urls_async(
    case: Case,
    identity: Identity,
    targets: list[str],
    addresses: AddressGuard,
    options: CaptureOptions,
    on_progress: ProgressCallback | None,
    clock: Clock,
    executable: str,
    browser_args: tuple[str, ...] = (),
    persona: PersonaRun | None = None,
    exiftool: exif.KeptRunning | None = None,
) -> list[CaptureResult]:
    loop = asyncio.get_running_loop()
    # Storing and describing run on one thread of its own, so the pages still loading are served
    # meanwhile (hashing, compressing the WARC, forcing files to disk and describing would otherwise stop
    # the event loop for every page). That thread alone opens, uses and closes the case's ledger while
    # the capture runs.
    case.close()
    storing = ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="capture-store", initializer=exif.keep_running, initargs=(exiftool,)
    )
    if exiftool is not None:
        # Started on the store thread, which reads through it: PyExifTool has the kernel end exiftool when
        # the thread that started it ends (PR_SET_PDEATHSIG). Meanwhile Chromium starts.
        storing.submit(exiftool.start)

    try:
        results: list[CaptureResult | None] = [None] * len(targets)
        done = 0
        if on_progress:
            on_progress(0, len(targets))
        async with browser_module.launched(executable, browser_args) as (browser, info):
            gate = asyncio.Semaphore(max(1, options.concurrency))
            pool = ContextPool(
                browser,
                options,
                persona.unlocked.persona.fingerprint.user_agent if persona is not None else info.user_agent,
                len(targets),
                relaunch=lambda dead: browser_module.relaunch(dead, executable, browser_args),
                persona=persona.unlocked if persona is not None else None,
            )

            watchdog = MemoryWatchdog(options.bounds.browser_rss_mb)
            watchdog.start()

            async def one(index: int, url: str) -> None:
                nonlocal done
                async with gate:
                    window = watchdog.begin()
                    try:
                        page = await capture_page(pool, url, options, clock, addresses, watchdog)
                    except Exception as exc:  # noqa: BLE001  one URL's failure never stops the others
                        page = PageCapture(url=url, started=clock(), failed=True)
                        page.errors.append(f"capture failed: {type(exc).__name__}: {exc}")
                        page.finished = clock()
                    page.memory = {
                        "browser_tree_peak_bytes": watchdog.end(window),
                        "browser_tree_bound_bytes": watchdog.limit,
                        "sampled_every_seconds": watchdog.interval,
                    }
                # Outside the gate: the next capture starts while this one's video is encoded.
                await encode_video(page, options)
                results[index] = await loop.run_in_executor(
                    storing, _store_then_describe, case, identity, page, options, info, clock, persona
                )
                done += 1
                if on_progress:
                    on_progress(done, len(targets))

            try:
                await asyncio.gather(*(one(i, url) for i, url in enumerate(targets)))
            finally:
                await watchdog.stop()
                await pool.close()
        return [r for r in results if r is not None]

    finally:
        await loop.run_in_executor(storing, _close_on_the_store_thread, case, exiftool)
        storing.shutdown()


def store(
    case: Case,
    identity: Identity,
    page: PageCapture,
    options: CaptureOptions,
    info: browser_module.BrowserInfo,
    clock: Clock,
    persona: PersonaRun | None = None,
) -> CaptureResult:
    """Store every artefact of one page capture, its WARC and record, and append its custody event.

    First of all, in memory, the capture's secrets are replaced (``redaction.py``): nothing below ever
    sees a cookie, token or credential value. With a persona, whether it ended logged in is judged first
    (not logged in: the capture is partial and the saved session is left as it was).
    """
    persona_facts, policy, logged_in = _persona_verdict(page, options, persona)
    redactions = redaction.redact(page, policy)
    capture_id = new_capture_id(clock)
    entries: list[record.ArtefactEntry] = []
    stored: list[Artefact] = []

    def keep(role: str, artefact: Artefact, **extra: str) -> record.ArtefactEntry:
        entry = record.ArtefactEntry(
            role,
            artefact.blake3,
            artefact.sha256,
            artefact.size,
            record.ROLE_MIME.get(role, artefact.mime),
            str(artefact.path.resolve()),
            tuple(extra.items()),
        )
        entries.append(entry)
        if all(item.blake3 != artefact.blake3 for item in stored):  # two roles may share the same bytes
            stored.append(artefact)
        return entry

    for role in ("screenshot", "screenshot-viewport", "pdf", "mhtml", "dom", "text", "video"):
        data = page.files.get(role)
        if data:
            keep(role, case.ingest_bytes(data))
    for download in page.downloads:
        if download.data is not None:  # a download cut by its bound says so in the record (``cut``)
            keep(
                "download",
                case.ingest_bytes(download.data),
                url=download.url,
                filename=download.suggested_filename,
            )
    if page.exchanges:
        keep(
            "har",
            case.ingest_bytes(
                har.build(page.exchanges, page.url, page.title, rfc3339(page.started), f"{info.name} {info.version}")
            ),
        )
    # Sentences about what the artefacts hold, made now that it is known which ones were stored.
    page.warnings.extend(record.artefact_warnings(page, {e.role for e in entries}))
    settings = case.settings
    # The same record twice: first as the provenance summary inside the WARC, then in full (with the
    # WARC among its artefacts and the list of exchanges).
    build = functools.partial(
        record.build,
        capture_id=capture_id,
        case_id=case.id,
        result=page,
        identity=identity,
        role=settings.role,
        organisation=settings.organisation,
        options=options,
        info=info,
        artefacts=entries,
        persona=persona_facts,
        authorisation=_authorisation(case, options) if persona is not None else None,
        redaction=redactions.to_json(),
    )
    summary = build(resources=None)
    resources = []
    url = page.final_url or page.url
    for role, uri, mime in (
        ("screenshot", "urn:fullPage:", "image/png"),
        ("screenshot-viewport", "urn:viewport:", "image/png"),
        ("pdf", "urn:pdf:", "application/pdf"),
    ):
        if page.files.get(role):
            resources.append(warc.Resource(uri + url, "resource", mime, page.files[role]))
    # The provenance summary inside the WARC: one signed file carries the traffic, what was seen and how.
    summary.pop("artefacts")
    summary["artefacts_outside_warc"] = [e.to_record() for e in entries]
    resources.append(warc.provenance_record(url, summary))
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as sink:
        responses = warc.write(
            sink,
            page.exchanges,
            resources,
            {
                "software": TOOL,
                "format": "WARC File Format 1.1",
                "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "description": f"capture {capture_id} of {page.url} for case {case.id}",
                "isPartOf": case.id,
                "operator": identity.name,
                "browser": f"{info.name} {info.version}",
            },
            f"{capture_id}.warc.gz",
        )
        sink.seek(0)
        warc_entry = keep("warc", case.store.ingest_stream(sink))  # type: ignore[arg-type]
    entries.insert(0, entries.pop(entries.index(warc_entry)))
    full = build(resources=responses)
    data = record.to_bytes(full)
    record_artefact = case.ingest_bytes(data)
    ledger_artefacts = [e.to_record() for e in entries] + [
        {**record_artefact.digests.to_json(), "mime": "application/json", "role": "capture-record"}
    ]
    case.append(
        identity,
        "capture",
        ledger_artefacts,
        details={
            "capture_id": capture_id,
            "url": page.url,
            "final_url": page.final_url,
            "status": page.status,
            "errors": page.errors[:10],
            **machine_facts(),
        },
    )
    # The readable copy only after the event: a crash in between leaves no record the ledger lacks.
    case.write_capture_record(capture_id, data)
    stored.append(record_artefact)
    record_entry = record.ArtefactEntry(
        "capture-record",
        record_artefact.blake3,
        record_artefact.sha256,
        record_artefact.size,
        "application/json",
        str(record_artefact.path.resolve()),
    )
    if persona is not None:
        _remember(persona, page, redactions, logged_in, clock)
    return CaptureResult(
        capture_id,
        page.url,
        page.final_url,
        full["started"],
        full["finished"],
        page.status,
        tuple(page.errors),
        (*entries, record_entry),
        full,
        tuple(stored),
    )


def _persona_verdict(
    page: PageCapture, options: CaptureOptions, persona: PersonaRun | None
) -> tuple[dict[str, Any] | None, redaction.Policy, bool]:
    """The record's ``persona`` block, what to redact, and whether the capture ended logged in."""
    if persona is None:
        return None, redaction.Policy(redaction.one_time_key(), keep_cookies=options.keep_cookies), False
    from ..personas import logged_in as rule

    unlocked = persona.unlocked
    who = unlocked.persona
    logged_in, why = rule.judge(who, page.end_state, page.login_form)
    if not logged_in and not page.failed:
        page.errors.append(f"persona {who.name} is not logged in: {why}; its saved session was left as it was")
    known = [redaction.Secret(v, n) for v, n in unlocked.secrets()]
    for cookie in (page.end_state or {}).get("cookies", []):
        known.append(redaction.Secret(str(cookie.get("value", "")), f"cookie {cookie.get('name')}"))
    for origin in (page.end_state or {}).get("origins", []):
        known += [
            redaction.Secret(str(i.get("value", "")), f"localStorage {i.get('name')}")
            for i in origin.get("localStorage", [])
        ]
    policy = redaction.Policy(redaction.Key(unlocked.key, "persona", who.name), tuple(known), csrf_fields=True)
    facts = {
        "name": who.name,
        "platform": who.platform,
        "handle": who.handle,
        "key_id": who.key_id,
        "fingerprint": who.fingerprint.to_json(),
        "logged_in": logged_in,
        "logged_in_check": why,
        "session_saved_back": logged_in,
    }
    return facts, policy, logged_in


def _authorisation(case: Case, options: CaptureOptions) -> dict[str, Any]:
    """What a covert access rests on, carried from the case and the command into the record."""
    info = case.info
    return {
        "purpose": options.purpose,
        "case_title": info.get("title"),
        "jurisdiction": info.get("jurisdiction"),
        "offence": info.get("offence"),
        "authorisation": info.get("authorisation"),
    }


def _remember(
    persona: PersonaRun, page: PageCapture, redactions: redaction.Redactions, logged_in: bool, clock: Clock
) -> None:
    """Save the session back only when the capture ended logged in; remember every secret value it saw."""
    unlocked = persona.unlocked
    known = {s["value"] for s in unlocked.seen}
    for value, name in redactions.seen.items():
        if value not in known:
            unlocked.seen.append({"value": value, "name": name})
    persona.store.used(unlocked, clock(), logged_in, page.end_state if logged_in else None)


__all__ = ["CaptureOptions", "CaptureResult", "Targets", "capture_urls", "check_targets"]
