"""The command line: a thin layer that parses, calls the library and prints."""

from __future__ import annotations

import sys

from . import capture, cases, custody, export, keys, metadata, personas, social, timestamps, ui  # noqa: F401  (registers commands)
from .app import app, for_arguments


def main() -> None:
    for_arguments(sys.argv[1:])()


__all__ = ["app", "main"]
