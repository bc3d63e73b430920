"""VK and Instagram end to end with real Chromium: capture-profile on local copies of their public pages
(tests/fixtures/social/vk.py, instagram.py), their own paging (VK's ``?offset=``, Instagram's timeline
cursor) fetched through the capture's browser, their walls, and a second visit (a VK post deleted, an
Instagram caption edited).

Every capture is made once, in the module fixture; the tests read its results.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.social import instagram, vk
from tests.fixtures.social.site import IG_EDITED_14, IG_TEXTS, VK_TEXTS, SocialSite
from tests.test_social_capture import _run, css_to_xpath, isolated_cli, recorded, v, warc_records

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CASE = "OP-VK-IG"
VK_PAGE = f"/{vk.HANDLE}"
IG_PAGE = f"/{instagram.HANDLE}/"
WALLS = {
    f"/id{vk.CLOSED_ID}": "private",
    "/deleted_vk": "not-found",
    "/private_ig/": "private",
    "/login_ig/": "login-wall",
    "/gone_ig/": "not-found",
    "/nologin_ig/": "login-wall",
}
FAST = ("--allow-private", "--no-video", "--timeout", "40", "--concurrency", "2")


@dataclass
class World:
    root: Path
    site: SocialSite
    first: dict[str, Any]  # url -> capture-profile --json item (visit 1)
    second: dict[str, Any]  # url -> item (visit 2: VK post 12 deleted, Instagram post 14 edited)
    summary: str  # the plain-words output for the walls
    search: list[dict[str, Any]]  # search --all vk:id:-218000111 after both visits
    history: dict[str, Any]  # profile-history CASE club218000111 --json

    @property
    def case_dir(self) -> Path:
        return self.root / "cases" / CASE

    def artefact(self, digest: str) -> Path:
        hexd = digest.partition(":")[2]
        return self.case_dir / "artefacts" / hexd[:2] / hexd

    def records(self, item: dict[str, Any]) -> dict[str, dict[str, Any]]:
        warc = next(a["blake3"] for a in item["capture"]["artefacts"] if a["role"] == "warc")
        return warc_records(self, warc)  # type: ignore[arg-type]

    def reading(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        record = json.loads((self.case_dir / "captures" / f"{item['capture']['id']}.json").read_text("utf-8"))
        (reading,) = [b for b in record["behaviours"] if b["name"] == "read-timeline"]
        return list(reading["fetched"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("vkig")
    site = SocialSite().start()
    u = site.url
    try:
        with isolated_cli(root) as runner:
            _run(runner, "case", "create", CASE, "--title", "Recruiters on VK and Instagram", "--investigator", "A. P.")
            first = _run(runner, "capture-profile", u(VK_PAGE), u(IG_PAGE), "--case", CASE, *FAST, "--json")
            summary = _run(runner, "capture-profile", *[u(p) for p in WALLS], "--case", CASE, *FAST)
            site.visit = 2
            second = _run(runner, "capture-profile", u(VK_PAGE), u(IG_PAGE), "--case", CASE, *FAST, "--json")
            searched = _run(runner, "search", "--all", f"vk:id:-{vk.OWNER_ID}", "--json")
            history = _run(runner, "profile-history", CASE, f"club{vk.OWNER_ID}", "--json")
        yield World(
            root,
            site,
            {item["url"]: item for item in json.loads(first.stdout)},
            {item["url"]: item for item in json.loads(second.stdout)},
            summary.stdout,
            json.loads(searched.stdout),
            json.loads(history.stdout),
        )
    finally:
        site.stop()


def test_vk_community_read_through_its_offset_pages(world: World) -> None:
    item = world.first[world.site.url(VK_PAGE)]
    p = item["profile"]
    assert item["capture"]["status"] == "complete", item["capture"]
    assert (p["platform"], p["extractor"]) == ("vk", {"name": "vk", "version": "2"})
    assert (v(p["handle"]), v(p["account_id"]), v(p["display_name"])) == (vk.HANDLE, f"-{vk.OWNER_ID}", vk.NAME)
    assert v(p["bio"]) == "Кастинги каждую неделю. Перелёт за наш счёт."
    assert [v(link) for link in p["links"]] == ["https://models-abroad.example/apply"]
    assert v(p["counts"]["followers"]) == 1204 and p["counts"]["followers"]["raw"] == "1,204"
    assert v(p["counts"]["posts"]) == 16 and p["counts"]["posts"]["raw"] == "All posts 16"
    posts = item["posts"]
    assert [v(post["id"]) for post in posts] == [f"-{vk.OWNER_ID}_{n}" for n in range(16, 0, -1)]
    assert [v(post["permalink"]) for post in posts] == [
        f"https://vk.com/wall-{vk.OWNER_ID}_{n}" for n in range(16, 0, -1)
    ]
    newest, oldest = posts[0], posts[-1]
    assert v(newest["published"]) == "2026-01-17T10:00:00Z" and newest["published"]["raw"].startswith(
        'time="1768644000"'
    )
    assert v(oldest["published"]) == "2026-01-02T10:00:00Z"
    assert v(newest["text"]) == VK_TEXTS[16] and v(newest["author"]) == vk.NAME
    assert v(newest["counts"]["views"]) == 2600 and newest["counts"]["views"]["raw"] == "2.6K"
    assert v(newest["counts"]["likes"]) == 26
    assert newest["media"][0]["url"] == world.site.url("/media/photo30.png") and newest["media"][0]["blake3"]
    assert p["posts_read"] == 16 and p["reached_end"] is True
    # The first page held the pinned post 5 and 10 others; ?offset=10 (the pinned post is not counted)
    # the other 5; ?offset=15 VK's "no posts" block.
    assert [f["url"] for f in world.reading(item)] == [
        world.site.url(f"{VK_PAGE}?offset=10&own=1"),
        world.site.url(f"{VK_PAGE}?offset=15&own=1"),
    ]


def test_vk_values_point_at_the_warc_records_holding_them(world: World) -> None:
    import lxml.html

    item = world.first[world.site.url(VK_PAGE)]
    records = world.records(item)
    p = item["profile"]
    # The owner id is read from the wall's own posts: the first post's data-post-id on the main page.
    source = p["account_id"]["source"]
    body = records[source["warc_record_id"]]
    assert body["uri"] == world.site.url(VK_PAGE)
    (element,) = lxml.html.document_fromstring(body["body"]).xpath(css_to_xpath(source["css_selector"]))
    assert element.get("data-post-id") == f"-{vk.OWNER_ID}_16"
    handle = p["handle"]["source"]
    (element,) = lxml.html.document_fromstring(records[handle["warc_record_id"]]["body"]).xpath(
        css_to_xpath(handle["css_selector"])
    )
    assert element.get("content") == f"https://vk.com/{vk.HANDLE}"
    oldest = item["posts"][-1]
    record = records[oldest["id"]["source"]["warc_record_id"]]
    assert record["uri"] == world.site.url(f"{VK_PAGE}?offset=10&own=1")
    (element,) = lxml.html.document_fromstring(record["body"]).xpath(
        css_to_xpath(oldest["published"]["source"]["css_selector"])
    )
    assert element.get("time") == str(instagram.when(1))


def test_instagram_profile_from_its_data_answer_and_next_timeline_page(world: World) -> None:
    item = world.first[world.site.url(IG_PAGE)]
    p = item["profile"]
    assert item["capture"]["status"] == "complete", item["capture"]
    assert (p["platform"], p["extractor"]) == ("instagram", {"name": "instagram", "version": "2"})
    assert (v(p["handle"]), v(p["account_id"]), v(p["display_name"])) == (
        instagram.HANDLE,
        instagram.USER_ID,
        instagram.NAME,
    )
    assert v(p["bio"]) == instagram.BIO and v(p["verified"]) is True
    assert [v(link) for link in p["links"]] == ["https://models-abroad.example/ig"]
    assert {k: v(c) for k, c in p["counts"].items()} == {"followers": 1234, "following": 56, "posts": 15}
    posts = item["posts"]
    assert [v(post["id"]) for post in posts] == [instagram.media_id(n) for n in range(15, 0, -1)]
    assert [v(post["permalink"]) for post in posts] == [
        f"https://www.instagram.com/p/{instagram.shortcode(n)}/" for n in range(15, 0, -1)
    ]
    assert v(posts[0]["published"]) == "2026-01-16T10:00:00Z" and posts[0]["published"]["raw"] == "1768557600"
    assert v(posts[0]["text"]) == IG_TEXTS[15] and v(posts[0]["counts"]["likes"]) == 115
    assert p["posts_read"] == 15 and p["reached_end"] is True
    assert p["avatar"]["blake3"], "the avatar the page loaded is stored as an artefact"
    fetched = [f["url"] for f in world.reading(item)]
    assert fetched[0] == world.site.url(f"/api/v1/users/web_profile_info/?username={instagram.HANDLE}")
    assert len(fetched) == 2 and fetched[1].startswith(world.site.url("/graphql/query/?query_hash="))
    assert instagram.CURSOR.replace("=", "%3D") in fetched[1]


def test_instagram_values_point_at_the_json_answers_holding_them(world: World) -> None:
    item = world.first[world.site.url(IG_PAGE)]
    records = world.records(item)
    p = item["profile"]
    source = p["account_id"]["source"]
    assert source["json_path"] == "$.data.user.id"
    answer = json.loads(records[source["warc_record_id"]]["body"])
    assert records[source["warc_record_id"]]["uri"].startswith(world.site.url("/api/v1/users/web_profile_info/"))
    assert answer["data"]["user"]["id"] == instagram.USER_ID
    assert p["counts"]["followers"]["source"]["json_path"] == "$.data.user.edge_followed_by.count"
    oldest = item["posts"][-1]
    record = records[oldest["permalink"]["source"]["warc_record_id"]]
    assert record["uri"].startswith(world.site.url("/graphql/query/"))
    assert (
        oldest["permalink"]["source"]["json_path"] == "$.data.user.edge_owner_to_timeline_media.edges[2].node.shortcode"
    )
    page = json.loads(record["body"])
    assert page["data"]["user"]["edge_owner_to_timeline_media"]["edges"][2]["node"]["shortcode"] == instagram.shortcode(
        1
    )


@pytest.mark.parametrize(("path", "code"), list(WALLS.items()))
def test_each_wall_is_reported_as_that_wall(world: World, path: str, code: str) -> None:
    record, p = recorded(world, world.site.url(path))  # type: ignore[arg-type]
    assert record["status"] == "partial"
    assert any(code in error for error in record["errors"]), record["errors"]
    assert p["walls"][0]["code"] == code, p["walls"]
    assert p["status"] in ("empty", "partial") and p["why_incomplete"].startswith(code)
    assert p["platform"] == ("vk" if path in ("/deleted_vk", f"/id{vk.CLOSED_ID}") else "instagram")
    assert p["posts_read"] == 0


def test_closed_and_private_accounts_keep_what_they_show(world: World) -> None:
    _, closed = recorded(world, world.site.url(f"/id{vk.CLOSED_ID}"))  # type: ignore[arg-type]
    assert (v(closed["account_id"]), v(closed["display_name"])) == (vk.CLOSED_ID, "Anna Kovaleva")
    import lxml.html

    evidence = closed["walls"][0]["evidence"]  # the element VK's notice is in, in the stored DOM
    dom = lxml.html.document_fromstring(world.artefact(evidence["dom"]).read_bytes())
    (element,) = dom.xpath(css_to_xpath(evidence["css_selector"]))
    assert "profile_closed_wall_dummy" in element.get("class")
    _, private = recorded(world, world.site.url("/private_ig/"))  # type: ignore[arg-type]
    assert (v(private["handle"]), v(private["account_id"])) == ("private_ig", instagram.PRIVATE_ID)
    assert v(private["counts"]["posts"]) == 40, "the account says it has 40 posts: a wall, not an empty account"
    assert [w["code"] for w in private["walls"]] == ["private"]
    assert private["walls"][0]["evidence"]["json_path"] == "$.data.user.is_private"
    _, refused = recorded(world, world.site.url("/nologin_ig/"))  # type: ignore[arg-type]
    assert refused["walls"][0]["evidence"]["json_path"] == "$.require_login"
    # What the page itself served is kept: the id and name in its own JSON, the counts in its head.
    assert (v(refused["handle"]), v(refused["account_id"]), v(refused["display_name"])) == (
        "nologin_ig",
        instagram.NOLOGIN_ID,
        "Milan Castings",
    )
    assert v(refused["counts"]["followers"]) == 2048 and refused["counts"]["followers"]["raw"] == "2,048 Followers"
    _, deleted = recorded(world, world.site.url("/deleted_vk"))  # type: ignore[arg-type]
    assert deleted.get("display_name") is None, "VK's placeholder name DELETED is not the account's name"


def test_the_summary_names_each_wall_in_plain_words(world: World) -> None:
    text = " ".join(world.summary.split())
    assert text.count("not the whole account") == len(WALLS)
    assert "private: the account is private" in text
    assert "login-wall: the site asked the visitor to log in" in text
    assert "not-found: the site said the account does not exist" in text


def test_second_visit_finds_the_deleted_vk_post_and_the_edited_instagram_caption(world: World) -> None:
    vk_item = world.second[world.site.url(VK_PAGE)]
    diff = vk_item["history"]
    assert diff["from"]["capture_id"] == world.first[world.site.url(VK_PAGE)]["capture"]["id"]
    assert [x["id"] for x in diff["posts"]["deleted"]] == [f"-{vk.OWNER_ID}_12"]
    assert diff["posts"]["deleted"][0]["permalink"] == f"https://vk.com/wall-{vk.OWNER_ID}_12"
    assert diff["posts"]["new"] == diff["posts"]["edited"] == diff["posts"]["not_reread"] == []
    changes = {c["field"]: c for c in diff["changes"]}
    assert (changes["count:followers"]["before"], changes["count:followers"]["after"]) == (1204, 1250)
    ig = world.second[world.site.url(IG_PAGE)]["history"]
    (edited,) = ig["posts"]["edited"]
    assert (edited["id"], edited["text_before"], edited["text_after"]) == (
        instagram.media_id(14),
        IG_TEXTS[14],
        IG_EDITED_14,
    )
    assert ig["posts"]["deleted"] == ig["posts"]["new"] == []


def test_the_vk_owner_id_is_an_account_selector_found_in_both_captures(world: World) -> None:
    hits = [h for h in world.search if h["value"] == f"vk:id:-{vk.OWNER_ID}"]
    assert len(hits) == 2 and all(h["kind"] == "account" and h["case_id"] == CASE for h in hits)
    assert f"vk account id -{vk.OWNER_ID} @{vk.HANDLE} (" in hits[0]["snippet"]


def test_profile_history_knows_the_community_by_its_vk_address(world: World) -> None:
    found = world.history  # "club218000111", as VK's address bar writes the id -218000111
    assert (found["platform"], found["account_id"], found["handles"]) == ("vk", f"-{vk.OWNER_ID}", [vk.HANDLE])
    assert [c["posts_read"] for c in found["captures"]] == [16, 15]
    assert found["captures"][1]["changes"]["posts"]["deleted"][0]["id"] == f"-{vk.OWNER_ID}_12"
