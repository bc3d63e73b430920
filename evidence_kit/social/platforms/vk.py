"""VK (vk.com) public pages: a user's page (``/id<N>`` or a chosen name), a community (``/club<N>``,
``/public<N>`` or a chosen name) and its wall, read from the desktop page VK serves logged out.

Studied (not copied), with what each field comes from:

- snscrape ``modules/vkontakte.py`` (the most complete public reader of VK's markup): the display name
  is ``h1.page_name`` (a ``.page_verified`` badge inside it), the status line ``#page_current_info``,
  a community's description the ``.group_info_row[title=Description]``, outside links go through
  ``/away.php?to=URL``, followers are the ``#public_followers`` header's ``.header_count`` (on user pages
  ``.counts_module a.page_counter`` ``.count`` / ``.label``). Wall posts are ``div.post``; the post's
  ``data-post-id`` is ``OWNER_POST`` (the owner id negative for a community), its permalink the
  ``a.post_link`` → ``/wall-OWNER_POST``, its time ``div.post_date .rel_date`` whose ``time`` attribute
  is a Unix time (the text, "3 Jan 2026 at 10:00 am", is Moscow time and only a fallback), its text
  ``div.wall_post_text``, photos the ``a.page_post_thumb_wrap`` background images, a shared post's
  original in ``.copy_quote``, a pinned post carries ``post_fixed`` (snscrape passes its id apart from
  the offset, which counts the other posts). The owner id of the wall is the first part of its posts'
  ``data-post-id``. A closed profile shows ``div.profile_closed_wall_dummy``; a deleted or blocked page
  ``h5.profile_deleted_text``; a name that does not exist answers 404. Older posts: snscrape asks
  ``al_wall.php`` (``act=get_wall``, ``offset``, ``own``) and stops at VK's ``.no_posts`` block; the
  plain-GET form of the same paging is the page's own ``?offset=N&own=1`` (its "Show more" link), which
  is what the reader fetches here, through the capture's browser.
- gallery-dl ``extractor/vk.py``: a user's numeric id is the ``og:url`` ``https://vk.com/id<N>``; for a
  community, ``data-from-id``; the title is ``NAME | VK``; a redirect to ``/challenge.html`` is a bot
  check.
- yt-dlp ``extractor/vk.py``: a post is addressed as ``wall-OWNER_POST`` (the same id as above).

The stable id is VK's owner id as the API writes it: the user's number, or minus the community's
number (``club218000111`` is ``-218000111``); it survives a change of the page's chosen name. The post id
is ``OWNER_POST``; its permalink is written ``https://vk.com/wall-OWNER_POST`` (what VK links to, also for
a copy read from a mirror).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit, urlunsplit

from ..model import Media, Post, Profile, Source, Value
from ..views import View, by_class, first_class, meta, parse_count, text_of
from ..walls import Marker
from .common import Page, add_link, add_post, pages, set_once
from .embedded import regex_in_scripts
from .generic import read_standards

NAME = "vk"
VERSION = "2"
HOSTS = ("vk.com", "vk.ru", "m.vk.com", "vkontakte.ru")
POSTS_CSS = ".post[data-post-id], ._post[data-post-id]"
# the account's own words about itself (bio): wall phrases there are what it wrote, not a wall
OWN_TEXT_CSS = ".group_info_row[title='Description'], #page_current_info"
PAGING = "offset"
PINNED_CSS = ".post_fixed[data-post-id]"  # a pinned post: above the first page, outside the offset's count
_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
_BLOCKED = "re:test(string(.), 'blocked|заблокирован|frozen|заморожен', 'i')"
WALLS = (
    Marker(
        "private",
        "VK shows the closed-profile notice instead of the wall (profile_closed_wall_dummy)",
        xpath=f".//*[{_CLASS.format('profile_closed_wall_dummy')}]",
    ),
    Marker(
        "suspended",
        "VK says the page is blocked (profile_deleted_text)",
        xpath=f".//*[{_CLASS.format('profile_deleted_text')}][{_BLOCKED}]",
    ),
    Marker(
        "not-found",
        "VK says the page has been deleted or was never created (profile_deleted_text)",
        xpath=f".//*[{_CLASS.format('profile_deleted_text')}][not({_BLOCKED})]",
    ),
    Marker("bot-check", "VK redirected to its challenge page", url=r"/challenge\.html"),
    Marker(
        "login-wall", "VK sent the visitor to its login page", url=r"(^https?://id\.vk\.(com|ru)/|/login\b|/join\b)"
    ),
)
_OWNER_URL = re.compile(r"^/(id|club|public|event)(\d+)/?$")
_BACKGROUND = re.compile(r"background-image\s*:\s*url\(['\"]?([^'\")]+)")


def detect(url: str, html: str) -> int:
    """Fingerprints of VK's pages (a mirror or a saved copy has them too)."""
    score = 0
    if re.search(r'<meta property="og:site_name" content="(VK|ВКонтакте)"', html):
        score += 3
    for mark in (
        "window.vk = ",
        "vk.com/js/",
        "userapi.com",
        "wall_post_text",
        "page_wall_posts",
        "profile_deleted_text",
    ):
        if mark in html:
            score += 2
    return score


def offset_url(page_url: str, read: int) -> str:
    """The wall page after the first ``read`` posts: ``?offset=N&own=1`` (the "Show more" link's form)."""
    parts = urlsplit(page_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"offset={read}&own=1", ""))


def owner_from_path(path: str) -> str | None:
    """``/id5`` → ``5``, ``/club7`` or ``/public7`` → ``-7``; a chosen name → None."""
    found = _OWNER_URL.match(path)
    if not found:
        return None
    return found.group(2) if found.group(1) == "id" else "-" + found.group(2)


def addresses(owner: str) -> set[str]:
    """The address names VK gives an owner id (``-7`` → ``club7``, ``public7``; ``5`` → ``id5``), so an
    investigator may name the account as VK's address bar does."""
    if re.fullmatch(r"-\d+", owner):
        return {f"club{owner[1:]}", f"public{owner[1:]}"}
    return {f"id{owner}"} if owner.isdigit() else set()


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    for page in pages(view):
        if page.response is not None or profile.handle is None:
            _header(profile, page)
        for element in page.root.xpath(f".//*[@data-post-id][{_CLASS.format('post')} or {_CLASS.format('_post')}]"):
            if element.xpath(f"ancestor::*[{_CLASS.format('copy_quote')}]"):
                continue
            post = _post(page, element)
            if post is not None:
                add_post(profile, post)
    profile.posts.sort(key=lambda p: str(p.published.value) if p.published else "", reverse=True)
    _owner(profile, view)
    if profile.handle is None:  # og:url gave the numeric address: the chosen name is the one visited
        segment = next((s for s in urlsplit(view.final_url or view.url).path.split("/") if s), None)
        if segment and owner_from_path("/" + segment) is None and not _deleted(view):
            profile.handle = Value(segment, Source(url=view.final_url or view.url))
            profile.notes.append("the handle was taken from the URL")
    profile.reached_end = _reached_end(profile, view)
    if not _deleted(view):
        read_standards(profile, view)  # JSON-LD, rel=me, feeds: only what VK's own markup did not give
    return profile


def _deleted(view: View) -> bool:
    return any(page.root.xpath(f".//*[{_CLASS.format('profile_deleted_text')}]") for page in pages(view))


def _header(profile: Profile, page: Page) -> None:
    """The page's own header: og:url, name, badge, status/description, links, counts, avatar."""
    found = meta(page.root, "og:url")
    if found:
        path = urlsplit(found[0]).path
        owner = owner_from_path(path)
        if owner is not None:
            set_once(profile, "account_id", page.value(found[1], owner, found[0]))
        elif path.strip("/") and "/" not in path.strip("/"):
            set_once(profile, "handle", page.value(found[1], path.strip("/"), found[0]))
    deleted = page.root.xpath(f".//*[{_CLASS.format('profile_deleted_text')}]")
    names = page.root.xpath(".//h1[contains(concat(' ', normalize-space(@class), ' '), ' page_name ')]")
    if names and not deleted:
        set_once(profile, "display_name", page.value(names[0], text_of(names[0])))
        badge = first_class(names[0], "page_verified")
        if badge is not None:
            set_once(profile, "verified", page.value(badge, True))
    description = page.root.xpath(".//*[contains(@class, 'group_info_row')][@title='Description']")
    status = page.root.xpath(".//*[@id='page_current_info']")
    for element in description[:1] + status[:1]:
        set_once(profile, "bio", page.value(element, text_of(element)))
    for row in page.root.xpath(".//*[@id='page_info_wrap']//a[@href]"):
        target = away(row.get("href") or "")
        if target:
            add_link(profile, page.value(row, target, row.get("href")))
    for header in page.root.xpath(".//*[@id='public_followers' or @id='profile_friends' or @id='profile_idols']"):
        label, count = first_class(header, "header_label"), first_class(header, "header_count")
        if label is not None and count is not None:
            _count(profile, page, count, text_of(label).lower(), text_of(count))
    for counter in page.root.xpath(".//*[contains(@class, 'counts_module')]//a[contains(@class, 'page_counter')]"):
        label, count = first_class(counter, "label"), first_class(counter, "count")
        if label is not None and count is not None:
            _count(profile, page, count, text_of(label).lower(), text_of(count))
    for tab in page.root.xpath(".//*[@id='wall_tabs']//*[contains(@class, 'ui_tab_sel')]"):
        count = first_class(tab, "ui_tab_count")
        if count is not None:
            _count(profile, page, count, "posts", " ".join(" ".join(tab.itertext()).split()))
    avatar = page.root.xpath(".//img[contains(@class, 'page_avatar_img')][@src]")
    if avatar and profile.avatar is None and not deleted:
        profile.avatar = Media(urljoin(page.url, avatar[0].get("src")), "avatar", page.at(avatar[0]))


def _count(profile: Profile, page: Page, element: Any, label: str, raw: str) -> None:
    name = {"follower": "followers", "member": "members", "members": "members", "friend": "friends"}.get(label, label)
    name = {"подписчики": "followers", "участники": "members", "друзья": "friends"}.get(name, name)
    number = parse_count(text_of(element))
    if number is not None and name and name not in profile.counts:
        profile.counts[name] = page.value(element, number, raw)


def away(href: str) -> str | None:
    """The target of VK's outside-link redirect ``/away.php?to=URL&…``."""
    parts = urlsplit(href)
    if not parts.path.endswith("/away.php"):
        return None
    target = parse_qs(parts.query).get("to")
    return unquote(target[0]) if target else None


def _post(page: Page, element: Any) -> Post | None:
    pid = element.get("data-post-id") or ""
    if not re.fullmatch(r"-?\d+_\d+", pid):
        return None
    post = Post(id=page.value(element, pid, f'data-post-id="{pid}"'))
    if "post_fixed" in (element.get("class") or "").split():
        post.pinned = page.value(element, True, 'class="post_fixed"')
    link = element.xpath(".//a[contains(@class, 'post_link') or contains(@class, 'PostHeaderSubtitle__link')][@href]")
    post.permalink = (
        page.value(link[0], f"https://vk.com/wall{pid}", link[0].get("href"))
        if link
        else Value(f"https://vk.com/wall{pid}", page.at(element), pid)
    )
    stamp = element.xpath(".//*[contains(@class, 'post_date') or contains(@class, 'PostHeaderSubtitle')]//*[@time]")
    if stamp and (stamp[0].get("time") or "").isdigit():
        when = datetime.fromtimestamp(int(stamp[0].get("time")), UTC).isoformat().replace("+00:00", "Z")
        post.published = page.value(stamp[0], when, f'time="{stamp[0].get("time")}" ({text_of(stamp[0])})')
    else:
        times = element.xpath(".//time[@datetime]")
        if times:
            post.published = page.value(times[0], times[0].get("datetime"))
    author = element.xpath(".//*[contains(@class, 'post_author')]//a[contains(@class, 'author')]")
    if author:
        post.author = page.value(author[0], text_of(author[0]))
    text = element.xpath(f".//*[{_CLASS.format('wall_post_text')}][not(ancestor::*[{_CLASS.format('copy_quote')}])]")
    if text:
        post.text = page.value(text[0], text_of(text[0]))
    quote = element.xpath(f".//*[{_CLASS.format('copy_quote')}]//a[contains(@class, 'published_by_date')][@href]")
    if quote:
        post.quote_of = page.value(quote[0], urljoin("https://vk.com/", quote[0].get("href")), quote[0].get("href"))
    for thumb in element.xpath(
        f".//a[{_CLASS.format('page_post_thumb_wrap')}][not(ancestor::*[{_CLASS.format('copy_quote')}])]"
    ):
        found = _BACKGROUND.search(thumb.get("style") or "")
        kind = "video" if thumb.get("data-video") else "photo"
        if found:
            post.media.append(Media(urljoin(page.url, found.group(1)), kind, page.at(thumb)))
    likes = element.xpath(".//*[@data-like-count]") or element.xpath(
        ".//*[contains(@class, 'like_button_count') or contains(@class, 'PostBottomAction__count')]"
    )
    if likes:
        raw = likes[0].get("data-like-count") or text_of(likes[0])
        number = parse_count(raw)
        if number is not None:
            post.counts["likes"] = page.value(likes[0], number, raw)
    views = by_class(element, "like_views")
    if views:
        raw = text_of(views[0])
        number = parse_count(raw)
        if number is not None:
            post.counts["views"] = page.value(views[0], number, raw)
    return post


def _owner(profile: Profile, view: View) -> None:
    """The owner id, when og:url did not give it: the owner part of the wall's own posts' ids (one owner
    only), else the community link's ``data-from-id``, else an ``"owner_id"`` in the page's scripts."""
    if profile.account_id is not None:
        return
    owners = {str(p.id.value).split("_", 1)[0] for p in profile.posts}
    if len(owners) == 1:
        first = profile.posts[0]
        owner = owners.pop()
        profile.account_id = Value(owner, first.id.source, first.id.raw)
        return
    if len(owners) > 1:
        profile.notes.append(f"the wall's posts carry different owner ids ({', '.join(sorted(owners))}): none is taken")
        return
    for page in pages(view):
        found = page.root.xpath(".//*[contains(@class, 'post_author')]//a[@data-from-id]")
        if found:
            profile.account_id = page.value(found[0], found[0].get("data-from-id"), found[0].get("data-from-id"))
            return
    found_id = regex_in_scripts(view, r'"owner_?[iI]d"\s*:\s*(-?\d+)')
    if found_id is not None:
        profile.account_id = found_id


def _reached_end(profile: Profile, view: View) -> bool:
    """The wall was read to its first post: a page read shows VK's "no posts" block past the end, or as
    many posts were read as the wall's tab counts."""
    for page in pages(view):
        if (
            page.response is not None
            and "offset=" in page.url
            and page.root.xpath(f".//*[{_CLASS.format('no_posts')}]")
        ):
            return True
    total = profile.counts.get("posts")
    return bool(total is not None and profile.posts and len(profile.posts) >= int(total.value))
