"""An account over time: what changed between two captures of it, and its whole timeline in a case.

Two captures are of the same account when their stable ids match (else their handles: a platform that
publishes no id). The comparison says, with the two captures it lies between:

- posts that are new, edited (text or media changed), shown only as the platform's notice where they
  were readable before (**unavailable**: withheld, or hidden from a logged-out visitor; not an edit, not
  a deletion) or readable again (**shown again**), and gone. A post that is gone is **deleted** only
  when the new capture read far enough back in time to have seen it (it reached the account's first
  post, or its reading ended on a post at least as old, by time or by a numeric id: a pinned old post
  shown first does not count); otherwise it is **not re-read**;
- a changed handle (a rename: same id), display name, bio, links, counts, verification, move, and
  avatar (by perceptual hash, ``metadata/imagehash.py``: a re-encoded copy of the same picture is no
  change; a different picture is).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..metadata.imagehash import distance, hash_image
from .model import value_of

FORMAT = "evidence-kit-social-history/1"
FIELDS = ("handle", "display_name", "bio", "verified", "moved_to", "account_id")
AVATAR_DISTANCE = 10  # of 64 bits: above it the avatar is another picture (imagehash.DEFAULT_MAX_DISTANCE: 12)


def _events(case: Any) -> list[Any]:
    return [e for e in case.events() if e.action == "social-profile"]


def _artefact(case: Any, event: Any, role: str) -> dict[str, Any] | None:
    for item in event.artefacts:
        if item.get("role") == role and case.store.has(item["blake3"]):
            try:
                value = json.loads(case.store.path_of(item["blake3"]).read_bytes())
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _digest(event: Any, role: str) -> str | None:
    return next((i["blake3"] for i in event.artefacts if i.get("role") == role), None)


def same_account(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a.get("platform") != b.get("platform"):
        return False
    ida, idb = value_of(a.get("account_id")), value_of(b.get("account_id"))
    if ida is not None and idb is not None:
        return bool(ida == idb)
    ha, hb = value_of(a.get("handle")), value_of(b.get("handle"))
    return ha is not None and hb is not None and str(ha).lower() == str(hb).lower()


def captures_of(case: Any, profile: dict[str, Any]) -> list[tuple[Any, dict[str, Any], dict[str, Any]]]:
    """(event, profile, posts) of every recorded capture of this account, oldest first."""
    out = []
    for event in _events(case):
        other = _artefact(case, event, "social-profile")
        if other is not None and same_account(other, profile):
            out.append((event, other, _artefact(case, event, "social-posts") or {"posts": []}))
    return out


def last_capture_of(case: Any, profile: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any]] | None:
    """The latest earlier capture of the same account that showed it (not a wall with nothing behind)."""
    found = [c for c in captures_of(case, profile) if c[1].get("status") != "empty"]
    return found[-1] if found else None


def others_with_handle(case: Any, profile: dict[str, Any]) -> list[str]:
    """The account keys of earlier captures on the same platform that showed this handle on another
    account (another stable id): a handle given up and taken by someone else. Not compared with it."""
    handle = str(value_of(profile.get("handle")) or "").lower()
    if not handle or value_of(profile.get("account_id")) is None:
        return []
    out: list[str] = []
    for event in _events(case):
        other = _artefact(case, event, "social-profile")
        if (
            other is not None
            and other.get("platform") == profile.get("platform")
            and str(value_of(other.get("handle")) or "").lower() == handle
            and value_of(other.get("account_id")) is not None
            and not same_account(other, profile)
            and str(other.get("account")) not in out
        ):
            out.append(str(other.get("account")))
    return out


def _when(post: dict[str, Any]) -> str | None:
    value = value_of(post.get("published"))
    return str(value) if value else None


def _instant(text: str | None) -> datetime | None:
    """A published time as an instant: ``2026-01-10T23:00:00-05:00`` is after ``2026-01-11T01:00:00Z``,
    though its text sorts before it. A time without an offset stays naive (compared only with other
    naive times, see ``_not_after``); None when it is not ISO 8601."""
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return found.astimezone(UTC) if found.tzinfo is not None else found


def _not_after(a: datetime | None, b: datetime | None) -> bool:
    """``a`` is at or before ``b``; False when either is unknown, or one has an offset and the other not
    (a naive time could be in any zone)."""
    if a is None or b is None or (a.tzinfo is None) != (b.tzinfo is None):
        return False
    return a <= b


def _number(post: dict[str, Any]) -> int | None:
    tail = str(value_of(post.get("id")) or "").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _media(post: dict[str, Any]) -> list[str]:
    """What a post's media are, to tell an edit: the stored bytes; for a file the page only names (a
    Telegram document: its title and size, since its link is the message's and follows a rename),
    what it says of it; else its URL."""
    out = []
    for m in post.get("media") or []:
        details = m.get("details") or {}
        if m.get("blake3"):
            out.append(str(m["blake3"]))
        elif m.get("kind") == "document" and (details.get("title") or details.get("size")):
            out.append(f"document {value_of(details.get('title'))} ({value_of(details.get('size'))})")
        else:
            out.append(str(m.get("url")))
    return sorted(out)


def _brief(post: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": value_of(post.get("id")),
        "permalink": value_of(post.get("permalink")),
        "published": _when(post),
        "text": value_of(post.get("text")),
    }


def _avatar_change(case: Any, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    a, b = old.get("avatar") or {}, new.get("avatar") or {}
    if not a and not b:
        return None
    if not a or not b:
        return {"field": "avatar", "before": a.get("url"), "after": b.get("url"), "how": "added" if b else "removed"}
    if a.get("blake3") and a.get("blake3") == b.get("blake3"):
        return None
    hashes = []
    for item in (a, b):
        digest = item.get("blake3")
        found = hash_image(case.store.path_of(digest)) if digest and case.store.has(digest) else None
        hashes.append(found)
    if hashes[0] and hashes[1]:
        apart = distance(hashes[0].phash, hashes[1].phash)
        if apart <= AVATAR_DISTANCE:
            return None
        return {
            "field": "avatar",
            "before": a.get("blake3"),
            "after": b.get("blake3"),
            "how": f"another picture (pHash {hashes[0].phash} -> {hashes[1].phash}, distance {apart} of 64)",
        }
    if a.get("url") != b.get("url"):
        return {
            "field": "avatar",
            "before": a.get("url"),
            "after": b.get("url"),
            "how": "another image address (not loaded, not compared)",
        }
    return None


def compare(
    case: Any,
    previous: tuple[Any, dict[str, Any], dict[str, Any]],
    current: tuple[dict[str, Any], dict[str, Any], str],
) -> dict[str, Any]:
    """What changed from the previous capture of the account to this one."""
    event, old, old_posts = previous
    new, new_posts, new_digest = current
    changes: list[dict[str, Any]] = []
    for name in FIELDS:
        before, after = value_of(old.get(name)), value_of(new.get(name))
        if before != after and not (before is None and name in ("verified", "moved_to")):
            if after is None and new.get("status") != "complete":
                continue  # not shown this time (a wall): not a change
            changes.append({"field": name, "before": before, "after": after})
    links_before = {value_of(link) for link in old.get("links") or []}
    links_after = {value_of(link) for link in new.get("links") or []}
    if links_before != links_after and (links_after or new.get("status") == "complete"):
        changes.append(
            {
                "field": "links",
                "added": sorted(map(str, links_after - links_before)),
                "removed": sorted(map(str, links_before - links_after)),
            }
        )
    counts_before, counts_after = old.get("counts") or {}, new.get("counts") or {}
    for name in sorted(set(counts_before) | set(counts_after)):
        before, after = value_of(counts_before.get(name)), value_of(counts_after.get(name))
        if before != after and after is not None:
            changes.append({"field": f"count:{name}", "before": before, "after": after})
    avatar = _avatar_change(case, old, new)
    if avatar:
        changes.append(avatar)
    old_by_id = {str(value_of(p.get("id"))): p for p in old_posts.get("posts") or []}
    new_by_id = {str(value_of(p.get("id"))): p for p in new_posts.get("posts") or []}
    times = [(i, t) for t in map(_when, new_by_id.values()) if t and (i := _instant(t)) and i.tzinfo is not None]
    oldest_time = min(times)[1] if times else min((t for t in map(_when, new_by_id.values()) if t), default=None)
    # How far back the new reading went is where it ended, its last post: not its oldest post, which
    # may be a pinned one, old but shown first, above posts the reading never scrolled down to.
    # A post marked pinned is left out wherever the platform's order put it (VK, TikTok and Instagram
    # order posts by time, so there an old pinned post ends the list).
    read = [p for p in new_by_id.values() if not value_of(p.get("pinned"))]
    last_time = next((t for t in (_instant(_when(p)) for p in reversed(read)) if t), None)
    last_number = next((n for n in map(_number, reversed(read)) if n is not None), None)
    deleted: list[dict[str, Any]] = []
    not_reread: list[dict[str, Any]] = []
    edited: list[dict[str, Any]] = []
    unavailable: list[dict[str, Any]] = []
    shown_again: list[dict[str, Any]] = []
    for key, post in old_by_id.items():
        if key in new_by_id:
            after = new_by_id[key]
            was_notice, is_notice = post.get("unavailable") is not None, after.get("unavailable") is not None
            if is_notice and not was_notice:
                unavailable.append({**_brief(after), "notice": value_of(after.get("unavailable"))})
                continue
            if was_notice and not is_notice:
                shown_again.append({**_brief(after), "notice_before": value_of(post.get("unavailable"))})
                continue
            if is_notice:  # a notice both times: its wording is the platform's, not the post's
                continue
            text_before, text_after = value_of(post.get("text")), value_of(after.get("text"))
            if text_before != text_after or _media(post) != _media(after):
                edited.append(
                    {
                        **_brief(after),
                        "text_before": text_before,
                        "text_after": text_after,
                        "media_before": _media(post),
                        "media_after": _media(after),
                    }
                )
            continue
        number, when = _number(post), _instant(_when(post))
        reached = (
            bool(new.get("reached_end"))
            or (number is not None and last_number is not None and last_number <= number)
            or (number is None and _not_after(last_time, when))
        )
        (deleted if reached else not_reread).append(_brief(post))
    added = [_brief(p) for k, p in new_by_id.items() if k not in old_by_id]
    return {
        "format": FORMAT,
        "account": new.get("account"),
        "platform": new.get("platform"),
        "from": {
            "capture_id": (old.get("capture") or {}).get("id"),
            "captured": (old.get("capture") or {}).get("started"),
            "profile": _digest(event, "social-profile"),
            "event": event.seq,
        },
        "to": {
            "capture_id": (new.get("capture") or {}).get("id"),
            "captured": (new.get("capture") or {}).get("started"),
            "profile": new_digest,
        },
        "changes": changes,
        "posts": {
            "new": added,
            "edited": edited,
            "unavailable": unavailable,
            "shown_again": shown_again,
            "deleted": deleted,
            "not_reread": not_reread,
        },
        "read_back_to": {"oldest_post": oldest_time, "reached_end": bool(new.get("reached_end"))},
    }


def summary(diff: dict[str, Any]) -> dict[str, Any]:
    """The counts of a comparison, for the event's details and the command's summary."""
    posts = diff["posts"]
    return {
        "fields": [c["field"] for c in diff["changes"]],
        "new": len(posts["new"]),
        "edited": len(posts["edited"]),
        "unavailable": len(posts.get("unavailable") or []),
        "shown_again": len(posts.get("shown_again") or []),
        "deleted": len(posts["deleted"]),
        "not_reread": len(posts["not_reread"]),
    }


def sentences(diff: dict[str, Any]) -> list[str]:
    """The changes in plain words."""
    out = []
    for change in diff["changes"]:
        if change["field"] == "links":
            out.append(f"links: added {change['added'] or 'none'}, removed {change['removed'] or 'none'}")
        elif change["field"] == "handle":
            out.append(f"renamed: @{change['before']} -> @{change['after']} (same account id)")
        elif "how" in change:
            out.append(f"{change['field']} changed: {change['how']}")
        else:
            out.append(f"{change['field']}: {change['before']!r} -> {change['after']!r}")
    posts = diff["posts"]
    for name, label in (
        ("deleted", "deleted"),
        ("edited", "edited"),
        ("unavailable", "shown only as the platform's notice (withheld or hidden from a logged-out visitor)"),
        ("shown_again", "readable again (shown only as a notice before)"),
        ("new", "new"),
        ("not_reread", "not re-read (older than this capture read)"),
    ):
        if posts.get(name):
            out.append(f"{len(posts[name])} post(s) {label}: " + ", ".join(str(p["id"]) for p in posts[name][:10]))
    return out


def timeline(case: Any, query: str) -> dict[str, Any] | None:
    """Every capture of the account named by ``query`` (handle, @handle, id, or the account key), oldest
    first, and every change with the two captures it lies between (the stored comparisons)."""
    wanted = query.strip().lower().lstrip("@")
    match = None
    matches: list[dict[str, Any]] = []
    for event in _events(case):
        profile = _artefact(case, event, "social-profile")
        if profile is None:
            continue
        keys = {
            str(value_of(profile.get("handle")) or "").lower(),
            str(value_of(profile.get("account_id")) or "").lower(),
            str(profile.get("account") or "").lower(),
        }
        if profile.get("platform") == "vk":  # VK's own address forms of the id: club123 is -123, id5 is 5
            from .platforms.vk import addresses

            keys |= addresses(str(value_of(profile.get("account_id")) or ""))
        if wanted in keys - {""}:
            match = profile
            matches.append(profile)
    if match is None:
        return None
    # The same handle (or id text) on another account: another platform, or a handle given up and taken
    # by someone else (another stable id). Never merged into this account's history, never hidden.
    also: list[dict[str, Any]] = []
    for other in matches:
        if same_account(other, match) or any(same_account(other, a["profile"]) for a in also):
            continue
        also.append({"profile": other})
    others = [
        {
            "account": a["profile"].get("account"),
            "platform": a["profile"].get("platform"),
            "account_id": value_of(a["profile"].get("account_id")),
            "captures": [(p.get("capture") or {}).get("id") for _e, p, _x in captures_of(case, a["profile"])],
        }
        for a in also
    ]
    entries = []
    for event, profile, _posts in captures_of(case, match):
        diff = _artefact(case, event, "social-history")
        entries.append(
            {
                "capture_id": (profile.get("capture") or {}).get("id"),
                "captured": (profile.get("capture") or {}).get("started"),
                "capture_status": (profile.get("capture") or {}).get("status"),
                "status": profile.get("status"),
                "walls": [w.get("code") for w in profile.get("walls") or []],
                "handle": value_of(profile.get("handle")),
                "display_name": value_of(profile.get("display_name")),
                "posts_read": profile.get("posts_read"),
                "event": event.seq,
                "profile": _digest(event, "social-profile"),
                "changes": diff,
            }
        )
    return {
        "account": match.get("account"),
        "platform": match.get("platform"),
        "account_id": value_of(match.get("account_id")),
        "handles": list(dict.fromkeys(e["handle"] for e in entries if e["handle"])),
        "captures": entries,
        "also": others,
    }


def accounts(case: Any) -> list[dict[str, Any]]:
    """Every account captured in the case, with its timeline (for the report)."""
    seen: list[dict[str, Any]] = []
    out = []
    for event in _events(case):
        profile = _artefact(case, event, "social-profile")
        if profile is None or any(same_account(profile, s) for s in seen):
            continue
        seen.append(profile)
        # The account key (platform and id) names this account alone: a bare id or handle may also be
        # another platform's account, whose timeline would then be shown twice and this one never.
        key = profile.get("account") or value_of(profile.get("account_id")) or value_of(profile.get("handle"))
        if key is None:
            continue
        found = timeline(case, str(key))
        if found:
            out.append(found)
    return out
