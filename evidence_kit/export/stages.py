"""The order in which an export adds its derived files to the bag, after the evidence is copied in.

Each stage is ``(job) -> None``: it reads ``job.contents`` and ``job.options``, writes only under
``data/`` through ``job.writer``, and reports back in ``job.warnings`` (or ``job.mla_missing``).
"""

from __future__ import annotations

from collections.abc import Callable

from . import case_uco, mla, report, wacz
from .job import ExportJob

Stage = Callable[[ExportJob], None]


STAGES: list[tuple[str, Stage]] = [
    ("WACZ per capture", wacz.add_to_bag),
    ("CASE/UCO JSON-LD", case_uco.add_to_bag),
    ("report (HTML and PDF)", report.add_to_bag),
    ("MLA and preservation annexes", mla.add_to_bag),  # only with a form
]
