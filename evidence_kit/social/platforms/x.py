"""X (Twitter) accounts, read from the JSON answers X's own page scripts fetch, as the WARC recorded them.

What a logged-out visitor gets at ``x.com/NAME`` is an app shell (``<div id="react-root">``, scripts
from ``abs.twimg.com/responsive-web/``, ``window.__INITIAL_STATE__``) whose scripts then ask X's
GraphQL API, through the browser, for the account and its posts. The capture's browser records those
answers, so they are read here from the WARC; nothing is fetched by the extractor.

Sources studied (read, not copied): example GraphQL answers in trevorhobenshield/twitter-api-client
``examples/example_responses.md`` (a ``UserTweetsAndReplies`` entry: ``entryId``, ``sortIndex``,
``TimelineTimelineItem`` / ``TimelineTimelineModule``, ``tweet_results.result`` with ``rest_id``,
``core.user_results.result`` and ``legacy``); the timeline schema notes in vicnaum/vics-twitter-toolkit
(``instructions[]`` with ``entries`` or one ``entry``, cursor entries with ``cursorType`` and
``value``); TypeScript scraper types that split ``CoreUserRaw`` (``created_at``, ``name``,
``screen_name``, the 2025 layout) from ``LegacyUserRaw`` (``description``, ``entities.url.urls``,
counts); syndication scrapers reading ``<script id="__NEXT_DATA__">`` of
``syndication.twitter.com/srv/timeline-profile/screen-name/NAME``; gallery-dl
``extractor/twitter.py`` (an old, HTML-era version: its guest-token and rate-limit handling, 429 and
``x-rate-limit-remaining``). What snscrape, twscrape and yt-dlp do with ``UserUnavailable``,
``TweetWithVisibilityResults``, ``TweetTombstone`` and ``views.count`` is from general knowledge of
them, not re-read here; the stored-answer tests cover both layouts.

Where each field comes from (a JSON path into the recorded answer of ``/i/api/graphql/…/UserByScreenName``
or ``UserByRestId``, ``$.data.user.result``):

- account id: ``rest_id`` (the numeric id: it survives a rename); handle: ``core.screen_name`` else
  ``legacy.screen_name``; display name: ``core.name`` / ``legacy.name``; created: ``core.created_at`` /
  ``legacy.created_at`` (RFC 3339 here, X's text kept as raw); bio: ``legacy.description``; links:
  ``legacy.entities.url.urls[].expanded_url`` and ``legacy.entities.description.urls[].expanded_url``;
  counts: ``legacy.followers_count``, ``friends_count`` (following), ``statuses_count`` (posts),
  ``favourites_count`` (likes), ``media_count``; avatar: ``avatar.image_url`` /
  ``legacy.profile_image_url_https``; header: ``legacy.profile_banner_url``; verified:
  ``verification.verified`` / ``legacy.verified`` (X's own badge), else ``is_blue_verified`` (a paid
  X Premium check mark, said so in a note: it is not identity verification).
- posts: each ``UserTweets`` / ``UserTweetsAndReplies`` / ``UserMedia`` answer's
  ``…timeline.instructions[]`` (``TimelineAddEntries.entries[]``, ``TimelinePinEntry.entry``), entry
  ``content.itemContent.tweet_results.result`` (or a module's ``content.items[].item.itemContent``):
  id ``rest_id``; text ``legacy.full_text``; published ``legacy.created_at``; author the user in
  ``core.user_results.result``; permalink ``https://x.com/AUTHOR/status/ID``; a repost's original from
  ``legacy.retweeted_status_result.result``; a quote from ``quoted_status_result.result``; a reply from
  ``legacy.in_reply_to_screen_name`` + ``in_reply_to_status_id_str``; counts ``reply_count``,
  ``retweet_count`` (shares), ``quote_count``, ``favorite_count`` (likes), ``bookmark_count``,
  ``views.count``; media ``legacy.extended_entities.media[]`` (``media_url_https``, ``type``; a video's
  best ``video_info.variants[]``). The page asks for the next page with the bottom cursor
  (``cursor-bottom-…`` entry, ``content.value``) as the reader scrolls; an answer with no post entries
  is the timeline's end.
- the public syndication timeline ``syndication.twitter.com/srv/timeline-profile/screen-name/NAME``,
  when that page itself is captured: its ``<script id="__NEXT_DATA__">`` JSON,
  ``props.pageProps.timeline.entries[].content.tweet`` (``id_str``, ``created_at``, ``full_text`` /
  ``text``, ``permalink``, ``user``).

Walls: the redirect to ``/i/flow/login`` (and a "Log in to X" / "Sign in to X" title), "Account
suspended" or a ``UserUnavailable`` answer with ``reason: Suspended``, "This account doesn't exist" or a
``UserByScreenName`` answer with no user, "These posts are protected" or ``protected: true`` (the
header is still read: the account is there, its posts are not shown), and a 429 or error code 88 on
X's API (rate limit). Each is reported as that wall with the record it was seen in.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from ..model import Media, Post, Profile, Value, Wall
from ..views import Response, View
from ..walls import Marker
from .common import add_link, add_post, json_docs, json_value, pages, script_value
from .generic import read_standards

NAME = "x"
VERSION = "2"
HOSTS = ("x.com", "twitter.com", "mobile.twitter.com", "syndication.twitter.com")
POSTS_CSS = "article[data-testid='tweet']"
# the account's own words about itself (bio): wall phrases there are what it wrote, not a wall
OWN_TEXT_CSS = "[data-testid='UserDescription']"
PAGING = "scroll"
API_URLS = r"/i/api/(graphql|1\.1|2)/"  # the live reader says when the page's own API requests got a 429
WALLS = (
    Marker("login-wall", "X redirected to its login flow (/i/flow/login)", url=r"/i/flow/login"),
    Marker(
        "login-wall",
        "X shows its login page (title)",
        xpath=".//title[re:test(string(.), '^\\s*(log|sign) in to (x|twitter)\\b', 'i')]",
    ),
    Marker("suspended", "X says the account is suspended", html=r"\baccount suspended"),
    Marker("not-found", "X says the account doesn't exist", html=r"this account doesn.t exist"),
    Marker("private", "X says the posts are protected", html=r"these (posts|tweets) are protected"),
)
USER_QUERIES = ("UserByScreenName", "UserByRestId")
TIMELINE_QUERIES = ("UserTweets", "UserTweetsAndReplies", "UserMedia")
RATE_LIMIT_CODE = 88
AVATAR_SIZES = (("_normal.", "_400x400."), ("_normal.", "_200x200."), ("_normal.", "_bigger."), ("", ""))
BANNER_SIZES = (("", "/1500x500"), ("", "/600x200"), ("", "/web"), ("", ""))


def detect(url: str, html: str) -> int:
    """The app shell's fingerprints (a saved copy or a mirror has them too)."""
    score = 0
    for mark in ("abs.twimg.com", "responsive-web/client-web", "__INITIAL_STATE__", 'data-testid="primaryColumn"'):
        if mark in html:
            score += 2
    if "syndication.twitter.com" in html and "__NEXT_DATA__" in html:
        score += 4
    return score


def x_time(raw: Any) -> str | None:
    """X's ``created_at`` ("Wed Oct 10 20:19:24 +0000 2018") as RFC 3339 UTC; None when not that form."""
    if not isinstance(raw, str):
        return None
    try:
        when = datetime.strptime(raw, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        return None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _query(response: Response) -> str | None:
    """The GraphQL operation a recorded answer belongs to (``/i/api/graphql/<id>/<Operation>``)."""
    found = re.search(r"/graphql/[^/]+/(\w+)", response.url)
    return found.group(1) if found else None


def extract(view: View) -> Profile:
    profile = Profile(NAME, view.final_url or view.url)
    answers = [(r, d, _query(r)) for r, d in json_docs(view)]
    _rate_limits(profile, view)
    for response, doc, query in answers:
        if query in USER_QUERIES and isinstance(doc, dict):
            _user_answer(profile, response, doc, view)
            if profile.account_id is not None or profile.walls:
                break
    ended = False
    for response, doc, query in answers:
        if query in TIMELINE_QUERIES:
            ended = _timeline(profile, response, doc) or ended
    _syndication(profile, view)
    if ended:
        profile.reached_end = True
    read_standards(profile, view)
    return profile


def _rate_limits(profile: Profile, view: View) -> None:
    """X's API answered 429, or with error code 88: a rate limit, never "no posts"."""
    for response in view.responses:
        if _query(response) is None and "/i/api/" not in response.url:
            continue
        data = response.json() if response.is_json else None
        errors = data.get("errors") if isinstance(data, dict) else None
        coded = any(isinstance(e, dict) and e.get("code") == RATE_LIMIT_CODE for e in errors or [])
        if response.status == 429 or coded:
            reason = f"X's API answered {response.status}" + (" (error 88, rate limit exceeded)" if coded else "")
            profile.walls.append(Wall("rate-limit", reason, response.source()))
            return


def _user_answer(profile: Profile, response: Response, doc: dict[str, Any], view: View) -> None:
    data = doc.get("data")
    user = data.get("user") if isinstance(data, dict) else None
    result = user.get("result") if isinstance(user, dict) else None
    if not isinstance(result, dict):
        if isinstance(data, dict) and not doc.get("errors"):
            profile.walls.append(
                Wall(
                    "not-found",
                    f"X's {_query(response)} answer holds no user (the account doesn't exist)",
                    response.source(json_path="$.data"),
                )
            )
        return
    base = "$.data.user.result"
    if result.get("__typename") == "UserUnavailable":
        reason = str(result.get("reason") or "")
        code = "suspended" if reason.lower() == "suspended" else "restricted"
        said = f"X's answer says the user is unavailable: reason {reason!r}"
        if result.get("message"):
            said += f" ({result['message']})"
        profile.walls.append(Wall(code, said, response.source(json_path=f"{base}.reason")))
        return
    if not result.get("rest_id"):
        return
    read_user(profile, response, base, result, view)


def _get(node: dict[str, Any], dotted: str) -> Any:
    value: Any = node
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _first(response: Response, base: str, node: dict[str, Any], *paths: str) -> Value | None:
    """The first of ``paths`` (new layout before ``legacy``) that holds a value, with its JSON path."""
    for path in paths:
        value = _get(node, path)
        if value not in (None, ""):
            return json_value(response, f"{base}.{path}", value)
    return None


def _loaded(view: View | None, url: str, sizes: tuple[tuple[str, str], ...]) -> str:
    """The size of a picture the page actually loaded (so it is stored from the WARC), else the URL named.

    X names ``…/avatar_normal.jpg`` and ``…/profile_banners/ID/TS``; its page shows ``_200x200`` /
    ``_400x400`` and ``/1500x500`` variants of them."""
    if view is not None:
        for old, new in sizes:
            candidate = url.replace(old, new) if old else url + new
            if (old == "" or old in url) and view.find(candidate) is not None:
                return candidate
    return url


def read_user(profile: Profile, response: Response, base: str, user: dict[str, Any], view: View | None = None) -> None:
    """One GraphQL ``User`` object: the account's header fields, each with its JSON path."""
    profile.account_id = json_value(response, f"{base}.rest_id", str(user["rest_id"]))
    profile.handle = _first(response, base, user, "core.screen_name", "legacy.screen_name")
    profile.display_name = _first(response, base, user, "core.name", "legacy.name")
    profile.bio = _first(response, base, user, "legacy.description", "profile_bio.description")
    created = _first(response, base, user, "core.created_at", "legacy.created_at")
    if created is not None and x_time(created.value):
        profile.created = Value(x_time(created.value), created.source, str(created.value))
    for key, name in (
        ("followers_count", "followers"),
        ("friends_count", "following"),
        ("statuses_count", "posts"),
        ("favourites_count", "likes"),
        ("media_count", "media"),
    ):
        count = _get(user, f"legacy.{key}")
        if isinstance(count, int) and not isinstance(count, bool):
            profile.counts[name] = json_value(response, f"{base}.legacy.{key}", count)
    for where in ("legacy.entities.url.urls", "legacy.entities.description.urls"):
        for index, item in enumerate(_get(user, where) or []):
            if isinstance(item, dict) and isinstance(item.get("expanded_url"), str):
                add_link(
                    profile,
                    json_value(
                        response, f"{base}.{where}[{index}].expanded_url", item["expanded_url"], item.get("url")
                    ),
                )
    avatar = _first(response, base, user, "avatar.image_url", "legacy.profile_image_url_https")
    if avatar is not None:
        profile.avatar = Media(_loaded(view, str(avatar.value), AVATAR_SIZES), "avatar", avatar.source)
    banner = _first(response, base, user, "legacy.profile_banner_url")
    if banner is not None:
        profile.header = Media(_loaded(view, str(banner.value), BANNER_SIZES), "header", banner.source)
    badge = _first(response, base, user, "verification.verified", "legacy.verified")
    if badge is not None and badge.value is True:
        profile.verified = badge
    elif user.get("is_blue_verified") is True:
        profile.verified = json_value(response, f"{base}.is_blue_verified", True, "is_blue_verified")
        profile.notes.append(
            "the check mark is X Premium (is_blue_verified: a paid subscription), not identity verification"
        )
    protected = _first(response, base, user, "privacy.protected", "legacy.protected")
    if protected is not None and protected.value is True:
        profile.walls.append(
            Wall("private", "X's answer says the account is protected (protected: true)", protected.source)
        )


# --- the timeline ---------------------------------------------------------------------------------------
def _timeline(profile: Profile, response: Response, doc: Any) -> bool:
    """The posts of one recorded timeline answer; True when it held no post (the timeline's end).

    Only a good answer with its instructions can say that: a 429 or an error answer says nothing of
    how many posts there are."""
    seen = 0
    found = _instructions(doc) if response.status == 200 else []
    if not found:
        return False
    for path, instructions in found:
        for i, instruction in enumerate(instructions):
            if not isinstance(instruction, dict):
                continue
            entries: list[tuple[str, Any]] = []
            if isinstance(instruction.get("entries"), list):
                entries = [(f"{path}[{i}].entries[{j}]", e) for j, e in enumerate(instruction["entries"])]
            elif isinstance(instruction.get("entry"), dict):  # TimelinePinEntry: the pinned post
                entries = [(f"{path}[{i}].entry", instruction["entry"])]
            for entry_path, entry in entries:
                for item_path, result in _entry_tweets(entry_path, entry):
                    post = read_tweet(response, item_path, result)
                    if post is not None and instruction.get("type") == "TimelinePinEntry":
                        post.pinned = Value(True, response.source(json_path=f"{path}[{i}].type"), "TimelinePinEntry")
                    if post is not None:
                        seen += 1
                        add_post(profile, post)
    return seen == 0


def _instructions(doc: Any) -> list[tuple[str, list[Any]]]:
    out = []
    user = _get(doc, "data.user.result") if isinstance(doc, dict) else None
    if isinstance(user, dict):
        for key in ("timeline_v2", "timeline"):
            found = _get(user, f"{key}.timeline.instructions")
            if isinstance(found, list):
                out.append((f"$.data.user.result.{key}.timeline.instructions", found))
    return out


def _entry_tweets(path: str, entry: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(entry, dict):
        return []
    content: dict[str, Any] = entry["content"] if isinstance(entry.get("content"), dict) else {}
    out = []
    result = _get(content, "itemContent.tweet_results.result")
    if isinstance(result, dict):
        out.append((f"{path}.content.itemContent.tweet_results.result", result))
    for k, item in enumerate(content.get("items") or []):  # a module (a conversation shown on the profile)
        found = _get(item, "item.itemContent.tweet_results.result") if isinstance(item, dict) else None
        if isinstance(found, dict):
            out.append((f"{path}.content.items[{k}].item.itemContent.tweet_results.result", found))
    return out


def _unwrap(path: str, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if result.get("__typename") == "TweetWithVisibilityResults" and isinstance(result.get("tweet"), dict):
        return f"{path}.tweet", result["tweet"]
    return path, result


def _author(tweet: dict[str, Any]) -> tuple[str, Any] | None:
    user = _get(tweet, "core.user_results.result")
    if not isinstance(user, dict):
        return None
    for sub in ("core.screen_name", "legacy.screen_name"):
        if _get(user, sub):
            return f".core.user_results.result.{sub}", _get(user, sub)
    return None


def permalink_of(tweet: dict[str, Any]) -> str | None:
    author = _author(tweet)
    if author is None or not tweet.get("rest_id"):
        return None
    return f"https://x.com/{author[1]}/status/{tweet['rest_id']}"


def read_tweet(response: Response, path: str, result: dict[str, Any]) -> Post | None:
    """One GraphQL ``Tweet``: id, permalink, time, author, text, repost/quote/reply, counts, media."""
    path, tweet = _unwrap(path, result)
    if tweet.get("__typename") not in (None, "Tweet") or not tweet.get("rest_id"):
        return None  # a TweetTombstone ("This post is unavailable") has no id of its own to report

    def v(sub: str, value: Any, raw: str | None = None) -> Value:
        return json_value(response, f"{path}{sub}", value, raw)

    legacy: dict[str, Any] = tweet["legacy"] if isinstance(tweet.get("legacy"), dict) else {}
    post = Post(id=v(".rest_id", str(tweet["rest_id"])))
    author = _author(tweet)
    if author is not None:
        post.author = v(author[0], author[1])
        post.permalink = v(".rest_id", f"https://x.com/{author[1]}/status/{tweet['rest_id']}")
    when = x_time(legacy.get("created_at"))
    if when:
        post.published = v(".legacy.created_at", when, legacy["created_at"])
    if isinstance(legacy.get("full_text"), str):
        post.text = v(".legacy.full_text", legacy["full_text"])
    if legacy.get("in_reply_to_status_id_str") and legacy.get("in_reply_to_screen_name"):
        post.reply_to = v(
            ".legacy.in_reply_to_status_id_str",
            f"https://x.com/{legacy['in_reply_to_screen_name']}/status/{legacy['in_reply_to_status_id_str']}",
            legacy["in_reply_to_status_id_str"],
        )
    for key, field, sub in (
        ("retweeted_status_result", "forwarded_from", ".legacy.retweeted_status_result.result"),
        ("quoted_status_result", "quote_of", ".quoted_status_result.result"),
    ):
        holder = legacy if key == "retweeted_status_result" else tweet
        inner = _get(holder, f"{key}.result")
        if isinstance(inner, dict):
            inner_path, inner = _unwrap(f"{path}{sub}", inner)
            link = permalink_of(inner)
            if link:
                setattr(post, field, json_value(response, f"{inner_path}.rest_id", link, str(inner.get("rest_id"))))
    for key, name in (
        ("reply_count", "replies"),
        ("retweet_count", "shares"),
        ("quote_count", "quotes"),
        ("favorite_count", "likes"),
        ("bookmark_count", "bookmarks"),
    ):
        if isinstance(legacy.get(key), int):
            post.counts[name] = v(f".legacy.{key}", legacy[key])
    views = _get(tweet, "views.count")
    if isinstance(views, str) and views.isdigit():
        post.counts["views"] = v(".views.count", int(views), views)
    for index, item in enumerate(_get(legacy, "extended_entities.media") or []):
        if not isinstance(item, dict) or not isinstance(item.get("media_url_https"), str):
            continue
        where = f"{path}.legacy.extended_entities.media[{index}]"
        kind = "photo" if item.get("type") == "photo" else "video"
        url = item["media_url_https"]
        if kind == "video":
            variants = [x for x in _get(item, "video_info.variants") or [] if isinstance(x, dict) and x.get("url")]
            best = max(variants, key=lambda x: x.get("bitrate") or 0, default=None)
            if best is not None:
                url = best["url"]
        post.media.append(Media(url, kind, response.source(json_path=f"{where}.media_url_https")))
    return post


# --- syndication.twitter.com/srv/timeline-profile/screen-name/NAME ---------------------------------------
def _syndication(profile: Profile, view: View) -> None:
    asked = re.search(r"/screen-name/(\w+)", view.final_url or view.url)
    for page in pages(view):
        for script in page.root.xpath(".//script[@id='__NEXT_DATA__']"):
            try:
                data = json.loads(script.text or "")
            except ValueError:
                continue
            entries = _get(data, "props.pageProps.timeline.entries") if isinstance(data, dict) else None
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                tweet = _get(entry, "content.tweet") if isinstance(entry, dict) else None
                if isinstance(tweet, dict) and tweet.get("id_str"):
                    base = f"$.props.pageProps.timeline.entries[{index}].content.tweet"
                    owner = asked.group(1) if asked else None
                    add_post(profile, _syndicated(profile, page, script, base, tweet, owner))


def _syndicated(profile: Profile, page: Any, script: Any, base: str, tweet: dict[str, Any], owner: str | None) -> Post:
    """One post of the syndication timeline; the account's fields from the user of its own posts only."""

    def v(sub: str, value: Any, raw: str | None = None) -> Value:
        return script_value(page, script, f"{base}{sub}", value, raw)

    post = Post(id=v(".id_str", str(tweet["id_str"])))
    user: dict[str, Any] = tweet["user"] if isinstance(tweet.get("user"), dict) else {}
    name = user.get("screen_name")
    if isinstance(name, str) and name:
        post.author = v(".user.screen_name", name)
        post.permalink = v(
            ".permalink" if tweet.get("permalink") else ".id_str",
            f"https://x.com/{name}/status/{tweet['id_str']}",
            tweet.get("permalink"),
        )
        if owner is not None and name.lower() == owner.lower():
            profile.handle = profile.handle or v(".user.screen_name", name)
            if profile.account_id is None and user.get("id_str"):
                profile.account_id = v(".user.id_str", str(user["id_str"]))
            if profile.display_name is None and user.get("name"):
                profile.display_name = v(".user.name", user["name"])
    when = x_time(tweet.get("created_at"))
    if when:
        post.published = v(".created_at", when, tweet["created_at"])
    text_key = "full_text" if isinstance(tweet.get("full_text"), str) else "text"
    if isinstance(tweet.get(text_key), str):
        post.text = v(f".{text_key}", tweet[text_key])
    for key, count in (("favorite_count", "likes"), ("retweet_count", "shares"), ("reply_count", "replies")):
        if isinstance(tweet.get(key), int):
            post.counts[count] = v(f".{key}", tweet[key])
    return post
