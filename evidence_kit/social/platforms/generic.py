"""Any site: what a profile page says about itself in open standards, on a layout never seen before.

Read in this order (the first source that gives a field keeps it): schema.org JSON-LD and microdata
(``ProfilePage`` / ``Person`` / ``Organization``, ``SocialMediaPosting``, ``InteractionCounter``),
microformats2 (``h-card``, ``h-feed`` / ``h-entry``), OpenGraph (``og:type=profile``,
``profile:username``), ``rel=me`` links, then the ActivityPub actor and outbox and the RSS/Atom feeds
the reader fetched through the browser (they are in the WARC).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..model import Media, Post, Profile, Value
from ..views import View, meta, parse_count, text_of
from . import activitypub
from .common import Page, add_link, add_post, pages, script_json, script_value, set_once
from .feeds import read_feeds

NAME = "generic"
VERSION = "1"
HOSTS: tuple[str, ...] = ()
WALLS: tuple[Any, ...] = ()
POSTS_CSS = (
    ".h-entry, article, [itemtype*='SocialMediaPosting'], [itemtype*='BlogPosting'], [data-post], [data-post-id]"
)
# the account's own words about itself (bio): wall phrases there are what it wrote, not a wall
OWN_TEXT_CSS = ".p-note, [itemprop='description']"
PAGING = "scroll"

PERSON = {"Person", "Organization", "Corporation", "NGO", "Brand"}
POSTING = {"SocialMediaPosting", "BlogPosting", "DiscussionForumPosting", "Article", "NewsArticle"}
COUNTER_NAMES = {
    "followaction": "followers",
    "subscribeaction": "followers",
    "likeaction": "likes",
    "writeaction": "posts",
    "commentaction": "replies",
    "shareaction": "shares",
    "viewaction": "views",
    "watchaction": "views",
}


def detect(url: str, html: str) -> int:
    """Generic reads every page; it is chosen when no platform claims it."""
    return 1


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    read_standards(profile, view)
    return profile


def read_standards(profile: Profile, view: View, actor_first: bool = False) -> None:
    """Every open standard a page and the documents fetched with it carry (used by platforms too).

    ``actor_first``: the ActivityPub actor before the page (Mastodon: the actor is the account's own
    document; the page's OpenGraph says ``name@host``)."""
    if actor_first:
        for response, doc in activitypub.actors(view):
            activitypub.read_actor(profile, response, doc)
    for page in pages(view):
        _json_ld(profile, page)
        _microdata(profile, page)
        _microformats(profile, page)
        _opengraph(profile, page)
        _rel_me(profile, page)
    for response, doc in activitypub.actors(view):
        activitypub.read_actor(profile, response, doc)
    activitypub.read_collections(profile, view)
    activitypub.read_verified_fields(profile, view)
    read_feeds(profile, view)


# --- schema.org JSON-LD --------------------------------------------------------------------------------
def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    names = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
    return {str(n).rsplit("/", 1)[-1] for n in names}


def _nodes(data: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data, list):
        for i, item in enumerate(data):
            out += _nodes(item, f"{path}[{i}]")
    elif isinstance(data, dict):
        out.append((path, data))
        for key in ("@graph", "mainEntity", "hasPart", "author", "about", "itemListElement", "item"):
            if key in data:
                out += _nodes(data[key], f"{path}.{key}" if key[0] != "@" else f'{path}["{key}"]')
    return out


def _json_ld(profile: Profile, page: Page) -> None:
    for script, data in script_json(page, ".//script[@type='application/ld+json']"):
        for path, node in _nodes(data):
            kinds = _types(node)

            def v(sub: str, value: Any, raw: str | None = None, path: str = path, script: Any = script) -> Value:
                return script_value(page, script, path + sub, value, raw)

            if kinds & PERSON and not path.endswith(".author"):
                _person(profile, node, v)
            elif kinds & POSTING:
                post = _ld_post(node, v, page.url)
                if post is not None:
                    add_post(profile, post)


def _person(profile: Profile, node: dict[str, Any], v: Any) -> None:
    ident = node.get("identifier")
    if isinstance(ident, dict):
        ident = ident.get("value")
    if isinstance(ident, str | int) and str(ident):
        set_once(profile, "account_id", v(".identifier", str(ident)))
    for key in ("alternateName", "additionalName"):
        if isinstance(node.get(key), str):
            set_once(profile, "handle", v(f".{key}", node[key].lstrip("@"), node[key]))
    if isinstance(node.get("name"), str):
        set_once(profile, "display_name", v(".name", node["name"]))
    if isinstance(node.get("description"), str):
        set_once(profile, "bio", v(".description", node["description"]))
    image = node.get("image")
    image_url = image.get("url") or image.get("contentUrl") if isinstance(image, dict) else image
    if isinstance(image_url, str) and profile.avatar is None:
        profile.avatar = Media(image_url, "avatar", v(".image", image_url).source)
    same = node.get("sameAs")
    for i, link in enumerate([same] if isinstance(same, str) else same if isinstance(same, list) else []):
        if isinstance(link, str):
            add_link(profile, v(f".sameAs[{i}]", link))
    for key in ("interactionStatistic", "agentInteractionStatistic"):
        stats = node.get(key)
        for i, stat in enumerate([stats] if isinstance(stats, dict) else stats if isinstance(stats, list) else []):
            name, count = _counter(stat)
            if name and count is not None:
                profile.counts.setdefault(
                    name,
                    v(
                        f".{key}[{i}].userInteractionCount"
                        if isinstance(stats, list)
                        else f".{key}.userInteractionCount",
                        count,
                    ),
                )
    if isinstance(node.get("dateCreated"), str):
        set_once(profile, "created", v(".dateCreated", node["dateCreated"]))


def _counter(stat: Any) -> tuple[str | None, int | None]:
    if not isinstance(stat, dict):
        return None, None
    kind = stat.get("interactionType")
    if isinstance(kind, dict):
        kind = kind.get("@type")
    name = COUNTER_NAMES.get(str(kind or "").rsplit("/", 1)[-1].lower())
    count = stat.get("userInteractionCount")
    if isinstance(count, str):
        count = parse_count(count)
    return name, count if isinstance(count, int) else None


def _ld_post(node: dict[str, Any], v: Any, base: str) -> Post | None:
    url = node.get("url") or node.get("@id")
    ident = node.get("identifier") or node.get("@id") or url
    if not isinstance(ident, str | int):
        return None
    post = Post(id=v(".identifier" if node.get("identifier") else ".@id" if node.get("@id") else ".url", str(ident)))
    if isinstance(url, str):
        post.permalink = v(".url" if node.get("url") else ".@id", urljoin(base, url), url)
    if isinstance(node.get("datePublished"), str):
        post.published = v(".datePublished", node["datePublished"])
    if isinstance(node.get("dateModified"), str) and node.get("dateModified") != node.get("datePublished"):
        post.edited = v(".dateModified", node["dateModified"])
    for key in ("articleBody", "text", "headline"):
        if isinstance(node.get(key), str):
            post.text = v(f".{key}", node[key])
            break
    author = node.get("author")
    name = author.get("alternateName") or author.get("name") if isinstance(author, dict) else author
    if isinstance(name, str):
        post.author = v(".author", name)
    stats = node.get("interactionStatistic")
    for i, stat in enumerate([stats] if isinstance(stats, dict) else stats if isinstance(stats, list) else []):
        cname, count = _counter(stat)
        if cname and count is not None:
            post.counts[cname] = v(f".interactionStatistic[{i}].userInteractionCount", count)
    image = node.get("image")
    for i, item in enumerate([image] if isinstance(image, str | dict) else image if isinstance(image, list) else []):
        src = item.get("url") if isinstance(item, dict) else item
        if isinstance(src, str):
            post.media.append(Media(urljoin(base, src), "photo", v(f".image[{i}]", src).source))
    return post


# --- microdata ----------------------------------------------------------------------------------------
def _prop(scope: Any, name: str) -> Any:
    """The first element with itemprop=name belonging to this item scope (not a nested one)."""
    for element in scope.xpath(".//*[@itemprop]"):
        if name not in (element.get("itemprop") or "").split():
            continue
        owner = element.getparent()
        while owner is not None and owner.get("itemscope") is None:
            owner = owner.getparent()
        if owner is scope:
            return element
    return None


def _prop_value(element: Any, base: str) -> str:
    for attr in ("content", "datetime"):
        if element.get(attr):
            return str(element.get(attr)).strip()
    if element.tag in ("a", "link") and element.get("href"):
        return urljoin(base, str(element.get("href")))
    if element.tag == "img" and element.get("src"):
        return urljoin(base, str(element.get("src")))
    return text_of(element)


def _microdata(profile: Profile, page: Page) -> None:
    for scope in page.root.xpath(".//*[@itemscope][@itemtype]"):
        kinds = {t.rsplit("/", 1)[-1] for t in (scope.get("itemtype") or "").split()}

        def pv(name: str, scope: Any = scope) -> tuple[Any, str] | None:
            element = _prop(scope, name)
            return (element, _prop_value(element, page.url)) if element is not None else None

        if kinds & PERSON:
            for name, field in (
                ("identifier", "account_id"),
                ("alternateName", "handle"),
                ("name", "display_name"),
                ("description", "bio"),
            ):
                got = pv(name)
                if got and got[1]:
                    value = got[1].lstrip("@") if field == "handle" else got[1]
                    set_once(profile, field, page.value(got[0], value, got[1]))
            got = pv("image")
            if got and profile.avatar is None:
                profile.avatar = Media(got[1], "avatar", page.at(got[0]))
            for counter in scope.xpath(".//*[@itemscope][contains(@itemtype, 'InteractionCounter')]"):
                kind, count = _prop(counter, "interactionType"), _prop(counter, "userInteractionCount")
                if kind is not None and count is not None:
                    raw = _prop_value(count, page.url)
                    name_ = COUNTER_NAMES.get(_prop_value(kind, page.url).rsplit("/", 1)[-1].lower())
                    number = parse_count(raw)
                    if name_ and number is not None and counter.getparent() is not None:
                        profile.counts.setdefault(name_, page.value(count, number, raw))
        elif kinds & POSTING:
            got = pv("url") or pv("identifier")
            if not got:
                continue
            post = Post(id=page.value(got[0], got[1]), permalink=page.value(got[0], got[1]))
            for name, field in (("datePublished", "published"), ("articleBody", "text"), ("text", "text")):
                found = pv(name)
                if found and getattr(post, field) is None:
                    setattr(post, field, page.value(found[0], found[1]))
            add_post(profile, post)


# --- microformats2 -----------------------------------------------------------------------------------
def _mf(root: Any, cls: str) -> Any:
    found = root.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]")
    return found[0] if found else None


def _mf_value(element: Any, base: str) -> str:
    classes = (element.get("class") or "").split()
    if any(c.startswith(("u-", "dt-")) for c in classes):
        for attr in ("href", "src", "datetime", "value", "content"):
            if element.get(attr):
                value = str(element.get(attr))
                return urljoin(base, value) if attr in ("href", "src") else value
    return text_of(element)


def _microformats(profile: Profile, page: Page) -> None:
    feed = _mf(page.root, "h-feed")
    card = None
    if feed is not None:
        card = _mf(feed, "h-card")
    card = card if card is not None else _mf(page.root, "h-card")
    if card is not None and not _inside(card, "h-entry"):
        for cls, field in (
            ("u-uid", "account_id"),
            ("p-nickname", "handle"),
            ("p-name", "display_name"),
            ("p-note", "bio"),
        ):
            element = _mf(card, cls)
            if element is not None:
                raw = _mf_value(element, page.url)
                set_once(profile, field, page.value(element, raw.lstrip("@") if field == "handle" else raw, raw))
        photo = _mf(card, "u-photo")
        if photo is not None and profile.avatar is None:
            profile.avatar = Media(_mf_value(photo, page.url), "avatar", page.at(photo))
        for link in card.xpath(".//a[contains(concat(' ', normalize-space(@class), ' '), ' u-url ')]"):
            add_link(profile, page.value(link, urljoin(page.url, link.get("href") or "")))
    for entry in page.root.xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' h-entry ')]"):
        url = _mf(entry, "u-url")
        url = url if url is not None else _mf(entry, "u-uid")
        if url is None:
            continue
        link = _mf_value(url, page.url)
        post = Post(id=page.value(url, link), permalink=page.value(url, link))
        for cls, field in (
            ("dt-published", "published"),
            ("dt-updated", "edited"),
            ("e-content", "text"),
            ("p-content", "text"),
            ("p-name", "text"),
        ):
            element = _mf(entry, cls)
            if element is not None and getattr(post, field) is None:
                post.__dict__[field] = page.value(element, _mf_value(element, page.url))
        author = _mf(entry, "p-author")
        if author is not None:
            post.author = page.value(author, _mf_value(author, page.url))
        for cls, kind in (("u-photo", "photo"), ("u-video", "video")):
            for element in entry.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]"):
                src = element.get("src") or element.get("href")
                if src:
                    post.media.append(Media(urljoin(page.url, src), kind, page.at(element)))
        add_post(profile, post)


def _inside(element: Any, cls: str) -> bool:
    node = element.getparent()
    while node is not None:
        if cls in (node.get("class") or "").split():
            return True
        node = node.getparent()
    return False


# --- OpenGraph, rel=me ------------------------------------------------------------------------------
def _opengraph(profile: Profile, page: Page) -> None:
    kind = meta(page.root, "og:type")
    username = meta(page.root, "profile:username")
    if username:
        set_once(profile, "handle", page.value(username[1], username[0].lstrip("@"), username[0]))
    if not username and not (kind and kind[0].lower() == "profile"):
        return  # OpenGraph of a page that does not say it is a profile names the page, not an account
    for name, field in (("og:title", "display_name"), ("og:description", "bio")):
        got = meta(page.root, name)
        if got:
            set_once(profile, field, page.value(got[1], got[0]))
    image = meta(page.root, "og:image")
    if image and profile.avatar is None:
        profile.avatar = Media(urljoin(page.url, image[0]), "avatar", page.at(image[1]))


def _rel_me(profile: Profile, page: Page) -> None:
    for link in page.root.xpath(".//a[@rel]|.//link[@rel]"):
        if "me" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = urljoin(page.url, link.get("href"))
            if urlsplit(href).scheme in ("http", "https", "mailto"):
                add_link(profile, page.value(link, href))


def handle_from_url(url: str) -> str | None:
    """'/@name' or '/name' as the last path segment of a profile URL (a fallback only)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and re.fullmatch(r"@?[\w.]{1,64}", segments[-1]):
        return segments[-1].lstrip("@")
    return None
