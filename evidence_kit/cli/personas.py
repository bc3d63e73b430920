"""``persona create|list|show|delete``: undercover accounts for logged-in captures (outside every case)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from .application import app, settings
from .output import console, print_json

persona_app = typer.Typer(
    help="Undercover accounts (personas) for logged-in captures, kept outside every case.", no_args_is_help=True
)
app.add_typer(persona_app, name="persona")

PASSPHRASE_ENV = "EVIDENCE_KIT_PERSONA_PASSPHRASE"  # personas/vault.py, not imported here (start-up)


def passphrase(confirm: bool) -> str | None:
    """The persona passphrase: from the environment, else asked for on a terminal (twice when a new one
    is set); None when neither can give one (the library then says what is missing)."""
    import sys

    from ..errors import InvalidInput

    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        return None
    value = str(typer.prompt("Persona passphrase", hide_input=True, confirmation_prompt=confirm))
    if not value:
        raise InvalidInput("an empty passphrase protects nothing")
    return value


@persona_app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A name for the persona (letters, digits, '.', '_', '-')."),
    platform: str = typer.Option(
        ..., "--platform", help="generic, telegram, mastodon, vk, instagram, tiktok, x, facebook."
    ),
    handle: str = typer.Option(None, "--handle", help="The account's handle on the platform (written into records)."),
    cookies: Path = typer.Option(None, "--cookies", help="Import a Netscape cookies.txt exported from a browser."),
    storage_state: Path = typer.Option(None, "--storage-state", help="Import a Playwright storage state (JSON)."),
    login: str = typer.Option(None, "--login", help="Open a visible browser at this URL to log in by hand."),
    encrypt: bool = typer.Option(
        False, "--encrypt", help=f"Seal the secrets with a passphrase (asked, or ${PASSPHRASE_ENV})."
    ),
    session_cookie: list[str] = typer.Option(
        None, "--session-cookie", help="A cookie whose loss means logged out (repeatable; default: the HttpOnly ones)."
    ),
    locale: str = typer.Option("en-GB", "--locale", help="The persona's browser language, kept for every capture."),
    timezone: str = typer.Option("UTC", "--timezone", help="The persona's browser time zone, kept for every capture."),
    user_agent: str = typer.Option(None, "--user-agent", help="The persona's user agent (default: this Chromium's)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Make a persona from a cookies.txt, a storage state, or a login by hand in a visible browser.

    Its session, its HMAC key and its browser fingerprint are kept in the configuration folder (folders
    0700, files 0600), never in a case; captures with --persona use a copy of the session.
    """
    from ..personas import making

    chosen = passphrase(confirm=True) if encrypt else None
    if encrypt and chosen is None:
        from ..errors import InvalidInput

        raise InvalidInput(f"--encrypt needs a passphrase: type it at the prompt or set {PASSPHRASE_ENV}")
    persona = making.create(
        settings(ctx),
        name,
        platform,
        handle,
        cookies,
        storage_state,
        login,
        chosen,
        locale,
        timezone,
        user_agent,
        session_cookie or (),
    )
    if as_json:
        print_json(persona.to_json())
        return
    console.print(
        f"Created persona {persona.name} ({persona.platform}{', ' + persona.handle if persona.handle else ''})"
    )
    console.print(
        f"Session {persona.source}; logged in while {', '.join(persona.session_cookies)} stay set", soft_wrap=True
    )
    if persona.encrypted:
        console.print("Its secrets are sealed with your passphrase (scrypt + AES-256-GCM).")


@persona_app.command("list")
def list_personas(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The personas on this machine (never a secret)."""
    from rich.table import Table

    from ..personas.store import PersonaStore

    personas = PersonaStore.for_settings(settings(ctx)).list()
    if as_json:
        print_json([p.to_json() for p in personas])
        return
    table = Table(title="personas")
    for column in ("name", "platform", "handle", "created", "last used", "logged in then", "encrypted"):
        table.add_column(column, overflow="fold")
    for p in personas:
        state = {True: "yes", False: "no", None: "not used yet"}[p.logged_in]
        table.add_row(
            p.name, p.platform, p.handle or "", p.created, p.last_used or "", state, "yes" if p.encrypted else "no"
        )
    console.print(table)


@persona_app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The persona's name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One persona: platform, handle, when made and last used, whether it still looked logged in; never a secret."""
    from ..personas.store import PersonaStore

    persona = PersonaStore.for_settings(settings(ctx)).get(name)
    data = persona.to_json()
    if as_json:
        print_json(data)
        return
    state = {True: "yes", False: "no", None: "not used yet"}[persona.logged_in]
    fp = persona.fingerprint
    for label, value in (
        ("persona", persona.name),
        ("platform", persona.platform),
        ("handle", persona.handle or "(none)"),
        ("created", persona.created),
        ("last used", persona.last_used or "never"),
        ("logged in at last use", state),
        ("session", persona.source),
        ("session cookies", ", ".join(persona.session_cookies)),
        ("sites", ", ".join(persona.sites)),
        ("browser", f"{fp.user_agent}; {fp.locale}; {fp.timezone}; {fp.viewport_width}×{fp.viewport_height}"),
        ("key id", persona.key_id),
        ("encrypted", "yes" if persona.encrypted else "no"),
    ):
        console.print(f"{label:>22}: {value}", soft_wrap=True, highlight=False)


@persona_app.command("delete")
def delete(ctx: typer.Context, name: str = typer.Argument(..., help="The persona's name.")) -> None:
    """Delete a persona and its secrets from this machine (captures made with it keep naming it)."""
    from ..personas.store import PersonaStore

    PersonaStore.for_settings(settings(ctx)).delete(name)
    console.print(f"Deleted persona {name}")
