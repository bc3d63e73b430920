"""E-mail handed over (.eml, .mbox): headers, the Received: chain as hops, authentication, body, attachments.

Parsed with the standard library (``email`` with the default policy, ``mailbox``). The ``Received:``
headers are read bottom-up, the order the message travelled (RFC 5321 §4.4: each relay adds its line
on top); each hop names the host that handed the message on (``from``, with the IP address the
receiving server saw), the server that took it (``by``) and when. Only the lowest hops can be forged by
a sender; the report says so rather than picking one as "the origin".
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import ipaddress
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

MAIL_MIMES = ("message/rfc822",)
MBOX_MIMES = ("application/mbox",)
MAX_ATTACHMENTS = 1000
MAX_MESSAGES = 100_000
BODY_LIMIT = 2_000_000  # characters of body text kept

ADDRESS_HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Return-Path", "Delivered-To")
_SHOWN = {name.lower() for name in (*ADDRESS_HEADERS, "Subject", "Date")}
AUTH_HEADERS = ("Authentication-Results", "ARC-Authentication-Results", "Received-SPF")

_IP = re.compile(r"\[?(?:IPv6:)?((?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)\]?")
_RESULT = re.compile(r"\b(spf|dkim|dmarc|arc|auth|iprev)\s*=\s*([A-Za-z]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Hop:
    """One ``Received:`` line: who handed the message on, who took it, and when."""

    number: int  # 1 = the first relay the message reached (the lowest header)
    from_host: str | None
    from_ip: str | None
    by_host: str | None
    protocol: str | None
    time: str | None  # RFC 3339, with the offset the server wrote
    raw: str

    def to_json(self) -> dict[str, Any]:
        return {
            "hop": self.number,
            "from_host": self.from_host,
            "from_ip": self.from_ip,
            "by_host": self.by_host,
            "with": self.protocol,
            "time": self.time,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    headers: dict[str, list[str]]  # every header as written (encoded words not decoded)
    decoded: dict[str, list[str]]  # the address headers, decoded (what a mail program shows)
    addresses: dict[str, list[str]]  # header -> lower-case addresses
    subject: str | None
    message_id: str | None
    date: str | None
    hops: list[Hop]
    authentication: list[dict[str, Any]]
    dkim: list[dict[str, str]]
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    attached_messages: list[dict[str, Any]] = field(default_factory=list)  # messages attached whole
    problems: list[str] = field(default_factory=list)

    def to_json(self, stored: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "message_id": self.message_id,
            "date": self.date,
            "headers": {k: v for k, v in self.headers.items() if k.lower() in _SHOWN},
            "headers_decoded": self.decoded,
            "addresses": self.addresses,
            "received": [h.to_json() for h in self.hops],
            "received_note": "hops in the order the message travelled; the lowest hops are written by the"
            " sending side and can be forged, the hops added by the recipient's own servers cannot",
            "authentication": self.authentication,
            "dkim_signatures": self.dkim,
            "body_characters": len(self.body),
            "attachments": stored
            if stored is not None
            else [{"name": a.name, "content_type": a.content_type, "size": len(a.data)} for a in self.attachments],
            "attached_messages": self.attached_messages,
            "attached_messages_note": "messages attached whole (forwards): their senders are not this"
            " message's; their text is in the body after an [attached message N: …] line",
            "problems": self.problems,
        }


def _time(value: str) -> str | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed.isoformat() if parsed.tzinfo else parsed.isoformat() + " (no zone given)"


def _ip_in(text: str) -> str | None:
    for match in _IP.finditer(text):
        try:
            address = ipaddress.ip_address(match.group(1))
        except ValueError:
            continue
        mapped = getattr(address, "ipv4_mapped", None)  # [::ffff:192.0.2.1] is the IPv4 host 192.0.2.1
        return str(mapped or address)
    return None


def parse_received(value: str, number: int) -> Hop:
    """One ``Received:`` header → a hop (RFC 5321 §4.4 ``from … by … with … ; date``).

    >>> hop = parse_received("from mail.x.example (mail.x.example [192.0.2.7]) by mx.y.example with ESMTPS"
    ...     " id 1; Tue, 5 Mar 2024 09:12:03 +0100", 1)
    >>> hop.from_host, hop.from_ip, hop.by_host, hop.protocol, hop.time
    ('mail.x.example', '192.0.2.7', 'mx.y.example', 'ESMTPS', '2024-03-05T09:12:03+01:00')
    """
    flat = " ".join(value.split())
    clauses, _, when = flat.rpartition(";")
    if not clauses:
        clauses, when = flat, ""
    from_part = re.search(r"\bfrom\s+(.*?)(?=\s+(?:by|with|id|for|via)\s|$)", clauses, re.IGNORECASE)
    by_part = re.search(r"\bby\s+(\S+)", clauses, re.IGNORECASE)
    with_part = re.search(r"\bwith\s+(\S+)", clauses, re.IGNORECASE)
    from_text = from_part.group(1) if from_part else ""
    from_host = from_text.split()[0].strip("()[]") if from_text else None
    return Hop(
        number,
        from_host or None,
        _ip_in(from_text) if from_text else None,
        by_part.group(1).strip("()[];") if by_part else None,
        with_part.group(1).strip(";") if with_part else None,
        _time(when) if when.strip() else None,
        flat,
    )


def _authentication(message: EmailMessage) -> list[dict[str, Any]]:
    out = []
    for name in AUTH_HEADERS:
        for value in message.get_all(name) or []:
            flat = " ".join(str(value).split())
            results = {m.group(1).lower(): m.group(2).lower() for m in _RESULT.finditer(flat)}
            if name == "Received-SPF":
                results = {"spf": flat.split()[0].lower()} if flat else {}
            out.append({"header": name, "results": results, "raw": flat})
    return out


def _dkim(message: EmailMessage) -> list[dict[str, str]]:
    out = []
    for name in ("DKIM-Signature", "ARC-Message-Signature"):
        for value in message.get_all(name) or []:
            tags = dict(
                (k.strip(), v.strip())
                for k, _, v in (part.partition("=") for part in " ".join(str(value).split()).split(";"))
                if k.strip() in ("d", "s", "a", "i")
            )
            out.append(
                {
                    "header": name,
                    **{"domain" if k == "d" else "selector" if k == "s" else k: v for k, v in tags.items()},
                }
            )
    return out


def _values(message: EmailMessage, name: str, problems: list[str]) -> list[str]:
    """Every value of header ``name``, decoded (RFC 2047 encoded words); as written, with a problem line,
    when the standard library's header parser trips over it (it raises on some malformed headers)."""
    try:
        return [str(v) for v in message.get_all(name) or []]
    except Exception:  # noqa: BLE001  AttributeError, IndexError … from email._header_value_parser
        problems.append(f"header {name} is malformed: read as written, not decoded")
        return [str(v) for k, v in message.raw_items() if k.lower() == name.lower()]


def _first(message: EmailMessage, name: str, problems: list[str]) -> str | None:
    values = _values(message, name, problems)
    return values[0] if values else None


def _part(part: EmailMessage, attachments: list[Attachment], body_parts: list[str], problems: list[str]) -> None:
    """One leaf of the MIME tree: an attachment, or text of the body."""
    disposition = part.get_content_disposition()
    filename = part.get_filename()
    if (
        disposition == "attachment"
        or (filename and disposition != "inline")
        or part.get_content_maintype() in ("image", "application", "audio", "video")
    ):
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append(Attachment(filename or f"part-{len(attachments) + 1}", part.get_content_type(), payload))
        return
    if part.get_content_type() in ("text/plain", "text/html"):
        try:
            content = part.get_content()
        except (LookupError, ValueError):
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
        if part.get_content_type() == "text/html":
            from .page import visible_text

            content = visible_text(content)
        body_parts.append(str(content))


def parse(data: bytes) -> Mail:
    """Everything this module reads from one message (RFC 5322 / MIME).

    A message handed over may be malformed on purpose: a header the parser cannot decode is read as
    written, a MIME part it cannot read is skipped, and each is named in ``problems``.
    """
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    problems: list[str] = []
    headers: dict[str, list[str]] = {}
    for key, value in message.raw_items():
        try:
            text = str(value)
        except Exception:  # noqa: BLE001  a malformed header must not stop the rest being read
            text = repr(value)
            problems.append(f"header {key} could not be decoded")
        headers.setdefault(key, []).append(" ".join(text.split()))
    addresses: dict[str, list[str]] = {}
    decoded: dict[str, list[str]] = {}
    for name in ADDRESS_HEADERS:
        values = _values(message, name, problems)
        if values:
            decoded[name] = [" ".join(v.split()) for v in values]
        found = [addr.lower() for _, addr in email.utils.getaddresses(values) if "@" in addr]
        if found:
            addresses[name] = list(dict.fromkeys(found))
    received = _values(message, "Received", problems)
    hops = [parse_received(value, number) for number, value in enumerate(reversed(received), 1)]
    body_parts: list[str] = []
    attachments: list[Attachment] = []
    forwarded: list[dict[str, Any]] = []
    for number, part in enumerate(message.walk(), 1):
        payload = part.get_payload() if part.get_content_type() == "message/rfc822" else None
        if isinstance(payload, list) and payload and isinstance(payload[0], EmailMessage):
            # A message attached whole (a forward): its parts follow in the walk. Its sender is not this
            # message's sender, so it is listed apart, and its text is marked as its own in the body.
            inner = payload[0]
            facts = {name.lower(): _values(inner, name, problems) for name in ("From", "To", "Subject", "Date")}
            forwarded.append(facts)
            shown = "; ".join(f"{k}: {', '.join(v)}" for k, v in facts.items() if v)
            body_parts.append(f"[attached message {len(forwarded)}: {shown}]")
            continue
        if part.is_multipart():
            continue
        if len(attachments) >= MAX_ATTACHMENTS:
            problems.append(f"more than {MAX_ATTACHMENTS} attachments: the rest of the message was not read")
            break
        try:
            _part(part, attachments, body_parts, problems)
        except Exception as exc:  # noqa: BLE001  as in _values: the parser raises on malformed parts
            problems.append(f"MIME part {number} could not be read ({type(exc).__name__}): it was skipped")
    date = _first(message, "Date", problems)
    if date and _time(date) is None:
        problems.append(f"the Date header {date[:60]!r} is not a real date")
    subject = _first(message, "Subject", problems)
    message_id = _first(message, "Message-ID", problems)
    return Mail(
        headers,
        decoded,
        addresses,
        subject,
        message_id.strip() if message_id else None,
        _time(date) if date else None,
        hops,
        _authentication(message),
        _dkim(message),
        "\n\n".join(body_parts)[:BODY_LIMIT],
        attachments,
        forwarded,
        problems,
    )


def split_mbox(path: Path) -> list[bytes]:
    """The messages of an mbox file, as bytes (at most :data:`MAX_MESSAGES`), read only.

    A message starts at a "From_" line (RFC 4155: ``From sender date``, ending with the year) at the start
    of the file or after an empty line; that line is not part of the message. A body line that merely
    starts with "From " and was not escaped (">From ") by the writer stays in the body. ``mailbox.mbox`` is not used:
    it opens the file for writing when it can, and a stored artefact is only ever read.
    """
    out: list[bytes] = []
    current: list[bytes] | None = None
    previous_blank = True
    with open(path, "rb") as handle:
        for line in handle:
            if previous_blank and _FROM_LINE.match(line):
                if current is not None:
                    out.append(_strip_separator(current))
                    if len(out) >= MAX_MESSAGES:
                        return out
                current = []
            elif current is not None:
                current.append(line[1:] if line.startswith(b">From ") else line)
            previous_blank = line in (b"\n", b"\r\n")
    if current is not None:
        out.append(_strip_separator(current))
    return out


def _strip_separator(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the empty line before the next From_ line belongs to the mbox, not the message
    return b"".join(lines)


def header_text(mail: Mail) -> str:
    """The address headers as text, for selectors (``From: Anna <anna@x.example>``)."""
    return "\n".join(f"{k}: {v}" for k, values in mail.decoded.items() for v in values)


_FROM_LINE = re.compile(rb"^From \S+ +\S.*\d{4}\s*$")
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{1,60}:[ \t]")


def looks_like_mbox(head: bytes) -> bool:
    """An mbox starts with a ``From_`` line (``From sender date``) followed by a message's headers."""
    lines = head.splitlines()
    return len(lines) > 1 and bool(_FROM_LINE.match(lines[0])) and bool(_HEADER_LINE.match(lines[1]))


def looks_like_message(mime: str, head: bytes) -> bool:
    """An RFC 5322 message: libmagic says so, or it opens with headers among which From and Date/Received."""
    if mime in MAIL_MIMES:
        return True
    if not mime.startswith("text/"):
        return False
    block = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    names = {line.split(b":", 1)[0].lower() for line in block.splitlines() if _HEADER_LINE.match(line)}
    first = block.splitlines()[0] if block else b""
    return bool(_HEADER_LINE.match(first)) and b"from" in names and bool(names & {b"date", b"received"})


def parse_headers(data: bytes) -> dict[str, str | None]:
    """From, To, Subject, Date and Message-ID of one message (for an mbox's list of messages)."""
    from email.parser import BytesHeaderParser

    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(data)
    out: dict[str, str | None] = {}
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        try:
            value = headers.get(name)
            out[name.lower().replace("-", "_")] = " ".join(str(value).split()) if value is not None else None
        except Exception:  # noqa: BLE001  a malformed header is listed as absent
            out[name.lower().replace("-", "_")] = None
    return out
