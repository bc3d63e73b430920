"""Search: a selector across cases, words in captured text, and re-used photos."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from evidence_kit.metadata.imagehash import distance, hash_image
from tests.fixtures.media_files import draw_photo, jpeg_bytes


def _add(cli, case_id: str, *paths: Path) -> None:
    result = cli("add", *map(str, paths), "--case", case_id, "--json")
    assert result.exit_code == 0, result.output


def _case(cli, case_id: str, region: str = "BG") -> None:
    result = cli(
        "case",
        "create",
        case_id,
        "--title",
        f"case {case_id}",
        "--investigator",
        "Insp. A. Petrova",
        "--region",
        region,
    )
    assert result.exit_code == 0, result.output


def test_the_same_phone_in_two_cases_is_found_across_cases(cli, tmp_path) -> None:
    first, second = tmp_path / "ad-sofia.txt", tmp_path / "ad-varna.html"
    first.write_text("Работа в Милано. Обади се: +359 88 123 4567 (Viber). Заплата 2500 EUR.", "utf-8")
    second.write_text(
        "<html><head><title>Hostess Dubai</title></head><body><p>Call 0881234567 today"
        "</p><a href='https://wa.me/359881234567'>WhatsApp</a></body></html>",
        "utf-8",
    )
    _case(cli, "OP-1")
    _case(cli, "OP-2")
    _case(cli, "OP-3")
    _add(cli, "OP-1", first)  # describe runs automatically after add
    _add(cli, "OP-2", second)

    hits = json.loads(cli("search", "--all", "0888 123 4567", "--json").output)
    assert hits == [] or all(h["match"] == "text" for h in hits)  # a different number: no selector hit
    hits = json.loads(cli("search", "--all", "+359 88 123 4567", "--json").output)
    selector_hits = {(h["case_id"], h["kind"]) for h in hits if h["match"] == "selector"}
    assert {("OP-1", "phone"), ("OP-1", "viber"), ("OP-2", "phone"), ("OP-2", "whatsapp")} <= selector_hits
    assert {h["case_id"] for h in hits} == {"OP-1", "OP-2"}
    assert all(h["time"] and h["snippet"] for h in hits)
    # In a local notation, searched in one case: the case's region makes it the same number.
    local = json.loads(cli("search", "OP-2", "0881 234 567", "--json").output)
    assert {h["case_id"] for h in local} == {"OP-2"} and any(h["value"] == "+359881234567" for h in local)

    listed = json.loads(cli("selectors", "OP-1", "--json").output)
    phone = next(s for s in listed if s["kind"] == "phone" and s["value"] == "+359881234567")
    assert phone["cross_case"] is True and phone["other_cases"] == ["OP-2"]
    assert listed[0]["cross_case"] is True  # cross-case selectors are listed first
    assert not next(s for s in listed if s["kind"] == "viber")["other_cases"]  # OP-2 has no Viber link
    table = cli("selectors", "OP-1")
    assert table.exit_code == 0 and "OP-2" in table.output and "also appear in other cases" in table.output

    text = cli("search", "--all", "Dubai")
    assert text.exit_code == 0 and "OP-2" in text.output and "«Dubai»" in text.output
    words = json.loads(cli("search", "--all", "работа милано", "--json").output)
    assert [(h["case_id"], h["match"]) for h in words] == [("OP-1", "text")]
    assert "«Работа»" in words[0]["snippet"] and "«Милано»" in words[0]["snippet"]


def test_search_bad_input(cli) -> None:
    _case(cli, "OP-1")
    assert cli("search", "OP-1").exit_code == 2
    assert cli("search").exit_code == 2
    missing = cli("search", "NOPE", "x")
    assert missing.exit_code == 2 and "no case NOPE" in missing.output
    assert cli("search", "OP-1", "--similar", "not-a-file-or-digest").exit_code == 2
    assert cli("search", "--all", "--similar", "blake3:" + "0" * 64).exit_code == 2


def _variants(tmp_path: Path) -> dict[str, Path]:
    base = draw_photo(21)
    width, height = base.size
    files = {
        "original": jpeg_bytes(base, 92),
        "recompressed": jpeg_bytes(Image.open(io.BytesIO(jpeg_bytes(base, 92))), 35),
        "resized": jpeg_bytes(base.resize((width // 3, height // 3)), 80),
        "cropped": jpeg_bytes(base.crop((int(width * 0.04), int(height * 0.04), width, height)), 85),
        "other-1": jpeg_bytes(draw_photo(22), 92),
        "other-2": jpeg_bytes(draw_photo(23), 92),
        "other-3": jpeg_bytes(draw_photo(24).resize((400, 300)), 70),
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / f"{name}.jpg"
        out[name].write_bytes(data)
    return out


def test_photo_matching_finds_copies_not_other_photos(cli, tmp_path) -> None:
    photos = _variants(tmp_path)
    original = hash_image(photos["original"])
    for name in ("recompressed", "resized", "cropped"):
        assert distance(original.phash, hash_image(photos[name]).phash) <= 12, name
    for name in ("other-1", "other-2", "other-3"):
        assert distance(original.phash, hash_image(photos[name]).phash) > 12, name

    _case(cli, "OP-1")
    _case(cli, "OP-2")
    _add(cli, "OP-1", photos["original"], photos["other-1"])
    _add(
        cli,
        "OP-2",
        photos["recompressed"],
        photos["resized"],
        photos["cropped"],
        photos["other-2"],
        photos["other-3"],
    )

    result = json.loads(cli("search", "--all", "--similar", str(photos["original"]), "--json").output)
    found = {(m["case_id"], m["width"]) for m in result["matches"]}
    assert found == {("OP-1", 800), ("OP-2", 800), ("OP-2", 266), ("OP-2", 768)}
    distances = [m["phash_distance"] for m in result["matches"]]
    assert distances == sorted(distances) and distances[0] == 0

    # By digest of the recompressed copy, in one case only: finds its siblings there, not OP-1's original.
    recompressed = next(
        m["blake3"]
        for m in result["matches"]
        if m["case_id"] == "OP-2" and m["phash_distance"] <= 2 and m["width"] == 800
    )
    in_case = json.loads(cli("search", "OP-2", "--similar", recompressed, "--json").output)
    assert {m["case_id"] for m in in_case["matches"]} == {"OP-2"} and len(in_case["matches"]) == 3

    strict = json.loads(
        cli("search", "--all", "--similar", str(photos["original"]), "--max-distance", "2", "--json").output
    )
    assert all(m["phash_distance"] <= 2 for m in strict["matches"]) and len(strict["matches"]) < 4
    table = cli("search", "--all", "--similar", str(photos["cropped"]))
    assert table.exit_code == 0 and "OP-1" in table.output and "OP-2" in table.output


def test_a_small_sites_domain_links_cases_but_platforms_do_not(cli, tmp_path) -> None:
    for case_id, text in (
        ("OP-1", "Apply at https://star-models.example/jobs or https://t.me/starmodels_jobs"),
        ("OP-2", "See http://www.star-models.example/ and t.me/other_agency"),
    ):
        _case(cli, case_id)
        path = tmp_path / f"{case_id}.txt"
        path.write_text(text, "utf-8")
        _add(cli, case_id, path)
    listed = {(s["kind"], s["value"]): s for s in json.loads(cli("selectors", "OP-1", "--json").output)}
    assert listed[("domain", "star-models.example")]["other_cases"] == ["OP-2"]
    assert listed[("domain", "t.me")]["other_cases"] == []  # in both cases, but a platform, not a pivot
    assert listed[("telegram", "@starmodels_jobs")]["other_cases"] == []
