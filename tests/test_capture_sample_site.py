"""The bundled sample site: served on loopback only, captured with ``evidence-kit capture`` and verified."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from evidence_kit.sample_site.serve import PAGES, ROOT, start
from tests.capture_helpers import read_warc, responses


def test_sample_site_serves_on_loopback_only() -> None:
    with start() as site:
        assert site.base_url.startswith("http://127.0.0.1:")
        assert site.server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(site.url("/ad/17.html")) as answer:
            html = answer.read().decode("utf-8")
        assert "+359 88 123 4567" in html and "0888 123 456" in html and "t.me/starmodels_jobs" in html
        assert "wa.me/359881234567" in html and "@starmodels_hr" in html and "recruit@star-models.example" in html
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(site.url("/img/"))  # no folder listings


def test_sample_photo_carries_gps_and_camera_tags() -> None:
    done = subprocess.run(
        [
            "exiftool",
            "-json",
            "-n",
            "-GPSLatitude",
            "-GPSLongitude",
            "-Model",
            str(ROOT / "img" / "office-dubai.jpg"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    [tags] = json.loads(done.stdout)
    assert tags["Model"] == "iPhone 12"
    assert abs(tags["GPSLatitude"] - 25.2048) < 1e-3 and abs(tags["GPSLongitude"] - 55.2708) < 1e-3


def test_sample_bitcoin_address_has_a_valid_checksum() -> None:
    import hashlib

    address = "1EvLwaWxTDriMWbUCM3knbzv18JaFPZGk2"
    assert address in (ROOT / "ad" / "17.html").read_text("utf-8")
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number = 0
    for char in address:
        number = number * 58 + alphabet.index(char)
    raw = number.to_bytes(25, "big")
    assert hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


@pytest.mark.browser
def test_capture_of_the_sample_site_keeps_what_the_demo_shows(cli: Any, isolated_env: Path) -> None:
    assert (
        cli(
            "case", "create", "DEMO-STAR-MODELS", "--title", "demo", "--investigator", "Demo", "--region", "BG"
        ).exit_code
        == 0
    )
    with start() as site:
        result = cli("capture", *site.pages, "--case", "DEMO-STAR-MODELS", "--allow-private", "--no-video", "--json")
    assert result.exit_code == 0, result.output
    captures = json.loads(result.stdout)
    assert [c["url"].split("127.0.0.1:", 1)[1].split("/", 1)[1] for c in captures] == [p[1:] for p in PAGES]
    assert all(c["status"] == "complete" for c in captures), [c["errors"] for c in captures]
    index, ad = captures[0], captures[1]
    index_record = json.loads(
        Path(next(a["path"] for a in index["artefacts"] if a["role"] == "capture-record")).read_bytes()
    )
    banner = next(b for b in index_record["behaviours"] if b["name"] == "cookie-banner")
    assert banner["clicked"] == "Reject all"
    warc = read_warc(next(a["path"] for a in index["artefacts"] if a["role"] == "warc"))
    base = index["url"].rsplit("/", 1)[0]
    for n in range(1, 5):  # the lazy gallery
        assert responses(warc, f"{base}/img/hostess-{n}.jpg"), f"gallery image {n} missing"
    warc = read_warc(next(a["path"] for a in ad["artefacts"] if a["role"] == "warc"))
    [photo] = responses(warc, f"{base}/img/office-dubai.jpg")
    assert photo.body == (ROOT / "img" / "office-dubai.jpg").read_bytes()  # EXIF GPS travels intact
    text = Path(next(a["path"] for a in ad["artefacts"] if a["role"] == "text")).read_text("utf-8")
    assert "+359 88 123 4567" in text and "1EvLwaWxTDriMWbUCM3knbzv18JaFPZGk2" in text  # <details> opened
    verified = cli("verify", "DEMO-STAR-MODELS")
    assert verified.exit_code == 0
