"""What happens automatically after evidence enters a case (``add`` or ``capture``).

Each later stage (describe metadata, timestamp) adds one call here. Keeping the sequence in one place
makes the data flow of ARCHITECTURE.md readable: store → describe → ledger → timestamp.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chain_of_custody.keys import Identity

from .case import Case
from .store import Artefact

# Each step: (case, identity, artefacts, capture_record_or_None) -> None. A step must not raise for
# conditions the user cannot fix now (no TSA reachable): it records them instead.
Step = Callable[[Case, Identity, list[Artefact], dict[str, Any] | None], None]
STEPS: list[Step] = []


def after_ingest(case: Case, identity: Identity, artefacts: list[Artefact],
                 capture_record: dict[str, Any] | None = None) -> None:
    # Steps marked ``runs_last`` (the RFC 3161 stamp) go after the others: the stamp covers what they add.
    for step in sorted(STEPS, key=lambda s: getattr(s, "runs_last", False)):
        step(case, identity, artefacts, capture_record)


from .metadata.describe import pipeline_step as describe_step  # noqa: E402
from .timestamps import auto_stamp  # noqa: E402  (timestamps imports case, never this module)

STEPS.append(auto_stamp)
STEPS.append(describe_step)
