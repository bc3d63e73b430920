"""The order in which an export adds its derived files to the bag, after the evidence is copied in.

Each stage is ``(contents, writer, options) -> None`` and writes only under ``data/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .contents import Contents

if TYPE_CHECKING:
    from .bundle import BagWriter

Stage = Callable[[Contents, "BagWriter", dict[str, Any]], None]


def _wacz(contents: Contents, writer: BagWriter, options: dict[str, Any]) -> None:
    from . import wacz

    wacz.add_to_bag(contents, writer, options)


def _case_uco(contents: Contents, writer: BagWriter, options: dict[str, Any]) -> None:
    from . import case_uco

    case_uco.add_to_bag(contents, writer, options)


def _report(contents: Contents, writer: BagWriter, options: dict[str, Any]) -> None:
    from . import report

    report.add_to_bag(contents, writer, options)


def _mla(contents: Contents, writer: BagWriter, options: dict[str, Any]) -> None:
    if options.get("mla_form") is None:
        return
    from . import mla

    mla.add_to_bag(contents, writer, options)


STAGES: list[tuple[str, Stage]] = [
    ("WACZ per capture", _wacz),
    ("CASE/UCO JSON-LD", _case_uco),
    ("report (HTML and PDF)", _report),
    ("MLA and preservation annexes", _mla),
]
