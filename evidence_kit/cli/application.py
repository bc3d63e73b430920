"""The Typer application and the one place user errors become a line on stderr and an exit code."""

from __future__ import annotations

import copy
from typing import Any

import typer
from typer.core import TyperGroup

from .. import config
from .failure import in_one_line, refuse_undecodable


# ctx is the click Context of the click typer runs on (its own vendored copy from typer 0.20 on): typed Any.
class EvidenceGroup(TyperGroup):
    """Turns every :class:`CustodyError` into one line on stderr and its exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        refuse_undecodable(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        with in_one_line():
            return super().invoke(ctx)


class DefaultCommandGroup(TyperGroup):
    """A group whose first subcommand runs when the first word is not a subcommand name.

    ``ledger CASE_ID`` means ``ledger show CASE_ID`` while ``ledger record CASE_ID`` still works.
    """

    default_command = "show"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=EvidenceGroup,
    help="Capture, preserve and verify online evidence for court and mutual legal assistance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help (click's): typer's rich help imports rich's Markdown and markdown-it first, about
    # 0.1 s of every --help on a 2-core machine (issue 16: --help within 0.15 s).
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: str = typer.Option(
        None, "--home", envvar="EVIDENCE_KIT_HOME", help="Folder where cases live (default ./cases)."
    ),
) -> None:
    """Global options."""
    from .output import tolerate_undecodable_names

    tolerate_undecodable_names()
    ctx.obj = config.load(home)


def settings(ctx: typer.Context) -> config.Settings:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = config.load(None)
    return root.obj  # type: ignore[no-any-return]


def for_arguments(args: list[str]) -> typer.Typer:
    """The application with only the top-level command ``args`` names (``verify``, ``ledger`` …).

    Typer builds every command's click object before it runs one (about 12 ms for our 25 commands, on
    every run): narrowed to the named command, it builds one. The command parses, runs and fails exactly
    as in the whole application; anything else (no command, ``--help``, a global option first, an unknown
    name and its suggestions) gets the whole application.
    """
    from typer.main import get_command_name

    if not args:
        return app
    name = args[0]
    commands = [
        c for c in app.registered_commands if (c.name or get_command_name(getattr(c.callback, "__name__", ""))) == name
    ]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands = commands
    narrowed.registered_groups = groups
    return narrowed
