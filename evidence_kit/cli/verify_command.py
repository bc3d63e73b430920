"""``evidence-kit verify TARGET``: parsed, run and printed without the command-line library.

A court expert runs ``verify`` more than anything else, often on a case that takes a moment to check:
loading Typer and rich would be most of its time there (about 0.15 s of start-up on a 2-core machine,
issue 16). So ``verify`` has its own small parser (argparse, as the standalone verifier has) and prints
with the standalone verifier's printer (:func:`chain_of_custody.report.report_lines`): the two faces print
the same lines for the same report. :func:`main` is what ``evidence-kit verify …`` runs (``cli.main``
sends it there before Typer is loaded); the Typer application lists ``verify`` and hands its words to
:func:`run` (``evidence-kit --home H verify …``, and tests that run the whole application).

Errors end as every other command's do (:mod:`.failure`): one line on stderr and the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .failure import fail, in_one_line, refuse_undecodable

if TYPE_CHECKING:
    from pathlib import Path

    from chain_of_custody.artefact_hashing import Hashing
    from chain_of_custody.report import Report

    from ..config import Settings

SUMMARY = "Verify evidence: re-hash every artefact, walk the hash chain, check every signature and timestamp."


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width as :func:`shutil.get_terminal_size` reads it: argparse
    would import shutil for it (and with it zlib, bz2 and lzma: about 3 ms of every verify, issue 16)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_columns() - 2)


def _columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def parser() -> argparse.ArgumentParser:
    commands = argparse.ArgumentParser(
        prog="evidence-kit verify",
        formatter_class=_Formatter,
        description=f"{SUMMARY} Exit 0 only when every check passes, 1 when anything fails, 2 for bad input.",
    )
    commands.add_argument("target", help="A case id, a case folder, a bundle folder or zip, or a file.")
    commands.add_argument(
        "--expect-head",
        default=None,
        metavar="HEAD",
        help="A ledger head recorded elsewhere (blake3:… or SEQ:blake3:…).",
    )
    commands.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="FINGERPRINT",
        help="A signing key's fingerprint (sha256:…) or key id you were given out of band; repeatable. Any "
        "event signed by another key fails.",
    )
    commands.add_argument(
        "--fast",
        action="store_true",
        help="Check each artefact's BLAKE3 and size only (for daily checks); the report says SHA-256 was not "
        "checked and never says VERIFIED alone.",
    )
    commands.add_argument("--json", action="store_true", help="Print the report as JSON.")
    return commands


def run(argv: Sequence[str], settings: Settings) -> int:
    """Verify what ``argv`` names (the words after ``verify``) and print the report; the exit code.

    For a case, the store's files are being hashed (on every core) before the checks and the signature
    libraries are loaded: on a case that is mostly bytes the cores are busy from the start.
    """
    from chain_of_custody import artefact_hashing

    from ..verification import resolve

    refuse_undecodable(argv)
    args = parser().parse_args(list(argv))
    with in_one_line():
        kind, path = resolve(settings, args.target)
        if kind == "case":
            with artefact_hashing.start(path, args.fast, progress=not args.json) as started:
                report = _verify_case(args, settings, path, started)
        else:
            report = _verify_other(args, settings, kind, path)
    return _report(report, args.json)


def _verify_case(args: argparse.Namespace, settings: Settings, path: Path, started: Hashing) -> Report:
    from .. import verification
    from .output import progress_bar

    with progress_bar("verifying", enabled=not args.json, unit="bytes") as progress:
        return verification.verify_case(
            path,
            args.expect_head,
            on_progress=progress,
            settings=settings,
            trust=args.trust,
            fast=args.fast,
            started=started,
        )


def _verify_other(args: argparse.Namespace, settings: Settings, kind: str, path: Path) -> Report:
    """A bundle (folder or zip) or a loose file."""
    from chain_of_custody.report import FAST_ON_A_BUNDLE

    from .. import verification

    if kind == "bundle":
        report = verification.verify_bundle(path, args.expect_head, trust=args.trust, settings=settings)
        if args.fast:
            report.warnings.append(FAST_ON_A_BUNDLE)
        return report
    return verification.verify_file(settings, path)


def _report(report: Report, as_json: bool) -> int:
    """Print the report (JSON or lines for a person); the exit code."""
    from chain_of_custody.report import print_to_a_reader, report_lines, wants_colour

    from .output import print_json

    if as_json:
        print_to_a_reader(lambda: print_json(report.to_json()))
    else:
        text = "".join(f"{line}\n" for line in report_lines(report, wants_colour(sys.stdout)))
        print_to_a_reader(lambda: print(text, end=""))
    return 0 if report.ok else 1


def main(argv: Sequence[str]) -> int:
    """``evidence-kit verify …`` as a whole process: the settings Typer's global options would give."""
    from .. import config
    from .output import tolerate_undecodable_names

    tolerate_undecodable_names()
    with in_one_line():
        settings = config.load(os.environ.get("EVIDENCE_KIT_HOME") or None)
    try:
        return run(argv, settings)
    except KeyboardInterrupt:  # Ctrl-C: not a failed check (exit 1), and no traceback
        fail("verify was interrupted before it finished: nothing is reported", 130)
