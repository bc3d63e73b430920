"""``key create``, ``key list``: investigators' signing keys on this machine (outside every case)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import InvalidInput
from .application import app, settings
from .output import console, print_json

key_app = typer.Typer(help="Signing keys of investigators on this machine.", no_args_is_help=True)
app.add_typer(key_app, name="key")


@key_app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The investigator's name."),
    public_out: Path = typer.Option(None, "--public-out", help="Also write the public key (PEM) here, to hand over."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Make an investigator's Ed25519 signing key (private, 0600, in the keys folder).

    A key signs nothing until the case lead enrols it: 'evidence-kit case add-investigator CASE --name NAME
    --public-key PEM'.
    """
    from chain_of_custody.keys import fingerprint_of, load_or_create, public_pem

    keys_dir = settings(ctx).keys_dir
    identity, created = load_or_create(keys_dir, name)
    if not created:
        raise InvalidInput(f"{name!r} already has a signing key in {keys_dir} ({identity.key_id})")
    if public_out:
        public_out.write_bytes(public_pem(identity.public_key))
    result = {
        **identity.public_record(),
        "fingerprint": fingerprint_of(identity.public_key),
        "public_key": str(public_out) if public_out else None,
    }
    if as_json:
        print_json(result)
        return
    console.print(f"Created the signing key of {name}: {identity.key_id}")
    console.print(f"Fingerprint: {result['fingerprint']}", soft_wrap=True, highlight=False)


@key_app.command("list")
def list_keys(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The signing keys in this machine's keys folder (names, key ids, fingerprints; never a secret)."""
    import json

    from rich.table import Table

    keys_dir = settings(ctx).keys_dir
    rows = []
    for meta in sorted(keys_dir.glob("*.json")) if keys_dir.is_dir() else []:
        try:
            data = json.loads(meta.read_text("utf-8"))
            pem = meta.with_suffix(".key")
            rows.append({"name": data.get("name"), "key_id": data.get("key_id"), "file": str(pem)})
        except (OSError, ValueError):
            continue
    if as_json:
        print_json(rows)
        return
    table = Table("name", "key id", "private key file")
    for row in rows:
        table.add_row(str(row["name"]), str(row["key_id"]), row["file"])
    console.print(table)
