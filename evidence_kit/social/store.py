"""A captured account into the case: Profile, Posts, their media and the changes since last time.

Each capture of ``capture_profiles`` is read back from what it stored (its WARC and DOM,
``views.py``), extracted by its platform's module, and stored as canonical-JSON artefacts (roles
``social-profile``, ``social-posts``, ``social-media``, ``social-history``) named in one signed
``social-profile`` event. Every one of them names its ``source`` (the capture's WARC; the history names
the new profile), so it belongs to the capture like any derived artefact (``chain_of_custody.ownership``)
and goes with it into an export. Then the after-ingest pipeline describes them: the profile's
identifiers become ``account`` selectors (``metadata/describers/social_profile.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chain_of_custody.canonical import canonical_json
from chain_of_custody.keys import Identity

from .. import pipeline
from ..case import Case
from ..errors import OperationFailed
from ..machine import machine_facts
from ..store import Artefact
from . import history, registry, walls
from .model import FORMAT_POSTS, FORMAT_PROFILE, Media, Profile, Wall
from .views import View, read_warc

ACTION = "social-profile"
ROLES = ("social-profile", "social-posts", "social-media", "social-history")


@dataclass(frozen=True)
class StoredProfile:
    capture_id: str
    profile: dict[str, Any]
    posts: dict[str, Any]
    history: dict[str, Any] | None
    artefacts: dict[str, str]  # role -> blake3 (profile, posts, history)
    event_seq: int

    def to_json(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "profile": self.profile,
            "posts": self.posts["posts"],
            "history": self.history,
            "artefacts": self.artefacts,
            "event": self.event_seq,
        }


def view_of(case: Case, record: dict[str, Any]) -> View:
    """The stored evidence of one capture, from its signed record: WARC responses, DOM, what was read."""
    by_role: dict[str, str] = {}
    for item in record.get("artefacts") or []:
        by_role.setdefault(item.get("role"), item.get("blake3"))
    responses = []
    if by_role.get("warc") and case.store.has(by_role["warc"]):
        responses = read_warc(case.store.path_of(by_role["warc"]))
    dom = None
    if by_role.get("dom") and case.store.has(by_role["dom"]):
        dom = case.store.path_of(by_role["dom"]).read_bytes().decode("utf-8", "replace")
    reading: dict[str, Any] = next((b for b in record.get("behaviours") or [] if b.get("name") == "read-timeline"), {})
    return View(
        url=str(record.get("url")),
        final_url=record.get("final_url"),
        responses=responses,
        dom=dom,
        dom_digest=by_role.get("dom"),
        reading=list(reading.get("fetched") or []),
    )


def extract(view: View, forced: str | None, read_as: str | None = None) -> tuple[Profile, Any]:
    """The Profile of one capture by its platform's module, with every wall the page shows."""
    platform = registry.choose(view.final_url or view.url, view.dom, forced or read_as)
    profile = platform.extract(view)
    main = view.main
    markup = view.dom or (main.text() if main is not None else None)
    source = view.dom_source() if view.dom else (main.source() if main is not None else None)
    seen = {w.code for w in profile.walls}
    status = main.status if main else None
    own = registry.own_words_css(platform)
    for wall in walls.check(view.url, view.final_url, status, markup, platform.WALLS, source, own):
        if wall.code not in seen:
            profile.walls.append(wall)
            seen.add(wall.code)
    for response in view.fetched():  # a next page the reader asked for, refused with a rate limit
        if response.status == 429 and "rate-limit" not in seen:
            reason = f"an older page the reading asked for answered 429 Too Many Requests ({response.url})"
            profile.walls.append(Wall("rate-limit", reason, response.source()))
            seen.add("rate-limit")
    if profile.empty and not profile.walls:
        profile.notes.append("the page showed no account data this extractor recognises")
    return profile, platform


def _media_artefacts(case: Case, view: View, profile: Profile, warc: str) -> list[dict[str, Any]]:
    """Each avatar, header and post image or video the page loaded, stored from its WARC record."""
    entries: list[dict[str, Any]] = []
    known = {row["blake3"] for row in case.artefact_rows()}

    def keep(media: Media) -> Media:
        response = view.find(media.url)
        if response is None or not response.body or response.status >= 400 or response.status == 206:
            return media  # not loaded, or only a part of it (206): never stored as if it were the file
        artefact = case.ingest_bytes(response.body)
        if artefact.blake3 not in known and all(e["blake3"] != artefact.blake3 for e in entries):
            entries.append(
                {
                    **artefact.ledger_entry(role="social-media", source=warc),
                    "url": media.url,
                    "warc_record_id": response.record_id,
                }
            )
        return replace(media, blake3=artefact.blake3, sha256=artefact.sha256)

    if profile.avatar is not None:
        profile.avatar = keep(profile.avatar)
    if profile.header is not None:
        profile.header = keep(profile.header)
    for post in profile.posts:
        post.media = [keep(m) for m in post.media]
    return entries


def profile_json(
    profile: Profile, platform: Any, record: dict[str, Any], warc: str | None, dom: str | None
) -> dict[str, Any]:
    def v(value: Any) -> Any:
        return value.to_json() if value is not None else None

    published = sorted(str(p.published.value) for p in profile.posts if p.published is not None)
    return {
        "format": FORMAT_PROFILE,
        "capture": {
            "id": record["id"],
            "url": record.get("url"),
            "final_url": record.get("final_url"),
            "started": record.get("started"),
            "status": record.get("status"),
            "warc": warc,
            "dom": dom,
        },
        "extractor": {"name": platform.NAME, "version": platform.VERSION},
        "platform": profile.platform,
        "url": profile.url,
        "account": profile.key(),
        "status": profile.status(),
        "why_incomplete": walls.sentence(profile.walls) if profile.walls else None,
        "walls": [w.to_json() for w in profile.walls],
        "handle": v(profile.handle),
        "account_id": v(profile.account_id),
        "display_name": v(profile.display_name),
        "bio": v(profile.bio),
        "links": [link.to_json() for link in profile.links],
        "fields": [f.to_json() for f in profile.fields],
        "counts": {k: c.to_json() for k, c in sorted(profile.counts.items())},
        "avatar": profile.avatar.to_json() if profile.avatar else None,
        "header": profile.header.to_json() if profile.header else None,
        "verified": v(profile.verified),
        "created": v(profile.created),
        "moved_to": v(profile.moved_to),
        "also_known_as": [a.to_json() for a in profile.also_known_as],
        "posts_read": len(profile.posts),
        "oldest_post_read": published[0] if published else None,
        "reached_end": profile.reached_end,
        "notes": profile.notes,
    }


def store_profile(case: Case, identity: Identity, record: dict[str, Any], forced: str | None = None) -> StoredProfile:
    """Extract the account one capture shows and record it (and its changes since the last capture)."""
    view = view_of(case, record)
    by_role = {item.get("role"): item.get("blake3") for item in record.get("artefacts") or []}
    warc, dom = by_role.get("warc"), by_role.get("dom")
    reading: dict[str, Any] = next((b for b in record.get("behaviours") or [] if b.get("name") == "read-timeline"), {})
    profile, platform = extract(view, forced, reading.get("platform"))
    if not warc:
        raise OperationFailed(f"capture {record['id']} stored no web archive: there is no account to read from it")
    media = _media_artefacts(case, view, profile, warc)
    body = profile_json(profile, platform, record, warc, dom)
    for other in history.others_with_handle(case, body):
        body["notes"].append(
            f"an earlier capture in this case showed @{body['handle']['value']} on another account ({other}):"
            " a different account, not compared with this one"
        )
    posts = {
        "format": FORMAT_POSTS,
        "capture_id": record["id"],
        "account": profile.key(),
        "posts": [p.to_json() for p in profile.posts],
    }
    profile_artefact = case.ingest_bytes(canonical_json(body))
    posts_artefact = case.ingest_bytes(canonical_json(posts))
    previous = history.last_capture_of(case, body)
    diff = history.compare(case, previous, (body, posts, profile_artefact.blake3)) if previous else None
    entries = [
        {**profile_artefact.ledger_entry(role="social-profile", source=warc), "mime": "application/json"},
        {**posts_artefact.ledger_entry(role="social-posts", source=warc), "mime": "application/json"},
        *media,
    ]
    stored: list[Artefact] = [profile_artefact, posts_artefact]
    artefacts = {"social-profile": profile_artefact.blake3, "social-posts": posts_artefact.blake3}
    if diff is not None:
        history_artefact = case.ingest_bytes(canonical_json(diff))
        entries.append(
            {
                **history_artefact.ledger_entry(role="social-history", source=profile_artefact.blake3),
                "mime": "application/json",
            }
        )
        stored.append(history_artefact)
        artefacts["social-history"] = history_artefact.blake3
    event = case.append(
        identity,
        ACTION,
        entries,
        details={
            "capture_id": record["id"],
            "platform": profile.platform,
            "extractor": body["extractor"],
            "account": profile.key(),
            "handle": body["handle"]["value"] if body["handle"] else None,
            "account_id": body["account_id"]["value"] if body["account_id"] else None,
            "status": body["status"],
            "walls": [w.code for w in profile.walls],
            "posts": len(profile.posts),
            "changes": history.summary(diff) if diff else None,
            **machine_facts(),
        },
    )
    pipeline.after_ingest(case, identity, stored, record)
    return StoredProfile(record["id"], body, posts, diff, artefacts, event.seq)


def read_artefact(case: Case, digest: str) -> dict[str, Any] | None:
    import json

    if not digest or not case.store.has(digest):
        return None
    try:
        value = json.loads(Path(case.store.path_of(digest)).read_bytes())
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
