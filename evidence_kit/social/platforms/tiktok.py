"""TikTok profiles: the rehydration JSON (``__UNIVERSAL_DATA_FOR_REHYDRATION__``, older ``SIGI_STATE``).

``userInfo.user.id`` is the stable numeric id, ``uniqueId`` the handle (it can change), ``secUid`` the
id the web API uses; ``userInfo.stats`` the counts. Videos come from the ``itemList`` of the item-list
API answers (``/api/post/item_list/?secUid=…&cursor=…&count=…``): the first one the page's own script
fetched, the next ones the reader fetched through the page with each answer's ``cursor`` until
``hasMore`` was false (they are all in the WARC). Each item: ``id``, ``createTime``, ``desc``,
``stats`` (plays, likes, comments, shares), ``video.cover`` and ``video.playAddr``. ``statusCode``
10202 / 10221 / 10222 say not found / banned / private.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..model import Media, Post, Profile, Value, Wall
from ..views import Response, View
from ..walls import Marker
from .common import Page, add_post, find_key, json_docs, json_value, pages, script_value
from .embedded import count, fill, first_key, script_docs
from .generic import read_standards

NAME = "tiktok"
VERSION = "1"
HOSTS = ("tiktok.com",)
POSTS_CSS = "[data-e2e='user-post-item'], a[href*='/video/']"
# the account's own words about itself (bio): wall phrases there are what it wrote, not a wall
OWN_TEXT_CSS = "[data-e2e='user-bio']"
PAGING = "item-list"  # the reader pages /api/post/item_list/ by its cursor (reader._item_list)
WALLS = (
    Marker(
        "bot-check", "TikTok showed its captcha", xpath=".//*[contains(@class, 'captcha') or contains(@id, 'captcha')]"
    ),
    Marker("private", "TikTok says the account is private", html=r"this account is private"),
    Marker("not-found", "TikTok says it couldn't find this account", html=r"couldn.t find this account"),
)
STATUS_WALLS = {10202: "not-found", 10221: "suspended", 10222: "private"}


def detect(url: str, html: str) -> int:
    return 6 if "__UNIVERSAL_DATA_FOR_REHYDRATION__" in html or "SIGI_STATE" in html else 0


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    user = _user(view)
    if user is not None:
        page, script, path, data = user

        def v(key: str) -> Value | None:
            return script_value(page, script, f"{path}.{key}", data[key]) if data.get(key) not in (None, "") else None

        profile.account_id = v("id")
        fill(profile, "handle", v("uniqueId"))
        fill(profile, "display_name", v("nickname"))
        fill(profile, "bio", v("signature"))
        if data.get("verified") is not None:
            profile.verified = v("verified")
        sec = v("secUid")
        if sec is not None:
            profile.notes.append(f"secUid {sec.value}")
    for key, name in (
        ("followerCount", "followers"),
        ("followingCount", "following"),
        ("heartCount", "likes"),
        ("videoCount", "posts"),
    ):
        count(profile, name, first_key(view, key, lambda value: isinstance(value, int)))
    status = first_key(view, "statusCode", lambda value: isinstance(value, int) and value in STATUS_WALLS)
    if status is not None:
        profile.walls.append(
            Wall(STATUS_WALLS[status.value], f"the page's data says statusCode {status.value}", status.source)
        )
    for response, doc in json_docs(view):
        for path, items in find_key(doc, "itemList"):
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and item.get("id"):
                    add_post(profile, _item(profile, response, f"{path}[{index}]", item))
        if isinstance(doc, dict) and doc.get("hasMore") is False and isinstance(doc.get("itemList"), list):
            profile.reached_end = True  # the last page of the account's videos was read
    profile.posts.sort(key=lambda p: str(p.published.value) if p.published else "", reverse=True)
    read_standards(profile, view)
    return profile


def _item(profile: Profile, response: Response, at: str, item: dict[str, Any]) -> Post:
    """One video of an item-list answer, every value with its JSON path in that answer."""

    def v(sub: str, value: Any, raw: str | None = None) -> Value:
        return json_value(response, at + sub, value, raw)

    post = Post(id=v(".id", str(item["id"])))
    if item.get("isPinnedItem") is True:
        post.pinned = v(".isPinnedItem", True)
    author: dict[str, Any] = item["author"] if isinstance(item.get("author"), dict) else {}
    handle = author.get("uniqueId") or (profile.handle.value if profile.handle else None)
    if handle:
        post.permalink = v(".id", f"https://www.tiktok.com/@{handle}/video/{item['id']}")
    if isinstance(author.get("uniqueId"), str):
        post.author = v(".author.uniqueId", author["uniqueId"])
    if isinstance(item.get("desc"), str):
        post.text = v(".desc", item["desc"])
    if isinstance(item.get("createTime"), int):
        when = datetime.fromtimestamp(item["createTime"], UTC).isoformat().replace("+00:00", "Z")
        post.published = v(".createTime", when, str(item["createTime"]))
    stats: dict[str, Any] = item["stats"] if isinstance(item.get("stats"), dict) else {}
    for key, name in (
        ("playCount", "views"),
        ("diggCount", "likes"),
        ("commentCount", "replies"),
        ("shareCount", "shares"),
    ):
        if isinstance(stats.get(key), int):
            post.counts[name] = v(f".stats.{key}", stats[key])
    video: dict[str, Any] = item["video"] if isinstance(item.get("video"), dict) else {}
    for key, kind in (("cover", "thumbnail"), ("playAddr", "video")):
        if isinstance(video.get(key), str) and video[key].startswith("http"):
            post.media.append(Media(video[key], kind, response.source(json_path=f"{at}.video.{key}")))
    return post


def _user(view: View) -> tuple[Page, Any, str, dict[str, Any]] | None:
    for page in pages(view):
        for script, data in script_docs(page):
            for path, info in find_key(data, "userInfo"):
                user = info.get("user") if isinstance(info, dict) else None
                if isinstance(user, dict) and user.get("id"):
                    return page, script, f"{path}.user", user
    return None
