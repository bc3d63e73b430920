"""Checks that the index tables in ``ledger.sqlite`` say only what the signed records say.

The ``artefacts`` table and the ``md_*`` tables are derived data (see :mod:`index_rows`), but
``case show``, ``selectors`` and ``search`` read them: an edited row would show a phone number or a
photo's GPS position that no signed artefact holds. So both are checked against what they are derived
from:

``index-artefacts``  each row of the ``artefacts`` table is the first record of that artefact in the
                     events (BLAKE3, SHA-256, size, MIME type, first event and its time); a row no event
                     records, a row that differs and a recorded artefact without a row are findings.
``index-metadata``   the ``md_*`` tables hold exactly the rows derived from the recorded description
                     artefacts, the text artefacts they name and the capture records (each read once
                     and checked against its recorded BLAKE3 first); an extra row, a changed row and a
                     missing row are findings naming the table and the row.

                     The full-text index ``md_texts_fts`` (search matches through it) must hold
                     exactly the words of the ``md_texts`` rows (FTS5's integrity check, run on a
                     temporary copy): a planted or removed word is a finding naming the row.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from .checks import describe
from .errors import Finding
from .index_rows import COLUMNS, KEYS, Row, Rows, Signed, derive, read_signed, read_table
from .report import Report

ARTEFACT_COLUMNS = ("sha256", "size", "mime", "first_seq", "first_time")


def _fail(report: Report, check: str, where: str, message: str, expected: Any = None, found: Any = None) -> None:
    report.fail(
        check,
        describe(check),
        Finding(
            check, where, message, None if expected is None else str(expected), None if found is None else str(found)
        ),
    )


def check_index(case_dir: Path, expected: dict[str, Any], report: Report) -> None:
    """Both index checks on a case folder.

    ``expected`` (the artefacts the chain walk found) is taken for the catalogue's common signature and
    not used: the check reads the events itself, as it needs each first record's MIME type and time.
    """
    ledger = case_dir / "ledger.sqlite"
    if not ledger.is_file():
        return  # the ledger check reports it
    try:
        connection = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return
    try:
        # One read snapshot for the events and the rows derived from them: a describe committing meanwhile
        # (its event and its rows in one transaction) is either wholly seen or not at all.
        connection.execute("BEGIN")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        signed = read_signed(case_dir, connection)
        check_artefacts_table(connection, signed, tables, report)
        check_metadata_tables(connection, signed, tables, report)
    except sqlite3.DatabaseError as exc:
        _fail(report, "index-metadata", "ledger.sqlite", f"the index tables cannot be read: {exc}")
    finally:
        connection.close()


def check_artefacts_table(connection: sqlite3.Connection, signed: Signed, tables: set[str], report: Report) -> None:
    if "artefacts" not in tables:
        if signed.first:
            _fail(report, "index-artefacts", "table artefacts", "the artefacts index table is missing")
        return
    seen: set[str] = set()
    for blake3, *values in connection.execute(
        "SELECT blake3, sha256, size, mime, first_seq, first_time FROM artefacts ORDER BY rowid"
    ):
        where = f"table artefacts row {blake3}"
        first = signed.first.get(blake3)
        seen.add(blake3)
        if first is None:
            _fail(report, "index-artefacts", where, "no event records this artefact")
            continue
        recorded = (first.sha256, first.size, first.mime, first.seq, first.time)
        differ = [name for name, a, b in zip(ARTEFACT_COLUMNS, recorded, values, strict=True) if a != b]
        if differ:
            column = differ[0]
            at = ARTEFACT_COLUMNS.index(column)
            _fail(
                report,
                "index-artefacts",
                where,
                f"differs from event {first.seq} in {', '.join(differ)}",
                recorded[at],
                values[at],
            )
        else:
            report.passed_item("index-artefacts", describe("index-artefacts"))
    for blake3, first in signed.first.items():
        if blake3 not in seen:
            _fail(
                report,
                "index-artefacts",
                f"table artefacts row {blake3}",
                f"missing: event {first.seq} records this artefact",
            )


def check_metadata_tables(connection: sqlite3.Connection, signed: Signed, tables: set[str], report: Report) -> None:
    derived = derive(signed)
    present = tables.issuperset(COLUMNS)
    if not present:
        if any(rows for _, rows in derived.tables()):
            _fail(report, "index-metadata", "md_* tables", "the metadata index tables are missing")
        return
    # A description (or the text it names) that is not as recorded vouches for nothing: one finding for
    # the file, and the rows of the artefact it describes are not compared one by one.
    unusable = {p.source for p in signed.problems if p.source}
    for problem in signed.problems:
        if problem.source:
            _fail(
                report,
                "index-metadata",
                problem.where,
                f"{problem.message}: the index rows of {problem.source} rest on nothing signed",
            )
        else:
            report.warnings.append(f"index check: {problem.where}: {problem.message}")
    for table, rows in derived.tables():
        if table in KEYS:
            _compare_keyed(connection, table, derived, report, unusable)
        else:
            _compare_listed(connection, table, rows, report, unusable)
    if "md_texts_fts" in tables:
        _compare_fts(connection, report)


# The tokenizer of md_texts_fts (evidence_kit/metadata/index.py); words are compared as this one reads them.
FTS_TOKENIZE = "unicode61 remove_diacritics 2"


def _compare_fts(connection: sqlite3.Connection, report: Report) -> None:
    """FTS5's own integrity check of md_texts_fts against md_texts, on a copy (the check is a write
    statement, and verify opens the case read-only); when it fails, the rows are named word by word."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="index-check-") as folder:
        copy = sqlite3.connect(Path(folder) / "copy.sqlite")
        try:
            connection.backup(copy)
            copy.execute("INSERT INTO md_texts_fts (md_texts_fts, rank) VALUES ('integrity-check', 1)")
            agrees = True
        except sqlite3.DatabaseError:
            agrees = False
        finally:
            copy.close()
    if agrees:
        report.passed_item("index-metadata", describe("index-metadata"))
        return
    named = _name_fts_rows(connection, report)
    if not named:
        _fail(report, "index-metadata", "table md_texts_fts", "the search index does not match md_texts")


def _name_fts_rows(connection: sqlite3.Connection, report: Report) -> bool:
    """Which md_texts rows the search index misreads: every word (term, row, column, position) of
    md_texts_fts against an index of md_texts built in memory (the temp schema of this connection)."""
    try:
        connection.execute("CREATE VIRTUAL TABLE temp.ck_stored USING fts5vocab(main, md_texts_fts, 'instance')")
        connection.execute(f"CREATE VIRTUAL TABLE temp.ck_fresh USING fts5(title, text, tokenize='{FTS_TOKENIZE}')")
        connection.execute("INSERT INTO temp.ck_fresh (rowid, title, text) SELECT id, title, text FROM main.md_texts")
        connection.execute("CREATE VIRTUAL TABLE temp.ck_words USING fts5vocab(temp, ck_fresh, 'instance')")
        query = (
            "SELECT doc, min(term) FROM (SELECT doc, term, col, offset FROM temp.{} EXCEPT"
            " SELECT doc, term, col, offset FROM temp.{}) GROUP BY doc ORDER BY doc"
        )
        planted = connection.execute(query.format("ck_stored", "ck_words")).fetchall()
        missing = connection.execute(query.format("ck_words", "ck_stored")).fetchall()
    except sqlite3.DatabaseError:
        return False
    for doc, term in planted:
        _fail(
            report,
            "index-metadata",
            f"table md_texts_fts row {doc}",
            f"the search index holds words md_texts row {doc} does not (e.g. {term!r})",
        )
    for doc, term in missing:
        _fail(
            report,
            "index-metadata",
            f"table md_texts_fts row {doc}",
            f"the search index lacks words md_texts row {doc} holds (e.g. {term!r})",
        )
    return bool(planted or missing)


def _label(table: str, row: Row) -> str:
    columns = COLUMNS[table]
    if table == "md_selectors":
        capture = row[columns.index("capture_id")]
        return f"{row[0]} {row[1]!r} in {row[columns.index('artefact')]}" + (f", capture {capture}" if capture else "")
    if table == "md_texts":
        return f"text of {row[0]}" + (f" (capture {row[1]})" if row[1] else "")
    return " ".join(str(row[columns.index(k)]) for k in KEYS[table])


def _compare_keyed(
    connection: sqlite3.Connection, table: str, derived: Rows, report: Report, unusable: set[str]
) -> None:
    columns = COLUMNS[table]
    wanted = derived.keyed[table]
    seen = set()
    skip = unusable if table in ("md_descriptions", "md_images") else set()
    for rowid, row in read_table(connection, table):
        if row[0] in skip:
            continue
        key = tuple(row[columns.index(k)] for k in KEYS[table])
        where = f"table {table} row {rowid} ({_label(table, row)})"
        seen.add(key)
        right = wanted.get(key)
        if right is None:
            _fail(report, "index-metadata", where, "no recorded description or capture accounts for this row")
            continue
        differ = [i for i, (a, b) in enumerate(zip(right, row, strict=True)) if a != b]
        if differ:
            names = ", ".join(columns[i] for i in differ)
            _fail(
                report,
                "index-metadata",
                where,
                f"says something else than the signed records in {names}",
                right[differ[0]],
                row[differ[0]],
            )
        else:
            report.passed_item("index-metadata", describe("index-metadata"))
    for key, row in wanted.items():
        if key not in seen and row[0] not in skip:
            _fail(
                report,
                "index-metadata",
                f"table {table} ({_label(table, row)})",
                f"missing: a row event {row[-1] if table != 'md_descriptions' else row[-2]} accounts for",
            )


def _compare_listed(
    connection: sqlite3.Connection, table: str, rows: list[Row], report: Report, unusable: set[str]
) -> None:
    artefact = COLUMNS[table].index("artefact")
    wanted = Counter(r for r in rows if r[artefact] not in unusable)
    for rowid, row in read_table(connection, table):
        if row[artefact] in unusable:
            continue
        where = f"table {table} row {rowid} ({_label(table, row)})"
        if wanted[row] > 0:
            wanted[row] -= 1
            report.passed_item("index-metadata", describe("index-metadata"))
        else:
            _fail(report, "index-metadata", where, "no recorded description holds this row as it stands")
    for row, count in wanted.items():
        for _ in range(count):
            _fail(
                report,
                "index-metadata",
                f"table {table} ({_label(table, row)})",
                f"missing: a row the description recorded in event {row[-1]} holds",
            )
