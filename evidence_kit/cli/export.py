"""``export`` and ``mla-form``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import typer

from ..errors import InvalidInput
from .application import app, settings
from .output import console, err_console, print_json
from .personas import passphrase


def encrypted_personas(ctx: typer.Context, records: list[dict[str, Any]]) -> list[str]:
    """The encrypted personas the case's captures used (export needs their passphrase to check the bundle)."""
    from ..personas import used
    from ..personas.store import PersonaStore

    store = PersonaStore.for_settings(settings(ctx))
    return [n for n in used.names_in(records) if store.exists(n) and store.get(n).encrypted]


@app.command("export")
def export(
    ctx: typer.Context,
    case_id: str = typer.Argument(..., help="Case id."),
    out: Path = typer.Option(..., "--out", help="Where to write the bundle (a new folder, or a new .zip with --zip)."),
    as_zip: bool = typer.Option(
        False,
        "--zip",
        help="Write one deterministic zip; its SHA-256 and BLAKE3 are printed and recorded in the ledger.",
    ),
    captures: list[str] = typer.Option(
        None,
        "--captures",
        help="Export only these capture ids (repeat the option or separate with commas; added files and "
        "custody records always go).",
    ),
    mla_form: Path = typer.Option(None, "--mla", help="A filled MLA/preservation form (see 'evidence-kit mla-form')."),
    lang: str = typer.Option(
        "en", "--lang", help="Language of the report and the MLA annexes: en or fr (one file per language)."
    ),
    investigator: str = typer.Option(None, "--investigator", help="Who exports (default: the case lead)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Export a case as one self-contained evidence bundle (BagIt bag with WACZ, CASE/UCO, report, annexes).

    The export is recorded as a custody event; the bundle holds the ledger up to the head before it.
    """
    from ..case import Case
    from ..export import bundle, mla  # here, not at the top: other commands start without the exporter
    from ..export.job import ExportOptions
    from ..export.translate import languages

    if lang not in languages():
        raise InvalidInput(f"--lang must be one of {', '.join(languages())}, not {lang!r}")
    options = ExportOptions(lang=lang, mla_form=mla.load_form(mla_form) if mla_form is not None else None)
    with Case.open(settings(ctx), case_id) as case:
        identity = case.identity(investigator)
        if encrypted_personas(ctx, case.capture_records()):  # their secrets are looked for in the bundle
            options = dataclasses.replace(options, persona_passphrase=passphrase(confirm=False))
        progress = None if as_json else (lambda step: err_console.print(f"[dim]{step}…[/dim]"))
        result = bundle.export_case(
            case,
            identity,
            out,
            as_zip=as_zip,
            captures=[c for value in captures or [] for c in value.split(",") if c.strip()] or None,
            options=options,
            on_progress=progress,
        )
    for line in result.cleaned:
        sys.stderr.write(f"cleaned up: {line}\n")
    for warning in result.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    for field_name in result.mla_missing:
        sys.stderr.write(f"warning: MLA form field missing: {field_name}\n")
    if as_json:
        print_json(result.to_json())
        return
    console.print(f"Exported case [bold]{result.case_id}[/bold] to {result.path}", soft_wrap=True)
    console.print(f"  ledger cut at {result.head}; export recorded as event {result.event.seq}", soft_wrap=True)
    console.print(
        f"  {result.exhibits} exhibits, {result.artefacts} artefacts, Payload-Oxum {result.payload_oxum}",
        soft_wrap=True,
    )
    if result.zip_sha256:
        console.print(f"  zip SHA-256 {result.zip_sha256}", soft_wrap=True)
        console.print(f"  zip BLAKE3  {result.zip_blake3}", soft_wrap=True)


@app.command("mla-form")
def mla_form() -> None:
    """Print a commented MLA / preservation form template (JSON with // comments) to fill for 'export --mla'.

    Save it to a file, fill it in and give it to 'export --mla FILE': the annexes are written from it, and
    required fields left empty are listed in the export's result.
    """
    from ..export import mla

    sys.stdout.write(mla.form_template())
