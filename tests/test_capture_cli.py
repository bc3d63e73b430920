"""``evidence-kit capture`` through the CLI: exit codes, --json, --from-file, video, private addresses."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from evidence_kit import config
from evidence_kit.capture import CaptureOptions, browser, guard, session
from evidence_kit.capture.contexts import ContextPool
from evidence_kit.capture.page import capture_page
from evidence_kit.case import Case
from tests.capture_helpers import read_warc, responses, warcio_check
from tests.fixtures.site import Site


def _create(cli: Any) -> None:
    result = cli("case", "create", "OP-CLI", "--title", "cli capture", "--investigator", "Insp. A. Petrova")
    assert result.exit_code == 0, result.output


def test_capture_has_help(cli: Any) -> None:
    result = cli("capture", "--help")
    assert result.exit_code == 0
    for option in (
        "--case",
        "--json",
        "--timeout",
        "--no-video",
        "--from-file",
        "--concurrency",
        "--allow-private",
        "--purpose",
        "--investigator",
    ):
        assert option in result.output


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "not a url", "http://", "javascript:alert(1)", "http://example.org:99999/"]
)
def test_bad_urls_exit_2_before_anything_is_captured(cli: Any, url: str) -> None:
    _create(cli)
    result = cli("capture", url, "--case", "OP-CLI")
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and len(result.output.strip().splitlines()) == 1


def test_private_target_needs_allow_private(cli: Any, test_site: Site) -> None:
    _create(cli)
    result = cli("capture", test_site.url("/normal"), "--case", "OP-CLI", "--no-video")
    assert result.exit_code == 2 and "--allow-private" in result.output
    result = cli("capture", "http://localhost/", "--case", "OP-CLI")
    assert result.exit_code == 2 and "--allow-private" in result.output


def test_unknown_case_exits_2(cli: Any, test_site: Site) -> None:
    result = cli("capture", test_site.url("/normal"), "--case", "NOPE", "--allow-private")
    assert result.exit_code == 2 and "NOPE" in result.output


@pytest.mark.browser
def test_capture_json_one_failure_does_not_stop_others(cli: Any, test_site: Site, tmp_path: Path) -> None:
    _create(cli)
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# pages\n{test_site.url('/loop')}\n\n{test_site.url('/status/404')}\n")
    result = cli(
        "capture",
        test_site.url("/normal"),
        "--from-file",
        str(urls),
        "--case",
        "OP-CLI",
        "--json",
        "--allow-private",
        "--no-video",
        "--timeout",
        "20",
        "--concurrency",
        "2",
        "--purpose",
        "MLA request 17",
    )
    assert result.exit_code == 3, result.output
    items = json.loads(result.stdout)
    assert [i["url"] for i in items] == [test_site.url(p) for p in ("/normal", "/loop", "/status/404")]
    assert [i["status"] for i in items] == ["complete", "failed", "partial"]
    for item in items:
        assert set(item) >= {"id", "url", "final_url", "started", "finished", "status", "errors", "artefacts"}
        for art in item["artefacts"]:
            assert set(art) >= {"role", "path", "blake3", "sha256", "size", "mime"}
            assert Path(art["path"]).is_absolute() and Path(art["path"]).stat().st_size == art["size"]
    assert items[1]["errors"] and "ERR_TOO_MANY_REDIRECTS" in items[1]["errors"][0]
    shown = cli("case", "show", "OP-CLI", "--json")
    assert len(json.loads(shown.stdout)["captures"]) == 3
    verified = cli("verify", "OP-CLI")
    assert verified.exit_code == 0, verified.output


@pytest.mark.browser
def test_capture_with_video_and_table_output(cli: Any, test_site: Site) -> None:
    _create(cli)
    result = cli("capture", test_site.url("/lazy"), "--case", "OP-CLI", "--allow-private", "--timeout", "40")
    assert result.exit_code == 0, result.output
    assert "complete" in result.output and "captures into OP-CLI" in result.output
    settings = config.load()
    with Case.open(settings, "OP-CLI") as case:
        [record] = case.capture_records()
        video = next(a for a in record["artefacts"] if a["role"] == "video")
        path = case.store.path_of(video["blake3"])
    assert path.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML: a Matroska/WebM file
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream == {"codec_name": "vp8", "width": 1280, "height": 900}
    assert "frames over" in record["video"]


@pytest.mark.browser
def test_no_video_is_said_in_the_record(cli: Any, test_site: Site) -> None:
    _create(cli)
    result = cli(
        "capture",
        test_site.url("/status/404"),
        "--case",
        "OP-CLI",
        "--allow-private",
        "--no-video",
        "--json",
        "--timeout",
        "20",
    )
    assert result.exit_code == 0
    [item] = json.loads(result.stdout)
    record = json.loads(Path(next(a["path"] for a in item["artefacts"] if a["role"] == "capture-record")).read_bytes())
    assert record["video"] == "no video: switched off (--no-video)"
    assert "video" not in {a["role"] for a in record["artefacts"]}


@pytest.mark.browser
def test_public_page_cannot_reach_private_addresses(make_case: Any, test_site: Site) -> None:
    """A page whose own host alone is allowed, asking for localhost, 10.x and 169.254.169.254:
    every such request is blocked before it leaves the browser, and recorded."""
    case = make_case()
    identity = case.identity()
    options = CaptureOptions(timeout=20, video=False)
    url = test_site.url("/private-probe")
    rules = guard.AddressGuard([guard.host_and_port(url)])

    async def run() -> Any:
        async with browser.launched(browser.find_chromium()) as (chromium, info):
            pool = ContextPool(chromium, options, info.user_agent, 1)
            page = await capture_page(pool, url, options, case.clock, rules)
            return session.store(case, identity, page, options, info, case.clock)

    result = asyncio.run(run())
    blocked = {b["url"]: b["reason"] for b in result.record["blocked_requests"]}
    port = test_site.base.rsplit(":", 1)[1]
    assert blocked[f"http://localhost:{port}/img/2.png"].startswith("private address")
    assert "10.255.255.1" in blocked["http://10.255.255.1/probe.png"]
    assert "169.254.169.254" in blocked["http://169.254.169.254/latest/meta-data/"]
    warc_path = Path(next(a.path for a in result.artefacts if a.role == "warc"))
    check = warcio_check(warc_path)
    assert check.returncode == 0, check.stdout
    records = read_warc(warc_path)
    assert not responses(records, f"http://localhost:{port}/img/2.png")
    assert b"PRIVATE-PROBE-MARKER" in responses(records, url)[0].body


@pytest.mark.browser
def test_library_call_from_inside_a_running_event_loop(make_case: Any, test_site: Site) -> None:
    """The web UI may call capture_urls where an event loop already runs: it must still work."""
    case = make_case()
    identity = case.identity()
    case.ledger  # noqa: B018  opened on this thread first, as a UI would
    options = CaptureOptions(timeout=20, video=False, allow_private=True)

    async def ui_handler() -> Any:
        return session.capture_urls(case, identity, [test_site.url("/status/404")], options)

    [result] = asyncio.run(ui_handler())
    assert result.status == "partial"  # a 404 page, captured as served
    events = [e for e in case.events() if e.action == "capture"]  # the ledger is usable here again
    assert events[-1].details["capture_id"] == result.id


@pytest.mark.browser
def test_each_capture_gets_a_fresh_context_without_cookies(make_case: Any, test_site: Site) -> None:
    case = make_case()
    options = CaptureOptions(timeout=20, video=False, allow_private=True, concurrency=1)
    first, second = session.capture_urls(
        case, case.identity(), [test_site.url("/normal"), test_site.url("/echo-cookie")], options
    )
    records = read_warc(next(a.path for a in first.artefacts if a.role == "warc"))
    image_request = next(r for r in records if r.type == "request" and r.uri == test_site.url("/img/0.png"))
    # The raw request headers, cookies included, as the browser sent them within the first capture (the
    # values redacted: the site's session with the investigator, see capture/redaction.py).
    cookie = dict(image_request.http_headers)["Cookie"]
    assert re.fullmatch(r"session=redacted:hmac-sha256:\S+; tracking=redacted:hmac-sha256:\S+", cookie), cookie
    text = Path(next(a.path for a in second.artefacts if a.role == "text")).read_text("utf-8")
    assert text.strip() == "NO-COOKIE"


@pytest.mark.browser
def test_the_response_bound_is_an_option_and_the_record_says_what_it_cut(cli: Any, test_site: Site) -> None:
    _create(cli)
    result = cli(
        "capture",
        test_site.url("/large"),
        "--case",
        "OP-CLI",
        "--allow-private",
        "--no-video",
        "--json",
        "--timeout",
        "30",
        "--max-response-mb",
        "1",
        "--max-browser-memory-mb",
        "2500",
    )
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)
    assert item["status"] == "partial"
    assert "the main document passed the 1 MiB kept per response: loading was stopped there" in item["errors"]
    record = json.loads(Path(next(a["path"] for a in item["artefacts"] if a["role"] == "capture-record")).read_bytes())
    assert record["options"]["bounds"]["body_bytes"] == 1024 * 1024
    assert record["options"]["bounds"]["browser_rss_mb"] == 2500
    [response] = responses(
        read_warc(next(a["path"] for a in item["artefacts"] if a["role"] == "warc")), test_site.url("/large")
    )
    assert response.warc_headers["WARC-Truncated"] == "length" and response.body == b""
