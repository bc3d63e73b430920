"""Hostile tests of issue 12 (social-media accounts as evidence): pages and stored profiles built to make
``capture-profile``, ``profile-history`` and the comparison lie or cry wolf.

The rule tested: a post is "deleted" only when the new capture really read far enough back to have seen
it; a handle used by two different accounts is never shown as one account's history; every sentence in
a record is true of what was stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chain_of_custody.canonical import canonical_json
from evidence_kit.social import history
from tests.test_social_capture import isolated_cli


def val(value: Any) -> dict[str, Any]:
    return {"value": value, "source": {"url": "https://example.org/u"}}


def profile(platform: str, account_id: str, handle: str, capture: str) -> dict[str, Any]:
    return {
        "platform": platform,
        "account": f"{platform}:id:{account_id}",
        "status": "complete",
        "account_id": val(account_id),
        "handle": val(handle),
        "display_name": val(handle.title()),
        "capture": {"id": capture, "started": "2026-03-01T09:00:00Z", "status": "complete"},
        "links": [],
        "counts": {},
        "walls": [],
        "posts_read": 0,
    }


def record(case: Any, body: dict[str, Any]) -> None:
    """One social-profile custody event, as store.store_profile writes it (profile + posts artefacts)."""
    identity = case.identity()
    prof = case.ingest_bytes(canonical_json(body))
    posts = case.ingest_bytes(canonical_json({"posts": []}))
    case.append(
        identity,
        "social-profile",
        [
            {**prof.ledger_entry(role="social-profile"), "mime": "application/json"},
            {**posts.ledger_entry(role="social-posts"), "mime": "application/json"},
        ],
        details={"account": body["account"]},
    )


def test_a_handle_reused_by_another_account_is_not_one_history(make_case) -> None:  # noqa: ANN001
    """Same handle, another stable id: two accounts. Asked by handle, the history says both exist."""
    case = make_case()
    record(case, profile("x", "111", "recruit", "cap-1"))
    record(case, profile("x", "222", "recruit", "cap-2"))
    found = history.timeline(case, "@recruit")
    assert found is not None
    assert [c["capture_id"] for c in found["captures"]] == ["cap-2"]
    assert [a["account"] for a in found["also"]] == ["x:id:111"]
    assert found["also"][0]["captures"] == ["cap-1"]
    # what capture-profile notes on the new account's Profile: the handle was another account's
    assert history.others_with_handle(case, profile("x", "222", "recruit", "cap-3")) == ["x:id:111"]
    assert history.others_with_handle(case, profile("vk", "222", "recruit", "cap-3")) == []


def test_same_handle_on_two_platforms_is_named_not_hidden(make_case) -> None:  # noqa: ANN001
    case = make_case()
    record(case, profile("telegram", "900", "starjobs", "cap-tg"))
    record(case, profile("vk", "-77", "starjobs", "cap-vk"))
    found = history.timeline(case, "starjobs")
    assert found is not None
    assert found["account"] == "vk:id:-77"
    assert [a["account"] for a in found["also"]] == ["telegram:id:900"]
    # the account key names exactly one of them, with nothing else
    only = history.timeline(case, "telegram:id:900")
    assert only is not None and only["account"] == "telegram:id:900" and only["also"] == []
    # the report's section per account: each account once
    assert [a["account"] for a in history.accounts(case)] == ["telegram:id:900", "vk:id:-77"]


def test_cli_profile_history_negative_vk_id_and_other_accounts(make_case, cli) -> None:  # noqa: ANN001
    case = make_case()
    record(case, profile("vk", "-77", "starjobs", "cap-vk"))
    record(case, profile("telegram", "900", "starjobs", "cap-tg"))
    case_id = case.id
    case.close()
    shown = cli("profile-history", case_id, "-77", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["account"] == "vk:id:-77"
    text = cli("profile-history", case_id, "@starjobs")
    assert text.exit_code == 0, text.output
    assert "vk:id:-77" in text.stdout and "telegram:id:900" in text.stdout
    assert "another account" in text.stdout
    missing = cli("profile-history", case_id, "@nobody")
    assert missing.exit_code == 2
    assert len(missing.stderr.strip().splitlines()) == 1


# --- Real Chromium: a second visit whose older pages were refused -------------------------------------

RATE_PAGE = b"<!DOCTYPE html><html><head><title>Too Many Requests</title></head><body>Too many requests</body></html>"
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Telegram</title></head><body><form action='/login'>"
    b"<input name='phone'><input type='password' name='code'><button>Log in</button></form></body></html>"
)


class HostileSite:
    """Telegram previews on 127.0.0.1 whose ``?before=`` pages answer properly on visit 1 and, on visit 2,
    with a 429 (``ratechan``) or a 200 login page (``wallchan``): the older posts were not re-read."""

    def __init__(self) -> None:
        from http.server import ThreadingHTTPServer

        self.visit = 1
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def start(self) -> HostileSite:
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def telegram(self, handle: str, before: int | None) -> tuple[int, bytes]:
        from tests.fixtures.social import telegram

        if before is not None and self.visit == 2:
            return (429, RATE_PAGE) if handle == "ratechan" else (200, LOGIN_PAGE)
        numbers = [n for n in range(1, 31) if before is None or n < before][-10:]
        messages = [
            telegram.message(handle, n, f"post {n}", f"2026-02-{n % 28 + 1:02d}T10:{n:02d}:00+00:00", str(100 + n))
            for n in numbers
        ]
        older = numbers[0] if numbers and numbers[0] > 1 else None
        ident = {"ratechan": "1000000001", "wallchan": "1000000002"}.get(handle, "1000000003")  # two channels
        return 200, telegram.page(handle, f"{handle} jobs", messages, older).replace(
            telegram.CHANNEL_ID, ident
        ).encode()

    def _handler(self) -> Any:
        from http.server import BaseHTTPRequestHandler
        from urllib.parse import parse_qs, urlsplit

        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path.startswith("/s/"):
                    before = int(query["before"][0]) if "before" in query else None
                    status, body = site.telegram(parts.path[3:], before)
                    kind = "text/html; charset=utf-8"
                elif parts.path == "/media/avatar.png":
                    from tests.fixtures.social.site import picture

                    status, body, kind = 200, picture(1), "image/png"
                else:
                    status, body, kind = 404, b"not here", "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


CASE = "OP-HOSTILE"
FAST = ("--allow-private", "--no-video", "--timeout", "40", "--concurrency", "2", "--platform", "telegram", "--json")


def _run(runner: Any, *args: str, code: int = 0) -> Any:
    from evidence_kit.cli import app

    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return result


def _forge_a_cited_record(case_id: str) -> None:
    """A properly signed social-profile event whose Profile cites a WARC record the capture never stored
    (one record id changed): every signature and hash holds; only social-source can see it."""
    from evidence_kit import config
    from evidence_kit.case import Case

    with Case.open(config.load(), case_id) as case:
        event = [e for e in case.events() if e.action == "social-profile"][-1]
        entry = next(i for i in event.artefacts if i["role"] == "social-profile")
        body = json.loads(case.store.path_of(entry["blake3"]).read_bytes())
        old = body["handle"]["source"]["warc_record_id"]
        body["handle"]["source"]["warc_record_id"] = "<urn:uuid:00000000-0000-4000-8000-000000000000>"
        assert old != body["handle"]["source"]["warc_record_id"]
        forged = case.ingest_bytes(canonical_json(body))
        case.append(
            case.identity(),
            "social-profile",
            [{**forged.ledger_entry(role="social-profile", source=entry["source"]), "mime": "application/json"}],
            details=dict(event.details),
        )


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Visit 1 reads 30 posts of each channel; visit 2's older pages are refused (429, a login page)."""

    root = tmp_path_factory.mktemp("hostile")
    site = HostileSite().start()
    urls = [site.url("/s/ratechan"), site.url("/s/wallchan")]
    try:
        with isolated_cli(root) as runner:
            _run(runner, "case", "create", CASE, "--title", "Hostile", "--investigator", "Insp. A. Petrova")
            first = _run(runner, "capture-profile", *urls, "--case", CASE, "--max-posts", "30", *FAST)
            site.visit = 2
            second = _run(runner, "capture-profile", *urls, "--case", CASE, "--max-posts", "30", *FAST)
            verify = runner.invoke(__import__("evidence_kit.cli", fromlist=["app"]).app, ["verify", CASE, "--json"])
            _forge_a_cited_record(CASE)
            forged = runner.invoke(__import__("evidence_kit.cli", fromlist=["app"]).app, ["verify", CASE, "--json"])
        yield {
            "first": {i["url"]: i for i in json.loads(first.stdout)},
            "second": {i["url"]: i for i in json.loads(second.stdout)},
            "urls": urls,
            "verify": verify,
            "forged": forged,
        }
    finally:
        site.stop()


@pytest.mark.browser
def test_refused_older_pages_are_not_re_read_not_deleted(refused: dict[str, Any]) -> None:
    for url in refused["urls"]:
        first, second = refused["first"][url], refused["second"][url]
        assert first["profile"]["posts_read"] == 30 and first["profile"]["reached_end"] is True
        assert second["profile"]["posts_read"] == 10
        assert second["profile"]["reached_end"] is False, url
        diff = second["history"]
        assert diff["posts"]["deleted"] == [], url
        assert len(diff["posts"]["not_reread"]) == 20, url


@pytest.mark.browser
def test_refused_older_page_is_said_in_the_record(refused: dict[str, Any]) -> None:
    """The reading's record says the older page was refused, not that there were no older posts."""
    rate = refused["second"][refused["urls"][0]]
    path = next(a["path"] for a in rate["capture"]["artefacts"] if a["role"] == "capture-record")
    behaviours = json.loads(Path(path).read_text("utf-8"))["behaviours"]
    reading = next(b for b in behaviours if b["name"] == "read-timeline")
    assert "no older posts" not in reading["stopped"]
    assert "429" in reading["stopped"]
    assert [w["code"] for w in rate["profile"]["walls"]] == ["rate-limit"]
    assert rate["profile"]["status"] != "complete"
    assert rate["capture"]["status"] == "partial"
    assert refused["verify"].exit_code == 0, refused["verify"].stdout


# --- A pinned old post that a platform's order puts last ----------------------------------------------


def _vk_reading(numbers: list[int], pinned: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(profile, posts) as stored from a VK wall page showing ``pinned`` first, then ``numbers``."""
    from evidence_kit.social.store import extract
    from evidence_kit.social.views import Response, View
    from tests.fixtures.social import instagram, vk

    items = [vk.post(n, f"post {n}", instagram.when(n), "1K", 10, pinned=n == pinned) for n in [pinned, *numbers]]
    body = vk.community(items, 16, "1,204", 0)
    url = f"https://vk.com/{vk.HANDLE}"
    main = Response("<urn:uuid:main>", url, 200, (("Content-Type", "text/html"),), body.encode())
    found, _ = extract(View(url, url, [main], dom=body, dom_digest="blake3:dom"), "vk")
    account = {"platform": "vk", "account": found.key(), "status": found.status(), "reached_end": found.reached_end}
    return account, {"posts": [p.to_json() for p in found.posts]}


def test_a_pinned_old_post_sorted_last_does_not_make_unread_posts_deleted(make_case) -> None:  # noqa: ANN001
    """VK (and TikTok, Instagram) order posts by time, so a pinned post from long ago ends the list. The
    second visit read the pinned post 1 and the ten newest (16..7): 6..2 were not re-read, not deleted."""
    from chain_of_custody.ledger import Event

    case = make_case()
    old, old_posts = _vk_reading(list(range(16, 1, -1)), pinned=1)
    new, new_posts = _vk_reading(list(range(16, 6, -1)), pinned=1)
    assert new["reached_end"] is False
    assert any(p.get("pinned") for p in new_posts["posts"])
    event = Event(1, "2026-03-01T09:00:00Z", "A", "k", "social-profile", "C", [], {}, "")
    diff = history.compare(case, (event, old, old_posts), (new, new_posts, "blake3:q"))
    assert diff["posts"]["deleted"] == []
    assert sorted(p["id"] for p in diff["posts"]["not_reread"]) == sorted(f"-218000111_{n}" for n in range(2, 7))


def test_times_with_offsets_are_compared_as_instants(make_case) -> None:  # noqa: ANN001
    """A site that writes local times (-05:00, or +01:00 and +02:00 across a DST change): the reading
    ended on a post newer than the gone one (04:00Z > 01:00Z), though its text sorts before it."""
    from chain_of_custody.ledger import Event

    def post(ident: str, when: str) -> dict[str, Any]:
        return {"id": val(ident), "published": val(when), "text": val(ident), "media": []}

    case = make_case()
    old = profile("generic", "42", "jdoe", "cap-1")
    new = profile("generic", "42", "jdoe", "cap-2")
    gone = post("https://example.org/p/slug-b", "2026-01-11T01:00:00Z")
    last = post("https://example.org/p/slug-a", "2026-01-10T23:00:00-05:00")
    newest = post("https://example.org/p/slug-c", "2026-01-12T09:00:00+00:00")
    event = Event(1, "2026-03-01T09:00:00Z", "A", "k", "social-profile", "C", [], {}, "")
    diff = history.compare(
        case, (event, old, {"posts": [newest, gone, last]}), (new, {"posts": [newest, last]}, "blake3:q")
    )
    assert diff["posts"]["deleted"] == []
    assert [p["id"] for p in diff["posts"]["not_reread"]] == ["https://example.org/p/slug-b"]
    # and a gone post newer than where the reading ended is deleted, though its text sorts before it
    older = post("https://example.org/p/slug-d", "2026-01-10T22:30:00-07:00")  # 05:30Z, after 04:00Z
    diff = history.compare(
        case, (event, old, {"posts": [newest, last, older]}), (new, {"posts": [newest, last]}, "blake3:q")
    )
    assert [p["id"] for p in diff["posts"]["deleted"]] == ["https://example.org/p/slug-d"]


# --- Real Chromium: an ActivityPub outbox whose next page is itself -----------------------------------


@pytest.fixture(scope="module")
def looped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:

    from tests.fixtures.social.site import SocialSite

    class LoopSite(SocialSite):
        def outbox(self, name: str, page: int | None) -> dict[str, object]:
            doc = super().outbox(name, page)
            if page is not None:
                doc["next"] = f"{self.base}/users/{name}/outbox?page=1"  # the cursor repeats: page 1 again
            return doc

    root = tmp_path_factory.mktemp("looped")
    site = LoopSite().start()
    try:
        with isolated_cli(root) as runner:
            _run(runner, "case", "create", CASE, "--title", "Loops", "--investigator", "Insp. A. Petrova")
            fast = [a if a != "telegram" else "mastodon" for a in FAST]
            out = _run(runner, "capture-profile", site.url("/@alice"), "--case", CASE, *fast)
        yield json.loads(out.stdout)[0]
    finally:
        site.stop()


@pytest.mark.browser
def test_a_paging_cursor_that_repeats_stops_and_says_so(looped: dict[str, Any]) -> None:
    path = next(a["path"] for a in looped["capture"]["artefacts"] if a["role"] == "capture-record")
    reading = next(b for b in json.loads(Path(path).read_text("utf-8"))["behaviours"] if b["name"] == "read-timeline")
    pages = [f for f in reading["fetched"] if f["why"] == "ActivityPub outbox page"]
    assert len(pages) == 1, pages  # page 1 once: its "next" is itself
    assert "--max-posts" not in reading["stopped"], reading["stopped"]
    assert "already read" in reading["stopped"]
    assert looped["profile"]["posts_read"] == 4
    assert looped["profile"]["reached_end"] is False


# --- Wall phrases in what the account wrote about itself ----------------------------------------------


def test_wall_phrases_in_a_bio_are_the_accounts_words_not_a_wall() -> None:
    """A channel whose description says "Private account? Log in to see prices" is not a wall."""
    from evidence_kit.social.store import extract
    from evidence_kit.social.views import Response, View
    from tests.fixtures.social import telegram

    bio = "Private account? Please log in to see prices. Account suspended? Not us. Page not found? DM."
    messages = [telegram.message("bioch", n, f"post {n}", f"2026-02-0{n}T10:00:00+00:00", "5") for n in (1, 2)]
    body = telegram.page("bioch", "Bio channel", messages, None).replace("Work abroad. Modelling jobs.", bio)
    url = "https://t.me/s/bioch"
    main = Response("<urn:uuid:main>", url, 200, (("Content-Type", "text/html"),), body.encode())
    found, _ = extract(View(url, url, [main], dom=body, dom_digest="blake3:dom"), None)
    assert found.bio is not None and "Private account?" in str(found.bio.value)
    assert [w.code for w in found.walls] == []
    assert found.status() == "complete"


@pytest.mark.browser
def test_a_signed_profile_citing_a_record_not_in_the_warc_fails_social_source(refused: dict[str, Any]) -> None:
    assert refused["verify"].exit_code == 0
    forged = refused["forged"]
    assert forged.exit_code == 1, forged.stdout
    report = json.loads(forged.stdout)
    assert {f["check"] for f in report["findings"]} == {"social-source"}, report["findings"]
    assert report["findings"][0]["found"] == "<urn:uuid:00000000-0000-4000-8000-000000000000>"
