"""Telegram public channels, read from the web preview ``t.me/s/NAME``.

What the preview publishes without login: the header (``tgme_channel_info_header_title``,
``_username``, ``_description``, the ``tgme_channel_info_counter`` values with their raw text), and the
last ~20 messages (``tgme_widget_message[data-post="NAME/ID"]``, ``time[datetime]``, views, photo /
video / document wraps, forwarded-from, replies). Older messages come from ``?before=ID`` pages, which
the reader fetches through the capture's browser. The channel's numeric id is published only as the
``data-peer`` attribute some previews carry (``c<id>_…``); without it the handle is the key.

A channel whose preview is not available (restricted, or a private group) redirects ``/s/NAME`` to
``t.me/NAME``: that is the ``restricted`` wall, never an empty channel.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..model import Media, Post, Profile, Source, Value, Wall
from ..views import View, by_class, first_class, parse_count, text_of
from ..walls import Marker
from .common import Page, add_link, add_post, answered, pages, set_once

NAME = "telegram"
VERSION = "1"
HOSTS = ("t.me", "telegram.me")
POSTS_CSS = ".tgme_widget_message[data-post]"
# the account's own words about itself (bio): wall phrases there are what it wrote, not a wall
OWN_TEXT_CSS = ".tgme_channel_info_description, .tgme_page_description"
PAGING = "before"
WALLS = (
    Marker(
        "restricted",
        "the channel's preview is not available to logged-out visitors (t.me shows only its invitation page)",
        xpath=".//*[contains(concat(' ', normalize-space(@class), ' '), ' tgme_page_extra ')]"
        "[not(ancestor::*[contains(@class, 'tgme_channel_info')])]",
    ),
)
_BACKGROUND = re.compile(r"background-image\s*:\s*url\(['\"]?([^'\")]+)")


def detect(url: str, html: str) -> int:
    """Markup fingerprints of the preview (a mirror or a saved copy has them too)."""
    score = 0
    for mark in ("tgme_channel_info", "tgme_widget_message", "tgme_page_extra", "telegram.org/js/telegram-web"):
        if mark in html:
            score += 3
    return score


def handle_of(url: str) -> str | None:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and segments[0] == "s":
        segments = segments[1:]
    return segments[0] if segments else None


def _read(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    asked = handle_of(view.url)
    final = view.final_url or view.url
    hops = view.redirects()
    redirect = redirect_wall(view.url, final, hops[0].source() if hops else Source(url=final))
    if redirect is not None:
        profile.walls.append(redirect)
    for page in pages(view):
        _header(profile, page)
        for message in page.root.xpath(
            ".//*[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message ')][@data-post]"
        ):
            post = _message(page, message)
            if post is not None:
                add_post(profile, post)
    if profile.handle is None and asked and not profile.walls:
        profile.notes.append("the handle was not on the page; taken from the URL")
        profile.handle = Value(asked, Source(url=view.url))
    profile.posts.sort(key=lambda p: _number(p.id.value), reverse=True)
    if profile.posts and min(_number(p.id.value) for p in profile.posts) <= 1:
        profile.reached_end = True
    for page in pages(view):  # "older" link absent on the oldest page read: the channel's start was reached
        if (
            page.response is not None
            and "before=" in page.url
            and not page.root.xpath(".//link[@rel='prev']|.//a[contains(@class, 'tme_messages_more')][@data-before]")
            and answered(
                page, WALLS, f"{POSTS_CSS}, {OWN_TEXT_CSS}"
            )  # not a 429, an error or a login page: those end nothing
        ):
            profile.reached_end = True
    return profile


def redirect_wall(asked_url: str, final_url: str, evidence: Source) -> Wall | None:
    """``/s/NAME`` that ended at ``/NAME``: the preview is withheld (restricted channel, or a group)."""
    asked = handle_of(asked_url)
    if not asked or not urlsplit(asked_url).path.startswith("/s/"):
        return None
    if urlsplit(final_url).path.rstrip("/") != f"/{asked}":
        return None
    return Wall(
        "restricted",
        f"the preview /s/{asked} redirected to /{asked}: t.me does not show this channel to logged-out visitors",
        evidence,
    )


def _number(post_id: Any) -> int:
    tail = str(post_id).rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _header(profile: Profile, page: Page) -> None:
    info = first_class(page.root, "tgme_channel_info")
    if info is None:
        return
    title = first_class(info, "tgme_channel_info_header_title")
    if title is not None:
        set_once(profile, "display_name", page.value(title, text_of(title)))
        badge = first_class(title, "verified-icon")
        if badge is not None:
            set_once(profile, "verified", page.value(badge, True))
    username = first_class(info, "tgme_channel_info_header_username")
    if username is not None:
        raw = text_of(username)
        set_once(profile, "handle", page.value(username, raw.lstrip("@"), raw))
    description = first_class(info, "tgme_channel_info_description")
    if description is not None:
        set_once(profile, "bio", page.value(description, text_of(description)))
        for link in description.xpath(".//a[@href]"):
            add_link(profile, page.value(link, urljoin(page.url, link.get("href"))))
    photo = info.xpath(".//*[contains(@class, 'tgme_page_photo_image')]//img[@src]")
    if photo and profile.avatar is None:
        profile.avatar = Media(urljoin(page.url, photo[0].get("src")), "avatar", page.at(photo[0]))
    for counter in by_class(info, "tgme_channel_info_counter"):
        value, kind = first_class(counter, "counter_value"), first_class(counter, "counter_type")
        if value is None or kind is None:
            continue
        raw = text_of(value)
        number = parse_count(raw)
        name = text_of(kind).lower()
        name = {"subscriber": "subscribers", "member": "members"}.get(name, name)
        if number is not None and name not in profile.counts:
            profile.counts[name] = page.value(value, number, f"{raw} {text_of(kind)}")


def _message(page: Page, message: Any) -> Post | None:
    data_post = message.get("data-post") or ""
    if "/" not in data_post:
        return None
    channel, _, number = data_post.partition("/")
    # The message number is the post's id within the channel: it survives a rename of the channel.
    post = Post(id=page.value(message, number, data_post))
    date = message.xpath(".//a[contains(@class, 'tgme_widget_message_date')]")
    post.permalink = (
        page.value(date[0], date[0].get("href"))
        if date and date[0].get("href")
        else Value(f"https://t.me/{data_post}", page.at(message), data_post)
    )
    times = message.xpath(".//a[contains(@class, 'tgme_widget_message_date')]//time[@datetime]") or message.xpath(
        ".//time[@datetime]"
    )
    if times:
        post.published = page.value(times[0], times[0].get("datetime"))
    meta = first_class(message, "tgme_widget_message_meta")
    if meta is not None and re.search(r"\bedited\b", text_of(meta), re.I):
        post.edited = page.value(meta, True, text_of(meta))
    owner = message.xpath(".//*[contains(@class, 'tgme_widget_message_owner_name')]")
    post.author = page.value(owner[0], text_of(owner[0])) if owner else Value(channel, page.at(message), data_post)
    text = message.xpath(
        ".//*[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_text ')]"
        "[not(ancestor::*[contains(@class, 'tgme_widget_message_reply')])]"
    )
    if text:
        post.text = page.value(text[0], text_of(text[0]))
    forwarded = first_class(message, "tgme_widget_message_forwarded_from_name")
    if forwarded is not None:
        post.forwarded_from = page.value(
            forwarded,
            urljoin(page.url, forwarded.get("href") or "") if forwarded.get("href") else text_of(forwarded),
            text_of(forwarded),
        )
    reply = message.xpath(
        ".//a[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_reply ')][@href]"
    )
    if reply:  # raw: whom it quotes and what (the preview shows both above the reply)
        quoted = [
            text_of(e)
            for e in (
                *by_class(reply[0], "tgme_widget_message_author_name"),
                *by_class(reply[0], "tgme_widget_message_text"),
            )
        ]
        raw = ": ".join(t for t in quoted if t) or None
        post.reply_to = page.value(reply[0], urljoin(page.url, reply[0].get("href")), raw)
    views = first_class(message, "tgme_widget_message_views")
    if views is not None:
        raw = text_of(views)
        count = parse_count(raw)
        if count is not None:
            post.counts["views"] = page.value(views, count, raw)
    post.media = _media(page, message, data_post)
    return post if number.isdigit() else None


def _own(message: Any, name: str) -> list[Any]:
    """Elements of class ``name`` in the message itself, not in the post it replies to."""
    return [
        e for e in by_class(message, name) if not e.xpath("ancestor::*[contains(@class, 'tgme_widget_message_reply')]")
    ]


def _media(page: Page, message: Any, data_post: str) -> list[Media]:
    """The message's photos (a wrap's CSS background), videos (``<video src>`` and the thumbnail shown
    before it plays, with its duration) and documents (title and size: the preview links the message,
    never the file)."""
    out: list[Media] = []
    for wrap in _own(message, "tgme_widget_message_photo_wrap"):
        found = _BACKGROUND.search(wrap.get("style") or "")
        if found:
            out.append(Media(urljoin(page.url, found.group(1)), "photo", page.at(wrap)))
    for player in _own(message, "tgme_widget_message_video_player"):
        thumb = first_class(player, "tgme_widget_message_video_thumb")
        found = _BACKGROUND.search(thumb.get("style") or "") if thumb is not None else None
        details = {}
        duration = first_class(player, "message_video_duration")
        if duration is not None and text_of(duration):
            details["duration"] = page.value(duration, text_of(duration))
        for video in player.xpath(".//video[@src]"):
            out.append(Media(urljoin(page.url, video.get("src")), "video", page.at(video), details=details))
        if found and thumb is not None:
            out.append(Media(urljoin(page.url, found.group(1)), "thumbnail", page.at(thumb)))
    for document in _own(message, "tgme_widget_message_document_wrap"):
        title = first_class(document, "tgme_widget_message_document_title")
        extra = first_class(document, "tgme_widget_message_document_extra")
        details = {}
        if title is not None and text_of(title):
            details["title"] = page.value(title, text_of(title))
        if extra is not None and text_of(extra):
            details["size"] = page.value(extra, text_of(extra))
        href = urljoin(page.url, document.get("href") or f"/{data_post}")
        out.append(Media(href, "document", page.at(document), details=details))
    return out


def channel_id(view: View, handle: str | None) -> tuple[Value | None, str | None]:
    """The numeric id some previews carry in ``data-peer`` (``c1006503122_…``) on the channel's own
    messages (``data-post="HANDLE/N"``), and a note when none can be trusted. An attribute anywhere
    else (another element, a message of another channel) is not the channel's id; two different ids
    are none."""
    if not handle:
        return None, None
    found: dict[str, Value] = {}
    for page in pages(view):
        for element in page.root.xpath(
            ".//*[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message ')][@data-post][@data-peer]"
        ):
            if (element.get("data-post") or "").split("/", 1)[0].lower() != handle.lower():
                continue
            match = re.match(r"c?(\d+)_", element.get("data-peer") or "")
            if match:
                found.setdefault(match.group(1), page.value(element, match.group(1), element.get("data-peer")))
    if len(found) > 1:
        return None, f"the channel's messages carry different numeric ids ({', '.join(sorted(found))}): none is taken"
    return next(iter(found.values()), None), None


def extract(view: View) -> Profile:
    """The channel as the stored preview pages show it; the numeric id last, from any page carrying it."""
    profile = _read(view)
    handle = str(profile.handle.value).lstrip("@") if profile.handle is not None else None
    found, problem = channel_id(view, handle)
    if problem:
        profile.notes.append(problem)
    if found is not None:
        profile.account_id = found
    elif profile.handle is not None:
        profile.notes.append("the preview publishes no numeric channel id: the handle is the account's key")
    return profile
