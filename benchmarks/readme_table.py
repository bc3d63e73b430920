"""Write the README's "as a user runs it" speed table from the last ``benchmarks.process_speed`` results.

    python -m benchmarks.readme_table [--check]

Reads benchmarks/.data/speed.json and replaces what stands between the two marker lines of README.md
(``<!-- speed-table:begin -->`` and ``<!-- speed-table:end -->``) with a table in the issue's order,
the machine it ran on, when, and the load at the time. ``--check`` only says whether the README
already shows these results (exit 1 if not).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / ".data" / "speed.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- speed-table:begin -->", "<!-- speed-table:end -->"
ORDER = (
    "verify-one",
    "verify-many",
    "verify-fast",
    "verify-fast-one",
    "export",
    "capture-varied",
    "capture-sample",
    "concurrency-curve",
    "concurrency-default",
    "ledger",
    "help",
    "verify-empty",
    "verify-empty-standalone",
)


def table(results: dict) -> str:
    rows = sorted(results["rows"], key=lambda r: ORDER.index(r["key"]) if r["key"] in ORDER else len(ORDER))
    scale = "" if results["scale"] == 1 else f", data scale {results['scale']}"
    lines = [
        f"Measured with `make bench` on {results['machine']}{scale}. Whole processes, each against its "
        "baseline run alternately in the same run (best of each). The load column is the machine's load "
        "average when the row was measured: above 2 on these 2 cores, other work shared them, which slows "
        "the multi-core side most, so ratios are then worse than on a quiet machine.",
        "",
        "| what | ours | baseline | ratio | target | | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        verdict = "" if r["met"] is None else "met" if r["met"] else "**missed**"
        target = r["target"].replace(">=", "≥ ").replace("<=", "≤ ").replace("x", "×")
        ratio = r["ratio"].replace("x", "×")
        load = f"{r['load']:.1f}" if r.get("load") else ""
        lines.append(f"| {r['what']} | {r['ours']} | {r['baseline']} | {ratio} | {target} | {verdict} | {load} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the README is up to date")
    args = parser.parse_args()
    if not RESULTS.is_file():
        raise SystemExit(f"no results yet: run python -m benchmarks.process_speed ({RESULTS} is missing)")
    text = README.read_text("utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"README.md has no {BEGIN} … {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{table(json.loads(RESULTS.read_text()))}{END}{tail}"
    if args.check:
        sys.exit(0 if new == text else 1)
    README.write_text(new, "utf-8")
    print(f"README.md speed table written from {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
