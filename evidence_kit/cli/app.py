"""The Typer application and the one place user errors become a line on stderr and an exit code."""

from __future__ import annotations

import sys
from typing import Any

import click
import typer
from typer.core import TyperGroup

from chain_of_custody.errors import CustodyError

from .. import config


class EvidenceGroup(TyperGroup):
    """Turns every :class:`CustodyError` into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CustodyError as exc:
            sys.stderr.write(f"error: {exc}\n")
            sys.stderr.flush()
            raise SystemExit(exc.exit_code) from None


class DefaultCommandGroup(TyperGroup):
    """A group whose first subcommand runs when the first word is not a subcommand name.

    ``ledger CASE_ID`` means ``ledger show CASE_ID`` while ``ledger record CASE_ID`` still works.
    """

    default_command = "show"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=EvidenceGroup,
    help="Capture, preserve and verify online evidence for court and mutual legal assistance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: str = typer.Option(None, "--home", envvar="EVIDENCE_KIT_HOME",
                             help="Folder where cases live (default ./cases)."),
) -> None:
    """Global options."""
    ctx.obj = config.load(home)


def settings(ctx: typer.Context) -> config.Settings:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = config.load(None)
    return root.obj  # type: ignore[no-any-return]
