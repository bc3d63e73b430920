"""ActivityPub documents (actor, outbox pages) as the reader fetched them into the WARC.

The actor's ``id`` (its URI) is the stable id: it survives a change of display name, and a move is
said by ``movedTo`` / ``alsoKnownAs``. Posts are the outbox's ``Create`` activities' objects (Notes),
and ``Announce`` activities are kept as boosts of the announced URI.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..model import Media, Post, Profile, ProfileField, Value
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
            if isinstance(field.get("name"), str) and all(f.name.value != field["name"] for f in profile.fields):
                profile.fields.append(
                    ProfileField(
                        v(f"$.attachment[{index}].name", field["name"]),
                        v(f"$.attachment[{index}].value", text, str(field.get("value"))),
                        hrefs[0] if hrefs else None,
                    )
                )
    if isinstance(doc.get("url"), str):
        add_link(profile, v("$.url", doc["url"]))
    if isinstance(doc.get("movedTo"), str) and profile.moved_to is None:
        set_once(profile, "moved_to", v("$.movedTo", doc["movedTo"]))
        profile.notes.append(f"the account says it moved to {doc['movedTo']} (movedTo): its posts may continue there")
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


def read_verified_fields(profile: Profile, view: View) -> None:
    """Which fields the server verified: Mastodon's account lookup (``/api/v1/accounts/lookup``) gives
    ``fields[].verified_at``, the time it found a ``rel=me`` link back to the profile on the linked page.
    The actor document does not carry it. An answer for another account (``uri``/``url``) is not used."""
    if profile.account_id is None or not profile.fields:
        return
    actor_id = str(profile.account_id.value)
    urls = {actor_id, *(str(link.value) for link in profile.links)}
    for response, doc in json_docs(view):
        if not isinstance(doc, dict) or not isinstance(doc.get("fields"), list) or "acct" not in doc:
            continue
        if doc.get("uri") != actor_id and doc.get("url") not in urls:
            continue
        for index, item in enumerate(doc["fields"]):
            if not isinstance(item, dict) or not isinstance(item.get("verified_at"), str):
                continue
            for position, field in enumerate(profile.fields):
                if field.name.value == item.get("name") and field.verified_at is None:
                    profile.fields[position] = replace(
                        field, verified_at=json_value(response, f"$.fields[{index}].verified_at", item["verified_at"])
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
    if kind == "Announce":  # a boost: the post shared, by the account that shared it
        shared = activity.get("object")
        shared_id = shared.get("id") if isinstance(shared, dict) else shared
        if not isinstance(shared_id, str) or not activity.get("id"):
            return None
        post = Post(
            id=v(".id", activity["id"]),
            quote_of=v(".object.id" if isinstance(shared, dict) else ".object", shared_id),
        )
        if isinstance(activity.get("published"), str):
            post.published = v(".published", activity["published"])
        if isinstance(activity.get("actor"), str):
            post.author = v(".actor", activity["actor"])
        return post
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
    if isinstance(note.get("summary"), str) and note["summary"].strip():
        post.content_warning = v(prefix + ".summary", _html_text(note["summary"]), note["summary"])
    if isinstance(note.get("sensitive"), bool):
        post.sensitive = v(prefix + ".sensitive", note["sensitive"])
    for index, item in enumerate(note.get("attachment") or []):
        url = item.get("url") if isinstance(item, dict) else None
        url = url.get("href") if isinstance(url, dict) else url
        if not isinstance(url, str):
            continue
        at = f"{prefix}.attachment[{index}]"
        media_type = str(item.get("mediaType") or "")
        kind_ = "video" if media_type.startswith("video") else "photo" if media_type.startswith("image") else "document"
        details = {}
        if isinstance(item.get("name"), str) and item["name"].strip():
            details["alt"] = v(at + ".name", item["name"])
        if media_type:
            details["media_type"] = v(at + ".mediaType", media_type)
        path_of_url = at + (".url.href" if isinstance(item.get("url"), dict) else ".url")
        post.media.append(Media(url, kind_, response.source(json_path=path + path_of_url), details=details))
    for name, key in (("replies", "replies"), ("likes", "likes"), ("shares", "shares")):
        item = note.get(key)
        if isinstance(item, dict) and isinstance(item.get("totalItems"), int):
            post.counts[name] = v(f"{prefix}.{key}.totalItems", item["totalItems"])
    return post
