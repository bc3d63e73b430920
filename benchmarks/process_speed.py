"""Whole-process speed of ``verify`` and of start-up, as a user runs them (issue 16).

    python -m benchmarks.process_speed [--scale 1.0] [--runs 2]

Every figure is a whole process (``python -m evidence_kit ...``) against a baseline process measured in
the same run over the same files, page cache warm:

- ``verify`` of a case holding one 2 GiB artefact vs ``python -c`` hashlib.sha256 over that file (>= 0.85x);
- ``verify`` of a case holding 320 artefacts, 2.5 GiB, vs ``python -c`` single-stream hashlib.sha256 over
  them (>= 1.4x: SHA-256 of different files on both cores, BLAKE3 beside it);
- ``verify --fast`` of the same case vs ``b3sum`` over the same files (>= 0.8x);
- ``evidence-kit --help`` and ``verify`` of an empty case (<= 0.15 s), beside ``python -c pass``.

``--scale`` (or EVIDENCE_KIT_BENCH_SCALE) shrinks the data, e.g. 0.1 for a quick run; the targets are
for the real sizes (1.0). Data is kept under benchmarks/.data/process (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from evidence_kit import config
from evidence_kit.case import Case

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data" / "process"
# The baseline a court expert would write: hashlib.file_digest, one file after another.
SHA256_FILES = (
    "import hashlib, sys\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, 'rb') as handle:\n"
    "        print(hashlib.file_digest(handle, 'sha256').hexdigest(), name)\n"
)


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "EVIDENCE_KIT_HOME": str(DATA / "cases"),
        "EVIDENCE_KIT_KEYS": str(DATA / "keys"),
        "EVIDENCE_KIT_JOURNAL": str(DATA / "journal"),
        "XDG_CONFIG_HOME": str(DATA / "config"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def write_random(path: Path, size: int) -> None:
    block = bytearray(os.urandom(16 * MIB))
    with open(path, "wb") as handle:
        remaining = size
        while remaining:
            step = min(remaining, len(block))
            handle.write(memoryview(block)[:step])
            remaining -= step
            block[0] = (block[0] + 1) % 256  # every block differs


def case_with(case_id: str, count: int, size: int) -> tuple[Path, list[Path]]:
    """A case holding ``count`` artefacts of ``size`` bytes (made once, then reused); its stored files."""
    os.environ.update({k: v for k, v in environment().items() if k.startswith(("EVIDENCE_KIT_", "XDG_"))})
    settings = config.load(DATA / "cases")
    folder = settings.home / case_id
    if folder.is_dir():
        with Case.open(settings, case_id) as case:
            stored = [case.store.path_of(row["blake3"]) for row in case.artefact_rows()]
        if len(stored) == count and all(p.stat().st_size == size for p in stored):
            return folder, stored
        shutil.rmtree(folder)
    staging = DATA / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    with Case.create(settings, case_id, "process benchmark", "Bench Investigator") as case:
        identity = case.identity()
        for index in range(count):
            source = staging / f"{case_id}-{index:04}.bin"
            write_random(source, size)
            case.add_files([source], identity, then_pipeline=False)
            source.unlink()
        stored = [case.store.path_of(row["blake3"]) for row in case.artefact_rows()]
    return folder, stored


def best(runs: int, command: list[str]) -> float:
    """The fastest of ``runs`` runs of a whole process, in seconds (it must succeed)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=environment(), cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


def row(name: str, value: str, ratio: float | None = None, target: str = "", met: bool | None = None) -> None:
    if met is None and ratio is not None and target:
        bound = float(target[2:].rstrip("x"))
        met = ratio >= bound if target.startswith(">=") else ratio <= bound
    verdict = "" if met is None else "met" if met else "MISSED"
    shown = "" if ratio is None else f"{ratio:.2f}x"
    print(f"{name:<58} {value:>16}  {shown:>7}  {target:>8}  {verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("EVIDENCE_KIT_BENCH_SCALE", "1")))
    parser.add_argument("--runs", type=int, default=2, help="runs of each hashing process (the best counts)")
    args = parser.parse_args()
    # Byte-compiled as an installed package is (pip compiles on install): with PYTHONDONTWRITEBYTECODE
    # set, a source tree would be compiled again by every process, about 60 ms of start-up.
    for package in ("chain_of_custody", "evidence_kit"):
        compileall.compile_dir(ROOT / package, quiet=1)
    kit = [sys.executable, "-m", "evidence_kit"]
    one_size = int(2048 * MIB * args.scale)
    many_count = max(2, int(320 * args.scale))
    print(f"whole processes, {os.cpu_count()} cores, scale {args.scale} (targets are for scale 1)\n")
    print(f"{'measure':<58} {'value':>16}  {'ratio':>7}  {'target':>8}")

    one, one_files = case_with(f"ONE-{one_size}", 1, one_size)
    many, many_files = case_with(f"MANY-{many_count}", many_count, 8 * MIB)
    empty, _ = case_with("EMPTY", 0, 0)
    hashlib_one = [sys.executable, "-c", SHA256_FILES, *map(str, one_files)]
    hashlib_many = [sys.executable, "-c", SHA256_FILES, *map(str, many_files)]
    best(1, hashlib_one), best(1, hashlib_many)  # warm the page cache

    base = best(args.runs, hashlib_one)
    took = best(args.runs, [*kit, "verify", str(one), "--json"])
    gib = one_size / 1024 / MIB
    row(f"verify, one {gib:.2f} GiB artefact, vs python -c sha256", f"{took:.2f}/{base:.2f} s", base / took, ">=0.85")

    total = sum(p.stat().st_size for p in many_files) / 1024 / MIB
    base = best(args.runs, hashlib_many)
    took = best(args.runs, [*kit, "verify", str(many), "--json"])
    name = f"verify, {many_count} artefacts {total:.2f} GiB, vs one-stream sha256"
    row(name, f"{took:.2f}/{base:.2f} s", base / took, ">=1.4")

    if shutil.which("b3sum"):
        base = best(args.runs, ["b3sum", *map(str, many_files)])
        took = best(args.runs, [*kit, "verify", str(many), "--fast", "--json"])
        row(f"verify --fast, {many_count} artefacts, vs b3sum", f"{took:.2f}/{base:.2f} s", base / took, ">=0.8")
        base = best(args.runs, ["b3sum", *map(str, one_files)])
        took = best(args.runs, [*kit, "verify", str(one), "--fast", "--json"])
        row(f"verify --fast, one {gib:.2f} GiB artefact, vs b3sum", f"{took:.2f}/{base:.2f} s", base / took, ">=0.8")
    else:
        row("verify --fast vs b3sum", "b3sum not installed")

    runs = 10
    bare = best(runs, [sys.executable, "-c", "pass"])
    row("baseline: python -c pass", f"{bare * 1000:.0f} ms")
    for label, command in (
        ("evidence-kit --help", [*kit, "--help"]),
        ("evidence-kit verify <empty case>", [*kit, "verify", str(empty)]),
        (
            "python -m chain_of_custody verify <empty case>",
            [sys.executable, "-m", "chain_of_custody", "verify", str(empty)],
        ),
    ):
        took = best(runs, command)
        row(label, f"{took * 1000:.0f} ms", took / bare, "<=0.15 s", met=took <= 0.15)


if __name__ == "__main__":
    main()
