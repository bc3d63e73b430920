"""``case create``, ``case list``, ``case show``, ``case add-investigator``, ``case update``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import typer

from chain_of_custody.errors import CustodyError

from ..config import Settings
from ..errors import InvalidInput
from .application import app, settings
from .output import console, print_json, short

case_app = typer.Typer(help="Create, list and show cases.", no_args_is_help=True)
app.add_typer(case_app, name="case")


@case_app.command("create")
def create(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id, e.g. OP-2026-017 (letters, digits, . _ -)."),
    title: str = typer.Option(..., "--title", help="What the case is about."),
    investigator: str = typer.Option(..., "--investigator", help="Your name; your signing key is made on first use."),
    jurisdiction: str = typer.Option(None, "--jurisdiction", help="Country or court, e.g. BG."),
    offence: str = typer.Option(None, "--offence", help="Offence under investigation."),
    region: str = typer.Option(None, "--region", help="Default phone region for local numbers (ISO 3166, e.g. BG)."),
    as_json: bool = typer.Option(False, "--json", help="Print the case as JSON."),
) -> None:
    """Create a new case folder with its custody ledger; the first custody event records the creation."""
    from ..case import Case

    case = Case.create(
        settings(ctx), case_id, title, investigator, jurisdiction, offence, region.upper() if region else None
    )
    with case:
        head = case.ledger.head()
        if as_json:
            print_json({**case.info, "path": str(case.path.resolve()), "head": str(head)})
            return
        lead = case.info["investigators"][0]
        console.print(f"Created case [bold]{case.id}[/bold] at {case.path}")
        console.print(f"Investigator {lead['name']} signs as {lead['key_id']}")
        console.print(
            f"Key fingerprint (give it to the court expert, who pins it with verify --trust): {lead['fingerprint']}",
            soft_wrap=True,
            highlight=False,
        )


@case_app.command("add-investigator")
def add_investigator(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    name: str = typer.Option(..., "--name", help="The investigator to enrol."),
    public_key: Path = typer.Option(
        None,
        "--public-key",
        exists=True,
        dir_okay=False,
        help="Their public key (PEM), made on their machine with 'evidence-kit key "
        "create'. Without it, their key on this machine is used, or made now.",
    ),
    by: str = typer.Option(None, "--by", help="The enrolled investigator who signs the enrolment (default: the lead)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Enrol another investigator's signing key in the case, in an event signed by an enrolled investigator.

    Only enrolled keys may sign a case's events; verify fails any event signed by another key.
    """
    from ..case import Case

    with Case.open(settings(ctx), case_id) as case:
        pem = public_key.read_bytes() if public_key else None
        event, created = case.enrol(case.identity(by), name, pem)
        record = event.details["investigator"]
    result = {
        "event": event.seq,
        "name": record["name"],
        "key_id": record["key_id"],
        "fingerprint": record["fingerprint"],
        "key_created": created,
    }
    if as_json:
        print_json(result)
        return
    if created:
        console.print(f"Created a signing key for {name} in {settings(ctx).keys_dir}")
    console.print(f"Enrolled {name} as {record['key_id']} in event {event.seq}")
    console.print(f"Key fingerprint: {record['fingerprint']}", soft_wrap=True, highlight=False)


@case_app.command("update")
def update(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    title: str = typer.Option(None, "--title", help="New title."),
    jurisdiction: str = typer.Option(None, "--jurisdiction", help="New jurisdiction."),
    offence: str = typer.Option(None, "--offence", help="New offence."),
    organisation: str = typer.Option(None, "--organisation", help="New organisation."),
    region: str = typer.Option(None, "--region", help="New default phone region (ISO 3166)."),
    authorisation: str = typer.Option(
        None,
        "--authorisation",
        help="The authority for covert (persona) access, e.g. 'Prosecutor's order 17/2026 of 3 Nov 2026'; "
        "carried into every persona capture's record.",
    ),
    investigator: str = typer.Option(None, "--investigator", help="Who changes it (default: the case lead)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Change the case's facts in a signed 'case-update' event; case.json is rewritten from the events."""
    changes = {
        k: v
        for k, v in {
            "title": title,
            "jurisdiction": jurisdiction,
            "offence": offence,
            "organisation": organisation,
            "default_region": region.upper() if region else None,
            "authorisation": authorisation,
        }.items()
        if v is not None
    }
    if not changes:
        raise InvalidInput(
            "say what to change: --title, --jurisdiction, --offence, --organisation, --region or --authorisation"
        )
    from ..case import Case

    with Case.open(settings(ctx), case_id) as case:
        event = case.update(case.identity(investigator), changes)
    if as_json:
        print_json({"event": event.seq, "changes": event.details["changes"]})
        return
    console.print(
        f"Recorded event {event.seq} (case-update): "
        + ", ".join(f"{k} = {v!r}" for k, v in event.details["changes"].items())
    )


@case_app.command("list")
def list_cases(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the cases in the home folder (a damaged case is listed as unreadable, with why)."""
    from rich.markup import escape
    from rich.table import Table

    from ..case import Case

    s = settings(ctx)
    rows = []
    for case_id in Case.list_ids(s):
        rows.append(_list_row(s, case_id))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"No cases in {s.home}")
        return
    table = Table("case", "title", "created", "events", "artefacts")
    for row in rows:
        if row.get("unreadable"):
            table.add_row(escape(row["id"]), f"[red]unreadable:[/red] {escape(row['unreadable'])}", "", "", "")
            continue
        table.add_row(
            escape(row["id"]), escape(str(row["title"])), str(row["created"]), str(row["events"]), str(row["artefacts"])
        )
    console.print(table)


def _list_row(s: Settings, case_id: str) -> dict[str, Any]:
    """One case's line; a damaged case (case.json, ledger) becomes a line saying why, never an abort."""
    from ..case import Case

    try:
        with Case.open(s, case_id) as case:
            head = case.ledger.head()
            return {
                "id": case.id,
                "title": case.info.get("title"),
                "created": case.info.get("created"),
                "events": head.seq if head else 0,
                "artefacts": len(case.artefact_rows()),
            }
    except (CustodyError, sqlite3.DatabaseError, OSError) as exc:
        reason = str(exc) if isinstance(exc, CustodyError) else f"{type(exc).__name__}: {exc}"
        return {"id": case_id, "unreadable": reason, "title": None, "created": None, "events": None, "artefacts": None}


@case_app.command("show")
def show(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one case: its details, artefacts, captures and ledger head."""
    from rich.table import Table

    from ..case import Case
    from ..overview import case_overview

    with Case.open(settings(ctx), case_id) as case:
        summary = case_overview(case)
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{summary['id']}[/bold]  {summary['title']}")
    console.print(f"created {summary['created']}; ledger head {summary['head']} ({summary['events']} events)")
    console.print("investigators: " + ", ".join(f"{i['name']} ({i['key_id']})" for i in summary["investigators"]))
    for warning in summary.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    table = Table("first event", "role", "BLAKE3", "SHA-256", "size", "type", title="artefacts")
    for row in summary["artefacts"]:
        table.add_row(
            str(row["first_seq"]),
            row["role"] or "",
            short(row["blake3"]),
            short(row["sha256"]),
            f"{row['size']:,}",
            row["mime"] or "",
        )
    console.print(table)
    if summary.get("timestamps"):
        stamps = Table("event", "status", "TSA", "genTime (TSA clock)", "serial", "covers", title="RFC 3161 timestamps")
        for stamp in summary["timestamps"]:
            head = stamp.get("covered_head") or {}
            covers = f"ledger to event {head.get('seq')}, {stamp.get('covered_artefacts', 0)} artefact(s)"
            stamps.add_row(
                str(stamp.get("event")),
                str(stamp.get("status")),
                str(stamp.get("tsa")),
                str(stamp.get("gen_time") or ""),
                str(stamp.get("serial") or ""),
                covers,
            )
        console.print(stamps)
    if summary["captures"]:
        captures = Table("capture", "status", "started", "url", title="captures")
        for c in summary["captures"]:
            captures.add_row(str(c["id"]), str(c["status"]), str(c["started"]), str(c["url"]))
        console.print(captures)
