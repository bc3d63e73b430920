"""The whole Typer application: importing this module registers every command on :data:`.app.app`."""

from __future__ import annotations

from . import capture, cases, custody, export, keys, metadata, personas, social, timestamps, ui  # noqa: F401  (registers commands)
from .application import app, for_arguments

__all__ = ["app", "for_arguments"]
