"""The network side of a capture: every HTTP exchange of one page, recorded through the DevTools protocol.

Why the DevTools protocol: Playwright's request/response events miss exchanges (redirect hops,
preflights, service-worker traffic) and merge duplicate headers. ``Network.*ExtraInfo`` events carry
the raw header block as it came off the wire (two ``Set-Cookie`` lines stay two lines).

Why bodies come with notes: ``Network.getResponseBody`` returns the body after the browser removed its
``Content-Encoding`` (gzip, br) and, for text, as decoded characters; the text is re-encoded in the
charset the browser used and the note says so (the WARC writer, ``warc.py``, puts it into the record).
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any

from warcio.statusandheaders import StatusAndHeadersParser

from .bounds import Bounds, size_text

if TYPE_CHECKING:
    from playwright.async_api import CDPSession

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


@dataclass
class Hop:
    """One HTTP request and its response (a redirect chain is several hops under one request id)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    wall_time: float
    request_body: bytes | None = None
    status: int | None = None
    status_text: str = ""
    protocol: str = ""
    response_headers: list[tuple[str, str]] | None = None
    raw_status_line: str | None = None
    remote_ip: str | None = None
    remote_port: int | None = None
    mime: str = ""
    charset: str = ""
    security: dict[str, Any] | None = None
    from_cache: bool = False
    blocked: str | None = None  # why this answer came from an address the capture must not reach
    request_redactions: list[dict[str, Any]] = field(default_factory=list)  # secrets replaced in the body


@dataclass
class Exchange:
    request_id: str
    resource_type: str
    frame_id: str
    hops: list[Hop] = field(default_factory=list)
    finished: bool = False
    failed: str | None = None
    body: bytes | None = None
    body_note: str | None = None
    body_task: asyncio.Task[Any] | None = None
    withheld: str | None = None  # why the body is not kept (it came from a blocked address)
    received: int = 0  # body bytes the browser reported receiving (decoded)
    cut: str | None = None  # why the body kept is shorter than the body received (a bound)
    redactions: list[dict[str, Any]] = field(default_factory=list)  # secrets replaced in the body (redaction.py)


def _split_headers(headers: dict[str, str]) -> list[tuple[str, str]]:
    """CDP header objects join repeated headers with newlines; split them back into separate lines."""
    lines = []
    for name, value in headers.items():
        if name.startswith(":"):  # HTTP/2 pseudo-headers are not header lines
            continue
        for part in str(value).split("\n"):
            lines.append((name, part))
    return lines


def _parse_raw_block(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    try:
        parsed = StatusAndHeadersParser([], verify=False).parse(BytesIO(text.encode("latin-1", "replace")))
    except Exception:  # noqa: BLE001  a malformed block falls back to the structured headers
        return None
    return parsed.protocol + " " + parsed.statusline if parsed.protocol else parsed.statusline, list(parsed.headers)


class NetworkRecorder:
    """Collects every HTTP exchange of one page through a CDP session (``Network`` domain)."""

    def __init__(self, cdp: CDPSession, bounds: Bounds | None = None):
        self.cdp = cdp
        self.bounds = bounds or Bounds()
        self.kept = 0  # body bytes kept so far, against bounds.capture_bytes
        # Called once for an exchange whose body passes bounds.body_bytes (the page capture stops a main
        # document there: the renderer would otherwise lay out hundreds of megabytes nobody keeps).
        self.on_oversize: Callable[[Exchange], None] | None = None
        self.exchanges: dict[str, Exchange] = {}
        self._request_extra: dict[str, list[dict[str, Any]]] = {}
        self._response_extra: dict[str, list[dict[str, Any]]] = {}
        self.inflight: set[str] = set()
        self.last_activity = time.monotonic()
        self.main_frame_id: str | None = None
        self.problems: list[str] = []

    async def start(self) -> None:
        handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "Network.requestWillBeSent": self._request,
            "Network.requestWillBeSentExtraInfo": self._request_extra_info,
            "Network.responseReceived": self._response,
            "Network.responseReceivedExtraInfo": self._response_extra_info,
            "Network.dataReceived": self._data,
            "Network.loadingFinished": self._finished,
            "Network.loadingFailed": self._failed,
        }
        for name, handler in handlers.items():
            self.cdp.on(name, self._guarded(name, handler))
        await self.cdp.send(
            "Network.enable",
            # Chromium keeps no part of a body beyond these buffers: the bounds are its buffers.
            {"maxTotalBufferSize": self.bounds.capture_bytes, "maxResourceBufferSize": self.bounds.body_bytes},
        )
        # A fresh context starts with an empty cache; disabling it keeps every resource on the wire (in
        # the WARC).
        await self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def _guarded(self, name: str, handler: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        """An odd event must never break the browser connection: it is noted and recording goes on."""

        def guarded(event: dict[str, Any]) -> None:
            try:
                handler(event)
            except Exception as exc:  # noqa: BLE001
                if len(self.problems) < 20:
                    self.problems.append(f"{name}: {type(exc).__name__}: {exc}")

        return guarded

    def _touch(self) -> None:
        self.last_activity = time.monotonic()

    def _request(self, event: dict[str, Any]) -> None:
        self._touch()
        url = event["request"]["url"]
        if not url.startswith(("http:", "https:")):
            return
        request_id = event["requestId"]
        exchange = self.exchanges.get(request_id)
        if exchange is None:
            exchange = Exchange(request_id, event.get("type", ""), event.get("frameId", ""))
            self.exchanges[request_id] = exchange
        redirect = event.get("redirectResponse")
        if redirect and exchange.hops:
            self._apply_response(exchange.hops[-1], redirect)
        request = event["request"]
        body = None
        if request.get("postDataEntries"):
            body = b"".join(base64.b64decode(e.get("bytes", "")) for e in request["postDataEntries"])
        elif request.get("postData"):
            body = request["postData"].encode("utf-8")
        exchange.hops.append(
            Hop(
                url,
                request.get("method", "GET"),
                _split_headers(request.get("headers", {})),
                float(event.get("wallTime", time.time())),
                body,
            )
        )
        self.inflight.add(request_id)

    def _request_extra_info(self, event: dict[str, Any]) -> None:
        self._request_extra.setdefault(event["requestId"], []).append(event)

    def _response_extra_info(self, event: dict[str, Any]) -> None:
        self._touch()
        self._response_extra.setdefault(event["requestId"], []).append(event)

    def _apply_response(self, hop: Hop, response: dict[str, Any]) -> None:
        hop.status = int(response.get("status", 0))
        hop.status_text = response.get("statusText", "")
        hop.protocol = response.get("protocol", "")
        hop.response_headers = _split_headers(response.get("headers", {}))
        hop.remote_ip = response.get("remoteIPAddress")
        hop.remote_port = response.get("remotePort")
        hop.mime = response.get("mimeType", "")
        hop.charset = response.get("charset", "")
        hop.security = response.get("securityDetails")
        hop.from_cache = bool(response.get("fromDiskCache") or response.get("fromServiceWorker"))

    def _response(self, event: dict[str, Any]) -> None:
        self._touch()
        exchange = self.exchanges.get(event["requestId"])
        if exchange and exchange.hops:
            self._apply_response(exchange.hops[-1], event["response"])

    def _data(self, event: dict[str, Any]) -> None:
        self._touch()
        exchange = self.exchanges.get(event["requestId"])
        if exchange is not None:
            exchange.received += int(event.get("dataLength") or 0)
            if exchange.received > self.bounds.body_bytes and exchange.cut is None:
                exchange.cut = self._beyond(exchange, "more than ")
                if self.on_oversize is not None:
                    self.on_oversize(exchange)

    def _beyond(self, exchange: Exchange, more: str = "") -> str:
        return (
            f"body not kept: {more}{size_text(exchange.received)} received, beyond the "
            f"{size_text(self.bounds.body_bytes)} kept per response"
        )

    def _finished(self, event: dict[str, Any]) -> None:
        self._touch()
        request_id = event["requestId"]
        self.inflight.discard(request_id)
        exchange = self.exchanges.get(request_id)
        if exchange is None:
            return
        exchange.finished = True
        if exchange.received > self.bounds.body_bytes:
            # Not asked for: the browser kept none of it, and moving it would cost the memory it saves.
            exchange.cut = self._beyond(exchange)
            return
        exchange.body_task = asyncio.ensure_future(self.cdp.send("Network.getResponseBody", {"requestId": request_id}))

    def _failed(self, event: dict[str, Any]) -> None:
        self._touch()
        request_id = event["requestId"]
        self.inflight.discard(request_id)
        exchange = self.exchanges.get(request_id)
        if exchange is not None:
            exchange.failed = event.get("blockedReason") or event.get("errorText") or "failed"

    async def collect_bodies(self, bound: float) -> None:
        """Wait (at most ``bound`` seconds) for the bodies asked for; record which ones did not come."""
        tasks = [e.body_task for e in self.exchanges.values() if e.body_task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=max(bound, 0.05))
        for exchange in self.exchanges.values():
            task = exchange.body_task
            if task is None:
                continue
            if not task.done():
                task.cancel()
                exchange.body_note = "the browser did not hand over the body in time"
                continue
            if task.exception() is not None:
                exchange.body_note = f"body not available from the browser: {task.exception()}"
                continue
            if exchange.withheld:
                continue  # from a blocked address: not kept (guard.py)
            result = task.result()
            body, exchange.body_note = _body_bytes(result, exchange.hops[-1] if exchange.hops else None)
            exchange.body = self._within_bounds(exchange, body)

    async def received(self, contains: str, bound: float = 5.0) -> list[tuple[str, int, bytes]]:
        """(URL, status, body) of the answers recorded so far whose URL holds ``contains``, in order.

        For a reader that reads on in the recorded page (``CaptureOptions.reader``): what the page's own
        scripts fetched, read from the recording itself, so the reader need not ask the site again.
        The bodies are the browser's, as the WARC will hold them; nothing here changes the recording.
        """
        wanted = [
            e
            for e in self.exchanges.values()
            if e.finished and e.hops and contains in e.hops[-1].url and e.body_task is not None and not e.withheld
        ]
        tasks = [e.body_task for e in wanted if e.body_task is not None and not e.body_task.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=max(bound, 0.05))
        out = []
        for exchange in sorted(wanted, key=lambda e: e.hops[0].wall_time):
            task = exchange.body_task
            if task is None or not task.done() or task.cancelled() or task.exception() is not None:
                continue
            hop = exchange.hops[-1]
            body, _note = _body_bytes(task.result(), hop)
            out.append((hop.url, int(hop.status or 0), body))
        return out

    def _within_bounds(self, exchange: Exchange, body: bytes) -> bytes:
        """The body cut to what the bounds leave, with the reason on the exchange when it was cut."""
        room = min(self.bounds.body_bytes, self.bounds.capture_bytes - self.kept)
        if len(body) > room:
            which = (
                f"the {size_text(self.bounds.body_bytes)} kept per response"
                if room == self.bounds.body_bytes
                else f"the capture's {size_text(self.bounds.capture_bytes)} of bodies, used up"
            )
            exchange.cut = f"body cut to its first {size_text(max(room, 0))} of {size_text(len(body))} by {which}"
            body = body[: max(room, 0)]
        self.kept += len(body)
        return body

    def assemble(self) -> list[Exchange]:
        """Attach the raw header blocks (ExtraInfo events) to their hops and return the exchanges in order."""
        for request_id, exchange in self.exchanges.items():
            extras = list(self._response_extra.get(request_id, []))
            for hop in exchange.hops:
                for index, extra in enumerate(extras):
                    if hop.status is not None and int(extra.get("statusCode", -1)) == hop.status:
                        raw = _parse_raw_block(extra["headersText"]) if extra.get("headersText") else None
                        if raw:
                            hop.raw_status_line, hop.response_headers = raw
                        else:
                            hop.response_headers = _split_headers(extra.get("headers", {}))
                        del extras[index]
                        break
            for hop, extra in zip(exchange.hops, self._request_extra.get(request_id, []), strict=False):
                # The headers actually sent, cookies included (the plain event lacks them).
                hop.request_headers = _split_headers(extra.get("headers", {})) or hop.request_headers
        return sorted(self.exchanges.values(), key=lambda e: e.hops[0].wall_time if e.hops else 0.0)


def _charset_of(hop: Hop | None, text: str) -> str:
    if hop is not None and hop.charset:
        return hop.charset
    if hop is not None:
        for name, value in hop.response_headers or []:
            if name.lower() == "content-type" and "charset=" in value.lower():
                return value.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    match = _META_CHARSET.search(text[:2048].encode("ascii", "ignore"))
    return match.group(1).decode() if match else "utf-8"


def _body_bytes(result: dict[str, Any], hop: Hop | None) -> tuple[bytes, str | None]:
    if result.get("base64Encoded"):
        return base64.b64decode(result.get("body", "")), None
    text = result.get("body", "")
    charset = _charset_of(hop, text)
    try:
        codecs.lookup(charset)
        return text.encode(charset), f"text handed over decoded by the browser, re-encoded as {charset}"
    except (LookupError, UnicodeEncodeError):
        return text.encode("utf-8"), f"text handed over decoded by the browser, re-encoded as utf-8 ({charset} failed)"
