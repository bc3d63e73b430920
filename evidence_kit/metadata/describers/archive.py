"""A handed-over archive (ZIP, TAR): every member with its size, time and digests, or why it was refused.

The members themselves were taken out before the describers ran (:mod:`..derived`) and are described
as files of their own; this records the list, so the archive's description says what it held.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from .base import Item, Out

# Names the chat exports give their main file (WhatsApp: "_chat.txt", "WhatsApp Chat with Anna.txt").
CHAT_NAMES = ("_chat.txt", "result.json", "messages.html")


def describe(item: Item, out: Out) -> None:
    unpacked = item.work.unpacked
    if not unpacked or unpacked.get("format") not in ("zip", "tar", "7z"):
        return
    members = unpacked.get("members") or []
    chat = [
        m["path"]
        for m in members
        if PurePosixPath(m["path"]).name in CHAT_NAMES or PurePosixPath(m["path"]).name.startswith("WhatsApp Chat")
    ]
    out.body["archive"] = {
        "format": unpacked["format"],
        "members": members,
        "member_count": len(members),
        "total_size": sum(int(m["size"]) for m in members),
        "refused": unpacked.get("refused"),
        "times": unpacked.get("times"),
        "chat_export": chat[0] if chat else None,
    }
    if unpacked.get("refused"):
        out.flags.append("archive-not-unpacked")
