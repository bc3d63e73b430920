"""Files inside handed-over files: archive members, e-mail attachments, the messages of an mbox.

Run by describe before the describers, like the media taken out of a WARC (:mod:`.media`): each file
taken out is stored as its own artefact and named in the describe event with the role
``archive-member``, ``attachment`` or ``mail-message``, its ``source`` (the container's BLAKE3, so the
ownership rule in :mod:`chain_of_custody.ownership` puts it in the container's exhibit) and its ``path``
inside the container. It is then described like any file (a zip in a zip, an attachment of a message
of an mbox), down to :data:`MAX_DEPTH` containers deep.

An archive that breaks a bound (:mod:`.archives`) is refused whole: none of its members is stored,
its description says why, and the describe event's errors name it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from ..store import SNIFF_BYTES
from . import archives, filetype, mail, office
from .describers.base import Work

MAX_DEPTH = 3  # containers inside containers
MEMBER_ROLES = ("archive-member", "attachment", "mail-message")


def _display(parent: Work, path: str) -> str:
    return f"{parent.name}/{path}" if parent.name else path


def take_out(case: Any, work: list[Work], done: set[str], errors: list[str]) -> list[dict[str, Any]]:
    """Unpack every handed-over container in ``work`` (replacing its entry with one that says what came
    out of it) and queue what came out; return the event's entries for the files taken out."""
    entries: list[dict[str, Any]] = []
    queued = {w.blake3 for w in work}
    depth: dict[str, int] = {}
    position = 0
    while position < len(work):
        w = work[position]
        position += 1
        if w.capture_id is not None or depth.get(w.blake3, 0) >= MAX_DEPTH or not w.size:
            continue
        try:
            unpacked, found = _unpack(case, w, errors)
        except Exception as exc:  # noqa: BLE001  a parser tripping over hostile bytes must not stop describe
            # Each reader parses the whole container before it stores a file: nothing of it was stored.
            errors.append(f"{w.name or w.blake3}: could not be opened ({type(exc).__name__}: {exc})")
            continue
        if unpacked is None:
            continue
        work[position - 1] = replace(w, unpacked=unpacked)
        files = {str(item["path"]): str(item["blake3"]) for item in unpacked["members"]}
        for item, role in found:
            entry = {
                **item.ledger_entry(role=role, source=w.blake3),
                "path": files_path(unpacked, item.blake3),
            }
            if entry not in entries:
                entries.append(entry)
            if item.blake3 in done or item.blake3 in queued:
                continue
            queued.add(item.blake3)
            depth[item.blake3] = depth.get(w.blake3, 0) + 1
            path = entry["path"]
            work.append(
                Work(
                    item.blake3,
                    item.sha256,
                    item.size,
                    item.path,
                    role,
                    None,
                    None,
                    w.time,
                    _display(w, str(path)),
                    container={"source": w.blake3, "path": path, "files": files},
                )
            )
    return entries


def files_path(unpacked: dict[str, Any], digest: str) -> str:
    return next(str(m["path"]) for m in unpacked["members"] if m["blake3"] == digest)


def _unpack(case: Any, w: Work, errors: list[str]) -> tuple[dict[str, Any] | None, list[tuple[Any, str]]]:
    with open(w.path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    mime = filetype.identify_bytes(head).mime
    if office.kind_of(mime, w.path):
        return None, []  # a document is read by its describer, not unpacked
    kind = archives.kind_of(mime, w.path)
    if kind == "7z":
        return {"format": "7z", "members": [], "refused": "7z archives are not unpacked by this version"}, []
    if kind is not None:
        return _archive(case, w, kind, errors)
    if mail.looks_like_mbox(head):
        return _mbox(case, w)
    if mail.looks_like_message(mime, head):
        return _message(case, w)
    return None, []


def _archive(case: Any, w: Work, kind: str, errors: list[str]) -> tuple[dict[str, Any], list[tuple[Any, str]]]:
    try:
        with archives.unpacked(w.path, kind) as members:
            # Every member came out within the bounds before any is stored: a refusal stores nothing.
            stored = [(m, case.store.ingest_file(m.file)) for m in members]
    except archives.ArchiveRefused as exc:
        name = w.name or w.blake3
        errors.append(f"{name}: {exc}")
        return {"format": kind, "members": [], "refused": str(exc)}, []
    listed = [
        {
            "path": m.path,
            "size": a.size,
            "modified": m.modified,
            "blake3": a.blake3,
            "sha256": a.sha256,
            "mime": a.mime,
        }
        for m, a in stored
    ]
    note = "zip times are local times without a zone, as the zip records them" if kind == "zip" else "tar times UTC"
    return {"format": kind, "members": listed, "refused": None, "times": note}, [
        (a, "archive-member") for _, a in stored
    ]


def _message(case: Any, w: Work) -> tuple[dict[str, Any], list[tuple[Any, str]]]:
    parsed = mail.parse(w.path.read_bytes())
    listed: list[dict[str, Any]] = []
    found: list[tuple[Any, str]] = []
    used: set[str] = set()
    for attachment in parsed.attachments:
        stored = case.store.ingest_bytes(attachment.data)
        path = _unique(PurePosixPath(attachment.name).name or "attachment", used)
        listed.append(
            {
                "path": path,
                "name": attachment.name,
                "content_type": attachment.content_type,
                "size": stored.size,
                "blake3": stored.blake3,
                "sha256": stored.sha256,
                "mime": stored.mime,
            }
        )
        found.append((stored, "attachment"))
    return {"format": "message", "members": listed, "refused": None}, found


def _mbox(case: Any, w: Work) -> tuple[dict[str, Any], list[tuple[Any, str]]]:
    listed, found = [], []
    for number, data in enumerate(mail.split_mbox(w.path), 1):
        stored = case.store.ingest_bytes(data)
        headers = mail.parse_headers(data)
        listed.append(
            {"path": f"message-{number:05d}.eml", "size": stored.size, "blake3": stored.blake3, "sha256": stored.sha256}
            | headers
        )
        found.append((stored, "mail-message"))
    return {"format": "mbox", "members": listed, "refused": None}, found


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 1
    while candidate in used:
        number += 1
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem}-{number}.{suffix}" if dot and stem else f"{name}-{number}"
    used.add(candidate)
    return candidate
