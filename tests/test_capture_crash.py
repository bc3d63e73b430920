"""A renderer that really crashes mid-capture: the capture ends in time, says so, keeps what it got.

The crash is real, not a test-only code path: V8's heap is capped for the whole browser with
``--js-flags=--max-old-space-size=32`` and the page, a moment after its load event, allocates without
bound. V8 reaches its heap limit within about a second and the renderer dies of an OOM crash ("V8
javascript OOM (Reached heap limit)" on the browser's stderr). The capture is then usually waiting on the
renderer for the viewport screenshot, and on this Debian Chromium the browser process itself exits
(SIGSEGV) with it: the next URL in the same command must get a new browser and be captured completely
(issue 4: "one failing URL never stops the others").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chain_of_custody.clock import parse_rfc3339
from evidence_kit import config
from evidence_kit.capture import CaptureOptions, capture_urls
from evidence_kit.case import Case
from tests.capture_helpers import artefact, png_size, read_warc, responses, warcio_check

pytestmark = pytest.mark.browser

TIMEOUT = 30.0
HEAP_CAP = ("--js-flags=--max-old-space-size=32",)
CRASH_PAGE = b"""<!doctype html><html><head><meta charset=utf-8><title>Crashing page</title></head>
<body><p>CRASH-PAGE-MARKER</p><script>
addEventListener('load', () => setTimeout(() => {
  const hoard = [];
  for (;;) hoard.push(new Array(1e6).fill(Math.random()));  // until V8's heap limit kills the renderer
}, 300));
</script></body></html>"""
AFTER_PAGE = (
    b"<!doctype html><html><head><meta charset=utf-8><title>After the crash</title></head>"
    b"<body><p>AFTER-CRASH-MARKER</p></body></html>"
)


@pytest.fixture(scope="module")
def crash_site() -> Iterator[str]:
    """Serves /crash and /after on 127.0.0.1 port 0; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            pages = {"/crash": CRASH_PAGE, "/after": AFTER_PAGE}
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def crash_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crash")


@pytest.fixture(scope="module")
def crashed(crash_root: Path, crash_site: str) -> Iterator[dict[str, Any]]:
    """One command-like call: the crashing page first, an ordinary page after it, one browser launch."""
    settings = config.Settings(home=crash_root / "cases", keys_dir=crash_root / "keys")
    case = Case.create(settings, "OP-CRASH", "renderer crash", "Insp. A. Petrova")
    options = CaptureOptions(timeout=TIMEOUT, video=False, allow_private=True, purpose="test: renderer crash")
    started = time.monotonic()
    results = capture_urls(
        case, case.identity(), [crash_site + "/crash", crash_site + "/after"], options, browser_args=HEAP_CAP
    )
    elapsed = time.monotonic() - started
    yield {"case": case, "crash": results[0], "after": results[1], "elapsed": elapsed}
    case.close()


def test_crash_ends_the_capture_well_within_its_deadline(crashed: dict[str, Any]) -> None:
    # The crashed capture ends long before its 30 s deadline (no step waits out its bound on a dead
    # renderer), and both captures with both browser start-ups take less than one deadline.
    record = crashed["crash"].record
    took = (parse_rfc3339(record["finished"]) - parse_rfc3339(record["started"])).total_seconds()
    assert took < TIMEOUT / 2, (took, record["timings"])
    assert crashed["elapsed"] < TIMEOUT, crashed["elapsed"]


def test_record_says_the_renderer_crashed_and_is_partial(crashed: dict[str, Any], crash_site: str) -> None:
    result = crashed["crash"]
    record = result.record
    assert result.status == record["status"] == "partial", result.errors
    assert "the page's renderer crashed" in record["errors"], record["errors"]
    assert record["errors"] == list(result.errors)
    # The crash came after the load: the record has the main document's facts from before it.
    assert record["url"] == record["final_url"] == crash_site + "/crash"
    assert record["page"]["http_status"] == 200 and record["page"]["server_ip"] == "127.0.0.1"
    assert record["started"] < record["loaded"] <= record["finished"]
    # Steps the dead renderer could not do are named as errors, not silently missing.
    assert any(e.startswith("full-page screenshot:") for e in record["errors"]), record["errors"]
    roles = [a["role"] for a in record["artefacts"]]
    assert "screenshot" not in roles and "pdf" not in roles


def test_what_was_obtained_before_the_crash_is_stored_and_listed(crashed: dict[str, Any], crash_site: str) -> None:
    result = crashed["crash"]
    case: Case = crashed["case"]
    roles = [a.role for a in result.artefacts]
    assert roles[0] == "warc" and "capture-record" in roles and "har" in roles, roles
    warc_path = artefact(result, "warc")
    [main] = responses(read_warc(warc_path), crash_site + "/crash")
    assert main.status == 200 and main.body == CRASH_PAGE  # the main document, body and all
    check = warcio_check(warc_path)
    assert check.returncode == 0, check.stdout + check.stderr
    for item in result.record["artefacts"]:  # every listed artefact is in the store with its size
        assert case.store.path_of(item["blake3"]).stat().st_size == item["size"]


def test_ledger_has_the_capture_event_of_the_crash(crashed: dict[str, Any]) -> None:
    result = crashed["crash"]
    case: Case = crashed["case"]
    [event] = [e for e in case.events() if e.action == "capture" and e.details["capture_id"] == result.id]
    assert event.details["status"] == "partial"
    assert "the page's renderer crashed" in event.details["errors"]
    named = {(a["role"], a["blake3"]) for a in event.artefacts}
    assert {(a.role, a.blake3) for a in result.artefacts} <= named


def test_the_url_after_the_crash_is_captured_completely(crashed: dict[str, Any], crash_site: str) -> None:
    after = crashed["after"]
    assert after.status == "complete", after.errors
    assert after.final_url == crash_site + "/after"
    [main] = responses(read_warc(artefact(after, "warc")), crash_site + "/after")
    assert main.status == 200 and main.body == AFTER_PAGE
    assert png_size(artefact(after, "screenshot-viewport")) == (1280, 900)
    assert artefact(after, "pdf").read_bytes().startswith(b"%PDF-")
    assert "AFTER-CRASH-MARKER" in artefact(after, "text").read_text("utf-8")


def test_evidence_kit_verify_passes_on_the_case(
    crashed: dict[str, Any], crash_root: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCE_KIT_HOME", str(crash_root / "cases"))
    monkeypatch.setenv("EVIDENCE_KIT_KEYS", str(crash_root / "keys"))
    crashed["case"].close()
    verified = cli("verify", "OP-CRASH")
    assert verified.exit_code == 0, verified.output
