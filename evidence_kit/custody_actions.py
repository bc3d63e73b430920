"""What a case is called and what an investigator may record by hand: plain names the CLI's help shows
before any case is opened (kept apart from :mod:`evidence_kit.case`, whose imports cost start-up)."""

from __future__ import annotations

import re

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

# Manual custody actions (ISO/IEC 27037 and SWGDE custody vocabulary).
MANUAL_ACTIONS = ("handover", "transfer", "seal", "unseal", "access", "copy", "review", "note", "dispose")
