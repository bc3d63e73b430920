"""Hostile pages stay within bounds, and their records tell the truth.

A 200 MB HTML document generated as it is sent, a script filling V8's heap, and a script allocating typed
arrays without end: each capture ends within its deadline, partial with the reason, with the browser's
memory and this process's memory bounded, and every sentence of its record true of what was stored.
The bounds are set lower than their defaults so that the pages reach them in seconds.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import pytest

from chain_of_custody.clock import parse_rfc3339
from evidence_kit import config
from evidence_kit.capture import CaptureOptions, capture_urls
from evidence_kit.capture.bounds import MIB, Bounds
from evidence_kit.case import Case
from tests.capture_helpers import artefact, read_warc, responses
from tests.fixtures.site import Site

pytestmark = pytest.mark.browser

TIMEOUT = 40.0
BODY_BOUND = 16 * MIB
RSS_BOUND_MB = 1200


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, test_site: Site) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("hostile")
    case = Case.create(config.Settings(home=root / "cases", keys_dir=root / "keys"), "OP-HOSTILE", "t", "Insp")
    try:
        heavy = CaptureOptions(
            timeout=TIMEOUT, video=False, allow_private=True, bounds=Bounds(body_bytes=BODY_BOUND, renderer_heap_mb=256)
        )
        started = time.monotonic()
        pages = [test_site.url("/huge?mb=200"), test_site.url("/heap-hog")]
        huge, heap = capture_urls(case, case.identity(), pages, heavy)
        hungry = CaptureOptions(
            timeout=TIMEOUT, video=False, allow_private=True, bounds=Bounds(browser_rss_mb=RSS_BOUND_MB)
        )
        [memory] = capture_urls(case, case.identity(), [test_site.url("/memory-hog")], hungry)
        elapsed = time.monotonic() - started
        yield {"huge": huge, "heap": heap, "memory": memory, "elapsed": elapsed}
    finally:
        case.close()


def _within_deadline(result: Any) -> None:
    took = (parse_rfc3339(result.record["finished"]) - parse_rfc3339(result.record["started"])).total_seconds()
    assert took < TIMEOUT + 5, took


def test_a_huge_document_stops_at_the_body_bound_and_the_warc_says_so(hostile: dict[str, Any], test_site: Site) -> None:
    result = hostile["huge"]
    assert result.status == "partial"
    _within_deadline(result)
    assert "the main document passed the 16 MiB kept per response: loading was stopped there" in result.errors
    assert any(
        e.startswith("the main document's body in the WARC is not whole: body not kept: more than")
        and e.endswith("received, beyond the 16 MiB kept per response")
        for e in result.errors
    ), result.errors
    [response] = responses(read_warc(artefact(result, "warc")), test_site.url("/huge?mb=200"))
    assert response.warc_headers["WARC-Truncated"] == "length" and response.body == b""
    assert "beyond the 16 MiB kept per response" in response.warc_headers["X-Evidence-Kit-Body"]
    original = dict(response.http_headers)["X-Archive-Orig-Content-Length"]
    assert int(original) > 200_000_000  # the whole document was announced; none of it was kept
    assert result.record["options"]["bounds"]["body_bytes"] == BODY_BOUND
    # No sentence may say the WARC holds what it does not.
    assert not [w for w in result.record["warnings"] if "WARC hold" in w or "and WARC" in w], result.record["warnings"]


def test_a_script_filling_the_heap_crashes_only_its_renderer(hostile: dict[str, Any]) -> None:
    result = hostile["heap"]
    assert result.status == "partial"
    _within_deadline(result)
    assert "the page's renderer crashed" in result.errors
    assert result.record["options"]["bounds"]["renderer_heap_mb"] == 256
    assert artefact(result, "warc").stat().st_size > 0  # what was obtained before the crash is kept


def test_a_page_allocating_without_end_is_ended_by_the_watchdog(hostile: dict[str, Any]) -> None:
    result = hostile["memory"]
    assert result.status == "partial"
    _within_deadline(result)
    [reason] = [e for e in result.errors if e.startswith("the browser's processes used")]
    assert f"above the {RSS_BOUND_MB} MiB bound: the watchdog ended the page's renderer" in reason
    memory = result.record["memory"]
    assert memory["browser_tree_bound_bytes"] == RSS_BOUND_MB * MIB
    # Tripped, then ended: the peak passed the bound by at most what the page allocates between samples.
    assert RSS_BOUND_MB * MIB < memory["browser_tree_peak_bytes"] < (RSS_BOUND_MB + 1500) * MIB


def test_this_process_stays_small(hostile: dict[str, Any]) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    print(f"hostile pages in {hostile['elapsed']:.1f} s; this process peaked at {peak // MIB} MiB")
    assert peak < 1024 * MIB  # the 200 MB body never crossed into it
