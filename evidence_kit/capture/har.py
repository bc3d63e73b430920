"""The HTTP exchanges of a capture as a HAR 1.2 log (for HAR viewers and analysts).

Bodies stay out of the HAR (the WARC holds them, with their digests): each entry gives the body's size,
MIME type and SHA-256 instead, so an analyst can find the body in the WARC and check it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import TOOL
from .recorder import Exchange, Hop
from .warc import warc_date


def _headers(pairs: list[tuple[str, str]] | None) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in pairs or []]


def _entry(exchange: Exchange, hop: Hop, final: bool, page_id: str) -> dict[str, Any]:
    body = exchange.body if final and exchange.body is not None else b""
    location = next((v for n, v in hop.response_headers or [] if n.lower() == "location"), "")
    content: dict[str, Any] = {"size": len(body), "mimeType": hop.mime or ""}
    if body:
        content["comment"] = "body in the WARC; sha256:" + hashlib.sha256(body).hexdigest()
    if final and exchange.redactions:
        note = f"{len(exchange.redactions)} secret value(s) replaced by same-length markers (see the capture record)"
        content["comment"] = f"{content['comment']}; {note}" if "comment" in content else note
    if final and (exchange.withheld or exchange.cut):
        # The HAR says what the WARC says: the body is cut by a bound or withheld (a blocked address).
        note = f"body not kept: {exchange.withheld}" if exchange.withheld else str(exchange.cut)
        content["comment"] = f"{content['comment']}; {note}" if "comment" in content else note
    return {
        "pageref": page_id,
        "startedDateTime": warc_date(hop.wall_time),
        "time": -1,
        "request": {
            "method": hop.method,
            "url": hop.url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _headers(hop.request_headers),
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(hop.url).query)],
            "headersSize": -1,
            "bodySize": len(hop.request_body or b""),
        },
        "response": {
            "status": hop.status or 0,
            "statusText": hop.status_text or (exchange.failed or ""),
            "httpVersion": (hop.raw_status_line or "HTTP/1.1").split(" ", 1)[0],
            "cookies": [],
            "headers": _headers(hop.response_headers),
            "content": content,
            "redirectURL": location,
            "headersSize": -1,
            "bodySize": len(body) if final else 0,
        },
        "cache": {},
        "timings": {"send": -1, "wait": -1, "receive": -1},
        "serverIPAddress": (hop.remote_ip or "").strip("[]"),
        "_resourceType": exchange.resource_type,
    }


def build(exchanges: list[Exchange], url: str, title: str | None, started: str, browser: str) -> bytes:
    page_id = "page_1"
    entries = []
    for exchange in exchanges:
        for index, hop in enumerate(exchange.hops):
            entries.append(_entry(exchange, hop, index == len(exchange.hops) - 1, page_id))
    log = {
        "log": {
            "version": "1.2",
            "creator": {"name": "evidence-kit", "version": TOOL.split(" ", 1)[1]},
            "browser": {"name": browser.split(" ", 1)[0], "version": browser.split(" ", 1)[-1]},
            "pages": [{"startedDateTime": started, "id": page_id, "title": title or url, "pageTimings": {}}],
            "entries": entries,
        }
    }
    return (json.dumps(log, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
