"""Chat exports handed over: WhatsApp's text export and Telegram Desktop's ``result.json`` and HTML.

A WhatsApp export is one line per message in the phone's own date format, in two families::

    [04/03/2024, 14:05:09] Anna: text              (iOS: brackets, seconds)
    3/4/24, 2:05 PM - Anna: text                   (Android: a dash, 12 or 24 hours)
    04.03.24, 14:05 - Anna: text                   (German), 04/03/2024 à 14:05 - Anna: … (French)

Lines that do not start a message continue the one before (multi-line messages); a line with no
"Name: " is a system message (encryption notice, "Anna added Boris"). Day and month order is settled
by the export itself (a first number above 12 is a day, a second above 12 a month, a year written first
is year-month-day; a two-digit first number from 13 to 31 could be a day or a year written first, and the
description says so unless a last number above 31 rules the year out); when no line settles it, day
first is assumed, except with a plain AM/PM (the US
m/d/y habit; the "p. m." and "nachm." locales are day first), and the description says it was assumed.
The times carry no zone: they are the local time of the phone that exported the chat, and are kept as
written (``"2024-03-04T14:05:09"``, no offset).

Telegram's ``result.json`` carries ``date`` (local time of the exporting computer) and
``date_unixtime`` (UTC, kept as ``utc``); its HTML export names the time with its offset in a title
attribute (``04.03.2024 14:05:09 UTC+01:00``) in recent versions, and without it in older ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

MAX_MESSAGES = 500_000
WHATSAPP_LOCAL = "local time of the phone that exported the chat: the export carries no time zone, so none is assumed"
TELEGRAM_LOCAL = "local time of the computer that exported the chat; 'utc' is the export's own Unix time"
TELEGRAM_HTML = "as the export's title attributes give it (with their UTC offset when they carry one)"

_NAME_COLON = re.compile(r"^(.{1,80}?): (.*)$", re.DOTALL)
_AMPM = r"(?P<ampm>[AaPp]\.?\s?[Mm]\.?|vorm\.|nachm\.|午前|午後|오전|오후)"
_DATE = r"(?P<a>\d{1,4})[./\-](?P<b>\d{1,2})[./\-](?P<c>\d{1,4})\.?"
_TIME = r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?"
_SEP = r",?\s+(?:à\s+|um\s+|alle\s+|a las\s+|в\s+|om\s+)?"
_BRACKET = re.compile(rf"^\[{_DATE}{_SEP}{_TIME}(?:\s*{_AMPM})?\]\s(?P<rest>.*)$")
_DASH = re.compile(rf"^{_DATE}{_SEP}{_TIME}(?:\s*{_AMPM})?\s[-–]\s(?P<rest>.*)$")
# Attachments as the exports write them, in the languages WhatsApp ships (file name first or inside <>).
_ATTACHED_ANGLE = re.compile(
    r"^<(?:attached|angehängt|pièce jointe|adjunto|allegato|anexado|bijgevoegd|załączono|прикреплено|"
    r"прикачен файл|eklendi|vedhæftet|bifogad|liitetty)\s*:\s*(?P<name>[^<>]+)>$",
    re.IGNORECASE,
)
_ATTACHED_AFTER = re.compile(
    r"^(?P<name>\S.*?\.\w{2,5})\s+\((?:file attached|datei angehängt|fichier joint|archivo adjunto|"
    r"file allegato|arquivo anexado|bestand bijgevoegd|plik załączony|файл прикреплен|файлът е прикачен|"
    r"dosya ekli)\)(?:\n(?P<caption>.*))?$",
    re.IGNORECASE | re.DOTALL,
)
_OMITTED = re.compile(
    r"^<(?:Media omitted|Medien ausgeschlossen|Médias omis|Multimedia omitido|Media omessi|Mídia oculta|"
    r"Media weggelaten|Pominięto multimedia|Без медиафайлов|Медията е пропусната)>$",
    re.IGNORECASE,
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"))


@dataclass
class Message:
    number: int
    time: str | None  # local, as written: "2024-03-04T14:05:09"
    sender: str | None  # None for a system message
    text: str
    kind: str = "message"  # "message" or "system"
    attachments: list[dict[str, Any]] = field(default_factory=list)
    utc: str | None = None  # Telegram JSON's date_unixtime, as RFC 3339 UTC

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.number,
            "time": self.time,
            "sender": self.sender,
            "kind": self.kind,
            "text": self.text,
            "attachments": self.attachments,
        }
        if self.utc:
            out["utc"] = self.utc
        return out

    def label(self) -> str:
        """How a selector found in this message names it: "message 12, 2024-03-04T14:05:09, Anna"."""
        return ", ".join(x for x in (f"message {self.number}", self.time or "", self.sender or "system") if x)


@dataclass
class Chat:
    format: str  # "whatsapp-text", "telegram-json", "telegram-html"
    title: str | None
    participants: list[str]
    messages: list[Message]
    time_zone: str
    date_order: str | None = None  # WhatsApp only: "day-month-year (…)" and why
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "title": self.title,
            "participants": self.participants,
            "message_count": len(self.messages),
            "time_zone": self.time_zone,
            "date_order": self.date_order,
            "messages": [m.to_json() for m in self.messages],
            "problems": self.problems,
        }

    def text(self) -> str:
        """The chat as plain text, one message a line (what search indexes)."""
        return "\n".join(f"[{m.time}] {m.sender or '-'}: {m.text}" for m in self.messages)


# --- WhatsApp ---------------------------------------------------------------------------------------
def _header(line: str) -> re.Match[str] | None:
    return _BRACKET.match(line) or _DASH.match(line)


def looks_like_whatsapp(text: str) -> bool:
    """Most of the first non-empty lines that start a message are WhatsApp message headers."""
    lines = [line.translate(_INVISIBLE) for line in text.splitlines()[:50] if line.strip()]
    hits = sum(1 for line in lines if _header(line))
    return bool(lines) and _header(lines[0]) is not None and (hits >= 2 or len(lines) == 1)


def _date_order(headers: list[re.Match[str]]) -> tuple[str, str]:
    """("dmy" | "mdy" | "ymd", why)."""
    if any(len(m.group("a")) == 4 for m in headers):
        return "ymd", "year written first in the export"
    if any(int(m.group("a")) > 31 for m in headers):
        return "ymd", "settled by the export (a first number above 31 is a two-digit year)"
    if any(int(m.group("a")) > 12 for m in headers):
        if all(int(m.group("b")) <= 12 and int(m.group("c")) <= 31 for m in headers):
            # 24/03/04 reads as 24 March 2004 or, written year first, 4 March 2024: say so.
            return "dmy", (
                "a first number above 12 is a day; ASSUMED: it could also be a two-digit year written first"
                " (24/03/04 as 2024-03-04), and no date in the export rules that out"
            )
        return "dmy", "settled by the export (a first number above 12 is a day)"
    if any(int(m.group("b")) > 12 for m in headers):
        return "mdy", "settled by the export (a second number above 12 is a day)"
    if any(re.fullmatch(r"[AaPp][Mm]", m.group("ampm") or "") for m in headers):
        return "mdy", "ASSUMED: no date in the export settles it; 12-hour times suggest the US month/day order"
    if any(m.group("ampm") for m in headers):  # "p. m." (Spanish), "nachm." (German): day-first locales
        return "dmy", "ASSUMED: no date in the export settles it; day first, as where 'p. m.' or 'nachm.' is written"
    return "dmy", "ASSUMED: no date in the export settles it; day first, as in most locales"


def _local_time(m: re.Match[str], order: str) -> str | None:
    a, b, c = int(m.group("a")), int(m.group("b")), int(m.group("c"))
    year, month, day = (a, b, c) if order == "ymd" else (c, b, a) if order == "dmy" else (c, a, b)
    if year < 100:
        year += 2000
    hour, minute, second = int(m.group("h")), int(m.group("m")), int(m.group("s") or 0)
    ampm = "".join((m.group("ampm") or "").lower().replace(".", "").split())  # "p.\u00a0m." is "pm"
    if ampm in ("pm", "nachm", "午後", "오후") and hour < 12:
        hour += 12
    elif ampm in ("am", "vorm", "午前", "오전") and hour == 12:
        hour = 0
    try:
        return datetime(year, month, day, hour, minute, second).isoformat()
    except ValueError:
        return None


def _attachment(text: str, files: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
    """The attachment a WhatsApp message names, matched to the export's files (name -> BLAKE3)."""
    clean = text.strip()
    if _OMITTED.match(clean):
        return [{"name": None, "omitted": True, "blake3": None}], ""
    for pattern in (_ATTACHED_ANGLE, _ATTACHED_AFTER):
        found = pattern.match(clean)
        if found:
            name = found.group("name").strip()
            caption = (found.groupdict().get("caption") or "").strip()
            return [{"name": name, "omitted": False, "blake3": _match_file(name, files)}], caption
    first = clean.split("\n", 1)[0].strip()
    if first in files or PurePosixPath(first).name in {PurePosixPath(f).name for f in files}:
        return [{"name": first, "omitted": False, "blake3": _match_file(first, files)}], clean[len(first) :].strip()
    return [], text


def _match_file(name: str, files: dict[str, str]) -> str | None:
    if name in files:
        return files[name]
    base = PurePosixPath(name).name
    for path, digest in files.items():
        if PurePosixPath(path).name == base:
            return digest
    return None


def parse_whatsapp(text: str, files: dict[str, str] | None = None) -> Chat:
    """A WhatsApp text export; ``files`` are the other files of the same export (path -> BLAKE3)."""
    files = files or {}
    lines = text.translate(_INVISIBLE).replace("\r\n", "\n").split("\n")
    headers = [m for m in map(_header, lines) if m]
    order, why = _date_order(headers)
    messages: list[Message] = []
    problems: list[str] = []
    for line in lines:
        found = _header(line)
        if found is None:
            if messages:
                messages[-1].text += "\n" + line
            elif line.strip():
                problems.append(f"text before the first message: {line[:80]!r}")
            continue
        if len(messages) >= MAX_MESSAGES:
            problems.append(f"more than {MAX_MESSAGES} messages: the rest were not read")
            break
        rest = found.group("rest")
        named = _NAME_COLON.match(rest)
        time = _local_time(found, order)
        if time is None:
            problems.append(f"message {len(messages) + 1}: date {found.group(0)[:30]!r} is not a real date")
        if named:
            messages.append(Message(len(messages) + 1, time, named.group(1).strip(), named.group(2)))
        else:
            messages.append(Message(len(messages) + 1, time, None, rest, "system"))
    for message in messages:
        message.text = message.text.rstrip("\n")
        if message.kind == "message":
            message.attachments, message.text = _attachment(message.text, files)
    participants = list(dict.fromkeys(m.sender for m in messages if m.sender))
    label = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}[order]
    return Chat("whatsapp-text", None, participants, messages, WHATSAPP_LOCAL, f"{label} ({why})", problems)


# --- Telegram ---------------------------------------------------------------------------------------
def _telegram_text(value: Any) -> tuple[str, list[dict[str, str]]]:
    """(plain text, entities) of a Telegram JSON ``text`` (a string, or a list of strings and entities)."""
    if isinstance(value, str):
        return value, []
    out, entities = [], []
    for part in value if isinstance(value, list) else []:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict):
            out.append(str(part.get("text", "")))
            entities.append(
                {"type": str(part.get("type")), "text": str(part.get("text", "")), "href": str(part.get("href", ""))}
            )
    return "".join(out), entities


def _chat_list(data: dict[str, Any]) -> list[Any] | None:
    """The ``chats.list`` of a whole account export, or None (a JSON of any other shape is not one)."""
    chats = data.get("chats")
    listed = chats.get("list") if isinstance(chats, dict) else None
    return listed if isinstance(listed, list) else None


def looks_like_telegram_json(data: Any) -> bool:
    return isinstance(data, dict) and (isinstance(data.get("messages"), list) or _chat_list(data) is not None)


def _unix_utc(value: Any) -> str | None:
    """``date_unixtime`` as RFC 3339 UTC; None when it is not a time a computer can have written."""
    text = str(value or "")
    if not text.isdigit() or len(text) > 12:  # beyond the year 33658: not a clock's reading
        return None
    try:
        return datetime.fromtimestamp(int(text), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def parse_telegram_json(data: dict[str, Any], files: dict[str, str] | None = None) -> Chat:
    """``result.json`` of one chat, or of a whole account export (``chats.list``: every chat, in order)."""
    files = files or {}
    chats = _chat_list(data) or [data]
    messages: list[Message] = []
    problems: list[str] = []
    titles = []
    for chat in chats:
        if not isinstance(chat, dict):
            continue
        if chat.get("name"):
            titles.append(str(chat["name"]))
        listed = chat.get("messages")
        for item in listed if isinstance(listed, list) else []:
            if not isinstance(item, dict):
                continue
            if len(messages) >= MAX_MESSAGES:
                problems.append(f"more than {MAX_MESSAGES} messages: the rest were not read")
                break
            text, entities = _telegram_text(item.get("text", ""))
            attachments: list[dict[str, Any]] = []
            for key in ("photo", "file", "thumbnail"):
                name = item.get(key)
                if isinstance(name, str) and name and not (key == "thumbnail" and attachments):
                    missing = name.startswith("(File not included")
                    attachments.append(
                        {"name": name, "omitted": missing, "blake3": None if missing else _match_path(name, files)}
                    )
            utc = _unix_utc(item.get("date_unixtime"))
            if utc is None and item.get("date_unixtime"):
                problems.append(
                    f"message {len(messages) + 1}: date_unixtime {str(item['date_unixtime'])[:30]!r} is not a time"
                )
            is_service = item.get("type") == "service"
            sender = item.get("actor") if is_service else item.get("from")
            message = Message(
                len(messages) + 1,
                str(item.get("date")) if item.get("date") else None,
                str(sender) if sender else None,
                text if not is_service else " ".join(x for x in (str(item.get("action") or ""), text) if x),
                "system" if is_service else "message",
                attachments,
                utc,
            )
            messages.append(message)
    participants = list(dict.fromkeys(m.sender for m in messages if m.sender and m.kind == "message"))
    return Chat("telegram-json", "; ".join(titles) or None, participants, messages, TELEGRAM_LOCAL, None, problems)


def _match_path(name: str, files: dict[str, str]) -> str | None:
    name = name.lstrip("./")
    for path, digest in files.items():
        if path == name or path.endswith("/" + name):
            return digest
    return None


def looks_like_telegram_html(text: str) -> bool:
    return 'class="message default' in text and "page_wrap" in text


def parse_telegram_html(html: str, files: dict[str, str] | None = None) -> Chat:
    """Telegram Desktop's ``messages.html`` (one page of an HTML export)."""
    import lxml.html

    files = files or {}
    root = lxml.html.fromstring(html)
    title_nodes = root.xpath('//div[contains(@class, "page_header")]//div[contains(@class, "text")]')
    title = " ".join(title_nodes[0].text_content().split()) if title_nodes else None
    messages: list[Message] = []
    last_sender: str | None = None
    for node in root.xpath('//div[contains(concat(" ", normalize-space(@class), " "), " message ")]'):
        classes = node.get("class", "").split()
        if "service" in classes:
            body = " ".join(node.text_content().split())
            messages.append(Message(len(messages) + 1, None, None, body, "system"))
            continue
        if "default" not in classes:
            continue
        names = node.xpath('./div[contains(@class, "body")]/div[contains(@class, "from_name")]')
        if names:
            last_sender = " ".join(names[0].text_content().split()) or None
        dates = node.xpath('.//div[contains(@class, "date")][@title]')
        when = _html_time(dates[0].get("title")) if dates else None
        texts = node.xpath('./div[contains(@class, "body")]/div[contains(@class, "text")]')
        text = "\n".join(t.text_content().strip() for t in texts)
        attachments = [
            {"name": href, "omitted": False, "blake3": _match_path(href, files)}
            for href in node.xpath('.//div[contains(@class, "media_wrap")]//a/@href')
            if not href.startswith(("http://", "https://", "#"))
        ]
        messages.append(Message(len(messages) + 1, when, last_sender, text, "message", attachments))
    participants = list(dict.fromkeys(m.sender for m in messages if m.sender))
    return Chat("telegram-html", title, participants, messages, TELEGRAM_HTML)


def _html_time(title: str | None) -> str | None:
    """``04.03.2024 14:05:09 UTC+01:00`` → ``2024-03-04T14:05:09+01:00`` (no offset when none is given)."""
    if not title:
        return None
    found = re.match(r"(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})(?: UTC([+-]\d{2}):?(\d{2}))?", title.strip())
    if not found:
        return title.strip()
    day, month, year, hour, minute, second, oh, om = found.groups()
    base = f"{year}-{month}-{day}T{hour}:{minute}:{second}"
    return base + (f"{oh}:{om}" if oh else "")


def parse_any(data: bytes, name: str | None, files: dict[str, str] | None = None) -> Chat | None:
    """The chat this file holds, whichever export it comes from, or None when it is not a chat export."""
    head = data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff")
    stripped = head.lstrip()
    if stripped.startswith("{"):
        try:
            loaded = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return parse_telegram_json(loaded, files) if looks_like_telegram_json(loaded) else None
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if stripped.startswith("<"):
        return parse_telegram_html(text, files) if looks_like_telegram_html(text) else None
    return parse_whatsapp(text, files) if looks_like_whatsapp(text) else None
