"""X and Facebook end to end with real Chromium: capture-profile on local copies of their public pages
(tests/fixtures/social/x.py, facebook.py), their walls, and a second visit to each account: the X account
renamed (same rest_id) with one post deleted, the Facebook Page under a new vanity name (same page id) with
one post deleted and one edited.

X's posts come from the GraphQL answers the page's own script fetched while the reader scrolled: they
are read back from the WARC, and every value names the record and the JSON path that hold it.
All captures are made once, in the module fixture; the tests read their results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.social import facebook as fb
from tests.fixtures.social import x
from tests.fixtures.social.site import SocialSite
from tests.test_social_capture import FAST, _run, isolated_cli, recorded, v, warc_records

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CASE = "OP-XFB"
WALLS = {
    "/x/gone_recruiter": "suspended",
    "/x/nobody_here": "not-found",
    "/x/quiet_agent": "private",
    "/x/walled_agent": "login-wall",
    "/x/busy_agent": "rate-limit",
    "/fb/closed.agency": "login-wall",
    "/fb/removed.page": "restricted",
}


@dataclass
class World:
    root: Path
    site: SocialSite
    first: dict[str, Any]  # url -> capture-profile --json item (visit 1)
    walls: dict[str, Any]
    second: dict[str, Any]  # url -> capture-profile --json item (visit 2: the X account and the Facebook Page)
    verify: dict[str, Any]

    @property
    def case_dir(self) -> Path:
        return self.root / "cases" / CASE

    def artefact(self, digest: str) -> Path:
        hexd = digest.partition(":")[2]
        return self.case_dir / "artefacts" / hexd[:2] / hexd


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("xfb")
    site = SocialSite().start()
    u = site.url
    try:
        with isolated_cli(root) as runner:
            _run(runner, "case", "create", CASE, "--title", "Recruiters on X and Facebook", "--investigator", "Insp. B")
            first = _run(runner, "capture-profile", u("/x/mara_models"), u(f"/fb/{fb.VANITY}"), "--case", CASE, *FAST)
            walls = _run(runner, "capture-profile", *(u(p) for p in WALLS), "--case", CASE, *FAST)
            site.visit = 2
            second = _run(
                runner, "capture-profile", u("/x/mara_models_eu"), u(f"/fb/{fb.VANITIES[2]}"), "--case", CASE, *FAST
            )
            verify = _run(runner, "verify", CASE, "--json")
        yield World(
            root,
            site,
            {item["url"]: item for item in json.loads(first.stdout)},
            {item["url"]: item for item in json.loads(walls.stdout)},
            {item["url"]: item for item in json.loads(second.stdout)},
            json.loads(verify.stdout),
        )
    finally:
        site.stop()


def at_path(doc: Any, path: str) -> Any:
    """The value at a JSON path of the form the extractors write ($.a.b[0]["c d"])."""
    value = doc
    for name, quoted, index in re.findall(r'\.(\w+)|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]', path[1:]):
        value = value[int(index)] if index else value[name or json.loads(f'"{quoted}"')]
    return value


def records_of(world: World, item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    warc = next(a["blake3"] for a in item["capture"]["artefacts"] if a["role"] == "warc")
    return warc_records(world, warc)


def reading(world: World, item: dict[str, Any]) -> dict[str, Any]:
    record = json.loads((world.case_dir / "captures" / f"{item['capture']['id']}.json").read_text("utf-8"))
    (found,) = [b for b in record["behaviours"] if b["name"] == "read-timeline"]
    return dict(found)


# --- X ---------------------------------------------------------------------------------------------------
def test_x_account_from_the_user_answer_the_page_fetched(world: World) -> None:
    item = world.first[world.site.url("/x/mara_models")]
    p = item["profile"]
    assert item["capture"]["status"] == "complete", item["capture"]["errors"]
    assert (p["platform"], p["extractor"]) == ("x", {"name": "x", "version": "3"})
    assert (v(p["handle"]), v(p["account_id"]), v(p["display_name"])) == ("mara_models", x.REST_ID, x.NAME)
    assert v(p["bio"]) == x.BIO
    assert {k: v(c) for k, c in p["counts"].items()} == {
        "followers": 4821,
        "following": 312,
        "posts": 14,
        "likes": 77,
        "media": 5,
    }
    assert (v(p["created"]), p["created"]["raw"]) == ("2019-03-04T09:15:00Z", "Mon Mar 04 09:15:00 +0000 2019")
    assert [v(link) for link in p["links"]] == ["https://mara-casting.example/"]
    assert v(p["verified"]) is True and any("X Premium" in note for note in p["notes"])
    assert p["avatar"]["blake3"] and p["header"]["blake3"], "pictures stored from their WARC records"
    assert p["walls"] == [] and p["status"] == "complete"


def test_x_values_point_at_the_graphql_records_holding_them(world: World) -> None:
    item = world.first[world.site.url("/x/mara_models")]
    records = records_of(world, item)
    p = item["profile"]
    for field in ("handle", "account_id", "display_name", "bio"):
        source = p[field]["source"]
        record = records[source["warc_record_id"]]
        assert "/UserByScreenName?" in record["uri"], field
        assert str(at_path(json.loads(record["body"]), source["json_path"])) == str(v(p[field])), field
    assert p["account_id"]["source"]["json_path"] == "$.data.user.result.rest_id"
    assert p["handle"]["source"]["json_path"] == "$.data.user.result.core.screen_name"
    for post in item["posts"]:
        source = post["id"]["source"]
        record = records[source["warc_record_id"]]
        assert "/UserTweets?" in record["uri"]
        # a tombstone's only id is the one its entry names ("tweet-ID"), kept as the raw text
        assert at_path(json.loads(record["body"]), source["json_path"]) == post["id"].get("raw", v(post["id"]))
        text = post["text"]["source"]
        assert at_path(json.loads(records[text["warc_record_id"]]["body"]), text["json_path"]) == v(post["text"])


def test_x_posts_read_through_the_bottom_cursor_to_the_timeline_end(world: World) -> None:
    item = world.first[world.site.url("/x/mara_models")]
    posts = item["posts"]
    pinned = x.tweet_id(x.PINNED)
    order = [x.tweet_id(n) for n in range(14, 0, -1) if n != x.PINNED]
    order.insert(order.index(x.tweet_id(12)) + 1, x.TOMBSTONE_ID)
    assert [v(post["id"]) for post in posts] == [pinned, *order]
    assert item["profile"]["posts_read"] == 15 and item["profile"]["reached_end"] is True
    by_id = {v(post["id"]): post for post in posts}
    newest = by_id[x.tweet_id(14)]
    assert v(newest["permalink"]) == f"https://x.com/mara_models/status/{x.tweet_id(14)}"
    assert (v(newest["published"]), newest["published"]["raw"]) == (
        "2026-11-24T09:14:00Z",
        "Tue Nov 24 09:14:00 +0000 2026",
    )
    assert v(newest["author"]) == "mara_models" and v(newest["text"]) == x.text(14)
    assert {k: v(c) for k, c in newest["counts"].items()} == {
        "bookmarks": 2,
        "likes": 140,
        "quotes": 0,
        "replies": 14,
        "shares": 28,
        "views": 1518,
    }
    (photo,) = newest["media"]
    assert photo["url"] == world.site.url("/x/pbs/media/GdPhoto14.png") and photo["blake3"]
    repost = by_id[x.tweet_id(13)]
    assert v(repost["forwarded_from"]) == "https://x.com/castingnews/status/1861000000000000777"
    # a repost's text is the original's whole text; X's own "RT @name: …" form is kept as the raw text
    assert (v(repost["text"]), repost["text"]["raw"]) == (
        "Open call in Milan on Friday.",
        "RT @castingnews: Open call in Milan on Friday.",
    )
    assert repost["text"]["source"]["json_path"].endswith(".legacy.retweeted_status_result.result.legacy.full_text")
    assert v(by_id[x.tweet_id(12)]["quote_of"]) == "https://x.com/dubai_jobs/status/1861000000000000888"
    assert v(by_id[x.tweet_id(11)]["reply_to"]) == "https://x.com/modelscout_it/status/1861000000000000999"
    # Three timeline answers, the second and third asked for with the bottom cursor of the one before,
    # all fetched by the page's own script as the reader scrolled (the reader fetched nothing itself).
    records = records_of(world, item)
    timelines = sorted({r["uri"] for r in records.values() if "/UserTweets?" in r["uri"]})
    assert len(timelines) == 3
    assert sum('"cursor"' in json.dumps(r) or "cursor%22" in r for r in timelines) == 2
    assert reading(world, item)["fetched"] == []


def test_x_long_wrapped_video_withheld_and_unavailable_posts(world: World) -> None:
    item = world.first[world.site.url("/x/mara_models")]
    by_id = {v(post["id"]): post for post in item["posts"]}
    notes = item["profile"]["notes"]
    # A long post: its whole text from note_tweet, never legacy.full_text's first 275 characters.
    long = by_id[x.tweet_id(x.LONG)]
    assert len(x.LONG_TEXT) > 280 and v(long["text"]) == x.LONG_TEXT
    assert long["text"]["raw"] == x.long_start()
    assert long["text"]["source"]["json_path"].endswith(".note_tweet.note_tweet_results.result.text")
    # A post inside a TweetWithVisibilityResults wrapper is read from its "tweet".
    wrapped = by_id[x.tweet_id(x.WRAPPED)]
    assert wrapped["id"]["source"]["json_path"].endswith(".tweet_results.result.tweet.rest_id")
    assert (v(wrapped["author"]), v(wrapped["text"])) == ("mara_models", x.text(x.WRAPPED))
    assert v(wrapped["permalink"]) == f"https://x.com/mara_models/status/{x.tweet_id(x.WRAPPED)}"
    # A video: the mp4 variant of the highest bitrate (not the HLS playlist), then its thumbnail.
    video, thumb = by_id[x.tweet_id(x.VIDEO)]["media"]
    assert (video["kind"], video["url"]) == ("video", world.site.url(x.video_url(x.VIDEO, 2176000)))
    assert video["source"]["json_path"].endswith(".extended_entities.media[0].video_info.variants[2].url")
    assert thumb["kind"] == "thumbnail" and thumb["url"].endswith("/thumb7.jpg")
    # A tombstone in the timeline: kept by the id its entry names, X's notice as its text, no author,
    # and a note that says it is withheld or unavailable, not deleted by the account.
    tomb = by_id[x.TOMBSTONE_ID]
    assert (v(tomb["text"]), v(tomb["permalink"])) == (x.TOMBSTONE_TEXT, f"https://x.com/i/status/{x.TOMBSTONE_ID}")
    assert tomb["id"]["raw"] == f"tweet-{x.TOMBSTONE_ID}" and "author" not in tomb
    assert tomb["text"]["source"]["json_path"].endswith(".tweet_results.result.tombstone.text.text")
    assert (
        f"post {x.TOMBSTONE_ID} is shown by X only as a notice ({x.TOMBSTONE_TEXT!r}): it is withheld or "
        "unavailable to a logged-out visitor, not a post this account is known to have deleted; its author is "
        "not shown"
    ) in notes
    # A quote of a post X shows as a tombstone: the quoted id from quoted_status_id_str, X's words as raw.
    quoting = by_id[x.tweet_id(x.QUOTES_GONE)]
    assert (v(quoting["quote_of"]), quoting["quote_of"]["raw"]) == (
        f"https://x.com/i/status/{x.GONE_QUOTED_ID}",
        x.GONE_QUOTED_TEXT,
    )
    assert any(note.startswith(f"post {x.tweet_id(x.QUOTES_GONE)} quotes post {x.GONE_QUOTED_ID}") for note in notes)
    assert (
        f"post {x.tweet_id(x.WITHHELD)} is withheld in DE (scope 'status'), as X's answer says "
        "(legacy.withheld_in_countries)"
    ) in notes


def test_x_second_visit_finds_the_deleted_post_and_the_rename(world: World) -> None:
    item = world.second[world.site.url("/x/mara_models_eu")]
    p = item["profile"]
    assert (v(p["handle"]), v(p["account_id"])) == ("mara_models_eu", x.REST_ID)
    diff = item["history"]
    assert diff["from"]["capture_id"] == world.first[world.site.url("/x/mara_models")]["capture"]["id"]
    changes = {c["field"]: c for c in diff["changes"]}
    assert (changes["handle"]["before"], changes["handle"]["after"]) == ("mara_models", "mara_models_eu")
    assert (changes["count:followers"]["before"], changes["count:followers"]["after"]) == (4821, 5010)
    assert (changes["count:posts"]["before"], changes["count:posts"]["after"]) == (14, 13)
    posts = diff["posts"]
    deleted = x.tweet_id(x.DELETED_ON_VISIT_2)
    assert [d["id"] for d in posts["deleted"]] == [deleted]
    assert posts["deleted"][0]["permalink"] == f"https://x.com/mara_models/status/{deleted}"
    assert posts["new"] == [] and posts["edited"] == [] and posts["not_reread"] == []
    assert diff["read_back_to"]["reached_end"] is True


# --- Facebook --------------------------------------------------------------------------------------------
def test_facebook_page_id_name_counts_and_posts(world: World) -> None:
    item = world.first[world.site.url(f"/fb/{fb.VANITY}")]
    p = item["profile"]
    assert item["capture"]["status"] == "complete", item["capture"]["errors"]
    assert (p["platform"], p["extractor"]) == ("facebook", {"name": "facebook", "version": "3"})
    # The page id from its app links, never the logged-out viewer's "USER_ID":"0" / "userID":"0".
    assert (v(p["account_id"]), p["account_id"]["raw"]) == (fb.PAGE_ID, f"fb://page/{fb.PAGE_ID}?referrer=app_link")
    assert (v(p["handle"]), v(p["display_name"])) == (fb.VANITY, fb.TITLE)
    assert v(p["bio"]) == fb.ABOUT
    counts = p["counts"]
    assert (v(counts["likes"]), counts["likes"]["raw"]) == (12480, "12,480 likes")
    assert (v(counts["talking_about"]), v(counts["checkins"]), v(counts["followers"])) == (37, 3, 12911)
    assert p["avatar"]["blake3"]
    posts = item["posts"]
    assert [v(post["id"]) for post in posts] == [fb.post_id(n) for n in range(fb.POSTS, 0, -1)]
    assert [v(post["permalink"]) for post in posts] == [fb.permalink(n)[1] for n in range(fb.POSTS, 0, -1)]
    assert posts[0]["permalink"]["raw"] == fb.permalink(fb.POSTS)[0], "the href as linked is kept as raw"
    assert [v(post["published"]) for post in posts][:2] == ["2026-11-15T12:00:00Z", "2026-11-14T12:00:00Z"]
    assert v(posts[0]["text"]) == fb.text(fb.POSTS)
    assert {k: v(c) for k, c in posts[0]["counts"].items()} == {"likes": 120, "replies": 10, "shares": 5}
    assert posts[0]["media"][0]["blake3"]
    # The author is the story's data-ft content_owner_id_new (the Page's numeric id), as facebook-scraper reads it.
    assert {v(post["author"]) for post in posts} == {fb.PAGE_ID}
    assert posts[0]["author"]["source"]["json_path"] == "$.content_owner_id_new"
    # A share names the shared post from data-ft original_content_id / original_content_owner_id.
    by_id = {v(post["id"]): post for post in posts}
    shared = by_id[fb.post_id(fb.SHARED)]["forwarded_from"]
    assert (v(shared), shared["raw"]) == (
        f"https://www.facebook.com/{fb.SHARED_OWNER}/posts/{fb.SHARED_POST}",
        fb.SHARED_POST,
    )
    assert shared["source"]["json_path"] == "$.original_content_id"
    assert [n for n in range(fb.POSTS, 0, -1) if "forwarded_from" in by_id[fb.post_id(n)]] == [fb.SHARED]
    assert v(by_id[fb.post_id(fb.SHARED)]["text"]) == fb.text(fb.SHARED), "the sharing post's own words"


def test_facebook_second_visit_finds_the_deleted_and_edited_posts_and_the_new_vanity(world: World) -> None:
    first = world.first[world.site.url(f"/fb/{fb.VANITY}")]
    item = world.second[world.site.url(f"/fb/{fb.VANITIES[2]}")]
    p = item["profile"]
    assert item["capture"]["status"] == "complete", item["capture"]["errors"]
    assert (v(p["handle"]), v(p["account_id"])) == (fb.VANITIES[2], fb.PAGE_ID)
    assert [v(post["id"]) for post in item["posts"]] == [fb.post_id(n) for n in fb.numbers(2)]
    diff = item["history"]
    assert diff["from"]["capture_id"] == first["capture"]["id"]
    assert diff["account"] == f"facebook:id:{fb.PAGE_ID}", "matched by the page id, not the vanity name"
    assert diff["changes"] == [{"field": "handle", "before": fb.VANITY, "after": fb.VANITIES[2]}]
    posts = diff["posts"]
    deleted = fb.post_id(fb.DELETED_ON_VISIT_2)
    assert [(d["id"], d["permalink"]) for d in posts["deleted"]] == [(deleted, fb.permalink(fb.DELETED_ON_VISIT_2)[1])]
    (edited,) = posts["edited"]
    assert edited["id"] == fb.post_id(fb.EDITED_ON_VISIT_2)
    assert (edited["text_before"], edited["text_after"]) == (
        fb.text(fb.EDITED_ON_VISIT_2, 1),
        fb.text(fb.EDITED_ON_VISIT_2, 2),
    )
    assert edited["media_before"] == edited["media_after"] == []
    assert posts["new"] == [] and posts["not_reread"] == []


def test_facebook_values_point_at_the_page_record_holding_them(world: World) -> None:
    from lxml import html as lxml_html

    from evidence_kit.social.views import css_path

    item = world.first[world.site.url(f"/fb/{fb.VANITY}")]
    records = records_of(world, item)
    p = item["profile"]
    source = p["account_id"]["source"]
    page = records[source["warc_record_id"]]
    assert page["uri"] == world.site.url(f"/fb/{fb.VANITY}")
    root = lxml_html.document_fromstring(page["body"])

    def select(selector: str) -> list[Any]:  # the element the structural selector names (no cssselect here)
        return [e for e in root.iter() if isinstance(e.tag, str) and css_path(e) == selector]

    (element,) = select(source["css_selector"])
    assert element.get("property") == "al:android:url" and fb.PAGE_ID in element.get("content")
    post = item["posts"][0]
    selector, _, attribute = post["id"]["source"]["css_selector"].partition(" @")
    (story,) = select(selector)
    assert attribute == "data-ft"
    assert at_path(json.loads(story.get(attribute)), post["id"]["source"]["json_path"]) == v(post["id"])
    (stamp,) = select(post["published"]["source"]["css_selector"])
    assert stamp.get("data-utime") == post["published"]["raw"]


# --- walls -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "code"), list(WALLS.items()))
def test_each_wall_is_reported_as_that_wall(world: World, path: str, code: str) -> None:
    record, p = recorded(world, world.site.url(path))
    assert record["status"] == "partial"
    assert any(code in error for error in record["errors"]), record["errors"]
    assert p["walls"][0]["code"] == code, p["walls"]
    assert p["why_incomplete"].startswith(code)
    assert p["posts_read"] == (11 if code == "rate-limit" else 0)  # its pinned post and first page


def test_a_rate_limit_mid_timeline_keeps_the_posts_read_and_claims_no_end(world: World) -> None:
    record, p = recorded(world, world.site.url("/x/busy_agent"))
    assert (v(p["handle"]), v(p["account_id"])) == ("busy_agent", x.BUSY_ID)
    assert p["reached_end"] is False, "a refused page is not the timeline's end"
    (limited,) = [w for w in p["walls"] if w["code"] == "rate-limit"]
    assert "error 88" in limited["reason"] and limited["evidence"]["warc_record_id"]
    (reading,) = [b for b in record["behaviours"] if b["name"] == "read-timeline"]
    assert reading["stopped"] == "a rate limit (429) on the site's API" and "rate-limit" in reading["walls"]


def test_a_protected_x_account_is_still_identified(world: World) -> None:
    _, p = recorded(world, world.site.url("/x/quiet_agent"))
    assert (v(p["handle"]), v(p["account_id"]), p["status"]) == ("quiet_agent", "1520000000000000001", "partial")
    assert p["walls"][0]["evidence"]["json_path"] == "$.data.user.result.privacy.protected"


def test_x_walls_name_the_answer_they_were_read_from(world: World) -> None:
    _, suspended = recorded(world, world.site.url("/x/gone_recruiter"))
    assert suspended["status"] == "empty" and "reason 'Suspended'" in suspended["walls"][0]["reason"]
    assert suspended["walls"][0]["evidence"]["json_path"] == "$.data.user.result.reason"
    _, missing = recorded(world, world.site.url("/x/nobody_here"))
    assert missing["walls"][0]["evidence"]["json_path"] == "$.data"
    _, login = recorded(world, world.site.url("/x/walled_agent"))
    assert "/i/flow/login" in login["walls"][0]["evidence"]["url"]


def test_verify_passes_on_the_case_with_x_and_facebook_profiles(world: World) -> None:
    """Every WARC record a Profile cites is in its capture's WARC (the social-source check) and the chain holds."""
    assert world.verify["ok"] is True and world.verify["complete"] is True, world.verify
    (social,) = [c for c in world.verify["checks"] if c["name"] == "social-source"]
    assert social["passed"] is True and social["checked"] >= 10
