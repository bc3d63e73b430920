"""What the stages of one export share: the choices made for it, what it holds, the bag being written, and
what the stages report back (warnings, MLA fields left empty)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .bag import BagWriter
from .contents import Contents
from .printing import Printer
from .wacz_signing import WaczSigner


@dataclass(frozen=True)
class ExportOptions:
    """The choices an investigator makes for one export."""

    lang: str = "en"  # of the report and the MLA annexes
    mla_form: dict[str, Any] | None = None  # a parsed FORM.json (``mla.load_form``); None: no annexes
    chromium: str | None = None  # print PDFs with this Chromium instead of the configured one
    # The passphrase of the case's encrypted personas (else $EVIDENCE_KIT_PERSONA_PASSPHRASE), to check
    # that none of their secrets is in the bundle (export/secrets.py).
    persona_passphrase: str | None = field(default=None, repr=False)


@dataclass
class ExportJob:
    contents: Contents
    writer: BagWriter
    options: ExportOptions = field(default_factory=ExportOptions)
    warnings: list[str] = field(default_factory=list)  # said to the investigator and kept in the export event
    mla_missing: list[str] | None = None  # required MLA form fields left empty; None when no form was given
    wacz_signer: WaczSigner | None = None  # the exporting investigator's enrolled WACZ key (when captures are in it)
    printer: Printer | None = None  # the export's Chromium, started with it (None: a stage prints on its own)
