"""Bad input never shows a traceback: one line on stderr, the documented exit code, and no stored byte changed.

Each case of issue 11 section 8 is reproduced as found (a 5,000-character case id, binary and deeply
nested MLA forms, a form with wrong types, a corrupt ledger, a case.json that is a list or has no id, a
bundle zip with a bad CRC, a non-UTF-8 manifest), then hypothesis throws generated case ids, URLs, file
paths, settings files, MLA forms and crafted bundle zips at the CLI. Every run hashes the cases home
before and after: a refused command changes nothing.

Exit codes (CLI.md): 2 bad input, 1 a bundle or case that fails verification, 3 an operation failed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from evidence_kit.cli import app
from evidence_kit.errors import InvalidInput
from evidence_kit.export import mla

CASE = "OP-2026-017"
# EVIDENCE_KIT_FUZZ_EXAMPLES raises the examples per property (25 keeps this file well under a minute).
PROFILE = settings(
    max_examples=int(os.environ.get("EVIDENCE_KIT_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- a real case and its exported bundle zip, made once, copied for each test ----------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-input")
    env = {
        "EVIDENCE_KIT_HOME": str(root / "cases"),
        "EVIDENCE_KIT_KEYS": str(root / "keys"),
        "EVIDENCE_KIT_CONFIG": str(root / "config.json"),
    }
    runner = CliRunner()

    def run(*args: str) -> None:
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output

    run("case", "create", CASE, "--title", "Star Models recruitment ads", "--investigator", "Insp. A. Petrova")
    page = root / "ad.html"
    page.write_text("<html><body>Работа в Германии: +359 88 123 4567, recruiter@starmodels.example</body></html>")
    run("add", str(page), "--case", CASE, "--source", "handed over by W-3")
    run("export", CASE, "--out", str(root / "bundle"), "--zip")
    # Reads must not write: settle SQLite's write-ahead log so a later read changes no byte.
    with sqlite3.connect(root / "cases" / CASE / "ledger.sqlite") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return root


@pytest.fixture
def home(template: Path, isolated_env: Path, tmp_path: Path) -> Path:
    shutil.copytree(template / "cases", isolated_env)
    shutil.copytree(template / "keys", tmp_path / "keys")
    shutil.copy(template / "bundle.zip", tmp_path / "bundle.zip")
    return isolated_env


def snapshot(root: Path) -> dict[str, str]:
    """Every stored byte under ``root`` (SQLite's -wal/-shm scratch files aside)."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.endswith(("-wal", "-shm"))
    }


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=True)


def refused(result: Result, exit_code: int = 2, says: str | None = None) -> str:
    """The command ended with one ``error:`` line, no traceback, and ``exit_code``; returns the line."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback: {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.exit_code == exit_code, (result.exit_code, result.stderr)
    assert len(lines[0]) < 1000
    if says is not None:
        assert says in lines[0], lines[0]
    return lines[0]


# -- the cases the issue lists, as found --------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("case", "show", "A" * 5000),
        ("case", "create", "A" * 5000, "--title", "t", "--investigator", "I"),
        ("verify", "A" * 5000),
        ("ledger", "A" * 5000),
        ("add", "A" * 5000, "--case", CASE),
        ("search", CASE, "--similar", "A" * 5000),
        ("export", CASE, "--out", "/tmp/" + "A" * 5000),
    ],
)
def test_a_5000_character_name_is_one_line(home, args):
    before = snapshot(home)
    line = refused(invoke(*args))
    assert "5,0" in line or "at most 80 characters" in line  # the id or path is cut, its length said
    assert snapshot(home) == before


def write_form(tmp_path: Path, data: Any = None, raw: bytes | None = None) -> Path:
    path = tmp_path / "FORM.json"
    path.write_bytes(raw if raw is not None else json.dumps(data).encode())
    return path


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (bytes(range(256)) * 4, "is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nests too deeply"),
        (b'{"request": {"reference": ' + b"[" * 40 + b"]" * 40 + b"}}", "nests more than"),
        (b"[1, 2]", "must hold one JSON object"),
        (b'\xef\xbb\xbf{"request": {"date": 20260302}}', "request.date must be text"),  # a BOM is fine
    ],
)
def test_a_binary_or_deep_mla_form_is_one_line(home, tmp_path, raw, says):
    before = snapshot(home)
    refused(
        invoke("export", CASE, "--out", str(tmp_path / "out"), "--mla", str(write_form(tmp_path, raw=raw))), says=says
    )
    assert snapshot(home) == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("request.date", 20260302, "request.date must be text, not a whole number"),
        ("request.date", "2 March 2026", "request.date must be a date as YYYY-MM-DD"),
        ("request.date", "20260302", "request.date must be a date as YYYY-MM-DD"),
        ("time_range.from", "last week", "time_range.from must be a UTC time as RFC 3339"),
        ("request.type", "urgent", "request.type must be one of new, extension"),
        ("offence", "trafficking", "offence must be an object, not text"),
        ("requesting_authority", ["Cybercrime Unit"], "requesting_authority must be an object, not a list"),
        ("preservation.period_days", "ninety", "preservation.period_days must be a whole number of days"),
        ("preservation.period_days", -5, "preservation.period_days must be a whole number of days from 1 to 36500"),
        ("preservation.period_days", True, "preservation.period_days must be a whole number of days"),
        ("confidentiality.do_not_notify", "yes", "confidentiality.do_not_notify must be true or false, not text"),
        ("data_categories", "all", "data_categories must be a list, not text"),
        ("data_categories", ["subscriber", "passwords"], "data_categories[1] must be one of"),
        ("earlier_requests", [{"date": 2025}], "earlier_requests[0].date must be text"),
        ("summary_of_facts", {"text": "…"}, "summary_of_facts must be text, not an object"),
    ],
)
def test_a_form_with_a_wrong_type_is_an_error_naming_the_field(home, tmp_path, field, value, says):
    form = mla.parse_form(mla.form_template())
    *parents, last = field.split(".")
    target = form
    for part in parents:
        target = target[part]
    target[last] = value
    before = snapshot(home)
    refused(invoke("export", CASE, "--out", str(tmp_path / "out"), "--mla", str(write_form(tmp_path, form))), says=says)
    assert snapshot(home) == before


def test_the_filled_template_and_null_fields_are_accepted():
    form = mla.parse_form(mla.form_template())
    form["request"]["date"] = "2026-03-02"
    form["time_range"] = {"from": "2026-03-01T09:00:00Z", "to": "2026-03-02"}
    form["offence"]["maximum_penalty"] = None  # null: left empty, like ""
    form["custom_note"] = {"any": ["shape", 1]}  # fields the template does not know are kept
    assert mla.parse_form(json.dumps(form))["custom_note"] == {"any": ["shape", 1]}


def _corrupt_ledger(case_dir: Path) -> None:
    (case_dir / "ledger.sqlite").chmod(0o644)
    with open(case_dir / "ledger.sqlite", "r+b") as handle:
        handle.write(b"this is no longer a SQLite file" * 8)


def _case_json(value: Any) -> Any:
    def damage(case_dir: Path) -> None:
        path = case_dir / "case.json"
        path.chmod(0o644)
        path.write_bytes(value if isinstance(value, bytes) else json.dumps(value).encode())

    return damage


DAMAGES = {
    "corrupt ledger": (_corrupt_ledger, "is not a readable"),
    "case.json is a list": (_case_json([1, 2]), "case.json of OP-2026-017 is not a case record: it holds list"),
    "case.json lacks id": (_case_json({"title": "x", "investigators": []}), "it has no case id"),
    "case.json id is a number": (_case_json({"id": 7}), "it has no case id"),
    "case.json lacks investigators": (_case_json({"id": CASE, "title": "x"}), "lists no investigators"),
    "case.json is not UTF-8": (_case_json(b"\xff\xfe{}"), "is not UTF-8 text"),
    "case.json nests deeply": (_case_json(b"[" * 100_000 + b"]" * 100_000), "nests too deeply"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize(
    "command",
    [
        ("case", "show", CASE),
        ("selectors", CASE),
        ("ledger", CASE),
        ("search", CASE, "recruiter"),
        ("describe", CASE),
        ("timestamp", CASE),
        ("add", "{file}", "--case", CASE),
        ("ledger", "record", CASE, "--action", "note"),
        ("export", CASE, "--out", "{out}"),
    ],
)
def test_a_damaged_case_is_one_line_for_every_command(home, tmp_path, damage, command):
    make, says = DAMAGES[damage]
    make(home / CASE)
    (tmp_path / "new.txt").write_bytes(b"new evidence")
    args = [a.format(file=tmp_path / "new.txt", out=tmp_path / "out") for a in command]
    before = snapshot(home)
    line = refused(invoke(*args))
    if command[0] not in ("search", "selectors") or "case.json" in damage:
        assert says in line, line
    assert snapshot(home) == before


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_verify_of_a_damaged_case_is_one_line_or_a_failed_report(home, damage):
    make, _ = DAMAGES[damage]
    make(home / CASE)
    before = snapshot(home)
    result = invoke("verify", CASE)
    if result.exit_code == 2:  # not a case folder any more: bad input
        assert "case.json" in damage
        refused(result, 2, says="case.json")
    else:  # a report; which case.json damages fail it is issue 11 section 3 (case.json against signed facts)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "VERIFIED" in result.stdout or "VERIFICATION FAILED" in result.stdout
        if "case.json" not in damage:
            assert result.exit_code == 1 and "VERIFICATION FAILED" in result.stdout
    assert snapshot(home) == before


@pytest.mark.parametrize("target", ["A" * 5000, "list", "no id", "crc"])
def test_the_court_experts_verifier_says_one_line_too(home, tmp_path, capsys, target):
    from chain_of_custody.__main__ import main

    if target in ("list", "no id"):
        _case_json([1] if target == "list" else {"title": "x"})(home / CASE)
        target = str(home / CASE)
    elif target == "crc":
        target = str(flip_in_entry(tmp_path / "bundle.zip", tmp_path / "crc.zip", "bagit.txt"))
    code = main(["verify", target])
    out, err = capsys.readouterr()
    if target == str(home / CASE):  # the ledger still names the case: a damaged case.json fails the report
        assert code == 1 and err == "" and "[case-facts]" in out, (out, err)
        return
    assert err.count("\n") == 1 and err.startswith("error: ") and len(err) < 400, err
    assert code == (1 if target.endswith("crc.zip") else 2)


def test_one_damaged_case_never_breaks_case_list(home, make_case):
    make_case("OP-2026-018", title="Second case").close()
    for name, (damage, _) in sorted(DAMAGES.items()):
        other = home / f"BAD-{sorted(DAMAGES).index(name)}"
        shutil.copytree(home / CASE, other)
        damage(other)
    before = snapshot(home)
    result = invoke("case", "list", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows[CASE]["events"] >= 3 and rows[CASE]["title"] == "Star Models recruitment ads"
    assert rows["OP-2026-018"]["events"] == 1 and not rows["OP-2026-018"].get("unreadable")
    for number, name in enumerate(sorted(DAMAGES)):
        row = rows[f"BAD-{number}"]
        assert row["unreadable"] and row["events"] is None, (name, row)
        expected = DAMAGES[name][1].replace(CASE, f"BAD-{number}")
        assert expected in row["unreadable"] or "not a readable" in row["unreadable"], (name, row)
    table = invoke("case", "list")
    assert table.exit_code == 0 and table.stdout.count("unreadable") == len(DAMAGES)
    # Nor the search for a loose file's case: the good case still answers, each damaged one is a warning.
    page = home.parent / "ad-copy.html"
    with zipfile.ZipFile(home.parent / "bundle.zip") as archive:
        page.write_bytes(archive.read(next(n for n in archive.namelist() if "added-file" in n)))
    found = invoke("verify", str(page), "--json")
    assert found.exit_code == 0, found.output
    report = json.loads(found.stdout)
    assert [match["case_id"] for match in report["facts"]["cases"]] == [CASE]
    assert sum("could not be searched" in w for w in report["warnings"]) == len(DAMAGES)
    assert snapshot(home) == before


def test_text_that_is_not_utf8_is_refused_but_a_file_name_that_is_not_is_recorded(home, tmp_path):
    """argv may hold any bytes: a note or title must be UTF-8 to be signed, a file name is kept as escapes."""
    not_utf8 = b"\xcf\xf0\xe8\xeb\xee\xe6\xe5\xed\xe8\xe5".decode("utf-8", "surrogateescape")  # CP1251
    before = snapshot(home)
    for args in (
        ["ledger", "record", CASE, "--action", "note", "--note", not_utf8],
        ["add", str(tmp_path / "bundle.zip"), "--case", CASE, "--source", not_utf8],
        ["case", "create", "OP-9", "--title", not_utf8, "--investigator", "I"],
        [f"--home={not_utf8}", "case", "list"],
    ):
        refused(invoke(*args), 2, says="\\xcf\\xf0\\xe8")
    assert snapshot(home) == before
    photo = tmp_path / f"{not_utf8}.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo")
    result = invoke("add", str(photo), "--case", CASE, "--json")
    assert result.exit_code == 0, result.output
    events = json.loads(invoke("ledger", CASE, "--json").stdout)
    [added] = [e for e in events if e["action"] == "add" and e["details"]["original_name"].endswith(".jpg")]
    assert added["details"]["original_name"] == "\\xcf\\xf0\\xe8\\xeb\\xee\\xe6\\xe5\\xed\\xe8\\xe5.jpg"
    assert invoke("verify", CASE).exit_code == 0


# -- bundle zips --------------------------------------------------------------------------------------
def rebuild(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the bundle zip with some entries' bytes replaced (None: left out)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            tail = info.filename.split("/", 1)[-1]
            data = change.get(tail, old.read(info)) if tail in change else old.read(info)
            if data is not None:
                new.writestr(info, data)
    return target


def flip_in_entry(source: Path, target: Path, name: str) -> Path:
    """Flip one byte inside an entry's compressed data: its CRC-32 no longer matches."""
    shutil.copy(source, target)
    with zipfile.ZipFile(target) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(name))
    with open(target, "r+b") as handle:
        handle.seek(info.header_offset + 26)
        name_length, extra_length = int.from_bytes(handle.read(2), "little"), int.from_bytes(handle.read(2), "little")
        handle.seek(info.header_offset + 30 + name_length + extra_length + info.compress_size // 2)
        byte = handle.read(1)
        handle.seek(-1, io.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0x5A]))
    return target


def wacz_with_bad_crc(tmp_path: Path) -> bytes:
    """A small WACZ whose WARC entry is stored (not compressed) with one byte changed after zipping."""
    warc = b"WARC/1.1\r\nWARC-Type: resource\r\n\r\n" + b"evidence " * 400
    package = {
        "profile": "data-package",
        "resources": [
            {"path": "archive/data.warc", "hash": "sha256:" + hashlib.sha256(warc).hexdigest(), "bytes": len(warc)}
        ],
    }
    package_bytes = json.dumps(package).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.warc", warc)
        archive.writestr("datapackage.json", package_bytes)
        archive.writestr(
            "datapackage-digest.json",
            json.dumps({"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}),
        )
    data = bytearray(buffer.getvalue())
    data[data.index(b"evidence evidence") + 3] ^= 0x20
    return bytes(data)


def test_a_bad_crc_inside_the_bundle_zip_fails_verification_in_one_line(home, tmp_path):
    before = snapshot(home)
    for name in ("bagit.txt", "manifest-sha256.txt", "data/ledger/ledger.jsonl", "data/report/report.pdf"):
        line = refused(
            invoke("verify", str(flip_in_entry(tmp_path / "bundle.zip", tmp_path / "crc.zip", name))), exit_code=1
        )
        assert name in line and ("CRC" in line or "damaged" in line), line
    assert snapshot(home) == before


def test_a_wacz_with_a_bad_crc_inside_a_bundle_is_a_finding(home, tmp_path):
    """A WACZ nested in the bundle is opened by the WACZ check: its bad CRC is a named finding."""
    from chain_of_custody.report import Report
    from chain_of_custody.wacz_check import check_wacz

    wacz = tmp_path / "capture.wacz"
    wacz.write_bytes(wacz_with_bad_crc(tmp_path))
    report = Report(target=str(wacz), kind="bundle")
    check_wacz(wacz, "data/wacz/capture.wacz", report)
    assert not report.ok
    [finding] = report.findings
    assert finding.check == "wacz" and finding.where == "data/wacz/capture.wacz: archive/data.warc"
    assert "Bad CRC-32" in finding.message


@pytest.mark.parametrize(
    "name", ["manifest-sha256.txt", "tagmanifest-blake3.txt", "bagit.txt", "bag-info.txt", "data/ledger/ledger.jsonl"]
)
def test_a_non_utf8_tag_file_or_ledger_fails_the_bundle(home, tmp_path, name):
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        original = archive.read(next(n for n in archive.namelist() if n.endswith("/" + name)))
    bundle = rebuild(tmp_path / "bundle.zip", tmp_path / "bad.zip", {name: b"\xff\xfe" + original})
    before = snapshot(home)
    result = invoke("verify", str(bundle))
    if result.exit_code == 1 and "VERIFICATION FAILED" in result.stdout:  # a finding in the report
        assert "ledger.jsonl" in result.stdout and "utf-8" in result.stdout.lower()
    else:
        line = refused(result, exit_code=1)
        assert name.rsplit("/", 1)[-1] in line and "not UTF-8" in line, line
    assert snapshot(home) == before


# -- generated input ----------------------------------------------------------------------------------
# What argv can hold on Linux: any bytes but NUL, decoded by Python with surrogateescape.
argv_text = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=300),
    st.binary(max_size=200).map(lambda b: b.replace(b"\0", b"").decode("utf-8", "surrogateescape")),
    st.integers(81, 6000).map(lambda n: "x" * n),
    st.sampled_from(["..", "../OP-2026-017", "/etc/passwd", ".", "-", "--help", "OP 2026", "a/b", "~"]),
)


@PROFILE
@given(case_id=argv_text, command=st.sampled_from(["show", "ledger", "selectors", "timestamp", "add", "verify"]))
@example(case_id="A" * 5000, command="show")
@example(case_id="\udcff\udcfe", command="ledger")
def test_any_case_id_is_refused_in_one_line(home, tmp_path, case_id, command):
    if case_id in (CASE, "--help", "-h") or case_id.startswith("-"):
        return
    (tmp_path / "new.txt").write_bytes(b"x")
    args = {
        "show": ["case", "show", case_id],
        "ledger": ["ledger", case_id],
        "selectors": ["selectors", case_id],
        "timestamp": ["timestamp", case_id],
        "add": ["add", str(tmp_path / "new.txt"), "--case", case_id],
        "verify": ["verify", case_id],
    }[command]
    before = snapshot(home)
    result = invoke(*args)
    if command == "verify" and result.exit_code == 1:  # an existing file or folder that is not evidence
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    else:
        refused(result, 2)
    assert snapshot(home) == before


private_hosts = st.sampled_from(
    [
        "127.0.0.1",
        "10.0.0.1",
        "192.168.1.20",
        "169.254.169.254",
        "[::1]",
        "localhost",
        "0.0.0.0",
        "[fe80::1]",
        "224.0.0.1",
        "172.16.5.4",
        "[::ffff:127.0.0.1]",
    ]
)
urls = st.one_of(
    argv_text.filter(lambda u: "://" not in u),
    st.builds(
        lambda scheme, rest: f"{scheme}://{rest}",
        st.sampled_from(["file", "ftp", "javascript", "data", "ws"]),
        argv_text,
    ),
    st.builds(
        lambda host, port, path: f"http://{host}{port}/{path}",
        private_hosts,
        st.sampled_from(["", ":80", ":8123"]),
        st.text(max_size=40).filter(lambda p: "\0" not in p),
    ),
    st.builds(lambda port: f"https://example.org:{port}/", st.sampled_from(["99999", "-1", "abc", "1e3"])),
    st.just("http:///no-host"),
    st.just("https://exa mple.org/"),
)


@PROFILE
@given(url=urls)
def test_any_bad_or_private_url_is_refused_before_a_browser_starts(home, url):
    if not url.strip() or url.startswith("-"):
        return
    before = snapshot(home)
    refused(invoke("capture", url, "--case", CASE), 2)
    assert snapshot(home) == before


def _special_files(tmp_path: Path) -> list[str]:
    fifo = tmp_path / "pipe"
    if not fifo.exists():
        os.mkfifo(fifo)
    sock = tmp_path / "sock"
    if not sock.exists():
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(sock))
    (tmp_path / "folder").mkdir(exist_ok=True)
    locked = tmp_path / "locked.txt"
    locked.write_bytes(b"secret")
    locked.chmod(0)
    return [
        str(fifo),
        str(sock),
        "/dev/zero",
        "/dev/null",
        "/dev/urandom",
        str(tmp_path / "folder"),
        str(tmp_path / "missing.jpg"),
    ] + ([str(locked)] if os.geteuid() != 0 else [])


PATH_COMMANDS = {
    "add": lambda path, out: ["add", path, "--case", CASE],
    "capture --from-file": lambda path, out: ["capture", "--case", CASE, "--from-file", path],
    "export --mla": lambda path, out: ["export", CASE, "--out", out, "--mla", path],
    "search --similar": lambda path, out: ["search", CASE, "--similar", path],
    "verify": lambda path, out: ["verify", path],
}


@PROFILE
@given(
    name=argv_text, special=st.integers(0, 7), use_special=st.booleans(), command=st.sampled_from(sorted(PATH_COMMANDS))
)
@example(name="", special=0, use_special=True, command="capture --from-file")  # a FIFO used to hang it
@example(name="", special=2, use_special=True, command="capture --from-file")  # /dev/zero used to fill memory
def test_any_path_that_is_not_a_readable_regular_file_is_refused_before_reading(
    home, tmp_path, name, special, use_special, command
):
    specials = _special_files(tmp_path)
    path = specials[special % len(specials)] if use_special else f"{tmp_path}/no-such-dir/{name}"
    before = snapshot(home)
    refused(invoke(*PATH_COMMANDS[command](path, str(tmp_path / "out"))), 2)
    assert snapshot(home) == before and not (tmp_path / "out").exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
settings_files = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["home", "keys_dir", "investigator", "tsas", "auto_timestamp", "chromium"]),
        json_values,
        max_size=4,
    ).map(lambda d: json.dumps(d).encode()),
    st.builds(
        lambda tsas: json.dumps({"tsas": tsas}).encode(),
        st.lists(
            st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {"url": json_values}, optional={"roots": json_values, "certificates": json_values}
                ),
            ),
            max_size=3,
        ),
    ),
    st.binary(max_size=200),
    st.just(b"[" * 50_000 + b"]" * 50_000),
)


@PROFILE
@given(raw=settings_files)
def test_any_settings_file_is_used_or_refused_in_one_line(home, raw):
    config = Path(os.environ["EVIDENCE_KIT_CONFIG"])
    config.write_bytes(raw)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        data = None
    before = snapshot(home)
    result = invoke("case", "list", "--json")
    if result.exit_code == 0:
        assert isinstance(data, dict), data
        listed = json.loads(result.stdout)
        assert isinstance(listed, list)
    else:
        refused(result, 2, says=f"settings file {config}")
    assert snapshot(home) == before


leaf_paths = sorted(
    {
        f"{top}.{key}"
        for top, value in mla.parse_form(mla.form_template()).items()
        if isinstance(value, dict)
        for key in value
    }
    | {top for top, value in mla.parse_form(mla.form_template()).items() if not isinstance(value, dict)}
)


@PROFILE
@given(changes=st.dictionaries(st.sampled_from(leaf_paths), json_values, min_size=1, max_size=3))
def test_any_mla_form_is_parsed_or_refused_naming_the_field(changes):
    form = mla.parse_form(mla.form_template())
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target = form
        for part in parents:
            target = target[part]
        target[last] = value
    try:
        parsed = mla.parse_form(json.dumps(form))
    except InvalidInput as exc:
        message = str(exc)
        assert any(dotted.split(".")[0] in message for dotted in changes), message
        return
    # Accepted: every field the annexes read as text is text (or empty), and the rest keep their shape.
    for dotted in changes:
        value = mla.form_value(parsed, dotted)
        template_value = mla.form_value(mla.parse_form(mla.form_template()), dotted)
        if value is None or isinstance(template_value, dict):
            continue
        assert type(value) is type(template_value) or isinstance(template_value, list), (dotted, value)
    mla.missing_fields(parsed)


@PROFILE
@given(changes=st.dictionaries(st.sampled_from(leaf_paths), json_values, min_size=1, max_size=3))
def test_a_refused_mla_form_changes_nothing_and_exports_nothing(home, tmp_path, changes):
    form = mla.parse_form(mla.form_template())
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target = form
        for part in parents:
            target = target[part]
        target[last] = value
    try:
        mla.parse_form(json.dumps(form))
        return  # an acceptable form: exporting it is the export tests' business
    except InvalidInput:
        pass
    before = snapshot(home)
    refused(invoke("export", CASE, "--out", str(tmp_path / "out"), "--mla", str(write_form(tmp_path, form))), 2)
    assert snapshot(home) == before and not (tmp_path / "out").exists()


def _mutations(names: list[str]) -> st.SearchStrategy[tuple[str, str, bytes]]:
    return st.tuples(
        st.sampled_from(["replace", "drop", "prefix", "truncate", "deep", "list"]),
        st.sampled_from(names),
        st.binary(max_size=64),
    )


@pytest.fixture
def bundle_names(home, tmp_path) -> list[str]:
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        return [n.split("/", 1)[-1] for n in archive.namelist() if not n.endswith("/")]


@PROFILE
@given(data=st.data())
def test_any_crafted_bundle_zip_verifies_or_fails_in_a_report_or_one_line(home, tmp_path, bundle_names, data):
    kind, name, noise = data.draw(_mutations(bundle_names))
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        original = archive.read(next(n for n in archive.namelist() if n.endswith("/" + name)))
    new = {
        "replace": noise,
        "drop": None,
        "prefix": noise + original,
        "truncate": original[: len(original) // 2],
        "deep": b"[" * 50_000 + b"]" * 50_000,
        "list": b"[1, 2, 3]\n",
    }[kind]
    if new == original:
        return
    bundle = rebuild(tmp_path / "bundle.zip", tmp_path / "crafted.zip", {name: new})
    before = snapshot(home)
    result = invoke("verify", str(bundle), "--json")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback for {kind} {name}: {result.exception!r}") from result.exception
    if name == "bagit.txt" and kind == "drop":  # issue 11 section 3: a bag without it fails, naming it
        assert result.exit_code == 1
        assert ("bagit", "bagit.txt") in {(f["check"], f["where"]) for f in json.loads(result.stdout)["findings"]}
    elif result.exit_code == 1 and result.stdout.strip():
        report = json.loads(result.stdout)
        assert not report["ok"] and report["findings"], report
    else:
        refused(result, 1)
    assert snapshot(home) == before


@PROFILE
@given(offset=st.integers(0, 10**9), value=st.integers(1, 255))
def test_any_flipped_byte_of_a_bundle_zip_never_shows_a_traceback(home, tmp_path, offset, value):
    data = bytearray((tmp_path / "bundle.zip").read_bytes())
    data[offset % len(data)] ^= value
    (tmp_path / "flipped.zip").write_bytes(bytes(data))
    before = snapshot(home)
    result = invoke("verify", str(tmp_path / "flipped.zip"))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback at offset {offset % len(data)}: {result.exception!r}") from result.exception
    # A flip in zip bookkeeping that Python ignores (a date, a comment) may still verify.
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        refused(result, 2, says="zip")
    assert snapshot(home) == before
