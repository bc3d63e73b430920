"""Handed-over evidence: chat exports, e-mails, office documents and archives, described like captures.

Real files made by the tests (tests/fixtures/handover_files.py): WhatsApp exports in four locales, a
Telegram export in both its forms, an e-mail that crossed three relays with a PDF attached, an mbox,
DOCX/XLSX/ODT with their authors, a zip with folders, a zip-slip, a zip bomb, a tar with a link. The
end-to-end test goes through the CLI: add, selectors, search --all, verify, export --mla, bagit.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from evidence_kit.metadata import archives, chats, mail, office, selectors
from evidence_kit.metadata.describe import description_of
from tests.fixtures import handover_files as h
from tests.fixtures.bundle import venv_bin


# --- chat exports ------------------------------------------------------------------------------------
def test_whatsapp_en_gb_bracket_24h_with_a_phone_participant_and_an_attachment() -> None:
    chat = chats.parse_any(
        h.WHATSAPP_GB.encode(), "_chat.txt", {"00000003-PHOTO-2024-03-04-14-07-00.jpg": "blake3:photo"}
    )
    assert chat is not None and chat.format == "whatsapp-text"
    assert chat.participants == ["Anna Petrova", "+44 7911 123456"]
    assert chat.date_order.startswith("day/month/year (settled by the export")
    assert "no time zone" in chat.time_zone
    assert [(m.time, m.sender, m.kind) for m in chat.messages] == [
        ("2024-03-04T14:05:09", "Anna Petrova", "message"),
        ("2024-03-04T14:05:30", None, "system"),
        ("2024-03-04T14:06:10", "+44 7911 123456", "message"),
        ("2024-03-04T14:07:00", "+44 7911 123456", "message"),
        ("2024-03-13T09:00:00", "Anna Petrova", "message"),
    ]
    assert chat.messages[2].text == "Send your passport photo.\nCall my office on 0044 (0)20 7946 0958"
    assert chat.messages[3].attachments == [
        {"name": "00000003-PHOTO-2024-03-04-14-07-00.jpg", "omitted": False, "blake3": "blake3:photo"}
    ]


def test_whatsapp_en_us_dash_12h_month_first() -> None:
    chat = chats.parse_any(h.WHATSAPP_US.encode(), None, {"IMG-20240304-WA0001.jpg": "blake3:img"})
    assert chat is not None
    assert chat.participants == ["Mike", "Jane"]
    assert chat.date_order.startswith("month/day/year (settled")  # 3/14/24: fourteen is the day
    assert [m.time for m in chat.messages] == [
        "2024-03-04T14:05:00",
        "2024-03-04T14:05:00",
        "2024-03-04T23:15:00",  # 11:15 PM
        "2024-03-14T00:01:00",  # 12:01 AM is just after midnight
    ]
    assert chat.messages[0].kind == "system"
    assert chat.messages[2].attachments[0]["blake3"] == "blake3:img"
    assert chat.messages[2].text == "the apartment"  # the caption on the next line
    assert chat.messages[3].attachments == [{"name": None, "omitted": True, "blake3": None}]


def test_whatsapp_german_and_french_and_an_order_no_date_settles() -> None:
    german = chats.parse_any(h.WHATSAPP_DE.encode(), None, {"IMG-20240304-WA0002.jpg": "blake3:x"})
    assert german is not None and german.participants == ["Anna", "Boris"]
    assert [m.time for m in german.messages] == ["2024-03-04T14:05:00", "2024-03-04T14:06:00", "2024-03-15T08:00:00"]
    assert german.messages[1].attachments[0]["blake3"] == "blake3:x"  # "(Datei angehängt)"
    french = chats.parse_any(h.WHATSAPP_FR.encode(), None)
    assert french is not None and [m.time for m in french.messages] == ["2024-03-04T14:05:00", "2024-03-04T22:06:00"]
    assert french.messages[1].attachments[0]["omitted"] is True  # "<Médias omis>"
    assert french.date_order.startswith("day/month/year (ASSUMED")  # 04/03: nothing says which is the day


def test_text_that_is_not_a_chat_is_not_read_as_one() -> None:
    assert chats.parse_any(b"Meeting notes\n04/03/2024 we met\n", None) is None
    assert chats.parse_any(b'{"name": "x"}', None) is None
    assert chats.parse_any(b"<html><body><p>hello</p></body></html>", None) is None


def test_telegram_json_and_html_exports() -> None:
    files = {"photos/photo_1@04-03-2024_14-06-00.jpg": "blake3:tgphoto"}
    chat = chats.parse_any(json.dumps(h.TELEGRAM_JSON).encode(), "result.json", files)
    assert chat is not None and chat.format == "telegram-json"
    assert chat.participants == ["Recruiter", "Victim"]
    assert [(m.time, m.utc) for m in chat.messages] == [
        ("2024-03-04T14:05:00", "2024-03-04T13:05:00Z"),
        ("2024-03-04T14:06:00", "2024-03-04T13:06:00Z"),
    ]
    assert chat.messages[0].text == "Write to @star_recruiter or +359 88 123 4567"
    assert chat.messages[1].attachments[0]["blake3"] == "blake3:tgphoto"
    page = chats.parse_any(h.TELEGRAM_HTML.encode(), "messages.html", files)
    assert page is not None and page.format == "telegram-html" and page.title == "Recruiter"
    normal = [m for m in page.messages if m.kind == "message"]
    # The second message is "joined": Telegram leaves out the sender, who is the one before.
    assert [(m.time, m.sender, m.text) for m in normal] == [
        ("2024-03-04T14:05:00+01:00", "Recruiter", "Contact me: @star_recruiter"),
        ("2024-03-04T14:06:00+01:00", "Recruiter", "the flat in Dubai"),
    ]
    assert normal[1].attachments[0]["blake3"] == "blake3:tgphoto"


# --- e-mail ------------------------------------------------------------------------------------------
def test_received_chain_hops_authentication_and_attachment() -> None:
    parsed = mail.parse(h.email_with_attachment())
    assert [(x.from_host, x.from_ip, x.by_host, x.time) for x in parsed.hops] == [
        ("192.0.2.44", "192.0.2.44", "relay.star-models.example", "2024-03-05T10:12:03+02:00"),
        ("relay.star-models.example", "203.0.113.5", "mx.provider.example", "2024-03-05T08:12:05+00:00"),
        ("mx.provider.example", "198.51.100.20", "mail.victim.example", "2024-03-05T09:12:07+01:00"),
    ]
    assert parsed.addresses["From"] == ["hr@star-models.example"]
    assert parsed.addresses["Reply-To"] == ["recruiter.dubai@gmail.com"]
    assert parsed.addresses["Cc"] == ["office@star-models.example"]
    assert parsed.message_id == "<contract-17@star-models.example>"
    assert parsed.date == "2024-03-05T10:12:00+02:00"
    assert parsed.authentication[0]["results"] == {"spf": "pass", "dkim": "pass", "dmarc": "pass"}
    assert parsed.dkim == [
        {"header": "DKIM-Signature", "a": "rsa-sha256", "domain": "star-models.example", "selector": "mail"}
    ]
    assert "call +359 88 123 4567 on Viber" in parsed.body
    assert [(a.name, a.content_type, a.data) for a in parsed.attachments] == [
        ("contract.pdf", "application/pdf", b"%PDF-1.4 contract\n")
    ]


def test_mbox_is_split_into_its_messages(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    box.write_bytes(
        h.mbox(h.simple_email("One", "a@x.example", "From the start\n"), h.simple_email("Two", "b@x.example", "x"))
    )
    assert mail.looks_like_mbox(box.read_bytes()[:4096])
    messages = mail.split_mbox(box)
    assert [mail.parse_headers(m)["subject"] for m in messages] == ["One", "Two"]
    assert mail.parse(messages[0]).body.startswith("From the start")  # a body line, not a separator


# --- office documents --------------------------------------------------------------------------------
def test_docx_xlsx_odt_text_and_authors(tmp_path: Path) -> None:
    docx = h.docx(tmp_path / "contract.docx", ["Employment contract", "Salary 3000 EUR, call +359 88 123 4567"])
    xlsx = h.xlsx(tmp_path / "pay.xlsx", [["Name", "Phone"], ["Maria", "+33 6 12 34 56 78"]])
    odt = h.odt(tmp_path / "offer.odt", ["Offer letter", "visit star-models.example"])
    found = {}
    for path, mime in (
        (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx, "application/zip"),  # found from its parts even when libmagic only says "zip"
        (odt, "application/vnd.oasis.opendocument.text"),
    ):
        kind = office.kind_of(mime, path)
        assert kind is not None
        found[kind] = office.read(path, kind)
    assert found["docx"].metadata == {
        "title": "Employment contract",
        "author": "Ivan Recruiter",
        "last_modified_by": "hr@star-models.example",
        "created": "2024-02-28T09:15:00Z",
        "modified": "2024-03-01T17:40:00Z",
        "revision": "3",
        "application": "Microsoft Office Word",
        "application_version": "16.0000",
        "company": "Star Models FZE",
    }
    assert found["docx"].text == "Employment contract\nSalary 3000 EUR, call +359 88 123 4567"
    assert found["xlsx"].metadata["author"] == "Olga Accountant"
    assert found["xlsx"].metadata["application"] == "Microsoft Excel"
    # Shared strings once each; a cell holding a number is read; a shared-string index is not text.
    assert found["xlsx"].text.split("\n") == ["Name", "Phone", "Maria", "+33 6 12 34 56 78", "4915112345678"]
    assert found["odt"].metadata == {
        "title": "Offer",
        "author": "Ivan Recruiter",
        "last_modified_by": "Petar Editor",
        "created": "2024-02-20T10:00:00",
        "modified": "2024-02-21T11:30:00",
        "application": "LibreOffice/7.5.4.2$Linux_X86_64",
    }
    assert found["odt"].text == "Offer letter\nvisit star-models.example"


def test_pptx_and_ods(tmp_path: Path) -> None:
    slides = office.read(h.pptx(tmp_path / "c.pptx", ["Castings in Dubai", "Call +359 88 123 4567"]), "pptx")
    assert slides.text == "Castings in Dubai\nCall +359 88 123 4567"
    assert slides.metadata["application"] == "Microsoft Office PowerPoint"
    assert slides.parts == ["ppt/slides/slide1.xml", "ppt/slides/slide2.xml"]
    sheet = office.read(h.ods(tmp_path / "p.ods", ["Maria", "500 EUR"]), "ods")
    assert sheet.text == "Maria\n500 EUR" and sheet.metadata == {"author": "Olga Accountant"}
    assert office.kind_of("application/zip", tmp_path / "p.ods") == "ods"


def test_an_office_document_with_a_dtd_entity_is_not_expanded(tmp_path: Path) -> None:
    path = h.docx(tmp_path / "evil.docx", ["x"])
    import zipfile

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(
            "word/header1.xml",
            '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><a>&e;&e;</a>',
        )
    document = office.read(path, "docx")
    assert "boom" not in document.text
    assert any("word/header1.xml not read" in p for p in document.problems)


def test_macros_are_named_and_only_where_they_are(tmp_path: Path) -> None:
    import zipfile

    plain = office.read(h.docx(tmp_path / "plain.docx", ["Contract"]), "docx")
    assert plain.macros == [] and "macros" not in plain.to_json()
    docm = h.docx(tmp_path / "offer.docm", ["Offer"])
    with zipfile.ZipFile(docm, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 VBA project")
    read = office.read(docm, "docx")
    assert read.macros == ["word/vbaProject.bin"] and read.text == "Offer"
    assert read.to_json()["macros_note"].startswith("the document holds macros")
    assert office.kind_of("application/vnd.ms-word.document.macroEnabled.12", docm) == "docx"
    ods = h.ods(tmp_path / "p.ods", ["Maria"])
    with zipfile.ZipFile(ods, "a") as archive:  # library lists alone are not macros
        archive.writestr("Basic/script-lc.xml", "<x/>")
        archive.writestr("Basic/Standard/script-lb.xml", "<x/>")
    assert office.read(ods, "ods").macros == []
    with zipfile.ZipFile(ods, "a") as archive:
        archive.writestr("Basic/Standard/Module1.xml", "<x>Sub Main</x>")
    assert office.read(ods, "ods").macros == ["Basic/Standard/Module1.xml"]


# --- archives ----------------------------------------------------------------------------------------
def test_a_nested_zip_lists_every_member_with_its_time(tmp_path: Path) -> None:
    path = h.nested_zip(tmp_path / "photos.zip")
    with archives.unpacked(path, "zip") as members:
        assert [(m.path, m.modified) for m in members] == [
            ("photos/2024/beach.jpg", "2024-03-02T10:30:00"),
            ("notes/readme.txt", "2024-03-03T08:00:00"),
        ]
        assert members[1].file.read_bytes() == b"Agent Viber: +359 88 123 4567\n"


def test_a_tar_lists_its_members_with_utc_times(tmp_path: Path) -> None:
    path = h.tar_gz(tmp_path / "t.tar.gz", {"chat/_chat.txt": b"x", "chat/photo.jpg": b"y"})
    assert archives.kind_of("application/gzip", path) == "tar"
    assert archives.kind_of("application/gzip", _gzip_of_one_file(tmp_path)) is None
    with archives.unpacked(path, "tar") as members:
        assert [(m.path, m.size, m.modified) for m in members] == [
            ("chat/_chat.txt", 1, "2024-03-04T10:00:00Z"),
            ("chat/photo.jpg", 1, "2024-03-04T10:00:00Z"),
        ]


def _gzip_of_one_file(tmp_path: Path) -> Path:
    import gzip

    path = tmp_path / "notes.txt.gz"
    path.write_bytes(gzip.compress(b"just notes\n" * 100))
    return path


@pytest.mark.parametrize(
    ("make", "kind", "message"),
    [
        (h.zip_slip, "zip", "'../../etc/evil.txt' points outside the archive"),
        (h.zip_bomb, "zip", "a decompression bomb"),
        (lambda p: h.tar_gz(p, {"a.txt": b"a"}, link=True), "tar", "'passwd' is a link"),
        (lambda p: h.tar_gz(p, {"../x.txt": b"a"}), "tar", "points outside the archive"),
        (lambda p: h.tar_gz(p, {"zeros": bytes(8 << 20)}, compression="bz2"), "tar", "a decompression bomb"),
    ],
)
def test_unsafe_archives_are_refused_before_anything_is_kept(tmp_path: Path, make, kind, message) -> None:
    path = make(tmp_path / f"bad.{kind}")
    with pytest.raises(archives.ArchiveRefused, match=message):
        with archives.unpacked(path, kind):
            pytest.fail("a refused archive must not reach the caller")


# --- selectors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("office 0044 (0)20 7946 0958", "+442079460958"),
        ("office +44 (0) 20 7946 0958", "+442079460958"),
        ("office (0044) 20-7946-0958", "+442079460958"),
        ("mobile 0033 6 12 34 56 78", "+33612345678"),
        ("call tel:+447911123456", "+447911123456"),
        ("viber://chat?number=359881234567", "+359881234567"),
        ("write to t.me/+447911123456", "+447911123456"),
        ("https://wa.me/447911123456", "+447911123456"),
    ],
)
def test_international_numbers_and_numbers_in_links_need_no_region(text: str, value: str) -> None:
    phones = {s.value for s in selectors.extract_text(text) if s.kind == "phone"}
    assert phones == {value}


def test_link_numbers_name_their_messenger() -> None:
    kinds = {(s.kind, s.value) for s in selectors.extract_text("viber://chat?number=359881234567 t.me/+447911123456")}
    assert ("viber", "+359881234567") in kinds and ("telegram", "+447911123456") in kinds
    # An invite link is not an account.
    assert not [s for s in selectors.extract_text("https://t.me/+AbCdEf123") if s.kind == "telegram"]


def test_bare_domains_but_not_file_names_or_versions() -> None:
    text = (
        "Visit star-models.example or Bank.co.uk; send photo.jpg, contract.docx, archive.zip; v1.2.3, 2.4.1; end.Next"
    )
    assert [s.value for s in selectors.extract_text(text) if s.kind == "domain"] == [
        "star-models.example",
        "bank.co.uk",
    ]
    # An address's domain is the address, not a second selector.
    assert [s.kind for s in selectors.extract_text("mail hr@star-models.example")] == ["email"]


# --- end to end --------------------------------------------------------------------------------------
@pytest.fixture
def handed_over(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "handed"
    folder.mkdir()
    box = folder / "recruiter.mbox"
    box.write_bytes(h.mbox(h.simple_email("Second offer", "boss@mail.ru", "Pay the agency fee to +49 151 12345678\n")))
    (folder / "offer.eml").write_bytes(h.email_with_attachment(b"%PDF-1.4\nsign here\n"))
    return {
        "chat": h.whatsapp_zip(folder / "WhatsApp Chat - Anna.zip"),
        "eml": folder / "offer.eml",
        "mbox": box,
        "docx": h.docx(folder / "contract.docx", ["Employment contract", "Salary 3000 EUR in Dubai"]),
        "photos": h.nested_zip(folder / "photos.zip"),
        "bomb": h.zip_bomb(folder / "bomb.zip"),
        "slip": h.zip_slip(folder / "slip.zip"),
    }


def _entries(case) -> list[dict]:
    return [item for event in case.events() if event.action == "describe" for item in event.artefacts]


@pytest.mark.browser  # the report PDF is printed with Chromium
@pytest.mark.slow
def test_a_case_built_from_handed_over_files(make_case, cli, handed_over, tmp_path: Path) -> None:
    case = make_case()
    warnings = {}
    for name, path in handed_over.items():
        result = cli("add", str(path), "--case", case.id, "--json")
        assert result.exit_code == 0, result.output
        warnings[name] = result.stderr
    # A refused archive is said on stderr, in one line naming the file and why; the others say nothing.
    assert warnings["bomb"].startswith("warning: bomb.zip: the member 'zeros.bin' expands ")
    assert warnings["bomb"].endswith("a decompression bomb: refused\n") and warnings["bomb"].count("\n") == 1
    assert (
        warnings["slip"] == "warning: slip.zip: the member '../../etc/evil.txt' points outside the archive: refused\n"
    )
    assert not warnings["chat"] and not warnings["eml"] and not warnings["docx"]
    added = {e.details["original_name"]: e.artefacts[0]["blake3"] for e in case.events() if e.action == "add"}
    entries = _entries(case)

    # The chat zip: its members are artefacts naming the zip; the chat names the photo by its digest.
    chat_zip = added["WhatsApp Chat - Anna.zip"]
    members = {e["path"]: e for e in entries if e.get("source") == chat_zip and e["role"] == "archive-member"}
    assert set(members) == {"_chat.txt", "00000003-PHOTO-2024-03-04-14-07-00.jpg"}
    listing = description_of(case, chat_zip)["archive"]
    assert listing["chat_export"] == "_chat.txt" and listing["member_count"] == 2
    chat = description_of(case, members["_chat.txt"]["blake3"])
    assert chat["source"]["original_name"] == "WhatsApp Chat - Anna.zip/_chat.txt"
    assert chat["chat"]["participants"] == ["Anna Petrova", "+44 7911 123456"]
    photo = members["00000003-PHOTO-2024-03-04-14-07-00.jpg"]["blake3"]
    assert chat["chat"]["messages"][3]["attachments"][0]["blake3"] == photo
    found = {(s["kind"], s["value"], s["context"].split(": ", 1)[0]) for s in chat["selectors"]}
    assert ("whatsapp", "+447911123456", "participant of the chat (2 messages sent)") in found
    assert ("phone", "+442079460958", "message 3, 2024-03-04T14:06:10, +44 7911 123456") in found
    assert ("domain", "star-models.example", "message 1, 2024-03-04T14:05:09, Anna Petrova") in found

    # The e-mail: hops in its description, the PDF an artefact of its own naming the message.
    eml = added["offer.eml"]
    message = description_of(case, eml)["email"]
    assert [hop["from_ip"] for hop in message["received"]] == ["192.0.2.44", "203.0.113.5", "198.51.100.20"]
    (attachment,) = [e for e in entries if e.get("source") == eml and e["role"] == "attachment"]
    assert attachment["role"] == "attachment" and attachment["path"] == "contract.pdf"
    assert message["attachments"][0]["blake3"] == attachment["blake3"]
    assert description_of(case, attachment["blake3"])["source"]["original_name"] == "offer.eml/contract.pdf"

    # The mbox: each message an artefact, described as an e-mail.
    (inner,) = [e for e in entries if e.get("source") == added["recruiter.mbox"] and e["role"] != "metadata"]
    assert inner["role"] == "mail-message"
    assert description_of(case, inner["blake3"])["email"]["addresses"]["From"] == ["boss@mail.ru"]

    # The contract's authors, from the document and from exiftool.
    contract = description_of(case, added["contract.docx"])
    assert contract["office"]["metadata"]["author"] == "Ivan Recruiter"
    assert contract["embedded"]["highlights"]["XMP-dc:Creator"] == "Ivan Recruiter"  # exiftool agrees
    # Described once: a second describe finds nothing new (members are not taken out twice).
    again = json.loads(cli("describe", case.id, "--json").output)
    assert again["event"] is None

    # Nested folders: every member with its size and digests.
    photos = description_of(case, added["photos.zip"])["archive"]["members"]
    assert [(m["path"], m["size"]) for m in photos][1] == ("notes/readme.txt", 30)
    assert all(m["blake3"].startswith("blake3:") and m["sha256"].startswith("sha256:") for m in photos)

    # The bomb and the zip-slip: refused with a clear line, nothing of them stored.
    for name, line in (("bomb.zip", "a decompression bomb"), ("slip.zip", "points outside the archive")):
        refused = description_of(case, added[name])
        assert line in refused["archive"]["refused"] and refused["archive"]["members"] == []
        assert "archive-not-unpacked" in refused["flags"]
        assert not [e for e in entries if e.get("source") == added[name] and e["role"] != "metadata"]
    errors = [e for event in case.events() if event.action == "describe" for e in event.details["errors"]]
    assert any(e.startswith("bomb.zip: ") and "decompression bomb" in e for e in errors)
    from chain_of_custody.hashing import blake3_digest

    assert not case.store.has(blake3_digest(b"a member before the bomb\n"))
    assert not case.store.has(blake3_digest(b"fine\n"))  # the zip-slip's harmless member: not stored either

    # selectors, search across cases, verify.
    listed = json.loads(cli("selectors", case.id, "--json").output)
    values = {(s["kind"], s["value"]) for s in listed}
    assert {
        ("whatsapp", "+447911123456"),
        ("email", "recruiter.dubai@gmail.com"),
        ("phone", "+4915112345678"),
    } <= values
    hits = json.loads(cli("search", "--all", "Salary", "--json").output)
    assert [hit["artefact"] for hit in hits] == [added["contract.docx"]]
    hits = json.loads(cli("search", "--all", "recruiter.dubai@gmail.com", "--json").output)
    assert eml in {hit["artefact"] for hit in hits}
    verified = cli("verify", case.id)
    assert verified.exit_code == 0 and "VERIFIED" in verified.output, verified.output

    # The bundle: the annexes name the WhatsApp number of the chat and the mailboxes, with the exhibits.
    form = tmp_path / "form.json"
    form.write_text("{}")
    out = tmp_path / "bundle"
    exported = cli("export", case.id, "--out", str(out), "--mla", str(form))
    assert exported.exit_code == 0, exported.output
    summary = json.loads((out / "data" / "mla" / "annexes.json").read_text())
    by_provider = {
        p["name"]: {i["value"]: a["exhibits"] for a in p["accounts"] for i in a["identifiers"]}
        for p in summary["providers"]
    }
    assert by_provider["WhatsApp Ireland Limited"] == {"+447911123456": ["E01"]}
    assert by_provider["Google LLC"]["recruiter.dubai@gmail.com"] == ["E02"]
    assert by_provider["operator of star-models.example"]["hr@star-models.example"] == ["E02"]
    assert by_provider["VK Company Limited"] == {"boss@mail.ru": ["E03"]}
    annex = (out / "data" / "mla" / "whatsapp-ireland-limited-art29-en.html").read_text()
    assert "+447911123456" in annex and "WhatsApp Chat - Anna.zip" in annex
    bagit = subprocess.run(
        [venv_bin("bagit.py"), "--validate", str(out)], capture_output=True, text=True, check=False, timeout=120
    )
    assert bagit.returncode == 0, bagit.stderr
    assert cli("verify", str(out)).exit_code == 0
