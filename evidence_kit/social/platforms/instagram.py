"""Instagram profiles (``instagram.com/<handle>/``): the profile's data answer and the page's own JSON.

Studied (not copied), with what each field comes from:

- gallery-dl ``extractor/instagram.py``: the logged-out profile data is the answer of
  ``/api/v1/users/web_profile_info/?username=NAME`` (sent with the web app's ``X-IG-App-ID`` header),
  ``data.user``; older posts come from ``/graphql/query/?query_hash=…&variables={"id":USER_ID,
  "first":N,"after":END_CURSOR}``, ``data.user.edge_owner_to_timeline_media`` with ``page_info``
  (``has_next_page``, ``end_cursor``) and ``edges[].node``; a post is ``/p/<shortcode>/``, its time
  ``taken_at_timestamp``, its caption ``edge_media_to_caption.edges[].node.text``, its likes
  ``edge_media_preview_like.count``; REST-shaped answers say ``pk`` / ``code`` / ``taken_at`` /
  ``caption.text`` / ``like_count`` instead. A redirect to ``/accounts/login/`` is a login wall, to
  ``/challenge/`` a check; ``is_private`` without ``followed_by_viewer`` means the posts are withheld.
- instaloader ``structures.py`` (``Profile``, ``Post``): ``id`` is the stable user id (the handle can be
  changed), ``username``, ``full_name``, ``biography``, ``external_url`` (and ``bio_links``),
  ``edge_followed_by.count`` (followers), ``edge_follow.count`` (following),
  ``edge_owner_to_timeline_media.count`` (posts), ``is_private``, ``is_verified``,
  ``profile_pic_url_hd``; newer answers name the counts ``follower_count`` / ``following_count`` /
  ``media_count``.
- snscrape ``modules/instagram.py``: the older page embedded the same ``user`` in
  ``window._sharedData`` (``entry_data.ProfilePage[0].graphql.user``); a 404 answer is a missing
  account; no edges with a non-zero count is a private account.

The page itself carries ``"profilePage_<id>"`` / ``"profile_id"`` and a ``user`` object in its
server-side JSON scripts, and an ``og:description`` "1,234 Followers, 56 Following, 15 Posts - See
Instagram photos and videos from NAME (@handle)": read last, only for what the JSON did not give (its
counts are rounded on large accounts, so its raw text is kept). "Sorry, this page isn't available."
is a missing (or removed) account, "This account is private" a private one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from ..model import Media, Post, Profile, Value, Wall
from ..views import Response, View, meta, parse_count, walk_json
from ..walls import Marker
from .common import Page, add_link, add_post, json_docs, pages, set_once
from .embedded import regex_in_scripts, script_docs

NAME = "instagram"
VERSION = "2"
HOSTS = ("instagram.com", "instagr.am")
POSTS_CSS = "a[href*='/p/'], a[href*='/reel/']"
PAGING = "json"
JSON_HEADERS = {"X-IG-App-ID": "936619743392459"}  # the web app's id, which the profile API asks for
QUERY_HASH = "69cba40317214236af40e7efa697781d"  # the web app's query for a user's timeline
WALLS = (
    Marker("login-wall", "Instagram redirected to its login page", url=r"/accounts/login"),
    Marker("bot-check", "Instagram redirected to its challenge page", url=r"/challenge/"),
    Marker("not-found", "Instagram says the page isn't available", html=r"sorry, this page isn.t available"),
    Marker("private", "Instagram says the account is private", html=r"this account is private"),
)
RESERVED = {"p", "reel", "reels", "tv", "explore", "stories", "accounts", "api", "graphql", "direct", "challenge"}
_OG = re.compile(
    r"^(?P<followers>[\d.,]+[KkMm]?) Followers, (?P<following>[\d.,]+[KkMm]?) Following, "
    r"(?P<posts>[\d.,]+[KkMm]?) Posts - See Instagram photos and videos from (?P<name>.*) \(@(?P<handle>[\w.]+)\)"
)
# The timeline connection: the GraphQL name, and the newer web app's name for the same list.
TIMELINES = ("edge_owner_to_timeline_media", "xdt_api__v1__feed__user_timeline_graphql_connection")
_USER_KEYS = ("full_name", "biography", "edge_followed_by", "follower_count", "is_private")


def detect(url: str, html: str) -> int:
    score = 0
    for mark in ("instagram://user", '"profilePage_', "com.instagram.android", "window._sharedData"):
        if mark in html:
            score += 3
    if 'content="Instagram"' in html:
        score += 2
    return score


def handle_of(url: str) -> str | None:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and segments[0].lower() not in RESERVED and re.fullmatch(r"[\w.]{1,30}", segments[0]):
        return segments[0]
    return None


# --- the reader's paging (reader.py, PAGING "json") -----------------------------------------------------
def profile_json(page_url: str) -> str | None:
    """The profile data answer's address for the profile page at ``page_url``."""
    handle = handle_of(page_url)
    if handle is None:
        return None
    parts = urlsplit(page_url)
    return urlunsplit((parts.scheme, parts.netloc, "/api/v1/users/web_profile_info/", f"username={handle}", ""))


def _timeline(doc: Any) -> dict[str, Any] | None:
    user = ((doc or {}).get("data") or {}).get("user") if isinstance(doc, dict) else None
    media = user.get("edge_owner_to_timeline_media") if isinstance(user, dict) else None
    return media if isinstance(media, dict) else None


def json_posts(doc: Any) -> int:
    media = _timeline(doc)
    return len(media.get("edges") or []) if media else 0


def next_json(page_url: str, doc: Any) -> str | None:
    """The next timeline page after this answer (its ``end_cursor``), or None at the end."""
    media = _timeline(doc)
    info = (media or {}).get("page_info") or {}
    user = doc["data"]["user"] if media else {}
    user_id = user.get("id") or _user_id_of(media)
    if not info.get("has_next_page") or not info.get("end_cursor") or not user_id:
        return None
    variables = json.dumps({"id": str(user_id), "first": 12, "after": info["end_cursor"]}, separators=(",", ":"))
    parts = urlsplit(page_url)
    query = f"query_hash={QUERY_HASH}&variables={quote(variables, safe='')}"
    return urlunsplit((parts.scheme, parts.netloc, "/graphql/query/", query, ""))


def json_wall(doc: Any, status: int | None) -> tuple[str, str, str] | None:
    """(code, reason, JSON path) when a profile data answer refuses instead of answering: logged out,
    Instagram often answers ``{"require_login": true, "status": "fail"}`` (a login wall) or "Please wait a
    few minutes before you try again." with status 429 (a rate limit)."""
    if not isinstance(doc, dict):
        return None
    message = str(doc.get("message") or "")
    if doc.get("require_login") is True:
        return "login-wall", "Instagram's profile data answer says require_login: true", "$.require_login"
    if status == 429 or re.search(r"wait a few minutes", message, re.I):
        return "rate-limit", f"Instagram's profile data answer says: {message or 'status 429'}", "$.message"
    return None


def _user_id_of(media: dict[str, Any] | None) -> str | None:
    for edge in (media or {}).get("edges") or []:
        owner = ((edge or {}).get("node") or {}).get("owner") or {}
        if owner.get("id"):
            return str(owner["id"])
    return None


# --- the extractor --------------------------------------------------------------------------------------
class _Doc:
    """One JSON document of the capture (an answer, or a page's script) and how to name a path in it."""

    def __init__(self, data: Any, response: Response | None = None, page: Page | None = None, script: Any = None):
        self.data, self.response, self.page, self.script = data, response, page, script

    def value(self, path: str, value: Any, raw: str | None = None) -> Value:
        if self.response is not None:
            return Value(value, self.response.source(json_path=path), raw)
        assert self.page is not None
        return Value(value, replace(self.page.at(self.script), json_path=path), raw)


def _docs(view: View) -> Iterator[_Doc]:
    """The profile API's answers first (the most direct), then the pages' JSON scripts."""
    for response, data in json_docs(view):
        yield _Doc(data, response=response)
    for page in pages(view):
        for script, data in script_docs(page):
            yield _Doc(data, page=page, script=script)
        for script in page.root.xpath(".//script[contains(text(), 'window._sharedData')]"):
            text = (script.text or "").split("=", 1)[-1].strip().rstrip(";")
            try:
                yield _Doc(json.loads(text), page=page, script=script)
            except ValueError:
                continue


def _users(doc: _Doc, handle: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, user object) for each account object in ``doc`` that is the profile's own."""
    for path, item in walk_json(doc.data):
        if not isinstance(item, dict) or not isinstance(item.get("username"), str):
            continue
        if not (item.get("id") or item.get("pk")) or not any(k in item for k in _USER_KEYS):
            continue
        if handle and item["username"].lower() != handle.lower():
            continue
        yield path, item


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    handle = handle_of(view.url) or handle_of(view.final_url or "")
    main = next(pages(view), None)
    if main is not None and handle is None:
        found = meta(main.root, "og:url")
        handle = handle_of(found[0]) if found else None
    if view.final_url and re.search(r"/accounts/login|/challenge/", view.final_url):
        handle = handle_of(view.url)
        docs: list[_Doc] = []  # a login page's scripts describe no account
    else:
        docs = list(_docs(view))
    for response, data in json_docs(view):
        refused = json_wall(data, response.status) if _is_api(response.url) else None
        if refused and all(w.code != refused[0] for w in profile.walls):
            profile.walls.append(Wall(refused[0], refused[1], response.source(json_path=refused[2])))
    for doc in docs:
        for path, user in _users(doc, handle):
            _read_user(profile, doc, path, user)
    if not profile.account_id:
        found_id = regex_in_scripts(view, r'"profilePage_(\d+)"') if docs else None
        if found_id is not None:
            profile.account_id = found_id
    if main is not None and docs:
        _og_description(profile, main, handle)
    for doc in docs:
        _read_posts(profile, doc)
    profile.posts.sort(key=lambda p: str(p.published.value) if p.published else "", reverse=True)
    # No generic.read_standards: Instagram's og:type is "profile" but its og:description is the count
    # line read above, which the OpenGraph reader would take for the bio.
    return profile


def _is_api(url: str) -> bool:
    return urlsplit(url).path.startswith(("/api/v1/users/web_profile_info", "/graphql/query"))


def _read_user(profile: Profile, doc: _Doc, path: str, user: dict[str, Any]) -> None:
    def put(field: str, key: str, convert: Any = str) -> None:
        if user.get(key) not in (None, ""):
            set_once(profile, field, doc.value(f"{path}.{key}", convert(user[key])))

    put("account_id", "id" if user.get("id") else "pk")
    put("handle", "username")
    put("display_name", "full_name")
    put("bio", "biography")
    if isinstance(user.get("is_verified"), bool):
        put("verified", "is_verified", bool)
    if isinstance(user.get("external_url"), str) and user["external_url"]:
        add_link(profile, doc.value(f"{path}.external_url", user["external_url"]))
    for index, link in enumerate(user.get("bio_links") or []):
        if isinstance(link, dict) and isinstance(link.get("url"), str):
            add_link(profile, doc.value(f"{path}.bio_links[{index}].url", link["url"]))
    for name, keys in (
        ("followers", ("edge_followed_by", "follower_count")),
        ("following", ("edge_follow", "following_count")),
        ("posts", ("edge_owner_to_timeline_media", "media_count")),
    ):
        for key in keys:
            item = user.get(key)
            number, where = (
                (item.get("count"), f"{path}.{key}.count") if isinstance(item, dict) else (item, f"{path}.{key}")
            )
            if isinstance(number, int) and not isinstance(number, bool) and name not in profile.counts:
                profile.counts[name] = doc.value(where, number)
    picture = user.get("profile_pic_url_hd") or user.get("profile_pic_url")
    if isinstance(picture, str) and profile.avatar is None:
        key = "profile_pic_url_hd" if user.get("profile_pic_url_hd") else "profile_pic_url"
        profile.avatar = Media(picture, "avatar", doc.value(f"{path}.{key}", picture).source)
    if (
        user.get("is_private") is True
        and not user.get("followed_by_viewer")
        and not any(w.code == "private" for w in profile.walls)
    ):
        profile.walls.append(
            Wall(
                "private",
                "the profile data says is_private: true (posts are shown only to approved followers)",
                doc.value(f"{path}.is_private", True).source,
            )
        )


def _og_description(profile: Profile, page: Page, handle: str | None) -> None:
    """The head's "N Followers, M Following, K Posts - … from NAME (@handle)": only what JSON lacked."""
    found = meta(page.root, "og:description") or meta(page.root, "description")
    match = _OG.match(found[0]) if found else None
    if not found or not match or (handle and match.group("handle").lower() != handle.lower()):
        return
    content, element = found
    set_once(profile, "handle", page.value(element, match.group("handle"), content))
    set_once(profile, "display_name", page.value(element, match.group("name"), content))
    taken = []
    for name in ("followers", "following", "posts"):
        number = parse_count(match.group(name))
        if number is not None and name not in profile.counts:
            profile.counts[name] = page.value(element, number, f"{match.group(name)} {name.capitalize()}")
            taken.append(name)
    if taken:
        profile.notes.append(f"{', '.join(taken)} read from the page's og:description, which rounds large numbers")


def _read_posts(profile: Profile, doc: _Doc) -> None:
    own = str(profile.account_id.value) if profile.account_id else None
    for path, media in walk_json(doc.data):
        if not isinstance(media, dict) or not isinstance(media.get("edges"), list):
            continue
        if not path.endswith(TIMELINES):
            continue
        for index, edge in enumerate(media["edges"]):
            item = (edge or {}).get("node") if isinstance(edge, dict) else None
            if isinstance(item, dict):
                post = _post(doc, f"{path}.edges[{index}].node", item, own)
                if post is not None:
                    add_post(profile, post)
        info = media.get("page_info") or {}
        if info.get("has_next_page") is False and doc.response is not None:
            profile.reached_end = True


def _post(doc: _Doc, path: str, item: dict[str, Any], own: str | None) -> Post | None:
    code_key = "shortcode" if item.get("shortcode") else "code"
    code, ident = item.get(code_key), item.get("id") or item.get("pk")
    if not isinstance(code, str) or not ident:
        return None
    owner = (item.get("owner") or item.get("user") or {}).get("id") or (item.get("user") or {}).get("pk")
    if own and owner and str(owner) != own:
        return None  # a post of another account (tagged, suggested): not this profile's
    post = Post(id=doc.value(f"{path}.{'id' if item.get('id') else 'pk'}", str(ident)))
    post.permalink = doc.value(f"{path}.{code_key}", f"https://www.instagram.com/p/{code}/", code)
    for key in ("pinned_for_users", "timeline_pinned_user_ids"):
        if isinstance(item.get(key), list) and item[key]:
            post.pinned = doc.value(f"{path}.{key}", True)
            break
    stamp_key = "taken_at_timestamp" if "taken_at_timestamp" in item else "taken_at"
    stamp = item.get(stamp_key)
    if isinstance(stamp, int):
        when = datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")
        post.published = doc.value(f"{path}.{stamp_key}", when, str(stamp))
    edges = ((item.get("edge_media_to_caption") or {}).get("edges")) or []
    if edges and isinstance((edges[0].get("node") or {}).get("text"), str):
        post.text = doc.value(f"{path}.edge_media_to_caption.edges[0].node.text", edges[0]["node"]["text"])
    elif isinstance(item.get("caption"), dict) and isinstance(item["caption"].get("text"), str):
        post.text = doc.value(f"{path}.caption.text", item["caption"]["text"])
    author = (item.get("owner") or item.get("user") or {}).get("username")
    if isinstance(author, str):
        key = "owner" if item.get("owner") else "user"
        post.author = doc.value(f"{path}.{key}.username", author)
    for name, keys in (
        ("likes", ("edge_media_preview_like", "edge_liked_by", "like_count")),
        ("replies", ("edge_media_to_comment", "comment_count")),
        ("views", ("video_view_count", "play_count")),
    ):
        for key in keys:
            value = item.get(key)
            number, where = (
                (value.get("count"), f"{path}.{key}.count") if isinstance(value, dict) else (value, f"{path}.{key}")
            )
            if isinstance(number, int) and not isinstance(number, bool):
                post.counts.setdefault(name, doc.value(where, number))
    for key, kind in (("video_url", "video"), ("display_url", "photo")):
        if isinstance(item.get(key), str):
            url = item[key]
            base = doc.response.url if doc.response is not None else (doc.page.url if doc.page else "")
            post.media.append(Media(urljoin(base, url), kind, doc.value(f"{path}.{key}", url).source))
    return post
