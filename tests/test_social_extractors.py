# ruff: noqa: E501  (page markup and JSON read better unwrapped)
"""The platform modules and the wall rule on stored pages, without a browser: exact values, their
sources, honest walls, and no wall where there is none."""

from __future__ import annotations

import json

import pytest

from evidence_kit.errors import InvalidInput
from evidence_kit.social import registry
from evidence_kit.social.store import extract
from evidence_kit.social.views import Response, View, parse_count
from tests.fixtures.social import telegram

HTML = (("Content-Type", "text/html; charset=utf-8"),)
JSON = (("Content-Type", "application/json"),)


def view(url: str, body: str, status: int = 200, extra: list[Response] = (), final: str | None = None) -> View:
    main = Response("<urn:uuid:main>", final or url, status, HTML, body.encode())
    return View(url, final or url, [*extra, main], dom=body, dom_digest="blake3:dom")


def v(value):  # noqa: ANN001, ANN201
    return value.value if value is not None else None


def test_platform_names_aliases_and_choice() -> None:
    assert registry.by_name("twitter").NAME == "x"
    assert registry.by_name("Fediverse").NAME == registry.by_name("activitypub").NAME == "mastodon"
    with pytest.raises(InvalidInput, match="unknown platform 'myspace'"):
        registry.by_name("myspace")
    page = telegram.page("chan", "Chan", [telegram.message("chan", 1, "hi", "2026-01-01T00:00:00+00:00", "5")], None)
    assert registry.choose("https://t.me/s/chan", "").NAME == "telegram"  # by host
    assert registry.choose("http://127.0.0.1:8000/s/chan", page).NAME == "telegram"  # a mirror, by markup
    assert registry.choose("http://127.0.0.1:8000/x", "<html><body>hello</body></html>").NAME == "generic"
    assert registry.choose("https://t.me/s/chan", page, forced="generic").NAME == "generic"


def test_telegram_message_fields_and_sources() -> None:
    message = telegram.message("chan", 7, "Jobs<br/>abroad", "2026-01-07T10:00:00+00:00", "1.2K", forwarded="other")
    profile, platform = extract(view("http://127.0.0.1/s/chan", telegram.page("chan", "Chan", [message], None)), None)
    assert platform.NAME == "telegram"
    (post,) = profile.posts
    assert (v(post.id), post.id.raw, v(post.permalink), v(post.published)) == (
        "7",
        "chan/7",
        "https://t.me/chan/7",
        "2026-01-07T10:00:00+00:00",
    )
    assert v(post.text) == "Jobs\nabroad" and v(post.counts["views"]) == 1200
    assert v(post.forwarded_from) == "https://t.me/other"
    assert post.id.source.warc_record_id == "<urn:uuid:main>"
    assert v(profile.account_id) == telegram.CHANNEL_ID and profile.account_id.raw.startswith("c1783925514_")
    assert profile.walls == []


def test_a_telegram_preview_redirected_to_the_channel_page_is_restricted() -> None:
    hop = Response("<urn:uuid:hop>", "https://t.me/s/closed", 302, (("Location", "/closed"),), b"")
    profile, _ = extract(
        view("https://t.me/s/closed", telegram.RESTRICTED, extra=[hop], final="https://t.me/closed"), None
    )
    assert [w.code for w in profile.walls] == ["restricted"]
    assert profile.walls[0].evidence.warc_record_id == "<urn:uuid:hop>"
    assert profile.status() == "empty" and profile.handle is None


def test_x_rest_id_from_the_user_answer_and_its_login_wall() -> None:
    answer = {
        "data": {
            "user": {
                "result": {
                    "rest_id": "44196397",
                    "legacy": {"screen_name": "jack", "name": "jack", "followers_count": 10},
                }
            }
        }
    }
    api = Response(
        "<urn:uuid:api>", "https://x.com/i/api/graphql/abc/UserByScreenName", 200, JSON, json.dumps(answer).encode()
    )
    profile, _ = extract(view("https://x.com/jack", "<html><body></body></html>", extra=[api]), None)
    assert (v(profile.account_id), v(profile.handle), v(profile.counts["followers"])) == ("44196397", "jack", 10)
    assert profile.account_id.source.json_path == "$.data.user.result.rest_id"
    login = view(
        "https://x.com/jack", "<html><title>Log in to X</title><body></body></html>", final="https://x.com/i/flow/login"
    )
    walled, _ = extract(login, None)
    assert [w.code for w in walled.walls][:1] == ["login-wall"] and walled.status() == "empty"


def test_facebook_user_id_and_vanity_from_script_data() -> None:
    page = '<html><body><script>require("X",{"userID":"100012345678","userVanity":"jane.doe"})</script></body></html>'
    profile, _ = extract(view("https://www.facebook.com/jane.doe", page), None)
    assert (v(profile.account_id), v(profile.handle)) == ("100012345678", "jane.doe")
    assert profile.account_id.raw == '"userID":"100012345678"'


def test_instagram_login_redirect_is_a_login_wall() -> None:
    page = '<html><title>Login • Instagram</title><body><form><input name=username><input type="password"></form></body></html>'
    profile, platform = extract(
        view(
            "https://www.instagram.com/someone/", page, final="https://www.instagram.com/accounts/login/?next=/someone/"
        ),
        None,
    )
    assert platform.NAME == "instagram"
    assert profile.walls[0].code == "login-wall" and profile.walls[0].reason == "Instagram redirected to its login page"


def test_vk_numeric_id_from_og_url_and_a_closed_profile() -> None:
    page = '<html><head><meta property="og:url" content="https://vk.com/id12345"></head><body>Это закрытый профиль</body></html>'
    profile, _ = extract(view("https://vk.com/durov", page), None)
    assert v(profile.account_id) == "12345" and v(profile.handle) == "durov"
    assert [w.code for w in profile.walls] == ["private"]


def test_vk_blocked_page_is_suspended_and_a_wall_of_many_owners_gives_no_id() -> None:
    blocked = '<html><head><meta property="og:site_name" content="VK"></head><body><h5 class="profile_deleted_text">This page has been blocked.</h5></body></html>'
    profile, platform = extract(view("http://127.0.0.1:9/somebody", blocked), None)
    assert platform.NAME == "vk"  # by the markup: a copy served from elsewhere
    assert [w.code for w in profile.walls] == ["suspended"]
    posts = "".join(
        f'<div class="post" data-post-id="{owner}_{n}"><div class="wall_post_text">p{n}</div></div>'
        for n, owner in ((1, "-5"), (2, "-6"))
    )
    mixed, _ = extract(view("https://vk.com/feedlike", f"<html><body>{posts}</body></html>"), None)
    assert mixed.account_id is None and "different owner ids (-5, -6)" in mixed.notes[0]
    assert [v(p.id) for p in mixed.posts] == ["-5_1", "-6_2"] and v(mixed.posts[0].text) == "p1"


def test_instagram_newer_timeline_shape_shared_data_and_og_description() -> None:
    user = {"id": "77", "username": "ana.m", "full_name": "Ana M", "is_private": False}
    timeline = {
        "xdt_api__v1__feed__user_timeline_graphql_connection": {
            "edges": [
                {
                    "node": {
                        "pk": "901",
                        "code": "CxYz",
                        "taken_at": 1767225600,
                        "caption": {"text": "hello"},
                        "user": {"pk": "77", "username": "ana.m"},
                    }
                },
                {
                    "node": {
                        "pk": "902",
                        "code": "Other",
                        "taken_at": 1767225601,
                        "user": {"pk": "78", "username": "someone"},
                    }
                },
            ]
        }
    }
    page = (
        '<html><head><meta property="og:description" content="1.2M Followers, 10 Following, 3 Posts - See Instagram photos and videos from Ana M (@ana.m)">'
        '<meta property="al:ios:url" content="instagram://user?username=ana.m"></head><body>'
        f'<script type="text/javascript">window._sharedData = {json.dumps({"entry_data": {"ProfilePage": [{"graphql": {"user": user}}]}})};</script>'
        f'<script type="application/json">{json.dumps({"data": timeline})}</script></body></html>'
    )
    profile, platform = extract(view("http://127.0.0.1:9/ana.m/", page), None)
    assert platform.NAME == "instagram"
    assert (v(profile.account_id), v(profile.handle), v(profile.display_name)) == ("77", "ana.m", "Ana M")
    assert profile.account_id.source.json_path == "$.entry_data.ProfilePage[0].graphql.user.id"
    # Counts the JSON did not give come from og:description, with its rounded raw text, and a note says so.
    assert v(profile.counts["followers"]) == 1_200_000 and profile.counts["followers"].raw == "1.2M Followers"
    assert any("og:description" in note for note in profile.notes)
    (post,) = profile.posts  # the other account's post is not this profile's
    assert (v(post.id), v(post.permalink), v(post.published), v(post.text)) == (
        "901",
        "https://www.instagram.com/p/CxYz/",
        "2026-01-01T00:00:00Z",
        "hello",
    )
    assert profile.walls == []


def test_tiktok_status_code_says_private() -> None:
    data = {"__DEFAULT_SCOPE__": {"webapp.user-detail": {"statusCode": 10222, "userInfo": {}}}}
    page = f'<html><body><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{json.dumps(data)}</script></body></html>'
    profile, _ = extract(view("https://www.tiktok.com/@someone", page), None)
    assert [w.code for w in profile.walls] == ["private"]
    assert profile.walls[0].evidence.json_path.endswith(".statusCode")


def test_generic_microdata_and_h_card_on_an_unseen_layout() -> None:
    page = """<html><body>
<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">Ivan Petrov</span>
<span itemprop="alternateName">@ivan_p</span><meta itemprop="identifier" content="7781">
<div itemprop="interactionStatistic" itemscope itemtype="https://schema.org/InteractionCounter">
<link itemprop="interactionType" href="https://schema.org/FollowAction"><span itemprop="userInteractionCount">1,204</span></div></div>
<nav><a href="/login">Log in</a></nav>
<div class="h-entry"><a class="u-url" href="/p/1">1</a><time class="dt-published" datetime="2026-01-01T00:00:00Z">x</time><p class="e-content">Hello</p></div>
</body></html>"""
    profile, platform = extract(view("https://unknown.example/u/ivan", page), None)
    assert platform.NAME == "generic"
    assert (v(profile.display_name), v(profile.handle), v(profile.account_id)) == ("Ivan Petrov", "ivan_p", "7781")
    assert v(profile.counts["followers"]) == 1204 and profile.counts["followers"].raw == "1,204"
    assert [v(p.permalink) for p in profile.posts] == ["https://unknown.example/p/1"]
    assert profile.walls == [], "a 'Log in' link in the menu is not a login wall"


@pytest.mark.parametrize(
    ("status", "page", "code"),
    [
        (429, "<html><title>Too many requests</title><body>Slow down</body></html>", "rate-limit"),
        (200, "<html><title>Just a moment...</title><body></body></html>", "bot-check"),
        (200, "<html><title>Before you continue to the site</title><body></body></html>", "consent-wall"),
        (200, "<html><body><p>This account has been suspended.</p></body></html>", "suspended"),
        (200, "<html><body><h2>This account is private</h2></body></html>", "private"),
    ],
)
def test_generic_walls(status: int, page: str, code: str) -> None:
    profile, _ = extract(view("https://unknown.example/u/x", page, status=status), None)
    assert [w.code for w in profile.walls] == [code]
    assert profile.walls[0].evidence.dom == "blake3:dom"  # said from the stored DOM artefact


@pytest.mark.parametrize(
    ("raw", "number"),
    [("1.2K", 1200), ("3,4 тыс.", 3400), ("12 345", 12345), ("2M", 2_000_000), ("987", 987), ("views", None)],
)
def test_counts_as_pages_write_them(raw: str, number: int | None) -> None:
    assert parse_count(raw) == number


def test_a_telegram_id_only_from_the_channels_own_messages() -> None:
    """A mirror that puts a data-peer on an unrelated element, or shows another channel's message with its
    peer: neither is the channel's id. Two different ids on its own messages: none is taken, and said."""
    own = telegram.message("chan", 1, "hi", "2026-01-01T00:00:00+00:00", "5").replace(
        f'data-peer="c{telegram.CHANNEL_ID}_-3826571839104316043"', ""
    )
    other = telegram.message("other", 9, "ad", "2026-01-02T00:00:00+00:00", "5")
    decoy = '<div class="promo" data-peer="c424242_-1">join</div>'
    profile, _ = extract(
        view("http://127.0.0.1/s/chan", telegram.page("chan", "Chan", [own, other, decoy], None)), None
    )
    assert profile.account_id is None
    assert "the preview publishes no numeric channel id: the handle is the account's key" in profile.notes
    second = telegram.message("chan", 2, "yo", "2026-01-03T00:00:00+00:00", "5").replace(telegram.CHANNEL_ID, "777")
    first = telegram.message("chan", 1, "hi", "2026-01-01T00:00:00+00:00", "5")
    profile, _ = extract(view("http://127.0.0.1/s/chan", telegram.page("chan", "Chan", [first, second], None)), None)
    assert profile.account_id is None and any("different numeric ids" in note for note in profile.notes)


def _api(url: str, answer: object, status: int = 200, record: str = "<urn:uuid:api>") -> Response:
    return Response(record, url, status, JSON, json.dumps(answer).encode())


def test_x_legacy_user_layout_and_a_timeline_v2_answer() -> None:
    """The pre-2025 layout (screen_name, name, created_at in ``legacy``) and ``timeline_v2``."""
    from tests.fixtures.social import x as fx

    user = {
        "__typename": "User",
        "rest_id": "12",
        "legacy": {"screen_name": "jack", "name": "jack", "created_at": "Tue Mar 21 20:50:14 +0000 2006"},
        "is_blue_verified": False,
    }
    legacy_user = _api("https://x.com/i/api/graphql/a/UserByScreenName?v", {"data": {"user": {"result": user}}})
    tweet = fx.tweet("https://x.com", "jack", 5)
    tweet["core"]["user_results"]["result"] = {"__typename": "User", "rest_id": "12", "legacy": {"screen_name": "jack"}}
    entry = {"entryId": "tweet-1", "content": {"itemContent": {"tweet_results": {"result": tweet}}}}
    timeline = {
        "data": {
            "user": {
                "result": {
                    "timeline_v2": {"timeline": {"instructions": [{"type": "TimelineAddEntries", "entries": [entry]}]}}
                }
            }
        }
    }
    tweets = _api("https://x.com/i/api/graphql/b/UserTweets?v", timeline, record="<urn:uuid:tl>")
    profile, _ = extract(view("https://x.com/jack", "<html><body></body></html>", extra=[legacy_user, tweets]), None)
    assert (v(profile.handle), v(profile.created), profile.created.raw) == (
        "jack",
        "2006-03-21T20:50:14Z",
        "Tue Mar 21 20:50:14 +0000 2006",
    )
    assert profile.handle.source.json_path == "$.data.user.result.legacy.screen_name"
    (post,) = profile.posts
    assert v(post.permalink) == f"https://x.com/jack/status/{fx.tweet_id(5)}"
    assert post.id.source.json_path.startswith("$.data.user.result.timeline_v2.timeline.instructions[0].entries[0]")
    assert profile.verified is None


def test_x_profile_only_from_the_user_answer_never_from_a_reposted_author() -> None:
    """A timeline answer alone names other users (a repost's author): none of them is the account."""
    from tests.fixtures.social import x as fx

    timeline = fx.timeline("https://x.com", "mara_models", 1, None)
    tweets = _api("https://x.com/i/api/graphql/b/UserTweets?v", timeline)
    profile, _ = extract(view("https://x.com/mara_models", "<html><body></body></html>", extra=[tweets]), None)
    assert profile.account_id is None and profile.handle is None
    assert len(profile.posts) == 12 and not profile.reached_end  # the pinned post, the first 10, a tombstone


def test_x_rate_limit_and_suspended_answers_are_walls() -> None:
    limited = _api(
        "https://x.com/i/api/graphql/a/UserByScreenName?v",
        {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        429,
    )
    profile, _ = extract(view("https://x.com/jack", "<html><body></body></html>", extra=[limited]), None)
    assert [w.code for w in profile.walls][:1] == ["rate-limit"] and "error 88" in profile.walls[0].reason
    assert profile.walls[0].evidence.warc_record_id == "<urn:uuid:api>"
    gone = {"data": {"user": {"result": {"__typename": "UserUnavailable", "reason": "Suspended"}}}}
    profile, _ = extract(
        view(
            "https://x.com/jack",
            "<html><body></body></html>",
            extra=[_api("https://x.com/i/api/graphql/a/UserByScreenName?v", gone)],
        ),
        None,
    )
    assert [w.code for w in profile.walls][:1] == ["suspended"] and profile.status() == "empty"


def test_x_syndication_timeline_next_data() -> None:
    data = {
        "props": {
            "pageProps": {
                "timeline": {
                    "entries": [
                        {
                            "type": "tweet",
                            "entry_id": "tweet-77",
                            "content": {
                                "tweet": {
                                    "id_str": "77",
                                    "created_at": "Sun Nov 01 08:00:00 +0000 2026",
                                    "full_text": "hello",
                                    "permalink": "/jack/status/77",
                                    "favorite_count": 3,
                                    "user": {"id_str": "12", "screen_name": "jack", "name": "Jack"},
                                }
                            },
                        },
                        {
                            "type": "tweet",
                            "entry_id": "tweet-78",
                            "content": {
                                "tweet": {
                                    "id_str": "78",
                                    "text": "RT",
                                    "user": {"id_str": "99", "screen_name": "other", "name": "Other"},
                                }
                            },
                        },
                    ]
                }
            }
        }
    }
    page = f'<html><body><script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script></body></html>'
    url = "https://syndication.twitter.com/srv/timeline-profile/screen-name/jack"
    profile, platform = extract(view(url, page), None)
    assert platform.NAME == "x"
    assert (v(profile.account_id), v(profile.handle), v(profile.display_name)) == ("12", "jack", "Jack")
    assert [v(p.id) for p in profile.posts] == ["77", "78"]
    first = profile.posts[0]
    assert (v(first.permalink), v(first.published), v(first.counts["likes"])) == (
        "https://x.com/jack/status/77",
        "2026-11-01T08:00:00Z",
        3,
    )
    assert first.id.source.json_path == "$.props.pageProps.timeline.entries[0].content.tweet.id_str"
    assert first.id.source.css_selector == "html > body > script"


def test_facebook_viewer_zero_is_never_the_account_and_mbasic_articles() -> None:
    ft = {"top_level_post_id": "555", "page_insights": {"42": {"post_context": {"publish_time": 1764000000}}}}
    page = (
        '<html><body><script>{"USER_ID":"0","userID":"0"}</script><script>x={"profile_id":4242}</script>'
        f"<article data-ft='{json.dumps(ft)}'><div data-ft='{{\"tn\":\"*s\"}}'><p>Hello</p></div>"
        '<a href="/story.php?story_fbid=555&amp;id=4242&amp;refid=17&amp;__tn__=%2AW">Full Story</a></article></body></html>'
    )
    profile, _ = extract(view("https://mbasic.facebook.com/somepage", page), None)
    assert v(profile.account_id) == "4242"
    (post,) = profile.posts
    assert (v(post.id), v(post.permalink)) == ("555", "https://mbasic.facebook.com/story.php?story_fbid=555&id=4242")
    assert (v(post.published), post.published.source.json_path) == (
        "2025-11-24T16:00:00Z",
        '$.page_insights["42"].post_context.publish_time',
    )


def test_facebook_checkpoint_and_a_login_form_over_no_posts() -> None:
    hop = view(
        "https://www.facebook.com/x",
        "<html><body>Security check</body></html>",
        final="https://www.facebook.com/checkpoint/block/?next=x",
    )
    profile, _ = extract(hop, "facebook")
    assert [w.code for w in profile.walls][:1] == ["bot-check"]
    form = '<html><body><form id="login_form" action="/login/device-based/"><input name="email"></form></body></html>'
    profile, _ = extract(view("https://www.facebook.com/x", form), "facebook")
    assert [w.code for w in profile.walls][:1] == ["login-wall"]
    shown = form.replace("</form>", '</form><div role="article"><a href="/x/posts/9">9</a></div>')
    profile, _ = extract(view("https://www.facebook.com/x", shown), "facebook")
    assert profile.walls == [] and [v(p.id) for p in profile.posts] == ["9"]
