"""End to end: capture the bundled sample site's ad page with real Chromium, then check issue 5's
"Done means": selectors in E.164 with e-mail, handles and wallet; photos show their GPS; the same number
captured in a second case is found by ``search --all``; a recompressed photo is found by ``--similar``.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from chain_of_custody.index_check import check_index
from chain_of_custody.report import Report
from evidence_kit.sample_site import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sample_site() -> Iterator[serve.SampleSite]:
    site = serve.start()
    yield site
    site.stop()


def _capture(cli, case_id: str, url: str) -> dict:
    created = cli(
        "case",
        "create",
        case_id,
        "--title",
        f"ads {case_id}",
        "--investigator",
        "Insp. A. Petrova",
        "--region",
        "BG",
    )
    assert created.exit_code == 0, created.output
    result = cli("capture", url, "--case", case_id, "--allow-private", "--no-video", "--json")
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    assert record["status"] == "complete", record
    return record


def test_done_means_on_the_sample_ad(cli, sample_site, tmp_path: Path) -> None:
    ad = _capture(cli, "OP-ADS", sample_site.url("/ad/17.html"))
    profile = _capture(cli, "OP-RECRUITER", sample_site.url("/profile/anna.k.html"))

    # Describe ran on its own after the capture: one describe event naming the capture's artefacts.
    events = json.loads(cli("ledger", "OP-ADS", "--json").output)
    describes = [e for e in events if e["action"] == "describe"]
    assert len(describes) == 1 and describes[0]["details"]["captures"] == [ad["id"]]
    media = [a for a in describes[0]["artefacts"] if a["role"] == "media"]
    assert {a["url"] for a in media} >= {
        sample_site.url("/img/office-dubai.jpg"),
        sample_site.url("/img/logo.jpg"),
    }
    warc = next(a["blake3"] for a in ad["artefacts"] if a["role"] == "warc")
    assert all(a["source"] == warc for a in media)
    again = cli("describe", "OP-ADS")
    assert again.exit_code == 0 and "Nothing to describe" in again.output

    # Selectors: phones in E.164, the e-mail, Telegram, WhatsApp and the Bitcoin wallet.
    listed = json.loads(cli("selectors", "OP-ADS", "--json").output)
    found = {(s["kind"], s["value"]) for s in listed}
    assert {
        ("phone", "+359881234567"),
        ("phone", "+359888123456"),
        ("phone", "+359897654321"),
        ("email", "recruit@star-models.example"),
        ("telegram", "@starmodels_jobs"),
        ("telegram", "@starmodels_hr"),
        ("whatsapp", "+359881234567"),
        ("bitcoin", "1EvLwaWxTDriMWbUCM3knbzv18JaFPZGk2"),
    } <= found
    # "3000 EUR", "450 EUR", "18–25", "20 Feb 2026", "Ad no. 17" are no phone numbers.
    assert {v for k, v in found if k == "phone"} == {"+359881234567", "+359888123456", "+359897654321"}
    phone = next(s for s in listed if s["kind"] == "phone" and s["value"] == "+359881234567")
    assert {p["capture_id"] for p in phone["places"]} == {ad["id"]}
    assert {p["url"] for p in phone["places"]} == {ad["final_url"]}
    # The recruiter's profile, captured in another case, carries the same number: highlighted.
    assert phone["other_cases"] == ["OP-RECRUITER"]
    table = cli("selectors", "OP-ADS")
    assert "+359881234567" in table.output and "OP-RECRUITER" in table.output

    # Its photo shows its GPS, read from the site's own copy in the WARC.
    shown = json.loads(cli("case", "show", "OP-ADS", "--json").output)
    (gps,) = shown["metadata"]["gps"]
    assert gps["url"] == sample_site.url("/img/office-dubai.jpg")
    assert gps["gps_readable"] == "25°12'17.28\"N 55°16'14.88\"E"
    assert (gps["gps_latitude"], gps["gps_longitude"]) == ("25.204800", "55.270800")

    # The same number in the second case, found from any notation by search --all.
    hits = json.loads(cli("search", "--all", "0881 234 567", "--json").output)
    phones = {(h["case_id"], h["value"]) for h in hits if h["match"] == "selector" and h["kind"] == "phone"}
    assert phones == {("OP-ADS", "+359881234567"), ("OP-RECRUITER", "+359881234567")}
    hits = json.loads(cli("search", "--all", "+359 88 123 4567", "--json").output)
    by_case = {h["case_id"]: h for h in hits if h["match"] == "selector" and h["kind"] == "phone"}
    assert set(by_case) == {"OP-ADS", "OP-RECRUITER"}
    assert by_case["OP-RECRUITER"]["capture_id"] == profile["id"]
    assert by_case["OP-RECRUITER"]["url"] == profile["final_url"] and by_case["OP-RECRUITER"]["time"]
    assert "123 4567" in by_case["OP-RECRUITER"]["snippet"]
    words = json.loads(cli("search", "--all", "passport", "--json").output)
    assert any(h["case_id"] == "OP-ADS" and "«passport»" in h["snippet"] for h in words)

    # A recompressed, resized copy of the ad's photo (as re-posted elsewhere) is found.
    original = (Path(serve.ROOT) / "img" / "office-dubai.jpg").read_bytes()
    copy = tmp_path / "reposted.jpg"
    image = Image.open(io.BytesIO(original)).convert("RGB")
    image.resize((image.width // 2, image.height // 2)).save(copy, "JPEG", quality=40)
    similar = json.loads(cli("search", "--all", "--similar", str(copy), "--json").output)
    match = similar["matches"][0]
    assert match["case_id"] == "OP-ADS" and match["url"] == sample_site.url("/img/office-dubai.jpg")
    assert match["phash_distance"] <= 4
    assert all(m["url"] != sample_site.url("/img/logo.jpg") for m in similar["matches"])

    assert cli("verify", "OP-ADS").exit_code == 0

    # The same page captured again (the same DOM bytes, described once): the index still agrees.
    again = cli("capture", sample_site.url("/ad/17.html"), "--case", "OP-ADS", "--allow-private", "--no-video")
    assert again.exit_code == 0, again.output
    for case_id in ("OP-ADS", "OP-RECRUITER"):
        report = Report(target=case_id, kind="case")
        check_index(Path(os.environ["EVIDENCE_KIT_HOME"]) / case_id, {}, report)
        assert report.findings == [] and report.checks["index-metadata"].checked > 10, report.findings
