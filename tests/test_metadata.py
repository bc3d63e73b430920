"""Describe: real libmagic and exiftool on real files the tests make; descriptions as custody."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from chain_of_custody.canonical import canonical_json
from chain_of_custody.hashing import hash_file
from evidence_kit.case import Case
from evidence_kit.metadata import exif, filetype
from evidence_kit.metadata.describe import describe, description_of
from evidence_kit.metadata.page import parse, visible_text
from tests.fixtures.media_files import draw_photo, minimal_pdf, write_warc


def _png(path: Path, seed: int = 3) -> Path:
    draw_photo(seed, (320, 240)).save(path, "PNG")
    return path


def test_exiftool_shows_gps_readably_and_flags_it(make_case, photo_file, cli) -> None:
    photo = photo_file("beach.jpg", seed=1, gps=(42.6975, -23.3219))
    case = make_case(default_region="BG")
    case.add_files([photo], case.identity(), then_pipeline=False)
    original = hash_file(photo)

    result = cli("describe", case.id, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (item,) = data["described"]
    assert item["mime"] == "image/jpeg"
    assert item["flags"] == ["gps"]
    assert item["gps"]["latitude"] == "42.697500" and item["gps"]["longitude"] == "-23.321900"
    assert item["gps"]["readable"] == "42°41'51.00\"N 23°19'18.84\"W"
    assert item["gps"]["altitude"] == "550.0 m"

    description = description_of(case, original.blake3)
    assert description["source"]["sha256"] == original.sha256
    assert description["embedded"]["highlights"]["IFD0:Model"] == "EOS 80D"
    assert {e["name"] for e in description["extractors"]} >= {
        "libmagic",
        "exiftool",
        "phonenumbers",
        "imagehash",
        "pillow",
        "evidence-kit",
    }
    assert any(e["version"].startswith("exiftool 1") for e in description["extractors"])
    # The phone in the Artist tag is a selector found in metadata; the GPS fix is one too.
    kinds = {(s["kind"], s["value"], s["source"]) for s in description["selectors"]}
    assert ("phone", "+359881234567", "metadata") in kinds
    assert ("gps", "42.697500,-23.321900", "metadata") in kinds
    # The person-readable listing shows it too.
    text = cli("selectors", case.id).output
    assert "42.697500,-23.321900" in text and "+359881234567" in text
    shown = json.loads(cli("case", "show", case.id, "--json").output)
    assert shown["metadata"]["gps"][0]["gps_readable"] == "42°41'51.00\"N 23°19'18.84\"W"
    assert shown["metadata"]["not_described"] == []
    assert any("GPS position 42°41'51.00" in w for w in shown["warnings"])
    # Originals untouched: the stored copy still has its recorded digests; the user's file too.
    assert hash_file(case.store.path_of(original.blake3)) == original
    assert hash_file(photo) == original


def test_pdf_png_and_a_lying_extension(make_case, tmp_path, cli) -> None:
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(minimal_pdf("Contract for models. Call +359 88 123 4567 or IBAN BG80 BNBG 9661 1020 3456 78"))
    png = _png(tmp_path / "logo.png")
    liar = tmp_path / "invoice.pdf"  # a PNG wearing a .pdf name
    _png(liar, seed=9)
    case = make_case()
    case.add_files([pdf, png, liar], case.identity(), then_pipeline=False)
    data = json.loads(cli("describe", case.id, "--json").output)
    by_name = {description_of(case, d["source"])["source"]["original_name"]: d for d in data["described"]}
    assert by_name["contract.pdf"]["mime"] == "application/pdf"
    assert "PDF document, version 1.4" in by_name["contract.pdf"]["magic"]
    pdf_description = description_of(case, by_name["contract.pdf"]["source"])
    assert pdf_description["embedded"]["tags"]["PDF:Author"] == "Ivan Petrov"
    assert pdf_description["embedded"]["tags"]["PDF:Producer"] == "LibreOffice 7.4"
    # Its text (pdftotext) is searched for selectors and indexed for search.
    assert pdf_description["document_text"]["extractor"].startswith("pdftotext version")
    found = {(x["kind"], x["value"]) for x in pdf_description["selectors"]}
    assert {("phone", "+359881234567"), ("iban", "BG80BNBG96611020345678")} <= found
    hits = json.loads(cli("search", case.id, "contract", "--json").output)
    assert [h["match"] for h in hits] == ["text"] and "«Contract»" in hits[0]["snippet"]
    assert by_name["logo.png"]["mime"] == "image/png" and "320 x 240" in by_name["logo.png"]["magic"]
    assert by_name["logo.png"]["flags"] == []
    assert by_name["invoice.pdf"]["mime"] == "image/png"
    assert "extension-mismatch" in by_name["invoice.pdf"]["flags"]
    assert description_of(case, by_name["invoice.pdf"]["source"])["extension_mismatch"] is True


def test_filetype_ignores_the_name(tmp_path) -> None:
    zip_named_jpg = tmp_path / "holiday.jpg"
    import zipfile

    with zipfile.ZipFile(zip_named_jpg, "w") as archive:
        archive.writestr("a.txt", "hello")
    kind = filetype.identify(zip_named_jpg)
    assert kind.mime == "application/zip"
    assert filetype.extension_mismatch("holiday.jpg", kind.mime)
    assert not filetype.extension_mismatch("notes.txt", "text/plain")
    assert filetype.identify_bytes(b"").mime == "application/x-empty"


def test_one_exiftool_process_serves_a_batch(photo_file) -> None:
    paths = [photo_file(f"p{i}.jpg", seed=i, gps=(10 + i, 20 + i) if i % 2 else None) for i in range(6)]
    with exif.batch() as tool:
        pid = tool.pid
        first = tool.read(paths[:3])
        second = tool.read(paths[3:])
        assert tool.pid == pid  # the same process answered both reads
        assert os.path.exists(f"/proc/{pid}")
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/status").read().find("zombie") >= 0
    results = first + second
    assert [r.gps is not None for r in results] == [False, True, False, True, False, True]
    assert results[1].gps.latitude == "11.000000" and results[1].gps.longitude == "21.000000"


def test_describe_is_one_event_and_idempotent(make_case, photo_file, tmp_path, cli) -> None:
    case = make_case()
    files = [photo_file(f"p{i}.jpg", seed=i) for i in range(3)]
    (tmp_path / "note.txt").write_text("Contact: jobs@star-models.example\n", "utf-8")
    files.append(tmp_path / "note.txt")
    # Added without the automatic pipeline: describe picks them up later, as for older cases.
    for path in files:
        artefact = case.store.ingest_file(path)
        case.append(case.identity(), "add", [artefact.ledger_entry(role="added-file")], {"original_name": path.name})
    before = case.ledger.head().seq
    result = cli("describe", case.id)
    assert result.exit_code == 0, result.output
    events = [e for e in case.events() if e.seq > before]
    assert [e.action for e in events] == ["describe"]
    event = events[0]
    assert len(event.artefacts) == 4 and {a["role"] for a in event.artefacts} == {"metadata"}
    sources = {s["blake3"] for s in event.details["sources"]}
    assert {a["source"] for a in event.artefacts} == sources
    assert any(x["name"] == "exiftool" for x in event.details["extractors"])
    for entry in event.artefacts:  # each description is canonical JSON naming its source
        body = case.store.path_of(entry["blake3"]).read_bytes()
        assert json.loads(body)["source"]["blake3"] == entry["source"]
        assert body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    again = cli("describe", case.id)
    assert again.exit_code == 0
    assert "Nothing to describe" in again.output and "4 artefacts" in again.output
    assert case.ledger.head().seq == event.seq

    verified = cli("verify", case.id, "--json")
    assert verified.exit_code == 0, verified.output
    # Every file describe stored is recorded by its event (none left unrecorded in the store).
    assert not [w for w in json.loads(verified.output)["warnings"] if "no custody event records it" in w]


def test_index_tables_never_shadow_ledger_tables(make_case, photo_file) -> None:
    case = make_case()
    case.add_files([photo_file()], case.identity(), then_pipeline=False)
    describe(case, case.identity())
    tables = {row[0] for row in case.ledger.connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    ours = {t for t in tables if t.startswith("md_")}
    assert {"md_descriptions", "md_selectors", "md_texts", "md_images", "md_media", "md_captures"} <= ours
    assert {"events", "ledger_meta", "artefacts"} <= tables


AD_HTML = """<!doctype html><html lang="bg"><head><meta charset="utf-8"><title>Модели за Милано</title>
<link rel="canonical" href="/ad/17"><meta name="description" content="Работа в чужбина">
<meta property="og:title" content="Star Models"><meta property="og:image" content="/img/girl.jpg">
<meta name="twitter:card" content="summary_large_image">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"JobPosting","title":"Model",
"baseSalary":{"@type":"MonetaryAmount","currency":"EUR","value":2500.5}}</script></head>
<body><div itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Star Models</span>
<span itemprop="telephone">+359 88 123 4567</span></div>
<p>Пишете ни в <a href="https://t.me/starmodels_bg">Telegram</a> или на <a href="https://wa.me/359881234567">WhatsApp</a>.</p>
<a href="mailto:casting@star-models.example">e-mail</a> <a href="/apply">Кандидатствай</a>
<img src="/img/girl.jpg" alt="Viber 0887 654 321">
<form action="/apply" method="post"><label for="pp">Номер на паспорт</label><input id="pp" name="pass">
<input type="tel" name="phone" placeholder="Телефон"><input type="file" name="selfie"></form>
</body></html>"""


def test_page_metadata_from_the_dom() -> None:
    meta = parse(AD_HTML, "http://127.0.0.1:8000/ad/17?ref=x")
    assert meta.title == "Модели за Милано" and meta.language == "bg"
    assert meta.canonical == "http://127.0.0.1:8000/ad/17"
    assert meta.description == "Работа в чужбина"
    assert meta.opengraph["og:image"] == ["/img/girl.jpg"]
    assert meta.twitter == {"twitter:card": ["summary_large_image"]}
    assert meta.json_ld[0]["baseSalary"]["value"] == "2500.5"  # no floats in canonical JSON
    assert {"JobPosting", "MonetaryAmount", "Organization"} <= set(meta.schema_types)
    assert meta.microdata[0]["properties"]["telephone"] == ["+359 88 123 4567"]
    links = {link.url: link.text for link in meta.links}
    assert links["https://t.me/starmodels_bg"] == "Telegram"
    assert links["http://127.0.0.1:8000/apply"] == "Кандидатствай"
    (form,) = meta.forms
    assert form.action == "http://127.0.0.1:8000/apply" and form.method == "post"
    assert form.asks == ["passport", "phone", "photo"]
    assert "http://127.0.0.1:8000/img/girl.jpg" in meta.images


def _simulated_capture(case: Case, tmp_path: Path, photo: bytes) -> dict:
    """A capture as the capture stage records it (docs/capture-record.md), built without a browser."""
    warc = tmp_path / "c.warc.gz"
    write_warc(
        warc,
        [
            ("http://127.0.0.1:8000/ad/17", "text/html; charset=utf-8", AD_HTML.encode()),
            ("http://127.0.0.1:8000/img/girl.jpg", "image/jpeg", photo),
            ("http://127.0.0.1:8000/pixel.gif", "image/gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ],
    )
    text = "Модели за Милано\nОбадете се: 0888 123 456 (Viber)\nBTC: bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\n"
    stored = {
        "warc": case.store.ingest_file(warc),
        "dom": case.ingest_bytes(AD_HTML.encode()),
        "text": case.ingest_bytes(text.encode()),
    }
    record = {
        "format": "evidence-kit-capture/1",
        "id": "cap-20260301T090000Z-abc123",
        "case_id": case.id,
        "url": "http://127.0.0.1:8000/ad/17",
        "final_url": "http://127.0.0.1:8000/ad/17",
        "status": "complete",
        "started": "2026-03-01T09:00:00.000000Z",
        "page": {"title": "Модели за Милано"},
        "artefacts": [{"role": role, **a.digests.to_json(), "mime": a.mime} for role, a in stored.items()],
    }
    from chain_of_custody.canonical import canonical_json

    record_artefact = case.ingest_bytes(canonical_json(record))
    case.write_capture_record(record["id"], canonical_json(record))
    case.append(
        case.identity(),
        "capture",
        [a.ledger_entry(role=role) for role, a in stored.items()]
        + [record_artefact.ledger_entry(role="capture-record")],
        {
            "capture_id": record["id"],
            "url": record["url"],
            "final_url": record["final_url"],
            "status": "complete",
        },
    )
    return record


def test_capture_media_page_and_selectors(make_case, photo_file, tmp_path, cli) -> None:
    photo_path = photo_file("girl.jpg", seed=5, gps=(45.4642, 9.19))
    case = make_case(default_region="BG")
    record = _simulated_capture(case, tmp_path, photo_path.read_bytes())
    result = describe(case, case.identity())
    assert result.captures == [record["id"]]
    (media,) = result.media  # the 1×1 GIF is not evidence of anything and is left out
    assert media["url"] == "http://127.0.0.1:8000/img/girl.jpg"
    assert media["warc_payload_digest"].startswith("sha1:") or media["warc_payload_digest"].startswith("sha256:")
    assert media["blake3"] == hash_file(photo_path).blake3
    by_role = {d.role: d for d in result.described}
    assert by_role["media"].gps.readable == "45°27'51.12\"N 9°11'24.00\"E"
    assert by_role["media"].url == "http://127.0.0.1:8000/img/girl.jpg"
    media_entry = next(a for a in result.event.artefacts if a["role"] == "media")
    assert media_entry["source"] == record["artefacts"][0]["blake3"] and media_entry["url"] == media["url"]
    media_description = description_of(case, media["blake3"])
    assert media_description["media_source"]["warc"] == record["artefacts"][0]["blake3"]
    assert media_description["image_hashes"]["phash"].startswith("phash:")
    dom_description = description_of(case, record["artefacts"][1]["blake3"])
    assert dom_description["page"]["title"] == "Модели за Милано"
    assert "form-asks-identity-document" in dom_description["flags"]

    listed = json.loads(cli("selectors", case.id, "--json").output)
    found = {(s["kind"], s["value"]) for s in listed}
    assert {
        ("phone", "+359881234567"),
        ("whatsapp", "+359881234567"),
        ("phone", "+359888123456"),
        ("viber", "+359887654321"),
        ("telegram", "@starmodels_bg"),
        ("email", "casting@star-models.example"),
        ("bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("gps", "45.464200,9.190000"),
    } <= found
    phone = next(s for s in listed if s["value"] == "+359881234567" and s["kind"] == "phone")
    places = {(p["capture_id"], p["url"], p["found_in"]) for p in phone["places"]}
    assert (record["id"], "http://127.0.0.1:8000/ad/17", "link") in places  # the wa.me link
    assert (
        record["id"],
        "http://127.0.0.1:8000/img/girl.jpg",
        "metadata",
    ) in places  # the photo's Artist tag
    assert phone["count"] == 1  # sightings within one capture count once

    text_search = json.loads(cli("search", case.id, "Милано", "--json").output)
    assert any(
        h["match"] == "text" and "«Милано»" in h["snippet"] and h["capture_id"] == record["id"] for h in text_search
    )
    assert cli("verify", case.id).exit_code == 0


def test_describe_help_and_unknown_case(cli) -> None:
    for command in ("describe", "selectors", "search"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "--json" in result.output
    missing = cli("describe", "NO-SUCH-CASE")
    assert missing.exit_code == 2 and "no case NO-SUCH-CASE" in missing.output


def test_pages_without_elements_describe_as_empty() -> None:
    for junk in ("<!-- only a comment -->", "", "\x00\x01", "<?xml version='1.0' encoding='utf-8'?><p>x</p>"):
        meta = parse(junk, "http://127.0.0.1/")
        assert meta.links == [] and meta.forms == []


def test_verify_names_a_swapped_description(make_case, photo_file, cli) -> None:
    case = make_case()
    first, second = photo_file("a.jpg", seed=1), photo_file("b.jpg", seed=2)
    case.add_files([first, second], case.identity(), then_pipeline=False)
    result = describe(case, case.identity())
    ok = json.loads(cli("verify", case.id, "--json").output)
    check = next(c for c in ok["checks"] if c["name"] == "description-source")
    assert check["checked"] == 2 and check["failed"] == 0
    # Swap the two description files on disk: each now names the other photo.
    a, b = result.described
    path_a, path_b = case.store.path_of(a.description), case.store.path_of(b.description)
    data_a, data_b = path_a.read_bytes(), path_b.read_bytes()
    for path, data in ((path_a, data_b), (path_b, data_a)):
        os.chmod(path, 0o644)
        path.write_bytes(data)
    verified = cli("verify", case.id, "--json")
    assert verified.exit_code == 1
    findings = [f for f in json.loads(verified.output)["findings"] if f["check"] == "description-source"]
    assert {(f["expected"], f["found"]) for f in findings} == {(a.source, b.source), (b.source, a.source)}
    assert all(f["where"].startswith(f"event {result.event.seq} description blake3:") for f in findings)


def test_two_describes_at_once_record_each_artefact_once(make_case, photo_file, settings) -> None:
    case = make_case()
    photos = [photo_file("a.jpg", seed=1, gps=(1, 2)), photo_file("b.jpg", seed=2)]
    case.add_files(photos, case.identity(), then_pipeline=False)
    other = Case.open(settings, case.id)  # a second process: its own connection to the same ledger
    raced = []

    def the_other_run_finishes_first(done: int, total: int) -> None:
        if done == total and not raced:
            raced.append(describe(other, other.identity()))

    try:
        mine = describe(case, case.identity(), on_progress=the_other_run_finishes_first)
    finally:
        other.close()
    assert raced[0].event is not None and len(raced[0].described) == 2
    assert mine.nothing_to_do  # this run saw the other's event, rolled back and found nothing left
    assert [e.action for e in case.events()].count("describe") == 1
    rows = case.ledger.connection.execute("SELECT kind, value, count(*) FROM md_selectors GROUP BY kind, value")
    # The GPS photo (its Artist tag names the phone) is indexed once, not once per run.
    assert [tuple(r) for r in rows] == [("gps", "1.000000,2.000000", 1), ("phone", "+359881234567", 1)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "<html>",
                    "<head>",
                    "<title>",
                    "</title>",
                    "<body>",
                    "<a href='",
                    "'>",
                    "</a>",
                    "<form>",
                    "<input name='",
                    "<label for='x'>",
                    "<script type='application/ld+json'>",
                    "</script>",
                    "<meta property='og:title' content='",
                    "<div itemscope itemtype='https://schema.org/Person'>",
                    "<span itemprop='name'>",
                    "<img src='",
                    "<base href='",
                    "<link rel='canonical' href='",
                    '"',
                    "'",
                    ">",
                    "<!--",
                    "-->",
                    "{",
                    "}",
                    "[",
                    "]",
                    "tel:+359881234567",
                    "http://[",
                    "javascript:",
                    "<base href='http://['>",
                    "<img src='http://['>",
                    "<form action='http://['>",
                    "<link rel='canonical' href='http://['>",
                    "data:image/png;base64,AAAA",
                ]
            ),
            st.text(max_size=12),
        ),
        max_size=40,
    )
)
def test_any_markup_parses_into_canonical_json(pieces: list[str]) -> None:
    html = "".join(pieces)
    meta = parse(html, "http://127.0.0.1:8000/ad/17")
    canonical_json(meta.to_json())  # no floats, no odd types: it can always be stored as a description
    visible_text(html)


def test_a_damaged_warc_keeps_what_it_holds_and_says_so(make_case, photo_file, tmp_path) -> None:
    case = make_case()
    first, second = photo_file("a.jpg", seed=1).read_bytes(), photo_file("b.jpg", seed=2).read_bytes()
    warc = tmp_path / "whole.warc"
    write_warc(
        warc,
        [("http://127.0.0.1/a.jpg", "image/jpeg", first), ("http://127.0.0.1/b.jpg", "image/jpeg", second)],
        gzip=False,
    )
    data = warc.read_bytes()
    cut = data.index(b"WARC/1.1", 10)  # where the second record starts
    damaged = tmp_path / "damaged.warc"
    damaged.write_bytes(data[:cut] + b"GARBAGE WHERE A RECORD SHOULD START\r\n" + data[cut:])
    stored = case.store.ingest_file(damaged)
    from chain_of_custody.canonical import canonical_json

    record = {
        "id": "cap-20260301T090000Z-000001",
        "url": "http://127.0.0.1/",
        "started": "2026-03-01T09:00:00Z",
        "artefacts": [{"role": "warc", **stored.digests.to_json()}],
    }
    record_artefact = case.ingest_bytes(canonical_json(record))
    case.write_capture_record(record["id"], canonical_json(record))
    case.append(
        case.identity(),
        "capture",
        [stored.ledger_entry(role="warc"), record_artefact.ledger_entry(role="capture-record")],
        {"capture_id": record["id"]},
    )
    result = describe(case, case.identity())
    assert [m["url"] for m in result.media] == ["http://127.0.0.1/a.jpg"]
    assert len(result.errors) == 1 and "could not be read to its end" in result.errors[0]
    assert result.event.details["errors"] == result.errors


def test_a_payload_cut_short_in_the_warc_is_flagged(make_case, photo_file, tmp_path) -> None:
    case = make_case()
    photo = photo_file("a.jpg", seed=1).read_bytes()
    warc = tmp_path / "cut.warc"
    write_warc(warc, [("http://127.0.0.1/a.jpg", "image/jpeg", photo)], gzip=False)
    data = warc.read_bytes()
    body_at = data.index(photo[:64])
    (tmp_path / "short.warc").write_bytes(data[: body_at + len(photo) // 2])  # the download broke off
    stored = case.store.ingest_file(tmp_path / "short.warc")
    from chain_of_custody.canonical import canonical_json

    record = {
        "id": "cap-20260301T090000Z-000002",
        "url": "http://127.0.0.1/",
        "artefacts": [{"role": "warc", **stored.digests.to_json()}],
    }
    record_artefact = case.ingest_bytes(canonical_json(record))
    case.write_capture_record(record["id"], canonical_json(record))
    case.append(
        case.identity(),
        "capture",
        [stored.ledger_entry(role="warc"), record_artefact.ledger_entry(role="capture-record")],
    )
    result = describe(case, case.identity())
    (item,) = [d for d in result.described if d.role == "media"]
    assert "truncated-payload" in item.flags
    assert description_of(case, item.source)["media_source"]["truncated"] is True
    assert case.store.path_of(item.source).stat().st_size == len(photo) // 2


def test_describing_a_new_capture_reads_its_record_and_no_record_already_described(
    make_case, photo_file, tmp_path, monkeypatch
) -> None:
    case = make_case()

    def capture(number: int) -> str:
        capture_id = f"cap-20260301T09000{number}Z-00000{number}"
        warc = tmp_path / f"{number}.warc"
        write_warc(
            warc,
            [(f"http://127.0.0.1/{number}.jpg", "image/jpeg", photo_file(f"{number}.jpg", seed=number).read_bytes())],
        )
        stored = case.store.ingest_file(warc)
        record = {
            "id": capture_id,
            "url": f"http://127.0.0.1/{number}",
            "artefacts": [{"role": "warc", **stored.digests.to_json()}],
        }
        record_artefact = case.ingest_bytes(canonical_json(record))
        case.append(
            case.identity(),
            "capture",
            [stored.ledger_entry(role="warc"), record_artefact.ledger_entry(role="capture-record")],
            details={"capture_id": capture_id, "url": record["url"]},
        )
        return capture_id

    for number in (1, 2, 3):
        capture(number)
    assert sorted(describe(case, case.identity()).captures) == sorted(case.capture_ids())
    read: list[str] = []
    capture_records = Case.capture_records

    def counted(self, ids=None):  # type: ignore[no-untyped-def]
        records = capture_records(self, ids)
        read.extend(r["id"] for r in records)
        return records

    monkeypatch.setattr(Case, "capture_records", counted)
    fourth = capture(4)
    result = describe(case, case.identity())
    assert result.captures == [fourth]
    assert read == [fourth]  # the three described before were not read again
    assert {d.capture_id for d in result.described if d.role == "media"} == {fourth}
    from evidence_kit import verification

    report = verification.verify_case(case.path)  # the index rows verify rebuilds from every record agree
    assert report.checks["index-metadata"].checked
    assert not [f for f in report.findings if f.check.startswith("index")]
