"""The command line: a thin layer that parses, calls the library and prints.

``verify`` starts without the command-line library (:mod:`.verify_command`); every other command is
a Typer command, registered when :mod:`.commands` is imported.
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["verify"]:
        from .verify_command import main as verify

        raise SystemExit(verify(args[1:]))
    from .commands import for_arguments

    for_arguments(args)()


def __getattr__(name: str) -> Any:
    """``app``, the whole Typer application, is built on first use (``from evidence_kit.cli import app``)."""
    if name == "app":
        from .commands import app

        return app
    raise AttributeError(name)


__all__ = ["app", "main"]
