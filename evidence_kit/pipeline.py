"""The one ordered sequence that runs after evidence enters a case, for ``add`` and ``capture`` alike.

    ingest (Case.add_files, or a capture)  ->  describe  ->  timestamp

``Case.add_files`` and the capture session both end in :func:`after_ingest`, so every face of the
library (the CLI, the web UI, a script) gets the same behaviour. The order matters: the RFC 3161 stamp
comes last so that its manifest covers the descriptions made just before it. A step never raises for a
condition the user cannot fix now (no TSA reachable, an extractor failing): it records it in the ledger
instead, and the evidence already stored stays stored.

To add a step: write it as ``step(case, identity, artefacts, capture_record) -> None`` in the module that
holds its subject, and call it here, in its place in the flow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chain_of_custody.keys import Identity

from .metadata.describe import pipeline_step as describe
from .store import Artefact
from .timestamps import auto_stamp as timestamp

if TYPE_CHECKING:
    from .case import Case


def after_ingest(
    case: Case, identity: Identity, artefacts: list[Artefact], capture_record: dict[str, Any] | None = None
) -> None:
    """Describe what came in, then stamp it (when TSAs are configured)."""
    describe(case, identity, artefacts, capture_record)
    timestamp(case, identity, artefacts, capture_record)
