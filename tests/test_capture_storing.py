"""Storing one page never stops the pages still being captured beside it (issue 16).

Storing hashes every artefact, compresses the WARC and forces files to disk; done on the event loop's
thread it froze every other page of the command meanwhile (measured: 0.6 s stalls in the middle of the
sample site's other captures). It now runs on a thread of its own, which alone holds the case's ledger
while the capture runs; the ledger is whole and usable afterwards.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from evidence_kit import verification
from evidence_kit.capture import CaptureOptions, session


@pytest.mark.browser
def test_a_page_being_stored_does_not_stop_the_page_still_loading(make_case, test_site, monkeypatch):
    case = make_case()
    fast, slow = test_site.url("/normal"), test_site.url("/slow")  # /slow answers after 2 s
    slow_captured = threading.Event()
    waited: list[bool] = []
    capture_page, store = session.capture_page, session.store

    async def watched_capture(pool, url, *args):  # type: ignore[no-untyped-def]
        page = await capture_page(pool, url, *args)
        if url == slow:
            slow_captured.set()
        return page

    def slow_disk_store(case_, identity, page, *args):  # type: ignore[no-untyped-def]
        if page.url == fast:
            # The fast page's storing lasts until the slow page is captured: that can only happen if
            # the capture goes on while this page is stored.
            waited.append(slow_captured.wait(timeout=45))
        return store(case_, identity, page, *args)

    monkeypatch.setattr(session, "capture_page", watched_capture)
    monkeypatch.setattr(session, "store", slow_disk_store)
    options = CaptureOptions(timeout=40, video=False, allow_private=True, concurrency=2)
    results = session.capture_urls(case, case.identity(), [fast, slow], options)
    assert waited == [True]
    assert [r.status for r in results] == ["complete", "complete"]
    # The store thread opened and closed the ledger; this thread uses it again, whole.
    captured = [e.details["capture_id"] for e in case.ledger.events() if e.action == "capture"]
    assert sorted(captured) == sorted(r.id for r in results)
    report = verification.verify_case(case.path)
    assert report.ok, report.findings


@pytest.mark.browser
def test_a_description_that_fails_is_raised_only_once_every_page_is_stored(make_case, test_site, monkeypatch):
    from evidence_kit import pipeline

    case = make_case()
    fast, slow = test_site.url("/normal"), test_site.url("/slow")
    after_ingest, capture_page = pipeline.after_ingest, session.capture_page
    failed = threading.Event()

    def broken_for_the_fast_page(case_, identity, artefacts, capture_record=None):  # type: ignore[no-untyped-def]
        if capture_record and capture_record["url"] == fast:
            failed.set()
            raise RuntimeError("describer bug")
        return after_ingest(case_, identity, artefacts, capture_record)

    async def slow_page_after_the_failure(pool, url, *args):  # type: ignore[no-untyped-def]
        if url == slow:  # this page is still being captured when the fast page's description fails
            await asyncio.to_thread(failed.wait, 30)
        return await capture_page(pool, url, *args)

    monkeypatch.setattr(pipeline, "after_ingest", broken_for_the_fast_page)
    monkeypatch.setattr(session, "capture_page", slow_page_after_the_failure)
    options = CaptureOptions(timeout=40, video=False, allow_private=True, concurrency=2)
    with pytest.raises(RuntimeError, match="describer bug"):
        session.capture_urls(case, case.identity(), [fast, slow], options)
    events = list(case.ledger.events())
    assert sorted(e.details["url"] for e in events if e.action == "capture") == sorted([fast, slow])
    described = [e for e in events if e.action == "describe"]
    assert described, "the slow page, stored after the failure, was still described"
    report = verification.verify_case(case.path)
    assert report.ok, report.findings
