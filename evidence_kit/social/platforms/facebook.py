"""Facebook pages and profiles: the numeric id the page names itself by, its name and counts, and the
posts it shows a logged-out visitor, each with its permalink and time.

Sources studied (read, not copied), and what each taught:

- kevinzg/facebook-scraper ``facebook_scraper/extractors.py`` (``PostExtractor``) and
  ``page_iterators.py`` (``PageParser``): posts are ``article[data-ft]`` / ``div.async_like[data-ft]``
  on m.facebook.com; the post id is ``data-ft`` ``top_level_post_id``, the author's numeric id
  ``content_owner_id_new``, a share's ``original_content_id`` / ``original_content_owner_id``; the
  exact time ``page_insights.<ID>.post_context.publish_time`` (Unix seconds) before the ``abbr`` text
  (relative and local, so not read here); post URLs ``/story.php?story_fbid=…&id=…`` (other query
  parameters dropped) and ``/ACCOUNT/posts/ID``; counts from "N Like / others reacted", "N comment",
  "N Share"; "This content isn't available at the moment"; paging by ``/page_content`` and
  ``/profile/timeline/stream/?cursor`` links.
- snscrape ``modules/facebook.py``: the page id from ``al:android:url`` (``fb://page/ID``); www posts
  as ``div._5pcr`` / ``userContentWrapper`` not nested in another, the permalink ``a._5pcq``, the time
  ``abbr._5ptz[data-utime]``, the text ``div._5pbx`` / ``userContent``; permalink cleaning
  (``permalink.php`` keeps ``story_fbid`` and ``id``, ``photo.php`` keeps ``fbid``,
  ``/NAME/posts/ID`` drops the query); "N people like / follow this".
- yt-dlp ``yt_dlp/extractor/facebook.py``: post and video URL forms (``story_fbid=`` numeric or
  ``pfbid…``, ``/NAME/posts/pfbid…``, ``permalink.php?story_fbid=pfbid…&id=…``); ``owner.id``,
  ``publish_time`` / ``creation_time``; the login form ``id="login_form"`` / ``id="loginbutton"`` as
  a login wall.
- mikf/gallery-dl ``gallery_dl/extractor/facebook.py``: a user id that is a ``pfbid…`` token is not
  the numeric id (``"userID"`` is); ``"userVanity"`` for the name; a redirect to ``/login`` as a
  login wall; the ``"This content isn't available right now"`` props title.
- earlier: other m./mbasic scrapers (``multi_permalinks=`` ids), auto-archiver's warning phrases, the
  "bling" ``aria-label`` ("91,885 likes 28,043 comments 15,908 shares"). That the logged-out viewer is
  ``"USER_ID":"0"`` and that ``fb://page/?id=`` is the iOS form is from general knowledge of today's
  pages.

Where each field comes from:

- account id: ``al:android:url`` / ``al:ios:url`` meta (``fb://page/ID``, ``fb://page/?id=ID``,
  ``fb://profile/ID``), else ``og:url`` ``profile.php?id=ID``, else the script data (``"pageID"``,
  ``"userID"``, ``"entity_id"``, ``"profile_id"``; zero, the logged-out viewer, is refused). Two
  different ids are said in a note, the meta's kept.
- handle: ``"userVanity"`` in the scripts, else the ``og:url`` path (``facebook.com/NAME/``). A new
  vanity name with the same page id is a rename, not another account.
- display name ``og:title``; counts from ``og:description`` ("12,480 likes · 37 talking about this · 3
  were here", raw text kept) or "N people like / follow this"; bio the rest of ``og:description``;
  avatar ``og:image``.
- posts: ``div._5pcr``, ``article[data-ft]`` and ``[role=article]`` blocks (outermost only): id
  ``data-ft.top_level_post_id``, else from the permalink (``story_fbid``, ``multi_permalinks``,
  ``/posts/ID`` or ``/posts/pfbid…``, ``fbid``, ``/videos/ID``); permalink ``a._5pcq`` or the first
  post link, tracking parameters dropped (the href as linked kept as raw); author ``data-ft``
  ``content_owner_id_new`` (a numeric id); shared post ``data-ft`` ``original_content_id`` of
  ``original_content_owner_id`` as ``https://www.facebook.com/OWNER/posts/ID``; time
  ``abbr[data-utime]`` else ``data-ft`` ``page_insights.<ID>.post_context.publish_time`` (both Unix
  seconds, the digits kept as raw); text ``._5pbx`` / ``.userContent`` /
  ``[data-ad-preview=message]`` / ``[data-testid=post_message]`` (the first: the post's own words,
  not a shared post's); counts from an ``aria-label`` like "91 likes 28 comments 15 shares" (as
  shown, raw kept); photos ``img`` inside ``/photos/`` or ``photo.php`` links.

Not read: the Comet GraphQL payloads (``RelayPrefetchedStreamCache``, ``"owner":{…}``,
``share_count_reduced``, ``total_comment_count``) of today's logged-in feed, m.facebook.com's
``abbr[data-store]`` times and ``/page_content`` paging, and ``{"__dr":"CometErrorRoot.react"}``
(gallery-dl's "temporarily blocked" page), for want of a faithful fixture of each.

Walls: the redirect to ``/login/`` (``?next=``) or to ``/checkpoint/``, "You must log in to continue",
a login form where no post is shown, "This page isn't available" (not-found) and "This content isn't
available right now" (``restricted``: Facebook's own words say it may be shared with a small group,
its audience changed, or deleted; it is not called deleted).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from ..model import Media, Post, Profile, Source, Value
from ..views import View, meta, parse_count, text_of
from ..walls import Marker
from .common import Page, add_post, pages, set_once
from .embedded import regex_in_scripts
from .generic import read_standards

NAME = "facebook"
VERSION = "3"
HOSTS = ("facebook.com", "fb.com", "fb.me")
POSTS_CSS = "[role='article'], div._5pcr, article[data-ft]"
PAGING = "scroll"
_POSTS_XPATH = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' _5pcr ')] | //*[@role='article'] | //article[@data-ft]"
)
WALLS = (
    Marker("login-wall", "Facebook redirected to its login page", url=r"/login(\.php|/)?(\?|/|$)"),
    Marker("bot-check", "Facebook redirected to a security checkpoint", url=r"/checkpoint/"),
    Marker("login-wall", "Facebook says you must log in to continue", html=r"you must log in to continue"),
    Marker(
        "login-wall",
        "Facebook shows its login form and no post",
        xpath=f".//form[@id='login_form' or contains(@action, '/login')][not({_POSTS_XPATH})]",
    ),
    Marker("not-found", "Facebook says this page isn't available", html=r"this page isn.t available"),
    Marker(
        "restricted",
        "Facebook says this content isn't available right now (it may be shared with a small group, "
        "its audience changed, or deleted)",
        html=r"this content isn.t available",
    ),
)
_APP_ID = re.compile(r"^fb://(?:page|profile)/(?:\?id=)?(\d+)")
_COUNT = re.compile(
    r"(\d[\d.,\u00a0\u202f ]*\s*[KkMm]?)\s+(people like this|people follow this|likes?|followers?|"
    r"talking about this|were here)\b"
)
_COUNT_NAMES = {
    "like": "likes",
    "likes": "likes",
    "people like this": "likes",
    "follower": "followers",
    "followers": "followers",
    "people follow this": "followers",
    "talking about this": "talking_about",
    "were here": "checkins",
}
_POST_LINK = re.compile(
    r"/(permalink\.php|story\.php)\?|/[^/?#]+/posts/[^/?#]+|/photo\.php\?|/[^/?#]+/(photos|videos)/|/groups/[^/]+/permalink/\d+"
)
_REACTIONS = re.compile(r"(\d[\d.,]*\s*[KkMm]?)\s+(likes?|reactions?|comments?|shares?)\b", re.I)


def detect(url: str, html: str) -> int:
    """Facebook's own fingerprints; its CDN alone scores low (Instagram pages load from it too)."""
    weights = {'"userVanity"': 3, 'content="fb://': 3, 'id="facebook"': 2, "static.xx.fbcdn.net": 1}
    return sum(weight for mark, weight in weights.items() if mark in html)


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    ids: list[Value] = []
    for page in pages(view):
        ids += _meta_ids(profile, page)
        _header(profile, page)
        for block in _blocks(page):
            post = _post(page, block)
            if post is not None:
                add_post(profile, post)
    for pattern in (
        r'"pageID"\s*:\s*"([1-9]\d*)"',
        r'"userID"\s*:\s*"([1-9]\d*)"',
        r'"entity_id"\s*:\s*"([1-9]\d*)"',
        r'"profile_id"\s*:\s*"?([1-9]\d*)',
    ):
        found = regex_in_scripts(view, pattern)
        if found is not None:
            ids.append(found)
    if ids:
        profile.account_id = ids[0]
        others = sorted({str(i.value) for i in ids} - {str(ids[0].value)})
        if others:
            profile.notes.append(
                f"the page also names other numeric ids ({', '.join(others)}); the first, "
                f"{ids[0].value}, from {ids[0].raw or 'the page'}, is kept"
            )
    vanity = regex_in_scripts(view, r'"userVanity"\s*:\s*"([\w.]+)"')
    if vanity is not None:
        profile.handle = vanity
    read_standards(profile, view)
    return profile


def _meta_ids(profile: Profile, page: Page) -> list[Value]:
    out = []
    for name in ("al:android:url", "al:ios:url"):
        found = meta(page.root, name)
        match = _APP_ID.match(found[0]) if found else None
        if found and match:
            out.append(page.value(found[1], match.group(1), found[0]))
    url = meta(page.root, "og:url")
    if url:
        parts = urlsplit(url[0])
        query = parse_qs(parts.query)
        if parts.path.rstrip("/") == "/profile.php" and query.get("id", [""])[0].isdigit():
            out.append(page.value(url[1], query["id"][0], url[0]))
        else:
            segments = [s for s in parts.path.split("/") if s]
            if segments and re.fullmatch(r"[\w.]{2,64}", segments[0]) and segments[0] not in ("pages", "people"):
                set_once(profile, "handle", page.value(url[1], segments[0], url[0]))
    return out


def _header(profile: Profile, page: Page) -> None:
    title = meta(page.root, "og:title")
    if title:
        set_once(profile, "display_name", page.value(title[1], title[0]))
    image = meta(page.root, "og:image")
    if image and profile.avatar is None:
        profile.avatar = Media(urljoin(page.url, image[0]), "avatar", page.at(image[1]))
    description = meta(page.root, "og:description") or meta(page.root, "description")
    if description:
        text, element = description
        last = None
        for match in _COUNT.finditer(text):
            number = parse_count(match.group(1))
            name = _COUNT_NAMES[match.group(2).lower()]
            if number is not None and name not in profile.counts:
                profile.counts[name] = page.value(element, number, match.group(0))
            last = match
        rest = text[last.end() :].lstrip(" ·.").strip() if last else text
        if rest:
            set_once(profile, "bio", page.value(element, rest, text))
    for element in page.root.xpath(".//div[contains(@class, '_4bl9')]"):  # "12,480 people like this"
        said = text_of(element)
        whole = _COUNT.fullmatch(said)
        if whole:
            number = parse_count(whole.group(1))
            name = _COUNT_NAMES[whole.group(2).lower()]
            if number is not None and name not in profile.counts:
                profile.counts[name] = page.value(element, number, said)


def _blocks(page: Page) -> list[Any]:
    """Post blocks, outermost only (a shared post's inner block is part of the outer one)."""
    found = page.root.xpath(_POSTS_XPATH.replace("//", ".//"))
    chosen = set(found)
    return [b for b in found if not any(a in chosen for a in b.iterancestors())]


def clean_permalink(url: str) -> str:
    """A post's link without Facebook's tracking parameters (the rules snscrape documents)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    path = parts.path
    if path in ("/permalink.php", "/story.php") and "story_fbid" in query:
        keep = [("story_fbid", query["story_fbid"][0])] + ([("id", query["id"][0])] if "id" in query else [])
        return urlunsplit((parts.scheme, parts.netloc, path, urlencode(keep), ""))
    if path == "/photo.php" and "fbid" in query:
        return urlunsplit((parts.scheme, parts.netloc, path, urlencode([("fbid", query["fbid"][0])]), ""))
    if re.search(r"/(posts|permalink|videos|photos)/", path):
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return url


def post_id_of(url: str) -> str | None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for key in ("story_fbid", "fbid", "multi_permalinks"):
        if key in query:
            return query[key][0]
    match = re.search(r"/(?:posts|permalink|videos)/([\w]+)", parts.path)
    return match.group(1) if match else None


def _data_ft(block: Any) -> tuple[Any, dict[str, Any]] | None:
    # www's feed story wrapper (div._5jmm) carries it above the post block; m. and mbasic on <article>.
    for element in [*reversed(block.xpath("ancestor-or-self::*[@data-ft]")), *block.xpath(".//*[@data-ft]")]:
        raw = element.get("data-ft")
        if raw and "top_level_post_id" in raw:
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if isinstance(data, dict):
                return element, data
    return None


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _post(page: Page, block: Any) -> Post | None:
    ft = _data_ft(block)
    links = block.xpath(".//a[contains(concat(' ', normalize-space(@class), ' '), ' _5pcq ')][@href]") or [
        a for a in block.xpath(".//a[@href]") if _POST_LINK.search(a.get("href") or "")
    ]
    permalink = None
    if links:
        href = urljoin(page.url, links[0].get("href"))
        permalink = page.value(links[0], clean_permalink(href), href)
    ident: Value | None = None
    if ft is not None and str(ft[1].get("top_level_post_id") or "").isdigit():
        ident = Value(str(ft[1]["top_level_post_id"]), _ft_source(page, ft[0], "$.top_level_post_id"))
    elif permalink is not None and post_id_of(str(permalink.value)):
        ident = Value(post_id_of(str(permalink.value)), permalink.source, str(permalink.value))
    if ident is None:
        return None
    post = Post(id=ident, permalink=permalink)
    if ft is not None:
        _ft_owner_and_share(page, post, ft)
    stamp = block.xpath(".//abbr[@data-utime]")
    if stamp and (stamp[0].get("data-utime") or "").isdigit():
        post.published = page.value(stamp[0], _iso(int(stamp[0].get("data-utime"))), stamp[0].get("data-utime"))
    elif ft is not None:
        for key, insight in (ft[1].get("page_insights") or {}).items():
            when = (insight or {}).get("post_context", {}).get("publish_time")
            if isinstance(when, int):
                path = f"$.page_insights[{json.dumps(key)}].post_context.publish_time"
                post.published = Value(_iso(when), _ft_source(page, ft[0], path), str(when))
                break
    body = block.xpath(
        ".//*[contains(concat(' ', normalize-space(@class), ' '), ' _5pbx ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' userContent ')"
        " or @data-ad-preview='message' or @data-testid='post_message']"
    )
    if body:
        post.text = page.value(body[0], text_of(body[0]))
    for element in block.xpath(".//*[@aria-label]"):
        for match in _REACTIONS.finditer(element.get("aria-label") or ""):
            number = parse_count(match.group(1))
            word = match.group(2).lower().rstrip("s")
            name = {"like": "likes", "reaction": "likes", "comment": "replies", "share": "shares"}[word]
            if number is not None and name not in post.counts:
                post.counts[name] = page.value(element, number, match.group(0))
    for image in block.xpath(".//a[contains(@href, '/photos/') or contains(@href, 'photo.php')]//img[@src]"):
        post.media.append(Media(urljoin(page.url, image.get("src")), "photo", page.at(image)))
    return post


def _ft_owner_and_share(page: Page, post: Post, ft: tuple[Any, dict[str, Any]]) -> None:
    """From the story's ``data-ft`` (as facebook-scraper reads it): the author's numeric id
    (``content_owner_id_new``) and, for a share, the shared post (``original_content_id`` of
    ``original_content_owner_id``), named by Facebook's ``/OWNER/posts/ID`` permalink form."""
    element, data = ft
    owner = str(data.get("content_owner_id_new") or "")
    if owner.isdigit() and owner != "0":
        post.author = Value(owner, _ft_source(page, element, "$.content_owner_id_new"))
    shared, shared_owner = str(data.get("original_content_id") or ""), str(data.get("original_content_owner_id") or "")
    if shared.isdigit() and shared_owner.isdigit():
        post.forwarded_from = Value(
            f"https://www.facebook.com/{shared_owner}/posts/{shared}",
            _ft_source(page, element, "$.original_content_id"),
            shared,
        )


def _ft_source(page: Page, element: Any, path: str) -> Source:
    """A value inside an element's ``data-ft`` JSON: the element's selector and the path in that JSON."""
    return _attr_source(page, element, "data-ft", path)


def _attr_source(page: Page, element: Any, attribute: str, path: str) -> Source:
    """A value inside an element's JSON attribute: the element's selector, the attribute, the JSON path."""
    source = page.at(element)
    return Source(
        url=source.url,
        warc_record_id=source.warc_record_id,
        css_selector=f"{source.css_selector} @{attribute}",
        json_path=path,
        dom=source.dom,
    )
