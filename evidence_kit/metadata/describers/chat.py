"""A chat export handed over (WhatsApp text, Telegram JSON or HTML): participants, messages, attachments.

Every selector found in a message names that message (number, time as written, sender) in its
context; participants whose name is a phone number are selectors too (on WhatsApp, the account is the
number). Attachments are matched to the other files of the same export when the export came as an
archive (``item.work.container``).
"""

from __future__ import annotations

from .. import chats, selectors
from .base import Item, Out

# libmagic calls a long WhatsApp export "text/csv" (one comma on every line, between date and time).
MIMES = ("text/plain", "text/csv", "text/html", "application/json", "application/xhtml+xml")
CHAT_LIMIT = 200 << 20  # bytes of one export read


def describe(item: Item, out: Out) -> None:
    w = item.work
    if w.capture_id is not None or not w.size or w.size > CHAT_LIMIT or item.kind.mime not in MIMES:
        return
    files = dict((w.container or {}).get("files") or {})
    files.pop(str((w.container or {}).get("path")), None)
    chat = chats.parse_any(w.path.read_bytes(), w.name, files)
    if chat is None:
        return
    out.body["chat"] = chat.to_json()
    telegram = chat.format.startswith("telegram")
    for message in chat.messages:
        for s in selectors.extract_text(message.text, item.region):
            kind = s.kind
            if telegram and kind == "handle" and len(s.value) > 5:
                kind = "telegram"  # an @mention in a Telegram chat is a Telegram username
            out.selectors.append(selectors.Selector(kind, s.value, s.raw, f"{message.label()}: {s.context}", s.source))
    counts = {name: sum(1 for m in chat.messages if m.sender == name) for name in chat.participants}
    for name in chat.participants:
        number = selectors.normalise_phone(name, None) if name.lstrip().startswith(("+", "00")) else None
        if number is None:
            continue
        context = f"participant of the chat ({counts[name]} messages sent)"
        out.selectors.append(selectors.Selector("phone", number, name, context, "metadata"))
        if chat.format == "whatsapp-text":
            out.selectors.append(selectors.Selector("whatsapp", number, name, context, "metadata"))
        else:
            out.selectors.append(selectors.Selector("telegram", number, name, context, "metadata"))
    out.text, out.title = chat.text(), w.name
