"""Issue 12 end to end with real Chromium: capture-profile on local copies of each platform's public
pages, walls, a second visit (a deleted post, an edited one, the channel renamed with the same id),
profile-history, the MLA annex naming the account, verify and the bundle validators.

Every capture is made once, in the module fixture (one case, a few commands); the tests read its results.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from tests.fixtures.bundle import FORM, venv_bin
from tests.fixtures.social.site import EDITED_27, SocialSite
from tests.fixtures.social.telegram import CHANNEL_ID

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CASE = "OP-SOCIAL"
WALLS = {
    "/walls/login": "login-wall",
    "/walls/consent": "consent-wall",
    "/walls/botcheck": "bot-check",
    "/walls/missing": "not-found",
    "/@bob": "suspended",
    "/s/closedchan": "restricted",
}
FAST = ("--allow-private", "--no-video", "--timeout", "40", "--concurrency", "2", "--json")


@dataclass
class World:
    root: Path
    site: SocialSite
    first: dict[str, Any]  # url -> capture-profile --json item (visit 1)
    second: dict[str, Any]  # the renamed channel (visit 2)
    again: dict[str, Any]  # jdoe again with --max-posts 3 --capture-posts
    summary: str  # the plain-words output of the second visit's twin (profile-history)
    history_json: dict[str, Any]
    history_text: str
    verify: Any
    export: Any
    env: dict[str, str]
    search: Any
    shown: Any

    @property
    def case_dir(self) -> Path:
        return self.root / "cases" / CASE

    def artefact(self, digest: str) -> Path:
        hexd = digest.partition(":")[2]
        return self.case_dir / "artefacts" / hexd[:2] / hexd


def _run(runner: CliRunner, *args: str, code: int = 0) -> Any:
    from evidence_kit.cli import app

    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return result


def isolated_env(root: Path) -> dict[str, str]:
    """Where a world's cases, keys, config and journal live: all under ``root``."""
    return {
        "EVIDENCE_KIT_HOME": str(root / "cases"),
        "EVIDENCE_KIT_KEYS": str(root / "keys"),
        "EVIDENCE_KIT_CONFIG": str(root / "config.json"),
        "EVIDENCE_KIT_JOURNAL": str(root / "journal"),
    }


@contextmanager
def isolated_cli(root: Path) -> Iterator[CliRunner]:
    """A CLI runner over :func:`isolated_env` (no investigator preset), for a module's shared world."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in isolated_env(root).items():
            patch.setenv(key, value)
        patch.delenv("EVIDENCE_KIT_INVESTIGATOR", raising=False)
        yield CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("social")
    site = SocialSite().start()
    u = site.url
    first_urls = [
        u("/s/starjobs"),
        u("/@alice"),
        u("/people/jdoe"),
        u("/scroll/kim"),
        u("/@tiktoker"),
    ]
    wall_urls = [u(path) for path in WALLS]
    try:
        with isolated_cli(root) as runner:
            _run(runner, "case", "create", CASE, "--title", "Recruiters online", "--investigator", "Insp. A. Petrova")
            first = _run(runner, "capture-profile", *first_urls, "--case", CASE, *FAST)
            # The walls in plain words: the summary a person reads (no --json).
            summary = _run(runner, "capture-profile", *wall_urls, "--case", CASE, *FAST[:-1])
            site.visit = 2
            second = _run(runner, "capture-profile", u("/s/starjobs_eu"), "--case", CASE, "--max-posts", "10", *FAST)
            site.visit = 1  # jdoe's page is the same on both visits (the avatar too)
            again = _run(
                runner,
                "capture-profile",
                u("/people/jdoe"),
                "--case",
                CASE,
                "--max-posts",
                "3",
                "--capture-posts",
                *FAST,
            )
            history_json = _run(runner, "profile-history", CASE, CHANNEL_ID, "--json")
            history_text = _run(runner, "profile-history", CASE, "@starjobs")
            verify = _run(runner, "verify", CASE, "--json")
            searched = _run(runner, "search", "--all", f"telegram:id:{CHANNEL_ID}", "--json")
            by_handle = _run(runner, "search", "--all", "starjobs_eu", "--json")
            shown = _run(runner, "case", "show", CASE, "--json")
            form = root / "FORM.json"
            form.write_text(json.dumps(FORM), "utf-8")
            export = _run(runner, "export", CASE, "--out", str(root / "bundle"), "--mla", str(form), "--json")
        yield World(
            root,
            site,
            {item["url"]: item for item in json.loads(first.stdout)},
            json.loads(second.stdout)[0],
            json.loads(again.stdout)[0],
            summary.stdout,
            json.loads(history_json.stdout),
            history_text.stdout,
            json.loads(verify.stdout),
            json.loads(export.stdout),
            isolated_env(root),
            json.loads(searched.stdout) + json.loads(by_handle.stdout),
            json.loads(shown.stdout),
        )
    finally:
        site.stop()


def v(item: Any) -> Any:
    return item["value"] if isinstance(item, dict) else item


def warc_records(world: World, digest: str) -> dict[str, dict[str, Any]]:
    """WARC-Record-ID -> {uri, body} of every response record of a stored WARC, read with warcio."""
    out = {}
    with world.artefact(digest).open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                out[record.rec_headers.get_header("WARC-Record-ID")] = {
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "body": record.content_stream().read(),
                }
    return out


def test_telegram_channel_read_through_its_before_pages(world: World) -> None:
    item = world.first[world.site.url("/s/starjobs")]
    p = item["profile"]
    assert item["capture"]["status"] == "complete"
    assert (p["platform"], p["extractor"]) == ("telegram", {"name": "telegram", "version": "1"})
    assert (v(p["handle"]), v(p["account_id"]), v(p["display_name"])) == ("starjobs", CHANNEL_ID, "Star Models Jobs")
    assert v(p["counts"]["subscribers"]) == 1200 and p["counts"]["subscribers"]["raw"] == "1.2K subscribers"
    assert v(p["bio"]) == "Work abroad. Modelling jobs.\nWrite to WhatsApp"
    assert [v(link) for link in p["links"]] == ["https://wa.me/359881234567"]
    posts = item["posts"]
    assert [v(post["id"]) for post in posts] == [str(n) for n in range(30, 0, -1)]
    assert posts[0]["id"]["raw"] == "starjobs/30"
    assert p["posts_read"] == 30 and p["reached_end"] is True
    first = posts[0]
    assert v(first["permalink"]) == "https://t.me/starjobs/30"
    assert v(first["published"]) == "2026-02-03T10:30:00+00:00"
    assert v(first["counts"]["views"]) == 30000 and first["counts"]["views"]["raw"] == "30.0K"
    assert first["media"][0]["url"] == world.site.url("/media/photo30.png") and first["media"][0]["blake3"]
    assert v(posts[1]["forwarded_from"]) == "https://t.me/otherchannel"
    # Three pages were read: the channel, then ?before=21 and ?before=11, fetched through the page.
    fetched = [f["url"] for f in world_reading(world, item)]
    assert fetched == [world.site.url("/s/starjobs?before=21"), world.site.url("/s/starjobs?before=11")]


def world_reading(world: World, item: dict[str, Any]) -> list[dict[str, Any]]:
    record = json.loads((world.case_dir / "captures" / f"{item['capture']['id']}.json").read_text("utf-8"))
    (reading,) = [b for b in record["behaviours"] if b["name"] == "read-timeline"]
    assert record["options"]["reader"] == {"name": "read-timeline", "max_posts": 50, "platform": None}
    return reading["fetched"]


def test_every_value_points_at_a_real_warc_record_holding_it(world: World) -> None:
    item = world.first[world.site.url("/s/starjobs")]
    warc = next(a["blake3"] for a in item["capture"]["artefacts"] if a["role"] == "warc")
    records = warc_records(world, warc)
    p = item["profile"]
    for field in ("handle", "account_id", "display_name"):
        source = p[field]["source"]
        assert source["warc_record_id"] in records, field
        assert records[source["warc_record_id"]]["uri"] == world.site.url("/s/starjobs")
        assert source["css_selector"].startswith("html > body")
    oldest = item["posts"][-1]
    record = records[oldest["id"]["source"]["warc_record_id"]]
    assert record["uri"] == world.site.url("/s/starjobs?before=11")
    assert b'data-post="starjobs/1"' in record["body"]
    # The CSS selector selects exactly the element holding the value in that record's HTML.
    import lxml.html

    main = lxml.html.document_fromstring(records[p["display_name"]["source"]["warc_record_id"]]["body"])
    (element,) = main.xpath(css_to_xpath(p["display_name"]["source"]["css_selector"]))
    assert element.text_content().strip() == "Star Models Jobs"
    older = lxml.html.document_fromstring(record["body"])
    (element,) = older.xpath(css_to_xpath(oldest["id"]["source"]["css_selector"]))
    assert element.get("data-post") == "starjobs/1"


def css_to_xpath(selector: str) -> str:
    """The structural selectors the extractors write (``a > b:nth-of-type(2)``) as XPath."""
    import re

    steps = []
    for part in selector.split(" > "):
        found = re.fullmatch(r"([\w-]+)(?::nth-of-type\((\d+)\))?", part)
        assert found, part
        steps.append(found.group(1) + (f"[{found.group(2)}]" if found.group(2) else ""))
    return "/" + "/".join(steps)


def test_mastodon_actor_and_outbox_are_in_the_warc(world: World) -> None:
    item = world.first[world.site.url("/@alice")]
    p = item["profile"]
    assert p["platform"] == "mastodon"
    assert v(p["account_id"]) == world.site.url("/users/alice")
    assert (v(p["handle"]), v(p["display_name"]), v(p["bio"])) == ("alice", "Alice Recruiter", "Casting for agencies")
    assert v(p["created"]) == "2024-05-01T00:00:00Z"
    assert {k: v(c) for k, c in p["counts"].items()} == {"followers": 321, "following": 45, "posts": 7}
    assert [v(a) for a in p["also_known_as"]] == ["https://old.example/users/alice"]
    assert "https://castings.example" in [v(link) for link in p["links"]]
    assert [v(post["permalink"]) for post in item["posts"]] == [
        world.site.url(f"/@alice/10{n}") for n in range(7, 0, -1)
    ]
    assert v(item["posts"][0]["text"]) == "Toot 7: casting call"
    warc = next(a["blake3"] for a in item["capture"]["artefacts"] if a["role"] == "warc")
    records = warc_records(world, warc)
    source = p["account_id"]["source"]
    assert records[source["warc_record_id"]]["uri"] == world.site.url("/users/alice") and source["json_path"] == "$.id"
    assert p["avatar"]["blake3"], "the avatar the page loaded is stored as an artefact"


def test_unseen_layout_read_by_the_generic_extractor_through_its_older_posts_link(world: World) -> None:
    item = world.first[world.site.url("/people/jdoe")]
    p = item["profile"]
    assert (p["platform"], v(p["handle"]), v(p["account_id"]), v(p["display_name"])) == (
        "generic",
        "jdoe",
        "u-4471",
        "Jane Doe",
    )
    assert v(p["counts"]["followers"]) == 980
    assert p["handle"]["source"]["json_path"] == "$.mainEntity.alternateName"
    assert "https://social.example/@jdoe" in [v(link) for link in p["links"]]
    assert [v(post["permalink"]) for post in item["posts"]] == [
        world.site.url(f"/people/jdoe/posts/{n}") for n in range(6, 0, -1)
    ]
    assert v(item["posts"][0]["published"]) == "2026-01-16T09:00:00Z"
    urls = [f["url"] for f in world_reading(world, item)]
    assert world.site.url("/people/jdoe?page=2") in urls and world.site.url("/people/jdoe/feed.xml") in urls


def test_scrolled_timeline_and_tiktok_rehydration_data(world: World) -> None:
    kim = world.first[world.site.url("/scroll/kim")]
    assert v(kim["profile"]["handle"]) == "kim_scout"
    links = [v(post["permalink"]) for post in kim["posts"]]
    assert links == [world.site.url(f"/scroll/kim/p/{n}") for n in range(1, 31)]
    assert {"why": 'clicked "Load more"', "url": None} in world_reading(world, kim)
    assert kim["posts"][-1]["id"]["source"]["dom"], "posts the page's script added are read from the DOM artefact"
    tiktok = world.first[world.site.url("/@tiktoker")]["profile"]
    assert (tiktok["platform"], v(tiktok["account_id"]), v(tiktok["handle"]), v(tiktok["display_name"])) == (
        "tiktok",
        "6890000000000000001",
        "tiktoker",
        "Tik Toker",
    )
    assert tiktok["account_id"]["source"]["json_path"].endswith("userInfo.user.id")
    assert v(tiktok["counts"]["followers"]) == 12345


def recorded(world: World, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(capture record, Profile) of the capture of ``url``, read from the signed ledger and the store."""
    import sqlite3

    with sqlite3.connect(world.case_dir / "ledger.sqlite") as db:
        rows = db.execute(
            "SELECT artefacts, details FROM events WHERE action = 'social-profile' ORDER BY seq"
        ).fetchall()
    for artefacts, details in rows:
        profile = next(a for a in json.loads(artefacts) if a["role"] == "social-profile")
        body = json.loads(world.artefact(profile["blake3"]).read_bytes())
        if body["capture"]["url"] == url:
            capture_id = json.loads(details)["capture_id"]
            return json.loads((world.case_dir / "captures" / f"{capture_id}.json").read_text("utf-8")), body
    raise AssertionError(f"no profile recorded for {url}")


@pytest.mark.parametrize(("path", "code"), list(WALLS.items()))
def test_walls_are_reported_as_walls_never_as_empty_accounts(world: World, path: str, code: str) -> None:
    record, p = recorded(world, world.site.url(path))
    assert record["status"] == "partial"
    assert any(code in error for error in record["errors"]), record["errors"]
    assert p["walls"][0]["code"] == code
    assert p["status"] in ("empty", "partial") and p["why_incomplete"].startswith(code)
    assert any(a["role"] == "screenshot" for a in record["artefacts"]), "the wall itself is kept as evidence"


def test_the_summary_names_the_wall_in_plain_words(world: World) -> None:
    text = " ".join(world.summary.split())
    assert text.count("not the whole account") == len(WALLS)
    assert "login-wall: the site asked the visitor to log in" in text
    assert "restricted: the site restricts this account" in text
    assert "a wall is not evidence that the account or its posts do not exist" in text


def test_second_visit_finds_the_deleted_and_edited_posts_and_the_rename(world: World) -> None:
    item = world.second
    p = item["profile"]
    assert (v(p["handle"]), v(p["account_id"])) == ("starjobs_eu", CHANNEL_ID)
    diff = item["history"]
    assert diff["from"]["capture_id"] == world.first[world.site.url("/s/starjobs")]["capture"]["id"]
    changes = {c["field"]: c for c in diff["changes"]}
    assert (changes["handle"]["before"], changes["handle"]["after"]) == ("starjobs", "starjobs_eu")
    assert (changes["count:subscribers"]["before"], changes["count:subscribers"]["after"]) == (1200, 1500)
    assert "another picture" in changes["avatar"]["how"]
    posts = diff["posts"]
    assert [x["id"] for x in posts["new"]] == ["31"]
    assert [x["id"] for x in posts["deleted"]] == ["25"]
    assert posts["deleted"][0]["permalink"] == "https://t.me/starjobs/25"
    (edited,) = posts["edited"]
    assert (edited["id"], edited["text_after"]) == ("27", EDITED_27)
    # The first page (posts 21-31) already held 10 posts (--max-posts 10): posts 1-20 were not re-read,
    # so they are not called deleted; 25 lies within what was read, so it is.
    assert sorted(int(x["id"]) for x in posts["not_reread"]) == list(range(1, 21))
    assert diff["read_back_to"]["reached_end"] is False
    # The diff is a custody-logged artefact of the capture, named in the social-profile event.
    assert world.artefact(item["artefacts"]["social-history"]).is_file()


def test_profile_history_shows_the_account_across_captures(world: World) -> None:
    found = world.history_json
    assert found["account_id"] == CHANNEL_ID and found["handles"] == ["starjobs", "starjobs_eu"]
    assert [c["handle"] for c in found["captures"]] == ["starjobs", "starjobs_eu"]
    assert found["captures"][1]["changes"]["posts"]["deleted"][0]["id"] == "25"
    text = world.history_text
    assert "renamed: @starjobs -> @starjobs_eu" in text and "1 post(s) deleted: 25" in text
    assert "not re-read" in text


def test_recapture_with_fewer_posts_says_not_reread_and_captures_the_posts(world: World) -> None:
    item = world.again
    diff = item["history"]
    # Three posts on the page were enough (--max-posts 3), but the RSS feed fetched beside it holds all
    # six: nothing is missing, nothing is "not re-read", nothing changed.
    assert diff["posts"] == {
        "new": [],
        "edited": [],
        "unavailable": [],
        "shown_again": [],
        "deleted": [],
        "not_reread": [],
    }
    assert diff["changes"] == []
    assert [c["url"] for c in item["post_captures"]] == [world.site.url(f"/people/jdoe/posts/{n}") for n in (6, 5, 4)]
    assert all(c["status"] == "complete" for c in item["post_captures"])


def test_account_selectors_and_the_mla_annex_name_the_account(world: World) -> None:
    import sqlite3

    with sqlite3.connect(world.case_dir / "ledger.sqlite") as db:
        values = {row[0] for row in db.execute("SELECT value FROM md_selectors WHERE kind = 'account'")}
    assert {f"telegram:id:{CHANNEL_ID}", "telegram:@starjobs", "telegram:@starjobs_eu", "generic:id:u-4471"} <= values
    bundle = world.root / "bundle"
    annexes = [a for a in bundle.rglob("*.html") if "telegram" in a.name.lower()]
    assert annexes, sorted(a.name for a in bundle.rglob("*.html"))
    text = annexes[0].read_text("utf-8")
    assert CHANNEL_ID in text and "@starjobs_eu" in text and "@starjobs" in text
    report = next(bundle.rglob("report.html")).read_text("utf-8")
    assert "Social-media accounts" in report and "renamed: @starjobs -&gt; @starjobs_eu" in report


def test_search_all_finds_the_account_by_its_id_under_both_handles(world: World) -> None:
    hits = [h for h in world.search if h["value"] == f"telegram:id:{CHANNEL_ID}"]
    assert len(hits) == 2 and all(h["kind"] == "account" and h["case_id"] == CASE for h in hits)
    # The handle as an investigator types it finds the account selector too.
    assert {(h["kind"], h["value"]) for h in world.search if h not in hits} >= {("account", "telegram:@starjobs_eu")}
    assert [h["value"] for h in hits] == [f"telegram:id:{CHANNEL_ID}"] * 2
    snippets = [h["snippet"] for h in hits]
    assert f"telegram account id {CHANNEL_ID} @starjobs (" in snippets[0] and "@starjobs_eu (" in snippets[1]
    assert world.shown["id"] == CASE


def test_verify_and_the_bundle_validators_pass_on_a_case_with_profiles(world: World) -> None:
    assert world.verify["ok"] is True and world.verify["complete"] is True, world.verify
    bundle = world.root / "bundle"
    done = subprocess.run([venv_bin("bagit.py"), "--validate", str(bundle)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    waczs = sorted((bundle / "data" / "wacz").glob("*.wacz"))
    assert len(waczs) == len(list((world.case_dir / "captures").glob("*.json")))
    for wacz in waczs[:3]:  # each takes seconds; the first three stand for the rest
        done = subprocess.run([venv_bin("wacz"), "validate", "-f", str(wacz)], capture_output=True, text=True)
        assert done.returncode == 0, (wacz, done.stdout, done.stderr)
