"""Recorded exchanges → WARC (ISO 28500, WARC/1.1), written with warcio.

The exchanges come from the network recorder (``recorder.py``). Why some headers are rewritten: the
browser hands over bodies with their ``Content-Encoding`` (gzip, br) removed. A response record that
kept ``Content-Encoding: gzip`` over a decoded body would not replay, so the record renames the encoding
headers to ``X-Archive-Orig-*``, sets ``Content-Length`` to the bytes stored, and says so (with the
recorder's own note on the body) in an ``X-Evidence-Kit-Body`` WARC header. A body whose secrets were
replaced before writing (``redaction.py``) says where in an ``X-Evidence-Kit-Redacted`` WARC header.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .recorder import Exchange, Hop


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


REDACTED_HEADER = "X-Evidence-Kit-Redacted"


def redacted_text(places: list[dict[str, Any]]) -> str:
    """The body's declared redactions (``redaction.py``) as one WARC header: ``offset+length name hmac``."""
    return "; ".join(f"{p['offset']}+{p['length']} {p['name']} hmac-sha256:{p['hmac_sha256']}" for p in places)


def _response_block(hop: Hop, exchange: Exchange, final: bool) -> tuple[StatusAndHeaders, bytes, dict[str, str]]:
    extra: dict[str, str] = {}
    body = (exchange.body or b"") if final else b""
    headers = list(hop.response_headers or [])
    status_line = hop.raw_status_line or f"HTTP/1.1 {hop.status} {hop.status_text}".rstrip()
    protocol, _, rest = status_line.partition(" ")
    notes = []
    kept = exchange.body is not None or exchange.cut or exchange.withheld
    if final and kept:
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
    if hop.blocked:
        extra["X-Evidence-Kit-Blocked"] = hop.blocked
    if final and exchange.withheld:
        notes.append(f"body not kept: {exchange.withheld}")
        extra["WARC-Truncated"] = "unspecified"
    elif final and exchange.cut:
        notes.append(exchange.cut)
        extra["WARC-Truncated"] = "length"  # ISO 28500 6.3.10: exceeds a configured maximum length
    elif final and exchange.body is None:
        if exchange.failed:
            notes.append(f"body not recorded: {exchange.failed}")
            extra["WARC-Truncated"] = "disconnect"
        elif not exchange.finished:
            notes.append("body not recorded: the response had not finished when the capture ended")
            extra["WARC-Truncated"] = "time"
    if notes:
        extra["X-Evidence-Kit-Body"] = "; ".join(notes)
    if final and exchange.redactions:
        extra[REDACTED_HEADER] = redacted_text(exchange.redactions)
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
                _request_record(writer, hop, {"WARC-Date": warc_date(hop.wall_time), "WARC-Concurrent-To": record_id})
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


def _request_record(writer: WARCWriter, hop: Hop, warc_headers: dict[str, str]) -> ArcWarcRecord:
    parts = urlsplit(hop.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(hop.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    body = hop.request_body or b""
    if hop.request_redactions:
        warc_headers = {**warc_headers, REDACTED_HEADER: redacted_text(hop.request_redactions)}
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
