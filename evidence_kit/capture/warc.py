"""Network → WARC (ISO 28500, WARC/1.1) from the DevTools protocol, written with warcio.

Why the DevTools protocol: Playwright's request/response events miss exchanges (redirect hops,
preflights, service-worker traffic) and merge duplicate headers. ``Network.*ExtraInfo`` events carry
the raw header block as it came off the wire (two ``Set-Cookie`` lines stay two lines).

Why some headers are rewritten: ``Network.getResponseBody`` returns the body after the browser removed
its ``Content-Encoding`` (gzip, br) and, for text, as decoded characters. A response record that kept
``Content-Encoding: gzip`` over a decoded body would not replay, so the record renames the encoding
headers to ``X-Archive-Orig-*``, sets ``Content-Length`` to the bytes stored, re-encodes text in the
charset the browser used, and says so in an ``X-Evidence-Kit-Body`` WARC header.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

# Big enough for large pages; Chromium drops bodies beyond these buffers (recorded as missing body).
MAX_TOTAL_BUFFER = 256 * 1024 * 1024
MAX_RESOURCE_BUFFER = 64 * 1024 * 1024

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
    return parsed.protocol + " " + parsed.statusline if parsed.protocol else parsed.statusline, list(
        parsed.headers
    )


class NetworkRecorder:
    """Collects every HTTP exchange of one page through a CDP session (``Network`` domain)."""

    def __init__(self, cdp: Any):
        self.cdp = cdp
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
            "Network.loadingFinished": self._finished,
            "Network.loadingFailed": self._failed,
        }
        for name, handler in handlers.items():
            self.cdp.on(name, self._guarded(name, handler))
        await self.cdp.send(
            "Network.enable",
            {"maxTotalBufferSize": MAX_TOTAL_BUFFER, "maxResourceBufferSize": MAX_RESOURCE_BUFFER},
        )
        # A fresh context starts with an empty cache; disabling it keeps every resource on the wire (in
        # the WARC).
        await self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def _guarded(
        self, name: str, handler: Callable[[dict[str, Any]], None]
    ) -> Callable[[dict[str, Any]], None]:
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

    def _finished(self, event: dict[str, Any]) -> None:
        self._touch()
        request_id = event["requestId"]
        self.inflight.discard(request_id)
        exchange = self.exchanges.get(request_id)
        if exchange is None:
            return
        exchange.finished = True
        exchange.body_task = asyncio.ensure_future(
            self.cdp.send("Network.getResponseBody", {"requestId": request_id})
        )

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
            result = task.result()
            exchange.body, exchange.body_note = _body_bytes(
                result, exchange.hops[-1] if exchange.hops else None
            )

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
        return text.encode(
            "utf-8"
        ), f"text handed over decoded by the browser, re-encoded as utf-8 ({charset} failed)"


def warc_date(moment: float | datetime) -> str:
    if isinstance(moment, datetime):
        value = moment.astimezone(UTC)
    else:
        value = datetime.fromtimestamp(moment, UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Resource:
    """A non-HTTP record: what the investigator saw (screenshot, PDF) or metadata about the capture."""

    uri: str  # "urn:fullPage:http://…"
    record_type: str  # "resource" or "metadata"
    content_type: str
    data: bytes


def _response_block(
    hop: Hop, exchange: Exchange, final: bool
) -> tuple[StatusAndHeaders, bytes, dict[str, str]]:
    extra: dict[str, str] = {}
    body = (exchange.body or b"") if final else b""
    headers = list(hop.response_headers or [])
    status_line = hop.raw_status_line or f"HTTP/1.1 {hop.status} {hop.status_text}".rstrip()
    protocol, _, rest = status_line.partition(" ")
    notes = []
    if final and exchange.body is not None:
        rewritten = []
        for name, value in headers:
            lower = name.lower()
            if lower == "content-encoding" and value.strip().lower() not in ("", "identity"):
                rewritten.append(("X-Archive-Orig-Content-Encoding", value))
                notes.append(f"Content-Encoding {value} removed by the browser")
            elif lower == "transfer-encoding":
                rewritten.append(("X-Archive-Orig-Transfer-Encoding", value))
            elif lower == "content-length":
                if value.strip() != str(len(body)):
                    rewritten.append(("X-Archive-Orig-Content-Length", value))
                    notes.append(f"Content-Length {value.strip()} rewritten to {len(body)}")
            else:
                rewritten.append((name, value))
        rewritten.append(("Content-Length", str(len(body))))
        headers = rewritten
    if exchange.body_note:
        notes.append(exchange.body_note)
    if final and exchange.body is None:
        if exchange.failed:
            notes.append(f"body not recorded: {exchange.failed}")
            extra["WARC-Truncated"] = "disconnect"
        elif not exchange.finished:
            notes.append("body not recorded: the response had not finished when the capture ended")
            extra["WARC-Truncated"] = "time"
    if notes:
        extra["X-Evidence-Kit-Body"] = "; ".join(notes)
    return StatusAndHeaders(rest, headers, protocol=protocol or "HTTP/1.1"), body, extra


def write(
    sink: IO[bytes], exchanges: list[Exchange], resources: list[Resource], info: dict[str, Any], filename: str
) -> int:
    """Write a gzipped WARC/1.1 to ``sink``; return how many HTTP responses it holds."""
    writer = WARCWriter(sink, gzip=True, warc_version="WARC/1.1")
    writer.write_record(writer.create_warcinfo_record(filename, info))
    responses = 0
    for exchange in exchanges:
        for index, hop in enumerate(exchange.hops):
            if hop.status is None:  # never answered (blocked, refused, still waiting): request only
                warc_headers = {"WARC-Date": warc_date(hop.wall_time)}
                request = _request_record(writer, hop, warc_headers)
                writer.write_record(request)
                continue
            final = index == len(exchange.hops) - 1
            http_headers, body, extra = _response_block(hop, exchange, final)
            warc_headers = {"WARC-Date": warc_date(hop.wall_time), **extra}
            if hop.remote_ip:
                warc_headers["WARC-IP-Address"] = hop.remote_ip.strip("[]")
            if hop.protocol:
                warc_headers["WARC-Protocol"] = hop.protocol
            response = writer.create_warc_record(
                hop.url,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            writer.write_record(response)
            responses += 1
            record_id = response.rec_headers.get_header("WARC-Record-ID")
            writer.write_record(
                _request_record(
                    writer, hop, {"WARC-Date": warc_date(hop.wall_time), "WARC-Concurrent-To": record_id}
                )
            )
    for resource in resources:
        record = writer.create_warc_record(
            resource.uri,
            resource.record_type,
            payload=BytesIO(resource.data),
            length=len(resource.data),
            warc_content_type=resource.content_type,
            warc_headers_dict={"WARC-Date": warc_date(time.time())},
        )
        writer.write_record(record)
    return responses


def _request_record(writer: WARCWriter, hop: Hop, warc_headers: dict[str, str]) -> Any:
    from urllib.parse import urlsplit

    parts = urlsplit(hop.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(hop.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    body = hop.request_body or b""
    http_headers = StatusAndHeaders(f"{hop.method} {target} HTTP/1.1", headers, is_http_request=True)
    return writer.create_warc_record(
        hop.url,
        "request",
        payload=BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )


def provenance_record(url: str, summary: dict[str, Any]) -> Resource:
    return Resource(
        f"urn:evidence-kit:capture:{url}",
        "metadata",
        "application/json",
        json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8"),
    )


def new_record_uuid() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"
