"""What ``case show`` (and the web UI's case page) tells about one case, built in one explicit place.

The case's facts come from its signed events, its artefacts from the ledger, then what describe found and
what the RFC 3161 stamps cover, with a warning for everything still pending.
"""

from __future__ import annotations

from typing import Any

from chain_of_custody import ownership

from .case import Case
from .metadata import describe
from .timestamps import show_extra as timestamp_overview


def _short(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"{algorithm}:{hex_digest[:12]}…"


def metadata_overview(case: Case, summary: dict[str, Any]) -> None:
    """What describe found, and a warning when artefacts are still undescribed or a photo carries GPS."""
    found = describe.summary(case)
    summary["metadata"] = found
    if found["index_findings"]:
        first, more = found["index_findings"][0], len(found["index_findings"]) - 1
        summary.setdefault("warnings", []).append(
            f"the metadata index does not check against the signed records, so no selector or GPS value is shown:"
            f" {first}{f' (+{more} more)' if more else ''}; run 'evidence-kit describe {case.id} --rebuild-index'"
        )
    if found["not_described"]:
        summary.setdefault("warnings", []).append(
            f"{len(found['not_described'])} artefact(s) not described yet: run 'evidence-kit describe {case.id}'"
        )
    for photo in found["gps"]:
        summary.setdefault("warnings", []).append(
            f"photo carries a GPS position {photo['gps_readable']} "
            f"({photo['gps_latitude']}, {photo['gps_longitude']}) in "
            f"{_short(photo['source'])} {photo['url'] or ''}".rstrip()
        )


def case_overview(case: Case) -> dict[str, Any]:
    head = case.ledger.head()
    # An artefact's role is named by the custody event that brought it in, never by its file name.
    owned = ownership.trace(case.events())
    summary: dict[str, Any] = {
        **case.info,
        "path": str(case.path.resolve()),
        "head": str(head) if head else None,
        "events": head.seq if head else 0,
        "artefacts": [
            {**row, "role": owned.role(row["blake3"]), "path": str(case.store.path_of(row["blake3"]).resolve())}
            for row in case.artefact_rows()
        ],
        "captures": [
            {
                "id": c.get("id"),
                "url": c.get("url"),
                "final_url": c.get("final_url"),
                "status": c.get("status"),
                "started": c.get("started"),
            }
            for c in case.capture_records()
        ],
    }
    metadata_overview(case, summary)
    timestamp_overview(case, summary)
    return summary
