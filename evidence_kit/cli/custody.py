"""``add``, ``ledger``, ``ledger record``, ``verify``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from ..custody_actions import MANUAL_ACTIONS
from .application import DefaultCommandGroup, app, settings
from .output import console, print_json, progress_bar, readable, short

# Each command imports what it uses when it runs (rich's tables, the verifier, the case): issue 16.


def _interactive() -> bool:
    return sys.stderr.isatty()


@app.command("add")
def add(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Files obtained elsewhere (photos, downloads, exports)."),
    case_id: str = typer.Option(..., "--case", help="Case id."),
    source: str = typer.Option(None, "--source", help="Where the files came from, e.g. 'handed over by W-3'."),
    investigator: str = typer.Option(None, "--investigator", help="Who adds them (default: the case lead)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Ingest files into a case: hashed once (BLAKE3 + SHA-256), stored read-only, recorded in the ledger."""
    from rich.table import Table

    from ..case import Case

    with Case.open(settings(ctx), case_id) as case:
        identity = case.identity(investigator)
        with progress_bar("adding", enabled=not as_json, unit="bytes") as progress:
            added = case.add_files(files, identity, source, on_progress=progress)
        from ..metadata.describe import errors_since

        for problem in errors_since(case, min((item.event.seq for item in added), default=0)):
            sys.stderr.write(f"warning: {readable(problem)}\n")
        rows = [
            {
                "file": str(item.source_path),
                "event": item.event.seq,
                "path": str(item.artefact.path.resolve()),
                "already_stored": not item.artefact.new,
                **item.artefact.ledger_entry(),
            }
            for item in added
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("file", "event", "BLAKE3", "SHA-256", "size", "type")
    for row in rows:
        table.add_row(
            f"{row['file']}{' (already stored)' if row['already_stored'] else ''}",
            str(row["event"]),
            short(str(row["blake3"])),
            short(str(row["sha256"])),
            f"{row['size']:,}",
            str(row["mime"]),
        )
    console.print(table)


ledger_app = typer.Typer(
    cls=DefaultCommandGroup,
    no_args_is_help=True,
    help="The custody log: 'ledger CASE_ID' shows it, 'ledger record' adds an event.",
)
app.add_typer(ledger_app, name="ledger")


def _summarise(details: dict[str, Any]) -> str:
    keep = [f"{k}={v}" for k, v in details.items() if k not in ("tool", "host", "os") and v not in (None, "", [])]
    text = "; ".join(keep)
    return text if len(text) < 120 else text[:117] + "…"


@ledger_app.command("show")
def ledger_show(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    as_json: bool = typer.Option(False, "--json", help="Print the events as JSON."),
) -> None:
    """Show the custody log of a case."""
    from rich.table import Table

    from ..case import Case

    with Case.open(settings(ctx), case_id) as case:
        if as_json:
            print_json([event.to_json() for event in case.events()])
            return
        table = Table("seq", "time (UTC)", "actor", "action", "artefacts", "details", title=f"custody log {case_id}")
        for event in case.events():
            table.add_row(
                str(event.seq),
                event.time,
                event.actor,
                event.action,
                "\n".join(short(a["blake3"]) for a in event.artefacts[:5])
                + (f"\n+{len(event.artefacts) - 5} more" if len(event.artefacts) > 5 else ""),
                _summarise(event.details),
            )
        console.print(table)
        head = case.ledger.head()
        console.print(f"head: {head}")


@ledger_app.command("record")
def ledger_record(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    action: str = typer.Option(..., "--action", help=f"One of: {', '.join(MANUAL_ACTIONS)}."),
    note: str = typer.Option(None, "--note", help="Free text: seal numbers, storage place, purpose."),
    to: str = typer.Option(None, "--to", help="Who receives the evidence (handover, transfer)."),
    investigator: str = typer.Option(None, "--investigator", help="Who records it (default: the case lead)."),
    as_json: bool = typer.Option(False, "--json", help="Print the event as JSON."),
) -> None:
    """Record a custody event by hand: handover, sealing, access, a note."""
    from ..case import Case

    with Case.open(settings(ctx), case_id) as case:
        event = case.record(case.identity(investigator), action, note, to)
    if as_json:
        print_json(event.to_json())
    else:
        console.print(f"Recorded event {event.seq} ({action}) at {event.time}: {event.entry_hash}")


@app.command(
    "verify",
    # The words go to verify's own parser (verify_command): --help too, so it has one help text.
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def verify(ctx: typer.Context) -> None:
    """Verify evidence: re-hash every artefact, walk the hash chain, check every signature and timestamp.

    TARGET is a case id, a case folder, a bundle folder or zip, or a file. Options: --expect-head HEAD,
    --trust FINGERPRINT, --fast, --json (``evidence-kit verify --help``). Exit 0 only when every check
    passes, 1 when anything fails.
    """
    from .verify_command import run

    raise typer.Exit(run(ctx.args, settings(ctx)))
