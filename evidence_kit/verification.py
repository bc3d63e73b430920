"""What ``evidence-kit verify TARGET`` means for each kind of target.

A target is a case id, a case folder, an exported bundle (folder or zip) or a loose file. Every case and
bundle check lives in ``chain_of_custody`` (its catalogue: :mod:`chain_of_custody.checks`), so
``python -m chain_of_custody verify`` runs exactly the same checks; this module only resolves the target,
passes the TSA roots the settings pin, and answers for loose files (which need the view of all cases).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chain_of_custody.errors import CustodyError, Finding
from chain_of_custody.report import Report

from .config import Settings
from .custody_actions import CASE_ID
from .errors import InvalidInput

if TYPE_CHECKING:
    from chain_of_custody.artefact_hashing import Hashing

# The verifiers and the case are imported by the function that needs them: ``verify CASE`` then loads
# neither the bundle checks nor the case's writing side (issue 16: start-up).


def resolve(settings: Settings, target: str) -> tuple[str, Path]:
    """Return (kind, path): kind is "case", "bundle" or "file"."""
    if CASE_ID.match(target) and (settings.home / target / "case.json").is_file():
        return "case", settings.home / target
    path = Path(target)
    if path.is_dir():
        if (path / "case.json").is_file():
            return "case", path
        from chain_of_custody import bundle as custody_bundle

        if custody_bundle.looks_like_bundle(path):  # a bag without bagit.txt is a bundle that fails, not "not a bundle"
            return "bundle", path
        raise InvalidInput(f"{target} is a folder but neither a case nor an evidence bundle")
    if path.is_file():
        if path.suffix.lower() == ".zip":
            return "bundle", path
        return "file", path
    raise InvalidInput(f"{target!r} is neither a case in {settings.home} nor an existing file or folder")


def verify_case(
    path: Path,
    expect_head: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
    trust: Sequence[str] = (),
    fast: bool = False,
    started: Hashing | None = None,
) -> Report:
    """``started``: the store's files already being hashed (see :func:`chain_of_custody.verify.verify_case`)."""
    from chain_of_custody import verify as custody_verify

    from . import config

    # RFC 3161 tokens must chain to the TSA roots the settings trust, when any are configured (the TSA
    # client module is loaded only then).
    chosen = settings if settings is not None else config.load()
    roots: list[Any] = []
    if any(tsa.roots for tsa in chosen.tsas):
        from .timestamps import pinned_roots

        roots = list(pinned_roots(chosen))
    report = custody_verify.verify_case(
        path,
        expect_head=expect_head,
        on_progress=on_progress,
        tsa_roots=roots,
        trust=trust,
        fast=fast,
        started=started,
    )
    report.warnings.extend(persona_warnings(chosen, path))
    return report


def persona_warnings(settings: Settings, path: Path) -> list[str]:
    """Warnings (not a check: the standalone verifier has no persona secrets, and a check must mean the same
    in both faces) when a file of the case or bundle holds a secret value of a persona its captures used."""
    from .personas import used

    return used.zip_warnings(settings, path) if path.is_file() else used.folder_warnings(settings, path)


def verify_file(settings: Settings, path: Path) -> Report:
    """Is this loose file evidence in any case under the home folder, and with what history?"""
    import sqlite3

    from chain_of_custody.hashing import hash_file

    from .case import Case

    digests = hash_file(path)
    report = Report(target=str(path), kind="file")
    report.facts.update(digests.to_json())
    matches: list[dict[str, Any]] = []
    for case_id in Case.list_ids(settings):
        try:
            with Case.open(settings, case_id) as case:
                history = [
                    {"seq": e.seq, "time": e.time, "actor": e.actor, "action": e.action}
                    for e in case.events()
                    if isinstance(e.artefacts, list)
                    and any(isinstance(item, dict) and item.get("blake3") == digests.blake3 for item in e.artefacts)
                ]
        except (CustodyError, sqlite3.DatabaseError) as exc:  # one damaged case never hides the others
            report.warnings.append(f"case {case_id} could not be searched: {exc}")
            continue
        if history:
            matches.append({"case_id": case_id, "history": history})
    report.facts["cases"] = matches
    description = "the file is recorded as evidence in a case"
    if matches:
        report.passed_item("in-case", description)
    else:
        report.fail(
            "in-case",
            description,
            Finding("in-case", str(path), f"no case in {settings.home} holds these bytes ({digests.blake3})"),
        )
    return report


def verify_bundle(
    path: Path, expect_head: str | None = None, trust: Sequence[str] = (), settings: Settings | None = None
) -> Report:
    from chain_of_custody import bundle as custody_bundle

    from . import config

    report = custody_bundle.verify_bundle(path, expect_head=expect_head, trust=trust)
    report.warnings.extend(persona_warnings(settings if settings is not None else config.load(), path))
    return report
