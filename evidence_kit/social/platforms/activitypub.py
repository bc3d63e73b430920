"""ActivityPub documents (actor, outbox pages) as the reader fetched them into the WARC.

The actor's ``id`` (its URI) is the stable id: it survives a change of display name, and a move is
said by ``movedTo`` / ``alsoKnownAs``. Posts are the outbox's ``Create`` activities' objects (Notes),
and ``Announce`` activities are kept as boosts of the announced URI.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Media, Post, Profile, Value
from ..views import Response, View, parse_html, text_of
from .common import add_link, add_post, json_docs, json_value, set_once

ACTOR_TYPES = {"Person", "Service", "Group", "Organization", "Application"}


def _types(doc: dict[str, Any]) -> set[str]:
    kind = doc.get("type")
    return (
        {kind}
        if isinstance(kind, str)
        else {k for k in kind if isinstance(k, str)}
        if isinstance(kind, list)
        else set()
    )


def _html_text(html: Any) -> str:
    if not isinstance(html, str):
        return ""
    root = parse_html(f"<div>{html}</div>")
    return text_of(root) if root is not None else html


def actors(view: View) -> list[tuple[Response, dict[str, Any]]]:
    return [(r, d) for r, d in json_docs(view) if isinstance(d, dict) and _types(d) & ACTOR_TYPES and d.get("id")]


def read_actor(profile: Profile, response: Response, doc: dict[str, Any]) -> None:
    """The actor document's fields into the profile (first source wins for each field)."""

    def v(path: str, value: Any, raw: str | None = None) -> Value:
        return json_value(response, path, value, raw)

    set_once(profile, "account_id", v("$.id", doc["id"]))
    if isinstance(doc.get("preferredUsername"), str):
        set_once(profile, "handle", v("$.preferredUsername", doc["preferredUsername"]))
    if isinstance(doc.get("name"), str):
        set_once(profile, "display_name", v("$.name", doc["name"]))
    if isinstance(doc.get("summary"), str):
        set_once(profile, "bio", v("$.summary", _html_text(doc["summary"]), doc["summary"]))
    if isinstance(doc.get("published"), str):
        set_once(profile, "created", v("$.published", doc["published"]))
    for name, kind in (("icon", "avatar"), ("image", "header")):
        item = doc.get(name)
        url = item.get("url") if isinstance(item, dict) else item if isinstance(item, str) else None
        if isinstance(url, str) and getattr(profile, kind) is None:
            setattr(profile, kind, Media(url, kind, response.source(json_path=f"$.{name}.url")))
    for index, field in enumerate(doc.get("attachment") or []):
        if isinstance(field, dict) and field.get("type") == "PropertyValue":
            text = _html_text(field.get("value"))
            raw = f"{field.get('name')}: {text}"
            hrefs = re.findall(r'href="([^"]+)"', str(field.get("value") or ""))
            add_link(profile, v(f"$.attachment[{index}]", hrefs[0] if hrefs else text, raw))
    if isinstance(doc.get("url"), str):
        add_link(profile, v("$.url", doc["url"]))
    if isinstance(doc.get("movedTo"), str):
        set_once(profile, "moved_to", v("$.movedTo", doc["movedTo"]))
    for index, other in enumerate(doc.get("alsoKnownAs") or []):
        if isinstance(other, str) and all(a.value != other for a in profile.also_known_as):
            profile.also_known_as.append(v(f"$.alsoKnownAs[{index}]", other))
    if doc.get("suspended") is True and all(w.code != "suspended" for w in profile.walls):
        from ..model import Wall

        profile.walls.append(
            Wall("suspended", "the actor document says suspended: true", response.source(json_path="$.suspended"))
        )
    for name in ("followers", "following", "outbox"):
        item = doc.get(name)
        if isinstance(item, dict) and isinstance(item.get("totalItems"), int):
            profile.counts.setdefault(
                name if name != "outbox" else "posts", v(f"$.{name}.totalItems", item["totalItems"])
            )


def read_collections(profile: Profile, view: View) -> None:
    """Counts from collection documents and posts from every outbox page in the WARC."""
    actor_id = profile.account_id.value if profile.account_id else None
    for response, doc in json_docs(view):
        if not isinstance(doc, dict):
            continue
        kinds = _types(doc)
        if kinds & {"OrderedCollection", "Collection"} and isinstance(doc.get("totalItems"), int):
            doc_id = str(doc.get("id") or response.url)
            for name in ("followers", "following", "outbox"):
                if doc_id.rstrip("/").endswith("/" + name):
                    profile.counts.setdefault(
                        "posts" if name == "outbox" else name, json_value(response, "$.totalItems", doc["totalItems"])
                    )
        items = doc.get("orderedItems") or doc.get("items")
        if kinds & {"OrderedCollectionPage", "CollectionPage", "OrderedCollection"} and isinstance(items, list):
            if doc.get("type") == "OrderedCollectionPage" and not doc.get("next"):
                profile.reached_end = True
            for index, item in enumerate(items):
                post = _post(
                    response,
                    f"$.orderedItems[{index}]" if "orderedItems" in doc else f"$.items[{index}]",
                    item,
                    actor_id,
                )
                if post is not None:
                    add_post(profile, post)


def _post(response: Response, path: str, activity: Any, actor_id: Any) -> Post | None:
    if not isinstance(activity, dict):
        return None

    def v(sub: str, value: Any, raw: str | None = None) -> Value:
        return json_value(response, path + sub, value, raw)

    kind = activity.get("type")
    if kind == "Announce" and isinstance(activity.get("object"), str):
        post = Post(id=v(".id", activity.get("id")), quote_of=v(".object", activity["object"]))
        if isinstance(activity.get("published"), str):
            post.published = v(".published", activity["published"])
        return post if activity.get("id") else None
    note = activity.get("object") if kind == "Create" else activity
    prefix = ".object" if kind == "Create" else ""
    if not isinstance(note, dict) or not note.get("id"):
        return None
    post = Post(id=v(prefix + ".id", note["id"]))
    if isinstance(note.get("url"), str):
        post.permalink = v(prefix + ".url", note["url"])
    else:
        post.permalink = v(prefix + ".id", note["id"])
    if isinstance(note.get("published"), str):
        post.published = v(prefix + ".published", note["published"])
    if isinstance(note.get("updated"), str):
        post.edited = v(prefix + ".updated", note["updated"])
    author = note.get("attributedTo") or actor_id
    if isinstance(author, str):
        post.author = v(prefix + ".attributedTo", author)
    if isinstance(note.get("content"), str):
        post.text = v(prefix + ".content", _html_text(note["content"]), note["content"])
    if isinstance(note.get("inReplyTo"), str):
        post.reply_to = v(prefix + ".inReplyTo", note["inReplyTo"])
    for index, item in enumerate(note.get("attachment") or []):
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            media_type = str(item.get("mediaType") or "")
            kind_ = (
                "video" if media_type.startswith("video") else "photo" if media_type.startswith("image") else "document"
            )
            post.media.append(
                Media(item["url"], kind_, response.source(json_path=f"{path}{prefix}.attachment[{index}].url"))
            )
    for name, key in (("replies", "replies"), ("likes", "likes"), ("shares", "shares")):
        item = note.get(key)
        if isinstance(item, dict) and isinstance(item.get("totalItems"), int):
            post.counts[name] = v(f"{prefix}.{key}.totalItems", item["totalItems"])
    return post
