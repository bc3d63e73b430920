"""The ``social-source`` check's parts without a browser: the stdlib WARC header reader against warcio
(gzip members and plain WARCs, a large payload skipped, a cut or foreign file refused), and the check over
hand-made events (a citation outside the WARC, a capture with no WARC, nothing cited)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from chain_of_custody.report import Report
from chain_of_custody.social_check import UnreadableWarc, check_social_events, warc_record_ids
from tests.fixtures.media_files import write_warc

RESPONSES = [
    ("http://127.0.0.1/s/chan", "text/html", b"<html>chan</html>"),
    ("http://127.0.0.1/big.bin", "application/octet-stream", bytes(range(256)) * 40_000),  # 10 MiB
    ("http://127.0.0.1/api", "application/json", b'{"a": 1}'),
]


def warcio_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(handle)}


@pytest.mark.parametrize("compressed", [True, False])
def test_record_ids_are_those_warcio_reads(tmp_path: Path, compressed: bool) -> None:
    path = tmp_path / "w.warc"
    write_warc(path, RESPONSES, gzip=compressed)
    assert warc_record_ids(path) == warcio_ids(path) and len(warcio_ids(path)) >= 3


def test_a_cut_or_foreign_file_is_refused_not_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "w.warc.gz"
    write_warc(path, RESPONSES)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(UnreadableWarc):
        warc_record_ids(cut)
    foreign = tmp_path / "page.html.gz"
    foreign.write_bytes(gzip.compress(b"<html>not a warc</html>"))
    with pytest.raises(UnreadableWarc, match="WARC version line"):
        warc_record_ids(foreign)


def _events(warc: str, profile: str, media_record: str) -> list[tuple[int, str, object, object]]:
    return [
        (2, "capture", {"capture_id": "cap-1"}, [{"blake3": warc, "role": "warc"}]),
        (
            3,
            "social-profile",
            {"capture_id": "cap-1"},
            [
                {"blake3": profile, "role": "social-profile", "source": warc},
                {"blake3": "blake3:m", "role": "social-media", "source": warc, "warc_record_id": media_record},
            ],
        ),
    ]


def _run(tmp_path: Path, body: dict[str, object], media_record: str) -> Report:
    warc = tmp_path / "w.warc.gz"
    write_warc(warc, RESPONSES)
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(body), "utf-8")
    files = {"blake3:w": warc, "blake3:p": profile}
    report = Report(target=str(tmp_path), kind="case")
    check_social_events(_events("blake3:w", "blake3:p", media_record), files.get, report)
    return report


def test_citations_inside_the_capture_pass_and_outside_it_fail(tmp_path: Path) -> None:
    body = {"capture": {"id": "cap-1"}, "handle": {"value": "chan", "source": {"warc_record_id": "<urn:uuid:x>"}}}
    report = _run(tmp_path, body, "<urn:uuid:y>")
    assert {(f.where, f.found) for f in report.findings} == {
        ("event 3 social-profile blake3:p", "<urn:uuid:x>"),
        ("event 3 social-media blake3:m", "<urn:uuid:y>"),
    }
    ids = sorted(warc_record_ids(tmp_path / "w.warc.gz"))
    body["handle"] = {"value": "chan", "source": {"warc_record_id": ids[0]}}
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(body), "utf-8")
    report = Report(target=str(tmp_path), kind="case")
    files = {"blake3:w": tmp_path / "w.warc.gz", "blake3:p": profile}
    check_social_events(_events("blake3:w", "blake3:p", ids[1]), files.get, report)
    assert report.findings == [] and report.checks["social-source"].checked == 2


def test_a_capture_without_that_warc_fails_and_nothing_cited_passes(tmp_path: Path) -> None:
    body = {"capture": {"id": "cap-other"}, "handle": {"value": "chan", "source": {"warc_record_id": "x"}}}
    report = _run(tmp_path, body, "irrelevant")
    messages = [f.message for f in report.findings if "social-profile" in f.where]
    assert messages == ["cites WARC records, but the capture it names has no web archive recorded before it"]
    saved = {"capture": {"id": None}, "handle": {"value": "chan", "source": {"dom": "blake3:d", "css_selector": "h1"}}}
    report = _run(tmp_path, saved, "irrelevant")
    assert [f.where for f in report.findings] == ["event 3 social-media blake3:m"]  # only the forged media record
