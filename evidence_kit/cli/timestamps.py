"""``timestamp``: RFC 3161 stamps of a case's ledger head and pending artefacts; stamps in ``case show``."""

from __future__ import annotations

from pathlib import Path

import typer

from ..config import TSA_TIMEOUT as DEFAULT_TIMEOUT
from .application import app, settings
from .output import console, err_console, print_json, short


@app.command("timestamp")
def timestamp(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    tsa: list[str] = typer.Option(None, "--tsa", help="TSA URL to ask (repeatable); replaces the configured TSAs."),
    tsa_root: list[Path] = typer.Option(
        None, "--tsa-root", help="Trusted root certificate (PEM) of the --tsa TSAs (repeatable)."
    ),
    tsa_cert: list[Path] = typer.Option(
        None,
        "--tsa-cert",
        help="The TSA's own certificate and intermediates (PEM), if its replies lack them (repeatable).",
    ),
    investigator: str = typer.Option(None, "--investigator", help="Who records the stamp (default: the case lead)."),
    timeout: float = typer.Option(DEFAULT_TIMEOUT, "--timeout", help="Seconds to wait for each TSA."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Get an RFC 3161 timestamp of the ledger head and every artefact not yet covered, from each TSA.

    Each token is verified at once, stored with its manifest and the TSA's certificates, and recorded
    as a custody event with the TSA's genTime. Exit 3 when no TSA gave a token.
    """
    from rich.table import Table

    from .. import timestamps
    from ..case import Case

    s = settings(ctx)
    chosen = timestamps.choose_tsas(s, tsa or (), tsa_root or (), tsa_cert or ())
    with Case.open(s, case_id) as case:
        identity = case.identity(investigator)
        outcome = timestamps.stamp_or_fail(case, identity, chosen, timeout)
    if as_json:
        print_json({"case_id": case_id, **outcome.to_json()})
        return
    console.print(f"Stamped ledger head {outcome.head} and {len(outcome.covered)} pending artefact(s)")
    table = Table("event", "TSA", "genTime (TSA)", "serial", "policy", title="RFC 3161 tokens")
    for stamp in outcome.stamps:
        row = stamp.to_json()
        table.add_row(str(row["event"]), row["tsa"], row["gen_time"], row["serial"], row["policy"])
    console.print(table)
    if outcome.manifest is not None:
        console.print(f"manifest {short(outcome.manifest.sha256)} at {outcome.manifest.path.resolve()}")
    console.print("To check by hand:")
    for stamp in outcome.stamps:
        console.print(f"  {stamp.command}", soft_wrap=True)
    for url, why in outcome.failures:
        err_console.print(f"[yellow]warning:[/yellow] {url}: {why}", soft_wrap=True)
