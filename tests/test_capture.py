"""Web capture against the local test site: ordinary pages and pages built to break captures.

One browser per batch: the pages are captured together (``capture_urls`` launches Chromium once) in
module-scoped fixtures, and each test asserts on the artefacts of one page.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from chain_of_custody.clock import parse_rfc3339
from evidence_kit import config, verification
from evidence_kit.capture import CaptureOptions, Limits, capture_urls
from evidence_kit.case import Case
from tests.capture_helpers import (
    artefact,
    colour_pixels,
    mhtml_html_parts,
    pdf_pages,
    png_size,
    read_warc,
    responses,
    warcio_check,
)
from tests.fixtures.site import CP1251_BODY, DOWNLOAD_BYTES, LAZY_COLOURS, Site

pytestmark = pytest.mark.browser

PAGES = [
    "/normal",
    "/lazy",
    "/feed",
    "/redirect/3",
    "/loop",
    "/slow",
    "/status/404",
    "/status/500",
    "/dialogs",
    "/popup",
    "/download-page",
    "/iframes",
    "/cp1251",
    "/large",
    "/cookie-banner",
    "/details",
    "/file.bin",
    "/inner-scroll",
    "/inner-feed",
    "/js-redirect",
    "/meta-refresh",
    "/alert-loop",
    # The host of /iframes' cross-site frame: on the command line, so --allow-private lets it through
    # (a private host not given there is blocked, see test_capture_private.py).
    "//localhost/frame",
]
HANGING = ["/never", "/never-image"]
TIMEOUT = 45.0
MARKER = re.compile(r"=redacted:hmac-sha256:[0-9a-f]{16}:[0-9a-f]{64}")  # a redacted cookie value (redaction.py)
SHORT_TIMEOUT = 15.0  # short, yet enough on a loaded 2-core machine for the artefacts after the stop


def _url(site: Site, path: str) -> str:
    if path.startswith("//localhost"):
        return f"http://localhost:{site.base.rsplit(':', 1)[1]}{path.removeprefix('//localhost')}"
    return site.url(path)


@pytest.fixture(scope="module")
def batch_case(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("capture")
    settings = config.Settings(home=root / "cases", keys_dir=root / "keys")
    case = Case.create(settings, "OP-CAPTURE", "capture tests", "Insp. A. Petrova")
    yield case
    case.close()


@pytest.fixture(scope="module")
def batch(batch_case: Case, test_site: Site) -> dict[str, Any]:
    """Every ordinary and breaking page, captured in one command-like call (one browser)."""
    options = CaptureOptions(
        timeout=TIMEOUT,
        video=False,
        allow_private=True,
        concurrency=2,
        purpose="test: capture robustness",
        limits=Limits(max_height=12_000, scroll_seconds=6.0),
    )
    started = time.monotonic()
    seen: list[tuple[int, int]] = []
    results = capture_urls(
        batch_case,
        batch_case.identity(),
        [_url(test_site, p) for p in PAGES],
        options,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    elapsed = time.monotonic() - started
    by_path = {p: r for p, r in zip(PAGES, results, strict=True)}
    return {"results": by_path, "elapsed": elapsed, "progress": seen}


@pytest.fixture(scope="module")
def hanging(batch_case: Case, test_site: Site) -> dict[str, Any]:
    options = CaptureOptions(timeout=SHORT_TIMEOUT, video=False, allow_private=True, concurrency=2)
    started = time.monotonic()
    results = capture_urls(batch_case, batch_case.identity(), [test_site.url(p) for p in HANGING], options)
    return {"results": dict(zip(HANGING, results, strict=True)), "elapsed": time.monotonic() - started}


def _main_response(result: Any, url: str) -> Any:
    records = read_warc(artefact(result, "warc"))
    found = responses(records, url)
    assert found, f"no response for {url} in the WARC: {[r.uri for r in records]}"
    return found[-1], records


# -- a normal page: every artefact, and what is inside each ----------------------------------------
def test_normal_page_warc_holds_raw_exchange(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/normal"]
    assert result.status == "complete", result.errors
    response, records = _main_response(result, test_site.url("/normal"))
    assert response.status == 200
    assert response.body == test_site.normal  # decoded bytes exactly as the server meant them
    cookies = [v for n, v in response.http_headers if n.lower() == "set-cookie"]
    # Duplicates kept apart; the values (the investigator's own session with the site) redacted.
    assert [MARKER.sub("=R", c) for c in cookies] == ["session=R; Path=/", "tracking=R; Path=/"]
    assert "abc123" not in " ".join(cookies) and "xyz;" not in " ".join(cookies)
    names = {n.lower(): v for n, v in response.http_headers}
    assert "content-encoding" not in names and names["x-archive-orig-content-encoding"] == "gzip"
    assert names["x-archive-orig-content-length"] == str(len(gzip.compress(test_site.normal)))
    assert names["content-length"] == str(len(test_site.normal))
    assert "Content-Encoding gzip removed" in response.warc_headers["X-Evidence-Kit-Body"]
    assert response.warc_headers["WARC-IP-Address"] == "127.0.0.1"
    requests = [r for r in records if r.type == "request" and r.uri == test_site.url("/normal")]
    assert requests and requests[0].warc_headers["WARC-Concurrent-To"] == response.warc_headers["WARC-Record-ID"]
    assert responses(records, test_site.url("/img/0.png"))[0].body[:8] == b"\x89PNG\r\n\x1a\n"
    types = {r.uri.split(":", 2)[0] + ":" + r.uri.split(":", 2)[1]: r for r in records if r.uri.startswith("urn:")}
    assert (
        types["urn:fullPage"].type == "resource"
        and types["urn:fullPage"].body == artefact(result, "screenshot").read_bytes()
    )
    assert types["urn:pdf"].body == artefact(result, "pdf").read_bytes()
    provenance = json.loads(types["urn:evidence-kit"].body)
    assert types["urn:evidence-kit"].type == "metadata"
    assert provenance["id"] == result.id and provenance["url"] == test_site.url("/normal")
    check = warcio_check(artefact(result, "warc"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout.lower()


def test_normal_page_visual_and_text_artefacts(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/normal"]
    width, height = png_size(artefact(result, "screenshot"))
    assert width == 1280 and height > 900  # the whole page, not the viewport
    assert png_size(artefact(result, "screenshot-viewport")) == (1280, 900)
    assert artefact(result, "pdf").read_bytes().startswith(b"%PDF-") and pdf_pages(artefact(result, "pdf")) >= 1
    assert any("NORMAL-PAGE-MARKER" in html for html in mhtml_html_parts(artefact(result, "mhtml")))
    assert "NORMAL-PAGE-MARKER Работа" in artefact(result, "dom").read_text("utf-8")
    assert "NORMAL-PAGE-MARKER Работа" in artefact(result, "text").read_text("utf-8")
    har = json.loads(artefact(result, "har").read_bytes())["log"]
    [main] = [e for e in har["entries"] if e["request"]["url"] == test_site.url("/normal")]
    assert main["response"]["status"] == 200 and main["serverIPAddress"] == "127.0.0.1"
    assert main["response"]["content"]["size"] == len(test_site.normal)
    # The HAR carries the same markers as the WARC (one keyed hash per value).
    response, _ = _main_response(result, test_site.url("/normal"))
    in_warc = [v for n, v in response.http_headers if n.lower() == "set-cookie"]
    in_har = [h["value"] for h in main["response"]["headers"] if h["name"] == "Set-Cookie"]
    assert in_har == in_warc and [MARKER.sub("=R", c) for c in in_har] == ["session=R; Path=/", "tracking=R; Path=/"]


def test_normal_page_record_and_custody_event(batch: dict[str, Any], batch_case: Case, test_site: Site) -> None:
    result = batch["results"]["/normal"]
    record = json.loads(artefact(result, "capture-record").read_bytes())
    assert record == result.record
    copy = batch_case.path / "captures" / f"{result.id}.json"
    assert copy.read_bytes() == artefact(result, "capture-record").read_bytes()
    assert record["format"] == "evidence-kit-capture/1" and record["case_id"] == "OP-CAPTURE"
    assert record["url"] == record["final_url"] == test_site.url("/normal")
    assert record["page"]["title"] == "Normal page" and record["page"]["http_status"] == 200
    assert record["page"]["server_ip"] == "127.0.0.1" and record["page"]["server_port"] == int(
        test_site.base.rsplit(":", 1)[1]
    )
    assert any(n == "Set-Cookie" and MARKER.sub("=R", v) == "tracking=R; Path=/" for n, v in record["page"]["headers"])
    assert record["redaction"]["key"]["kind"] == "one-time" and record["redaction"]["cookies_kept"] is False
    assert record["page"]["dns"] == [{"host": "127.0.0.1", "addresses": ["127.0.0.1"]}]
    assert record["page"]["tls"] is None
    assert record["started"] < record["loaded"] <= record["finished"]
    env = record["environment"]
    assert env["browser"].startswith("Chromium ") and "Chrome/" in env["user_agent"]
    assert env["viewport"] == {"width": 1280, "height": 900} and env["timezone"] == "UTC" and env["hostname"]
    assert record["options"]["timeout"] == TIMEOUT and record["options"]["allow_private"] is True
    assert record["purpose"] == "test: capture robustness"
    assert record["investigator"]["name"] == "Insp. A. Petrova"
    assert record["investigator"]["key_id"].startswith("ed25519:")
    assert record["resources"] >= 2
    roles = [a["role"] for a in record["artefacts"]]
    assert roles[0] == "warc" and {"screenshot", "screenshot-viewport", "pdf", "mhtml", "dom", "text"} <= set(roles)
    for item in record["artefacts"]:
        stored = batch_case.store.path_of(item["blake3"])
        assert stored.stat().st_size == item["size"]
    events = [e for e in batch_case.events() if e.action == "capture" and e.details["capture_id"] == result.id]
    assert len(events) == 1
    event = events[0]
    assert event.details["url"] == test_site.url("/normal") and event.details["status"] == "complete"
    named = {(a["role"], a["blake3"]) for a in event.artefacts}
    assert {(a["role"], a["blake3"]) for a in record["artefacts"]} <= named
    assert ("capture-record", "blake3:" + artefact(result, "capture-record").name) in named


def test_case_verifies_after_all_captures(batch: dict[str, Any], hanging: dict[str, Any], batch_case: Case) -> None:
    report = verification.verify_case(batch_case.path)
    assert report.ok, [str(f) for f in report.findings]
    assert report.checks["capture-record"].checked == len(PAGES) + len(HANGING)
    assert batch["progress"][-1] == (len(PAGES), len(PAGES))


# -- behaviours -------------------------------------------------------------------------------------
def test_lazy_images_are_in_the_warc_and_visible_in_the_screenshot(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/lazy"]
    assert result.status == "complete", result.errors
    records = read_warc(artefact(result, "warc"))
    for index, _ in enumerate(LAZY_COLOURS):
        found = responses(records, test_site.url(f"/img/{index}.png"))
        assert found and found[0].body.startswith(b"\x89PNG"), f"lazy image {index} missing from the WARC"
    shot = artefact(result, "screenshot")
    assert png_size(shot)[1] > 6000
    for colour in LAZY_COLOURS:  # every lazy image painted, not just fetched
        assert colour_pixels(shot, colour) > 320 * 200 * 0.9, f"image {colour} not visible in the screenshot"
    scroll = next(b for b in result.record["behaviours"] if b["name"] == "scroll")
    assert scroll["stop"] == "bottom" and scroll["steps"] >= 6


def test_endless_feed_stops_at_a_limit(batch: dict[str, Any]) -> None:
    result = batch["results"]["/feed"]
    assert result.status == "complete", result.errors
    scroll = next(b for b in result.record["behaviours"] if b["name"] == "scroll")
    assert scroll["stop"] in ("height", "time", "steps")
    assert scroll["finalHeight"] > scroll["initialHeight"]
    assert "item 40" in artefact(result, "text").read_text("utf-8")


def test_cookie_banner_is_dismissed_and_recorded(batch: dict[str, Any]) -> None:
    result = batch["results"]["/cookie-banner"]
    banner = next(b for b in result.record["behaviours"] if b["name"] == "cookie-banner")
    assert banner["clicked"] == "Reject all"  # the privacy-preserving choice is preferred
    dom = artefact(result, "dom").read_text("utf-8")
    assert "cookie-consent" not in dom and "CONTENT-BEHIND-BANNER" in dom
    assert result.record["page"]["title"] == "rejected"


def test_details_and_show_more_are_expanded(batch: dict[str, Any]) -> None:
    result = batch["results"]["/details"]
    expand = next(b for b in result.record["behaviours"] if b["name"] == "expand")
    assert expand["clicked"] == ["Show more"]
    text = artefact(result, "text").read_text("utf-8")
    assert "HIDDEN-DETAILS-MARKER" in text and "HIDDEN-MORE-MARKER" in text


# -- pages built to break captures ------------------------------------------------------------------
def test_redirect_chain_is_recorded(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/redirect/3"]
    assert result.status == "complete" and result.final_url == test_site.url("/normal")
    assert [(r["status"], r["location"]) for r in result.record["redirects"] if r["kind"] == "http"] == [
        (301, "/redirect/2"),
        (302, "/redirect/1"),
        (307, "/normal"),
    ]
    records = read_warc(artefact(result, "warc"))
    assert responses(records, test_site.url("/redirect/3"))[0].status == 301
    assert responses(records, test_site.url("/normal"))[0].body == test_site.normal


def test_redirect_loop_fails_with_a_record(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/loop"]
    assert result.status == "failed"
    assert any("ERR_TOO_MANY_REDIRECTS" in e for e in result.errors)
    assert len(result.record["redirects"]) >= 10
    records = read_warc(artefact(result, "warc"))
    assert len(responses(records, test_site.url("/loop"))) >= 5
    assert {a.role for a in result.artefacts} == {"warc", "har", "capture-record"}


def test_slow_response_is_waited_for(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/slow"]
    assert result.status == "complete", result.errors
    response, _ = _main_response(result, test_site.url("/slow"))
    assert b"SLOW-PAGE-MARKER" in response.body


@pytest.mark.parametrize("code", [404, 500])
def test_error_status_pages_are_captured_as_they_are(batch: dict[str, Any], test_site: Site, code: int) -> None:
    result = batch["results"][f"/status/{code}"]
    assert result.status == "partial" and result.record["page"]["http_status"] == code
    assert result.record["errors"][0].startswith(f"the server answered {code}")
    response, _ = _main_response(result, test_site.url(f"/status/{code}"))
    assert response.status == code and f"STATUS-{code}-MARKER".encode() in response.body
    assert f"STATUS-{code}-MARKER" in artefact(result, "text").read_text("utf-8")


def test_dialogs_are_dismissed_and_recorded(batch: dict[str, Any]) -> None:
    result = batch["results"]["/dialogs"]
    assert result.status == "complete", result.errors
    dialogs = [(d["type"], d["message"]) for d in result.record["dialogs"]]
    assert dialogs[:3] == [
        ("alert", "Attention: this alert must be dismissed"),
        ("confirm", "Do you confirm?"),
        ("prompt", "Your name?"),
    ]
    assert "confirm=false prompt=null" in artefact(result, "text").read_text("utf-8")
    assert png_size(artefact(result, "screenshot"))[0] == 1280  # screenshots were not blocked


def test_popup_is_recorded_and_closed(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/popup"]
    assert result.status == "complete", result.errors
    assert result.record["popups"] == [{"url": test_site.url("/normal?from=popup"), "action": "recorded and closed"}]
    assert result.final_url == test_site.url("/popup")


def test_download_is_kept_as_an_artefact(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/download-page"]
    stored = artefact(result, "download")
    assert stored.read_bytes() == DOWNLOAD_BYTES
    [download] = result.record["downloads"]
    assert download["url"] == test_site.url("/file.bin") and download["suggested_filename"] == "evidence.bin"
    assert download["blake3"] == "blake3:" + stored.name


def test_iframes_are_included(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/iframes"]
    assert test_site.url("/frame") in [f["url"] for f in result.record["page"]["frames"]]
    records = read_warc(artefact(result, "warc"))
    assert b"FRAME-CONTENT-MARKER" in responses(records, test_site.url("/frame"))[0].body
    port = test_site.base.rsplit(":", 1)[1]
    cross = responses(records, f"http://localhost:{port}/frame?cross=1")  # a cross-site frame too
    assert cross and b"FRAME-CONTENT-MARKER" in cross[0].body
    html = "\n".join(mhtml_html_parts(artefact(result, "mhtml")))
    assert "FRAME-CONTENT-MARKER" in html and "SRCDOC-MARKER" in html


def test_non_utf8_page_keeps_its_bytes(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/cp1251"]
    response, _ = _main_response(result, test_site.url("/cp1251"))
    assert response.body == CP1251_BODY  # the windows-1251 bytes, not a UTF-8 re-rendering
    assert "re-encoded as windows-1251" in response.warc_headers["X-Evidence-Kit-Body"]
    assert "Работа в чужбина" in artefact(result, "text").read_text("utf-8")
    assert result.record["page"]["title"] == "Обява за работа"


def test_large_page_is_captured_within_its_deadline(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/large"]
    assert result.status == "complete", result.errors
    response, _ = _main_response(result, test_site.url("/large"))
    assert response.body == test_site.large and len(response.body) > 3_000_000
    width, height = png_size(artefact(result, "screenshot"))
    assert height == 15_000  # the browser's limit, and the record says so
    assert any("top 15000 px" in w for w in result.record["warnings"])
    # What the sentence says holds the rest was stored, whole: a PDF cut to its first pages is not named.
    shot = next(w for w in result.record["warnings"] if "top 15000 px" in w)
    holders = re.split(r", | and ", shot.split("; the ", 1)[1].rsplit(" hold", 1)[0])
    roles = {a.role for a in result.artefacts}
    assert holders and all({"PDF": "pdf", "DOM": "dom", "text": "text", "WARC": "warc"}[h] in roles for h in holders)
    assert ("PDF" in holders) != any(w.startswith("the PDF holds the first") for w in result.record["warnings"])
    assert "LARGE-PAGE-END" in artefact(result, "text").read_text("utf-8")
    started, finished = (result.record[k] for k in ("started", "finished"))
    assert started < finished


def test_never_ending_document_ends_partial_within_deadline(hanging: dict[str, Any], test_site: Site) -> None:
    result = hanging["results"]["/never"]
    assert result.status == "partial"
    assert any("loading was stopped" in e for e in result.errors), result.errors
    assert hanging["elapsed"] < SHORT_TIMEOUT + 15  # both in parallel, each within its deadline
    started, finished = (parse_rfc3339(result.record[k]) for k in ("started", "finished"))
    assert (finished - started).total_seconds() < SHORT_TIMEOUT + 3
    response, _ = _main_response(result, test_site.url("/never"))
    assert response.warc_headers.get("WARC-Truncated") in ("time", "disconnect")
    assert "NEVER-ENDING-MARKER" in artefact(result, "text").read_text("utf-8")
    assert png_size(artefact(result, "screenshot"))[0] == 1280


def test_never_ending_image_keeps_the_page(hanging: dict[str, Any], test_site: Site) -> None:
    result = hanging["results"]["/never-image"]
    assert result.status == "partial"
    assert "NEVER-IMAGE-MARKER" in artefact(result, "dom").read_text("utf-8")
    response, records = _main_response(result, test_site.url("/never-image"))
    assert b"NEVER-IMAGE-MARKER" in response.body
    hung = responses(records, test_site.url("/hang.png"))
    assert hung and hung[0].warc_headers.get("WARC-Truncated")


def test_batch_speed(batch: dict[str, Any]) -> None:
    """Reported, with a generous bound: the 2-core test machine is shared."""
    per_page = [
        sum(v for k, v in r.record["timings"].items() if k != "encode the screen recording")
        for r in batch["results"].values()
    ]
    normal = batch["results"]["/normal"].record["timings"]
    print(f"batch of {len(PAGES)} pages in {batch['elapsed']:.1f} s; /normal steps {sum(normal.values()):.2f} s")
    assert batch["elapsed"] < 240
    assert min(per_page) < 10


def test_stored_paths_exist(batch: dict[str, Any]) -> None:
    for result in batch["results"].values():
        for item in result.artefacts:
            assert Path(item.path).is_file() and Path(item.path).name == item.blake3.split(":", 1)[1]


def test_a_url_that_is_a_download_keeps_the_file(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/file.bin"]
    assert result.status == "complete", result.errors
    assert artefact(result, "download").read_bytes() == DOWNLOAD_BYTES
    assert result.final_url == test_site.url("/file.bin")
    assert any("file download" in w for w in result.record["warnings"])
    assert "screenshot" not in {a.role for a in result.artefacts}  # no picture of a blank page


def test_content_scrolling_inside_a_box_is_loaded(batch: dict[str, Any], test_site: Site) -> None:
    result = batch["results"]["/inner-scroll"]
    scroll = next(b for b in result.record["behaviours"] if b["name"] == "scroll")
    assert scroll["boxes"] == 1 and scroll["boxSteps"] >= 4
    records = read_warc(artefact(result, "warc"))
    assert responses(records, test_site.url("/img/5.png?inner=1")), "the lazy image inside the pane was not loaded"
    assert responses(records, test_site.url("/img/3.png?inner=script")), "the pane was not scrolled to its end"


def test_a_pane_that_appends_at_its_end_is_scrolled_on(batch: dict[str, Any], test_site: Site) -> None:
    """A box gets the page's pause at its end: messages it appends then are scrolled through too."""
    result = batch["results"]["/inner-feed"]
    assert "FEED-PAGE-2" in artefact(result, "dom").read_text("utf-8")
    records = read_warc(artefact(result, "warc"))
    assert responses(records, test_site.url("/img/4.png?feed=2")), "the pane's second page was not scrolled through"


@pytest.mark.parametrize("path, via", [("/js-redirect", "js"), ("/meta-refresh", "meta")])
def test_client_side_redirects_are_followed_and_recorded(
    batch: dict[str, Any], test_site: Site, path: str, via: str
) -> None:
    result = batch["results"][path]
    target = test_site.url(f"/normal?via={via}")
    assert result.status == "complete" and result.final_url == target
    assert result.record["redirects"] == [
        {"url": test_site.url(path), "status": 200, "location": target, "kind": "client"}
    ]
    assert "NORMAL-PAGE-MARKER" in artefact(result, "dom").read_text("utf-8")
    records = read_warc(artefact(result, "warc"))
    assert responses(records, test_site.url(path)) and responses(records, target)


def test_a_dialog_loop_is_dismissed_and_recorded_up_to_a_limit(batch: dict[str, Any]) -> None:
    result = batch["results"]["/alert-loop"]
    assert result.status == "complete", result.errors
    dialogs = result.record["dialogs"]
    assert len(dialogs) == 51 and dialogs[0]["message"] == "spam 0" and dialogs[-1]["type"] == "more"
    assert "ALERT-LOOP-MARKER" in artefact(result, "text").read_text("utf-8")
