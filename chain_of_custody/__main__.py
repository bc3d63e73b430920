"""``python -m chain_of_custody verify TARGET [--json] [--expect-head H]``: verify with this package alone.

TARGET is a case folder (with ``case.json`` and ``ledger.sqlite``) or an exported bundle (folder or zip).
Exit 0 when every check passes, 1 when any fails, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import CustodyError
from .report import FAST_ON_A_BUNDLE, Report, print_to_a_reader, report_lines, wants_colour


def print_report(report: Report) -> None:
    print("".join(f"{line}\n" for line in report_lines(report, wants_colour(sys.stdout))), end="")


def verify_target(
    target: Path,
    expect_head: str | None,
    trust: Sequence[str] = (),
    tsa_roots: Sequence[Any] = (),
    fast: bool = False,
) -> Report:
    if target.is_dir() and (target / "case.json").is_file():
        from . import artefact_hashing

        # the store is being hashed on every core while the checks and their libraries load
        with artefact_hashing.start(target, fast, progress=False) as started:
            from .verify import verify_case

            return verify_case(
                target, expect_head=expect_head, trust=trust, tsa_roots=tsa_roots, fast=fast, started=started
            )
    from .bundle import looks_like_bundle, verify_bundle

    if (target.is_dir() and looks_like_bundle(target)) or target.is_file():
        report = verify_bundle(target, expect_head=expect_head, trust=trust, tsa_roots=tsa_roots)
        if fast:
            report.warnings.append(FAST_ON_A_BUNDLE)
        return report
    raise CustodyError(f"{target} is neither a case folder nor an evidence bundle (folder or zip)")


def _roots(paths: Sequence[Path]) -> list[Any]:
    if not paths:
        return []  # the certificate library is loaded by the checks that need it
    from .timestamp_check import load_certificates

    roots: list[Any] = []
    for path in paths:
        try:
            roots.extend(load_certificates(path.read_bytes()))
        except OSError as exc:
            raise CustodyError(f"cannot read TSA root {path}: {exc.strerror}") from None
    return roots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chain_of_custody",
        description="Verify a case folder or an exported evidence bundle with nothing but this package.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser(
        "verify",
        help="verify a case folder, a bundle folder or a bundle zip",
        description="Re-hash every artefact, walk the hash chain, check every signature, "
        "manifest and timestamp. Exit 0 only if every check passes.",
    )
    verify.add_argument("target", type=Path, help="case folder, bundle folder or bundle zip")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--expect-head", default=None, help="a ledger head recorded elsewhere (blake3:... or SEQ:blake3:...)"
    )
    verify.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="FINGERPRINT",
        help="a signing key's fingerprint (sha256:...) or key id you were given out of band; repeatable. "
        "Any event signed by another key fails",
    )
    verify.add_argument(
        "--tsa-root",
        action="append",
        default=[],
        type=Path,
        metavar="PEM",
        help="trust RFC 3161 tokens only if they chain to this root certificate; repeatable",
    )
    verify.add_argument(
        "--fast",
        action="store_true",
        help="check each artefact's BLAKE3 and size only (for daily checks); the report says SHA-256 was not "
        "checked and never says VERIFIED alone",
    )
    args = parser.parse_args(argv)
    try:
        report = verify_target(args.target, args.expect_head, args.trust, _roots(args.tsa_root), args.fast)
    except CustodyError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except OSError as exc:  # a target the system cannot even look up (a 5,000-character name): bad input
        name = str(args.target)
        shown = name if len(name) <= 200 else f"{name[:80]}… ({len(name):,} characters)"
        sys.stderr.write(f"error: {shown}: {exc.strerror or exc}\n")
        return 2
    if args.json:
        text = json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
        print_to_a_reader(lambda: print(text, end=""))
    else:
        print_to_a_reader(lambda: print_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
