"""Capture one URL: one page load in a fresh browser context, every artefact from that one load.

Every browser step has its own bound inside the capture's hard deadline. Whatever a step could not do is
an error sentence in the record, and the capture goes on with the next step: a capture that runs out of
time still keeps what it got, marked partial. After a load timeout the load is stopped through CDP
(``Page.stopLoading``), because page scripts and screenshots can otherwise wait for ever; dialogs are
dismissed as they open, because an open ``alert()`` blocks screenshots, PDF and DOM.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chain_of_custody.clock import Clock

from . import behaviours, guard, video
from .bounds import Bounds, size_text
from .contexts import ContextPool, Prepared
from .options import CaptureOptions
from .outcome import Download, PageCapture, main_exchanges, main_hop
from .recorder import Exchange, NetworkRecorder
from .steps import Deadline, Steps, first_line
from .watchdog import MemoryWatchdog

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Dialog, Page
    from playwright.async_api import Download as BrowserDownload

MHTML = "Page.captureSnapshot"
_ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video-encoder")
MAX_SCREENSHOT_HEIGHT = 15_000  # CSS px; Chromium fails beyond its 16384 px texture limit
MAX_PDF_PAGES = 200
MAX_DIALOGS = 50
PRINT_PAGE_HEIGHT = 1000  # CSS px per printed A4/Letter page, roughly


async def capture_page(
    pool: ContextPool,
    url: str,
    options: CaptureOptions,
    clock: Clock,
    addresses: guard.AddressGuard,
    watchdog: MemoryWatchdog | None = None,
) -> PageCapture:
    """Load ``url`` once in a fresh context and take every artefact from that load."""
    result = PageCapture(url=url, started=clock())
    deadline = Deadline(options.timeout)
    steps = Steps(result, deadline)
    prepared = await steps.run("open a browser context", pool.take, 20)
    if prepared is None:
        result.failed = True
        result.finished = clock()
        return result
    if prepared.restarts:
        result.warnings.append(
            f"the browser process had died during an earlier capture and was started again "
            f"({prepared.restarts} time(s)); this capture ran in the new browser"
        )
    try:
        await _capture_in_context(prepared, result, steps, options, clock, addresses, watchdog)
    finally:
        if pool.persona is not None:  # the persona's session, read before the context goes
            await steps.run("read the persona's session", lambda: pool.settle(prepared, result), 10, final=True)
        await steps.run("close the browser context", prepared.context.close, 10, final=True)
        result.finished = clock()
    return result


async def _capture_in_context(
    prepared: Prepared,
    result: PageCapture,
    steps: Steps,
    options: CaptureOptions,
    clock: Clock,
    addresses: guard.AddressGuard,
    watchdog: MemoryWatchdog | None,
) -> None:
    context, page, cdp, recorder = prepared.context, prepared.page, prepared.cdp, prepared.recorder
    result.main_frame_id = prepared.main_frame_id
    # Every request waits for the address rules (guard.py); without them nothing is loaded.
    if await steps.run("enforce the address rules", lambda: guard.intercept(cdp, addresses, result), 5) is None:
        result.failed = True
        result.errors.append("the address rules could not be put in place: nothing was loaded")
        return
    if await steps.run("check WebSockets", lambda: guard.guard_websockets(page, addresses, result), 5) is None:
        result.failed = True
        result.errors.append("the address rules for WebSockets could not be put in place: nothing was loaded")
        return
    pending: list[asyncio.Future[Any]] = []
    stopped = asyncio.Event()

    def oversize(exchange: Exchange) -> None:
        if exchange.resource_type == "Document" and exchange.frame_id == result.main_frame_id:
            result.stopped = (
                f"the main document passed the {size_text(options.bounds.body_bytes)} kept per response: "
                "loading was stopped there"
            )
            result.errors.append(result.stopped)
            asyncio.ensure_future(_quietly(cdp.send("Page.stopLoading")))
            stopped.set()

    recorder.on_oversize = oversize
    download_seen = asyncio.Event()
    _watch(context, page, result, pending, download_seen, options.bounds.download_bytes, watchdog)

    screen = None
    if options.video:
        screen = video.ScreenRecorder(cdp)
        screen_recorder = screen
        if (
            await steps.run(
                "start the screen recording",
                lambda: screen_recorder.start(options.viewport_width, options.viewport_height),
                5,
                required=False,
            )
            is None
        ):
            result.video_note = "no video: the browser refused to start a screencast"
            screen = None

    await _navigate(page, cdp, result, steps, options, clock, stopped)
    _check_main_document(addresses, recorder, result)
    if result.is_download:
        # The navigation ends before the browser reports the download: wait for it to be reported.
        await steps.run("wait for the download", download_seen.wait, 10)
    rendered = not result.failed and result.main_blocked is None and page.url not in ("about:blank", "")
    if rendered:
        await _run_behaviours(page, cdp, recorder, result, steps, options)
    if rendered and options.reader is not None:
        result.recorded = recorder.received
        try:
            await _read_on(page, result, steps, options)
        finally:
            result.recorded = None
    if screen is not None:
        await steps.run("stop the screen recording", screen.stop, 5, required=False)
    if rendered:
        await _take_artefacts(page, cdp, result, steps, options.bounds)
    if pending:
        await steps.run("finish downloads and pop-ups", lambda: asyncio.wait(pending), 20)
    # Bodies are asked for as each response finishes; this only waits for stragglers, inside the reserve.
    await steps.run(
        "collect response bodies",
        lambda: recorder.collect_bodies(min(steps.deadline.left() - 1.0, 15)),
        16,
        final=True,
    )
    result.exchanges = recorder.assemble()
    result.errors.extend(f"network recording: {problem}" for problem in recorder.problems)
    guard.check_responses(addresses, result, result.exchanges)
    result.address_rules = addresses.to_json()
    _findings(result)
    await _main_document_facts(cdp, result, steps, addresses)
    if screen is not None and result.video_note is None:
        # Encoded after the capture (see ``encode_video``), so the next capture need not wait for it.
        result.screencast = screen.frames
    elif not options.video:
        result.video_note = "no video: switched off (--no-video)"


async def _quietly(awaitable: Any) -> None:
    """Await something whose failure changes nothing (dismissing a dialog of a page already gone)."""
    try:
        await awaitable
    except Exception:  # noqa: BLE001
        pass


def _watch(
    context: BrowserContext,
    page: Page,
    result: PageCapture,
    pending: list[asyncio.Future[Any]],
    download_seen: asyncio.Event,
    bound: int,
    watchdog: MemoryWatchdog | None,
) -> None:
    """Dialogs, pop-ups, downloads and crashes, as they happen."""

    def on_dialog(dialog: Dialog) -> None:
        # A page can open dialogs in a loop: every one is dismissed, the first MAX_DIALOGS are recorded.
        if len(result.dialogs) < MAX_DIALOGS:
            result.dialogs.append(
                {
                    "type": dialog.type,
                    "message": dialog.message[:2000],
                    "default_value": dialog.default_value or None,
                    "action": "dismissed",
                }
            )
        elif len(result.dialogs) == MAX_DIALOGS:
            result.dialogs.append({"type": "more", "message": "further dialogs dismissed, not recorded"})
        asyncio.ensure_future(_quietly(dialog.dismiss()))

    def on_page(popup: Page) -> None:
        if popup is page:
            return

        async def note() -> None:
            try:
                await popup.wait_for_load_state("domcontentloaded", timeout=3000)
            except Exception:  # noqa: BLE001  a pop-up that never commits is still recorded by its URL
                pass
            result.popups.append({"url": popup.url, "action": "recorded and closed"})
            try:
                await popup.close()
            except Exception:  # noqa: BLE001
                pass

        pending.append(asyncio.ensure_future(note()))

    def on_download(download: BrowserDownload) -> None:
        async def keep() -> None:
            item = Download(download.url, download.suggested_filename, None)
            result.downloads.append(item)
            try:
                path = await download.path()
                item.data = _read_bounded(item, path, bound) if path else None
                if item.data is None:
                    item.error = await download.failure() or "download failed"
            except Exception as exc:  # noqa: BLE001
                item.error = first_line(exc)

        pending.append(asyncio.ensure_future(keep()))
        download_seen.set()

    def on_crash(_: Page) -> None:
        result.crashed = True
        kill = watchdog.claim() if watchdog is not None else None
        # The heap bound (options.bounds.renderer_heap_mb, in the record) is one way a renderer ends.
        result.errors.append(watchdog.reason(kill) if watchdog and kill else "the page's renderer crashed")

    page.on("dialog", on_dialog)
    page.on("download", on_download)
    page.on("crash", on_crash)
    context.on("page", on_page)


def _read_bounded(item: Download, path: Path, bound: int) -> bytes:
    """A downloaded file's bytes, at most ``bound`` of them (the cut is said on the item)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        data = handle.read(bound)
    if size > bound:
        item.cut = f"cut to its first {size_text(bound)} of {size_text(size)} by the bound on downloads"
    return data


def _check_main_document(addresses: guard.AddressGuard, recorder: NetworkRecorder, result: PageCapture) -> None:
    """Right after the load: did the main document come from an address the capture must not reach?

    Checked before anything is rendered from it, so that no screenshot or DOM is made of such a page.
    """
    for exchange in recorder.exchanges.values():
        if exchange.resource_type != "Document" or exchange.frame_id != result.main_frame_id:
            continue
        for hop in exchange.hops:
            reason = guard.check_hop(addresses, result, exchange, hop) if hop.status is not None else None
            if reason is not None and result.main_blocked is None:
                host, _ = guard.host_and_port(hop.url)
                address = (hop.remote_ip or "").strip("[]")
                result.main_blocked = {
                    "url": hop.url,
                    "host": host,
                    "address": address,
                    "reason": reason,
                    "stage": "response",
                    "type": "Document",
                }


def _findings(result: PageCapture) -> None:
    """What the address rules and the bounds did to the main document, as error sentences."""
    blocked = result.main_blocked
    if blocked is not None:
        stage = {"request": "its request", "redirect": "a redirect to it", "response": "its answer"}[blocked["stage"]]
        result.errors.append(f"the main document was blocked ({stage}): {blocked['url']}: {blocked['reason']}")
        if blocked["reason"] == "the host does not resolve":
            result.failed = True
    final = main_exchanges(result)[-1:] if result.exchanges else []
    for exchange in final:
        if exchange.cut and not exchange.withheld:
            result.errors.append(f"the main document's body in the WARC is not whole: {exchange.cut}")


async def _until_loaded_or_stopped(page: Page, url: str, stopped: asyncio.Event, limit: float) -> Any:
    """The navigation's response, or None once loading was stopped on purpose (the bound on a body)."""
    going = asyncio.ensure_future(page.goto(url, wait_until="load", timeout=0))
    stop = asyncio.ensure_future(stopped.wait())
    done, _ = await asyncio.wait({going, stop}, timeout=max(limit, 0.1), return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if going in done:
        return going.result()
    going.add_done_callback(lambda task: task.cancelled() or task.exception())  # no "never retrieved"
    going.cancel()
    if stop in done:
        return None
    raise TimeoutError


async def _navigate(
    page: Page,
    cdp: CDPSession,
    result: PageCapture,
    steps: Steps,
    options: CaptureOptions,
    clock: Clock,
    stopped: asyncio.Event,
) -> None:
    load_bound = max(options.timeout * 0.5, 1.0)
    limit = steps.deadline.for_step(load_bound)
    begun = time.monotonic()
    try:
        response = await _until_loaded_or_stopped(page, result.url, stopped, limit)
        result.loaded = clock()
        if response is None and page.url == "about:blank" and result.stopped is None:
            result.warnings.append("the navigation produced no document")
    except TimeoutError:
        result.errors.append(f"the page had not finished loading after {limit:.1f} s; loading was stopped")
        await steps.run("stop loading", lambda: cdp.send("Page.stopLoading"), 5)
        result.loaded = clock()
    except Exception as exc:  # noqa: BLE001
        message = first_line(exc)
        if "Download is starting" in message:
            result.is_download = True  # said once stored, with whether the file was kept (record.py)
        elif result.main_blocked is not None and "ERR_BLOCKED_BY_CLIENT" in message:
            pass  # said by _findings, with what was blocked and why
        elif result.stopped is not None:
            result.loaded = clock()  # stopped on purpose (the bound on a body): what loaded is captured
        else:
            result.errors.append(f"navigation failed: {message}")
            result.failed = True
    result.timings["load"] = round(time.monotonic() - begun, 3)
    result.final_url = page.url if page.url not in ("about:blank", "") else None


async def _run_behaviours(
    page: Page, cdp: CDPSession, recorder: NetworkRecorder, result: PageCapture, steps: Steps, options: CaptureOptions
) -> None:
    limits = options.limits
    keep = steps.deadline.artefact_time  # behaviours never eat the artefacts' time

    def seconds(wanted: float) -> float:
        # In-page loops get their own limit below the step's bound: a cancelled evaluate does not stop a
        # script, and one still scrolling would disturb the screenshots.
        return max(0.1, min(wanted, steps.deadline.for_behaviours() - 0.5))

    done = await steps.run("settle", lambda: behaviours.settle(page, recorder, seconds(3.0), 0.2), 4, keep=keep)
    if done:
        result.behaviours.append(done)
    # What a person first sees, before anything is clicked or scrolled.
    shot = await steps.run("viewport screenshot", lambda: screenshot(cdp), 10)
    if shot:
        result.files["screenshot-viewport"] = shot
    for name, make, bound in (
        ("cookie-banner", lambda: behaviours.dismiss_cookie_banner(page), 5),
        ("expand", lambda: behaviours.expand(page, limits), 5),
        (
            "scroll",
            lambda: behaviours.scroll(page, limits, seconds(limits.scroll_seconds)),
            limits.scroll_seconds + 5,
        ),
        ("images", lambda: behaviours.wait_for_images(page, seconds(limits.image_wait_ms / 1000)), 8),
    ):
        outcome = await steps.run(name, make, bound, keep=keep)
        if outcome:
            result.behaviours.append(outcome)
    await steps.run("scroll back to the top", lambda: behaviours.back_to_top(page), 3)
    done = await steps.run(
        "settle after behaviours", lambda: behaviours.settle(page, recorder, seconds(2.0), 0.15), 3, keep=keep
    )
    if done:
        result.behaviours.append({**done, "name": "settle-after"})


async def _read_on(page: Page, result: PageCapture, steps: Steps, options: CaptureOptions) -> None:
    """The capture's reader (``options.reader``), in the time the behaviours may use, still recorded."""
    reader = options.reader
    assert reader is not None
    bound = max(steps.deadline.for_behaviours(), 0.5)
    done = await steps.run(
        f"read on ({reader.name})",
        lambda: reader(page, result, bound - 0.5),
        bound,
        keep=steps.deadline.artefact_time,
    )
    if done:
        result.behaviours.append(done)


async def _take_artefacts(page: Page, cdp: CDPSession, result: PageCapture, steps: Steps, bounds: Bounds) -> None:
    result.final_url = page.url  # after any client-side redirect: the page the artefacts show
    facts = await steps.run("measure the page", lambda: page.evaluate(MEASURE_JS), 5) or {}
    result.title = facts.get("title")
    result.user_agent = facts.get("userAgent")
    height = int(facts.get("height") or 0)
    width = int(facts.get("width") or 0)
    html_chars = facts.get("htmlLength")
    if height > MAX_SCREENSHOT_HEIGHT:
        # Chromium cannot paint one image taller than its texture limit; the record says what is missing
        # (and, once stored, which artefacts hold the whole page: see record.artefact_warnings).
        result.cut["screenshot"] = f"the top {MAX_SCREENSHOT_HEIGHT} px of a {height} px page (browser limit)"
    clip = {"x": 0, "y": 0, "width": max(width, 1), "height": max(min(height, MAX_SCREENSHOT_HEIGHT), 1)}
    shot = await steps.run("full-page screenshot", lambda: screenshot(cdp, clip), 30)
    if shot:
        result.files["screenshot"] = shot
    limit = bounds.document_chars
    whole_dom = isinstance(html_chars, int) and html_chars <= limit

    async def no_mhtml() -> None:
        if result.crashed:
            result.errors.append("MHTML snapshot: skipped, the renderer had crashed")
        elif not isinstance(html_chars, int):
            result.errors.append("MHTML snapshot: not taken, the page's size could not be measured")
        else:
            result.errors.append(
                f"MHTML snapshot: not taken, the page's HTML is {html_chars:,} characters, beyond the "
                f"{limit:,} characters a capture takes from a page"
            )

    # These three only read the page, so they may run side by side.
    dom, text, snapshot = await asyncio.gather(
        steps.run("rendered DOM", page.content if whole_dom else lambda: page.evaluate(CUT_DOM_JS, limit), 15),
        steps.run("visible text", lambda: page.evaluate(TEXT_JS, limit), 10),
        steps.run("MHTML snapshot", lambda: cdp.send(MHTML, {"format": "mhtml"}), 30) if whole_dom else no_mhtml(),
    )
    if isinstance(dom, dict):  # cut in the page: {html, length}
        result.cut["dom"] = f"the first {limit:,} characters of its {int(dom['length']):,}-character HTML"
        dom = dom["html"]
    if dom is not None:
        result.files["dom"] = dom.encode("utf-8")
    if text is not None:
        if int(text["length"]) > limit:
            result.cut["text"] = f"the first {limit:,} of its {int(text['length']):,} characters"
        result.files["text"] = text["text"].encode("utf-8")
    if snapshot:
        result.files["mhtml"] = snapshot["data"].encode("utf-8")
    ranges = ""
    if height > MAX_PDF_PAGES * PRINT_PAGE_HEIGHT:
        ranges = f"1-{MAX_PDF_PAGES}"
        result.cut["pdf"] = f"the first {MAX_PDF_PAGES} printed pages of a {height} px page"
    # Last: printing lays the page out again for paper.
    pdf = await steps.run("PDF", lambda: page.pdf(print_background=True, page_ranges=ranges), 30)
    if pdf:
        result.files["pdf"] = pdf
    result.frames = [{"url": f.url, "name": f.name} for f in page.frames if f is not page.main_frame]


MEASURE_JS = """() => {
  const root = document.documentElement, body = document.body || root;
  return {width: Math.max(root.scrollWidth, body.scrollWidth, innerWidth),
          height: Math.max(root.scrollHeight, body.scrollHeight, innerHeight),
          htmlLength: root.outerHTML.length,
          title: document.title, userAgent: navigator.userAgent};
}"""
# The DOM and the text are cut in the page, so that a huge page never crosses into this process whole.
CUT_DOM_JS = """(limit) => {
  const html = document.documentElement.outerHTML;
  return {html: html.slice(0, limit), length: html.length};
}"""
TEXT_JS = """(limit) => {
  const text = document.body ? document.body.innerText : '';
  return {text: text.slice(0, limit), length: text.length};
}"""


async def screenshot(cdp: CDPSession, clip: dict[str, int] | None = None) -> bytes:
    """A PNG of the viewport, or of ``clip`` in page coordinates painted beyond the viewport (full page).

    Straight through CDP with ``optimizeForSpeed`` (faster PNG encoding; the pixels are the same).
    """
    params: dict[str, Any] = {"format": "png", "optimizeForSpeed": True}
    if clip is not None:
        params.update(captureBeyondViewport=True, clip={**clip, "scale": 1})
    answer = await cdp.send("Page.captureScreenshot", params)
    return base64.b64decode(answer["data"])


async def _main_document_facts(
    cdp: CDPSession, result: PageCapture, steps: Steps, addresses: guard.AddressGuard
) -> None:
    main = main_hop(result)
    if main is None:
        return
    if result.final_url is None:  # a file download leaves the page blank: the answer came from here
        result.final_url = main.url
    if main.status is not None and main.status >= 400:
        # Captured as served (a 404 or 500 page is evidence too), but the page asked for was not obtained:
        # partial, as issue 4 asks, with the reason in the record.
        status = f"{main.status} {main.status_text}".rstrip()
        result.errors.append(f"the server answered {status}: the page asked for was not served")
    hop = main
    if hop.url.startswith("https:") and hop.security:
        from urllib.parse import urlsplit

        parts = urlsplit(hop.url)
        origin = f"{parts.scheme}://{parts.netloc}"
        chain = await steps.run(
            "read the TLS certificate",
            lambda: cdp.send("Network.getCertificate", {"origin": origin}),
            5,
            required=False,
        )
        if chain:
            result.tls_chain = list(chain.get("tableNames") or [])
    hosts = []
    for exchange in main_exchanges(result):
        for item in exchange.hops:
            host, _ = guard.host_and_port(item.url)
            if host and host not in hosts:
                hosts.append(host)
    for host in hosts:
        # The answer the address rules checked (and the browser was pinned to), not a second lookup.
        check = await steps.run(
            f"DNS lookup of {host}", functools.partial(addresses.check_async, host), 5, required=False
        )
        if check:
            result.dns.append(check.to_json())


async def encode_video(result: PageCapture, options: CaptureOptions, bound: float = 60.0) -> None:
    """Turn the screencast frames into the ``video`` artefact, or say in the record why there is none.

    One encoder at a time (ffmpeg processes side by side would starve the browser of CPU); ffmpeg itself
    is killed after ``bound`` seconds.
    """
    if not result.screencast:
        if options.video and result.video_note is None:
            result.video_note = "no video: the browser sent no screencast frames"
        return
    frames, result.screencast = result.screencast, []
    data, note = await asyncio.get_running_loop().run_in_executor(
        _ENCODER, video.encode, frames, options.viewport_width, options.viewport_height, bound
    )
    result.video_note = note
    if data:
        result.files["video"] = data
