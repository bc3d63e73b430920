"""The web UI in a real browser: Playwright drives Debian's Chromium against ``evidence-kit ui`` on 127.0.0.1.

One UI, one case and one browser serve the whole module (captures are shared); each test walks one step
an investigator takes: create a case, capture two local pages with live progress, look at the cards,
reveal a blurred thumbnail, replay a capture offline, record a handover, verify, tamper, verify again,
export with the MLA form, download and verify the zip. Refusals (no token, wrong CSRF, foreign Host) and
replay isolation are tested against the same servers; axe-core runs on every main page. Screenshots of
each page go to tests/output/ui-screens/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from evidence_kit import config
from evidence_kit.web import assets

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENS = Path(__file__).parent / "output" / "ui-screens"
CASE = "OP-UI-1"
ONE_TEXT = "Rose garden recruitment agency"
TWO_TEXT = "Tulip modelling contracts abroad"
SHARED_PHONE = "+359 88 123 4567"
GPS = (42.6975, 23.3219)


def _page(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head><body>{body}</body></html>"
    ).encode()


def hostile(ui_origin: str) -> bytes:
    """A page whose script tries to read the UI and its cookies, and writes what it got into the page."""
    script = f"""<script>
    const out = document.getElementById('out');
    const say = (t) => {{ out.textContent += t + '\\n'; }};
    say('cookie=[' + document.cookie + ']');
    for (const path of ['/', '/cases/{CASE}', '/verify']) {{
      fetch('{ui_origin}' + path, {{credentials: 'include'}})
        .then(r => r.text().then(t => say('GOT ' + path + ' ' + r.status + ' ' + t.slice(0, 80))))
        .catch(e => say('BLOCKED ' + path));
    }}
    fetch('{ui_origin}/cases', {{method: 'POST', credentials: 'include', body: 'case_id=PWNED&title=x&investigator=x',
      headers: {{'content-type': 'application/x-www-form-urlencoded'}}}})
      .then(r => say('POST ' + r.status)).catch(e => say('BLOCKED POST'));
    </script>"""
    return _page("Hostile page", f"<h1>Hostile page</h1><pre id=out></pre>{script}")


@dataclass
class Site:
    base: str
    pages: dict[str, bytes]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, local_tsa: Any) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("ui")
    values = {
        "EVIDENCE_KIT_HOME": str(root / "cases"),
        "EVIDENCE_KIT_KEYS": str(root / "keys"),
        "EVIDENCE_KIT_CONFIG": str(root / "config.json"),
        "EVIDENCE_KIT_JOURNAL": str(root / "journal"),
    }
    # The local RFC 3161 TSA is configured: captures are stamped as they are stored, as in the field.
    (root / "config.json").write_text(json.dumps({"tsas": [local_tsa.settings_entry()]}), "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        yield values


@pytest.fixture(autouse=True)
def same_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The module shares one home, keys folder and head journal (conftest gives each test its own)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def ui(env: dict[str, str]) -> Iterator[Any]:
    from evidence_kit.web.server import Running

    running = Running(config.load()).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def site(ui: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from tests.fixtures.media_files import draw_photo, jpeg_bytes, write_gps

    photo = tmp_path_factory.mktemp("photo") / "office.jpg"
    photo.write_bytes(jpeg_bytes(draw_photo(7)))
    write_gps(photo, *GPS)  # the same photo, with its GPS position, on both pages
    image = '<img src="/office.jpg" width="400" height="300" alt="office">'
    pages = {
        "/one": _page(
            "Rose garden", f"<h1>{ONE_TEXT}</h1><p>Call {SHARED_PHONE} or write to jobs@rose.example</p>{image}"
        ),
        "/two": _page("Tulip", f"<h1>{TWO_TEXT}</h1><p>WhatsApp {SHARED_PHONE}</p>{image}"),
        "/hostile": hostile(ui.access.origin),
        "/office.jpg": photo.read_bytes(),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            kind = "image/jpeg" if self.path.endswith(".jpg") else "text/html; charset=utf-8"
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Site(f"http://127.0.0.1:{server.server_address[1]}", pages)
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from evidence_kit.capture.browser import find_chromium

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"], headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser: Any, ui: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    opened = context.new_page()
    opened.goto(ui.address)
    yield opened
    context.close()


def shot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def axe(page: Any, name: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    assert assets.path_of("axe.min.js") is not None, f"axe-core is not installed: {assets.SETUP_HINT}"
    page.add_script_tag(url="/assets/axe.min.js")  # served by the UI itself: its CSP allows no inline script
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def wait_job(page: Any, timeout: float = 120_000) -> None:
    page.wait_for_selector('[data-finished="yes"]', timeout=timeout)


# -- the investigator's walk --------------------------------------------------------------------
@pytest.fixture(scope="module")
def captured(page: Any, ui: Any, site: Site) -> dict[str, Any]:
    """Create the case and capture the two pages (and the hostile one) through the UI, watching progress."""
    page.goto(ui.access.origin + "/")
    page.fill("#case_id", CASE)
    page.fill("#title", "Recruitment ads")
    page.fill("#investigator", "Insp. A. Petrova")
    page.fill("#jurisdiction", "BG")
    page.fill("#offence", "Trafficking in human beings")
    page.fill("#region", "BG")
    page.click("text=Create case")
    page.wait_for_url(re.compile(rf"/cases/{CASE}$"))
    page.fill("#urls", f"{site.base}/one\n{site.base}/two\n{site.base}/hostile")
    page.uncheck("#video")
    page.check("#allow_private")
    page.fill("#timeout", "30")
    page.click("text=Start capturing")
    page.wait_for_url(re.compile(r"/jobs/"))
    # Live progress: a row goes to "running" before the job is finished (sent by the server as it happens).
    page.wait_for_selector('tr[data-state="running"]', timeout=60_000)
    seen_running_before_end = page.locator('[data-finished="yes"]').count() == 0
    wait_job(page)
    shot(page, "capture-progress")
    states = page.locator("tr[data-state]").evaluate_all("rows => rows.map(r => r.dataset.state)")
    return {"running_seen": seen_running_before_end, "states": states, "job_url": page.url}


def test_capture_with_live_progress(page: Any, captured: dict[str, Any]) -> None:
    assert captured["running_seen"]
    assert captured["states"] == ["complete", "complete", "complete"], page.content()[:3000]
    axe(page, "job")


def test_case_page_shows_cards_and_reveals_a_blurred_thumbnail(page: Any, ui: Any, captured: dict[str, Any]) -> None:
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    cards = page.locator("li.card")
    assert cards.count() == 3
    assert "Rose garden" in cards.nth(0).inner_text() and "Tulip" in cards.nth(1).inner_text()
    thumb = page.locator("li.card .thumb").first
    assert "blurred" in (thumb.get_attribute("class") or "")
    blur = page.evaluate("el => getComputedStyle(el).filter", page.locator("li.card .thumb img").first.element_handle())
    assert "blur" in blur
    # The thumbnail is a real PNG served under the session.
    assert page.evaluate("img => img.naturalWidth", page.locator("li.card .thumb img").first.element_handle()) > 100
    thumb.click()
    assert "blurred" not in (thumb.get_attribute("class") or "")
    assert (
        page.evaluate("el => getComputedStyle(el).filter", page.locator("li.card .thumb img").first.element_handle())
        == "none"
    )
    shot(page, "case")
    axe(page, "case")


def test_replay_offline_shows_the_captured_text(page: Any, ui: Any, captured: dict[str, Any]) -> None:
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    page.locator("li.card h3 a", has_text="Rose garden").click()
    page.wait_for_selector("#replay-frame")
    frame = _replayed_page(page, ONE_TEXT)
    assert ONE_TEXT in frame.inner_text("body")
    # The photo's GPS position as coordinates (no map), and the network exchanges the WARC holds.
    metadata = page.inner_text("#meta-title + *") + page.inner_text("section:has(#meta-title)")
    assert "42.6975" in metadata and "23.3219" in metadata, metadata
    exchanges = page.inner_text("section:has(#net-title)")
    assert "/one" in exchanges and "/office.jpg" in exchanges and "image/jpeg" in exchanges
    shot(page, "capture")
    axe(page, "capture")


def _replayed_page(page: Any, text: str, timeout: float = 60.0) -> Any:
    """The innermost frame of the replay that shows ``text`` (ReplayWeb.page nests the archived page)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if text in frame.inner_text("body", timeout=1000):
                    return frame
            except Exception:  # noqa: BLE001  a frame still loading
                continue
        page.wait_for_timeout(500)
    raise AssertionError(f"no replay frame shows {text!r}: {[f.url for f in page.frames]}")


def test_replay_isolation(page: Any, ui: Any, captured: dict[str, Any]) -> None:
    """The hostile page, replayed, gets neither the UI's pages nor its cookie, and cannot create a case."""
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    page.locator("li.card h3 a", has_text="Hostile page").click()
    frame = _replayed_page(page, "cookie=[")
    page.wait_for_timeout(2000)  # the fetches settle
    said = frame.inner_text("#out")
    assert "cookie=[]" in said, said
    assert "GOT / 200" not in said and "Cases" not in said and ONE_TEXT not in said, said
    # Directly from the replay origin's own frame (where archived scripts run): refused, cookie unreadable.
    replay_frame = next(f for f in page.frames if f.url.startswith(f"http://127.0.0.1:{ui.replay_port}/embed/"))
    reached = replay_frame.evaluate(
        """async (url) => { try { const r = await fetch(url, {credentials: 'include'});
             return 'status ' + r.status + ' ' + (await r.text()).slice(0, 100); } catch (e) { return 'blocked'; } }""",
        f"{ui.access.origin}/cases/{CASE}",
    )
    assert reached == "blocked", reached
    assert replay_frame.evaluate("document.cookie") == ""
    # A request that needs no answer (no-cors, with the cookie the browser holds for 127.0.0.1) changes nothing.
    replay_frame.evaluate(
        """async (url) => { try { await fetch(url, {method: 'POST', mode: 'no-cors', credentials: 'include',
             headers: {'content-type': 'application/x-www-form-urlencoded'},
             body: 'case_id=PWNED2&title=x&investigator=x'}); } catch (e) {} }""",
        f"{ui.access.origin}/cases",
    )
    assert not (Path(os.environ["EVIDENCE_KIT_HOME"]) / "PWNED2").exists()
    assert not (Path(os.environ["EVIDENCE_KIT_HOME"]) / "PWNED").exists()  # the archived page's POST did nothing


def test_handover_verify_tamper_verify(page: Any, ui: Any, captured: dict[str, Any]) -> None:
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    page.select_option("#action", "handover")
    page.fill("#to", "Prosecutor I. Dimitrov")
    page.fill("#note", "sealed USB, bag 17")
    page.click("text=Record in the ledger")
    page.wait_for_selector("text=Recorded as custody event")
    assert "handover" in page.inner_text("ol.timeline") and "Prosecutor I. Dimitrov" in page.inner_text("ol.timeline")
    page.click("text=Timestamp now")  # the handover is stamped too
    page.wait_for_selector("text=RFC 3161 timestamp(s) recorded")
    assert page.inner_text("#timestamp-state").startswith("covered")
    page.click("text=Verify this case")
    page.wait_for_selector("#report")
    assert page.inner_text("#verdict") == "VERIFIED"
    assert page.locator("#report.verified").count() == 1
    # Tamper with one stored artefact (artefacts are 0444: made writable first).
    home = Path(os.environ["EVIDENCE_KIT_HOME"]) / CASE / "artefacts"
    victim = sorted(p for p in home.glob("??/*") if p.is_file())[0]
    victim.chmod(0o644)
    with open(victim, "r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 0xFF]))
    try:
        page.goto(f"{ui.access.origin}/verify")
        page.select_option("#verify-case", CASE)
        page.locator("form.box", has_text="A case").locator("button").click()
        page.wait_for_selector("#report")
        assert page.inner_text("#verdict") == "VERIFICATION FAILED"
        findings = page.inner_text("ul.findings")
        assert victim.name[:12] in findings, findings
        # Retried until the stylesheet applies: waiting for #report does not wait for the page's load
        # (read at once, the colour was sometimes the default black).
        expect(page.locator("ul.findings li").first).to_have_css("color", "rgb(164, 0, 15)")
        shot(page, "verify-failed")
        axe(page, "verify")
    finally:
        with open(victim, "r+b") as handle:
            handle.write(first)
        victim.chmod(0o444)


def test_export_with_mla_form_download_and_verify_zip(
    page: Any, ui: Any, captured: dict[str, Any], tmp_path: Path
) -> None:
    page.goto(f"{ui.access.origin}/cases/{CASE}/export")
    page.fill("#mla-request-date", "2026-03-02")
    page.fill("#mla-request-reference", "REF-17/2026")
    page.fill("#mla-requested-authority-name", "Example Provider Ltd")
    page.fill("#mla-summary-of-facts", "Recruitment ads lure victims abroad.")
    shot(page, "export")
    axe(page, "export")
    page.click("text=Build the bundle")
    page.wait_for_url(re.compile(r"/jobs/"))
    wait_job(page, 180_000)
    sha256 = page.inner_text("#bundle-sha256")
    assert sha256.startswith("sha256:") and page.inner_text("#bundle-blake3").startswith("blake3:")
    with page.expect_download() as download:
        page.click("#download")
    target = tmp_path / "bundle.zip"
    download.value.save_as(target)
    from chain_of_custody.hashing import hash_file

    assert hash_file(target).sha256 == sha256
    import zipfile

    with zipfile.ZipFile(target) as bundle:
        report = next(bundle.read(n) for n in bundle.namelist() if n.endswith("data/report/report.html")).decode()
    assert "Link chart" in report and "+359881234567" in report and "2 captures" in report
    # The MLA fields were saved for the case and come back next time.
    page.goto(f"{ui.access.origin}/cases/{CASE}/export")
    assert page.input_value("#mla-request-reference") == "REF-17/2026"
    # Verify the downloaded zip by uploading it.
    page.goto(f"{ui.access.origin}/verify")
    page.set_input_files("#verify-zip", str(target))
    page.click("text=Upload and verify")
    page.wait_for_selector("#report")
    assert page.inner_text("#verdict") == "VERIFIED", page.inner_text("#report")[:2000]
    shot(page, "verify")
    # The same bundle as a folder on this computer.
    with zipfile.ZipFile(target) as bundle:
        bundle.extractall(tmp_path / "unzipped")
    folder = next(p for p in (tmp_path / "unzipped").iterdir() if p.is_dir())
    page.fill("#verify-folder", str(folder))
    page.locator("form.box", has_text="A bundle folder").locator("button").click()
    page.wait_for_selector("#report")
    assert page.inner_text("#verdict") == "VERIFIED" and str(folder) in page.inner_text("#report")


def test_search_and_link_chart(page: Any, ui: Any, captured: dict[str, Any]) -> None:
    page.goto(f"{ui.access.origin}/search?q=tulip")
    assert "Tulip" in page.inner_text("main")
    shot(page, "search")
    axe(page, "search")
    page.goto(f"{ui.access.origin}/links")
    svg = page.inner_html(".chart")
    assert "+359881234567" in svg and "2 captures" in svg
    assert "photo: " in svg and svg.count("(2 captures") == 2  # the phone and the photo, both shared
    page.click("text=similar images in all cases")
    assert page.locator("text=distance 0").count() >= 1  # the photo itself, found by its digest
    shot(page, "links")
    axe(page, "links")
    page.goto(f"{ui.access.origin}/")
    shot(page, "cases")
    axe(page, "cases")


# -- refusals ---------------------------------------------------------------------------------------
def test_without_token_wrong_csrf_foreign_host_refused(ui: Any, page: Any) -> None:
    origin = ui.access.origin
    with httpx.Client(base_url=origin) as stranger:
        for path in ("/", f"/cases/{CASE}", "/static/app.css", "/verify"):
            answer = stranger.get(path)
            assert answer.status_code == 401 and CASE not in answer.text
        assert stranger.get("/?token=wrong").status_code == 403
        assert stranger.post("/cases", data={"case_id": "X"}).status_code == 401
    with httpx.Client(base_url=origin, follow_redirects=True) as client:
        assert client.get(f"/?token={ui.access.token}").status_code == 200
        refused = client.post("/cases?csrf=wrong", data={"case_id": "X2", "title": "t", "investigator": "x"})
        assert refused.status_code == 403 and "CSRF" in refused.text
        assert client.get("/", headers={"host": f"attacker.example:{ui.port}"}).status_code == 403
        assert client.get("/", headers={"host": f"localhost:{ui.port}"}).status_code == 403
        for site in ("cross-site", "same-site"):  # same-site: what the replay origin's requests say
            assert client.get("/", headers={"sec-fetch-site": site}).status_code == 403
        headers = client.get("/").headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert not (Path(os.environ["EVIDENCE_KIT_HOME"]) / "X2").exists()
    with httpx.Client(base_url=f"http://127.0.0.1:{ui.replay_port}") as replay:
        assert replay.get("/embed/not-a-ticket").status_code == 404
        assert replay.get("/embed/x", headers={"host": "evil.example"}).status_code == 403


def test_upload_is_streamed_hashed_and_recorded(page: Any, ui: Any, captured: dict[str, Any], tmp_path: Path) -> None:
    from chain_of_custody.hashing import hash_file
    from evidence_kit.case import Case

    handed = tmp_path / "statement scan.jpg"
    handed.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # larger than one read: streamed in many chunks
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    page.fill("#source", "USB stick from the complainant")
    page.set_input_files("#upload", str(handed))
    page.click("text=Add and record")
    page.wait_for_selector("text=1 file(s) added and recorded")
    digests = hash_file(handed)
    with Case.open(config.load(), CASE) as case:
        event = [e for e in case.events() if e.action == "add"][-1]
        assert event.artefacts[0]["blake3"] == digests.blake3 and event.artefacts[0]["sha256"] == digests.sha256
        assert event.details["original_name"] == "statement scan.jpg"
        assert event.details["source"] == "USB stick from the complainant"
        assert event.details["received"] == "uploaded through the web interface"
        assert case.store.path_of(digests.blake3).read_bytes() == handed.read_bytes()
        assert not list((case.path / "artefacts" / ".incoming").glob("upload-*"))  # temporary files gone


def test_cli_prints_the_address_with_a_token(env: dict[str, str]) -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "evidence_kit", "ui", "--no-open"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        address = ""
        for _ in range(5):
            line = process.stdout.readline()
            if line.startswith("http://127.0.0.1:"):
                address = line.strip()
                break
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{20,}", address), address
        origin = address.split("/?")[0]
        with httpx.Client(follow_redirects=True) as client:
            assert client.get(origin + "/").status_code == 401
            answer = client.get(address)
            assert answer.status_code == 200 and "Cases" in answer.text and str(answer.url) == origin + "/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_failures_in_plain_words_and_cancel(page: Any, ui: Any, site: Site, captured: dict[str, Any]) -> None:
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    page.fill("#urls", "\n".join([f"{site.base}/gone", *[f"{site.base}/two?again={n}" for n in range(4)]]))
    page.uncheck("#video")
    page.check("#allow_private")
    page.click("text=Start capturing")
    page.wait_for_url(re.compile(r"/jobs/"))
    page.wait_for_selector("tr[data-state]:nth-child(2)[data-state='running']", timeout=60_000)
    page.click("text=Cancel")
    wait_job(page)
    states = page.locator("tr[data-state]").evaluate_all("rows => rows.map(r => r.dataset.state)")
    first = page.locator("tr[data-state]").first.inner_text()
    assert states[0] in ("failed", "partial") and "The site refused to show this page" in first, first
    assert states[-1] == "cancelled" and "not captured: the job was cancelled" in page.inner_text("#progress")
    assert "complete" in states[1:], states  # the page being captured when Cancel came was finished and stored


def test_blur_is_a_setting_of_the_case(page: Any, ui: Any, captured: dict[str, Any]) -> None:
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    page.uncheck("#blur")
    page.locator("form", has=page.locator("#blur")).locator("button").click()
    page.wait_for_load_state()
    assert page.locator("li.card .thumb.blurred").count() == 0
    page.check("#blur")
    page.locator("form", has=page.locator("#blur")).locator("button").click()
    page.wait_for_load_state()
    assert page.locator("li.card .thumb.blurred").count() == page.locator("li.card .thumb").count() > 0


def test_tablet_width_and_keyboard(browser: Any, ui: Any, captured: dict[str, Any]) -> None:
    """At tablet width nothing scrolls sideways; the capture form is reached and used with the keyboard."""
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    tablet = context.new_page()
    try:
        tablet.goto(ui.address)
        tablet.goto(f"{ui.access.origin}/cases/{CASE}")
        assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(tablet, "case-tablet")
        tablet.keyboard.press("Tab")
        assert tablet.evaluate("document.activeElement.textContent") == "Skip to content"
        tablet.keyboard.press("Enter")
        tablet.focus("#urls")
        tablet.keyboard.press("Shift+Tab")
        # The field before it (the chosen one of "web pages or accounts"), not lost.
        assert tablet.evaluate("document.activeElement.id") == "kind-page"
        tablet.focus("#blur")
        tablet.keyboard.press("Space")
        assert tablet.evaluate("document.getElementById('blur').checked") is False
        first_thumb = tablet.locator("li.card .thumb").first
        first_thumb.focus()
        tablet.keyboard.press("Enter")
        assert "blurred" not in (first_thumb.get_attribute("class") or "")
    finally:
        context.close()


def test_another_enrolled_investigator_signs_what_they_record(page: Any, ui: Any, captured: dict[str, Any]) -> None:
    from evidence_kit.case import Case

    with Case.open(config.load(), CASE) as case:
        case.enrol(case.identity(), "Sgt. B. Ivanov")  # their key is made on this machine, as case add-investigator
    page.goto(f"{ui.access.origin}/cases/{CASE}")
    assert page.locator("#custody-investigator option").all_inner_texts() == ["Insp. A. Petrova", "Sgt. B. Ivanov"]
    page.select_option("#action", "review")
    page.select_option("#custody-investigator", "Sgt. B. Ivanov")
    page.click("text=Record in the ledger")
    page.wait_for_selector("text=Recorded as custody event")
    with Case.open(config.load(), CASE) as case:
        last = list(case.events())[-1]
    assert (last.action, last.actor) == ("review", "Sgt. B. Ivanov")


# -- social-media accounts and personas ------------------------------------------------------------
PERSONA_SECRET = "s3ss-VALUE-never-shown-4471"


def test_account_capture_its_history_and_the_personas(
    page: Any, ui: Any, captured: dict[str, Any], tmp_path: Path
) -> None:
    """An account captured through the form (Telegram-like fixture site), walls said in plain words, the
    account on the case page and its history page; the persona select and page list the store's personas
    (name, platform, handle) and never a secret."""
    from evidence_kit.personas import making
    from tests.fixtures.social.site import SocialSite
    from tests.fixtures.social.telegram import CHANNEL_ID

    state = tmp_path / "state.json"
    cookie = {"name": "sid", "value": PERSONA_SECRET, "domain": ".vk.example", "path": "/", "httpOnly": True}
    state.write_text(json.dumps({"cookies": [cookie], "origins": []}), "utf-8")
    making.create(config.load(), "natasha", "vk", "@natasha_k", storage_state=state, user_agent="Mozilla/5.0 test")
    making.create(config.load(), "vera", "x", None, storage_state=state, passphrase="pass phrase", user_agent="UA")

    social = SocialSite().start()
    try:
        page.goto(f"{ui.access.origin}/cases/{CASE}")
        options = page.locator("#persona option").all_inner_texts()
        assert "natasha — vk, @natasha_k" in options and "vera — x (passphrase needed)" in options, options
        assert page.locator("#persona_passphrase").count() == 1  # an encrypted persona is listed
        assert page.locator("#platform option").all_inner_texts()[1:] == [
            "telegram", "mastodon", "vk", "instagram", "tiktok", "x", "facebook", "generic"
        ]  # fmt: skip
        page.check("#kind-profile")
        page.fill("#urls", f"{social.url('/s/starjobs')}\n{social.url('/walls/login')}\n{social.url('/@alice')}")
        page.uncheck("#video")
        page.check("#allow_private")
        page.fill("#timeout", "40")
        page.fill("#max_posts", "30")
        page.click("text=Start capturing")
        page.wait_for_url(re.compile(r"/jobs/"))
        wait_job(page, 180_000)
        shot(page, "account-capture")
        rows = page.locator("tr[data-state]")
        first, wall = rows.nth(0).inner_text(), rows.nth(1).inner_text()
        assert f"telegram account @starjobs, id {CHANNEL_ID}" in first and "30 post(s) read" in first, first
        assert rows.nth(1).get_attribute("data-state") == "partial", wall
        assert "not the whole account: login-wall: the site asked the visitor to log in" in wall, wall
        assert "a wall is not evidence that the account or its posts do not exist" in wall, wall

        page.goto(f"{ui.access.origin}/cases/{CASE}#accounts")
        table = page.locator("#accounts table")
        assert CHANNEL_ID in table.inner_text() and "@starjobs" in table.locator(".handles").all_inner_texts()
        shot(page, "case-accounts")
        axe(page, "case with accounts")
        page.click(f"#accounts >> text=History of telegram:id:{CHANNEL_ID}")
        page.wait_for_url(re.compile(r"/accounts/"))
        assert page.inner_text("#account-handles") == "@starjobs"
        assert "no earlier capture showed the account" in page.inner_text("main")
        shot(page, "account-history")
        axe(page, "account history")
        # An ActivityPub account's id is a URL: its history page is reached all the same.
        page.goto(f"{ui.access.origin}/cases/{CASE}#accounts")
        page.click(f"#accounts >> text=History of mastodon:id:{social.url('/users/alice')}")
        page.wait_for_url(re.compile(r"/accounts/"))
        assert page.inner_text("#account-handles") == "@alice"

        page.click("nav >> text=Personas")
        page.wait_for_url(re.compile(r"/personas$"))
        listed = page.inner_text("#personas")
        assert "natasha\tvk\t@natasha_k" in listed and "vera\tx" in listed, listed
        assert "persona create" in page.inner_text("main")
        shot(page, "personas")
        axe(page, "personas")
        assert PERSONA_SECRET not in page.content()
        page.goto(f"{ui.access.origin}/cases/{CASE}")
        assert PERSONA_SECRET not in page.content()
    finally:
        social.stop()
