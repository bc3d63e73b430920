"""Issue 12, the gaps: Telegram media, forwards, replies and edits; Mastodon attachments, content warnings,
boosts, replies, a move and verified fields; TikTok's item-list API paged by its cursor through the
capture's browser; and the ``social-source`` check that every WARC record a Profile or its Posts cite is
in that capture's WARC (a forged citation FAILS, a profile read from a saved file does not).

Real Chromium against the local fixture site; every capture is made once in the module fixture.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chain_of_custody.hashing import blake3_digest
from chain_of_custody.social_check import warc_record_ids
from tests.fixtures.social.site import TEXTS, SocialSite, tiny_video
from tests.test_social_capture import _run, css_to_xpath, isolated_cli, isolated_env, v, warc_records

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CASE = "OP-MEDIA"
FAST = ("--allow-private", "--no-video", "--timeout", "40", "--concurrency", "2", "--json")
PAGE_QUERY = "aid=1988&count=3&cursor=0&secUid=MS4wLjABAAAApager&msToken=tok"


@dataclass
class World:
    root: Path
    site: SocialSite
    items: dict[str, Any]  # url -> capture-profile --json item
    short: dict[str, Any]  # /@pager_tt again with --max-posts 3
    asked_by_short: list[dict[str, str]]  # the item-list queries the site got during that capture
    verify: Any
    export: Any
    env: dict[str, str]

    @property
    def case_dir(self) -> Path:
        return self.root / "cases" / CASE

    def artefact(self, digest: str) -> Path:
        hexd = digest.partition(":")[2]
        return self.case_dir / "artefacts" / hexd[:2] / hexd

    def item(self, path: str) -> dict[str, Any]:
        return self.items[self.site.url(path)]

    def records(self, item: dict[str, Any]) -> dict[str, dict[str, Any]]:
        warc = next(a["blake3"] for a in item["capture"]["artefacts"] if a["role"] == "warc")
        return warc_records(self, warc)  # type: ignore[arg-type]  (the same artefact layout)

    def reading(self, item: dict[str, Any]) -> dict[str, Any]:
        record = json.loads((self.case_dir / "captures" / f"{item['capture']['id']}.json").read_text("utf-8"))
        (reading,) = [b for b in record["behaviours"] if b["name"] == "read-timeline"]
        return reading

    def media_entries(self, warc: str) -> list[dict[str, Any]]:
        """Every ledger entry of a picture or video taken out of ``warc``: by the capture's describe step
        (role ``media``) or, for one it did not take out, by the social-profile event (``social-media``)."""
        with sqlite3.connect(self.case_dir / "ledger.sqlite") as db:
            rows = db.execute("SELECT artefacts FROM events ORDER BY seq").fetchall()
        return [
            a
            for (artefacts,) in rows
            for a in json.loads(artefacts)
            if a.get("role") in ("media", "social-media") and a.get("source") == warc
        ]


ACCOUNTS = ("/s/starjobs", "/@dana", "/@carol", "/@pager_tt", "/walls/login", "/s/closedchan")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("social-media")
    site = SocialSite().start()
    try:
        with isolated_cli(root) as runner:
            _run(runner, "case", "create", CASE, "--title", "Recruiters' media", "--investigator", "Insp. A. Petrova")
            first = _run(runner, "capture-profile", *(site.url(p) for p in ACCOUNTS), "--case", CASE, *FAST)
            asked = len(site.item_list_asked)
            short = _run(runner, "capture-profile", site.url("/@pager_tt"), "--case", CASE, "--max-posts", "3", *FAST)
            asked_by_short = site.item_list_asked[asked:]
            verify = _run(runner, "verify", CASE, "--json")
            export = _run(runner, "export", CASE, "--out", str(root / "bundle"), "--json")
        yield World(
            root,
            site,
            {item["url"]: item for item in json.loads(first.stdout)},
            json.loads(short.stdout)[0],
            asked_by_short,
            json.loads(verify.stdout),
            json.loads(export.stdout),
            isolated_env(root),
        )
    finally:
        site.stop()


def by_id(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(v(post["id"])): post for post in item["posts"]}


def selects(body: bytes, source: dict[str, Any]) -> Any:
    """The one element a value's CSS selector selects in the recorded HTML."""
    import lxml.html

    (element,) = lxml.html.document_fromstring(body).xpath(css_to_xpath(source["css_selector"]))
    return element


# --- Telegram -------------------------------------------------------------------------------------------
def test_telegram_video_thumbnail_and_document(world: World) -> None:
    item = world.item("/s/starjobs")
    posts = by_id(item)
    video, thumb = posts["28"]["media"]
    assert (video["kind"], video["url"]) == ("video", world.site.url("/media/video28.mp4"))
    assert v(video["details"]["duration"]) == "0:02"
    assert (thumb["kind"], thumb["url"]) == ("thumbnail", world.site.url("/media/thumb28.png"))
    assert thumb["blake3"] == blake3_digest(world.site.images["thumb"]), "the thumbnail is stored from the WARC"
    (document,) = posts["26"]["media"]
    assert (document["kind"], document["url"]) == ("document", "https://t.me/starjobs/26")
    assert {k: v(x) for k, x in document["details"].items()} == {"title": "contract_milan.pdf", "size": "184.2 KB"}
    assert "blake3" not in document, "the preview links the message, not the file: nothing is claimed stored"
    (photo,) = posts["30"]["media"]
    assert (photo["kind"], photo["url"]) == ("photo", world.site.url("/media/photo30.png"))
    assert v(posts["28"]["counts"]["views"]) == 28800
    # The duration and the title point at the elements holding them in the recorded page.
    records = world.records(item)
    source = document["details"]["title"]["source"]
    assert selects(records[source["warc_record_id"]]["body"], source).text_content() == "contract_milan.pdf"


def test_telegram_media_are_stored_as_artefacts_with_provenance(world: World) -> None:
    item = world.item("/s/starjobs")
    records = world.records(item)
    warc = next(a["blake3"] for a in item["capture"]["artefacts"] if a["role"] == "warc")
    entries = {e["url"]: e for e in world.media_entries(warc)}
    posts = by_id(item)
    shown = {m["url"]: m for n in ("28", "30") for m in posts[n]["media"]}
    for path, data in (
        ("/media/thumb28.png", world.site.images["thumb"]),
        ("/media/photo30.png", world.site.images["photo"]),
        ("/media/video28.mp4", tiny_video()),
    ):
        entry = entries[world.site.url(path)]
        assert entry["blake3"] == blake3_digest(data) == shown[world.site.url(path)]["blake3"], path
        record = records[entry["warc_record_id"]]
        assert record["uri"] == world.site.url(path) and record["body"] == data
        assert world.artefact(entry["blake3"]).read_bytes() == data
        # The Post's media and the stored artefact name the same WARC record.
        assert shown[world.site.url(path)]["source"]["warc_record_id"] in records


def test_telegram_forwards_replies_and_edits(world: World) -> None:
    item = world.item("/s/starjobs")
    posts = by_id(item)
    reply = posts["24"]["reply_to"]
    assert v(reply) == "https://t.me/starjobs/22"
    assert reply["raw"] == f"Star Models Jobs: {TEXTS[22]}"
    assert v(posts["24"]["text"]) == TEXTS[24], "the quoted message is not the reply's own text"
    forwarded = posts["22"]["forwarded_from"]
    assert (v(forwarded), forwarded["raw"]) == ("https://t.me/castingeurope/512", "Casting Europe")
    assert v(posts["21"]["forwarded_from"]) == "Ivan P." and "raw" not in posts["21"]["forwarded_from"]
    assert v(posts["29"]["forwarded_from"]) == "https://t.me/otherchannel"
    assert (v(posts["23"]["edited"]), posts["23"]["edited"]["raw"]) == (True, "edited 12:00")
    assert "edited" not in posts["22"]
    records = world.records(item)
    element = selects(records[reply["source"]["warc_record_id"]]["body"], reply["source"])
    assert element.get("href") == "https://t.me/starjobs/22"
    element = selects(records[forwarded["source"]["warc_record_id"]]["body"], forwarded["source"])
    assert element.get("class") == "tgme_widget_message_forwarded_from_name"


# --- Mastodon / ActivityPub -----------------------------------------------------------------------------
def test_mastodon_attachments_warnings_boosts_and_replies(world: World) -> None:
    item = world.item("/@dana")
    base = world.site.base
    assert [v(p["id"]) for p in item["posts"]] == [
        f"{base}/users/dana/statuses/203/activity",
        f"{base}/users/dana/statuses/202",
        f"{base}/users/dana/statuses/201",
    ]
    boost, reply, note = item["posts"]
    assert v(boost["quote_of"]) == f"{base}/users/alice/statuses/106"
    assert v(boost["author"]) == f"{base}/users/dana" and boost["quote_of"]["source"]["json_path"].endswith(
        "orderedItems[0].object"
    )
    assert v(reply["reply_to"]) == f"{base}/users/alice/statuses/107"
    assert v(reply["sensitive"]) is False and "content_warning" not in reply
    assert (v(note["content_warning"]), v(note["sensitive"])) == ("Job offer (travel)", True)
    assert v(note["text"]) == "Casting in Milan, travel paid"
    (flyer,) = note["media"]
    assert (flyer["kind"], flyer["url"]) == ("photo", f"{base}/media/dana-flyer.png")
    assert v(flyer["details"]["alt"]) == "Flyer: models wanted, Milan, travel paid"
    assert v(flyer["details"]["media_type"]) == "image/png"
    assert flyer["details"]["alt"]["source"]["json_path"] == "$.orderedItems[2].object.attachment[0].name"
    assert flyer["blake3"] == blake3_digest(world.site.images["flyer"]), "the attachment is stored from the WARC"
    records = world.records(item)
    assert records[flyer["source"]["warc_record_id"]]["uri"] == f"{base}/users/dana/outbox?page=true"
    fetched = [f["url"] for f in world.reading(item)["fetched"]]
    assert f"{base}/media/dana-flyer.png" in fetched


def test_mastodon_fields_verified_by_the_server_and_the_move(world: World) -> None:
    item = world.item("/@dana")
    p, base = item["profile"], world.site.base
    assert v(p["account_id"]) == f"{base}/users/dana"
    assert [v(a) for a in p["also_known_as"]] == [f"{base}/users/carol"]
    agency, whatsapp = p["fields"]
    assert (v(agency["name"]), v(agency["value"]), agency["link"]) == ("Agency", "http://agency", f"{base}/agency")
    assert v(agency["verified_at"]) == "2026-01-20T11:02:33.000+00:00"
    lookup = f"{base}/api/v1/accounts/lookup?acct=dana"
    records = world.records(item)
    source = agency["verified_at"]["source"]
    assert records[source["warc_record_id"]]["uri"] == lookup and source["json_path"] == "$.fields[0].verified_at"
    assert (v(whatsapp["name"]), v(whatsapp["value"]), whatsapp["verified_at"]) == (
        "WhatsApp",
        "+359 88 765 4321",
        None,
    )
    assert whatsapp["value"]["source"]["json_path"] == "$.attachment[1].value"
    carol = world.item("/@carol")["profile"]
    assert v(carol["moved_to"]) == f"{base}/users/dana"
    assert carol["moved_to"]["source"]["json_path"] == "$.movedTo"
    assert f"the account says it moved to {base}/users/dana (movedTo): its posts may continue there" in carol["notes"]
    assert carol["fields"] == [] and "lookup" not in json.dumps(world.reading(world.item("/@carol"))["fetched"])


# --- TikTok ---------------------------------------------------------------------------------------------
def test_tiktok_posts_read_from_two_item_list_pages(world: World) -> None:
    item = world.item("/@pager_tt")
    p, base = item["profile"], world.site.base
    assert (v(p["account_id"]), v(p["handle"]), v(p["display_name"]), v(p["bio"])) == (
        "6890000000000000777",
        "pager_tt",
        "Pager TT",
        "Jobs abroad, DM",
    )
    assert "secUid MS4wLjABAAAApager" in p["notes"]
    assert {k: v(c) for k, c in p["counts"].items()} == {"followers": 5400, "following": 3, "likes": 2164, "posts": 5}
    ids = [v(post["id"]) for post in item["posts"]]
    assert ids == [f"730000000000000000{n}" for n in (5, 4, 3, 2, 1)]
    assert p["posts_read"] == 5 and p["reached_end"] is True
    newest, oldest = item["posts"][0], item["posts"][-1]
    assert v(newest["permalink"]) == "https://www.tiktok.com/@pager_tt/video/7300000000000000005"
    assert (v(newest["published"]), newest["published"]["raw"]) == ("2026-01-01T00:00:00Z", "1767225600")
    assert v(newest["text"]) == "Casting call Milan #model"
    assert {k: v(c) for k, c in newest["counts"].items()} == {
        "views": 15000,
        "likes": 1200,
        "replies": 45,
        "shares": 30,
    }
    assert v(oldest["published"]) == "2025-12-28T00:00:00Z" and v(oldest["counts"]["views"]) == 700
    cover, video = newest["media"]
    assert (cover["kind"], cover["url"]) == ("thumbnail", f"{base}/media/tt-cover-5.png")
    assert cover["blake3"] == blake3_digest(world.site.images["photo"])
    assert (video["kind"], video["url"], "blake3" in video) == ("video", f"{base}/media/tt-5.mp4", False)
    # Page 1 is the page's own request; page 2 the reader's, the same query with the answer's cursor.
    records = world.records(item)
    first = f"{base}/api/post/item_list/?{PAGE_QUERY}"
    second = first.replace("cursor=0", "cursor=1767052800000")
    assert records[newest["id"]["source"]["warc_record_id"]]["uri"] == first
    assert records[oldest["id"]["source"]["warc_record_id"]]["uri"] == second
    assert newest["counts"]["views"]["source"]["json_path"] == "$.itemList[0].stats.playCount"
    reading = world.reading(item)
    fetched = [(f["url"], f["why"]) for f in reading["fetched"]][:2]
    assert fetched == [
        (first, "the page's own item-list request (read from the recording)"),
        (second, "item list (older posts, cursor)"),
    ]
    assert reading["stopped"] == "the account's last item-list page (hasMore false)"


def test_tiktok_paging_stops_at_max_posts_without_asking_again(world: World) -> None:
    item = world.short
    assert [v(post["id"]) for post in item["posts"]] == [f"730000000000000000{n}" for n in (5, 4, 3)]
    assert item["profile"]["reached_end"] is False
    # Only the page's own request reached the site: its three items were enough (--max-posts 3).
    assert world.asked_by_short == [dict(pair.split("=") for pair in PAGE_QUERY.split("&"))]
    assert world.reading(item)["stopped"] == "3 posts (--max-posts)"


# --- the social-source check ----------------------------------------------------------------------------
def test_untouched_case_and_bundle_verify_with_the_social_source_check(world: World) -> None:
    from chain_of_custody.bundle import verify_bundle

    assert world.verify["ok"] is True, world.verify
    (check,) = [c for c in world.verify["checks"] if c["name"] == "social-source"]
    # Six accounts and the second TikTok capture: a Profile and Posts each, plus the media stored.
    assert check["failed"] == 0 and check["checked"] >= 14, check
    report = verify_bundle(world.root / "bundle")
    assert report.ok, [f.message for f in report.findings]
    assert report.checks["social-source"].checked == check["checked"]


def test_the_stdlib_warc_reader_sees_every_record_warcio_sees(world: World) -> None:
    from warcio.archiveiterator import ArchiveIterator

    item = world.item("/@dana")
    warc = world.artefact(next(a["blake3"] for a in item["capture"]["artefacts"] if a["role"] == "warc"))
    with warc.open("rb") as handle:
        expected = {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(handle)}
    assert warc_record_ids(warc) == expected and len(expected) > 10


@pytest.fixture
def copied(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A copy of the world's case, with its own journal and the world's keys, open through the library."""
    from evidence_kit import config
    from evidence_kit.case import Case

    shutil.copytree(world.case_dir, tmp_path / "cases" / CASE)
    shutil.copytree(world.root / "journal", tmp_path / "journal")
    monkeypatch.setenv("EVIDENCE_KIT_HOME", str(tmp_path / "cases"))
    monkeypatch.setenv("EVIDENCE_KIT_KEYS", world.env["EVIDENCE_KIT_KEYS"])
    monkeypatch.setenv("EVIDENCE_KIT_JOURNAL", str(tmp_path / "journal"))
    monkeypatch.setenv("EVIDENCE_KIT_CONFIG", world.env["EVIDENCE_KIT_CONFIG"])
    case = Case.open(config.load(), CASE)
    yield case
    case.close()


def _record_profile(case: Any, body: dict[str, Any], source: str, capture_id: str | None) -> str:
    """Store a Profile and append a signed social-profile event naming it (what store_profile does)."""
    from chain_of_custody.canonical import canonical_json

    artefact = case.ingest_bytes(canonical_json(body))
    case.append(
        case.identity(),
        "social-profile",
        [{**artefact.ledger_entry(role="social-profile", source=source), "mime": "application/json"}],
        details={"capture_id": capture_id, "platform": body["platform"], "account": body["account"]},
    )
    return str(artefact.blake3)


def test_a_profile_citing_a_record_not_in_the_warc_fails_and_one_from_a_saved_file_does_not(
    world: World, copied: Any, tmp_path: Path
) -> None:
    from chain_of_custody.verify import verify_case
    from evidence_kit.social.store import extract, profile_json
    from evidence_kit.social.views import View

    journal = tmp_path / "journal"
    # A channel page saved to a file and handed over: read with no WARC, its values cite the file's DOM.
    saved = tmp_path / "starjobs.html"
    saved.write_text(world.site.telegram("starjobs", None), "utf-8")
    (handed,) = copied.add_files([saved], copied.identity(), source="saved by W-3", then_pipeline=False)
    added = handed.artefact
    view = View(world.site.url("/s/starjobs"), None, [], dom=saved.read_text("utf-8"), dom_digest=added.blake3)
    profile, platform = extract(view, "telegram")
    body = profile_json(profile, platform, {"id": None, "url": view.url}, None, added.blake3)
    assert v(body["handle"]) == "starjobs" and "warc_record_id" not in json.dumps(body)
    _record_profile(copied, body, added.blake3, None)
    report = verify_case(copied.path, journal_dir=journal)
    assert report.ok and report.findings == [], [f.message for f in report.findings]

    # The same account's Profile from the capture, one value's record id swapped for one the WARC lacks:
    # stored and signed through the library, so every other check is satisfied.
    item = world.item("/s/starjobs")
    genuine = json.loads(world.artefact(item["artefacts"]["social-profile"]).read_bytes())
    forged = json.loads(json.dumps(genuine))
    forged["handle"]["source"]["warc_record_id"] = "<urn:uuid:00000000-0000-4000-8000-000000000000>"
    warc = genuine["capture"]["warc"]
    digest = _record_profile(copied, forged, warc, genuine["capture"]["id"])
    report = verify_case(copied.path, journal_dir=journal)
    assert not report.ok
    assert {f.check for f in report.findings} == {"social-source"}
    (finding,) = report.findings
    assert digest in finding.where and "not in the capture's web archive" in finding.message
    assert finding.found == "<urn:uuid:00000000-0000-4000-8000-000000000000>"


def test_a_profile_naming_a_capture_without_that_warc_fails_in_a_bundle_too(world: World, tmp_path: Path) -> None:
    """The bundle face of the check: the Telegram Profile made to name the Mastodon capture."""
    from chain_of_custody.bundle import LEDGER, load_mapping
    from chain_of_custody.ledger import read_jsonl
    from chain_of_custody.report import Report
    from chain_of_custody.social_check import check_social_events

    bag = world.root / "bundle"
    events = list(read_jsonl(bag / LEDGER))
    report = Report(target=str(bag), kind="bundle")
    located, _entries, _omitted = load_mapping(bag, report)
    profile = world.item("/s/starjobs")["artefacts"]["social-profile"]
    body = json.loads(located[profile].read_bytes())
    body["capture"]["id"] = world.item("/@dana")["capture"]["id"]
    swapped = tmp_path / "profile.json"
    swapped.write_text(json.dumps(body), "utf-8")

    def locate(digest: str) -> Path | None:
        return swapped if digest == profile else located.get(digest)

    untouched = Report(target=str(bag), kind="bundle")
    check_social_events(((e.seq, e.action, e.details, e.artefacts) for e in events), located.get, untouched)
    assert untouched.findings == [] and untouched.checks["social-source"].checked >= 14
    report = Report(target=str(bag), kind="bundle")
    check_social_events(((e.seq, e.action, e.details, e.artefacts) for e in events), locate, report)
    assert {f.check for f in report.findings} == {"social-source"}
    assert len(report.findings) == 1 and profile in report.findings[0].where
