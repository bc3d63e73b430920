"""An e-mail handed over (.eml, or one message of an .mbox): headers, Received: hops, authentication,
body, and the attachments taken out as artefacts of their own (:mod:`..derived`)."""

from __future__ import annotations

from .. import mail, selectors
from .base import Item, Out

MESSAGE_LIMIT = 200 << 20  # bytes of one message parsed


def describe(item: Item, out: Out) -> None:
    w = item.work
    unpacked = w.unpacked
    if not unpacked:
        return
    if unpacked.get("format") == "mbox":
        out.body["mbox"] = {"messages": unpacked["members"], "message_count": len(unpacked["members"])}
        return
    if unpacked.get("format") != "message" or w.size > MESSAGE_LIMIT:
        return
    parsed = mail.parse(w.path.read_bytes())
    out.body["email"] = parsed.to_json(unpacked["members"])
    found = [
        selectors.Selector(s.kind, s.value, s.raw, s.context, "metadata")
        for s in selectors.extract_text(mail.header_text(parsed), item.region)
    ]
    found += [
        selectors.Selector(s.kind, s.value, s.raw, f"body: {s.context}", s.source)
        for s in selectors.extract_text(parsed.body, item.region)
    ]
    out.selectors += found
    head = "\n".join([f"Subject: {parsed.subject or ''}", mail.header_text(parsed), f"Date: {parsed.date or ''}", ""])
    out.text, out.title = head + "\n" + parsed.body, parsed.subject or w.name
