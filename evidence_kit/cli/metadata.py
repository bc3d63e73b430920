"""``describe``, ``selectors``, ``search`` (text and selectors, or ``--similar`` photos)."""

from __future__ import annotations

import time

import typer

from ..errors import InvalidInput
from ..metadata.imagehash import DEFAULT_MAX_DISTANCE
from .application import app, settings
from .output import console, err_console, print_json, progress_bar, short


@app.command("describe")
def describe(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    investigator: str = typer.Option(None, "--investigator", help="Who runs it (default: the case lead)."),
    rebuild_index: bool = typer.Option(
        False,
        "--rebuild-index",
        help="Write the index tables again from the ledger and the description artefacts (when verify finds"
        " index-artefacts or index-metadata failures); recorded as a 'reindex' custody event.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """(Re)describe artefacts not described yet: file type, embedded metadata and GPS, page metadata,
    selectors, photo hashes. One custody event lists every description; originals are never changed."""
    from rich.markup import escape
    from rich.table import Table

    from ..case import Case
    from ..metadata import describe as describing

    if rebuild_index:
        _rebuild(ctx, case_id, investigator, as_json)
        return
    with Case.open(settings(ctx), case_id) as case:
        identity = case.identity(investigator)
        started = time.monotonic()
        with progress_bar("describing", enabled=not as_json) as progress:
            result = describing.describe(case, identity, on_progress=progress)
        seconds = time.monotonic() - started
    if as_json:
        print_json({**result.to_json(), "seconds": f"{seconds:.3f}"})
        return
    if result.nothing_to_do:
        console.print(f"Nothing to describe: all {result.already} artefacts of {case_id} are already described.")
        return
    table = Table(
        "artefact",
        "role",
        "type",
        "GPS",
        "selectors",
        "flags",
        title=f"described in event {result.event.seq if result.event else '-'}",
    )
    for item in result.described:
        table.add_row(
            short(item.source),
            item.role or "",
            escape(item.mime),
            escape(f"{item.gps.readable} ({item.gps.latitude}, {item.gps.longitude})") if item.gps else "",
            str(item.selectors),
            ", ".join(item.flags),
        )
    console.print(table)
    if result.media:
        console.print(f"{len(result.media)} images/videos taken from WARC responses (role media).")
    for error in result.errors:
        console.print(f"[yellow]warning:[/yellow] {error}")
    event = f"custody event {result.event.seq}" if result.event else "no custody event"
    console.print(f"Described {len(result.described)} artefacts in {seconds:.2f} s; {event}.")


def _rebuild(ctx: typer.Context, case_id: str, investigator: str | None, as_json: bool) -> None:
    from rich.markup import escape

    from ..case import Case
    from ..metadata import describe as describing

    with Case.open(settings(ctx), case_id) as case:
        result = describing.rebuild_index(case, case.identity(investigator))
    if as_json:
        print_json(
            {
                "event": result.event.seq if result.event else None,
                "rows": result.rows,
                "findings_before": result.findings_before,
                "unusable": result.unusable,
            }
        )
        return
    if result.event is None:
        console.print(f"The index of {case_id} already agrees with its signed records: nothing rebuilt.")
        return
    console.print(
        f"Rebuilt the index of {case_id} from the ledger and the descriptions ({len(result.findings_before)}"
        f" finding(s) before); custody event {result.event.seq} (reindex)."
    )
    for table, count in result.rows.items():
        console.print(f"  {table}: {count} rows")
    for problem in result.unusable:
        console.print(f"[yellow]warning:[/yellow] {escape(problem)} (no rows from it)")


def _left_out(left_out: dict[str, str]) -> None:
    from rich.markup import escape

    for other, why in left_out.items():
        err_console.print(
            f"warning: case {other} left out: its metadata index does not check against its signed records:"
            f" {escape(why)}"
        )


@app.command("selectors")
def selectors(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    kind: str = typer.Option(None, "--kind", help="Only this kind (phone, email, telegram, bitcoin, iban, …)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Selectors found in a case: phones (E.164), e-mails, handles, wallets, IBANs, GPS, URLs; with counts,
    where they were found, and the other cases under the home folder that hold the same selector."""
    from rich.markup import escape
    from rich.table import Table

    from ..metadata import search as searching

    left_out: dict[str, str] = {}
    found = searching.list_selectors(settings(ctx), case_id, left_out=left_out)
    _left_out(left_out)
    if kind:
        found = [s for s in found if s.kind == kind]
    if as_json:
        print_json([s.to_json() for s in found])
        return
    if not found:
        console.print(f"No selectors in {case_id} (run 'evidence-kit describe {case_id}' first?).")
        return
    table = Table("kind", "value", "count", "where", "also in cases", title=f"selectors of {case_id}")
    for s in found:
        where = sorted(
            {p.capture_id and f"{p.capture_id} {p.url or ''}" or f"{short(p.artefact)} {p.url or ''}" for p in s.places}
        )
        shown = "\n".join(w.strip() for w in where[:3]) + (f"\n+{len(where) - 3} more" if len(where) > 3 else "")
        style = "bold red" if s.other_cases else None
        table.add_row(s.kind, escape(s.value), str(s.count), escape(shown), ", ".join(s.other_cases), style=style)
    console.print(table)
    crossing = [s for s in found if s.other_cases]
    if crossing:
        console.print(f"[bold red]{len(crossing)} selector(s) also appear in other cases.[/bold red]")


@app.command("search")
def search(
    ctx: typer.Context,
    words: list[str] = typer.Argument(None, help="CASE_ID QUERY, or with --all just QUERY."),
    all_cases: bool = typer.Option(False, "--all", help="Search every case under the home folder."),
    similar: str = typer.Option(None, "--similar", help="An image file or an artefact digest: find near-duplicates."),
    max_distance: int = typer.Option(
        DEFAULT_MAX_DISTANCE,
        "--max-distance",
        help="Largest pHash distance (bits of 64) that counts as the same photo.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find a selector (a phone in any notation, a handle, a wallet) or words in captured text, in one case
    or --all; or with --similar IMAGE_OR_DIGEST, resized, recompressed or cropped copies of a photo."""
    from rich.markup import escape
    from rich.table import Table

    from ..metadata import search as searching

    words = list(words or [])
    case_id = None if all_cases else (words.pop(0) if words else None)
    if case_id is None and not all_cases:
        raise InvalidInput("give a case id or --all")
    s = settings(ctx)
    if similar:
        if words:
            raise InvalidInput("--similar takes no query words")
        left_out: dict[str, str] = {}
        hashes, matches = searching.similar(s, case_id, similar, max_distance, left_out=left_out)
        _left_out(left_out)
        if as_json:
            print_json(
                {
                    "target": similar,
                    **hashes.to_json(),
                    "max_distance": max_distance,
                    "matches": [m.to_json() for m in matches],
                }
            )
            return
        if not matches:
            console.print(f"No photo within distance {max_distance} of {similar}.")
            return
        table = Table("case", "artefact", "pHash dist.", "dHash dist.", "size", "url / capture", title="similar photos")
        for m in matches:
            table.add_row(
                m.case_id,
                short(m.blake3),
                str(m.phash_distance),
                str(m.dhash_distance),
                f"{m.width}×{m.height}",
                escape(" ".join(filter(None, [m.url, m.capture_id]))),
            )
        console.print(table)
        return
    query = " ".join(words)
    if not query:
        raise InvalidInput("give something to search for")
    left_out = {}
    hits = searching.search(s, case_id, query, left_out=left_out)
    _left_out(left_out)
    if as_json:
        print_json([h.to_json() for h in hits])
        return
    if not hits:
        console.print(f"No match for {query!r}.")
        return
    table = Table("case", "capture", "url", "time", "match", "snippet", title=f"search {query!r}")
    for h in hits:
        table.add_row(
            h.case_id,
            h.capture_id or short(h.artefact or ""),
            escape(h.url or ""),
            h.time or "",
            escape(f"{h.kind} {h.value}") if h.match == "selector" else "text",
            escape(h.snippet),
        )
    console.print(table)
