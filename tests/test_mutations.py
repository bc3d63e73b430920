"""Issue 11: a seeded mutation harness over every file kind of a real case and of its exported bundle.

Each mutation is applied to a fresh copy and must either be caught (verify fails, naming a place) or be one
of the documented mutations that cannot change what a court reads (``CANNOT_MATTER`` below, each with the
test that proves it made no difference). The seed and the count are fixed, so a failure is reproducible:
``MUTATION_SEED=… MUTATION_COUNT=… pytest tests/test_mutations.py``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from chain_of_custody.bundle import verify_bundle
from chain_of_custody.errors import CustodyError
from chain_of_custody.keys import load_public_pem, public_pem
from chain_of_custody.verify import verify_case

SEED = int(os.environ.get("MUTATION_SEED", "2026"))
CASE_MUTATIONS = int(os.environ.get("MUTATION_COUNT", "220"))
BUNDLE_MUTATIONS = int(os.environ.get("MUTATION_COUNT_BUNDLE", "110"))

# The mutations that cannot change what a court reads, and how the harness proves each one made no difference.
CANNOT_MATTER = {
    "sqlite-no-row-changed": "a byte of ledger.sqlite whose change leaves every table's definition and every row "
    "identical (free pages, unused cell space, an index's entry in the schema): the file still opens and no value "
    "a command or a court reads differs",
    "json-layout": "white space or key order of case.json, a capture record copy or a timestamp record: the JSON "
    "value is identical afterwards (the court reads the value; stored artefacts are never re-laid out)",
    "pem-layout": "a byte of a public-key PEM file outside its key (the line ends, the text around the armour) "
    "that leaves the same public key",
    "index-row-number": "the row number (id) of an md_selectors or md_texts row: no command shows it, and the "
    "search index's own triggers renumber its entries in step, so every row still says the same",
    "manifest-hex-case": "a bit that turns a manifest's hex digit from lower to upper case or back: the digest "
    "is the same number (RFC 8493 2.1.3), and sha256sum -c and bagit.py read it the same",
    "planted-file": "a file planted in the case folder that no event names and no command reads (verify warns "
    "about planted files in the store; export takes only what the ledger names)",
}


def _writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR | (stat.S_IXUSR if path.is_dir() else 0))


def _flip(path: Path, rng: random.Random) -> int:
    data = bytearray(path.read_bytes())
    if not data:
        data.append(0)
        path.write_bytes(bytes(data))
        return 0
    offset = rng.randrange(len(data))
    data[offset] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))
    return offset


def _tables(ledger: Path) -> dict[str, list[tuple]] | None:
    """Every row of every table (schema included); None when the file no longer opens as SQLite."""
    try:
        connection = sqlite3.connect(f"file:{ledger}?mode=ro&immutable=1", uri=True)
        try:
            names = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            dump = {"sqlite_master": sorted(connection.execute("SELECT type, name, sql FROM sqlite_master"))}
            for name in names:
                dump[name] = sorted(map(repr, connection.execute(f'SELECT * FROM "{name}"')))
            connection.execute("PRAGMA integrity_check").fetchall()
            return dump
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return None


def _schema_names(dump: dict[str, list[tuple]] | None) -> list[tuple[str, str, str]]:
    """The tables and their declared columns (an index's entry only speeds look-ups; rows are read all the same).

    SQL keywords and identifiers are case-insensitive, so a definition is compared in lower case.
    """
    return [
        (kind, name.lower(), (sql or "").lower())
        for kind, name, sql in (dump or {}).get("sqlite_master", [])
        if kind == "table"
    ]


def _json_value(path: Path):
    try:
        return json.loads(path.read_bytes())
    except ValueError:
        return object()  # never equal to anything


# -- the mutations of a case -------------------------------------------------------------------------------
def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.glob(pattern) if p.is_file())


def mutate_case(case: Path, rng: random.Random) -> tuple[str, str | None]:
    """Apply one random mutation; return (what was done, a CANNOT_MATTER key if it provably changed nothing)."""
    kinds: list[tuple[str, Callable[[], tuple[str, str | None]]]] = []
    artefacts = _files(case, "artefacts/??/*")
    ledger = case / "ledger.sqlite"

    def artefact_byte():
        path = rng.choice(artefacts)
        return f"flip a bit at {_flip(path, rng)} of {path.name[:12]}", None

    def artefact_size():
        path = rng.choice(artefacts)
        data = path.read_bytes()
        path.write_bytes(data[:-1] if data and rng.random() < 0.5 else data + b"\n")
        return f"change the length of {path.name[:12]}", None

    def artefact_delete():
        path = rng.choice(artefacts)
        path.unlink()
        return f"delete {path.name[:12]}", None

    def ledger_field():
        column = rng.choice(
            [
                "time",
                "actor",
                "key_id",
                "action",
                "case_id",
                "artefacts",
                "details",
                "prev_hash",
                "entry_hash",
                "signature",
            ]
        )
        with sqlite3.connect(ledger) as connection:
            seqs = [r[0] for r in connection.execute("SELECT seq FROM events")]
            seq = rng.choice(seqs)
            value = connection.execute(f"SELECT {column} FROM events WHERE seq=?", (seq,)).fetchone()[0]
            index = rng.randrange(len(value))
            replacement = "Z" if value[index] != "Z" else "Y"
            connection.execute(
                f"UPDATE events SET {column}=? WHERE seq=?", (value[:index] + replacement + value[index + 1 :], seq)
            )
        return f"edit {column} of event {seq}", None

    def ledger_seq():
        with sqlite3.connect(ledger) as connection:
            seqs = [r[0] for r in connection.execute("SELECT seq FROM events")]
            seq = rng.choice(seqs)
            if rng.random() < 0.5:
                connection.execute("DELETE FROM events WHERE seq=?", (seq,))
                return f"delete event {seq}", None
            connection.execute("DELETE FROM events WHERE seq>=?", (seq,))
            return f"cut the ledger from event {seq}", None

    def ledger_raw():
        before = _tables(ledger)
        offset = _flip(ledger, rng)
        after = _tables(ledger)
        changed = sorted(
            t for t in set(before or {}) | set(after or {}) if (before or {}).get(t) != (after or {}).get(t)
        )
        rows_same = (
            after is not None and changed in ([], ["sqlite_master"]) and _schema_names(before) == _schema_names(after)
        )
        if "sqlite_master" in changed:
            master = [set((dump or {}).get("sqlite_master", [])) for dump in (before, after)]
            changed.append(repr(master[0] ^ master[1]))
        return (
            f"flip a bit at byte {offset} of ledger.sqlite (changed: {', '.join(changed) or 'nothing'})",
            "sqlite-no-row-changed" if rows_same else None,
        )

    def index_row():
        with sqlite3.connect(ledger) as connection:
            tables = [
                r[0]
                for r in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND (name='artefacts' OR name LIKE 'md\\_%' "
                    "ESCAPE '\\') AND name NOT LIKE '%fts%'"
                )
            ]
            tables = [t for t in tables if connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]]
            table = rng.choice(tables)
            columns = [r[1] for r in connection.execute(f'PRAGMA table_info("{table}")')]
            rowid = rng.choice([r[0] for r in connection.execute(f'SELECT rowid FROM "{table}"')])
            action = rng.choice(["edit", "edit", "delete", "copy"])
            if action == "delete":
                connection.execute(f'DELETE FROM "{table}" WHERE rowid=?', (rowid,))
                return f"delete row {rowid} of {table}", None
            if action == "copy" and table != "artefacts":
                try:
                    connection.execute(f'INSERT INTO "{table}" SELECT * FROM "{table}" WHERE rowid=?', (rowid,))
                    return f"duplicate row {rowid} of {table}", None
                except sqlite3.IntegrityError:  # the table's key refuses a duplicate: edit the row instead
                    pass
            column = rng.choice(columns)
            value = connection.execute(f'SELECT "{column}" FROM "{table}" WHERE rowid=?', (rowid,)).fetchone()[0]
            new = (value + 1) if isinstance(value, int) else ("x" if value is None else str(value) + "x")
            try:
                connection.execute(f'UPDATE "{table}" SET "{column}"=? WHERE rowid=?', (new, rowid))
            except sqlite3.IntegrityError:
                connection.execute(f'DELETE FROM "{table}" WHERE rowid=?', (rowid,))
                return f"delete row {rowid} of {table}", None
            renumbered = column == "id" and table in ("md_selectors", "md_texts")
            return f"edit {column} of row {rowid} of {table}", "index-row-number" if renumbered else None

    def readable_json():
        path = rng.choice([case / "case.json", *_files(case, "captures/*.json"), *_files(case, "timestamps/*.json")])
        original = _json_value(path)
        before = original
        choice = rng.random()
        if choice < 0.25:  # lay it out anew: the same value
            path.write_text(json.dumps(before, indent=rng.choice([None, 1, 4]), sort_keys=rng.random() < 0.5), "utf-8")
        elif choice < 0.6 and isinstance(before, dict):
            key = rng.choice(sorted(before))
            before = dict(before)
            value = before[key]
            before[key] = (
                (value + 1) if isinstance(value, int) and not isinstance(value, bool) else (None if value else "forged")
            )
            path.write_text(json.dumps(before), "utf-8")
            return f"set {key} of {path.relative_to(case)} to {before[key]!r}", None
        else:
            _flip(path, rng)
        same = _json_value(path) == original
        return f"alter {path.relative_to(case)}", "json-layout" if same else None

    def key_file():
        path = rng.choice(_files(case, "keys/*"))
        before = path.read_bytes()
        _flip(path, rng)
        if path.suffix == ".pem":
            try:
                same = public_pem(load_public_pem(path.read_bytes())) == public_pem(load_public_pem(before))
            except Exception:
                same = False
            return f"flip a bit of {path.relative_to(case)}", "pem-layout" if same else None
        same = _json_value(path) == json.loads(before)
        return f"flip a bit of {path.relative_to(case)}", "json-layout" if same else None

    def plant():
        where = rng.choice(["notes.txt", "captures/extra.txt", "keys/readme.txt", "artefacts/zz/planted"])
        target = case / where
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(b"planted")
        return f"plant {where}", "planted-file"

    kinds += [
        ("artefact", artefact_byte),
        ("artefact", artefact_size),
        ("artefact", artefact_delete),
        ("ledger", ledger_field),
        ("ledger", ledger_field),
        ("ledger", ledger_seq),
        ("ledger-raw", ledger_raw),
        ("index", index_row),
        ("index", index_row),
        ("json", readable_json),
        ("json", readable_json),
        ("keys", key_file),
        ("plant", plant),
    ]
    return rng.choice(kinds)[1]()


# -- the mutations of a bundle -----------------------------------------------------------------------------
def mutate_bundle(bag: Path, rng: random.Random) -> tuple[str, str | None]:
    files = sorted(p for p in bag.rglob("*") if p.is_file())
    choice = rng.random()
    if choice < 0.6:
        path = rng.choice(files)
        before = path.read_bytes()
        offset = _flip(path, rng)
        # A manifest's hex digits read the same in either case (RFC 8493 2.1.3 allows both).
        same = "manifest-" in path.name and path.read_bytes().lower() == before.lower()
        return f"flip a bit at {offset} of {path.relative_to(bag)}", "manifest-hex-case" if same else None
    if choice < 0.75:
        path = rng.choice(files)
        path.unlink()
        return f"delete {path.relative_to(bag)}", None
    if choice < 0.9:
        where = rng.choice(["data/extra.txt", "data/artefacts/extra.bin", "extra-tag.txt", "data/ledger/more.jsonl"])
        (bag / where).write_bytes(b"planted")
        return f"plant {where}", None
    info = bag / "bag-info.txt"
    lines = info.read_text("utf-8").splitlines()
    index = rng.randrange(len(lines))
    lines[index] = lines[index] + " (edited)"
    info.write_text("\n".join(lines) + "\n", "utf-8")
    return f"edit bag-info.txt line {index + 1}", None


# -- the harness ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_every_case_mutation_is_caught_or_provably_harmless(exported_case, tmp_path):
    journal_dir = Path(exported_case.env["EVIDENCE_KIT_JOURNAL"])
    assert verify_case(exported_case.case_dir, journal_dir=journal_dir).ok
    rng = random.Random(SEED)
    missed, harmless = [], {}
    for number in range(CASE_MUTATIONS):
        copy = tmp_path / f"case-{number}"
        shutil.copytree(exported_case.case_dir, copy)
        _writable(copy)
        what, reason = mutate_case(copy, rng)
        report = verify_case(copy, journal_dir=journal_dir)
        if reason is not None:  # provably harmless: verify may still name the altered bytes, or pass
            harmless[reason] = harmless.get(reason, 0) + 1
        elif report.ok:
            missed.append(f"#{number} {what}: not caught")
        elif any(not f.where for f in report.findings):
            missed.append(f"#{number} {what}: a finding names no place")
        shutil.rmtree(copy)
    assert missed == [], "\n".join(missed)
    assert set(harmless) <= set(CANNOT_MATTER)


@pytest.mark.slow
def test_every_bundle_mutation_is_caught(exported_case, tmp_path):
    assert verify_bundle(exported_case.folder).ok
    rng = random.Random(SEED + 1)
    missed = []
    for number in range(BUNDLE_MUTATIONS):
        target = tmp_path / f"bag-{number}"
        target.mkdir()
        bag = exported_case.copy(target)
        what, harmless = mutate_bundle(bag, rng)
        try:
            report = verify_bundle(bag)
        except CustodyError as exc:  # refused in one line: caught only if it is a verification failure
            if exc.exit_code != 1:
                missed.append(f"#{number} {what}: refused with exit {exc.exit_code}: {exc}")
            shutil.rmtree(target)
            continue
        except Exception as exc:  # a traceback is a failure of its own
            missed.append(f"#{number} {what}: raised {type(exc).__name__}: {exc}")
            continue
        if report.ok and harmless is None:
            missed.append(f"#{number} {what}: not caught")
        shutil.rmtree(target)
    assert missed == [], "\n".join(missed)


@pytest.mark.slow
def test_a_changed_wacz_byte_and_a_changed_wacz_signature_are_caught(exported_case, tmp_path):
    """Issue 15: the two mutations of a signed WACZ, each on a fresh copy, each caught and named."""
    import base64
    import zipfile

    rng = random.Random(SEED + 2)
    (tmp_path / "byte").mkdir()
    first = exported_case.copy(tmp_path / "byte")
    wacz = sorted((first / "data" / "wacz").glob("*.wacz"))[0]
    _flip(wacz, rng)
    report = verify_bundle(first)
    assert not report.ok and any(wacz.name in f.where for f in report.findings)

    (tmp_path / "signature").mkdir()
    second = exported_case.copy(tmp_path / "signature")
    wacz = sorted((second / "data" / "wacz").glob("*.wacz"))[0]
    with zipfile.ZipFile(wacz) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(wacz, "w") as archive:
        for info, data in members:
            if info.filename == "datapackage-digest.json":
                digest = json.loads(data)
                signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
                signature[rng.randrange(len(signature))] ^= 1 << rng.randrange(8)
                digest["signedData"]["signature"] = base64.b64encode(bytes(signature)).decode()
                data = json.dumps(digest, indent=2).encode()
            archive.writestr(info, data)
    report = verify_bundle(second)
    assert any(f.check == "wacz-signature" and wacz.name in f.where for f in report.findings), report.findings
