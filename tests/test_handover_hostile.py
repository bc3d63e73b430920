"""Handed-over files made to hurt: what a hostile chat export, e-mail, document or archive must not do.

A file someone hands over is anyone's bytes. Reading it must not crash ``add`` (nor every later
``add`` to the case), fill the memory or the disk, or make the description say something untrue of
what was stored. Each test here was a real failure found by attacking the readers through the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence_kit.metadata import chats
from evidence_kit.metadata.describe import description_of


def _add(cli, case_id: str, path: Path):  # type: ignore[no-untyped-def]
    return cli("add", str(path), "--case", case_id)


# --- one hostile file must not poison the case ---------------------------------------------------------
def test_a_describer_that_fails_on_one_file_does_not_stop_the_case(make_case, cli, tmp_path, monkeypatch) -> None:
    """A describer raising on one artefact: add still succeeds, the description says which describer
    failed and keeps nothing it had half-made, the next add works, and the case verifies."""
    from evidence_kit.metadata import describe as describing
    from evidence_kit.metadata.describers import DESCRIBERS

    def tripping(item, out) -> None:  # type: ignore[no-untyped-def]
        if item.work.name == "poison.txt":
            out.body["half"] = "made"
            out.flags.append("half-made")
            raise ValueError("a parser tripped")

    tripping.__module__ = "evidence_kit.metadata.describers.tripping"  # a describer is named by its module

    monkeypatch.setattr(describing, "DESCRIBERS", (*DESCRIBERS[:-1], tripping, DESCRIBERS[-1]))
    case = make_case()
    poison = tmp_path / "poison.txt"
    poison.write_text("call +44 7911 123456\n")
    result = _add(cli, case.id, poison)
    assert result.exit_code == 0, result.output
    assert "the tripping describer failed (ValueError: a parser tripped)" in result.stderr
    added = [e for e in case.events() if e.action == "add"][-1].artefacts[0]["blake3"]
    described = description_of(case, added)
    assert described is not None and "half" not in described and "half-made" not in described["flags"]
    assert "describer-failed" in described["flags"]
    assert described["describer_errors"] == [
        "the tripping describer failed (ValueError: a parser tripped); nothing of it is in this description"
    ]
    assert [s["value"] for s in described["selectors"]] == ["+447911123456"]  # the other describers ran
    after = tmp_path / "after.txt"
    after.write_text("fine\n")
    assert _add(cli, case.id, after).exit_code == 0
    assert cli("verify", case.id).exit_code == 0


# --- Telegram JSON of an unexpected shape ----------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        {"chats": [1], "messages": 3},  # "chats" a list, not {"list": […]}
        {"chats": "x"},
        {"chats": {"list": [{"messages": {"not": "a list"}}]}},
    ],
)
def test_json_of_another_shape_is_not_a_telegram_export(data) -> None:
    chat = chats.parse_any(json.dumps(data).encode(), "result.json")
    assert chat is None or chat.messages == []


def test_a_telegram_time_no_clock_can_write_is_a_problem_not_a_crash() -> None:
    data = {
        "messages": [{"date": "2024-03-04T14:05:00", "date_unixtime": "99999999999999999", "from": "A", "text": "x"}]
    }
    chat = chats.parse_any(json.dumps(data).encode(), "result.json")
    assert chat is not None and chat.messages[0].utc is None and chat.messages[0].time == "2024-03-04T14:05:00"
    assert chat.problems == ["message 1: date_unixtime '99999999999999999' is not a time"]


# --- e-mail with malformed headers ------------------------------------------------------------------------
HOSTILE_MAIL = (
    b"Received: from host (host [::ffff:192.0.2.1]) by mx.example; Tue, 5 Mar 2024 09:12:01 +0100\n"
    b"Received: from a.example (a.example [IPv6:2001:db8::1]) by host; Tue, 5 Mar 2024 09:12:00 +0100\n"
    b"from: =?utf-8?b?0JDQvdC90LAgKzM1OSA4OCAxMjMgNDU2Nw==?= <anna@x.example>\n"
    b'To: a@b.example, "Group": c@d.example;, =?x?q?=ZZ?= <\n'
    b"Date: Sat, 31 Feb 2024 09:12:01 +0100\n"
    b"Subject: offer\n\nhello\n"
)


def test_an_email_with_malformed_headers_is_read_not_crashed_on() -> None:
    from evidence_kit.metadata import mail, selectors

    parsed = mail.parse(HOSTILE_MAIL)
    # A lower-case "from:" is From; its encoded display name is decoded, and its phone is a selector.
    assert parsed.decoded["From"] == ["Анна +359 88 123 4567 <anna@x.example>"]
    assert {(s.kind, s.value) for s in selectors.extract_text(mail.header_text(parsed))} >= {
        ("phone", "+359881234567"),
        ("email", "anna@x.example"),
    }
    # An IPv4 host written as an IPv4-mapped IPv6 address is named by its IPv4 address.
    assert [h.from_ip for h in parsed.hops] == ["2001:db8::1", "192.0.2.1"]
    assert parsed.date is None and "the Date header 'Sat, 31 Feb 2024 09:12:01 +0100' is not a real date" in (
        parsed.problems
    )


@pytest.mark.parametrize("seed", range(3))
def test_mangled_emails_never_raise(seed: int) -> None:
    """Bytes of a real message mangled at random (the standard library's header parser raises
    AttributeError or IndexError on some): parse always returns, naming what it could not read."""
    import random

    from evidence_kit.metadata import mail
    from tests.fixtures import handover_files as h

    chance = random.Random(seed)
    base = h.email_with_attachment()
    for _ in range(300):
        data = bytearray(base)
        for _ in range(chance.randint(1, 8)):
            at = chance.randrange(len(data))
            data[at:at] = chance.choice([b"=?utf-8?b?", b"?=", b'"', b":", b";", b"<", b"\xff", b"(", b","])
        mail.parse(bytes(data)).to_json()


# --- archives: bombs the per-member check let through, encryption ---------------------------------------
def _bzip2_members(path: Path, count: int = 20) -> Path:
    """``count`` bzip2 members, each just under the 1 MiB below which no member's ratio is judged."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        for number in range(count):
            archive.writestr(f"m{number:03d}.bin", bytes((1 << 20) - 16) + f"{number:016d}".encode())
    return path


def test_many_small_bzip2_members_are_a_bomb_refused_whole(make_case, cli, tmp_path) -> None:
    from evidence_kit.metadata import archives

    path = _bzip2_members(tmp_path / "small.zip")
    assert path.stat().st_size < 10_000  # 20 MiB inside
    with pytest.raises(archives.ArchiveRefused, match=r"expands [\d,]+ times .* a decompression bomb"):
        with archives.unpacked(path, "zip"):
            pytest.fail("a refused archive must not reach the caller")
    case = make_case()
    result = _add(cli, case.id, path)
    assert result.exit_code == 0 and "a decompression bomb: the archive is refused" in result.stderr
    assert not [e for e in case.events() for a in e.artefacts if a.get("role") == "archive-member"]


def test_a_zip_with_a_huge_mimetype_is_neither_inflated_by_us_nor_given_to_exiftool(make_case, cli, tmp_path) -> None:
    """office.kind_of read the whole ``mimetype`` member, and exiftool inflates it too: a 1 MB zip with a
    1 GB ``mimetype`` took 3 GB of memory and 23 s. Its head is enough to name an OpenDocument."""
    import tracemalloc
    import zipfile

    from evidence_kit.metadata import office

    path = tmp_path / "mimetype-bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("mimetype", "w") as sink:
            for _ in range(64):
                sink.write(bytes(1 << 20))
    tracemalloc.start()
    assert office.kind_of("application/zip", path) is None  # zeros name no format
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 << 20, peak
    case = make_case()
    result = _add(cli, case.id, path)
    assert result.exit_code == 0 and "a decompression bomb" in result.stderr
    added = [e for e in case.events() if e.action == "add"][-1].artefacts[0]["blake3"]
    assert "embedded" not in description_of(case, added)  # exiftool was not run on it


def test_an_encrypted_member_is_named_as_such_not_as_something_that_is_not_evidence(tmp_path) -> None:
    import zipfile

    from evidence_kit.metadata import archives

    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("passport.jpg", b"\x8a\x91 ciphertext")
    data = bytearray(path.read_bytes())  # zipfile writes no encryption: set the flag (bit 0) by hand
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    path.write_bytes(bytes(data))
    assert zipfile.ZipFile(path).infolist()[0].flag_bits & 0x1
    with pytest.raises(archives.ArchiveRefused) as refused:
        with archives.unpacked(path, "zip"):
            pytest.fail("an encrypted archive cannot be unpacked")
    assert str(refused.value) == (
        "the member 'passport.jpg' is encrypted (no password is tried): the archive is stored as handed over,"
        " not unpacked"
    )


# --- a damaged compressed tar, members that are one file ---------------------------------------------------
def _damaged(path: Path, how: str) -> Path:
    import gzip

    from tests.fixtures import handover_files as h

    h.tar_gz(path, {"chat/_chat.txt": b"[04/03/2024, 14:05:09] Anna: hello\n" * 50})
    data = bytearray(path.read_bytes())
    if how == "crc":
        data[-8] ^= 0xFF  # the gzip trailer's CRC-32 no longer matches the data
    else:
        del data[-6:]  # cut before the end of the gzip stream
    path.write_bytes(bytes(data))
    with pytest.raises((gzip.BadGzipFile, EOFError)):
        gzip.decompress(bytes(data))  # the damage is real
    return path


@pytest.mark.parametrize(
    ("how", "message"),
    [("crc", "CRC check failed"), ("cut", "Compressed file ended before the end-of-stream marker")],
)
def test_a_damaged_tar_gz_is_refused_not_read_as_sound(tmp_path, how: str, message: str) -> None:
    """tarfile's stream reader never checks the gzip CRC: a damaged .tar.gz gave its members as sound."""
    from evidence_kit.metadata import archives

    path = _damaged(tmp_path / "chat.tar.gz", how)
    with pytest.raises(archives.ArchiveRefused, match=message):
        with archives.unpacked(path, "tar"):
            pytest.fail("a damaged archive must not reach the caller")


@pytest.mark.parametrize(
    ("kind", "names", "message"),
    [
        ("tar", ["a.txt", "./a.txt"], "the member './a.txt' is the same file as 'a.txt'"),
        ("zip", ["x/a.txt", "x//a.txt"], "the member 'x//a.txt' is the same file as 'x/a.txt'"),
    ],
)
def test_two_members_that_unpack_to_one_file_are_refused(tmp_path, kind: str, names: list[str], message) -> None:
    import zipfile

    from evidence_kit.metadata import archives
    from tests.fixtures import handover_files as h

    path = tmp_path / f"twins.{kind}"
    if kind == "tar":
        h.tar_gz(path, dict(zip(names, [b"one", b"two"], strict=True)))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in zip(names, [b"one", b"two"], strict=True):
                archive.writestr(name, data)
    with pytest.raises(archives.ArchiveRefused, match=message):
        with archives.unpacked(path, kind):
            pytest.fail("twins must not reach the caller")


# --- chat exports: dates -----------------------------------------------------------------------------------
def test_spanish_p_m_times_are_not_read_as_us_month_first() -> None:
    """Spanish exports write "p. m." (with a narrow no-break space before it) and day first; only a plain
    AM/PM suggests the US month/day order."""
    text = "4/3/24, 2:05\u202fp.\u00a0m. - Ana: hola\n4/3/24, 11:05\u202fa.\u00a0m. - Ana: adiós\n"
    chat = chats.parse_any(text.encode(), None)
    assert chat is not None and [m.time for m in chat.messages] == ["2024-03-04T14:05:00", "2024-03-04T11:05:00"]
    assert chat.date_order.startswith("day/month/year (ASSUMED")
    us = chats.parse_any("3/4/24, 2:05\u202fPM - Mike: hi\n".encode(), None)
    assert us is not None and us.messages[0].time == "2024-03-04T14:05:00" and "US month/day" in us.date_order


def test_a_first_number_that_could_be_a_two_digit_year_is_said_to_be_assumed() -> None:
    """24/03/04 is 24 March 2004 or, year first, 4 March 2024: the description must not call it settled."""
    both = chats.parse_any(b"24/03/04, 14:05 - Ana: hola\n24/03/05, 09:00 - Ana: ok\n", None)
    assert both is not None and both.messages[0].time == "2004-03-24T14:05:00"
    assert both.date_order.startswith("day/month/year (a first number above 12 is a day; ASSUMED")
    assert "two-digit year written first" in both.date_order
    day = chats.parse_any(b"24/03/04, 14:05 - Ana: hola\n25/03/45, 09:00 - Ana: ok\n", None)
    assert day is not None and day.date_order.startswith("day/month/year (settled")  # 45 cannot be a day
    year = chats.parse_any(b"45/03/04, 14:05 - Ana: hola\n", None)
    assert year is not None and year.messages[0].time == "2045-03-04T14:05:00"
    assert year.date_order.startswith("year/month/day (settled")


def test_an_impossible_date_is_named_and_left_empty_not_shifted() -> None:
    chat = chats.parse_any(b"[31/02/2024, 10:00:00] Anna: x\n[13/03/2024, 10:00:00] Anna: y\n", None)
    assert chat is not None and [m.time for m in chat.messages] == [None, "2024-03-13T10:00:00"]
    assert chat.problems == ["message 1: date '[31/02/2024, 10:00:00] Anna: x' is not a real date"]


def test_a_long_whatsapp_export_libmagic_calls_csv_is_still_read_as_a_chat(make_case, cli, tmp_path) -> None:
    from evidence_kit.metadata import filetype

    path = tmp_path / "WhatsApp Chat with Anna.txt"
    path.write_text("".join(f"[0{n % 9 + 1}/03/2024, 10:0{n % 10}:00] Anna: hello there\n" for n in range(30)))
    assert filetype.identify(path).mime == "text/csv"  # one comma a line, between date and time
    case = make_case()
    assert _add(cli, case.id, path).exit_code == 0
    added = [e for e in case.events() if e.action == "add"][-1].artefacts[0]["blake3"]
    described = description_of(case, added)
    assert described["chat"]["participants"] == ["Anna"] and described["chat"]["message_count"] == 30


def test_a_forwarded_message_attached_whole_is_not_taken_for_the_outer_message() -> None:
    from evidence_kit.metadata import mail, selectors

    data = (
        b"From: victim@x.example\nTo: police@y.example\nSubject: Fwd: offer\nDate: Tue, 5 Mar 2024 09:12:01 +0100\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        b"See below.\n--b\nContent-Type: message/rfc822\n\nFrom: Recruiter <hr@star-models.example>\n"
        b"Subject: offer\n\nCall +359 88 123 4567\n--b--\n"
    )
    parsed = mail.parse(data)
    assert parsed.addresses == {"From": ["victim@x.example"], "To": ["police@y.example"]}
    assert parsed.attached_messages == [
        {"from": ["Recruiter <hr@star-models.example>"], "to": [], "subject": ["offer"], "date": []}
    ]
    assert parsed.body == (
        "See below.\n\n[attached message 1: from: Recruiter <hr@star-models.example>; subject: offer]\n\n"
        "Call +359 88 123 4567"
    )
    found = {(s.kind, s.value) for s in selectors.extract_text(parsed.body)}
    assert {("email", "hr@star-models.example"), ("phone", "+359881234567")} <= found
