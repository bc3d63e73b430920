"""X (Twitter) accounts, read from the JSON answers X's own page scripts fetch, as the WARC recorded them.

What a logged-out visitor gets at ``x.com/NAME`` is an app shell (``<div id="react-root">``, scripts
from ``abs.twimg.com/responsive-web/``, ``window.__INITIAL_STATE__``) whose scripts then ask X's
GraphQL API, through the browser, for the account and its posts. The capture's browser records those
answers, so they are read here from the WARC; nothing is fetched by the extractor.

Sources studied (read, not copied), and what each taught:

- vladkens/twscrape ``twscrape/models.py`` (``User.parse``, ``Tweet.parse``, ``_get_views``,
  ``_get_tweet_user_obj``): a post's text is ``note_tweet.note_tweet_results.result.text`` when there
  is one, else ``legacy.full_text``; views ``views.count`` (a string) or ``ext_views.count``;
  ``bookmark_count``; repost and quote ids from ``retweeted_status_result.result(.tweet).rest_id`` /
  ``quoted_status_result.result(.tweet).rest_id``; the author from ``core.user_results.result``
  (skipped when ``UserUnavailable``); a user's ``is_blue_verified`` and ``verified_type`` apart from
  ``verified``; ``protected``; media from ``extended_entities.media[]`` by ``type`` (photo
  ``media_url_https``; video and animated_gif ``video_info.variants[]``, those with a ``bitrate``).
- yt-dlp ``yt_dlp/extractor/twitter.py`` (``_graphql_to_legacy``): the typenames ``Tweet``,
  ``TweetWithVisibilityResults`` (a "stale" post: the post is its ``tweet``), ``TweetTombstone``
  (``tombstone.text.text``, "… Learn more") and ``TweetUnavailable`` (``reason``: ``NsfwLoggedOut``,
  ``NsfwViewerHasNoStatedAge``, ``Protected``); the mp4 variants by ``bitrate`` beside an HLS
  ``.m3u8`` variant that has none.
- mikf/gallery-dl ``gallery_dl/extractor/twitter.py`` (2026): ``_transform_user`` (``core.screen_name``,
  ``core.name``, ``core.created_at``, ``verification.verified``, ``privacy.protected``,
  ``avatar.image_url`` in the new layout, ``legacy.*`` in the old; ``withheld_scope``),
  ``_transform_tweet`` (``note_tweet`` text, ``views.count``, ``bookmark_count``), its timeline reader
  (``tweet-``, ``profile-conversation-`` and ``tombstone-`` entries, ``itemContent.tombstoneInfo``
  with ``richText`` / ``text``; a wrapper's ``tweet``; a repost's text and media taken from the
  original, ``legacy.retweeted_status_result.result``; the bottom cursor ``cursor-bottom-``), and
  ``UserUnavailable`` with ``message``.
- zedeus/nitter ``src/parser.nim`` (``parseGraphTweet``, ``parseTweet``, ``parseGraphTimeline``):
  tombstones (``tombstone.richText`` / ``tombstone.text``), ``TweetUnavailable``,
  ``TweetPreviewDisplay`` (subscribers only), the wrapper's ``tweet``; a post's id from its entry
  id when it is unavailable; ``withheld_in_countries`` ``XX`` (everywhere) / ``XY`` (copyright) and
  ``withheld_copyright``; the pinned entry ``TimelinePinEntry``.
- earlier: trevorhobenshield/twitter-api-client ``examples/example_responses.md`` (entry layout),
  vicnaum/vics-twitter-toolkit timeline notes (``instructions[]``, cursor entries), syndication
  scrapers (``__NEXT_DATA__`` of ``syndication.twitter.com/srv/timeline-profile/screen-name/NAME``),
  an old gallery-dl (429 and ``x-rate-limit-remaining``).

Where each field comes from (a JSON path into the recorded answer of ``/i/api/graphql/…/UserByScreenName``
or ``UserByRestId``, ``$.data.user.result``):

- account id: ``rest_id`` (the numeric id: it survives a rename); handle: ``core.screen_name`` else
  ``legacy.screen_name``; display name: ``core.name`` / ``legacy.name``; created: ``core.created_at`` /
  ``legacy.created_at`` ("Wed Oct 10 20:19:24 +0000 2018": RFC 3339 UTC here, X's text kept as raw);
  bio: ``legacy.description``; links: ``legacy.entities.url.urls[].expanded_url`` and
  ``legacy.entities.description.urls[].expanded_url``; counts: ``legacy.followers_count``,
  ``friends_count`` (following), ``statuses_count`` (posts), ``favourites_count`` (likes),
  ``media_count``; avatar: ``avatar.image_url`` / ``legacy.profile_image_url_https``; header:
  ``legacy.profile_banner_url``; verified: ``verification.verified`` / ``legacy.verified`` (X's own
  badge), else ``is_blue_verified`` (a paid X Premium check mark, said so in a note: it is not
  identity verification); protected: ``privacy.protected`` / ``legacy.protected`` (a ``private``
  wall, the header still read); withheld: ``legacy.withheld_in_countries`` / ``withheld_scope`` (a
  note naming the countries).
- posts: each ``UserTweets`` / ``UserTweetsAndReplies`` / ``UserMedia`` answer's
  ``…timeline.instructions[]`` (``TimelineAddEntries.entries[]``, ``TimelinePinEntry.entry``), entry
  ``content.itemContent.tweet_results.result`` (or a module's ``content.items[].item.itemContent``),
  inside a ``TweetWithVisibilityResults`` its ``tweet``: id ``rest_id``; text
  ``note_tweet.note_tweet_results.result.text`` for a long post (its ``legacy.full_text``, only the
  start, kept as raw) else ``legacy.full_text``; published ``legacy.created_at``; author the user in
  ``core.user_results.result``; permalink ``https://x.com/AUTHOR/status/ID``; a repost's original from
  ``legacy.retweeted_status_result.result`` (its permalink, and its whole text as the post's text:
  the repost's own "RT @name: …" is kept as raw); a quote from ``quoted_status_result.result``; a
  reply from ``legacy.in_reply_to_screen_name`` + ``in_reply_to_status_id_str``; counts
  ``reply_count``, ``retweet_count`` (shares), ``quote_count``, ``favorite_count`` (likes),
  ``bookmark_count``, ``views.count``; media ``legacy.extended_entities.media[]``: a photo's
  ``media_url_https``, a video's or GIF's ``video/mp4`` variant of the highest ``bitrate`` (never the
  ``.m3u8`` playlist) and its ``media_url_https`` as the thumbnail; withheld posts
  (``withheld_in_countries``, ``withheld_copyright``, ``withheld_scope``) are named in a note.
- posts X shows only as a notice: a ``TweetTombstone`` (``tombstone.text.text`` / ``richText.text``),
  a ``tombstone-ID`` entry (``itemContent.tombstoneInfo``), ``TweetUnavailable`` (``reason``),
  ``TweetPreviewDisplay``: kept as a post with the id its ``entryId`` names (raw: the entryId), the
  permalink ``https://x.com/i/status/ID``, X's words as its text, no author, and a note saying it is
  withheld or unavailable to a logged-out visitor, **not** a post the account deleted. A quote of
  such a post names ``legacy.quoted_status_id_str`` with X's words as raw, and a note.
- paging: the page asks for the next page with the bottom cursor (``cursor-bottom-…`` entry,
  ``content.value``) as the reader scrolls; a good answer with no post entries is the timeline's end.
- the public syndication timeline ``syndication.twitter.com/srv/timeline-profile/screen-name/NAME``,
  when that page itself is captured: its ``<script id="__NEXT_DATA__">`` JSON,
  ``props.pageProps.timeline.entries[].content.tweet`` (``id_str``, ``created_at``, ``full_text`` /
  ``text``, ``permalink``, ``user``).

Not read: nitter's own HTML (a mirror's markup, not X's), X's newer ``timeline_response`` /
``tweetResult`` layout nitter asks for with its own client (the web app's answers read here have
``timeline.timeline``), ``card`` previews and polls, ``edit_control`` (an edited post's earlier ids).

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
VERSION = "3"
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
    withheld = _withheld(user["legacy"] if isinstance(user.get("legacy"), dict) else {})
    if withheld:
        profile.notes.append(f"X's answer says the account is {withheld} (legacy.withheld_in_countries)")
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
                for item_path, result, named in _entry_tweets(entry_path, entry):
                    post = read_tweet(response, item_path, result, named, profile.notes)
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


Entry = tuple[str, str, str]  # the post id an entry names, its entryId, the JSON path of that entryId


def _entry_id(entry: Any, path: str) -> Entry | None:
    """The post id an entry names (``tweet-ID``, ``tombstone-ID``, ``profile-conversation-…-tweet-ID``)."""
    named = str(entry.get("entryId") or "") if isinstance(entry, dict) else ""
    found = re.search(r"(?:tweet|tombstone)-(\d+)$", named)
    return (found.group(1), named, f"{path}.entryId") if found else None


def _entry_tweets(path: str, entry: Any) -> list[tuple[str, dict[str, Any], Entry | None]]:
    """Each post result of one timeline entry, with the post id its ``entryId`` names.

    A ``tombstone-ID`` entry holds no result, only ``itemContent.tombstoneInfo`` (X's notice); it is
    handed on as a ``TweetTombstone`` at that path so it is reported like one."""
    if not isinstance(entry, dict):
        return []
    content: dict[str, Any] = entry["content"] if isinstance(entry.get("content"), dict) else {}
    out: list[tuple[str, dict[str, Any], Entry | None]] = []
    result = _get(content, "itemContent.tweet_results.result")
    info = _get(content, "itemContent.tombstoneInfo")
    if isinstance(result, dict):
        out.append((f"{path}.content.itemContent.tweet_results.result", result, _entry_id(entry, path)))
    elif isinstance(info, dict):
        tomb = {"__typename": "TweetTombstone", "tombstone": info, "_path": ".content.itemContent.tombstoneInfo"}
        out.append((path, tomb, _entry_id(entry, path)))
    for k, item in enumerate(content.get("items") or []):  # a module (a conversation shown on the profile)
        found = _get(item, "item.itemContent.tweet_results.result") if isinstance(item, dict) else None
        if isinstance(found, dict):
            where = f"{path}.content.items[{k}]"
            out.append((f"{where}.item.itemContent.tweet_results.result", found, _entry_id(item, where)))
    return out


def _unwrap(path: str, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The post inside X's ``TweetWithVisibilityResults`` wrapper (a post with limited actions or
    reach, "stale" in yt-dlp's words): its ``tweet`` is the post itself."""
    if isinstance(result.get("tweet"), dict) and result.get("__typename") in ("TweetWithVisibilityResults", None):
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


def _text_of(tweet: dict[str, Any]) -> tuple[str, str] | None:
    """A post's whole text and where it is: a long post (over 280 characters, X's "note tweet") has it
    in ``note_tweet.note_tweet_results.result.text``; its ``legacy.full_text`` is only the start of it."""
    note = _get(tweet, "note_tweet.note_tweet_results.result.text")
    if isinstance(note, str) and note:
        return ".note_tweet.note_tweet_results.result.text", note
    full = _get(tweet, "legacy.full_text")
    if isinstance(full, str):
        return ".legacy.full_text", full
    return None


def _unavailable(result: dict[str, Any]) -> tuple[str, str] | None:
    """X's notice for a post it does not show: (its words, the JSON path under the result), or None.

    ``TweetTombstone`` carries ``tombstone.text.text`` (or ``richText.text``): "This Post is from a
    suspended account", "…is unavailable", "Age-restricted adult content…"; ``TweetUnavailable`` a
    ``reason`` ("NsfwLoggedOut", "Protected"); ``TweetPreviewDisplay`` is a subscribers-only post."""
    kind = result.get("__typename")
    base = str(result.get("_path") or ".tombstone")
    if kind == "TweetTombstone" or "tombstone" in result and "legacy" not in result:
        tomb: dict[str, Any] = result["tombstone"] if isinstance(result.get("tombstone"), dict) else {}
        for key in ("text", "richText"):
            said = _get(tomb, f"{key}.text")
            if isinstance(said, str) and said:
                return said, f"{base}.{key}.text"
        return "a TweetTombstone with no text", base
    if kind == "TweetUnavailable":
        return f"TweetUnavailable, reason {result.get('reason') or 'not given'!r}", ".reason"
    if kind == "TweetPreviewDisplay":
        return "TweetPreviewDisplay: a post only the account's subscribers can see", ".__typename"
    return None


def _withheld(legacy: dict[str, Any]) -> str | None:
    """X's withholding of a post or an account (``withheld_in_countries``, ``withheld_copyright``,
    ``withheld_scope``), in words; None when there is none."""
    countries = [c for c in legacy.get("withheld_in_countries") or [] if isinstance(c, str)]
    if legacy.get("withheld_copyright") is True:
        countries.append("XY (a copyright (DMCA) complaint)")
    if not countries and not legacy.get("withheld_scope"):
        return None
    named = ", ".join(("XX (all countries)" if c == "XX" else c) for c in countries) or "countries not named"
    return f"withheld in {named}" + (f" (scope {legacy['withheld_scope']!r})" if legacy.get("withheld_scope") else "")


def _tombstone(
    response: Response, path: str, result: dict[str, Any], entry: Entry | None, notes: list[str] | None
) -> Post | None:
    """A post X shows only as a notice: kept (by the id its entry names) with X's words as its text.

    It is not a post the account deleted: X withholds it, or it is unavailable to a logged-out visitor
    (its author suspended, age-restricted, protected, subscribers only); the author is not shown."""
    said = _unavailable(result)
    if said is None or entry is None:
        return None
    text, sub = said
    entry_id, named, id_path = entry
    post = Post(id=json_value(response, id_path, entry_id, named))
    post.permalink = json_value(response, id_path, f"https://x.com/i/status/{entry_id}", named)
    post.text = json_value(response, f"{path}{sub}", text)
    post.unavailable = json_value(response, f"{path}{sub}", text)
    if notes is not None:
        notes.append(
            f"post {entry_id} is shown by X only as a notice ({text!r}): it is withheld or unavailable to a "
            "logged-out visitor, not a post this account is known to have deleted; its author is not shown"
        )
    return post


def read_tweet(
    response: Response,
    path: str,
    result: dict[str, Any],
    entry: Entry | None = None,
    notes: list[str] | None = None,
) -> Post | None:
    """One GraphQL ``Tweet``: id, permalink, time, author, text, repost/quote/reply, counts, media.

    ``entry`` is the id the timeline entry names (the only id a tombstone has); sentences about
    withheld or unavailable posts go to ``notes``."""
    path, tweet = _unwrap(path, result)
    if _unavailable(tweet) is not None:
        return _tombstone(response, path, tweet, entry, notes)
    if tweet.get("__typename") not in (None, "Tweet") or not tweet.get("rest_id"):
        return None

    def v(sub: str, value: Any, raw: str | None = None) -> Value:
        return json_value(response, f"{path}{sub}", value, raw)

    legacy: dict[str, Any] = tweet["legacy"] if isinstance(tweet.get("legacy"), dict) else {}
    ident = str(tweet["rest_id"])
    post = Post(id=v(".rest_id", ident))
    author = _author(tweet)
    if author is not None:
        post.author = v(author[0], author[1])
        post.permalink = v(".rest_id", f"https://x.com/{author[1]}/status/{ident}")
    when = x_time(legacy.get("created_at"))
    if when:
        post.published = v(".legacy.created_at", when, legacy["created_at"])
    text = _text_of(tweet)
    if text is not None:
        post.text = v(text[0], text[1], legacy.get("full_text") if text[0].startswith(".note") else None)
    if legacy.get("in_reply_to_status_id_str") and legacy.get("in_reply_to_screen_name"):
        post.reply_to = v(
            ".legacy.in_reply_to_status_id_str",
            f"https://x.com/{legacy['in_reply_to_screen_name']}/status/{legacy['in_reply_to_status_id_str']}",
            legacy["in_reply_to_status_id_str"],
        )
    repost = _get(legacy, "retweeted_status_result.result")
    if isinstance(repost, dict):
        inner_path, inner = _unwrap(f"{path}.legacy.retweeted_status_result.result", repost)
        link = permalink_of(inner)
        if link:
            post.forwarded_from = json_value(response, f"{inner_path}.rest_id", link, str(inner.get("rest_id")))
        original = _text_of(inner)
        if original is not None:  # the repost's own full_text is "RT @name: " and the start, cut at 140
            post.text = json_value(response, f"{inner_path}{original[0]}", original[1], legacy.get("full_text"))
    quoted = _get(tweet, "quoted_status_result.result")
    quoted_id = legacy.get("quoted_status_id_str")
    if isinstance(quoted, dict):
        inner_path, inner = _unwrap(f"{path}.quoted_status_result.result", quoted)
        link = permalink_of(inner)
        gone = _unavailable(inner)
        if link:
            post.quote_of = json_value(response, f"{inner_path}.rest_id", link, str(inner.get("rest_id")))
        elif gone is not None and quoted_id:
            post.quote_of = v(".legacy.quoted_status_id_str", f"https://x.com/i/status/{quoted_id}", gone[0])
            if notes is not None:
                notes.append(
                    f"post {ident} quotes post {quoted_id}, which X shows only as a notice ({gone[0]!r}): "
                    "withheld or unavailable to a logged-out visitor, not known to be deleted"
                )
    withheld = _withheld(legacy)
    if withheld and notes is not None:
        notes.append(f"post {ident} is {withheld}, as X's answer says (legacy.withheld_in_countries)")
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
        if item.get("type") == "photo":
            post.media.append(
                Media(item["media_url_https"], "photo", response.source(json_path=f"{where}.media_url_https"))
            )
            continue
        # a video or an animated GIF: the mp4 variant of the highest bitrate (an HLS playlist has none)
        variants = [
            (k, x)
            for k, x in enumerate(_get(item, "video_info.variants") or [])
            if isinstance(x, dict) and isinstance(x.get("url"), str)
        ]
        mp4 = [(k, x) for k, x in variants if x.get("content_type") == "video/mp4"] or variants
        best = max(mp4, key=lambda kx: kx[1].get("bitrate") or 0, default=None)
        if best is not None:
            source = response.source(json_path=f"{where}.video_info.variants[{best[0]}].url")
            post.media.append(Media(best[1]["url"], "video", source))
        post.media.append(
            Media(item["media_url_https"], "thumbnail", response.source(json_path=f"{where}.media_url_https"))
        )
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
