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

Not covered: the FTS5 shadow tables behind ``md_texts_fts`` (search matches through them, but every
hit shown is a checked ``md_texts`` row).
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
    """Both index checks on a case folder (``expected``: the artefacts the chain walk found)."""
    ledger = case_dir / "ledger.sqlite"
    if not ledger.is_file():
        return  # the ledger check reports it
    try:
        connection = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return
    try:
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
    for problem in signed.problems:
        report.warnings.append(f"index check: {problem.where}: {problem.message} (its index rows cannot be checked)")
    for table, rows in derived.tables():
        if table in KEYS:
            _compare_keyed(connection, table, derived, report)
        else:
            _compare_listed(connection, table, rows, report)


def _label(table: str, row: Row) -> str:
    columns = COLUMNS[table]
    if table == "md_selectors":
        return f"{row[0]} {row[1]!r} in {row[columns.index('artefact')]}"
    if table == "md_texts":
        return f"text of {row[0]}" + (f" (capture {row[1]})" if row[1] else "")
    return " ".join(str(row[columns.index(k)]) for k in KEYS[table])


def _compare_keyed(connection: sqlite3.Connection, table: str, derived: Rows, report: Report) -> None:
    columns = COLUMNS[table]
    wanted = derived.keyed[table]
    seen = set()
    for rowid, row in read_table(connection, table):
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
        if key not in seen:
            _fail(
                report,
                "index-metadata",
                f"table {table} ({_label(table, row)})",
                f"missing: a row event {row[-1] if table != 'md_descriptions' else row[-2]} accounts for",
            )


def _compare_listed(connection: sqlite3.Connection, table: str, rows: list[Row], report: Report) -> None:
    wanted = Counter(rows)
    for rowid, row in read_table(connection, table):
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
