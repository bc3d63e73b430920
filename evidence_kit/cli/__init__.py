"""The command line: a thin layer that parses, calls the library and prints."""

from __future__ import annotations

from . import capture, cases, custody, export, keys, metadata, personas, social, timestamps, ui  # noqa: F401  (registers commands)
from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
